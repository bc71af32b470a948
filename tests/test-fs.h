/*
 * Test helper: remove a scratch directory tree.  rm -rf run directly (no
 * shell, so the path needs no quoting).  Returns 0 if rm succeeded.
 */
#ifndef BAMBOO_TESTS_TEST_FS_H
#define BAMBOO_TESTS_TEST_FS_H

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int test_rm_rf (const char *path)
{
  int status = -1;
  pid_t pid = fork ();

  if (pid == 0) {
    execlp ("rm", "rm", "-rf", "--", path, (char *) NULL);
    _exit (127);
  }
  if (pid < 0 || waitpid (pid, &status, 0) < 0)
    return -1;
  return WIFEXITED (status) && WEXITSTATUS (status) == 0 ? 0 : -1;
}

#endif

/*
 * Test helpers for scratch files: test_rm_rf removes a scratch directory
 * tree (rm -rf run directly, no shell, so the path needs no quoting;
 * returns 0 if rm succeeded); test_path and test_write_file make the
 * files in it (a failure ends the test program).
 */
#ifndef BAMBOO_TESTS_TEST_FS_H
#define BAMBOO_TESTS_TEST_FS_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "c-client.h"
#include "bamboo/buf.h"

/* dir/name, fs_get'ed */
static inline char *test_path (const char *dir, const char *name)
{
  struct buf b = BUF_INIT;
  buf_printf (&b, "%s/%s", dir, name);
  return buf_detach (&b);
}

/* path holds text, with mode */
static inline void test_write_file (const char *path, const char *text,
				    mode_t mode)
{
  FILE *f = fopen (path, "w");
  if (!f || fputs (text, f) == EOF || fclose (f) || chmod (path, mode)) {
    perror (path);
    exit (1);
  }
}

static inline int test_rm_rf (const char *path)
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

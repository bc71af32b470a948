/*
 * bamboo-lock.c - holds a mailbox's dotlock with our lock_dot() for a while,
 * so run.sh can check that UW's library waits for it.
 *   bamboo-lock MAILBOX-PATH SECONDS
 * Prints "locked" once the lock is held and "unlocked" after releasing it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "lock.h"
#include "env.h"

int main (int argc, char **argv)
{
  const char *error = NULL;
  DOTLOCK dl;

  if (argc != 3) {
    fprintf (stderr, "usage: %s MAILBOX SECONDS\n", argv[0]);
    return 2;
  }
  if (lock_dot (NIL, argv[1], -1, &dl, &error) < 0 || !dl.lock[0]) {
    fprintf (stderr, "cannot lock %s: %s\n", argv[1], error ? error : "no lock file");
    return 1;
  }
  printf ("locked\n");
  fflush (stdout);
  lock_sleep_ns (atol (argv[2]) * 1000000000L);
  if (lock_undot (&dl) < 0) {
    fprintf (stderr, "unlock failed\n");
    return 1;
  }
  printf ("unlocked\n");
  return 0;
}

/*
 * args.c - mlock's argument checks, kept apart so they can be fuzzed.
 */
#include <limits.h>
#include <string.h>

#include "mlock-args.h"

int mlock_parse_fd (const char *s)
{
  const char *p;
  long n = 0;

  for (p = s; *p >= '0' && *p <= '9' && n <= INT_MAX; p++)
    n = n * 10 + (*p - '0');
  return p == s || *p || n > INT_MAX || n < 3 ? -1 : (int) n;
}

const char *mlock_path_problem (const char *path)
{
  const char *p, *c;

  if (path[0] != '/')
    return "is not absolute";
  if (strlen (path) > PATH_MAX - 6)
    return "is too long";
  for (p = path; *p == '/'; p = c) {
    size_t n = (size_t) ((c = strchrnul (p + 1, '/')) - p - 1);
    if (n == 0 || (n <= 2 && !strncmp (p + 1, "..", n)))
      return "has an empty, \".\" or \"..\" component";
  }
  return NULL;
}

/*
 * mlock's argument checks (mlock/args.c): mlock runs setgid mail on its
 * caller's words.  The input is "FD\nPATH" (split at the first LF; no LF:
 * all of it is both).  mlock_parse_fd() must accept exactly the plain
 * decimal numbers from 3 to INT_MAX, and mlock_path_problem() exactly the
 * absolute paths of at most PATH_MAX - 6 bytes with no empty, "." or ".."
 * component, as a reference written another way decides.
 */
/* fuzz-link: mlock/args.c */
#include <limits.h>
#include "fuzz.h"
#include "../mlock/mlock-args.h"

static long ref_fd (const char *s)
{
  unsigned long long n = 0;
  size_t i, len = strlen (s);
  if (len == 0)
    return -1;
  for (i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    if (n <= INT_MAX)		/* past INT_MAX it only has to stay past */
      n = n * 10 + (unsigned) (s[i] - '0');
  }
  return n >= 3 && n <= INT_MAX ? (long) n : -1;
}

static int ref_path_ok (const char *path)
{
  size_t len = strlen (path), start = 1, i;
  if (len == 0 || path[0] != '/' || len > PATH_MAX - 6)
    return 0;
  for (i = 1; i <= len; i++)
    if (i == len || path[i] == '/') {	/* component [start, i) */
      size_t n = i - start;
      if (n == 0 || (n == 1 && path[start] == '.')
	  || (n == 2 && path[start] == '.' && path[start + 1] == '.'))
	return 0;
      start = i + 1;
    }
  return 1;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *in = fuzz_cstr (data, size), *nl = strchr (in, '\n');
  const char *fd = in, *path = in;
  if (nl) {
    *nl = '\0';
    path = nl + 1;
  }
  FUZZ_CHECK (mlock_parse_fd (fd) == ref_fd (fd));
  FUZZ_CHECK ((mlock_path_problem (path) == NULL) == ref_path_ok (path));
  fs_give ((void **) &in);
  return 0;
}

/*
 * Bamboo IMAP c-client: IMAP LIST wildcard matching.
 *
 *   pmatch_full (s, pat, delim)  does name s match pattern pat?
 *   dmatch (s, pat, delim)       could a name under directory s match pat?
 *
 * '*' matches any run of characters, '%' any run without the hierarchy
 * delimiter (with no delimiter, '%' is the same as '*').  Everything else
 * matches itself exactly, except that a leading "INBOX" component matches
 * in any case, as RFC 3501 and UW have it.
 *
 * The pattern is run as a set of positions (a Thompson NFA), so the cost is
 * O(len(s) * len(pat)) whatever the pattern: "*a*a*a*a*b" against a long
 * name cannot backtrack exponentially as a recursive matcher does.
 */

#include "internal.h"

/* If both s and pat begin with an INBOX component (case-insensitive), skip
 * it in both, so the rest is compared exactly. */
static void
skip_inbox (const unsigned char **s, const unsigned char **pat,
	    unsigned char delim)
{
  const unsigned char *p = *pat, *n = *s;

  if (strncasecmp ((const char *) n, "INBOX", 5) ||
      strncasecmp ((const char *) p, "INBOX", 5))
    return;
  if (n[5] && (!delim || n[5] != delim))
    return;
  if (p[5] && p[5] != '*' && p[5] != '%' && (!delim || p[5] != delim))
    return;
  *s = n + 5;
  *pat = p + 5;
}

/* Add position i and everything reachable from it without input (a
 * wildcard may match the empty string) to the state set. */
static void
add_state (unsigned char *set, const unsigned char *pat, size_t m, size_t i)
{
  while (i <= m && !set[i]) {
    set[i] = 1;
    if (i < m && (pat[i] == '*' || pat[i] == '%'))
      i++;
    else
      break;
  }
}

/* Run s through pat.  Returns 1 if the whole of s is consumed with the
 * pattern at its end (match), or, in prefix mode, with any live state. */
static int
pm_run (const unsigned char *s, const unsigned char *pat, unsigned char delim,
	int prefix)
{
  size_t m = strlen ((const char *) pat), i;
  unsigned char small[2][256];
  unsigned char *cur, *next, *tmp, *heap = NIL;
  int live = 1, ret;

  if (m + 1 <= sizeof small[0]) {
    cur = small[0];
    next = small[1];
  }
  else {
    heap = fs_get (2 * (m + 1));
    cur = heap;
    next = heap + m + 1;
  }
  memset (cur, 0, m + 1);
  add_state (cur, pat, m, 0);
  for (; *s && live; s++) {
    memset (next, 0, m + 1);
    live = 0;
    for (i = 0; i < m; i++) {
      if (!cur[i])
	continue;
      switch (pat[i]) {
      case '*':
	add_state (next, pat, m, i);
	live = 1;
	break;
      case '%':
	if (delim && *s == delim)
	  break;
	add_state (next, pat, m, i);
	live = 1;
	break;
      default:
	if (pat[i] == *s) {
	  add_state (next, pat, m, i + 1);
	  live = 1;
	}
	break;
      }
    }
    tmp = cur;
    cur = next;
    next = tmp;
  }
  if (!live)
    ret = 0;
  else if (prefix) {
    ret = 0;
    for (i = 0; i <= m && !ret; i++)
      ret = cur[i];
  }
  else
    ret = cur[m];
  if (heap)
    fs_give ((void **) &heap);
  return ret;
}

long
pmatch_full (unsigned char *s, unsigned char *pat, unsigned char delim)
{
  const unsigned char *cs = s, *cp = pat;

  if (!s || !pat)
    return NIL;
  skip_inbox (&cs, &cp, delim);
  return pm_run (cs, cp, delim, 0) ? LONGT : NIL;
}

/* s is a directory name (with or without a trailing delimiter).  T if some
 * name s<delim>... could match pat, i.e. whether LIST must descend into s.
 * Without a delimiter any name starting with s counts. */
long
dmatch (unsigned char *s, unsigned char *pat, unsigned char delim)
{
  const unsigned char *cs = s, *cp = pat;
  size_t n;
  unsigned char *withdelim;
  long ret;

  if (!s || !pat)
    return NIL;
  skip_inbox (&cs, &cp, delim);
  n = strlen ((const char *) cs);
  if (!delim || (n && cs[n - 1] == delim))
    return pm_run (cs, cp, delim, 1) ? LONGT : NIL;
  withdelim = fs_get (n + 2);
  memcpy (withdelim, cs, n);
  withdelim[n] = delim;
  withdelim[n + 1] = '\0';
  ret = pm_run (withdelim, cp, delim, 1) ? LONGT : NIL;
  fs_give ((void **) &withdelim);
  return ret;
}

/*
 * test-pmatch.c - LIST wildcard matching (os/pmatch.c): a table of cases,
 * pathological patterns that would take exponential time in a naive
 * backtracking matcher, and a comparison against a simple recursive
 * reference on many small random inputs.
 */
#include <time.h>

#include "unit.h"
#include "internal.h"

struct pm_case {
  const char *s, *pat;
  int delim;
  int expect;
};

static const struct pm_case pm_cases[] = {
  { "foo", "foo", '/', 1 },
  { "foo", "Foo", '/', 0 },		/* case-sensitive */
  { "foo", "fo", '/', 0 },
  { "fo", "foo", '/', 0 },
  { "", "", '/', 1 },
  { "", "*", '/', 1 },
  { "", "%", '/', 1 },
  { "a", "", '/', 0 },
  { "foo/bar", "*", '/', 1 },
  { "foo/bar", "%", '/', 0 },
  { "foo/bar", "foo/%", '/', 1 },
  { "foo/bar/baz", "foo/%", '/', 0 },
  { "foo/bar/baz", "foo/*", '/', 1 },
  { "foo/bar/baz", "foo/%/baz", '/', 1 },
  { "foo/bar/baz", "%/%/%", '/', 1 },
  { "foo/bar/baz", "%/%", '/', 0 },
  { "foo/", "foo/%", '/', 1 },
  { "foo", "foo/%", '/', 0 },
  { "foo.bar", "%", '/', 1 },
  { "foo.bar", "%", '.', 0 },
  { "foo.bar", "foo.%", '.', 1 },
  { "foo/bar", "%", 0, 1 },		/* no delimiter: % = * */
  { "foo/bar", "f%r", 0, 1 },
  { "abc", "a*c", '/', 1 },
  { "ac", "a*c", '/', 1 },
  { "abcbc", "a*bc", '/', 1 },
  { "abcbd", "a*bc", '/', 0 },
  { "a%b", "a%b", '/', 1 },
  { "x*y", "x*y", '/', 1 },
  /* INBOX is case-insensitive as a leading component only */
  { "INBOX", "INBOX", '/', 1 },
  { "INBOX", "inbox", '/', 1 },
  { "inbox", "INBOX", '/', 1 },
  { "InBox", "iNbOx", '/', 1 },
  { "INBOX", "IN*", '/', 1 },
  { "INBOX", "in*", '/', 0 },		/* "in*" is not an INBOX pattern */
  { "INBOX", "inbox*", '/', 1 },
  { "INBOX", "inbox%", '/', 1 },
  { "inbox/Sent", "INBOX/Sent", '/', 1 },
  { "inbox/Sent", "INBOX/sent", '/', 0 },
  { "INBOX/x", "inbox/%", '/', 1 },
  { "inboxes", "INBOXES", '/', 0 },
  { "INBOXES", "inboxes", '/', 0 },
  { "my/inbox", "my/INBOX", '/', 0 },
  { "INBOX", "*", '/', 1 },
  { "INBOX", "%", '/', 1 },
  /* bytes >= 0x80 are ordinary */
  { "caf\xc3\xa9", "caf%", '/', 1 },
  { "caf\xc3\xa9", "caf\xc3\xa9", '/', 1 },
};

struct dm_case {
  const char *dir, *pat;
  int delim;
  int expect;
};

static const struct dm_case dm_cases[] = {
  { "a", "*", '/', 1 },
  { "a", "%", '/', 0 },
  { "a", "a/%", '/', 1 },
  { "a/", "a/%", '/', 1 },
  { "a", "a", '/', 0 },
  { "a", "b/%", '/', 0 },
  { "a", "%/%", '/', 1 },
  { "a/b", "%/%", '/', 0 },
  { "a/b", "%/%/%", '/', 1 },
  { "a/b", "a/*", '/', 1 },
  { "ab", "a%", '/', 0 },
  { "ab", "a*", '/', 1 },
  { "ab", "a%/x", '/', 1 },
  { "ab", "a%/x", '/', 1 },
  { "x/y/z", "x/%", '/', 0 },
  { "x/y/z", "x/%/%/q", '/', 1 },
  { "INBOX", "inbox/%", '/', 1 },
  { "Mail", "Mail/%", '/', 1 },
  { "Mail", "mail/%", '/', 0 },
  { "a", "abc", 0, 1 },		/* no delimiter: prefix test */
  { "abd", "abc", 0, 0 },
};

/* The obvious recursive matcher: exponential in the worst case, fine for
 * the short random strings used to cross-check the NFA. */
static int
ref_match (const char *s, const char *p, int delim)
{
  if (!*p)
    return !*s;
  if (*p == '*') {
    for (;; s++) {
      if (ref_match (s, p + 1, delim))
	return 1;
      if (!*s)
	return 0;
    }
  }
  if (*p == '%') {
    for (;; s++) {
      if (ref_match (s, p + 1, delim))
	return 1;
      if (!*s || (delim && *s == delim))
	return 0;
    }
  }
  return *s == *p && ref_match (s + 1, p + 1, delim);
}

static void
random_string (char *dst, size_t maxlen, const char *alphabet)
{
  size_t n = (size_t) rand () % (maxlen + 1), i, k = strlen (alphabet);

  for (i = 0; i < n; i++)
    dst[i] = alphabet[rand () % k];
  dst[n] = '\0';
}

int
main (void)
{
  size_t i;

  for (i = 0; i < sizeof pm_cases / sizeof pm_cases[0]; i++) {
    const struct pm_case *c = &pm_cases[i];
    long r = pmatch_full ((unsigned char *) c->s, (unsigned char *) c->pat,
			  (unsigned char) c->delim);

    if (!CHECK_INTEQ (r ? 1 : 0, c->expect))
      printf ("  pmatch_full (\"%s\", \"%s\", '%c')\n", c->s, c->pat,
	      c->delim ? c->delim : '0');
  }
  for (i = 0; i < sizeof dm_cases / sizeof dm_cases[0]; i++) {
    const struct dm_case *c = &dm_cases[i];
    long r = dmatch ((unsigned char *) c->dir, (unsigned char *) c->pat,
		     (unsigned char) c->delim);

    if (!CHECK_INTEQ (r ? 1 : 0, c->expect))
      printf ("  dmatch (\"%s\", \"%s\", '%c')\n", c->dir, c->pat,
	      c->delim ? c->delim : '0');
  }
  /* pmatch() is pmatch_full with no delimiter */
  CHECK (pmatch ((unsigned char *) "a/b", (unsigned char *) "%"));
  CHECK (!pmatch_full (NIL, (unsigned char *) "*", '/'));
  CHECK (!dmatch ((unsigned char *) "a", NIL, '/'));

  /* pathological: many stars that all almost match a long string */
  {
    size_t n = 200000;
    char *s = fs_get (n + 2);
    char *pat = fs_get (4000);
    clock_t t0 = clock ();
    size_t k;

    memset (s, 'a', n);
    s[n] = '\0';
    CHECK (!pmatch_full ((unsigned char *) s, (unsigned char *) "*a*a*a*a*a*a*b",
			 '/'));
    CHECK (!pmatch_full ((unsigned char *) s, (unsigned char *) "%a%a%a%a%a%a%b",
			 '/'));
    CHECK (pmatch_full ((unsigned char *) s, (unsigned char *) "*a*a*a*a*a*a*a",
			'/'));
    CHECK (!dmatch ((unsigned char *) s, (unsigned char *) "%a%a%a%a%a%a%b",
		    '/'));
    s[n - 1] = 'b';
    CHECK (pmatch_full ((unsigned char *) s, (unsigned char *) "*a*a*a*a*a*a*b",
			'/'));
    /* a long pattern (heap state arrays) of alternating stars */
    for (k = 0; k + 2 < 3000; k += 2) {
      pat[k] = '*';
      pat[k + 1] = 'a';
    }
    pat[k] = 'c';
    pat[k + 1] = '\0';
    s[20000] = '\0';
    CHECK (!pmatch_full ((unsigned char *) s, (unsigned char *) pat, '/'));
    /* generous bound: the NFA needs well under a second; backtracking
     * would need longer than the age of the universe */
    CHECK ((clock () - t0) / CLOCKS_PER_SEC < 20);
    fs_give ((void **) &s);
    fs_give ((void **) &pat);
  }

  /* cross-check against the reference on random small inputs */
  {
    int bad = 0, n;

    srand (12345);
    for (n = 0; n < 200000; n++) {
      char s[12], p[10];
      int delim = (n & 1) ? '/' : 0;

      random_string (s, 10, "ab/");
      random_string (p, 8, "ab/*%");
      if (!strncasecmp (s, "inbox", 5) || !strncasecmp (p, "inbox", 5))
	continue;
      if ((pmatch_full ((unsigned char *) s, (unsigned char *) p,
			(unsigned char) delim) ? 1 : 0) != ref_match (s, p, delim)) {
	if (bad++ < 5)
	  printf ("  mismatch: s=\"%s\" pat=\"%s\" delim=%d\n", s, p, delim);
      }
      /* dmatch(dir) must be true whenever some child of dir matches */
      if (delim && *s && !strchr (s, '/')) {
	char child[16];

	snprintf (child, sizeof child, "%s/%c", s, "ab"[n & 2 ? 1 : 0]);
	if (ref_match (child, p, delim) &&
	    !dmatch ((unsigned char *) s, (unsigned char *) p,
		     (unsigned char) delim)) {
	  if (bad++ < 5)
	    printf ("  dmatch missed: dir=\"%s\" pat=\"%s\"\n", s, p);
	}
      }
    }
    CHECK_INTEQ (bad, 0);
  }
  return unit_done ();
}

/* Unit tests: sequence sets (core/seqset.c). */
#include <string.h>
#include <stdlib.h>
#include "unit.h"
#include "core.h"
#include "search-int.h"

static int nlogs;
static char lastlog[MAILTMPLEN];

static void t_log (MAILSTREAM *s, char *string, long errflg)
{
  nlogs++;
  snprintf (lastlog, sizeof lastlog, "%s", string);
}

static struct mail_callbacks cbs;

/* A bare stream with n messages and UIDs uid(i) = 10*i (no driver). */
static MAILSTREAM *fake_stream (unsigned long n)
{
  MAILSTREAM *s = memset (fs_get (sizeof (MAILSTREAM)), 0, sizeof (MAILSTREAM));
  unsigned long i;
  cbs = mail_callbacks_mm;
  cbs.log = t_log;
  s->callbacks = &cbs;
  s->silent = T;
  mail_exists (s, n);
  for (i = 1; i <= n; i++) mail_elt (s, i)->private.uid = 10 * i;
  s->uid_last = 10 * n;
  return s;
}

static void free_stream (MAILSTREAM *s)
{
  mail_free_cache (s);
  fs_give ((void **) &s);
}

/* "1,3:4" style rendering of the elts with ->sequence set */
static const char *selected (MAILSTREAM *s)
{
  static char out[4096];
  unsigned long i;
  size_t n = 0;
  out[0] = '\0';
  for (i = 1; i <= s->nmsgs; i++)
    if (mail_elt (s, i)->sequence && n < sizeof out - 16)
      n += snprintf (out + n, sizeof out - n, "%s%lu", n ? "," : "", i);
  return out;
}

/* seqset_parse rendering: "a-b;c-d" */
static const char *render (SEARCHSET *set)
{
  static char out[4096];
  size_t n = 0;
  out[0] = '\0';
  for (; set && n < sizeof out - 64; set = set->next)
    n += snprintf (out + n, sizeof out - n, "%s%lu-%lu", n ? ";" : "",
		   set->first, set->last);
  return out;
}

static void test_parse (void)
{
  static const struct { const char *in; unsigned long max; const char *out; } ok[] = {
    { "1", 10, "1-1" },
    { "1:4", 10, "1-4" },
    { "5:2", 10, "2-5" },
    { "*", 10, "10-10" },
    { "1:*", 10, "1-10" },
    { "*:1", 10, "1-10" },
    { "1:*,*:1", 7, "1-7;1-7" },
    { "3,1,2", 10, "3-3;1-1;2-2" },
    /* above max, so kept clear of the "*" marker 0xffffffff */
    { "4294967295", 10, "4294967294-4294967294" },
    { "4294967295", 4294967295UL, "4294967295-4294967295" },
    { "12:*", 5, "5-12" },
    { "*", 0, "0-0" },
  };
  static const char *bad[] = {
    "", ",", "1,,2", "1,", ",1", ":", "1:", ":1", "0", "01", "1:0", "a",
    "1 ", " 1", "1:2:3", "**", "1*", "-1", "+1", "1;2", "4294967296",
    "99999999999999999999", "18446744073709551617", "1:99999999999999999999",
    "1\n", "1,2,", "1.2",
  };
  size_t i;
  const char *err;
  SEARCHSET *set;
  for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    err = "unset";
    set = seqset_parse (ok[i].in, ok[i].max, &err);
    if (!CHECK (set != NIL)) printf ("  input %s: %s\n", ok[i].in, err);
    CHECK_STREQ (render (set), ok[i].out);
    CHECK (err == NIL);
    mail_free_searchset (&set);
  }
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err = NIL;
    set = seqset_parse (bad[i], 10, &err);
    if (!CHECK (set == NIL)) printf ("  accepted bad input \"%s\"\n", bad[i]);
    CHECK (err != NIL && *err);
    mail_free_searchset (&set);
  }
  /* the parser's output and seqset_contains agree (fuzz/crashes/
   * criteria-literal-max): a literal 4294967295 is not "*" */
  set = seqset_parse ("4294967295", 1000, NIL);
  CHECK (set && !seqset_contains (set, 1000, 1000));
  mail_free_searchset (&set);
  set = seqset_parse ("1:4294967295", 1000, NIL);
  CHECK (set && seqset_contains (set, 1000, 1000) &&
	 seqset_contains (set, 1, 1000));
  mail_free_searchset (&set);
  CHECK (seqset_parse (NIL, 10, &err) == NIL);
  set = seqset_parse ("1", 10, NIL);	/* NIL error_r allowed */
  CHECK (set != NIL);
  mail_free_searchset (&set);
}

static void test_limits (void)
{
  struct buf b = BUF_INIT;
  SEARCHSET *set;
  const char *err;
  unsigned long i;
  /* exactly the limit is fine, one more is refused */
  for (i = 0; i < LIM_SEQSET_RANGES; i++) buf_puts (&b, i ? ",1" : "1");
  set = seqset_parse (b.data, 10, &err);
  CHECK (set != NIL);
  mail_free_searchset (&set);
  buf_puts (&b, ",1");
  set = seqset_parse (b.data, 10, &err);
  CHECK (set == NIL);
  CHECK (err && strstr (err, "too many"));
  buf_free (&b);
}

static void test_contains (void)
{
  SEARCHSET *set = seqset_parse ("2:4,9,20:*", 30, NIL);
  SEARCHSET star = { 0xffffffff, 0, NIL }, rev = { 8, 3, NIL };
  CHECK (!seqset_contains (set, 1, 30));
  CHECK (seqset_contains (set, 2, 30));
  CHECK (seqset_contains (set, 4, 30));
  CHECK (!seqset_contains (set, 5, 30));
  CHECK (seqset_contains (set, 9, 30));
  CHECK (seqset_contains (set, 25, 30));
  CHECK (!seqset_contains (set, 31, 30));
  CHECK (seqset_contains (&star, 7, 7));	/* unresolved "*" */
  CHECK (!seqset_contains (&star, 6, 7));
  CHECK (seqset_contains (&rev, 5, 10));	/* backwards range */
  CHECK (!seqset_contains (NIL, 1, 1));
  mail_free_searchset (&set);
}

/* The prepared index answers exactly as seqset_contains, whatever the
 * order, overlaps, direction, "*" markers and extremes of the ranges */
static void test_index (void)
{
  static const unsigned long pool[] = {
    0, 1, 2, 3, 5, 6, 7, 9, 10, 11, 12, 20, 0xfffffffe, 0xffffffff,
    0x100000000UL, ~0UL - 1, ~0UL
  };
  static const unsigned long probes[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 19, 20, 21, 30,
    0xfffffffd, 0xfffffffe, 0xffffffff, 0x100000000UL, ~0UL - 1, ~0UL
  };
  static const unsigned long maxes[] = { 0, 7, 12, 30, 0xfffffffe };
  unsigned long seed = 12345, round, bad = 0, checked = 0;
  const size_t np = sizeof pool / sizeof pool[0];
  size_t k, m;
  struct seqset_index *x;

  x = seqset_index_new (NIL, 10);	/* the empty set */
  CHECK (!seqset_index_contains (x, 0) && !seqset_index_contains (x, 10));
  CHECK_INTEQ (seqset_index_max (x), 10);
  seqset_index_free (&x);
  CHECK (x == NIL);
  seqset_index_free (&x);		/* freeing NIL is harmless */
  for (round = 0; round < 3000; round++) {
    SEARCHSET *set = NIL, **tail = &set;
    unsigned long nr = 1 + round % 7, i;
    for (i = 0; i < nr; i++) {		/* an application-built set */
      seed = seed * 6364136223846793005UL + 1442695040888963407UL;
      *tail = mail_newsearchset ();
      (*tail)->first = pool[(seed >> 33) % np];
      (*tail)->last = (seed >> 20) % 4 ? pool[(seed >> 40) % np] : 0;
      tail = &(*tail)->next;
    }
    for (m = 0; m < sizeof maxes / sizeof maxes[0]; m++) {
      x = seqset_index_new (set, maxes[m]);
      for (k = 0; k < sizeof probes / sizeof probes[0]; k++, checked++)
	if (!seqset_index_contains (x, probes[k]) !=
	    !seqset_contains (set, probes[k], maxes[m]))
	  bad++;
      seqset_index_free (&x);
    }
    mail_free_searchset (&set);
  }
  CHECK_INTEQ (bad, 0);
  CHECK (checked > 100000);
  {				/* many single-number ranges, given backwards */
    SEARCHSET *set = NIL, *n;
    unsigned long i;
    for (i = 1; i <= 20000; i += 2) {
      n = mail_newsearchset ();
      n->first = i;
      n->next = set;
      set = n;
    }
    x = seqset_index_new (set, 20000);
    for (bad = 0, i = 0; i <= 20000; i++)	/* 19999 is the last */
      if (!seqset_index_contains (x, i) != !(i % 2)) bad++;
    CHECK_INTEQ (bad, 0);
    seqset_index_free (&x);
    mail_free_searchset (&set);
  }
}

static void test_mail_sequence (void)
{
  MAILSTREAM *s = fake_stream (10);
  static const struct { const char *in; const char *out; } ok[] = {
    { "1", "1" }, { "3:5", "3,4,5" }, { "5:3", "3,4,5" }, { "*", "10" },
    { "9:*", "9,10" }, { "*:9", "9,10" }, { "1,10", "1,10" },
    { "2,2,2:3", "2,3" }, { "1:*,*:1", "1,2,3,4,5,6,7,8,9,10" },
  };
  static const char *bad[] = { "0", "11", "1:11", "11:*", "", ",", "1,,2", "x",
			       "99999999999999999999" };
  size_t i;
  for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    CHECK (mail_sequence (s, (unsigned char *) ok[i].in) == T);
    CHECK_STREQ (selected (s), ok[i].out);
  }
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    nlogs = 0;
    mail_sequence (s, (unsigned char *) "1:*");
    if (!CHECK (mail_sequence (s, (unsigned char *) bad[i]) == NIL))
      printf ("  accepted \"%s\"\n", bad[i]);
    CHECK_INTEQ (nlogs, 1);
    CHECK_STREQ (selected (s), "");	/* a failure selects nothing */
  }
  mail_sequence (s, (unsigned char *) "11");
  CHECK (strstr (lastlog, "out of range") != NIL);
  free_stream (s);

  s = fake_stream (0);		/* empty mailbox: "*" has no value */
  nlogs = 0;
  CHECK (mail_sequence (s, (unsigned char *) "*") == NIL);
  CHECK (mail_sequence (s, (unsigned char *) "1") == NIL);
  CHECK_INTEQ (nlogs, 2);
  free_stream (s);
}

static void test_uid_sequence (void)
{
  MAILSTREAM *s = fake_stream (5);	/* UIDs 10 20 30 40 50 */
  static const struct { const char *in; const char *out; } ok[] = {
    { "10", "1" }, { "15", "" }, { "10:30", "1,2,3" }, { "30:10", "1,2,3" },
    { "*", "5" }, { "45:*", "5" }, { "1000:*", "5" }, { "*:1000", "5" },
    { "60:70", "" }, { "1:*", "1,2,3,4,5" }, { "11:19,21:29", "" },
    { "20,40", "2,4" }, { "4294967295", "" }, { "1:4294967295", "1,2,3,4,5" },
  };
  static const char *bad[] = { "0", "", "a", "1,", "99999999999999999999" };
  size_t i;
  for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    if (!CHECK (mail_uid_sequence (s, (unsigned char *) ok[i].in) == T))
      printf ("  rejected \"%s\"\n", ok[i].in);
    CHECK_STREQ (selected (s), ok[i].out);
  }
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK (mail_uid_sequence (s, (unsigned char *) bad[i]) == NIL);
  free_stream (s);
}

/* Overlapping ranges must not cost ranges x messages. */
static void test_many_ranges (void)
{
  MAILSTREAM *s = fake_stream (50000);
  struct buf b = BUF_INIT;
  unsigned long i;
  for (i = 0; i < 20000; i++) buf_puts (&b, i ? ",1:*" : "1:*");
  CHECK (mail_sequence (s, (unsigned char *) b.data) == T);
  CHECK (mail_elt (s, 1)->sequence && mail_elt (s, 50000)->sequence);
  CHECK (mail_uid_sequence (s, (unsigned char *) b.data) == T);
  CHECK (mail_elt (s, 25000)->sequence);
  buf_free (&b);
  free_stream (s);
}

int main (void)
{
  test_parse ();
  test_limits ();
  test_contains ();
  test_index ();
  test_mail_sequence ();
  test_uid_sequence ();
  test_many_ranges ();
  return unit_done ();
}

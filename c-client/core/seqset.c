/*
 * IMAP sequence sets (RFC 3501 sequence-set): "1:4,7,9:*".
 *
 * seqset_parse() is a strict parser with no stream: numbers are nz-number
 * (1..4294967295, no leading zeros), "*" stands for max, ranges may be
 * written backwards, and at most LIM_SEQSET_RANGES ranges are accepted.
 * mail_sequence()/mail_uid_sequence() apply a set to a stream's elts in
 * O(nmsgs + ranges log ranges), so a hostile "1:*,1:*,..." costs no more
 * than one "1:*".
 */
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "search-int.h"

#define SEQ_NUMBER_MAX 4294967295UL	/* IMAP numbers are 32-bit */

/* Parse one number or "*" at *sp.  0 on error with *error_r set. */
static int seq_number (const char **sp, unsigned long max, unsigned long *n,
		       const char **error_r)
{
  const char *s = *sp;
  unsigned long v = 0;
  if (*s == '*') {
    *n = max;
    *sp = s + 1;
    return 1;
  }
  if (*s < '0' || *s > '9') {
    *error_r = (*s == '\0' || *s == ',' || *s == ':')
      ? "empty element in sequence set" : "invalid character in sequence set";
    return 0;
  }
  if (*s == '0') {
    *error_r = "sequence numbers start at 1 (no 0 or leading zeros)";
    return 0;
  }
  for (; *s >= '0' && *s <= '9'; s++) {
    if (v > (SEQ_NUMBER_MAX - (unsigned long) (*s - '0')) / 10) {
      *error_r = "number too large in sequence set";
      return 0;
    }
    v = v * 10 + (unsigned long) (*s - '0');
  }
  /* 0xffffffff is SEARCHSET's marker for "*" (seqset_contains, search
   * programs).  A literal 4294967295 above max names no message, and
   * 4294967294 (still above max) selects exactly the same ones without
   * being mistaken for "*". */
  if (v == SEQ_NUMBER_MAX && max < SEQ_NUMBER_MAX) v = SEQ_NUMBER_MAX - 1;
  *n = v;
  *sp = s;
  return 1;
}

SEARCHSET *seqset_parse (const char *s, unsigned long max, const char **error_r)
{
  SEARCHSET *set = NIL, **tail = &set;
  unsigned long first, last, count = 0;
  const char *dummy;
  if (!error_r) error_r = &dummy;
  *error_r = NIL;
  if (!s || !*s) {
    *error_r = "empty sequence set";
    return NIL;
  }
  for (;;) {
    if (!seq_number (&s, max, &first, error_r)) break;
    last = first;
    if (*s == ':') {
      s++;
      if (!seq_number (&s, max, &last, error_r)) break;
    }
    if (++count > LIM_SEQSET_RANGES) {
      *error_r = "too many ranges in sequence set";
      break;
    }
    *tail = mail_newsearchset ();
    (*tail)->first = first <= last ? first : last;	/* 5:2 means 2:5 */
    (*tail)->last = first <= last ? last : first;
    tail = &(*tail)->next;
    if (!*s) return set;	/* success */
    if (*s != ',') {
      *error_r = "invalid character in sequence set";
      break;
    }
    s++;
  }
  mail_free_searchset (&set);
  return NIL;
}

int seqset_contains (const SEARCHSET *set, unsigned long n, unsigned long max)
{
  unsigned long a, b, t;
  for (; set; set = set->next) {
    a = (set->first == 0xffffffff) ? max : set->first;
    b = set->last ? ((set->last == 0xffffffff) ? max : set->last) : a;
    if (a > b) { t = a; a = b; b = t; }
    if (n >= a && n <= b) return 1;
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Applying sets to a stream                                               */

struct range { unsigned long first, last; };

static int range_cmp (const void *a, const void *b)
{
  const struct range *x = a, *y = b;
  return (x->first > y->first) - (x->first < y->first);
}

/* Sort r[0..count) and merge overlapping or adjacent ranges in place;
 * returns the new count.  Overflow-safe for ranges ending at ULONG_MAX. */
static size_t ranges_sort_merge (struct range *r, size_t count)
{
  size_t i, k = 0;
  qsort (r, count, sizeof (struct range), range_cmp);
  for (i = 0; i < count; i++) {
    if (k && (r[i].first <= r[k - 1].last ||
	      r[i].first - 1 == r[k - 1].last)) {
      if (r[i].last > r[k - 1].last) r[k - 1].last = r[i].last;
    }
    else r[k++] = r[i];
  }
  return k;
}

/* Sorted, merged ranges of set (first <= last); *n gets the count.  With
 * resolve, the 0xffffffff marker stands for max (as in seqset_contains). */
static struct range *ranges_build (const SEARCHSET *set, int resolve,
				   unsigned long max, size_t *n)
{
  const SEARCHSET *s;
  struct range *r;
  size_t k = 0, count = 0;
  for (s = set; s; s = s->next) count++;
  r = (struct range *) fs_get ((count ? count : 1) * sizeof (struct range));
  for (s = set; s; s = s->next, k++) {
    unsigned long a = s->first, b = s->last ? s->last : s->first;
    if (resolve) {
      if (a == 0xffffffff) a = max;
      b = s->last ? (s->last == 0xffffffff ? max : s->last) : a;
    }
    r[k].first = a <= b ? a : b;
    r[k].last = a <= b ? b : a;
  }
  *n = ranges_sort_merge (r, count);
  return r;
}

static struct range *ranges_merged (SEARCHSET *set, size_t *n)
{
  return ranges_build (set, 0, 0, n);
}

/* Index of the last range with first <= v, plus one (0: none) */
static size_t ranges_find (const struct range *r, size_t n, unsigned long v)
{
  size_t lo = 0, hi = n, mid;
  while (lo < hi) {
    mid = lo + (hi - lo) / 2;
    if (r[mid].first <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* A set as sorted, merged ranges: membership by binary search, for sets
 * tested against every message of a search */
struct seqset_index {
  struct range *r;
  size_t n;
  unsigned long max;		/* what "*" was resolved to */
};

struct seqset_index *seqset_index_new (const SEARCHSET *set,
				       unsigned long max)
{
  struct seqset_index *x = fs_get (sizeof *x);
  x->r = ranges_build (set, 1, max, &x->n);
  x->max = max;
  return x;
}

unsigned long seqset_index_max (const struct seqset_index *x)
{
  return x->max;
}

int seqset_index_contains (const struct seqset_index *x, unsigned long n)
{
  size_t i = ranges_find (x->r, x->n, n);
  return i && n <= x->r[i - 1].last;
}

void seqset_index_free (struct seqset_index **x)
{
  if (!*x) return;
  fs_give ((void **) &(*x)->r);
  fs_give ((void **) x);
}

static void clear_sequence (MAILSTREAM *stream)
{
  unsigned long i;
  for (i = 1; i <= stream->nmsgs; i++) mail_elt (stream, i)->sequence = NIL;
}

void core_sequence_apply (MAILSTREAM *stream, SEARCHSET *set)
{
  size_t n, k;
  unsigned long i;
  struct range *r = ranges_merged (set, &n);
  for (k = 0; k < n; k++)
    for (i = r[k].first ? r[k].first : 1; i <= r[k].last && i <= stream->nmsgs; i++)
      mail_elt (stream, i)->sequence = T;
  fs_give ((void **) &r);
}

long mail_sequence (MAILSTREAM *stream, unsigned char *sequence)
{
  const char *why;
  SEARCHSET *set, *s;
  clear_sequence (stream);
  if (!(set = seqset_parse ((char *) sequence, stream->nmsgs, &why))) {
    mail_log (stream, ERROR, "Bad sequence %.80s: %s",
	      sequence ? (char *) sequence : "", why);
    return NIL;
  }
  for (s = set; s; s = s->next)	/* every number must exist */
    if (!s->first || s->last > stream->nmsgs) {
      mail_log (stream, ERROR, stream->nmsgs ? "Sequence out of range"
		: "Sequence out of range: the mailbox is empty");
      mail_free_searchset (&set);
      return NIL;
    }
  core_sequence_apply (stream, set);
  mail_free_searchset (&set);
  return T;
}

/* UIDs: "*" is the highest UID in use; numbers beyond it select nothing
 * (RFC 3501: not an error), and "n:*" always includes the last message. */
long mail_uid_sequence (MAILSTREAM *stream, unsigned char *sequence)
{
  const char *why;
  SEARCHSET *set;
  struct range *r;
  size_t n, k;
  unsigned long i, uid, max;
  clear_sequence (stream);
  max = stream->nmsgs ? mail_uid (stream, stream->nmsgs) : stream->uid_last;
  if (!(set = seqset_parse ((char *) sequence, max, &why))) {
    mail_log (stream, ERROR, "Bad UID sequence %.80s: %s",
	      sequence ? (char *) sequence : "", why);
    return NIL;
  }
  r = ranges_merged (set, &n);
  mail_free_searchset (&set);
  for (i = 1; i <= stream->nmsgs; i++) {
    uid = mail_uid (stream, i);
    k = ranges_find (r, n, uid);
    if (k && uid <= r[k - 1].last) mail_elt (stream, i)->sequence = T;
  }
  fs_give ((void **) &r);
  return T;
}

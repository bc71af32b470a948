/*
 * search-bench.c - how long the library's SEARCH and THREAD take on a large
 * mailbox, through the c-client API only.  Built twice by run-search.sh:
 * against our build and against a baseline build (an earlier commit), so
 * the two are compared as a ratio in one session.  It prints figures and
 * never passes or fails on time.
 *
 *   search-bench MAILBOX RUNS KEYSIZE [OP...]
 *
 * The mailbox is opened read-only once; then each operation runs RUNS times
 * (the first warms the caches and is left out of the median):
 *   body      SEARCH BODY "ZyzzyvaNeedle"             (case folding of bodies)
 *   text      SEARCH TEXT "NeedleSubject"              (headers and bodies)
 *   bigkey    SEARCH BODY <KEYSIZE-byte key>           (folding of the key)
 *   uidset    SEARCH UID <every other UID, <= 9000 ranges>
 *   msgset    SEARCH <every other number, <= 9000 ranges>
 *   thread    THREAD REFERENCES ALL
 * (only the OPs named, when some are).  One line per operation:
 *   OP runs=N median=S.SSSS min=S.SSSS cpu=S.SSSS hits=H sum=X
 * (median and min wall seconds, median CPU seconds of the process);
 * hits (matches, or top-level threads) and sum (a checksum of the matches
 * or of the whole thread tree) let the two builds be checked to agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "c-client.h"

#define SET_RANGES 9000		/* below the library's 10000 keys/program */

static unsigned long hits, sum;

static void mix (unsigned long v)
{
  sum = (sum ^ v) * 1099511628211UL;	/* FNV-1a step */
}

/* Checksum of a thread tree: every node's number with its shape, walked
 * with an explicit stack (reply chains can be as deep as the mailbox) */
static void thread_sum (THREADNODE *t)
{
  THREADNODE **stack = NIL;
  unsigned long sp = 0, cap = 0;
  if (t) {
    stack = malloc (sizeof *stack * (cap = 1024));
    stack[sp++] = t;
  }
  while (sp) {
    THREADNODE *x = stack[--sp];
    mix (x->num);
    mix (x->next ? 1 : 2);		/* has children */
    mix (x->branch ? 3 : 4);		/* has a next sibling */
    if (sp + 2 > cap) stack = realloc (stack, sizeof *stack * (cap *= 2));
    if (x->branch) stack[sp++] = x->branch;
    if (x->next) stack[sp++] = x->next;
  }
  free (stack);
}

static double clock_s (clockid_t id)
{
  struct timespec ts;
  clock_gettime (id, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now (void)
{
  return clock_s (CLOCK_MONOTONIC);
}

/* CPU seconds of this process: less disturbed than wall time when other
 * work shares the machine */
static double cpu_now (void)
{
  return clock_s (CLOCK_PROCESS_CPUTIME_ID);
}

static double cpu_time;		/* of the last run_op */

static int cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double median (double *t, long n)
{
  qsort (t, n, sizeof *t, cmp_double);
  return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static STRINGLIST *key_list (const char *s, unsigned long len)
{
  STRINGLIST *l = mail_newstringlist ();
  l->text.data = (unsigned char *) fs_get (len + 1);
  memcpy (l->text.data, s, len);
  l->text.data[len] = '\0';
  l->text.size = len;
  return l;
}

/* Every other number from 1 to max, as at most SET_RANGES single ranges */
static SEARCHSET *odd_set (unsigned long max)
{
  SEARCHSET *set = NIL, **tail = &set;
  unsigned long n, k = 0;
  for (n = 1; n <= max && k < SET_RANGES; n += 2, k++) {
    *tail = mail_newsearchset ();
    (*tail)->first = n;
    tail = &(*tail)->next;
  }
  return set;
}

static char *bigkey;
static unsigned long bigkey_len;

static SEARCHPGM *make_pgm (MAILSTREAM *stream, const char *op)
{
  SEARCHPGM *pgm = mail_newsearchpgm ();
  if (!strcmp (op, "body"))
    pgm->body = key_list ("ZyzzyvaNeedle", 13);
  else if (!strcmp (op, "text"))
    pgm->text = key_list ("NeedleSubject", 13);
  else if (!strcmp (op, "bigkey"))
    pgm->body = key_list (bigkey, bigkey_len);
  else if (!strcmp (op, "uidset"))
    pgm->uid = odd_set (stream->nmsgs ? mail_uid (stream, stream->nmsgs) : 0);
  else if (!strcmp (op, "msgset"))
    pgm->msgno = odd_set (stream->nmsgs);
  return pgm;
}

static unsigned long count_searched (MAILSTREAM *stream)
{
  unsigned long i, n = 0;
  sum = 14695981039346656037UL;
  for (i = 1; i <= stream->nmsgs; i++)
    if (mail_elt (stream, i)->searched) n++, mix (i);
  return n;
}

static double run_op (MAILSTREAM *stream, const char *op)
{
  SEARCHPGM *pgm = make_pgm (stream, op);
  double c0 = cpu_now (), t0 = now (), t;

  if (!strcmp (op, "thread")) {
    THREADNODE *tr = mail_thread (stream, "REFERENCES", NIL, pgm, NIL), *x;
    t = now () - t0;
    cpu_time = cpu_now () - c0;
    for (hits = 0, x = tr; x; x = x->branch) hits++;
    sum = 14695981039346656037UL;
    thread_sum (tr);
    if (tr) mail_free_threadnode (&tr);
  }
  else {
    mail_search_full (stream, NIL, pgm, NIL);
    t = now () - t0;
    cpu_time = cpu_now () - c0;
    hits = count_searched (stream);
  }
  mail_free_searchpgm (&pgm);
  return t;
}

static int wanted (const char *op, int n, char **list)
{
  for (; n > 0; n--, list++)
    if (!strcmp (op, *list)) return 1;
  return 0;
}

int main (int argc, char **argv)
{
  static const char *ops[] = {
    "body", "text", "bigkey", "uidset", "msgset", "thread", NIL
  };
  MAILSTREAM *stream;
  double *t, *c, t0, tmed, cmed;
  long runs, i, k;
  unsigned long n;

#include "linkage.c"
  if (argc < 4 || (runs = atol (argv[2])) < 2) {
    fprintf (stderr, "usage: %s MAILBOX RUNS KEYSIZE [OP...] (RUNS >= 2)\n",
	     argv[0]);
    return 2;
  }
  bigkey_len = strtoul (argv[3], NIL, 10);
  bigkey = malloc (bigkey_len + 1);
  for (n = 0; n < bigkey_len; n++)	/* mixed case, found in no message */
    bigkey[n] = "QuUxWyZzJj"[n % 10];
  t0 = now ();
  if (!(stream = mail_open (NIL, argv[1], OP_READONLY))) {
    fprintf (stderr, "cannot open %s\n", argv[1]);
    return 1;
  }
  printf ("open msgs=%lu seconds=%.2f\n", stream->nmsgs, now () - t0);
  t = calloc (runs, sizeof *t);
  c = calloc (runs, sizeof *c);
  for (k = 0; ops[k]; k++) {
    if (argc > 4 && !wanted (ops[k], argc - 4, argv + 4)) continue;
    for (i = 0; i < runs; i++) {
      t[i] = run_op (stream, ops[k]);
      c[i] = cpu_time;
    }
    /* run 0 = warm-up; median() sorts, so t[1] is then the minimum */
    tmed = median (t + 1, runs - 1);
    cmed = median (c + 1, runs - 1);
    printf ("%s runs=%ld median=%.4f min=%.4f cpu=%.4f hits=%lu sum=%016lx\n",
	    ops[k], runs - 1, tmed, t[1], cmed, hits, sum);
    fflush (stdout);
  }
  mail_close (stream);
  free (t);
  free (c);
  free (bigkey);
  return 0;
}

#include "bench-callbacks.h"

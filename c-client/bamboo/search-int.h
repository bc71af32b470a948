/*
 * Internals shared by core/search.c, criteria.c, sort.c and thread.c.
 * Not installed.  The pure pieces (Message-ID parsing, the thread
 * builders) are exposed here so unit tests can call them directly.
 */
#ifndef BAMBOO_SEARCH_INT_H
#define BAMBOO_SEARCH_INT_H

#include "internal.h"

/* ---- search.c ---- */
/* Mark elt->searched on the messages matching pgm (every message when pgm is
 * NIL), with no mm_searched() events: what SORT and THREAD select.  Uses the
 * driver's .search slot when it has one.  NIL (and logged) on a bad charset
 * or an over-limit program. */
long search_select (MAILSTREAM *stream, char *charset, SEARCHPGM *pgm);

/* ---- seqset.c ---- */
/* A SEARCHSET prepared for many membership tests: sorted, merged ranges
 * with "*" (0xffffffff) resolved to max.  seqset_index_contains (x, n) is
 * seqset_contains (set, n, max) in O(log ranges).  The set itself is only
 * read (application-built sets need not be sorted). */
struct seqset_index;
struct seqset_index *seqset_index_new (const SEARCHSET *set,
				       unsigned long max);
unsigned long seqset_index_max (const struct seqset_index *x);
int seqset_index_contains (const struct seqset_index *x, unsigned long n);
void seqset_index_free (struct seqset_index **x);

/* ---- sort.c ---- */
/* Keys sort_cache_new() should load: bit (1 << SORT*) per key. */
#define SORT_KEY(f) (1L << (f))
/* One message's sort keys (fs_get'ed).  num is
 * the message number.  date is the sent date (RFC 5256: the Date header,
 * else the internal date), arrival the internal date, both mail_longdate()
 * seconds; from/to/cc/subject are upper-cased for i;ascii-casemap.
 * Free with core_free_sortcache() (core.h). */
SORTCACHE *sort_cache_new (MAILSTREAM *stream, unsigned long msgno,
			   long keys);

/* ---- thread.c ---- */
/* The registered threaders (ORDEREDSUBJECT, REFERENCES), for
 * mail_parameters (GET_THREADERS). */
THREADER *mail_threaders (void);

/* Parse the next msg-id from *s (stopping at end), skipping junk before it.
 * Returns the normalized id ("local@domain", quoting removed) fs_get'ed, or
 * NIL when no valid msg-id remains; *s is advanced past what was read. */
char *thread_msgid_next (const char **s, const char *end);

/* One message as the thread builders see it. */
struct thread_msg {
  unsigned long num;		/* what THREADNODE.num gets */
  unsigned long seq;		/* message number: the tie-breaker */
  unsigned long date;		/* sent date (seconds) */
  const char *subject;		/* base subject, upper-cased; NIL = "" */
  int refwd;			/* subject was a reply or forward */
  const char *message_id;	/* raw Message-ID header value, or NIL */
  const char *references;	/* raw References value, or NIL */
  const char *in_reply_to;	/* raw In-Reply-To value, or NIL */
};
/* Thread msgs[0..n) (in message number order) per RFC 5256.  The result is
 * built with mail_newthreadnode(); NIL when n is 0. */
THREADNODE *thread_build_references (struct thread_msg *msgs, unsigned long n);
THREADNODE *thread_build_orderedsubject (struct thread_msg *msgs,
					 unsigned long n);

#endif

/*
 * Event routing.  Drivers and core report events through
 * mail_callbacks_for(stream); the default table, mail_callbacks_mm, calls
 * the application's mm_* functions so UW applications see the usual
 * callbacks.  Weak default mm_* definitions let a program that defines
 * none (unit tests, small tools) still link; an application's own strong
 * definitions replace them at link time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include "core.h"

/* ---------------------------------------------------------------------- */
/* Weak application callbacks: report problems on stderr, nothing else.    */

#define WEAK __attribute__ ((weak))

WEAK void mm_searched (MAILSTREAM *stream, unsigned long number) { }
WEAK void mm_exists (MAILSTREAM *stream, unsigned long number) { }
WEAK void mm_expunged (MAILSTREAM *stream, unsigned long number) { }
WEAK void mm_flags (MAILSTREAM *stream, unsigned long number) { }
WEAK void mm_list (MAILSTREAM *stream, int delimiter, char *name,
		   long attributes) { }
WEAK void mm_lsub (MAILSTREAM *stream, int delimiter, char *name,
		   long attributes) { }
WEAK void mm_status (MAILSTREAM *stream, char *mailbox, MAILSTATUS *status)
{ }
WEAK void mm_dlog (char *string) { }
WEAK void mm_critical (MAILSTREAM *stream) { }
WEAK void mm_nocritical (MAILSTREAM *stream) { }

static const char *severity (long errflg)
{
  switch (errflg) {
  case WARN: return "warning";
  case ERROR: return "error";
  case PARSE: return "parse error";
  case BYE: return "bye";
  default: return NULL;		/* babble: not shown */
  }
}

WEAK void mm_notify (MAILSTREAM *stream, char *string, long errflg)
{
  const char *s = severity (errflg);
  if (s && string) fprintf (stderr, "c-client %s: %s\n", s, string);
}

WEAK void mm_log (char *string, long errflg)
{
  const char *s = severity (errflg);
  if (s && string) fprintf (stderr, "c-client %s: %s\n", s, string);
}

WEAK void mm_login (NETMBX *mb, char *user, char *pwd, long trial)
{
  /* No way to ask anyone: an empty user name makes the driver give up. */
  if (user) *user = '\0';
  if (pwd) *pwd = '\0';
  fprintf (stderr, "c-client error: login to %s needed but the application "
	   "has no mm_login\n", mb ? mb->host : "?");
}

WEAK long mm_diskerror (MAILSTREAM *stream, long errcode, long serious)
{
  fprintf (stderr, "c-client error: disk error on %s: %s%s\n",
	   (stream && stream->mailbox) ? stream->mailbox : "?",
	   strerror ((int) errcode), serious ? " (mailbox may be damaged)" : "");
  return T;			/* abort the operation when allowed to */
}

WEAK void mm_fatal (char *string)
{
  fprintf (stderr, "c-client fatal: %s\n", string ? string : "?");
}

/* ---------------------------------------------------------------------- */
/* The default table: stream-aware members -> UW's mm_* signatures.       */

static void cb_searched (MAILSTREAM *s, unsigned long n) { mm_searched (s, n); }
static void cb_exists (MAILSTREAM *s, unsigned long n) { mm_exists (s, n); }
static void cb_expunged (MAILSTREAM *s, unsigned long n) { mm_expunged (s, n); }
static void cb_flags (MAILSTREAM *s, unsigned long n) { mm_flags (s, n); }
static void cb_notify (MAILSTREAM *s, char *t, long e) { mm_notify (s, t, e); }
static void cb_list (MAILSTREAM *s, int d, char *n, long a)
{ mm_list (s, d, n, a); }
static void cb_lsub (MAILSTREAM *s, int d, char *n, long a)
{ mm_lsub (s, d, n, a); }
static void cb_status (MAILSTREAM *s, char *m, MAILSTATUS *st)
{ mm_status (s, m, st); }
static void cb_log (MAILSTREAM *s, char *t, long e) { mm_log (t, e); }
static void cb_dlog (MAILSTREAM *s, char *t) { mm_dlog (t); }
static void cb_login (NETMBX *mb, char *u, char *p, long trial)
{ mm_login (mb, u, p, trial); }
static void cb_critical (MAILSTREAM *s) { mm_critical (s); }
static void cb_nocritical (MAILSTREAM *s) { mm_nocritical (s); }
static long cb_diskerror (MAILSTREAM *s, long e, long serious)
{ return mm_diskerror (s, e, serious); }
static void cb_fatal (char *t) { mm_fatal (t); }

const struct mail_callbacks mail_callbacks_mm = {
  .searched = cb_searched,
  .exists = cb_exists,
  .expunged = cb_expunged,
  .flags = cb_flags,
  .notify = cb_notify,
  .list = cb_list,
  .lsub = cb_lsub,
  .status = cb_status,
  .log = cb_log,
  .dlog = cb_dlog,
  .login = cb_login,
  .critical = cb_critical,
  .nocritical = cb_nocritical,
  .diskerror = cb_diskerror,
  .fatal = cb_fatal,
};

const struct mail_callbacks *mail_callbacks_for (MAILSTREAM *stream)
{
  const struct mail_callbacks *cb;
  if (stream && stream->callbacks) return stream->callbacks;
  cb = core_state ()->callbacks;
  return cb ? cb : &mail_callbacks_mm;
}

/* ---------------------------------------------------------------------- */
/* Event functions for core and drivers.                                    */

static void vreport (MAILSTREAM *stream, long errflg, int notify,
		     const char *fmt, va_list ap)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  struct buf b = BUF_INIT;
  buf_vprintf (&b, fmt, ap);
  if (notify) {
    if (cb->notify) (*cb->notify) (stream, b.data ? b.data : "", errflg);
  }
  else if (cb->log) (*cb->log) (stream, b.data ? b.data : "", errflg);
  buf_free (&b);
}

void mail_log (MAILSTREAM *stream, long errflg, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vreport (stream, errflg, 0, fmt, ap);
  va_end (ap);
}

void mail_notify (MAILSTREAM *stream, long errflg, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vreport (stream, errflg, 1, fmt, ap);
  va_end (ap);
}

void mail_debug_log (MAILSTREAM *stream, const char *fmt, ...)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  struct buf b = BUF_INIT;
  va_list ap;
  if (stream && !stream->debug) return;	/* telemetry only when asked */
  va_start (ap, fmt);
  buf_vprintf (&b, fmt, ap);
  va_end (ap);
  if (cb->dlog) (*cb->dlog) (stream, b.data ? b.data : "");
  buf_free (&b);
}

void mail_dlog (char *string, long flag)
{
  const struct mail_callbacks *cb = mail_callbacks_for (NIL);
  /* flag says the text is sensitive (passwords): hide unless asked */
  if (cb->dlog)
    (*cb->dlog) (NIL, (!flag || mail_parameters (NIL, GET_DEBUGSENSITIVE, NIL))
		 ? string : "<suppressed>");
}

void mail_flags_changed (MAILSTREAM *stream, unsigned long msgno)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  if (stream && stream->silent) return;
  if (cb->flags) (*cb->flags) (stream, msgno);
}

void mail_searched_msg (MAILSTREAM *stream, unsigned long msgno)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  if (stream && msgno && msgno <= stream->nmsgs) mail_elt (stream, msgno)->searched = T;
  if (stream && stream->silent) return;
  if (cb->searched) (*cb->searched) (stream, msgno);
}

void mail_list_cb (MAILSTREAM *stream, int delimiter, char *name, long attr)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  if (cb->list) (*cb->list) (stream, delimiter, name, attr);
}

void mail_lsub_cb (MAILSTREAM *stream, int delimiter, char *name, long attr)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  if (cb->lsub) (*cb->lsub) (stream, delimiter, name, attr);
}

void mail_status_cb (MAILSTREAM *stream, char *mailbox, MAILSTATUS *status)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  if (cb->status) (*cb->status) (stream, mailbox, status);
}

void mail_critical (MAILSTREAM *stream)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  if (cb->critical) (*cb->critical) (stream);
}

void mail_nocritical (MAILSTREAM *stream)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  if (cb->nocritical) (*cb->nocritical) (stream);
}

long mail_diskerror (MAILSTREAM *stream, long errcode, long serious)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  return cb->diskerror ? (*cb->diskerror) (stream, errcode, serious) : T;
}

/* A broken invariant: tell the application, then abort.  No allocation
 * here, because fs_get() calls us when memory runs out. */
void mail_fatal (const char *fmt, ...)
{
  const struct mail_callbacks *cb = mail_callbacks_for (NIL);
  char tmp[MAILTMPLEN];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (tmp, sizeof tmp, fmt, ap);
  va_end (ap);
  if (cb->fatal) (*cb->fatal) (tmp);
  else fprintf (stderr, "c-client fatal: %s\n", tmp);
  abort ();
}

/* ---------------------------------------------------------------------- */
/* Mailbox size events (UW driver support functions).                      */

void mail_exists (MAILSTREAM *stream, unsigned long nmsgs)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  if (nmsgs > MAXMESSAGES) {
    mail_log (stream, ERROR, "Mailbox has more messages (%lu) than the "
	      "maximum (%lu); ignoring the rest", nmsgs, MAXMESSAGES);
    nmsgs = MAXMESSAGES;
  }
  CORE_CACHE (stream, nmsgs, CH_SIZE);	/* make room before anyone looks */
  stream->nmsgs = nmsgs;
  if (!stream->silent && cb->exists) (*cb->exists) (stream, nmsgs);
}

void mail_recent (MAILSTREAM *stream, unsigned long recent)
{
  if (recent > stream->nmsgs) {
    mail_log (stream, ERROR, "Driver reported %lu recent messages but the "
	      "mailbox has only %lu", recent, stream->nmsgs);
    recent = stream->nmsgs;
  }
  stream->recent = recent;
}

/* Report that the message in cache slot `slot` went away (as number
 * `reported`) and drop what is cached for it; the caller closes the gap. */
static void expunge_forget (MAILSTREAM *stream,
			    const struct mail_callbacks *cb,
			    unsigned long slot, unsigned long reported)
{
  MESSAGECACHE *elt = (MESSAGECACHE *) CORE_CACHE (stream, slot, CH_ELT);
  if (!stream->silent && cb->expunged) (*cb->expunged) (stream, reported);
  if (elt) {
    /* keep recent right even for drivers that don't call mail_recent()
     * after expunging (a driver that does simply overwrites it) */
    if (elt->recent && stream->recent) --stream->recent;
    elt->msgno = 0;		/* a locked elt outlives its message */
    CORE_CACHE (stream, slot, CH_FREE);
  }
  CORE_CACHE (stream, slot, CH_FREESORTCACHE);
}

/* Expunge every message k with gone[k] != 0 (gone indexed 1..nmsgs).  The
 * application sees exactly what calling mail_expunged() for each in
 * ascending order gives (mm_expunged with running renumbering, nmsgs and
 * recent counting down), but the cache is compacted once: O(nmsgs) rather
 * than O(expunged * nmsgs).  While the callbacks run, only messages below
 * the one reported are numbered right, so a callback must not fetch (UW's
 * callbacks must not call back into c-client anyway).  A cache manager
 * installed with SET_CACHE gets the one-by-one path it was written for. */
void mail_expunged_many (MAILSTREAM *stream, const char *gone)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  unsigned long n = stream->nmsgs, k, w, j = 0, cur = stream->msgno;
  MESSAGECACHE **c;
  SORTCACHE **sc;
  if (core_state ()->cache != mm_cache) {
    for (k = 1; k <= n; k++)
      if (gone[k]) mail_expunged (stream, k - j++);
    return;
  }
  if (cur && cur <= n && gone[cur]) core_current (stream, 0);
  for (k = 1; k <= n; k++)
    if (gone[k]) {		/* not compacted yet: slot k is message k */
      expunge_forget (stream, cb, k, k - j++);
      --stream->nmsgs;
    }
  /* one compaction pass; survivors take their new numbers */
  c = stream->cache;
  sc = stream->sc;
  for (k = w = 0; k < n && k < stream->cachesize; k++)
    if (!gone[k + 1]) {
      if ((c[w] = c[k]) != NIL) c[w]->msgno = w + 1;
      sc[w++] = sc[k];
    }
  for (k = w; k < n && k < stream->cachesize; k++) c[k] = NIL, sc[k] = NIL;
  if (stream->msgno) {		/* renumber the current message */
    for (j = 0, k = 1; k < stream->msgno; k++) if (gone[k]) j++;
    stream->msgno -= j;
  }
}

void mail_expunged (MAILSTREAM *stream, unsigned long msgno)
{
  const struct mail_callbacks *cb = mail_callbacks_for (stream);
  if (!msgno || msgno > stream->nmsgs) {
    mail_log (stream, ERROR, "Expunge of non-existent message %lu, nmsgs=%lu",
	      msgno, stream->nmsgs);
    return;
  }
  if (stream->msgno == msgno) core_current (stream, 0);	/* its texts go */
  else if (stream->msgno > msgno) --stream->msgno;	/* renumbered */
  expunge_forget (stream, cb, msgno, msgno);
  CORE_CACHE (stream, msgno, CH_EXPUNGE);	/* renumbers the rest */
  --stream->nmsgs;
}

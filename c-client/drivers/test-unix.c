/*
 * test-unix.c - the traditional mbox driver on scratch mailboxes in a
 * temporary home (HOME and the spool redirected with SET_HOMEDIR and
 * SET_SYSINBOX).  Expected file bytes were taken from UW c-client 2007
 * (Debian libc-client) doing the same operations on the same input.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "test-fs.h"
#include "c-client.h"
#include "internal.h"
#include "unix-int.h"
#include "lock.h"

static char home[256];
static unsigned long n_exists, n_expunged, last_expunged;
static char lastlog[1024];
static long lastlogflg;

void mm_exists (MAILSTREAM *s, unsigned long n) { n_exists = n; }
void mm_expunged (MAILSTREAM *s, unsigned long n)
{
  n_expunged++;
  last_expunged = n;
}
void mm_log (char *str, long e)
{
  snprintf (lastlog, sizeof lastlog, "%s", str);
  lastlogflg = e;
}
void mm_notify (MAILSTREAM *s, char *str, long e) { }
static unsigned long n_flags, last_flags;
void mm_flags (MAILSTREAM *s, unsigned long n) { n_flags++; last_flags = n; }
static MAILSTATUS last_status;
void mm_status (MAILSTREAM *s, char *m, MAILSTATUS *st) { last_status = *st; }

/* ---------------------------------------------------------------- files */

static void path_of (char *dst, size_t n, const char *name)
{
  snprintf (dst, n, "%s/%s", home, name);
}

static void put_file (const char *name, const char *data, size_t len)
{
  char p[512];
  FILE *f;
  path_of (p, sizeof p, name);
  f = fopen (p, "wb");
  fwrite (data, 1, len, f);
  fclose (f);
}
#define PUT(name, lit) put_file (name, lit, sizeof lit - 1)

static char *get_file (const char *name, size_t *len)
{
  char p[512];
  FILE *f;
  struct stat sb;
  char *d;
  path_of (p, sizeof p, name);
  if (stat (p, &sb) < 0 || !(f = fopen (p, "rb"))) {
    *len = 0;
    return NULL;
  }
  d = malloc ((size_t) sb.st_size + 1);
  *len = fread (d, 1, (size_t) sb.st_size, f);
  d[*len] = '\0';
  fclose (f);
  return d;
}

static char *fmt (const char *f, ...) __attribute__ ((format (printf, 1, 2)));
static char *fmt (const char *f, ...)
{
  static char b[8192];
  va_list ap;
  va_start (ap, f);
  vsnprintf (b, sizeof b, f, ap);
  va_end (ap);
  return b;
}

static char *header_of (MAILSTREAM *s, unsigned long i, unsigned long *len)
{
  return mail_fetch_header (s, i, NIL, NIL, len, FT_PEEK);
}

static char *text_of (MAILSTREAM *s, unsigned long i, unsigned long *len)
{
  return mail_fetch_text (s, i, NIL, len, FT_PEEK);
}

static const char T2[] =
  "From a@b Mon May  7 20:54:30 2001\nSubject: x\n\nbody x\n\n"
  "From a@b Mon May  7 20:54:31 2001\nSubject: y\nStatus: O\n\nbody y\n"
  "From a@b Mon May  7 20:54:32 2001\nSubject: z\n\nbody z\n";

/* ------------------------------------------------------------ read path */

static void test_read (void)
{
  MAILSTREAM *s;
  unsigned long len;
  char *h, d[64];

  PUT ("t2", T2);
  s = mail_open (NIL, "t2", NIL);
  if (!CHECK (s != NIL))
    return;
  CHECK_INTEQ (s->nmsgs, 3);
  CHECK_INTEQ (s->recent, 2);
  CHECK_INTEQ (n_exists, 3);
  CHECK (s->uid_validity != 0);
  CHECK_INTEQ (mail_uid (s, 3), 3);
  h = header_of (s, 1, &len);
  CHECK_MEMEQ (h, len, "Subject: x\r\n\r\n", 14);
  h = text_of (s, 1, &len);
  CHECK_MEMEQ (h, len, "body x\r\n", 8);	/* separator newline dropped */
  h = text_of (s, 2, &len);
  CHECK_MEMEQ (h, len, "body y\r\n", 8);	/* no empty line: kept */
  CHECK_INTEQ (mail_elt (s, 1)->rfc822_size, 22);
  CHECK (!mail_elt (s, 2)->recent);
  CHECK (mail_elt (s, 1)->recent);
  mail_date (d, mail_elt (s, 3));
  CHECK_STREQ (d, " 7-May-2001 20:54:32 +0000");
  mail_close_full (s, NIL);
}

/* Status/X-Status variants and hidden headers */
static void test_status_hidden (void)
{
  MAILSTREAM *s;
  unsigned long len, tlen;
  char *h;
  static const char box[] =
    "From a@b Mon May  7 20:54:30 2001\n"
    "Subject: one\nStatus: RO\nX-Status: DFAT\nX-Keywords: \nX-UID: 1\n\nb1\n\n"
    "From a@b Mon May  7 20:54:30 2001\n"
    "Subject: two\nStatus: O\nX-Status: F\nContent-Length: 999999\n"
    "X-Keywords: a\n b\nZ: 1\n\nb2\n\n"
    "From a@b Mon May  7 20:54:30 2001\n"
    "Subject: three\nStatus: R\nX-Original-Status: RO\n\nb3\n\n"
    "From a@b Mon May  7 20:54:30 2001\n"
    "Subject: four\nStatus:\nX-Status:\n\nb4\n";

  PUT ("st", box);
  s = mail_open (NIL, "st", OP_READONLY);
  if (!CHECK (s != NIL))
    return;
  CHECK_INTEQ (s->nmsgs, 4);
  CHECK (mail_elt (s, 1)->seen && mail_elt (s, 1)->deleted
	 && mail_elt (s, 1)->flagged && mail_elt (s, 1)->answered
	 && mail_elt (s, 1)->draft && !mail_elt (s, 1)->recent);
  CHECK (!mail_elt (s, 2)->seen && mail_elt (s, 2)->flagged
	 && !mail_elt (s, 2)->recent && !mail_elt (s, 2)->deleted);
  CHECK (mail_elt (s, 3)->seen && mail_elt (s, 3)->recent);
  CHECK (!mail_elt (s, 4)->seen && mail_elt (s, 4)->recent);
  h = header_of (s, 1, &len);
  CHECK_MEMEQ (h, len, "Subject: one\r\n\r\n", 16);
  /* Content-Length is never trusted (body is 2 bytes) but shown, as UW */
  h = header_of (s, 2, &len);
  CHECK_MEMEQ (h, len, "Subject: two\r\nContent-Length: 999999\r\n"
	       "Z: 1\r\n\r\n", 46);
  text_of (s, 2, &tlen);
  CHECK_INTEQ (tlen, 4);
  CHECK_INTEQ (mail_elt (s, 2)->rfc822_size, len + tlen);
  h = header_of (s, 3, &len);
  CHECK_MEMEQ (h, len, "Subject: three\r\nX-Original-Status: RO\r\n\r\n", 41);
  mail_close (s);
  {
    size_t n;
    char *after = get_file ("st", &n);
    CHECK_MEMEQ (after, n, box, sizeof box - 1);	/* read-only: untouched */
    free (after);
  }
}

/* Pseudo-message and X-IMAPbase */
static void test_uid_data (void)
{
  MAILSTREAM *s;
  static const char pseudo[] =
    "From MAILER-DAEMON Mon Nov 23 19:28:24 2026\n"
    "Date: 23 Nov 2026 19:28:24 +0000\n"
    "From: Mail System Internal Data <MAILER-DAEMON@vm>\n"
    "Subject: DON'T DELETE THIS MESSAGE -- FOLDER INTERNAL DATA\n"
    "Message-ID: <1795462104@vm>\n"
    "X-IMAP: 1795462083 0000000009 foo barbaz\n"
    "Status: RO\n\n"
    "This text is part of the internal format of your mail folder, and is not\n"
    "a real message.  It is created automatically by the mail system software.\n"
    "If deleted, important folder data will be lost, and it will be re-created\n"
    "with the data reset to initial values.\n\n"
    "From uwtest@vm Mon Nov 23 19:28:03 2026 +0000\n"
    "Subject: hello\n"
    "Status: RO\nX-Status: A\nX-Keywords: foo barbaz     \nX-UID: 4\n\n"
    "line one\n\n"
    "From uwtest@vm Mon Nov 23 19:28:03 2026 +0000\n"
    "Subject: two\n"
    "Status: RO\nX-Status: \nX-Keywords: barbaz            \nX-UID: 3\n\n"
    "two\n\n";
  static const char base[] =
    "From a@b Mon May  7 20:54:30 2001\nSubject: x\n"
    "X-IMAPbase: 1000 7 k1 k2\nStatus: O\nX-UID: 6\nX-Keywords: k2\n\nx\n\n";

  PUT ("ps", pseudo);
  s = mail_open (NIL, "ps", OP_READONLY);
  if (!CHECK (s != NIL))
    return;
  CHECK_INTEQ (s->nmsgs, 2);		/* the pseudo-message is not shown */
  CHECK_INTEQ (s->uid_validity, 1795462083UL);
  CHECK_STREQ (s->user_flags[0], "foo");
  CHECK_STREQ (s->user_flags[1], "barbaz");
  CHECK_INTEQ (mail_uid (s, 1), 4);
  CHECK_INTEQ (mail_uid (s, 2), 10);	/* 3 is below 4: a new UID */
  CHECK_INTEQ (s->uid_last, 10);
  CHECK_INTEQ (mail_elt (s, 1)->user_flags, 3);
  CHECK_INTEQ (mail_elt (s, 2)->user_flags, 2);
  CHECK (mail_elt (s, 1)->answered);
  mail_close (s);

  PUT ("base", base);
  s = mail_open (NIL, "base", OP_READONLY);
  if (!CHECK (s != NIL))
    return;
  CHECK_INTEQ (s->nmsgs, 1);
  CHECK_INTEQ (s->uid_validity, 1000);
  CHECK_INTEQ (mail_uid (s, 1), 6);
  CHECK_INTEQ (s->uid_last, 7);
  CHECK_INTEQ (mail_elt (s, 1)->user_flags, 2);
  {
    unsigned long len;
    char *h = header_of (s, 1, &len);
    CHECK_MEMEQ (h, len, "Subject: x\r\n\r\n", 14);
  }
  mail_close (s);
}

/* Flags written back: the exact bytes UW writes for the same change */
static void test_flags_roundtrip (void)
{
  MAILSTREAM *s;
  size_t n;
  char *got, *want;
  unsigned long v;

  PUT ("fl", T2);
  s = mail_open (NIL, "fl", NIL);
  if (!CHECK (s != NIL))
    return;
  v = s->uid_validity;
  mail_flag (s, "1", "\\Seen", ST_SET);
  mail_check (s);
  got = get_file ("fl", &n);
  want = fmt ("From a@b Mon May  7 20:54:30 2001\nSubject: x\n"
	      "X-IMAPbase: %lu 3\nStatus: RO\nX-Status: \n"
	      "X-Keywords:                      \nX-UID: 1\n\nbody x\n\n"
	      "From a@b Mon May  7 20:54:31 2001\nSubject: y\nStatus: O\n"
	      "X-Status: \nX-Keywords:                  \nX-UID: 2\n\nbody y\n\n"
	      "From a@b Mon May  7 20:54:32 2001\nSubject: z\nStatus: O\n"
	      "X-Status: \nX-Keywords:                  \nX-UID: 3\n\nbody z\n\n",
	      v);
  CHECK_MEMEQ (got, n, want, strlen (want));
  free (got);
  /* a change that fits UW's padding is written in place, same length */
  mail_flag (s, "3", "\\Flagged \\Answered \\Deleted", ST_SET);
  mail_check (s);
  got = get_file ("fl", &n);
  CHECK (strstr (got, "Status: O\nX-Status: DFA\nX-Keywords:               \n"
		 "X-UID: 3\n") != NULL);
  CHECK_INTEQ (n, strlen (want));
  free (got);
  /* keywords: new ones go into X-IMAPbase */
  mail_flag (s, "2", "work", ST_SET);
  mail_close (s);
  s = mail_open (NIL, "fl", OP_READONLY);
  if (!CHECK (s != NIL))
    return;
  CHECK_INTEQ (s->uid_validity, v);
  CHECK (mail_elt (s, 1)->seen);
  CHECK (mail_elt (s, 3)->flagged && mail_elt (s, 3)->answered
	 && mail_elt (s, 3)->deleted);
  CHECK_STREQ (s->user_flags[0], "work");
  CHECK_INTEQ (mail_elt (s, 2)->user_flags, 1);
  CHECK_INTEQ (s->recent, 0);
  mail_close (s);
  /* a keyword only in a message's X-Keywords (APPEND of a new keyword) is
   * shown by a read-only open too, though it may not create keywords */
  PUT ("kwro", "From a@b Mon May  7 20:54:30 2001\nSubject: x\n"
       "X-Keywords: Work\n\nbody\n");
  s = mail_open (NIL, "kwro", OP_READONLY);
  if (!CHECK (s != NIL))
    return;
  CHECK (!s->kwd_create);
  CHECK_STREQ (s->user_flags[0], "Work");
  CHECK_INTEQ (mail_elt (s, 1)->user_flags, 1);
  mail_close (s);
}

static void test_expunge (void)
{
  MAILSTREAM *s;
  size_t n;
  char *got;
  unsigned long v;

  PUT ("ex", T2);
  s = mail_open (NIL, "ex", NIL);
  if (!CHECK (s != NIL))
    return;
  v = s->uid_validity;
  mail_flag (s, "1", "\\Deleted", ST_SET);
  n_expunged = 0;
  mail_expunge (s);
  CHECK_INTEQ (n_expunged, 1);
  CHECK_INTEQ (last_expunged, 1);
  CHECK_INTEQ (s->nmsgs, 2);
  CHECK_INTEQ (mail_uid (s, 1), 2);
  {
    unsigned long len;
    char *t = text_of (s, 2, &len);
    CHECK_MEMEQ (t, len, "body z\r\n", 8);
  }
  mail_close (s);
  got = get_file ("ex", &n);
  {
    char *want = fmt ("From a@b Mon May  7 20:54:31 2001\nSubject: y\n"
		      "X-IMAPbase: %lu 3\nStatus: O\nX-Status: \n"
		      "X-Keywords:                       \nX-UID: 2\n\nbody y\n\n"
		      "From a@b Mon May  7 20:54:32 2001\nSubject: z\n"
		      "Status: O\nX-Status: \nX-Keywords:                  \n"
		      "X-UID: 3\n\nbody z\n\n", v);
    CHECK_MEMEQ (got, n, want, strlen (want));
  }
  free (got);
  /* expunge everything: the pseudo-message keeps the UID data */
  s = mail_open (NIL, "ex", NIL);
  if (!CHECK (s != NIL))
    return;
  mail_flag (s, "1:*", "\\Deleted", ST_SET);
  n_expunged = 0;
  mail_expunge (s);
  CHECK_INTEQ (n_expunged, 2);
  CHECK_INTEQ (s->nmsgs, 0);
  mail_close (s);
  got = get_file ("ex", &n);
  CHECK (strstr (got, fmt ("X-IMAP: %010lu 0000000003\n", v)) != NULL);
  CHECK (strncmp (got, "From MAILER-DAEMON ", 19) == 0);
  free (got);
  s = mail_open (NIL, "ex", OP_READONLY);
  if (CHECK (s != NIL)) {
    CHECK_INTEQ (s->nmsgs, 0);
    CHECK_INTEQ (s->uid_validity, v);
    CHECK_INTEQ (s->uid_last, 3);
    mail_close (s);
  }
  /* UID EXPUNGE only touches the given UIDs */
  PUT ("ex2", T2);
  s = mail_open (NIL, "ex2", NIL);
  if (CHECK (s != NIL)) {
    mail_flag (s, "1:3", "\\Deleted", ST_SET);
    mail_expunge_full (s, "2", EX_UID);
    CHECK_INTEQ (s->nmsgs, 2);
    CHECK_INTEQ (mail_uid (s, 2), 3);
    mail_close (s);
  }
}

/* Append, quoting, copy, and ping of another open stream */
static void test_append_copy (void)
{
  MAILSTREAM *s, *o;
  STRING st;
  size_t n;
  char *got;
  static const char msg[] = "Subject: app\r\nStatus: RO\r\nX-UID: 77\r\n"
    "X-Keywords: zz\r\n\r\nFrom the start\r\n>From quoted\r\nend\r\n";

  CHECK (mail_create (NIL, "#driver.unix/ap") != NIL);
  got = get_file ("ap", &n);
  CHECK (got && strncmp (got, "From MAILER-DAEMON ", 19) == 0);
  CHECK (got && strstr (got, " 0000000000\nStatus: RO\n\n") != NULL);
  free (got);
  o = mail_open (NIL, "ap", NIL);
  if (!CHECK (o != NIL))
    return;
  CHECK_INTEQ (o->nmsgs, 0);
  INIT (&st, mail_string, (void *) msg, sizeof msg - 1);
  CHECK (mail_append_full (NIL, "ap", "\\Seen \\Flagged", 
			   "7-May-2001 20:54:30 +0200", &st) != NIL);
  got = get_file ("ap", &n);
  CHECK (strstr (got, "From tester@") != NULL);
  CHECK (strstr (got, " Mon May  7 20:54:30 2001 +0200\nSubject: app\n"
		 "X-Original-Status: RO\nStatus: R\nX-Status: F\n"
		 "X-Keywords:                 \nX-UID: 1\n\n>From the start\n"
		 ">From quoted\nend\n\n") != NULL);
  CHECK (strstr (got, " 0000000001\nStatus: RO\n") != NULL);
  free (got);
  n_exists = 0;
  mail_ping (o);
  CHECK_INTEQ (o->nmsgs, 1);
  CHECK_INTEQ (n_exists, 1);
  CHECK_INTEQ (mail_uid (o, 1), 1);
  CHECK (mail_elt (o, 1)->seen && mail_elt (o, 1)->flagged);
  {
    unsigned long len;
    char *t = text_of (o, 1, &len);
    CHECK_MEMEQ (t, len, ">From the start\r\n>From quoted\r\nend\r\n", 36);
  }
  /* copy from t2 into ap: the open stream sees them at its next ping */
  s = mail_open (NIL, "t2", OP_READONLY);
  if (CHECK (s != NIL)) {
    CHECK (mail_copy (s, "2:3", "ap") != NIL);
    mail_close (s);
  }
  mail_ping (o);
  CHECK_INTEQ (o->nmsgs, 3);
  CHECK_INTEQ (mail_uid (o, 3), 3);
  {
    unsigned long len;
    char *h = header_of (o, 2, &len);
    CHECK_MEMEQ (h, len, "Subject: y\r\n\r\n", 14);
  }
  /* a message written by an MTA (no status headers) is noticed too */
  {
    char p[512];
    FILE *f;
    path_of (p, sizeof p, "ap");
    f = fopen (p, "ab");
    fputs ("From mta@x Tue May  8 10:00:00 2001\nSubject: mta\n\nhi\n", f);
    fclose (f);
  }
  mail_ping (o);
  CHECK_INTEQ (o->nmsgs, 4);
  CHECK_INTEQ (mail_uid (o, 4), 4);
  CHECK (mail_elt (o, 4)->recent);
  mail_close (o);
  /* APPEND with a keyword the mailbox does not list yet keeps every flag:
   * the keyword is in X-Keywords and a read-write open adopts it */
  INIT (&st, mail_string, (void *) msg, sizeof msg - 1);
  CHECK (mail_append_full (NIL, "ap", "\\Seen brandnew", NIL, &st) != NIL);
  o = mail_open (NIL, "ap", NIL);
  if (CHECK (o != NIL) && CHECK_INTEQ (o->nmsgs, 5)) {
    int k, found = -1;
    for (k = 0; k < NUSERFLAGS; k++)
      if (o->user_flags[k] && !strcmp (o->user_flags[k], "brandnew"))
	found = k;
    CHECK (mail_elt (o, 5)->seen);
    CHECK (found >= 0 && (mail_elt (o, 5)->user_flags & (1UL << found)));
    mail_close (o);
  }
  /* an invalid flag fails the whole APPEND and writes nothing */
  {
    size_t before_len, after_len;
    char *before = get_file ("ap", &before_len), *after;
    INIT (&st, mail_string, (void *) msg, sizeof msg - 1);
    CHECK (mail_append_full (NIL, "ap", "\\Seen \\Bogus", NIL, &st) == NIL);
    after = get_file ("ap", &after_len);
    CHECK (before && after && before_len == after_len &&
	   !memcmp (before, after, before_len));
    free (before);
    free (after);
  }
  /* TRYCREATE for a missing mailbox, nothing created */
  INIT (&st, mail_string, (void *) msg, sizeof msg - 1);
  CHECK (mail_append (NIL, "#driver.unix/nosuch", &st) == NIL);
  CHECK (get_file ("nosuch", &n) == NULL);
}

/* COPY keeps every keyword, even when the flag list is longer than a
 * MAILTMPLEN buffer (NUSERFLAGS keywords of MAXUSERFLAG characters).  The
 * copy goes into the same mailbox, whose X-IMAPbase (written by the
 * checkpoint) already lists the keywords. */
static void test_copy_many_keywords (void)
{
  struct buf f = BUF_INIT;
  MAILSTREAM *s;
  unsigned long uf;
  int i, n = 0;

  buf_puts (&f, "From a@b Mon May  7 20:54:32 2001\nSubject: kw\nX-Keywords:");
  for (i = 0; i < NUSERFLAGS; i++)
    buf_printf (&f, " k%02d%0*d", i, MAXUSERFLAG - 3, i);
  buf_puts (&f, "\n\nbody\n");
  put_file ("kwsrc", f.data, f.len);
  buf_free (&f);
  s = mail_open (NIL, "kwsrc", NIL);
  if (!CHECK (s != NIL))
    return;
  CHECK_INTEQ (s->nmsgs, 1);
  mail_check (s);
  CHECK (mail_copy (s, "1", "kwsrc") != NIL);
  mail_ping (s);
  CHECK_INTEQ (s->nmsgs, 2);
  uf = s->nmsgs == 2 ? mail_elt (s, 2)->user_flags : 0;
  for (i = 0; i < NUSERFLAGS; i++)
    if (s->user_flags[i] && (uf & (1UL << i))
	&& strlen (s->user_flags[i]) == MAXUSERFLAG)
      n++;
  CHECK_INTEQ (n, NUSERFLAGS);
  mail_close (s);
}

/* Not a mailbox: clear error, never written */
static void test_not_mbox (void)
{
  static const char junk[] = "hello world\nFrom a@b Mon May  7 20:54:30 2001\n";
  MAILSTREAM *s;
  STRING st;
  size_t n;
  char *got;

  PUT ("junk", junk);
  CHECK (unixdriver.valid ("junk") == NIL);
  s = mail_open (NIL, "#driver.unix/junk", NIL);
  CHECK (s == NIL);
  INIT (&st, mail_string, (void *) "Subject: x\r\n\r\nx\r\n", 17);
  CHECK (mail_append (NIL, "#driver.unix/junk", &st) == NIL);
  got = get_file ("junk", &n);
  CHECK_MEMEQ (got, n, junk, sizeof junk - 1);
  free (got);
}

/* Odd files: empty, unfinished last line, NUL bytes, CRLF, huge header */
static void test_odd_files (void)
{
  MAILSTREAM *s;
  unsigned long len;
  char *t;
  STRING st;

  PUT ("empty", "");
  CHECK (unixdriver.valid ("empty") == &unixdriver);
  s = mail_open (NIL, "empty", NIL);
  if (CHECK (s != NIL)) {
    CHECK_INTEQ (s->nmsgs, 0);
    mail_close (s);
  }
  {
    size_t n;
    char *g = get_file ("empty", &n);
    CHECK_INTEQ (n, 0);		/* opening wrote nothing */
    free (g);
  }
  INIT (&st, mail_string, (void *) "Subject: e\r\n\r\ne\r\n", 17);
  CHECK (mail_append (NIL, "empty", &st) != NIL);
  s = mail_open (NIL, "empty", OP_READONLY);
  if (CHECK (s != NIL)) {
    CHECK_INTEQ (s->nmsgs, 1);
    CHECK_INTEQ (mail_uid (s, 1), 1);
    mail_close (s);
  }

  PUT ("trunc", "From a@b Mon May  7 20:54:30 2001\nSubject: t\n\nno newline");
  s = mail_open (NIL, "trunc", OP_READONLY);
  if (CHECK (s != NIL)) {
    CHECK_INTEQ (s->nmsgs, 1);
    t = text_of (s, 1, &len);
    CHECK_MEMEQ (t, len, "no newline", 10);
    CHECK_INTEQ (mail_elt (s, 1)->rfc822_size, 14 + 10);
    mail_close (s);
  }

  put_file ("nul", "From a@b Mon May  7 20:54:30 2001\nSubject: n\n\na\0b\nc\n", 52);
  s = mail_open (NIL, "nul", OP_READONLY);
  if (CHECK (s != NIL)) {
    t = text_of (s, 1, &len);
    CHECK_MEMEQ (t, len, "a\0b\r\nc\r\n", 8);
    mail_close (s);
  }

  PUT ("crlf", "From a@b Mon May  7 20:54:31 2001\r\nSubject: crlf\r\n\r\n"
       "body c\r\n\r\nFrom a@b Mon May  7 20:54:32 2001\r\nSubject: c2\r\n"
       "\r\nbody d\r\n");
  s = mail_open (NIL, "crlf", NIL);
  if (CHECK (s != NIL)) {
    CHECK_INTEQ (s->nmsgs, 2);
    t = header_of (s, 1, &len);
    CHECK_MEMEQ (t, len, "Subject: crlf\r\n\r\n", 17);
    t = text_of (s, 1, &len);
    CHECK_MEMEQ (t, len, "body c\r\n", 8);
    CHECK_INTEQ (mail_elt (s, 2)->rfc822_size, 23);
    mail_flag (s, "2", "\\Seen", ST_SET);
    mail_close (s);
  }
  {
    size_t n;
    char *g = get_file ("crlf", &n);
    CHECK (g && strchr (g, '\r') == NULL);	/* UW writes LF files */
    free (g);
  }
  s = mail_open (NIL, "crlf", OP_READONLY);
  if (CHECK (s != NIL)) {
    t = text_of (s, 1, &len);
    CHECK_MEMEQ (t, len, "body c\r\n", 8);
    CHECK (mail_elt (s, 2)->seen);
    mail_close (s);
  }

  {				/* a 1 MB header line */
    size_t big = 1 << 20, n;
    char *b = malloc (big + 200);
    n = (size_t) sprintf (b, "From a@b Mon May  7 20:54:30 2001\nX-Big: ");
    memset (b + n, 'x', big);
    n += big;
    n += (size_t) sprintf (b + n, "\nSubject: big\n\nbody\n");
    put_file ("big", b, n);
    free (b);
    s = mail_open (NIL, "big", OP_READONLY);
    if (CHECK (s != NIL)) {
      CHECK_INTEQ (s->nmsgs, 1);
      t = header_of (s, 1, &len);
      CHECK_INTEQ (len, 7 + big + 2 + 14 + 2);
      t = text_of (s, 1, &len);
      CHECK_MEMEQ (t, len, "body\r\n", 6);
      mail_close (s);
    }
  }
  /* lines that only look like From_ lines stay in the message */
  PUT ("near", "From a@b Mon May  7 20:54:30 2001\nSubject: n\n\n"
       "From a@b Mon May 7 20:54:30 2001\nFrom me to you\n>From x\n");
  s = mail_open (NIL, "near", OP_READONLY);
  if (CHECK (s != NIL)) {
    CHECK_INTEQ (s->nmsgs, 1);
    t = text_of (s, 1, &len);
    CHECK_MEMEQ (t, len, "From a@b Mon May 7 20:54:30 2001\r\nFrom me to you"
		 "\r\n>From x\r\n", 59);
    mail_close (s);
  }
}

/* ---------------------------------------------------------- journal */

static uint64_t fnv (uint64_t h, const void *p, size_t n)
{
  const unsigned char *s = p;
  while (n--) {
    h ^= *s++;
    h *= 1099511628211ULL;
  }
  return h;
}

static void put64 (unsigned char *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char) (v >> (8 * i));
}

/* The version 2 checksum, written from docs/formats.md: four lanes over
 * 32-byte blocks of little-endian words, then the rest byte by byte */
static uint64_t rotl (uint64_t v, int r)
{
  return (v << r) | (v >> (64 - r));
}

static uint64_t jsum2 (const unsigned char *p, size_t n)
{
  uint64_t l[4] = { 0x243F6A8885A308D3ULL, 0x13198A2E03707344ULL,
		    0xA4093822299F31D0ULL, 0x082EFA98EC4E6C89ULL }, h;
  size_t i = 0;
  for (; n - i >= 32; i += 32)
    for (int j = 0; j < 4; j++) {
      uint64_t w = 0;
      for (int k = 7; k >= 0; k--)
	w = (w << 8) | p[i + 8 * j + k];
      l[j] = rotl (l[j] + w * 0xC2B2AE3D27D4EB4FULL, 31)
	* 0x9E3779B185EBCA87ULL;
    }
  h = rotl (l[0], 1) + rotl (l[1], 7) + rotl (l[2], 12) + rotl (l[3], 18);
  h ^= (uint64_t) n;
  for (; i < n; i++)
    h = (h ^ p[i]) * 1099511628211ULL;
  h ^= h >> 33;
  h *= 0xC2B2AE3D27D4EB4FULL;
  h ^= h >> 29;
  h *= 0x165667B19E3779F9ULL;
  h ^= h >> 32;
  return h;
}

static void write_journal_v (const char *mbox, off_t off, const char *data,
			     uint64_t oldlen, uint64_t newlen, int corrupt,
			     int version, uint64_t stale);

/* A journal as docs/formats.md describes it, with one extent: version 1
 * (what older builds left behind) */
static void write_journal (const char *mbox, off_t off, const char *data,
			   uint64_t oldlen, uint64_t newlen, int corrupt)
{
  write_journal_v (mbox, off, data, oldlen, newlen, corrupt, 1, 0);
}

static void write_journal_v (const char *mbox, off_t off, const char *data,
			     uint64_t oldlen, uint64_t newlen, int corrupt,
			     int version, uint64_t stale)
{
  char p[512], j[600];
  struct stat sb;
  unsigned char h[80], eh[16];
  size_t dl = strlen (data);
  uint64_t sum = 14695981039346656037ULL;
  FILE *f;

  path_of (p, sizeof p, mbox);
  stat (p, &sb);
  snprintf (j, sizeof j, "%s/.bamboo-mbox-journal.%llx.%llx", home,
	    (unsigned long long) sb.st_dev, (unsigned long long) sb.st_ino);
  put64 (eh, (uint64_t) off);
  put64 (eh + 8, dl);
  if (version == 1) {
    sum = fnv (sum, eh, 8);
    sum = fnv (sum, data, dl);
    sum = fnv (sum, eh + 8, 8);
  }
  else {
    unsigned char *all = malloc (dl + 16);
    memcpy (all, eh, 8);
    memcpy (all + 8, data, dl);
    memcpy (all + 8 + dl, eh + 8, 8);
    sum = jsum2 (all, dl + 16);
    free (all);
  }
  memcpy (h, "BMBXJRN1", 8);
  put64 (h + 8, (uint64_t) version);
  put64 (h + 16, (uint64_t) sb.st_dev);
  put64 (h + 24, (uint64_t) sb.st_ino);
  put64 (h + 32, oldlen);
  put64 (h + 40, newlen);
  put64 (h + 48, 1);
  put64 (h + 56, 16 + dl);
  put64 (h + 64, sum ^ (corrupt ? 1 : 0));
  put64 (h + 72, stale);
  f = fopen (j, "wb");
  fwrite (h, 1, 80, f);
  fwrite (eh, 1, 16, f);
  fwrite (data, 1, dl - (corrupt == 2 ? 3 : 0), f);
  fclose (f);
}

static int journal_exists (const char *mbox)
{
  char p[512], j[600];
  struct stat sb;
  path_of (p, sizeof p, mbox);
  stat (p, &sb);
  snprintf (j, sizeof j, "%s/.bamboo-mbox-journal.%llx.%llx", home,
	    (unsigned long long) sb.st_dev, (unsigned long long) sb.st_ino);
  return access (j, F_OK) == 0;
}

/* kill -9 between the last extent of a shrinking rewrite and its
 * ftruncate: the file holds the new bytes followed by stale old ones, which
 * are copies of the tail's last messages.  The version 3 journal's sum of
 * those bytes makes recovery cut them (case 0), keep mail someone appended
 * after the crash (case 1), and tell them from mail appended after a
 * completed truncation (case 2), which must stay. */
static unsigned long count_str (const char *d, size_t n, const char *w)
{
  unsigned long k = 0;
  size_t wl = strlen (w);
  for (size_t i = 0; i + wl <= n; i++)
    k += memcmp (d + i, w, wl) == 0;
  return k;
}

static void test_journal_untruncated (void)
{
  static const char x[] = "From a@b Mon May  7 20:54:30 2001\nSubject: x\n"
    "\nbody x\n\n";
  static const char y[] = "From a@b Mon May  7 20:54:31 2001\nSubject: y\n"
    "Status: O\n\nbody y\n";
  static const char z[] = "From a@b Mon May  7 20:54:32 2001\nSubject: z\n"
    "\nbody z\n";
  static const char f[] = "From c@d Mon May  7 21:00:00 2001\nSubject: F\n"
    "\nforeign mail delivered after the crash, long enough to cover the "
    "stale region\n";
  size_t lx = sizeof x - 1, ly = sizeof y - 1, lz = sizeof z - 1;
  uint64_t oldlen = lx + ly + lz, newlen = lx + lz, stale;
  struct buf old = BUF_INIT;

  buf_append (&old, T2, sizeof T2 - 1);
  if (!CHECK_INTEQ (old.len, oldlen))
    return;
  stale = jsum2 ((const unsigned char *) old.data + newlen,
		 (size_t) (oldlen - newlen));
  for (int c = 0; c <= 2; c++) {
    struct buf b = BUF_INIT;
    const char *want[] = { "x", "z", "F" };
    unsigned long nwant = c == 0 ? 2 : 3;
    MAILSTREAM *s;
    size_t n;
    char *got;
    if (c < 2) {		/* extent applied, not truncated */
      buf_append (&b, old.data, old.len);
      memcpy (b.data + lx, z, lz);
    }
    else {			/* truncated */
      buf_append (&b, x, lx);
      buf_append (&b, z, lz);
    }
    if (c > 0)
      buf_append (&b, f, sizeof f - 1);
    put_file ("jt", b.data, b.len);
    write_journal_v ("jt", (off_t) lx, z, oldlen, newlen, 0, 3, stale);
    s = mail_open (NIL, "jt", NIL);
    if (CHECK (s != NIL)) {
      if (CHECK_INTEQ (s->nmsgs, nwant))
	for (unsigned long i = 1; i <= nwant; i++) {
	  unsigned long len;
	  char *h = header_of (s, i, &len), w[32];
	  snprintf (w, sizeof w, "Subject: %s\r\n\r\n", want[i - 1]);
	  CHECK_MEMEQ (h, len, w, strlen (w));
	}
      mail_close_full (s, NIL);
    }
    CHECK (!journal_exists ("jt"));
    /* on disk too: one z, F once when it was delivered, nothing stale */
    got = get_file ("jt", &n);
    CHECK_INTEQ (count_str (got, n, "Subject: z\n"), 1);
    CHECK_INTEQ (count_str (got, n, "Subject: F\n"), c > 0);
    CHECK_INTEQ (count_str (got, n, "\nFrom "), nwant - 1);
    free (got);
    buf_free (&b);
  }
  buf_free (&old);
}

/* kill -9 after a growing rewrite's journal was complete but before the
 * file was extended, then an MTA broke the stale dotlock and appended: its
 * mail starts at the old length, after the newlines it adds when the file
 * ended mid-line, and may be shorter than the growth.  Recovery must keep it
 * whole (it used to look for "From " exactly at the old length, else cut
 * the first bytes of the new mail). */
static void test_journal_grow_foreign (void)
{
  static const char old[] = "From a@b Mon May  7 20:54:30 2001\nSubject: x\n"
    "\nbody x\n\nFrom a@b Mon May  7 20:54:32 2001\nSubject: z\n\nno newline";
  static const char *fgn[] = {
    "\n\nFrom c@d Mon May  7 21:00:00 2001\nSubject: F\n\nforeign mail "
    "long enough to reach beyond the new length of the rewritten file, "
    "which grows by a couple of hundred bytes, more or less: more text\n",
    "\n\nFrom c@d Mon May  7 21:00:00 2001\nSubject: F\n\nshort\n"
  };
  off_t off = strstr (old, "\nFrom ") + 1 - old;	/* message z */
  struct buf nz = BUF_INIT;

  buf_puts (&nz, "From a@b Mon May  7 20:54:32 2001\nSubject: z\n"
	    "X-Padding: ");
  for (int i = 0; i < 150; i++)
    buf_putc (&nz, 'p');
  buf_puts (&nz, "\n\nno newline\n");
  for (int c = 0; c < 2; c++) {
    struct buf b = BUF_INIT;
    MAILSTREAM *s;
    uint64_t oldlen = sizeof old - 1, newlen = (uint64_t) off + nz.len;
    CHECK (c == 0 ? oldlen + strlen (fgn[c]) > newlen
	   : oldlen + strlen (fgn[c]) < newlen);
    buf_append (&b, old, sizeof old - 1);
    buf_puts (&b, fgn[c]);
    put_file ("jg", b.data, b.len);
    write_journal_v ("jg", off, buf_cstr (&nz), oldlen, newlen, 0, 3, 0);
    s = mail_open (NIL, "jg", NIL);
    if (CHECK (s != NIL)) {
      if (CHECK_INTEQ (s->nmsgs, 3)) {
	unsigned long len;
	char *h = header_of (s, 3, &len);
	CHECK_MEMEQ (h, len, "Subject: F\r\n\r\n", 14);
	h = text_of (s, 3, &len);
	CHECK (len >= 5 && memcmp (h, c == 0 ? "foreign" : "short", 5) == 0);
	h = header_of (s, 2, &len);
	CHECK (len > 20 && strstr (h, "X-Padding: ppp") != NULL);
      }
      mail_close_full (s, NIL);
    }
    CHECK (!journal_exists ("jg"));
    buf_free (&b);
  }
  buf_free (&nz);
}

static void test_journal (void)
{
  MAILSTREAM *s;
  size_t n;
  char *got;
  static const char tail[] = "From a@b Mon May  7 20:54:32 2001\nSubject: Z\n"
    "\nbody z\n";
  off_t off = (off_t) (sizeof T2 - 1) - (off_t) (sizeof tail - 1);

  /* a crash after the journal was made durable: open replays it */
  PUT ("jr", T2);
  write_journal ("jr", off, "From a@b Mon May  7 20:54:32 2001\nSubject: Q\n"
		 "\nnew tail\n", sizeof T2 - 1, (uint64_t) off + 55, 0);
  s = mail_open (NIL, "jr", NIL);
  if (CHECK (s != NIL)) {
    unsigned long len;
    char *h;
    CHECK_INTEQ (s->nmsgs, 3);
    h = header_of (s, 3, &len);
    CHECK_MEMEQ (h, len, "Subject: Q\r\n\r\n", 14);
    h = text_of (s, 3, &len);
    CHECK_MEMEQ (h, len, "new tail\r\n", 10);
    mail_close_full (s, NIL);
  }
  CHECK (!journal_exists ("jr"));

  /* the same with the current journal version (2), whose checksum is
   * computed here from the documented definition; a data length that
   * leaves a partial 32-byte block exercises the byte-wise rest; and a
   * version 2 journal that never completed is discarded */
  for (int c = 0; c <= 2; c++) {
    static const char nt[] = "From a@b Mon May  7 20:54:32 2001\n"
      "Subject: Q\n\nnew tail, version two\n";
    PUT ("jr2", T2);
    write_journal_v ("jr2", off, nt, sizeof T2 - 1,
		     (uint64_t) off + sizeof nt - 1, c, 2, 0);
    CHECK (journal_exists ("jr2"));
    s = mail_open (NIL, "jr2", NIL);
    if (CHECK (s != NIL)) {
      unsigned long len;
      char *h;
      CHECK_INTEQ (s->nmsgs, 3);
      h = header_of (s, 3, &len);
      if (c == 0) {
	CHECK_MEMEQ (h, len, "Subject: Q\r\n\r\n", 14);
	h = text_of (s, 3, &len);
	CHECK_MEMEQ (h, len, "new tail, version two\r\n", 23);
      }
      else
	CHECK_MEMEQ (h, len, "Subject: z\r\n\r\n", 14);
      mail_close_full (s, NIL);
    }
    CHECK (!journal_exists ("jr2"));
  }
  /* an unknown version is never replayed */
  PUT ("jr3", T2);
  write_journal_v ("jr3", off, "From a@b Mon May  7 20:54:32 2001\n"
		   "Subject: Q\n\nnew tail\n", sizeof T2 - 1,
		   (uint64_t) off + 55, 0, 4, 0);
  s = mail_open (NIL, "jr3", NIL);
  if (CHECK (s != NIL)) {
    unsigned long len;
    char *h = header_of (s, 3, &len);
    CHECK_MEMEQ (h, len, "Subject: z\r\n\r\n", 14);
    mail_close_full (s, NIL);
  }

  /* a journal that never completed (bad checksum, short data): discarded,
   * the mailbox not touched */
  for (int c = 1; c <= 2; c++) {
    PUT ("jb", T2);
    write_journal ("jb", off, "From a@b Mon May  7 20:54:32 2001\nSubject: Q"
		   "\n\nnew tail\n", sizeof T2 - 1, (uint64_t) off + 55, c);
    CHECK (journal_exists ("jb"));
    s = mail_open (NIL, c == 1 ? "jb" : "#driver.unix/jb",
		   c == 1 ? NIL : OP_READONLY);
    if (CHECK (s != NIL)) {
      unsigned long len;
      char *h = header_of (s, 3, &len);
      CHECK_MEMEQ (h, len, "Subject: z\r\n\r\n", 14);
      mail_close_full (s, NIL);
    }
    CHECK (!journal_exists ("jb"));
  }
  got = get_file ("jb", &n);
  CHECK_MEMEQ (got, n, T2, sizeof T2 - 1);	/* untouched */
  free (got);

  /* a read-only open of a file we may write finishes the rewrite too:
   * until then the file could be half old, half new */
  PUT ("jro", T2);
  write_journal ("jro", off, "From a@b Mon May  7 20:54:32 2001\nSubject: Q\n"
		 "\nnew tail\n", sizeof T2 - 1, (uint64_t) off + 55, 0);
  s = mail_open (NIL, "jro", OP_READONLY);
  if (CHECK (s != NIL)) {
    unsigned long len;
    char *h = header_of (s, 3, &len);
    CHECK_MEMEQ (h, len, "Subject: Q\r\n\r\n", 14);
    mail_close (s);
  }
  CHECK (!journal_exists ("jro"));

  /* a complete journal someone else planted (another user, in a shared
   * spool directory) is not replayed: the mailbox stays as it is */
  if (geteuid () == 0) {
    char p[512], j[600];
    struct stat sb;
    PUT ("jfo", T2);
    write_journal ("jfo", off, "From a@b Mon May  7 20:54:32 2001\nSubject: "
		   "Q\n\nnew tail\n", sizeof T2 - 1, (uint64_t) off + 55, 0);
    path_of (p, sizeof p, "jfo");
    stat (p, &sb);
    snprintf (j, sizeof j, "%s/.bamboo-mbox-journal.%llx.%llx", home,
	      (unsigned long long) sb.st_dev, (unsigned long long) sb.st_ino);
    CHECK_INTEQ (chown (j, 4242, 4242), 0);
    s = mail_open (NIL, "jfo", OP_READONLY);
    if (CHECK (s != NIL)) {
      unsigned long len;
      char *h = header_of (s, 3, &len);
      CHECK_MEMEQ (h, len, "Subject: z\r\n\r\n", 14);
      mail_close (s);
    }
    CHECK (journal_exists ("jfo"));
    got = get_file ("jfo", &n);
    CHECK_MEMEQ (got, n, T2, sizeof T2 - 1);	/* untouched */
    free (got);
    unlink (j);
  }
}


/* ------------------------------------------- expunge of a canonical tail */

/* Message k of the tail tests: its body, LF form (CR LF when crlf) */
static void tail_body (struct buf *b, unsigned long k, int crlf)
{
  int lines = k == 50 ? 3000 : (int) (k % 5) + 1;	/* one > 64 KB */
  for (int l = 0; l < lines; l++)
    buf_printf (b, "line %d of message %lu, text to make it longer%s", l, k,
		crlf ? "\r\n" : "\n");
}

static void tail_mbox (struct buf *b, unsigned long nm)
{
  for (unsigned long k = 1; k <= nm; k++) {
    buf_printf (b, "From a@b Mon May  7 20:54:30 2001\nSubject: m%lu\n\n", k);
    tail_body (b, k, 0);
    buf_putc (b, '\n');
  }
}

/* Does s hold exactly the messages alive[0..n) (original numbers, which
 * are also their UIDs), with the given flags on disk and in memory?
 * Every message's header and text are read back: after an expunge whose
 * tail moved unchanged, the offsets are computed, not re-scanned. */
static int tail_verify (MAILSTREAM *s, const unsigned long *alive,
			unsigned long n, unsigned long step)
{
  int ok = CHECK_INTEQ (s->nmsgs, n);
  for (unsigned long i = 1; ok && i <= n; i += step) {
    unsigned long len, k = alive[i - 1];
    char want[64], *h = header_of (s, i, &len);
    struct buf w = BUF_INIT;
    snprintf (want, sizeof want, "Subject: m%lu\r\n\r\n", k);
    ok = CHECK_MEMEQ (h, len, want, strlen (want));
    h = text_of (s, i, &len);
    tail_body (&w, k, 1);
    ok = ok && CHECK_MEMEQ (h, len, w.data, w.len);
    ok = ok && CHECK_INTEQ (mail_uid (s, i), k);
    buf_free (&w);
  }
  return ok;
}

static void drop_alive (unsigned long *alive, unsigned long *n,
			unsigned long i)
{
  memmove (alive + i - 1, alive + i, (*n - i) * sizeof *alive);
  (*n)--;
}

static void test_expunge_tail (void)
{
  enum { NM = 400 };
  struct buf b = BUF_INIT;
  unsigned long alive[NM], n = NM, i;
  MAILSTREAM *s;
  size_t len;
  char *got;

  for (i = 0; i < NM; i++)
    alive[i] = i + 1;
  tail_mbox (&b, NM);
  put_file ("tail", b.data, b.len);
  buf_free (&b);
  s = mail_open (NIL, "tail", OP_SILENT);	/* gives UIDs: our layout */
  if (!CHECK (s != NIL))
    return;
  mail_check (s);
  got = get_file ("tail", &len);
  CHECK (strstr (got, "\nX-IMAPbase: ") != NULL);	/* no pseudo-message */
  free (got);
  /* one expunge in the middle (the tail moves unchanged), then the first
   * message (X-IMAPbase moves to the next one: that message is written
   * anew and the tail re-scanned), then several with flag changes before
   * and inside the tail */
  mail_flag (s, "3", "\\Deleted", ST_SET);
  mail_expunge (s);
  drop_alive (alive, &n, 3);
  CHECK (tail_verify (s, alive, n, 1));
  mail_flag (s, "1", "\\Deleted", ST_SET);
  mail_expunge (s);
  drop_alive (alive, &n, 1);
  CHECK (tail_verify (s, alive, n, 1));
  mail_flag (s, "2", "\\Flagged", ST_SET);
  mail_flag (s, "300", "\\Seen", ST_SET);
  mail_flag (s, "40,45:47", "\\Deleted", ST_SET);
  mail_expunge (s);
  for (i = 47; i >= 45; i--)
    drop_alive (alive, &n, i);
  drop_alive (alive, &n, 40);
  CHECK (tail_verify (s, alive, n, 1));
  CHECK (mail_elt (s, 2)->flagged);
  CHECK (mail_elt (s, 296)->seen);
  /* the index stays right for what comes next: new mail, another expunge */
  {
    STRING st;
    char msg[] = "Subject: appended\r\n\r\nnew\r\n";
    INIT (&st, mail_string, msg, sizeof msg - 1);
    CHECK (mail_append (NIL, "tail", &st));
    mail_ping (s);
    CHECK_INTEQ (s->nmsgs, n + 1);
  }
  mail_flag (s, "5", "\\Deleted", ST_SET);
  mail_expunge (s);
  drop_alive (alive, &n, 5);
  CHECK_INTEQ (s->nmsgs, n + 1);
  {
    unsigned long l;
    char *h = header_of (s, n + 1, &l);
    CHECK_MEMEQ (h, l, "Subject: appended\r\n\r\n", 21);
  }
  s->nmsgs--;			/* verify only the originals */
  CHECK (tail_verify (s, alive, n, 1));
  s->nmsgs++;
  mail_close (s);
  /* and so is the file */
  s = mail_open (NIL, "tail", OP_SILENT);
  if (CHECK (s != NIL)) {
    CHECK_INTEQ (s->nmsgs, n + 1);
    s->nmsgs--;
    CHECK (tail_verify (s, alive, n, 1));
    s->nmsgs++;
    CHECK (mail_elt (s, 2)->flagged);
    CHECK (mail_elt (s, 295)->seen);
    mail_close (s);
  }
}

/* Append failure (file size limit): the mailbox is put back as it was */
static void test_append_rollback (void)
{
  struct rlimit old, lim;
  STRING st;
  size_t n0, n1, big = 200000;
  char *before, *after, *msg;
  void (*oldsig) (int);

  PUT ("rb", T2);
  before = get_file ("rb", &n0);
  msg = malloc (big);
  memset (msg, 'y', big);
  memcpy (msg, "Subject: big\r\n\r\n", 16);
  getrlimit (RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = n0 + 1000;
  oldsig = signal (SIGXFSZ, SIG_IGN);
  setrlimit (RLIMIT_FSIZE, &lim);
  INIT (&st, mail_string, msg, big);
  CHECK (mail_append (NIL, "rb", &st) == NIL);
  setrlimit (RLIMIT_FSIZE, &old);
  signal (SIGXFSZ, oldsig);
  after = get_file ("rb", &n1);
  CHECK_MEMEQ (after, n1, before, n0);
  CHECK (lastlogflg == ERROR);
  free (before);
  free (after);
  free (msg);
}

/* ~/mbox as INBOX: spool mail moves into it */
static void test_snarf (void)
{
  MAILSTREAM *s;
  size_t n;
  char *g, spool[512];
  static const char sp[] =
    "From a@b Mon May  7 20:54:30 2001\nSubject: s1\n\none\n\n"
    "From a@b Mon May  7 20:54:31 2001\nSubject: s2\n\ntwo\n";

  path_of (spool, sizeof spool, "spool");
  env_parameters (SET_SYSINBOX, spool);
  PUT ("spool", sp);
  PUT ("mbox", "");
  s = mail_open (NIL, "INBOX", NIL);
  if (!CHECK (s != NIL))
    return;
  CHECK_INTEQ (s->nmsgs, 2);
  g = get_file ("spool", &n);
  CHECK_INTEQ (n, 0);
  free (g);
  g = get_file ("mbox", &n);
  CHECK_MEMEQ (g, n, sp, sizeof sp - 1);
  free (g);
  mail_close (s);

  /* a crash after ~/mbox got the mail but before the spool was emptied:
   * the marker says so, and the mail is not moved twice */
  {
    char p[512], mk[600];
    struct stat sb;
    unsigned char m[64];
    uint64_t v[7];
    size_t nb;
    char *mb = get_file ("mbox", &nb);
    FILE *f;
    PUT ("spool", "From a@b Mon May  7 20:54:33 2001\nSubject: s3\n\nthree\n");
    g = get_file ("spool", &n);
    path_of (p, sizeof p, "mbox");
    stat (p, &sb);
    /* append the spool to mbox by hand, as the crashed process did */
    f = fopen (p, "ab");
    fwrite (g, 1, n, f);
    fclose (f);
    v[0] = 0;
    stat (spool, &sb);
    v[0] = (uint64_t) sb.st_dev;
    v[1] = (uint64_t) sb.st_ino;
    v[2] = n;
    v[3] = fnv (14695981039346656037ULL, g, n);
    v[4] = nb;
    v[5] = nb + n;
    v[6] = 0;
    memcpy (m, "BMBXSNF1", 8);
    for (int i = 0; i < 7; i++)
      put64 (m + 8 + 8 * i, v[i]);
    stat (p, &sb);
    snprintf (mk, sizeof mk, "%s/.bamboo-mbox-snarf.%llx.%llx", home,
	      (unsigned long long) sb.st_dev, (unsigned long long) sb.st_ino);
    f = fopen (mk, "wb");
    fwrite (m, 1, 64, f);
    fclose (f);
    free (g);
    free (mb);
    s = mail_open (NIL, "INBOX", NIL);
    if (CHECK (s != NIL)) {
      CHECK_INTEQ (s->nmsgs, 3);	/* not 4 */
      mail_close (s);
    }
    g = get_file ("spool", &n);
    CHECK_INTEQ (n, 0);
    free (g);
    CHECK (access (mk, F_OK) != 0);
  }
  env_parameters (SET_SYSINBOX, NIL);
}

static void test_status_rename_delete (void)
{
  PUT ("sr", T2);
  memset (&last_status, 0, sizeof last_status);
  CHECK (mail_status (NIL, "sr", SA_MESSAGES | SA_UNSEEN | SA_RECENT
		      | SA_UIDNEXT | SA_UIDVALIDITY) != NIL);
  CHECK_INTEQ (last_status.messages, 3);
  CHECK_INTEQ (last_status.unseen, 3);
  CHECK_INTEQ (last_status.uidnext, 4);
  CHECK (mail_rename (NIL, "sr", "sr2") != NIL);
  {
    size_t n;
    char *g = get_file ("sr2", &n);
    CHECK_MEMEQ (g, n, T2, sizeof T2 - 1);
    free (g);
  }
  CHECK (mail_delete (NIL, "sr2") != NIL);
  {
    size_t n;
    CHECK (get_file ("sr2", &n) == NULL);
  }
}


/* One read/write open and close: the mailbox gets its UIDs on disk */
static int give_uids (const char *name)
{
  MAILSTREAM *s = mail_open (NIL, (char *) name, NIL);
  if (!CHECK (s != NIL))
    return 0;
  mail_close (s);
  return 1;
}

/* Another process rewrites the mailbox: ping notices and re-reads, keeping
 * numbers of survivors and flags changed here but not yet written.  Two
 * read/write streams of one process would meet the session lock (the second
 * opens read-only); without a lock directory (a chroot without /tmp) both
 * write, and that is what this tests. */
static void reread_work (void)
{
  MAILSTREAM *a, *b;
  PUT ("rr", T2);
  if (!give_uids ("rr"))
    return;
  a = mail_open (NIL, "rr", NIL);
  if (!CHECK (a != NIL))
    return;
  mail_flag (a, "3", "\\Flagged", ST_SET);	/* not written yet */
  b = mail_open (NIL, "rr", NIL);
  if (CHECK (b != NIL)) {
    mail_flag (b, "1", "\\Deleted", ST_SET);
    mail_flag (b, "2", "\\Answered", ST_SET);
    mail_expunge (b);
    mail_close (b);
  }
  n_expunged = 0;
  mail_ping (a);
  CHECK_INTEQ (n_expunged, 1);
  CHECK_INTEQ (last_expunged, 1);
  CHECK_INTEQ (a->nmsgs, 2);
  CHECK_INTEQ (mail_uid (a, 1), 2);
  CHECK (mail_elt (a, 1)->answered);	/* from the file */
  CHECK (mail_elt (a, 2)->flagged);	/* ours, kept */
  {
    unsigned long len;
    char *h = header_of (a, 2, &len);
    CHECK_MEMEQ (h, len, "Subject: z\r\n\r\n", 14);
  }
  mail_close (a);
  a = mail_open (NIL, "rr", OP_READONLY);
  if (CHECK (a != NIL)) {
    CHECK_INTEQ (a->nmsgs, 2);
    CHECK (mail_elt (a, 2)->flagged && mail_elt (a, 1)->answered);
    mail_close (a);
  }
  /* a reader sees another session's flag changes, also when they were
   * written in place (same size), and is told through mm_flags */
  a = mail_open (NIL, "rr", OP_READONLY);
  b = mail_open (NIL, "rr", NIL);
  if (CHECK (a != NIL && b != NIL)) {
    struct stat s1, s2;
    char p[512];
    path_of (p, sizeof p, "rr");
    CHECK (!mail_elt (a, 2)->seen);
    CHECK (stat (p, &s1) == 0);
    mail_flag (b, "2", "\\Seen", ST_SET);
    usleep (20000);		/* file times tick at jiffy granularity */
    mail_check (b);
    CHECK (stat (p, &s2) == 0);
    CHECK_INTEQ (s2.st_size, s1.st_size);	/* UW's padding: in place */
    n_flags = 0;
    mail_ping (a);
    CHECK (mail_elt (a, 2)->seen);
    CHECK_INTEQ (n_flags, 1);
    CHECK_INTEQ (last_flags, 2);
    n_flags = 0;
    mail_ping (a);		/* nothing new: no report */
    CHECK_INTEQ (n_flags, 0);
  }
  if (a)
    mail_close (a);
  if (b)
    mail_close (b);
  /* same size, new UID validity (another program rebuilt the file): the
   * UIDs we gave out are void, so everything is read again */
  a = mail_open (NIL, "rr", NIL);
  if (CHECK (a != NIL)) {
    size_t n;
    char *g = get_file ("rr", &n), *v = strstr (g, "X-IMAPbase: ");
    unsigned long old = a->uid_validity;
    if (CHECK (v != NULL)) {
      memcpy (v + 12, "1234567890", 10);
      put_file ("rr", g, n);
    }
    free (g);
    n_expunged = 0;
    mail_ping (a);
    CHECK_INTEQ (a->uid_validity, 1234567890UL);
    CHECK (a->uid_validity != old);
    CHECK_INTEQ (n_expunged, 2);
    CHECK_INTEQ (a->nmsgs, 2);
    mail_close (a);
  }
}

static void test_reread (void)
{
  lock_session_set_dir ("/nonexistent-lock-dir");
  reread_work ();
  lock_session_set_dir (NULL);
}

/* A reader (EXAMINE) while a writer expunges: its next FETCH must read each
 * message's own bytes, not whatever moved to the old offsets; the message
 * that went reads as empty; the EXPUNGE is reported at the next ping, not
 * in the middle of a command. */
static void test_reader_after_expunge (void)
{
  MAILSTREAM *a, *b;
  PUT ("rx", T2);
  if (!give_uids ("rx"))
    return;
  a = mail_open (NIL, "rx", OP_READONLY);
  b = mail_open (NIL, "rx", NIL);
  if (CHECK (a != NIL && b != NIL)) {
    unsigned long len;
    char *h;
    mail_flag (b, "1", "\\Deleted", ST_SET);
    mail_flag (b, "3", "\\Flagged", ST_SET);
    mail_expunge (b);			/* the tail moves up */
    n_expunged = 0;
    h = header_of (a, 3, &len);		/* offsets of before the expunge */
    CHECK_MEMEQ (h, len, "Subject: z\r\n\r\n", 14);
    h = header_of (a, 2, &len);
    CHECK (len > 0 && strstr (h, "Subject: y") != NULL);
    h = text_of (a, 2, &len);
    CHECK_MEMEQ (h, len, "body y\r\n", 8);
    CHECK_INTEQ (a->nmsgs, 3);		/* nothing reported yet */
    CHECK_INTEQ (n_expunged, 0);
    CHECK (mail_elt (a, 3)->flagged);	/* the writer's flag, in place */
    header_of (a, 1, &len);		/* gone: empty */
    CHECK_INTEQ (len, 0);
    mail_ping (a);			/* now the EXPUNGE */
    CHECK_INTEQ (n_expunged, 1);
    CHECK_INTEQ (a->nmsgs, 2);
    CHECK_INTEQ (mail_uid (a, 1), 2);
    h = header_of (a, 2, &len);
    CHECK_MEMEQ (h, len, "Subject: z\r\n\r\n", 14);
  }
  if (a)
    mail_close (a);
  if (b)
    mail_close (b);
}

/* The owner we kiss dies in mid-rewrite (killed while saving its flags on
 * the way out): its journal is complete, the file not yet changed, and its
 * session lock is free the moment it is dead.  The newcomer must finish
 * that rewrite before it reads the file, not after (its own rewrite would
 * then find the file changed under it and refuse: "changed unexpectedly"). */
static volatile sig_atomic_t kissed_child;
static void child_kissed (int sig)
{
  (void) sig;
  kissed_child = 1;
}

static void test_kissed_owner_dies_mid_rewrite (void)
{
  static const char z[] = "From a@b Mon May  7 20:54:32 2001\nSubject: z\n"
    "\nbody z\n";
  const char *ystart = strstr (T2, "\nFrom a@b Mon May  7 20:54:31") + 1;
  off_t off = ystart - T2;
  uint64_t oldlen = sizeof T2 - 1, newlen = (uint64_t) off + sizeof z - 1;
  int up[2];
  char c = 0;
  pid_t pid;

  PUT ("kd", T2);
  if (!CHECK (pipe (up) == 0))
    return;
  pid = fork ();
  if (pid == 0) {
    MAILSTREAM *o;
    signal (SIGUSR2, child_kissed);
    o = mail_open (NIL, "kd", NIL);
    c = o && !o->rdonly ? '+' : '-';
    (void) write (up[1], &c, 1);
    for (int i = 0; i < 1000 && !kissed_child; i++)
      usleep (10000);
    /* "expunge y" journaled, nothing applied yet: then killed */
    write_journal_v ("kd", off, z, oldlen, newlen, 0, 3,
		     jsum2 ((const unsigned char *) T2 + newlen,
			    (size_t) (oldlen - newlen)));
    _exit (0);
  }
  close (up[1]);
  CHECK (read (up[0], &c, 1) == 1 && c == '+');
  close (up[0]);
  {
    MAILSTREAM *s = mail_open (NIL, "kd", NIL);
    int status;
    waitpid (pid, &status, 0);
    if (CHECK (s != NIL)) {
      unsigned long len;
      CHECK (!s->rdonly);
      CHECK_INTEQ (s->nmsgs, 2);		/* the owner's expunge, finished */
      if (s->nmsgs == 2) {
	char *h = header_of (s, 2, &len);
	CHECK_MEMEQ (h, len, "Subject: z\r\n\r\n", 14);
      }
      mail_flag (s, "1", "\\Seen", ST_SET);
      lastlog[0] = '\0';
      mail_check (s);				/* and it can write */
      CHECK (strstr (lastlog, "changed unexpectedly") == NULL);
      mail_close (s);
    }
  }
  CHECK (!journal_exists ("kd"));
}

/* The spool INBOX, and RENAME of INBOX (RFC 3501: its messages move) */
static void test_inbox (void)
{
  MAILSTREAM *s;
  char spool[512];
  size_t n;
  char *g;

  path_of (spool, sizeof spool, "spool2");
  env_parameters (SET_SYSINBOX, spool);
  unlink (spool);
  {
    char p[512];
    path_of (p, sizeof p, "mbox");	/* no ~/mbox: INBOX is the spool */
    unlink (p);
  }
  s = mail_open (NIL, "INBOX", NIL);	/* no spool file yet: empty */
  if (CHECK (s != NIL)) {
    CHECK_INTEQ (s->nmsgs, 0);
    put_file ("spool2", T2, sizeof T2 - 1);
    mail_ping (s);
    CHECK_INTEQ (s->nmsgs, 3);
    mail_close (s);
  }
  CHECK (mail_rename (NIL, "INBOX", "moved") != NIL);
  g = get_file ("moved", &n);
  CHECK (g && strstr (g, "Subject: z\n") != NULL);
  free (g);
  s = mail_open (NIL, "moved", OP_READONLY);
  if (CHECK (s != NIL)) {
    CHECK_INTEQ (s->nmsgs, 3);
    mail_close (s);
  }
  s = mail_open (NIL, "INBOX", OP_READONLY);
  if (CHECK (s != NIL)) {
    CHECK_INTEQ (s->nmsgs, 0);
    mail_close (s);
  }
  env_parameters (SET_SYSINBOX, NIL);
}

/* mail_check() on s while files may not grow beyond limit bytes: it must
 * log an error and leave the mailbox file name exactly as it was. */
static void check_fails_within (MAILSTREAM *s, const char *name, rlim_t limit)
{
  struct rlimit old, lim;
  void (*oldsig) (int);
  size_t n0, n1;
  char *before = get_file (name, &n0), *after;

  getrlimit (RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = limit;
  oldsig = signal (SIGXFSZ, SIG_IGN);
  setrlimit (RLIMIT_FSIZE, &lim);
  lastlogflg = 0;
  mail_check (s);
  setrlimit (RLIMIT_FSIZE, &old);
  signal (SIGXFSZ, oldsig);
  CHECK (lastlogflg == ERROR);
  after = get_file (name, &n1);
  CHECK_MEMEQ (after, n1, before, n0);
  CHECK (!journal_exists (name));
  free (after);
  free (before);
}

/* A checkpoint that cannot get the space fails cleanly; the mailbox stays
 * as it was, and succeeds later when there is room */
static void test_rewrite_nospace (void)
{
  MAILSTREAM *s;
  size_t n0;
  char *f;

  PUT ("ns", T2);
  f = get_file ("ns", &n0);
  free (f);
  s = mail_open (NIL, "ns", NIL);
  if (!CHECK (s != NIL))
    return;
  mail_flag (s, "1", "\\Seen", ST_SET);
  check_fails_within (s, "ns", n0 + 50);	/* the rewrite needs more */
  mail_check (s);		/* room again: now it is written */
  /* An in-place flag update whose journal cannot even be started (its
   * first write fails) must fail too, not pass for "nothing to do". */
  mail_flag (s, "2", "\\Flagged", ST_SET);
  check_fails_within (s, "ns", 8);	/* less than a journal header */
  mail_check (s);
  mail_close (s);
  s = mail_open (NIL, "ns", OP_READONLY);
  if (CHECK (s != NIL)) {
    CHECK (mail_elt (s, 1)->seen);
    CHECK (mail_elt (s, 2)->flagged);
    mail_close (s);
  }
}

/* Hostile files built from fragments that confuse parsers (From_ lines in
 * odd places, duplicate and malformed status headers, CRs, NULs, giant
 * keyword lists): opening, flagging and checkpointing never changes any
 * message's text, the message count, or loses a flag. */
static void test_hostile (void)
{
  static const char *frag[] = {
    "From a@b Mon May  7 20:54:30 2001\n",
    "From a@b Mon May  7 20:54:30 2001 remote from x\n",
    "From MAILER-DAEMON Mon Nov 23 19:28:24 2026\n", "Status: RO\n",
    "Status: \n", "X-Status: DFAT\n",
    "X-Keywords: a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb "
    "cc dd ee ff\n", "X-UID: 99999999999999999999\n", "X-UID: 3\n",
    "X-IMAP: 1000 0000000005 k1 k2\n", "X-IMAPbase: 1000 4 k1\n",
    "X-IMAPbase: 0 0\n", "\r\n", "\n", "\n\n", "Subject: hi\n",
    " continuation\n", "Content-Length: 5\n", "From nobody\n", ">From x\n",
    "body\n", "\r", "From a@b Mon May  7 20:54:30 2001", "X-Keywords:",
    "\r\r\n", "\t\n"
  };
  int nf = (int) (sizeof frag / sizeof frag[0]), it, bad = 0;
  srand (4242);
  for (it = 0; it < 150 && !bad; it++) {
    struct buf f = BUF_INIT, *views;
    MAILSTREAM *s;
    unsigned long i, nm;
    buf_puts (&f, frag[0]);
    for (int k = rand () % 50; k > 0; k--) {
      buf_puts (&f, frag[rand () % nf]);
      if (rand () % 12 == 0)
	buf_putc (&f, (char) (rand () % 256));
    }
    buf_putc (&f, '\n');
    put_file ("hostile", f.data, f.len);
    buf_free (&f);
    s = mail_open (NIL, "hostile", OP_SILENT);
    if (!CHECK (s != NIL))
      break;
    nm = s->nmsgs;
    views = calloc (nm + 1, sizeof *views);
    for (i = 1; i <= nm; i++) {
      unsigned long len;
      char *x = header_of (s, i, &len);
      buf_append (&views[i], x, len);
      x = text_of (s, i, &len);
      buf_append (&views[i], x, len);
      if (!CHECK_INTEQ (mail_elt (s, i)->rfc822_size, views[i].len))
	bad = 1;
    }
    if (nm) {
      mail_flag (s, "1:*", "\\Seen", ST_SET);
      mail_flag (s, "1", "extra", ST_SET);
    }
    mail_close (s);
    s = mail_open (NIL, "hostile", OP_READONLY | OP_SILENT);
    if (!CHECK (s != NIL) || !CHECK_INTEQ (s->nmsgs, nm))
      bad = 1;
    for (i = 1; !bad && i <= nm; i++) {
      unsigned long hl, tl;
      char *h = header_of (s, i, &hl), *t;
      struct buf v = BUF_INIT;
      buf_append (&v, h, hl);
      t = text_of (s, i, &tl);
      buf_append (&v, t, tl);
      if (!CHECK_MEMEQ (v.data, v.len, views[i].data, views[i].len)
	  || !CHECK (mail_elt (s, i)->seen))
	bad = 1;
      buf_free (&v);
    }
    for (i = 1; i <= nm; i++)
      buf_free (&views[i]);
    free (views);
    if (s)
      mail_close (s);
  }
  CHECK_INTEQ (it, 150);
}

/* kill -9 at any instant of a checkpoint: afterwards the mailbox is the old
 * one or the new one, every message intact, and no journal is left over */
#include <sys/wait.h>
#include <time.h>
/* Run op on mailbox name in a child.  Round 0 measures how long that takes
 * (*span_us); later rounds kill -9 the child at a random moment within that
 * span.  The dead child's dotlock is then removed, as if broken.  Returns 1
 * when a kill was delivered. */
static int run_and_kill (const char *name, void (*op) (MAILSTREAM *),
			 int round, long *span_us)
{
  char p[512], lk[600];
  pid_t pid;
  int killed = 0;

  path_of (p, sizeof p, name);
  snprintf (lk, sizeof lk, "%s.lock", p);
  pid = fork ();
  if (pid == 0) {
    MAILSTREAM *c = mail_open (NIL, (char *) name, OP_SILENT);
    if (c)
      op (c);
    _exit (0);
  }
  if (round == 0) {		/* how long does the whole thing take? */
    struct timespec t0, t1;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    waitpid (pid, NULL, 0);
    clock_gettime (CLOCK_MONOTONIC, &t1);
    *span_us = (t1.tv_sec - t0.tv_sec) * 1000000L
      + (t1.tv_nsec - t0.tv_nsec) / 1000 + 1;
  }
  else {			/* kill it somewhere in that span */
    struct timespec ts;
    ts.tv_sec = 0;
    ts.tv_nsec = (rand () % *span_us) * 1000L % 1000000000L;
    nanosleep (&ts, NULL);
    killed = kill (pid, SIGKILL) == 0;
    waitpid (pid, NULL, 0);
  }
  unlink (lk);
  return killed;
}

static void op_seen_checkpoint (MAILSTREAM *c)
{
  mail_flag (c, "1", "\\Seen", ST_SET);
  mail_check (c);
}

static void op_expunge_third (MAILSTREAM *c)
{
  mail_flag (c, "3", "\\Deleted", ST_SET);
  mail_expunge (c);
}

static void test_crash (void)
{
  enum { NM = 1500 };
  struct buf b = BUF_INIT;
  unsigned long i, kills = 0, newseen = 0, replayed = 0, discarded = 0;
  size_t n;
  char *orig;

  for (i = 1; i <= NM; i++) {
    buf_printf (&b, "From a@b Mon May  7 20:54:30 2001\nSubject: m%lu\n\n", i);
    for (int k = 0; k < 8; k++)
      buf_printf (&b, "line %d of message %lu, some text to make it longer\n",
		  k, i);
    buf_putc (&b, '\n');
  }
  orig = b.data;
  n = b.len;
  srand (12345);
  long span_us = 1000;
  for (int round = 0; round < 60; round++) {
    MAILSTREAM *s;
    int ok = 1;
    put_file ("crash", orig, n);
    kills += run_and_kill ("crash", op_seen_checkpoint, round, &span_us);
    lastlog[0] = '\0';
    s = mail_open (NIL, "crash", OP_SILENT);
    if (strstr (lastlog, "interrupted"))
      replayed++;
    if (strstr (lastlog, "Discarding"))
      discarded++;
    if (!CHECK (s != NIL))
      continue;
    if (!CHECK_INTEQ (s->nmsgs, NM))
      ok = 0;
    for (i = 1; ok && i <= s->nmsgs; i += 97) {
      unsigned long len;
      char *h = header_of (s, i, &len), want[64];
      snprintf (want, sizeof want, "Subject: m%lu\r\n\r\n", i);
      if (!CHECK_MEMEQ (h, len, want, strlen (want)))
	ok = 0;
      h = text_of (s, i, &len);
      {
	struct buf w = BUF_INIT;
	for (int k = 0; k < 8; k++)
	  buf_printf (&w, "line %d of message %lu, some text to make it "
		      "longer\r\n", k, i);
	if (!CHECK_MEMEQ (h, len, w.data, w.len))
	  ok = 0;
	buf_free (&w);
      }
    }
    if (s->nmsgs && mail_elt (s, 1)->seen)
      newseen++;
    mail_close_full (s, NIL);
    CHECK (!journal_exists ("crash"));
  }
  printf ("crash test: %lu kills, %lu ended new, %lu journals replayed, "
	  "%lu discarded\n", kills, newseen, replayed, discarded);
  buf_free (&b);
}


/* kill -9 at any instant of an expunge whose tail moves unchanged (the
 * file already in our layout): afterwards the mailbox has every message,
 * or all but the expunged one, each intact */
static void test_crash_expunge (void)
{
  enum { NM = 1500 };
  struct buf b = BUF_INIT;
  unsigned long kills = 0, gone = 0, alive[NM];
  size_t n;
  char *orig;
  MAILSTREAM *s;

  tail_mbox (&b, NM);
  put_file ("crashx", b.data, b.len);
  buf_free (&b);
  s = mail_open (NIL, "crashx", OP_SILENT);	/* into our layout */
  if (!CHECK (s != NIL))
    return;
  mail_check (s);
  mail_close (s);
  orig = get_file ("crashx", &n);
  srand (4242);
  long span_us = 1000;
  for (int round = 0; round < 40; round++) {
    unsigned long na = NM;
    put_file ("crashx", orig, n);
    kills += run_and_kill ("crashx", op_expunge_third, round, &span_us);
    s = mail_open (NIL, "crashx", OP_SILENT);
    if (!CHECK (s != NIL))
      continue;
    for (unsigned long i = 0; i < NM; i++)
      alive[i] = i + 1;
    if (s->nmsgs == NM - 1) {
      drop_alive (alive, &na, 3);
      gone++;
    }
    CHECK (tail_verify (s, alive, na, 7));
    mail_close_full (s, NIL);
    CHECK (!journal_exists ("crashx"));
  }
  printf ("expunge crash test: %lu kills, %lu ended expunged\n", kills, gone);
  free (orig);
}

int main (void)
{
#include "linkage.c"
  snprintf (home, sizeof home, "/tmp/test-unix.XXXXXX");
  if (!mkdtemp (home)) {
    perror ("mkdtemp");
    return 1;
  }
  setenv ("TZ", "UTC", 1);
  env_init ("tester", home);
  env_parameters (SET_HOMEDIR, home);
  test_read ();
  test_status_hidden ();
  test_uid_data ();
  test_flags_roundtrip ();
  test_expunge ();
  test_append_copy ();
  test_copy_many_keywords ();
  test_not_mbox ();
  test_odd_files ();
  test_journal ();
  test_journal_untruncated ();
  test_journal_grow_foreign ();
  test_append_rollback ();
  test_snarf ();
  test_status_rename_delete ();
  test_reread ();
  test_reader_after_expunge ();
  test_kissed_owner_dies_mid_rewrite ();
  test_hostile ();
  test_rewrite_nospace ();
  test_inbox ();
  test_crash ();
  test_expunge_tail ();
  test_crash_expunge ();
  if (test_rm_rf (home) != 0)
    printf ("could not remove %s\n", home);
  return unit_done ();
}

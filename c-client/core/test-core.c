/*
 * Unit tests: callbacks routing, the message cache, flag parsing,
 * network name parsing, driver registry and mail_valid, parameters,
 * handles, the stream lock, authenticators.
 */
#include <string.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include "unit.h"
#include "core.h"

/* ---------------------------------------------------------------------- */
/* Strong application callbacks: these must replace the library's weak
 * defaults, so the default table (mail_callbacks_mm) reaches them.       */

static int mm_log_calls, mm_exists_calls;
static char mm_last_log[MAILTMPLEN];
static long mm_last_errflg;

void mm_log (char *string, long errflg)
{
  mm_log_calls++;
  mm_last_errflg = errflg;
  snprintf (mm_last_log, sizeof mm_last_log, "%s", string);
}

void mm_exists (MAILSTREAM *stream, unsigned long number)
{
  mm_exists_calls++;
}

/* ---------------------------------------------------------------------- */
/* A custom callback table that records events.                            */

static struct {
  int log, notify, exists, expunged, flags, fatal, searched, status, dlog;
  unsigned long last_expunged, last_exists, last_flags;
  char text[MAILTMPLEN];
  long errflg;
} ev;

static void c_log (MAILSTREAM *s, char *t, long e)
{
  ev.log++;
  ev.errflg = e;
  snprintf (ev.text, sizeof ev.text, "%s", t);
}
static void c_notify (MAILSTREAM *s, char *t, long e)
{
  ev.notify++;
  snprintf (ev.text, sizeof ev.text, "%s", t);
}
static void c_exists (MAILSTREAM *s, unsigned long n) { ev.exists++; ev.last_exists = n; }
static void c_expunged (MAILSTREAM *s, unsigned long n)
{ ev.expunged++; ev.last_expunged = n; }
static void c_flags (MAILSTREAM *s, unsigned long n) { ev.flags++; ev.last_flags = n; }
static void c_searched (MAILSTREAM *s, unsigned long n) { ev.searched++; }
static void c_dlog (MAILSTREAM *s, char *t) { ev.dlog++; }
static void c_fatal (char *t)
{
  ev.fatal++;
  snprintf (ev.text, sizeof ev.text, "%s", t);
  /* show it on stdout so a child's message can be checked */
  printf ("FATAL:%s\n", t);
  fflush (stdout);
}

static struct mail_callbacks rec = {
  .log = c_log, .notify = c_notify, .exists = c_exists, .expunged = c_expunged,
  .flags = c_flags, .searched = c_searched, .dlog = c_dlog, .fatal = c_fatal,
};

static MAILSTREAM *bare_stream (unsigned long n)
{
  MAILSTREAM *s = memset (fs_get (sizeof (MAILSTREAM)), 0, sizeof (MAILSTREAM));
  s->callbacks = &rec;
  mail_exists (s, n);
  return s;
}

static void bare_free (MAILSTREAM *s)
{
  int i;
  mail_free_cache (s);
  for (i = 0; i < NUSERFLAGS; i++)
    if (s->user_flags[i]) fs_give ((void **) &s->user_flags[i]);
  fs_give ((void **) &s);
}

static void test_callbacks (void)
{
  MAILSTREAM *s;
  /* default table -> the application's (our strong) mm_log */
  mm_log_calls = 0;
  mail_log (NIL, WARN, "hello %d", 42);
  CHECK_INTEQ (mm_log_calls, 1);
  CHECK_STREQ (mm_last_log, "hello 42");
  CHECK_INTEQ (mm_last_errflg, WARN);
  CHECK (mail_callbacks_for (NIL) == &mail_callbacks_mm);

  /* a stream with its own table: events go there, not to mm_* */
  memset (&ev, 0, sizeof ev);
  s = bare_stream (3);
  CHECK_INTEQ (ev.exists, 1);
  CHECK_INTEQ (ev.last_exists, 3);
  mail_log (s, ERROR, "%s", "boom");
  CHECK_INTEQ (ev.log, 1);
  CHECK_STREQ (ev.text, "boom");
  CHECK_INTEQ (ev.errflg, ERROR);
  CHECK_INTEQ (mm_log_calls, 1);	/* unchanged */
  mail_notify (s, NIL, "[TRYCREATE] x");
  CHECK_INTEQ (ev.notify, 1);
  mail_flags_changed (s, 2);
  CHECK_INTEQ (ev.last_flags, 2);
  mail_searched_msg (s, 3);
  CHECK_INTEQ (ev.searched, 1);
  CHECK (mail_elt (s, 3)->searched);
  s->silent = T;		/* silent streams report no mailbox events */
  mail_flags_changed (s, 1);
  mail_exists (s, 4);
  CHECK_INTEQ (ev.flags, 1);
  CHECK_INTEQ (ev.exists, 1);
  CHECK_INTEQ (s->nmsgs, 4);
  s->silent = NIL;
  mail_debug_log (s, "not shown %d", 1);	/* stream not in debug mode */
  CHECK_INTEQ (ev.dlog, 0);
  s->debug = T;
  mail_debug_log (s, "shown %d", 1);
  CHECK_INTEQ (ev.dlog, 1);
  mail_recent (s, 9);		/* more recent than messages: clamped, logged */
  CHECK_INTEQ (s->recent, 4);
  CHECK_INTEQ (ev.log, 2);

  /* process default via SET_CALLBACKS, then back */
  CHECK (mail_parameters (NIL, SET_CALLBACKS, &rec) == &rec);
  CHECK (mail_callbacks_for (NIL) == &rec);
  mail_log (NIL, WARN, "to rec");
  CHECK_INTEQ (ev.log, 3);
  mail_parameters (NIL, SET_CALLBACKS, NIL);
  CHECK (mail_callbacks_for (NIL) == &mail_callbacks_mm);
  CHECK (mail_parameters (NIL, GET_CALLBACKS, NIL) == &mail_callbacks_mm);
  bare_free (s);
  /* very long messages are not truncated by fixed buffers */
  {
    char big[5000];
    memset (big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mm_log_calls = 0;
    mail_log (NIL, WARN, "%s", big);
    CHECK_INTEQ (strlen (mm_last_log), sizeof mm_last_log - 1);	/* ours caps */
  }
}

/* ---------------------------------------------------------------------- */

static void test_cache (void)
{
  const unsigned long N = 300000;
  MAILSTREAM *s;
  MESSAGECACHE *held, *e;
  unsigned long i, ok;
  memset (&ev, 0, sizeof ev);
  s = bare_stream (N);
  CHECK (s->cachesize >= N);
  for (i = 1; i <= N; i++) mail_elt (s, i)->private.uid = i;
  CHECK (mail_elt (s, N)->msgno == N);
  CHECK ((MESSAGECACHE *) mm_cache (s, N + 1, CH_ELT) == NIL);
  CHECK ((MESSAGECACHE *) mm_cache (s, 0, CH_ELT) == NIL);

  held = mail_elt (s, 150001);	/* the application keeps a pointer */
  held->lockcount++;
  mail_expunged (s, 150000);	/* from the middle */
  CHECK_INTEQ (s->nmsgs, N - 1);
  CHECK_INTEQ (ev.expunged, 1);
  CHECK_INTEQ (ev.last_expunged, 150000);
  CHECK (held->msgno == 150000);	/* renumbered with its message */
  CHECK (mail_elt (s, 150000) == held);
  CHECK_INTEQ (mail_elt (s, 149999)->private.uid, 149999);
  CHECK_INTEQ (mail_elt (s, 150000)->private.uid, 150001);
  CHECK_INTEQ (mail_elt (s, N - 1)->private.uid, N);

  mail_expunged (s, 150000);	/* now expunge the held one */
  CHECK_INTEQ (held->msgno, 0);	/* still valid memory, marked expunged */
  CHECK_INTEQ (held->private.uid, 150001);
  mail_free_elt (&held);
  CHECK (held == NIL);

  mail_expunged (s, 1);		/* first and last */
  mail_expunged (s, s->nmsgs);
  CHECK_INTEQ (s->nmsgs, N - 4);
  CHECK_INTEQ (mail_elt (s, 1)->private.uid, 2);
  CHECK_INTEQ (mail_elt (s, s->nmsgs)->private.uid, N - 1);
  for (i = 0; i < 200; i++) mail_expunged (s, 1000);	/* a run */
  for (ok = 1, i = 1; i <= s->nmsgs; i++) {
    e = mail_elt (s, i);
    if (e->msgno != i) ok = 0;
    if (i > 1 && e->private.uid <= mail_elt (s, i - 1)->private.uid) ok = 0;
  }
  CHECK (ok);
  CHECK_INTEQ (s->nmsgs, N - 204);
  CHECK_INTEQ (mail_elt (s, 1000)->private.uid, 1001 + 200);

  ev.log = 0;
  mail_expunged (s, s->nmsgs + 1);	/* bogus: logged, nothing changes */
  mail_expunged (s, 0);
  CHECK_INTEQ (ev.log, 2);
  CHECK_INTEQ (s->nmsgs, N - 204);

  /* sort cache slots move with their messages */
  ((SORTCACHE *) mm_cache (s, 5, CH_SORTCACHE))->num = 555;
  ((SORTCACHE *) mm_cache (s, 6, CH_SORTCACHE))->subject = cpystr ("x");
  mail_expunged (s, 5);
  CHECK_INTEQ (((SORTCACHE *) mm_cache (s, 5, CH_SORTCACHE))->subject[0], 'x');

  /* growing in small steps stays correct */
  mail_exists (s, s->nmsgs + 1);
  CHECK (mail_elt (s, s->nmsgs)->msgno == s->nmsgs);
  bare_free (s);

  /* GC of texts keeps elts; GC_ENV drops envelopes */
  s = bare_stream (2);
  mail_elt (s, 1)->private.msg.env = mail_newenvelope ();
  mail_elt (s, 1)->private.msg.header.text.data = (unsigned char *) cpystr ("h");
  mail_gc (s, GC_TEXTS);
  CHECK (mail_elt (s, 1)->private.msg.header.text.data == NIL);
  CHECK (mail_elt (s, 1)->private.msg.env != NIL);
  mail_gc (s, GC_ENV);
  CHECK (mail_elt (s, 1)->private.msg.env == NIL);
  bare_free (s);
}

/* Run f in a child; return 1 if it died of SIGABRT after printing want. */
static int dies_with (void (*f) (void), const char *want)
{
  int fds[2], status;
  char out[2048];
  ssize_t n, total = 0;
  pid_t pid;
  if (pipe (fds) < 0) return 0;
  fflush (stdout);
  if (!(pid = fork ())) {
    dup2 (fds[1], 1);
    close (fds[0]);
    signal (SIGABRT, SIG_DFL);
    f ();
    _exit (0);
  }
  close (fds[1]);
  while ((n = read (fds[0], out + total, sizeof out - 1 - total)) > 0) total += n;
  out[total] = '\0';
  close (fds[0]);
  waitpid (pid, &status, 0);
  return WIFSIGNALED (status) && WTERMSIG (status) == SIGABRT &&
    strstr (out, want) != NIL;
}

static void bad_elt (void)
{
  MAILSTREAM *s = bare_stream (3);
  mail_parameters (NIL, SET_CALLBACKS, &rec);	/* fatal has no stream */
  mail_elt (s, 4);
}

static void double_lock (void)
{
  MAILSTREAM *s = bare_stream (1);
  mail_parameters (NIL, SET_CALLBACKS, &rec);
  s->mailbox = "box";
  mail_lock (s);
  mail_lock (s);
}

static void bad_version (void)
{
  mail_parameters (NIL, SET_CALLBACKS, &rec);
  mail_versioncheck ("1999");
}

/* mail_expunged_many: the same events as one-by-one expunges (ascending,
 * renumbered), one compaction, locked elts and recent counts handled */
static unsigned long many_seen[16], many_nmsgs[16];
static int many_n;
static void c_many (MAILSTREAM *s, unsigned long n)
{
  if (many_n < 16) {
    many_nmsgs[many_n] = s->nmsgs;
    many_seen[many_n++] = n;
  }
}

static void test_expunge_many (void)
{
  struct mail_callbacks cb = rec;
  MAILSTREAM *s = bare_stream (10);
  MESSAGECACHE *held;
  char gone[11] = { 0 };
  unsigned long i, ok;
  cb.expunged = c_many;
  s->callbacks = &cb;
  for (i = 1; i <= 10; i++) {
    mail_elt (s, i)->private.uid = 100 + i;
    mail_elt (s, i)->recent = (i % 2 == 0);
  }
  s->recent = 5;
  held = mail_elt (s, 3);	/* the application keeps a pointer */
  held->lockcount++;
  ((SORTCACHE *) mm_cache (s, 8, CH_SORTCACHE))->num = 808;
  gone[2] = gone[3] = gone[7] = gone[10] = 1;
  many_n = 0;
  mail_expunged_many (s, gone);
  CHECK_INTEQ (many_n, 4);	/* 2, 3->2, 7->5, 10->7 */
  CHECK_INTEQ (many_seen[0], 2);
  CHECK_INTEQ (many_seen[1], 2);
  CHECK_INTEQ (many_seen[2], 5);
  CHECK_INTEQ (many_seen[3], 7);
  CHECK_INTEQ (many_nmsgs[0], 10);	/* as if one at a time */
  CHECK_INTEQ (many_nmsgs[3], 7);
  CHECK_INTEQ (s->nmsgs, 6);
  CHECK_INTEQ (s->recent, 3);	/* 2 and 10 were recent */
  CHECK_INTEQ (held->msgno, 0);
  mail_free_elt (&held);
  for (ok = 1, i = 1; i <= s->nmsgs; i++)
    if (mail_elt (s, i)->msgno != i) ok = 0;
  CHECK (ok);
  CHECK_INTEQ (mail_elt (s, 1)->private.uid, 101);
  CHECK_INTEQ (mail_elt (s, 2)->private.uid, 104);
  CHECK_INTEQ (mail_elt (s, 5)->private.uid, 108);
  CHECK_INTEQ (mail_elt (s, 6)->private.uid, 109);
  CHECK_INTEQ (((SORTCACHE *) mm_cache (s, 5, CH_SORTCACHE))->num, 808);
  CHECK ((MESSAGECACHE *) mm_cache (s, 7, CH_ELT) == NIL);
  bare_free (s);
}

static void test_fatal (void)
{
  CHECK (dies_with (bad_elt, "FATAL:Bad msgno 4"));
  CHECK (dies_with (double_lock, "FATAL:Lock when already locked"));
  CHECK (dies_with (bad_version, "FATAL:c-client library version skew"));
  ev.fatal = 0;
  mail_versioncheck (CCLIENTVERSION);	/* the right one is fine */
  CHECK_INTEQ (ev.fatal, 0);
}

/* ---------------------------------------------------------------------- */

static void test_flags (void)
{
  MAILSTREAM *s = bare_stream (2);
  unsigned long uf;
  long f;
  int i;
  char name[64];
  static const struct { const char *in; long sys; } ok[] = {
    { "\\Seen", fSEEN }, { "(\\Seen)", fSEEN }, { "\\seen \\DELETED", fSEEN | fDELETED },
    { "(\\Flagged \\Answered \\Draft)", fFLAGGED | fANSWERED | fDRAFT },
    { "()", 0 }, { "", 0 }, { "\\Seen  \\Draft", fSEEN | fDRAFT },
  };
  static const char *bad[] = {
    "(\\Seen", "\\Seen)", "\\Bogus", "\\Recent", "(", ")", "foo(", "a\"b",
    "a\\b", "x]", "%", "a*", "{3}", "\\", "caf\xc3\xa9", "tab\there",
    "012345678901234567890123456789012345678901234567890" /* 51 */,
  };
  s->kwd_create = T;
  for (i = 0; i < (int) (sizeof ok / sizeof ok[0]); i++) {
    f = mail_parse_flags (s, (char *) ok[i].in, &uf);
    CHECK_INTEQ (f, ok[i].sys);
    CHECK_INTEQ (uf, 0);
  }
  for (i = 0; i < (int) (sizeof bad / sizeof bad[0]); i++) {
    ev.log = 0;
    uf = 99;
    f = mail_parse_flags (s, (char *) bad[i], &uf);
    if (!CHECK (f == 0 && uf == 0 && ev.log == 1)) printf ("  input \"%s\"\n", bad[i]);
  }
  CHECK (s->user_flags[0] == NIL);	/* nothing created by bad lists */

  /* keywords: created when allowed, found case-insensitively */
  f = mail_parse_flags (s, "(\\Seen $Label1 Work)", &uf);
  CHECK_INTEQ (f, fSEEN);
  CHECK_INTEQ (uf, 3);
  CHECK_STREQ (s->user_flags[0], "$Label1");
  CHECK_STREQ (s->user_flags[1], "Work");
  f = mail_parse_flags (s, "work WORK", &uf);
  CHECK_INTEQ (uf, 2);
  CHECK (s->user_flags[2] == NIL);
  CHECK_INTEQ (mail_keyword_index (s, "$label1", 0), 0);
  CHECK_INTEQ (mail_keyword_index (s, "nope", 0), -1);
  /* a valid new keyword next to an invalid flag: nothing created */
  ev.log = 0;
  CHECK (mail_parse_flags (s, "(NewOne \\Bogus)", &uf) == 0 && uf == 0);
  CHECK_INTEQ (mail_keyword_index (s, "NewOne", 0), -1);
  CHECK_INTEQ (ev.log, 1);
  /* fill to NUSERFLAGS, then refuse more */
  for (i = 2; i < NUSERFLAGS; i++) {
    snprintf (name, sizeof name, "kw%d", i);
    CHECK (mail_keyword_index (s, name, 1) == i);
  }
  CHECK (!s->kwd_create);	/* full: no more keywords */
  ev.log = 0;
  CHECK (mail_parse_flags (s, "(\\Seen another)", &uf) == 0 && uf == 0);
  CHECK_INTEQ (ev.log, 1);
  f = mail_parse_flags (s, "kw29 Work", &uf);
  CHECK_INTEQ (uf, (1UL << 29) | 2);
  bare_free (s);

  /* too many new keywords at once: all or nothing */
  s = bare_stream (1);
  s->kwd_create = T;
  {
    struct buf b = BUF_INIT;
    for (i = 0; i < NUSERFLAGS + 1; i++) buf_printf (&b, "%sk%d", i ? " " : "", i);
    ev.log = 0;
    CHECK (mail_parse_flags (s, b.data, &uf) == 0 && uf == 0);
    CHECK (s->user_flags[0] == NIL);
    CHECK (ev.log == 1 && strstr (ev.text, "keywords"));
    buf_free (&b);
  }
  s->kwd_create = NIL;		/* a mailbox that takes no new keywords */
  CHECK (mail_parse_flags (s, "Fresh", &uf) == 0 && uf == 0);
  CHECK (mail_keyword_index (s, "Fresh", 1) == -1);	/* not even drivers */
  s->kwd_create = T;
  CHECK (mail_keyword_index (s, "Fresh", 1) == 0);
  CHECK (mail_keyword_index (s, "bad]kw", 1) == -1);
  CHECK (mail_parse_flags (s, "fresh", &uf) == 0 && uf == 1);
  bare_free (s);

  /* mail_elt_apply_flags reports changes */
  {
    MESSAGECACHE e;
    memset (&e, 0, sizeof e);
    CHECK (mail_elt_apply_flags (&e, fSEEN | fDRAFT, 4, T));
    CHECK (e.seen && e.draft && e.user_flags == 4 && !e.deleted);
    CHECK (!mail_elt_apply_flags (&e, fSEEN, 4, T));
    CHECK (mail_elt_apply_flags (&e, fSEEN, 0, NIL));
    CHECK (!e.seen && e.draft);
  }
}

/* ---------------------------------------------------------------------- */

static void test_netparse (void)
{
  NETMBX mb;
  struct buf b = BUF_INIT;
  int i;
  static const struct {
    const char *in, *host, *mbx, *svc, *user;
    unsigned long port;
  } ok[] = {
    { "{host}", "host", "INBOX", "imap", "", 0 },
    { "{host}foo", "host", "foo", "imap", "", 0 },
    { "{h:143/imap/user=fred}INBOX", "h", "INBOX", "imap", "fred", 143 },
    { "{h/user=\"a b\"}x", "h", "x", "imap", "a b", 0 },
    { "{h/user=\"q\\\"t\"}x", "h", "x", "imap", "q\"t", 0 },
    { "{h/service=pop3}", "h", "INBOX", "pop3", "", 0 },
    { "{h/POP3/secure/debug/anonymous/readonly}", "h", "INBOX", "pop3", "", 0 },
    { "{[10.0.0.1]:993/ssl/novalidate-cert}a", "[10.0.0.1]", "a", "imap", "", 993 },
    { "{h/IMAP4}x", "h", "x", "imap", "", 0 },
    { "{mail.example.com:65535}x}y", "mail.example.com", "x}y", "imap", "", 65535 },
    { "{h/user=}x", "h", "x", "imap", "", 0 },
  };
  static const char *bad[] = {
    "", "host", "{", "{h", "{}x", "{/imap}x", "{:143}x", "{h:}x", "{h:0}x",
    "{h:65536}x", "{h:99999999999999999999}x", "{h:14a}x", "{h/bogus}x",
    "{h//}x", "{h/}x", "{h/user}x", "{h/debug=1}x", "{h/user=\"open}x",
    "{a b}x", "{h\x01}x", "{[1.2.3.4}x", "{h/tls/notls}x", "{h}x\ny",
    "{h/service=}x", "{h/service=abcdefghijklmnopqrstuvwxyz}x", "{h=x}y",
  };
  for (i = 0; i < (int) (sizeof ok / sizeof ok[0]); i++) {
    if (!CHECK (mail_valid_net_parse ((char *) ok[i].in, &mb) == T)) {
      printf ("  rejected %s\n", ok[i].in);
      continue;
    }
    CHECK_STREQ (mb.host, ok[i].host);
    CHECK_STREQ (mb.orighost, ok[i].host);
    CHECK_STREQ (mb.mailbox, ok[i].mbx);
    CHECK_STREQ (mb.service, ok[i].svc);
    CHECK_STREQ (mb.user, ok[i].user);
    CHECK_INTEQ (mb.port, ok[i].port);
  }
  mail_valid_net_parse ("{h/POP3/secure/debug/anonymous/readonly}", &mb);
  CHECK (mb.secflag && mb.dbgflag && mb.anoflag && mb.readonlyflag && !mb.sslflag);
  mail_valid_net_parse ("{h/authuser=bob/tls}", &mb);
  CHECK (mb.tlsflag && !strcmp (mb.authuser, "bob"));
  for (i = 0; i < (int) (sizeof bad / sizeof bad[0]); i++)
    if (!CHECK (mail_valid_net_parse ((char *) bad[i], &mb) == NIL))
      printf ("  accepted \"%s\"\n", bad[i]);
  CHECK (mail_valid_net_parse (NIL, &mb) == NIL);

  /* every field at and past its bound */
  buf_putc (&b, '{');
  for (i = 0; i < NETMAXHOST - 1; i++) buf_putc (&b, 'h');
  buf_puts (&b, "}x");
  CHECK (mail_valid_net_parse (b.data, &mb) == T);
  CHECK_INTEQ (strlen (mb.host), NETMAXHOST - 1);
  buf_reset (&b);
  buf_putc (&b, '{');
  for (i = 0; i < NETMAXHOST; i++) buf_putc (&b, 'h');
  buf_puts (&b, "}x");
  CHECK (mail_valid_net_parse (b.data, &mb) == NIL);
  buf_reset (&b);
  buf_puts (&b, "{h/user=");
  for (i = 0; i < NETMAXUSER; i++) buf_putc (&b, 'u');
  buf_puts (&b, "}x");
  CHECK (mail_valid_net_parse (b.data, &mb) == NIL);
  buf_reset (&b);
  buf_puts (&b, "{h}");
  for (i = 0; i < NETMAXMBX - 1; i++) buf_putc (&b, 'm');
  CHECK (mail_valid_net_parse (b.data, &mb) == T);
  buf_putc (&b, 'm');
  CHECK (mail_valid_net_parse (b.data, &mb) == NIL);
  buf_reset (&b);
  buf_putc (&b, '{');		/* 100 KB of flags */
  buf_puts (&b, "h");
  for (i = 0; i < 20000; i++) buf_puts (&b, "/ssl");
  buf_puts (&b, "}x");
  CHECK (mail_valid_net_parse (b.data, &mb) == T);
  buf_free (&b);
}

/* ---------------------------------------------------------------------- */
/* Driver registry and mail_valid with tiny drivers.                        */

static DRIVER drv_a, drv_b, drv_dummy, drv_net;
static int opens, closes;
static MAILSTREAM drv_proto_stream_dummy;

static DRIVER *valid_a (char *name) { return (*name == 'a') ? &drv_a : NIL; }
static DRIVER *valid_b (char *name) { return (*name == 'b' || *name == 'a') ? &drv_b : NIL; }
static DRIVER *valid_dummy (char *name) { return &drv_dummy; }
static DRIVER *valid_net (char *name) { return &drv_net; }
static MAILSTREAM *open_any (MAILSTREAM *stream)
{
  if (!stream) return &drv_proto_stream_dummy;	/* prototype */
  opens++;
  if (strstr (stream->mailbox, "fail")) return NIL;
  mail_exists (stream, 2);
  mail_recent (stream, 1);
  return stream;
}
static void close_any (MAILSTREAM *stream, long options) { closes++; }

static DRIVER drv_a = { .name = "memA", .flags = DR_LOCAL | DR_MAIL,
			.valid = valid_a, .open = open_any, .close = close_any };
static DRIVER drv_b = { .name = "memB", .flags = DR_LOCAL | DR_MAIL,
			.valid = valid_b, .open = open_any, .close = close_any };
static DRIVER drv_dummy = { .name = "dummy", .flags = DR_LOCAL | DR_MAIL,
			    .valid = valid_dummy, .open = open_any,
			    .close = close_any };
static DRIVER drv_net = { .name = "imap", .flags = DR_MAIL | DR_HALFOPEN,
			  .valid = valid_net, .open = open_any, .close = close_any };

static void test_registry (void)
{
  DRIVER *d;
  MAILSTREAM *s, *p;
  MAILHANDLE *h;
  char *rest;
  mail_parameters (NIL, SET_CALLBACKS, &rec);
  mail_link (&drv_dummy);
  mail_link (&drv_a);		/* linked after dummy: goes before it */
  mail_link (&drv_b);
  mail_link (&drv_a);		/* twice: ignored */
  d = (DRIVER *) mail_parameters (NIL, GET_DRIVERS, NIL);
  CHECK (d == &drv_a && d->next == &drv_b && d->next->next == &drv_dummy &&
	 !drv_dummy.next);
  CHECK (mail_parameters (NIL, GET_DRIVER, "MEMB") == &drv_b);

  CHECK (mail_valid (NIL, "abc", NIL) == &drv_a);
  CHECK (mail_valid (NIL, "bcd", NIL) == &drv_b);
  CHECK (mail_valid (NIL, "zzz", NIL) == &drv_dummy);
  ev.log = 0;
  CHECK (mail_valid (NIL, "a\r\nb", "open mailbox") == NIL);
  CHECK (mail_valid (NIL, "", "open mailbox") == NIL);
  CHECK_INTEQ (ev.log, 2);
  CHECK (mail_valid (NIL, "#driver.memb/abc", NIL) == &drv_b);
  CHECK (core_driver_prefix ("#driver.memB/x/y", &rest) == &drv_b);
  CHECK_STREQ (rest, "x/y");
  ev.log = 0;
  CHECK (mail_valid (NIL, "#driver.nope/x", "open mailbox") == NIL);
  CHECK (ev.log == 1 && strstr (ev.text, "unknown driver"));
  CHECK (mail_valid (NIL, "#driver.memA", "open mailbox") == NIL);
  /* network names: no non-local driver linked yet */
  ev.log = 0;
  CHECK (mail_valid (NIL, "{host}INBOX", "open mailbox") == NIL);
  CHECK (ev.log == 1 && strstr (ev.text, "Can't open mailbox {host}INBOX"));
  CHECK (mail_valid (NIL, "{bad", "open mailbox") == NIL);
  CHECK (strstr (ev.text, "invalid remote specification") != NIL);
  /* disabled drivers are skipped, by pointer or by name */
  CHECK (mail_parameters (NIL, DISABLE_DRIVER, "memA") == &drv_a);
  CHECK (mail_valid (NIL, "abc", NIL) == &drv_b);
  CHECK (mail_parameters (NIL, ENABLE_DRIVER, &drv_a) == &drv_a);
  CHECK (mail_valid (NIL, "abc", NIL) == &drv_a);
  CHECK (mail_parameters (NIL, DISABLE_DRIVER, "nosuch") == NIL);
  /* long names are refused before any driver sees them */
  {
    char big[CORE_MAXNAME + 10];
    memset (big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK (mail_valid (NIL, big, NIL) == NIL);
  }

  /* open, prototype, half-open, failure, recycle, handles */
  opens = closes = 0;
  memset (&ev, 0, sizeof ev);
  s = mail_open (NIL, "abc", OP_READONLY);
  CHECK (s && s->dtb == &drv_a && s->rdonly && s->nmsgs == 2 && s->recent == 1);
  CHECK (s && s->callbacks == &rec);	/* from SET_CALLBACKS */
  CHECK_STREQ (s ? s->mailbox : NIL, "abc");
  CHECK_INTEQ (ev.exists, 1);
  CHECK (mail_open (NIL, "abc", OP_PROTOTYPE) == &drv_proto_stream_dummy);
  ev.log = 0;
  CHECK (mail_open (NIL, "abc", OP_HALFOPEN) == NIL);
  CHECK_INTEQ (ev.log, 1);
  CHECK (mail_open (NIL, "afail", NIL) == NIL);
  p = mail_open (NIL, "#driver.memB/inbox", NIL);
  CHECK (p && p->dtb == &drv_b && p->inbox);
  CHECK_STREQ (p ? p->mailbox : NIL, "inbox");
  p = mail_close (p);
  CHECK (p == NIL);
  h = mail_makehandle (s);
  CHECK (mail_stream (h) == s);
  s = mail_open (s, "bcd", NIL);	/* recycle: old one closed */
  CHECK (s && s->dtb == &drv_b);
  CHECK (mail_stream (h) == NIL);	/* handle sees the old mailbox gone */
  mail_free_handle (&h);
  CHECK (h == NIL);
  h = mail_makehandle (s);
  s = mail_close (s);
  CHECK (mail_stream (h) == NIL);
  mail_free_handle (&h);	/* frees the closed stream (ASan checks) */
  CHECK_INTEQ (opens, closes);
  mail_parameters (NIL, SET_CALLBACKS, NIL);
}

/* ---------------------------------------------------------------------- */

static char *t_gets (readfn_t f, void *stream, unsigned long size, GETS_DATA *md)
{ return NIL; }

static int bn_called;
static void *t_blocknotify (int reason, void *data) { bn_called++; return NIL; }

static void test_params (void)
{
  blocknotify_t bn;
  CHECK (mail_parameters (NIL, GET_GETS, NIL) == NIL);
  CHECK (mail_parameters (NIL, SET_GETS, (void *) t_gets) == (void *) t_gets);
  CHECK (mail_parameters (NIL, GET_GETS, NIL) == (void *) t_gets);
  mail_parameters (NIL, SET_GETS, NIL);
  CHECK (mail_parameters (NIL, GET_CACHE, NIL) == (void *) mm_cache);
  mail_parameters (NIL, SET_CACHE, NIL);	/* NIL restores the default */
  CHECK (mail_parameters (NIL, GET_CACHE, NIL) == (void *) mm_cache);
  CHECK ((long) mail_parameters (NIL, GET_MAXLOGINTRIALS, NIL) == 3);
  mail_parameters (NIL, SET_MAXLOGINTRIALS, (void *) 5L);
  CHECK ((long) mail_parameters (NIL, GET_MAXLOGINTRIALS, NIL) == 5);
  CHECK ((long) mail_parameters (NIL, GET_OPENTIMEOUT, NIL) == 0);
  mail_parameters (NIL, SET_OPENTIMEOUT, (void *) 30L);
  mail_parameters (NIL, SET_READTIMEOUT, (void *) 31L);
  mail_parameters (NIL, SET_WRITETIMEOUT, (void *) 32L);
  mail_parameters (NIL, SET_CLOSETIMEOUT, (void *) 33L);
  CHECK ((long) mail_parameters (NIL, GET_OPENTIMEOUT, NIL) == 30);
  CHECK ((long) mail_parameters (NIL, GET_READTIMEOUT, NIL) == 31);
  CHECK ((long) mail_parameters (NIL, GET_WRITETIMEOUT, NIL) == 32);
  CHECK ((long) mail_parameters (NIL, GET_CLOSETIMEOUT, NIL) == 33);
  mail_parameters (NIL, SET_RSHTIMEOUT, (void *) 0L);
  CHECK ((long) mail_parameters (NIL, GET_RSHTIMEOUT, NIL) == 0);
  CHECK ((long) mail_parameters (NIL, GET_IMAPPORT, NIL) == 143);
  mail_parameters (NIL, SET_QUOTA, (void *) t_gets);
  CHECK (mail_parameters (NIL, GET_QUOTA, NIL) == (void *) t_gets);
  /* blocknotify is never NIL, so callers may call it blindly */
  bn = (blocknotify_t) mail_parameters (NIL, GET_BLOCKNOTIFY, NIL);
  CHECK (bn != NIL && (*bn) (BLOCK_FILELOCK, NIL) == NIL);
  mail_parameters (NIL, SET_BLOCKNOTIFY, (void *) t_blocknotify);
  bn = (blocknotify_t) mail_parameters (NIL, GET_BLOCKNOTIFY, NIL);
  (*bn) (BLOCK_FILELOCK, NIL);
  CHECK_INTEQ (bn_called, 1);
  mail_parameters (NIL, SET_BLOCKNOTIFY, NIL);
  CHECK (mail_parameters (NIL, GET_BLOCKNOTIFY, NIL) != NIL);
  {				/* from core/thread.c */
    THREADER *t = (THREADER *) mail_parameters (NIL, GET_THREADERS, NIL);
    int n = 0;
    for (; t; t = t->next) if (t->name && t->dispatch) n++;
    CHECK (n >= 2);		/* ORDEREDSUBJECT and REFERENCES */
  }
  mm_log_calls = 0;		/* not allowed, and said so */
  CHECK (mail_parameters (NIL, SET_THREADERS, NIL) == NIL);
  CHECK_INTEQ (mm_log_calls, 1);
  /* unknown codes: NIL and a warning, never a crash */
  mm_log_calls = 0;
  CHECK (mail_parameters (NIL, 99999, (void *) 1L) == NIL);
  CHECK (mail_parameters (NIL, -5, NIL) == NIL);
  CHECK_INTEQ (mm_log_calls, 2);
  CHECK_INTEQ (mm_last_errflg, WARN);
  mm_log_calls = 0;
  CHECK (mail_parameters (NIL, SET_DRIVER, NIL) == NIL);
  CHECK_INTEQ (mm_log_calls, 1);
}

/* ---------------------------------------------------------------------- */

static long auth_ok (void) { return T; }
static long auth_no (void) { return NIL; }
static long auth_client (authchallenge_t c, authrespond_t r, char *svc,
			 NETMBX *mb, void *s, unsigned long *trial, char *user)
{ return NIL; }

static AUTHENTICATOR au_plain = { .flags = 0, .name = "PLAIN", .valid = auth_ok,
				  .client = auth_client };
static AUTHENTICATOR au_md5 = { .flags = AU_SECURE, .name = "CRAM-MD5",
				.client = auth_client };
static AUTHENTICATOR au_never = { .name = "NEVER", .valid = auth_no,
				  .client = auth_client };

static void test_auth (void)
{
  auth_link (&au_md5);
  auth_link (&au_never);	/* says it cannot work: not linked */
  auth_link (&au_plain);
  auth_link (&au_md5);		/* twice: ignored */
  CHECK (mail_lookup_auth (1) == &au_md5);
  CHECK (mail_lookup_auth (2) == &au_plain);
  CHECK (mail_lookup_auth (3) == NIL);
  CHECK (mail_lookup_auth (0) == NIL);
  CHECK_INTEQ (mail_lookup_auth_name ("plain", NIL), 2);
  CHECK_INTEQ (mail_lookup_auth_name ("CRAM-MD5", AU_SECURE), 1);
  CHECK_INTEQ (mail_lookup_auth_name ("PLAIN", AU_SECURE), 0);
  CHECK_INTEQ (mail_lookup_auth_name ("NEVER", NIL), 0);
  CHECK (mail_parameters (NIL, DISABLE_AUTHENTICATOR, "plain") == &au_plain);
  CHECK_INTEQ (mail_lookup_auth_name ("PLAIN", NIL), 0);
  mail_parameters (NIL, ENABLE_AUTHENTICATOR, "PLAIN");
  CHECK_INTEQ (mail_lookup_auth_name ("PLAIN", NIL), 2);
  mm_log_calls = 0;
  CHECK (mail_auth ("PLAIN", NIL, 0, NIL) == NIL);
  CHECK_INTEQ (mm_log_calls, 1);
}

static void test_utf7 (void)
{
  CHECK (mail_utf7_valid ("INBOX") == NIL);
  CHECK (mail_utf7_valid ("a&-b") == NIL);
  CHECK (mail_utf7_valid ("caf&AOk-") == NIL);
  CHECK (mail_utf7_valid ("caf\xc3\xa9") != NIL);
  CHECK (mail_utf7_valid ("a&") != NIL);
  CHECK (mail_utf7_valid ("a&AOk") != NIL);
  CHECK (mail_utf7_valid ("a&!!-") != NIL);
  CHECK (mail_utf7_valid ("a\tb") != NIL);
}

int main (void)
{
  test_callbacks ();
  test_cache ();
  test_expunge_many ();
  test_fatal ();
  test_flags ();
  test_netparse ();
  test_registry ();
  test_params ();
  test_auth ();
  test_utf7 ();
  return unit_done ();
}

/*
 * Unit tests: IMAP search keys -> SEARCHPGM (imapd/search-parse.c).
 *
 * Key lists are real command text ("t SEARCH <keys>") parsed with
 * imap_parse_command(), then given to search_parse().  Two kinds of check:
 *  - the program, rendered as text by pgm_render() below;
 *  - what the program selects, evaluated by the library (mail_search_msg)
 *    on a driverless stream whose elts carry flags, sizes and dates, for
 *    the cases where the shape alone proves little (NOT (NOT p), LARGER 0);
 *  - the SEARCH, SORT and THREAD handlers themselves (cmd-search.c) on a
 *    real mbox in a scratch directory: their untagged output and tagged
 *    reply, including RFC 5256 base subjects and THREAD nesting.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdio.h>
#include "unit.h"
#include "test-fs.h"
#include "imapd.h"
#include "linkage.h"
#include "search-parse.h"

/* ---- rendering a program ---- */

static void render_set (struct buf *b, const char *name, SEARCHSET *set)
{
  buf_printf (b, " %s=", name);
  for (; set; set = set->next) {
    if (!set->last || set->last == set->first)
      buf_printf (b, "%lu", set->first);
    else buf_printf (b, "%lu:%lu", set->first, set->last);
    if (set->next) buf_putc (b, ',');
  }
}

static void render_strings (struct buf *b, const char *name, STRINGLIST *s)
{
  if (!s) return;
  buf_printf (b, " %s[", name);
  for (; s; s = s->next) {
    buf_append (b, s->text.data, s->text.size);
    if (s->next) buf_putc (b, ',');
  }
  buf_putc (b, ']');
}

static void render_date (struct buf *b, const char *name, unsigned short d)
{
  if (!d) return;
  if (d == 1) buf_printf (b, " %s=min", name);
  else if (d == 0xffff) buf_printf (b, " %s=max", name);
  else buf_printf (b, " %s=%u-%u-%u", name, (d >> 9) + BASEYEAR,
		   (d >> 5) & 0xf, d & 0x1f);
}

static void render (struct buf *b, SEARCHPGM *p);

static void render_sub (struct buf *b, SEARCHPGM *p)
{
  size_t at = b->len;
  render (b, p);
  /* drop the leading space of the sub-program */
  if (b->len > at && b->data[at] == ' ') {
    memmove (b->data + at, b->data + at + 1, b->len - at - 1);
    b->len--;
    b->data[b->len] = '\0';
  }
}

static void render (struct buf *b, SEARCHPGM *p)
{
  SEARCHOR *o;
  SEARCHPGMLIST *n;
  SEARCHHEADER *h;

  if (p->msgno) render_set (b, "msgno", p->msgno);
  if (p->uid) render_set (b, "uid", p->uid);
#define FLAG(f) if (p->f) buf_puts (b, " " #f)
  FLAG (answered); FLAG (unanswered); FLAG (deleted); FLAG (undeleted);
  FLAG (draft); FLAG (undraft); FLAG (flagged); FLAG (unflagged);
  FLAG (recent); FLAG (old); FLAG (seen); FLAG (unseen);
#undef FLAG
  if (p->larger) buf_printf (b, " larger=%lu", p->larger);
  if (p->smaller) buf_printf (b, " smaller=%lu", p->smaller);
  if (p->older) buf_printf (b, " older=%lu", p->older);
  if (p->younger) buf_printf (b, " younger=%lu", p->younger);
  render_date (b, "before", p->before);
  render_date (b, "on", p->on);
  render_date (b, "since", p->since);
  render_date (b, "sentbefore", p->sentbefore);
  render_date (b, "senton", p->senton);
  render_date (b, "sentsince", p->sentsince);
  render_strings (b, "bcc", p->bcc);
  render_strings (b, "body", p->body);
  render_strings (b, "cc", p->cc);
  render_strings (b, "from", p->from);
  render_strings (b, "keyword", p->keyword);
  render_strings (b, "unkeyword", p->unkeyword);
  render_strings (b, "subject", p->subject);
  render_strings (b, "text", p->text);
  render_strings (b, "to", p->to);
  for (h = p->header; h; h = h->next)
    buf_printf (b, " header[%s:%s]", h->line.data, h->text.data);
  for (o = p->or; o; o = o->next) {
    buf_puts (b, " or{");
    render_sub (b, o->first);
    buf_putc (b, '|');
    render_sub (b, o->second);
    buf_putc (b, '}');
  }
  for (n = p->not; n; n = n->next) {
    buf_puts (b, " not{");
    render_sub (b, n->pgm);
    buf_putc (b, '}');
  }
}

/* ---- parsing command text ---- */

struct parsed {
  struct imap_command_line cl;
  char *raw;
  int ok;
};

/* Parse "t SEARCH <keys>\r\n"; keys may hold literals "{n}\r\n..." */
static int parse_keys (struct parsed *p, const char *keys)
{
  const char *err = NULL;
  struct buf b = BUF_INIT;
  size_t len;

  buf_printf (&b, "t SEARCH%s%s\r\n", *keys ? " " : "", keys);
  len = b.len;
  p->raw = buf_detach (&b);
  memset (&p->cl, 0, sizeof p->cl);
  p->ok = imap_parse_command (p->raw, len, &p->cl, &err) == 0;
  if (!p->ok)
    printf ("parse failed for %.60s: %s\n", keys, err ? err : "?");
  return p->ok ? 0 : -1;
}

static void parsed_free (struct parsed *p)
{
  if (p->ok) imap_command_line_free (&p->cl);
  fs_give ((void **) &p->raw);
}

/* The program for keys as text; "ERROR: why" on a parse error */
static char *program_text (const char *keys, unsigned long nmsgs,
			   unsigned long maxuid)
{
  struct parsed p;
  struct buf b = BUF_INIT;
  const char *why = NULL;
  SEARCHPGM *pgm;

  if (parse_keys (&p, keys) < 0) {
    parsed_free (&p);
    return cpystr ("COMMAND PARSE FAILED");
  }
  pgm = search_parse (p.cl.args, nmsgs, maxuid, &why);
  if (!pgm) buf_printf (&b, "ERROR: %s", why ? why : "(no reason)");
  else {
    buf_puts (&b, "");
    render_sub (&b, pgm);
    mail_free_searchpgm (&pgm);
  }
  parsed_free (&p);
  return buf_detach (&b);
}

/* ---- tables ---- */

static const struct good {
  const char *keys;
  const char *want;
} goods[] = {
  { "ALL", "" },
  { "all", "" },
  { "SEEN UNSEEN", "seen unseen" },
  { "NEW", "recent unseen" },
  { "OLD RECENT", "recent old" },
  { "ANSWERED DELETED DRAFT FLAGGED", "answered deleted draft flagged" },
  { "UNANSWERED UNDELETED UNDRAFT UNFLAGGED",
    "unanswered undeleted undraft unflagged" },
  { "FROM foo", "from[foo]" },
  { "from \"a b\"", "from[a b]" },
  { "FROM {3}\r\nabc", "from[abc]" },
  { "SUBJECT x SUBJECT y", "subject[y,x]" },
  { "TEXT t BODY b CC c BCC bb TO to",
    "bcc[bb] body[b] cc[c] text[t] to[to]" },
  { "HEADER X-Foo bar", "header[X-Foo:bar]" },
  { "HEADER \"Message-ID\" \"\"", "header[Message-ID:]" },
  { "KEYWORD foo UNKEYWORD $bar", "keyword[foo] unkeyword[$bar]" },
  { "KEYWORD \\Seen UNKEYWORD \\flagged", "unflagged seen" },
  { "1:3,5", "msgno=1:3,5" },
  { "5,1:3,4", "msgno=1:5" },
  { "7,2,9:8", "msgno=2,7:9" },
  { "2:*", "msgno=2:10" },
  { "*:2", "msgno=2:10" },
  { "*", "msgno=10" },
  { "11:12", "msgno=11:12" },
  { "UID 1:*", "uid=1:50" },
  { "UID 60:*", "uid=50:60" },
  { "uid 3,4,5", "uid=3:5" },
  { "1,2 3", "msgno=1:2 not{not{msgno=3}}" },
  { "UID 1 UID 2", "uid=1 not{not{uid=2}}" },
  { "BEFORE 1-Feb-2020", "before=2020-2-1" },
  { "SINCE \"01-jan-2000\"", "since=2000-1-1" },
  { "ON 29-Feb-2024", "on=2024-2-29" },
  { "SENTBEFORE 31-Dec-1999 SENTSINCE 1-Mar-1999",
    "sentbefore=1999-12-31 sentsince=1999-3-1" },
  { "SENTON 1-jan-1900", "senton=min" },
  { "SENTSINCE 1-Jan-2200", "sentsince=max" },
  { "ON 1-Jan-2020 ON 2-Jan-2020", "on=2020-1-1 not{not{on=2020-1-2}}" },
  { "ON 1-Jan-2020 ON 1-Jan-2020", "on=2020-1-1" },
  { "LARGER 100 SMALLER 200", "larger=100 smaller=200" },
  { "LARGER 100 LARGER 300", "larger=100 not{not{larger=300}}" },
  { "LARGER 0", "not{smaller=1}" },
  { "SMALLER 0", "not{}" },
  { "LARGER 4294967295", "larger=4294967295" },
  { "OLDER 60 YOUNGER 3600", "older=60 younger=3600" },
  { "NOT SEEN", "not{seen}" },
  { "NOT NOT NOT SEEN", "not{not{not{seen}}}" },
  { "OR SEEN FLAGGED", "or{seen|flagged}" },
  { "OR (SEEN FROM x) NOT DELETED", "or{seen from[x]|not{deleted}}" },
  { "OR OR SEEN DRAFT ANSWERED", "or{or{seen|draft}|answered}" },
  { "(SEEN (FLAGGED))", "flagged seen" },
  { "NOT (1:2 UNSEEN)", "not{msgno=1:2 unseen}" },
  { "Or seen Not uid 4:*", "or{seen|not{uid=4:50}}" },
};

static const char *const bads[] = {
  "",
  "FOO",
  "SEEN FOO",
  "FROM",
  "FROM (x)",
  "HEADER X-Foo",
  "BEFORE 31-Feb-2020",
  "BEFORE 29-Feb-2023",
  "BEFORE 1-Foo-2020",
  "BEFORE 1-Feb-20",
  "BEFORE 001-Feb-2020",
  "BEFORE 1-Feb-2020x",
  "BEFORE 0-Feb-2020",
  "BEFORE (1-Feb-2020)",
  "BEFORE {10}\r\n1-Feb-2020",
  "BEFORE",
  "LARGER x",
  "LARGER -1",
  "LARGER 4294967296",
  "SMALLER",
  "OLDER 0",
  "YOUNGER x",
  "0",
  "1:0",
  "1,,2",
  "1:x",
  "01",
  "UID",
  "UID foo",
  "UID \"1:2\"",
  "NOT",
  "OR SEEN",
  "OR",
  "()",
  "(SEEN ())",
  "KEYWORD \"foo\"",
  "KEYWORD \\Recent",
  "KEYWORD",
  "\"SEEN\"",
  "{4}\r\nSEEN",
};

/* ---- evaluating programs on a driverless stream ---- */

static MAILSTREAM *fake_stream (unsigned long n)
{
  static struct mail_callbacks cbs;
  MAILSTREAM *s = memset (fs_get (sizeof (MAILSTREAM)), 0,
			  sizeof (MAILSTREAM));
  unsigned long i;

  cbs = mail_callbacks_mm;
  s->callbacks = &cbs;
  s->silent = T;
  mail_exists (s, n);
  for (i = 1; i <= n; i++) {
    MESSAGECACHE *elt = mail_elt (s, i);
    elt->private.uid = 10 * i;	/* UIDs 10, 20, ... */
    elt->rfc822_size = 100 * (i - 1);	/* 0, 100, 200 ... */
    elt->seen = (i % 2) ? 1 : 0;	/* odd ones seen */
    elt->year = 2020 - BASEYEAR;	/* 1-Jan-2020, 2-Jan-2020, ... */
    elt->month = 1;
    elt->day = i;
  }
  s->uid_last = 10 * n;
  return s;
}

/* The message numbers keys select on s, as "1 3 5"; or "ERROR" */
static char *selects (MAILSTREAM *s, const char *keys)
{
  struct parsed p;
  struct buf b = BUF_INIT;
  const char *why = NULL;
  SEARCHPGM *pgm;
  unsigned long i;

  buf_puts (&b, "");
  if (parse_keys (&p, keys) < 0 ||
      !(pgm = search_parse (p.cl.args, s->nmsgs,
			    mail_uid (s, s->nmsgs), &why)))
    buf_puts (&b, "ERROR");
  else {
    for (i = 1; i <= s->nmsgs; i++)
      if (mail_search_msg (s, i, NIL, pgm))
	buf_printf (&b, "%s%lu", b.len ? " " : "", i);
    mail_free_searchpgm (&pgm);
  }
  parsed_free (&p);
  return buf_detach (&b);
}

static const struct good evals[] = {	/* on 6 messages */
  { "ALL", "1 2 3 4 5 6" },
  { "SEEN", "1 3 5" },
  { "NOT SEEN", "2 4 6" },
  { "2:4 SEEN", "3" },
  { "2:4 1:3", "2 3" },		/* two sets AND, through NOT (NOT) */
  { "UID 20:40 UID 40:*", "4" },
  { "UID 65:*", "6" },		/* n:* always holds the last message */
  { "*", "6" },
  { "7:9", "" },
  { "LARGER 0", "2 3 4 5 6" },
  { "SMALLER 0", "" },
  { "LARGER 100 LARGER 300", "5 6" },
  { "LARGER 100 SMALLER 400", "3 4" },
  { "SMALLER 400 SMALLER 200", "1 2" },
  { "ON 2-Jan-2020", "2" },
  { "ON 2-Jan-2020 ON 3-Jan-2020", "" },
  { "SINCE 3-Jan-2020 BEFORE 5-Jan-2020", "3 4" },
  { "SINCE 3-Jan-2020 SINCE 5-Jan-2020", "5 6" },
  { "SINCE 1-Jan-1900", "1 2 3 4 5 6" },
  { "BEFORE 1-Jan-1900", "" },
  { "BEFORE 1-Jan-2999", "1 2 3 4 5 6" },
  { "SINCE 1-Jan-2999", "" },
  { "OR 1 6", "1 6" },
  { "OR (1 SEEN) (2 SEEN)", "1" },
  { "NOT OR 1 6", "2 3 4 5" },
  { "KEYWORD \\Seen", "1 3 5" },
  { "UNKEYWORD \\Seen", "2 4 6" },
};

/* ---- tests ---- */

static void test_goods (void)
{
  size_t i;
  for (i = 0; i < sizeof goods / sizeof *goods; i++) {
    char *got = program_text (goods[i].keys, 10, 50);
    if (!CHECK_STREQ (got, goods[i].want))
      printf ("  keys: %s\n", goods[i].keys);
    fs_give ((void **) &got);
  }
}

static void test_bads (void)
{
  size_t i;
  for (i = 0; i < sizeof bads / sizeof *bads; i++) {
    char *got = program_text (bads[i], 10, 50);
    if (!CHECK (!strncmp (got, "ERROR: ", 7)))
      printf ("  keys: %s -> %s\n", bads[i], got);
    fs_give ((void **) &got);
  }
}

static void test_empty_mailbox (void)
{
  char *got = program_text ("1:*", 0, 0);
  /* "*" is 0 in an empty mailbox: the set names no message */
  CHECK_STREQ (got, "msgno=0:1");
  fs_give ((void **) &got);
  got = program_text ("UID *", 0, 7);
  CHECK_STREQ (got, "uid=7");
  fs_give ((void **) &got);
}

/* Deep NOT chains and many keys: the limits hold, below them all works */
static void test_limits (void)
{
  struct buf b = BUF_INIT;
  char *got;
  int i;

  for (i = 0; i < LIM_SEARCH_DEPTH - 2; i++) buf_puts (&b, "NOT ");
  buf_puts (&b, "SEEN");
  got = program_text (b.data, 10, 50);
  CHECK (strncmp (got, "ERROR", 5) != 0);
  fs_give ((void **) &got);
  buf_reset (&b);
  for (i = 0; i < LIM_SEARCH_DEPTH; i++) buf_puts (&b, "NOT ");
  buf_puts (&b, "SEEN");
  got = program_text (b.data, 10, 50);
  CHECK_STREQ (got, "ERROR: Search keys nested too deeply");
  fs_give ((void **) &got);

  buf_reset (&b);
  for (i = 0; i < LIM_SEARCH_DEPTH; i++) buf_puts (&b, "OR SEEN ");
  buf_puts (&b, "SEEN SEEN");
  got = program_text (b.data, 10, 50);
  CHECK_STREQ (got, "ERROR: Search keys nested too deeply");
  fs_give ((void **) &got);

  buf_reset (&b);
  for (i = 0; i <= LIM_SEARCH_KEYS; i++) buf_puts (&b, i ? " SEEN" : "SEEN");
  got = program_text (b.data, 10, 50);
  CHECK_STREQ (got, "ERROR: Too many search keys");
  fs_give ((void **) &got);

  buf_reset (&b);			/* a set of many single numbers merges */
  for (i = 1; i <= 20000; i++) buf_printf (&b, "%s%d", i > 1 ? "," : "", i);
  got = program_text (b.data, 30000, 50);
  CHECK_STREQ (got, "msgno=1:20000");
  fs_give ((void **) &got);

  buf_reset (&b);			/* but not when they stay apart */
  for (i = 1; i <= 20000; i++)
    buf_printf (&b, "%s%d", i > 1 ? "," : "", 2 * i);
  got = program_text (b.data, 50000, 50);
  CHECK_STREQ (got, "ERROR: Too many search keys");
  fs_give ((void **) &got);
  buf_free (&b);
}

static void test_dates (void)
{
  unsigned int y = 0, m = 0, d = 0;
  CHECK_INTEQ (search_parse_date ("1-Jan-2020", &y, &m, &d), 0);
  CHECK (y == 2020 && m == 1 && d == 1);
  CHECK_INTEQ (search_parse_date ("29-feb-2000", &y, &m, &d), 0);
  CHECK (y == 2000 && m == 2 && d == 29);
  CHECK_INTEQ (search_parse_date ("31-DEC-0001", &y, &m, &d), 0);
  CHECK_INTEQ (search_parse_date ("29-Feb-1900", &y, &m, &d), -1);
  CHECK_INTEQ (search_parse_date ("31-Apr-2020", &y, &m, &d), -1);
  CHECK_INTEQ (search_parse_date ("1-Jan-2020 ", &y, &m, &d), -1);
  CHECK_INTEQ (search_parse_date ("1 Jan 2020", &y, &m, &d), -1);
  CHECK_INTEQ (search_parse_date ("-Jan-2020", &y, &m, &d), -1);
  CHECK_INTEQ (search_parse_date ("1-Ja-2020", &y, &m, &d), -1);
  CHECK_INTEQ (search_parse_date ("", &y, &m, &d), -1);
  CHECK_INTEQ (search_parse_date (NULL, &y, &m, &d), -1);
}

static void test_evals (void)
{
  MAILSTREAM *s = fake_stream (6);
  size_t i;

  for (i = 0; i < sizeof evals / sizeof *evals; i++) {
    char *got = selects (s, evals[i].keys);
    if (!CHECK_STREQ (got, evals[i].want))
      printf ("  keys: %s\n", evals[i].keys);
    fs_give ((void **) &got);
  }
  mail_free_cache (s);
  fs_give ((void **) &s);
}

/* ---- the command handlers on a real mailbox ---- */

static char scratch[] = "/tmp/test-search-parse.XXXXXX";
static int out_fd = -1;

/* Write an mbox at scratch/name from msgs, "From: ..." header blocks with
 * the body after the empty line; "From " lines are added. */
static char *write_mbox (const char *name, const char *const *msgs,
			 size_t n)
{
  struct buf path = BUF_INIT;
  FILE *f;
  size_t i;

  buf_printf (&path, "%s/%s", scratch, name);
  f = fopen (path.data, "w");
  if (!f) return NULL;
  for (i = 0; i < n; i++)
    fprintf (f, "From sender@example.com Mon Jan  6 10:00:%02u 2020\n%s\n",
	     (unsigned) (i % 60), msgs[i]);
  fclose (f);
  return buf_detach (&path);
}

/* n messages in a reply chain: message i+1 answers message i */
static char *write_chain (const char *name, size_t n)
{
  struct buf path = BUF_INIT;
  FILE *f;
  size_t i;

  buf_printf (&path, "%s/%s", scratch, name);
  if (!(f = fopen (path.data, "w"))) return NULL;
  for (i = 1; i <= n; i++) {
    fprintf (f, "From a@example.com Mon Jan  6 10:00:00 2020\n"
	     "From: a@example.com\nSubject: chain\n"
	     "Date: Mon, 6 Jan 2020 10:00:00 +0000\nMessage-ID: <c%zu@x>\n",
	     i);
    if (i > 1) fprintf (f, "In-Reply-To: <c%zu@x>\n", i - 1);
    fputs ("\nbody\n\n", f);
  }
  fclose (f);
  return buf_detach (&path);
}

/* Run handler fn on "args" (command text after the name); returns the
 * untagged output followed by "OK text" / "NO text" / "BAD text" */
static char *run (struct imapd *s, imapd_cmd_fn *fn, int uid,
		  const char *args)
{
  static const char *const st[] = { "NONE", "OK", "NO", "BAD" };
  struct parsed p;
  struct buf b = BUF_INIT;
  char chunk[4096];
  ssize_t r;

  if (s->last_error) fs_give ((void **) &s->last_error);
  s->status = REPLY_NONE;
  buf_reset (&s->reply);
  if (parse_keys (&p, args) < 0) {
    parsed_free (&p);
    return cpystr ("COMMAND PARSE FAILED");
  }
  (*fn) (s, p.cl.args, uid);
  parsed_free (&p);
  client_flush (s->client);
  buf_puts (&b, "");
  lseek (out_fd, 0, SEEK_SET);
  while ((r = read (out_fd, chunk, sizeof chunk)) > 0)
    buf_append (&b, chunk, (size_t) r);
  if (ftruncate (out_fd, 0) < 0) buf_puts (&b, "(ftruncate failed)");
  lseek (out_fd, 0, SEEK_SET);
  buf_printf (&b, "%s %s", st[s->status], buf_cstr (&s->reply));
  return buf_detach (&b);
}

static const char *const msgs[] = {
  "From: alice@example.com\nTo: bob@example.com\nSubject: Hello world\n"
  "Date: Mon, 6 Jan 2020 10:00:00 +0000\nMessage-ID: <1@x>\n"
  "X-IMAPbase: 1234567 100\nX-UID: 10\nStatus: RO\n\nfirst body apple\n",
  "From: carol@example.com\nTo: bob@example.com\nSubject: Re: Hello world\n"
  "Date: Tue, 7 Jan 2020 10:00:00 +0000\nMessage-ID: <2@x>\n"
  "In-Reply-To: <1@x>\nReferences: <1@x>\nX-UID: 20\n\nreply banana\n",
  "From: dave@example.com\nTo: erin@example.com\n"
  "Subject: [foo] Fwd: [bar] Re: fw: b (fWd) (fwd)\n"
  "Date: Wed, 8 Jan 2020 10:00:00 +0000\nMessage-ID: <3@x>\nX-UID: 30\n"
  "\ncherry\n",
  "From: bob@example.com\nTo: alice@example.com\nSubject: b\n"
  "Date: Thu, 9 Jan 2020 10:00:00 +0000\nMessage-ID: <4@x>\nX-UID: 40\n"
  "Status: RO\n\ndate apple\n",
  "From: erin@example.com\nTo: carol@example.com\nCc: zed@example.com\n"
  "Subject: Re: Hello world\nDate: Fri, 10 Jan 2020 10:00:00 +0000\n"
  "Message-ID: <5@x>\nIn-Reply-To: <1@x>\nX-UID: 50\n\nelderberry\n",
  "From: zed@example.com\nTo: carol@example.com\nSubject: Other\n"
  "Date: Sat, 11 Jan 2020 10:00:00 +0000\nMessage-ID: <6@x>\n"
  "References: <1@x> <2@x>\nX-UID: 60\n\nfig\n",
  /* 7 and 8 answer a message that is not there: a dummy parent */
  "From: yves@example.com\nTo: carol@example.com\nSubject: lost\n"
  "Date: Sun, 12 Jan 2020 10:00:00 +0000\nMessage-ID: <7@x>\n"
  "In-Reply-To: <gone@x>\nX-UID: 70\n\nx\n",
  "From: yves@example.com\nTo: carol@example.com\nSubject: Re: lost\n"
  "Date: Mon, 13 Jan 2020 10:00:00 +0000\nMessage-ID: <8@x>\n"
  "In-Reply-To: <gone@x>\nX-UID: 80\n\ny\n",
};

static const struct cmd_case {
  imapd_cmd_fn *fn;
  int uid;
  const char *args;
  const char *want;
} cmd_cases[] = {
  { cmd_search, 0, "ALL", "* SEARCH 1 2 3 4 5 6 7 8\r\nOK SEARCH completed" },
  { cmd_search, 1, "ALL",
    "* SEARCH 10 20 30 40 50 60 70 80\r\nOK UID SEARCH completed" },
  { cmd_search, 0, "SEEN", "* SEARCH 1 4\r\nOK SEARCH completed" },
  { cmd_search, 1, "UID 25:45", "* SEARCH 30 40\r\nOK UID SEARCH completed" },
  { cmd_search, 0, "UID 75:*", "* SEARCH 8\r\nOK SEARCH completed" },
  { cmd_search, 0, "FROM nobody", "* SEARCH\r\nOK SEARCH completed" },
  { cmd_search, 0, "CHARSET UTF-8 BODY apple",
    "* SEARCH 1 4\r\nOK SEARCH completed" },
  { cmd_search, 0, "charset us-ascii OR FROM alice TO alice",
    "* SEARCH 1 4\r\nOK SEARCH completed" },
  { cmd_search, 0, "CHARSET ISO-8859-1 SUBJECT hello",
    "* SEARCH 1 2 5\r\nOK SEARCH completed" },
  { cmd_search, 0, "HEADER Cc zed", "* SEARCH 5\r\nOK SEARCH completed" },
  { cmd_search, 0, "SENTSINCE 9-Jan-2020 SENTBEFORE 11-Jan-2020",
    "* SEARCH 4 5\r\nOK SEARCH completed" },
  { cmd_search, 0, "RETURN (MIN MAX ALL COUNT) OR 1 OR 3 5:6",
    "* ESEARCH (TAG \"t\") MIN 1 MAX 6 ALL 1,3,5:6 COUNT 4\r\n"
    "OK SEARCH completed" },
  { cmd_search, 1, "RETURN () NOT SEEN",
    "* ESEARCH (TAG \"t\") UID ALL 20,30,50,60,70,80\r\n"
    "OK UID SEARCH completed" },
  { cmd_search, 0, "RETURN (ALL) NOT SEEN",
    "* ESEARCH (TAG \"t\") ALL 2:3,5:8\r\nOK SEARCH completed" },
  { cmd_search, 1, "RETURN (COUNT) FROM nobody",
    "* ESEARCH (TAG \"t\") UID COUNT 0\r\nOK UID SEARCH completed" },
  { cmd_search, 0, "RETURN (MIN) FROM nobody",
    "* ESEARCH (TAG \"t\")\r\nOK SEARCH completed" },
  { cmd_search, 0, "RETURN (MAX) CHARSET UTF-8 2:4",
    "* ESEARCH (TAG \"t\") MAX 4\r\nOK SEARCH completed" },
  { cmd_search, 0, "CHARSET X-NO-SUCH ALL", "NO [BADCHARSET (" },
  { cmd_search, 0, "RETURN (SAVE) ALL", "BAD " },
  { cmd_search, 0, "RETURN ALL", "BAD " },
  { cmd_search, 0, "CHARSET", "BAD " },
  { cmd_search, 0, "CHARSET UTF-8", "BAD " },
  { cmd_search, 0, "FOO", "BAD Unknown search key" },
  { cmd_search, 0, "SINCE 31-Feb-2020", "BAD " },
  { cmd_search, 0, "", "BAD " },
  /* RFC 5256 base subject: "[foo] Fwd: [bar] Re: fw: b (fWd) (fwd)" is "b" */
  { cmd_sort, 0, "(SUBJECT) UTF-8 ALL",
    "* SORT 3 4 1 2 5 7 8 6\r\nOK SORT completed" },
  { cmd_sort, 0, "(SUBJECT) UTF-8 3:4",
    "* SORT 3 4\r\nOK SORT completed" },
  { cmd_sort, 0, "(REVERSE SUBJECT) UTF-8 3:4",	/* ties: message order */
    "* SORT 3 4\r\nOK SORT completed" },
  { cmd_sort, 1, "(REVERSE DATE) UTF-8 ALL",
    "* SORT 80 70 60 50 40 30 20 10\r\nOK UID SORT completed" },
  { cmd_sort, 0, "(FROM REVERSE ARRIVAL) US-ASCII NOT 1:4",
    "* SORT 5 8 7 6\r\nOK SORT completed" },
  { cmd_sort, 0, "(CC SIZE) UTF-8 5:6", "* SORT 6 5\r\nOK SORT completed" },
  { cmd_sort, 0, "(TO) UTF-8 FROM nobody", "* SORT\r\nOK SORT completed" },
  { cmd_sort, 0, "(REVERSE) UTF-8 ALL", "BAD " },
  { cmd_sort, 0, "() UTF-8 ALL", "BAD " },
  { cmd_sort, 0, "(DISPLAYFROM) UTF-8 ALL", "BAD " },
  { cmd_sort, 0, "SUBJECT UTF-8 ALL", "BAD " },
  { cmd_sort, 0, "(SUBJECT) ALL", "BAD " },	/* ALL is no key list */
  { cmd_sort, 0, "(SUBJECT) X-NO-SUCH ALL", "NO [BADCHARSET (" },
  { cmd_sort, 0, "(SUBJECT)", "BAD " },
  { cmd_thread, 0, "ORDEREDSUBJECT UTF-8 ALL",
    "* THREAD (1 (2)(5))(3 4)(6)(7 8)\r\nOK THREAD completed" },
  { cmd_thread, 0, "REFERENCES UTF-8 ALL",
    "* THREAD (1 (2 6)(5))(4 3)((7)(8))\r\nOK THREAD completed" },
  { cmd_thread, 1, "references UTF-8 NOT 4",
    "* THREAD (10 (20 60)(50))(30)((70)(80))\r\nOK UID THREAD completed" },
  { cmd_thread, 0, "REFERENCES UTF-8 FROM nobody",
    "* THREAD\r\nOK THREAD completed" },
  { cmd_thread, 0, "REFERENCES UTF-8 2", "* THREAD (2)\r\nOK THREAD completed" },
  { cmd_thread, 0, "FOO UTF-8 ALL", "BAD Unknown threading algorithm" },
  { cmd_thread, 0, "REFERENCES X-NO-SUCH ALL", "NO [BADCHARSET (" },
  { cmd_thread, 0, "REFERENCES UTF-8", "BAD " },
  { cmd_thread, 0, "REFERENCES", "BAD " },
};

static void test_commands (struct imapd *s)
{
  size_t i;
  for (i = 0; i < sizeof cmd_cases / sizeof *cmd_cases; i++) {
    const struct cmd_case *c = &cmd_cases[i];
    char *got = run (s, c->fn, c->uid, c->args);
    int ok;
    /* wants ending in a space or "(" are prefixes */
    size_t wl = strlen (c->want);
    if (wl && (c->want[wl - 1] == ' ' || c->want[wl - 1] == '('))
      ok = CHECK (!strncmp (got, c->want, wl));
    else ok = CHECK_STREQ (got, c->want);
    if (!ok) printf ("  args: %s\n  got: %.300s\n", c->args, got);
    fs_give ((void **) &got);
  }
}

/* A 3000-message reply chain is one flat thread; no recursion limits */
static void test_thread_chain (struct imapd *s, const char *path)
{
  struct buf want = BUF_INIT;
  char *got;
  size_t i;

  mail_close (s->stream);
  if (!CHECK ((s->stream = mail_open (NIL, (char *) path, NIL)) != NIL))
    return;
  CHECK_INTEQ (s->stream->nmsgs, 3000);
  buf_puts (&want, "* THREAD (");
  for (i = 1; i <= 3000; i++) buf_printf (&want, "%s%zu", i > 1 ? " " : "", i);
  buf_puts (&want, ")\r\nOK THREAD completed");
  got = run (s, cmd_thread, 0, "REFERENCES UTF-8 ALL");
  CHECK_STREQ (got, want.data);
  fs_give ((void **) &got);
  buf_free (&want);
}

int main (void)
{
  struct imapd s;
  char *box, *chain;
  FILE *out;

#include "linkage.c"
  test_goods ();
  test_bads ();
  test_empty_mailbox ();
  test_limits ();
  test_dates ();
  test_evals ();

  memset (&s, 0, sizeof s);
  buf_init (&s.reply);
  s.tag = "t";
  s.state = STATE_SELECTED;
  if (!CHECK (mkdtemp (scratch) != NULL)) return unit_done ();
  env_init ("tester", scratch);	/* new UIDVALIDITY marks go there */
  out = tmpfile ();
  if (!CHECK (out != NULL)) return unit_done ();
  out_fd = fileno (out);
  s.client = client_new (-1, out_fd);
  session_install_callbacks (&s);
  box = write_mbox ("box", msgs, sizeof msgs / sizeof *msgs);
  chain = write_chain ("chain", 3000);
  if (CHECK (box && chain) &&
      CHECK ((s.stream = mail_open (NIL, box, NIL)) != NIL)) {
    CHECK_INTEQ (s.stream->nmsgs, sizeof msgs / sizeof *msgs);
    test_commands (&s);
    test_thread_chain (&s, chain);
    if (s.stream) mail_close (s.stream);
  }
  if (box) { unlink (box); fs_give ((void **) &box); }
  if (chain) { unlink (chain); fs_give ((void **) &chain); }
  test_rm_rf (scratch);
  client_free (s.client);
  fclose (out);
  buf_free (&s.reply);
  if (s.last_error) fs_give ((void **) &s.last_error);
  return unit_done ();
}

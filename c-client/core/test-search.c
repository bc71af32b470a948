/*
 * Unit tests for SEARCH, SORT and THREAD over a mailbox (core/search.c,
 * sort.c, thread.c), through a tiny in-memory driver defined below: its
 * .header/.text slots serve canned messages, everything else is core's
 * generic code (structure parsing, fetching, flags).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "search-int.h"
#include "unit.h"
#include "thread-render.h"

/* ---- the canned mailbox ---- */

struct tmsg {
  const char *text;		/* whole message, CRLF */
  const char *idate;		/* internal date */
  const char *flags;		/* letters: S seen, F flagged, A answered,
				 * D deleted, d draft, R recent, W $Work,
				 * J Junk */
};

static char filler[6000];	/* makes message 4 large */
static char *m4text;

static struct tmsg box[] = {
  { "Date: Mon, 1 Jan 2018 10:00:00 +0000\r\n"
    "From: Joe Smith <joe@example.com>\r\n"
    "To: alice@example.org\r\n"
    "Cc: Bob <bob@example.net>\r\n"
    "Subject: Hello world\r\n"
    "Message-ID: <1@x>\r\n"
    "\r\n"
    "This is a plain body with Paris in it.\r\n",
    "02-Jan-2018 10:00:00 +0000", "S" },
  { "Date: Tue, 2 Jan 2018 11:00:00 +0100\r\n"
    "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.fr>\r\n"
    "To: joe@example.com\r\n"
    "Subject: =?UTF-8?Q?Re=3A_Caf=C3=A9_cr=C3=A8me?=\r\n"
    "Message-ID: <2@x>\r\n"
    "In-Reply-To: <1@x>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Caf=E9 au lait, tr=E8s bien=\r\n"
    "merci\r\n",
    "03-Jan-2018 09:00:00 +0000", "FAW" },
  { "Date: Wed, 3 Jan 2018 12:00:00 +0000\r\n"
    "From: carol@example.com\r\n"
    "To: alice@example.org, dave@example.org\r\n"
    "Subject: Documents\r\n"
    "References: <1@x> <2@x>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"BB\"\r\n"
    "\r\n"
    "preamble NOTHERE\r\n"
    "--BB\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "U2VjcmV0IGJhc2U2NCB3b3Jkcw==\r\n"
    "--BB\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "TkVFRExF\r\n"
    "--BB\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: Inner subject\r\n"
    "From: inner@example.com\r\n"
    "\r\n"
    "inner body text\r\n"
    "--BB--\r\n"
    "epilogue\r\n",
    "04-Jan-2018 10:00:00 +0000", "D" },
  { NULL,			/* built in main(): no Date, big body */
    "05-Jan-2018 08:00:00 +0000", "dRJ" },
  { "Subject: \r\n"
    "X-Empty:\r\n"
    "Date: Fri, 5 Jan 2018 00:00:00 +0000\r\n"
    "\r\n",
    "06-Jan-2018 10:00:00 +0000", "SR" },
  { "Date: Mon, 1 Jan 2018 09:00:00 -0500\r\n"
    "From: aaron@example.com\r\n"
    "To: Zoe <zoe@example.com>\r\n"
    "Subject: hello WORLD (fwd)\r\n"
    "Sender: sec@example.com\r\n"
    "Reply-To: replies@example.com\r\n"
    "Newsgroups: comp.mail.imap\r\n"
    "Followup-To: poster\r\n"
    "X-Folded: first\r\n"
    " second\r\n"
    "Message-ID: <6@x>\r\n"
    "References: <1@x>\r\n"
    "\r\n"
    "short\r\n",
    "01-Jan-2018 23:00:00 +0000", "" },
};
#define NBOX (sizeof box / sizeof box[0])
#define UID(i) (100 + 10 * (i))	/* UIDs differ from message numbers */

static struct tmsg *cur = box;	/* the mailbox being served */
static unsigned long ncur = NBOX;

static const char *msg_text (unsigned long msgno)
{
  return cur[msgno - 1].text;
}

static unsigned long header_len (const char *m)
{
  const char *e = strstr (m, "\r\n\r\n");
  return e ? (unsigned long) (e - m) + 4 : strlen (m);
}

static DRIVER testdriver;

static DRIVER *td_valid (char *name)
{
  return !strncmp (name, "#test", 5) ? &testdriver : NIL;
}

static MAILSTREAM *td_open (MAILSTREAM *stream)
{
  unsigned long i;
  if (!stream) return NIL;
  mail_exists (stream, ncur);
  stream->user_flags[0] = cpystr ("$Work");
  stream->user_flags[1] = cpystr ("Junk");
  for (i = 1; i <= ncur; i++) {
    MESSAGECACHE *elt = mail_elt (stream, i);
    const char *f = cur[i - 1].flags;
    elt->private.uid = UID (i);
    elt->rfc822_size = strlen (msg_text (i));
    mail_parse_date (elt, (unsigned char *) cur[i - 1].idate);
    elt->seen = strchr (f, 'S') != NULL;
    elt->flagged = strchr (f, 'F') != NULL;
    elt->answered = strchr (f, 'A') != NULL;
    elt->deleted = strchr (f, 'D') != NULL;
    elt->draft = strchr (f, 'd') != NULL;
    elt->recent = strchr (f, 'R') != NULL;
    elt->user_flags = (strchr (f, 'W') ? 1 : 0) | (strchr (f, 'J') ? 2 : 0);
    elt->valid = T;
  }
  stream->uid_last = UID (ncur);
  return stream;
}

static void td_close (MAILSTREAM *stream, long options) { }
static long td_ping (MAILSTREAM *stream) { return T; }

static char *td_header (MAILSTREAM *stream, unsigned long msgno,
			unsigned long *length, long flags)
{
  *length = header_len (msg_text (msgno));
  return (char *) msg_text (msgno);
}

static long td_text (MAILSTREAM *stream, unsigned long msgno, STRING *bs,
		     long flags)
{
  const char *m = msg_text (msgno);
  unsigned long h = header_len (m);
  if (!(flags & FT_PEEK)) mail_elt (stream, msgno)->seen = T;
  INIT (bs, mail_string, (void *) (m + h), strlen (m) - h);
  return T;
}

static unsigned long sort_calls;
static unsigned long *td_sort (MAILSTREAM *stream, char *charset,
			       SEARCHPGM *spg, SORTPGM *pgm, long flags)
{
  sort_calls++;
  return mail_sort_msgs (stream, charset, spg, pgm, flags);
}

static unsigned long search_calls;
static long td_search (MAILSTREAM *stream, char *charset, SEARCHPGM *pgm,
		       long flags)
{
  search_calls++;
  return mail_search_default (stream, charset, pgm, flags);
}

static unsigned long thread_calls;
static THREADNODE *td_thread (MAILSTREAM *stream, char *type, char *charset,
			      SEARCHPGM *spg, long flags)
{
  thread_calls++;
  return NIL;
}

static DRIVER testdriver = {
  .name = "testdrv",
  .flags = DR_LOCAL | DR_MAIL,
  .valid = td_valid,
  .open = td_open,
  .close = td_close,
  .header = td_header,
  .text = td_text,
  .ping = td_ping,
};

/* ---- callbacks ---- */

static struct buf hits = BUF_INIT;	/* mm_searched numbers, "1 3" */
static char lastlog[1024];
static int nerrors;

/* When set, mm_searched also evaluates nest_pgm on each match (a search
 * started while another runs) and notes "n:y" or "n:n" in nest_hits */
static SEARCHPGM *nest_pgm;
static struct buf nest_hits = BUF_INIT;

void mm_searched (MAILSTREAM *stream, unsigned long number)
{
  buf_printf (&hits, "%s%lu", hits.len ? " " : "", number);
  if (nest_pgm)
    buf_printf (&nest_hits, "%s%lu:%s", nest_hits.len ? " " : "", number,
		mail_search_msg (stream, number, NIL, nest_pgm) ? "y" : "n");
}

void mm_log (char *string, long errflg)
{
  if (errflg == ERROR) {
    snprintf (lastlog, sizeof lastlog, "%s", string ? string : "");
    nerrors++;
  }
}

/* ---- helpers ---- */

static STRINGLIST *sl (const char *s)
{
  STRINGLIST *l = mail_newstringlist ();
  l->text.data = (unsigned char *) cpystr (s);
  l->text.size = strlen (s);
  return l;
}

static SEARCHSET *set (unsigned long first, unsigned long last)
{
  SEARCHSET *s = mail_newsearchset ();
  s->first = first;
  s->last = last;
  return s;
}

static SEARCHPGM *crit (const char *c)
{
  char *t = cpystr (c);
  SEARCHPGM *p = mail_criteria (t);
  fs_give ((void **) &t);
  return p;
}

static SEARCHPGM *not_of (SEARCHPGM *p)
{
  SEARCHPGM *n = mail_newsearchpgm ();
  n->not = mail_newsearchpgmlist ();
  mail_free_searchpgm (&n->not->pgm);
  n->not->pgm = p;
  return n;
}

static SEARCHPGM *or_of (SEARCHPGM *a, SEARCHPGM *b)
{
  SEARCHPGM *n = mail_newsearchpgm ();
  n->or = mail_newsearchor ();
  mail_free_searchpgm (&n->or->first);
  mail_free_searchpgm (&n->or->second);
  n->or->first = a;
  n->or->second = b;
  return n;
}

static SEARCHPGM *header_of (const char *name, const char *text)
{
  SEARCHPGM *p = mail_newsearchpgm ();
  p->header = mail_newsearchheader ((char *) name, (char *) text);
  return p;
}

/* Run a search; the matches as "1 3 5" (from mm_searched), or "FAIL" */
static char *run (MAILSTREAM *stream, char *charset, SEARCHPGM *pgm,
		  long flags)
{
  long r;
  buf_reset (&hits);
  buf_puts (&hits, "");
  r = mail_search_full (stream, charset, pgm, flags | SE_FREE);
  return cpystr (r ? hits.data : "FAIL");
}

/* The same, from elt->searched */
static char *searched_bits (MAILSTREAM *stream)
{
  struct buf b = BUF_INIT;
  unsigned long i;
  buf_puts (&b, "");
  for (i = 1; i <= stream->nmsgs; i++)
    if (mail_elt (stream, i)->searched)
      buf_printf (&b, "%s%lu", b.len ? " " : "", i);
  return buf_detach (&b);
}

/* ---- SEARCH ---- */

static const struct {
  const char *criteria;		/* mail_criteria() text */
  const char *charset;
  const char *expect;
} crit_cases[] = {
  { "ALL", NULL, "1 2 3 4 5 6" },
  { "SEEN", NULL, "1 5" },
  { "UNSEEN", NULL, "2 3 4 6" },
  { "FLAGGED", NULL, "2" },
  { "ANSWERED UNDELETED", NULL, "2" },
  { "DELETED", NULL, "3" },
  { "UNDELETED", NULL, "1 2 4 5 6" },
  { "RECENT", NULL, "4 5" },
  { "OLD", NULL, "1 2 3 6" },
  { "NEW", NULL, "4" },
  { "KEYWORD $Work", NULL, "2" },
  { "KEYWORD $work", NULL, "2" },
  { "KEYWORD Junk KEYWORD $Work", NULL, "" },
  { "UNKEYWORD $Work", NULL, "1 3 4 5 6" },
  { "KEYWORD nosuch", NULL, "" },
  { "UNKEYWORD nosuch", NULL, "1 2 3 4 5 6" },
  { "FROM joe", NULL, "1" },
  { "FROM SMITH", NULL, "1" },
  { "FROM example.com", NULL, "1 3 4 6" },
  { "FROM \"Andr\xc3\xa9\"", NULL, "2" },	/* encoded-word personal */
  { "FROM \"Andr\xe9\"", "ISO-8859-1", "2" },
  { "FROM \"\"", NULL, "1 2 3 4 6" },	/* as UW: needs a From */
  { "CC \"\"", NULL, "1" },
  { "TO alice", NULL, "1 3" },
  { "TO dave", NULL, "3" },
  { "TO zoe", NULL, "6" },
  { "CC bob", NULL, "1" },
  { "CC \"Bob <bob@\"", NULL, "1" },
  { "BCC x", NULL, "" },
  { "SUBJECT hello", NULL, "1 4 6" },
  { "SUBJECT \"caf\xc3\xa9\"", NULL, "2" },
  { "SUBJECT \"caf\xc3\xa9\"", "utf-8", "2" },
  { "SUBJECT \"CAF\xc3\x89\"", NULL, "2" },	/* non-ASCII case folding */
  { "SUBJECT \"CAF\xc9\"", "ISO-8859-1", "2" },
  { "SUBJECT \"caf\xe9\"", "iso-8859-1", "2" },
  { "SUBJECT \"Re: Caf\"", NULL, "2" },	/* decoded "Re:" */
  { "SUBJECT \"\"", NULL, "1 2 3 4 5 6" },
  { "SUBJECT Hello SUBJECT fwd", NULL, "4 6" },
  { "BODY Paris", NULL, "1" },
  { "BODY pArIs", NULL, "1" },
  { "BODY bienmerci", NULL, "2" },	/* QP soft break decoded */
  { "BODY \"tr\xc3\xa8s\"", NULL, "2" },	/* ISO-8859-1 body */
  { "BODY \"Secret base64\"", NULL, "3" },
  { "BODY NEEDLE", NULL, "" },		/* non-text part */
  { "BODY TkVFRExF", NULL, "" },
  { "BODY \"inner body\"", NULL, "3" },
  { "BODY \"Inner subject\"", NULL, "3" },	/* attached header */
  { "BODY NOTHERE", NULL, "" },		/* preamble */
  { "BODY epilogue", NULL, "" },
  { "BODY Subject", NULL, "3" },
  { "BODY \"Gr\xc3\xbc\xc3\x9f" "e\"", NULL, "4" },
  { "BODY Paris BODY plain", NULL, "1" },
  { "BODY Paris BODY lait", NULL, "" },
  { "BODY \"Hello world\"", NULL, "" },
  { "TEXT \"Hello world\"", NULL, "1 4 6" },
  { "TEXT X-Spam", NULL, "4" },
  { "TEXT \"first second\"", NULL, "6" },	/* unfolded */
  { "TEXT zed TEXT \"M\xc3\xbcnchen\"", NULL, "4" },
  { "TEXT \"caf\xc3\xa9 cr\xc3\xa8me\"", NULL, "2" },	/* decoded header */
  { "TEXT \"caf\xc3\xa9 au\"", NULL, "2" },	/* decoded body */
  { "SINCE 3-Jan-2018", NULL, "2 3 4 5" },
  { "BEFORE 3-Jan-2018", NULL, "1 6" },
  { "ON 2-Jan-2018", NULL, "1" },
  { "ON 2-Jan-2018 SEEN", NULL, "1" },
  { "ON 2-Jan-2018 UNSEEN", NULL, "" },
};

static void test_criteria_search (MAILSTREAM *stream)
{
  size_t i;
  for (i = 0; i < sizeof crit_cases / sizeof crit_cases[0]; i++) {
    SEARCHPGM *p = crit (crit_cases[i].criteria);
    char *got, *bits;
    if (!CHECK (p != NIL)) continue;
    got = run (stream, (char *) crit_cases[i].charset, p, NIL);
    if (!CHECK_STREQ (got, crit_cases[i].expect))
      printf ("  criteria: %s\n", crit_cases[i].criteria);
    bits = searched_bits (stream);
    CHECK_STREQ (bits, crit_cases[i].expect);
    fs_give ((void **) &got);
    fs_give ((void **) &bits);
  }
}

/* Programs mail_criteria cannot express */
static SEARCHPGM *build (int which, MAILSTREAM *stream)
{
  SEARCHPGM *p = mail_newsearchpgm ();
  switch (which) {
  case 0: p->draft = T; break;
  case 1: p->undraft = T; break;
  case 2: p->larger = 3000; break;
  case 3: p->smaller = 3000; break;
  case 4: p->senton = mail_shortdate (2018 - BASEYEAR, 1, 1); break;
  case 5: p->sentbefore = mail_shortdate (2018 - BASEYEAR, 1, 2); break;
  case 6: p->sentsince = mail_shortdate (2018 - BASEYEAR, 1, 3); break;
  case 7: mail_free_searchpgm (&p); return header_of ("X-Spam", "");
  case 8: mail_free_searchpgm (&p); return header_of ("x-spam", "YES");
  case 9: mail_free_searchpgm (&p); return header_of ("X-Spam", "no");
  case 10: mail_free_searchpgm (&p); return header_of ("X-Empty", "");
  case 11: mail_free_searchpgm (&p); return header_of ("X-Empty", "a");
  case 12: mail_free_searchpgm (&p); return header_of ("X-Folded", "first second");
  case 13: mail_free_searchpgm (&p); return header_of ("Subject", "");
  case 14: mail_free_searchpgm (&p); return header_of ("Message-ID", "");
  case 15: mail_free_searchpgm (&p); return header_of ("Message", "");
  case 16: mail_free_searchpgm (&p); return header_of ("subject", "caf\xc3\xa9");
  case 17: p->uid = set (UID (1), UID (3)); break;
  case 18: p->uid = set (0xffffffff, 0); break;
  case 19: p->uid = set (155, 0xffffffff); break;
  case 20: p->msgno = set (2, 0); p->msgno->next = set (4, 5); break;
  case 21: p->msgno = set (0xffffffff, 0); break;
  case 22: p->msgno = set (6, 4); break;
  case 23: p->msgno = set (7, 9); break;
  case 24:
    mail_free_searchpgm (&p);
    return or_of (crit ("SEEN"), crit ("FLAGGED"));
  case 25: mail_free_searchpgm (&p); return not_of (crit ("SEEN"));
  case 26:
    mail_free_searchpgm (&p);
    return not_of (or_of (crit ("SEEN"), crit ("FLAGGED")));
  case 27:
    mail_free_searchpgm (&p);
    return or_of (not_of (crit ("SEEN")), crit ("DELETED"));
  case 28: mail_free_searchpgm (&p); return not_of (not_of (crit ("SEEN")));
  case 29: p->older = 1000; break;
  case 30: p->younger = 1000; break;
  case 31: p->message_id = sl ("<2@x>"); break;
  case 32: p->references = sl ("1@x"); break;
  case 33: p->in_reply_to = sl ("1@X"); break;
  case 34: break;			/* empty program */
  case 35: p->return_path = sl ("x"); break;
  case 37: p->sender = sl ("SEC@"); break;
  case 38: p->reply_to = sl ("replies"); break;
  case 39: p->newsgroups = sl ("comp.mail"); break;
  case 40: p->followup_to = sl ("poster"); break;
  case 41: p->reply_to = sl (""); break;	/* defaults to From (UW) */
  case 42: p->body = sl (""); break;
  case 43: p->text = sl (""); break;
  case 44: p->cc = sl ("bob"); p->to = sl ("alice"); p->from = sl ("joe"); break;
  case 45: p->cc = sl ("bob"); p->to = sl ("alice"); p->from = sl ("zed"); break;
  case 36:			/* OR with a NIL side matches everything */
    mail_free_searchpgm (&p);
    p = or_of (crit ("DELETED"), NIL);
    return p;
  }
  return p;
}

static const char *build_expect[] = {
  "4", "1 2 3 5 6", "4", "1 2 3 5 6", "1 6", "1 6", "3 5",
  "4", "4", "", "5", "", "6", "1 2 3 4 5 6", "1 2 6", "", "2",
  "1 2 3", "6", "6", "2 4 5", "6", "4 5 6", "",
  "1 2 5", "2 3 4 6", "3 4 6", "2 3 4 6", "1 5",
  "1 2 3 4 5 6", "", "2", "3 6", "2", "1 2 3 4 5 6", "", "1 2 3 4 5 6",
  "6", "6", "6", "6", "1 2 3 4 6", "1 2 3 4 5 6", "1 2 3 4 5 6", "1", "",
};

static void test_built_search (MAILSTREAM *stream)
{
  size_t i;
  for (i = 0; i < sizeof build_expect / sizeof build_expect[0]; i++) {
    char *got = run (stream, NIL, build ((int) i, stream), NIL);
    if (!CHECK_STREQ (got, build_expect[i])) printf ("  program %zu\n", i);
    fs_give ((void **) &got);
  }
}

static void test_search_options (MAILSTREAM *stream)
{
  char *got;
  SEARCHPGM *p;
  int e;
  unsigned long i;

  /* SE_UID: mm_searched gets UIDs, elt->searched still marks messages */
  got = run (stream, NIL, crit ("SEEN"), SE_UID);
  CHECK_STREQ (got, "110 150");
  fs_give ((void **) &got);
  got = searched_bits (stream);
  CHECK_STREQ (got, "1 5");
  fs_give ((void **) &got);
  /* SE_RETAIN keeps earlier matches */
  got = run (stream, NIL, crit ("FLAGGED"), SE_RETAIN);
  CHECK_STREQ (got, "2");
  fs_give ((void **) &got);
  got = searched_bits (stream);
  CHECK_STREQ (got, "1 2 5");
  fs_give ((void **) &got);
  {				/* the driver's .search slot comes first */
    unsigned long before = search_calls;
    testdriver.search = td_search;
    got = run (stream, NIL, crit ("FLAGGED"), NIL);
    testdriver.search = NIL;
    CHECK_INTEQ (search_calls, before + 1);
    CHECK_STREQ (got, "2");
    fs_give ((void **) &got);
  }
  /* without SE_FREE the program is the caller's and is reusable */
  p = crit ("UNSEEN");
  CHECK (mail_search_full (stream, NIL, p, NIL));
  CHECK (mail_search_full (stream, NIL, p, NIL));
  got = searched_bits (stream);
  CHECK_STREQ (got, "2 3 4 6");
  fs_give ((void **) &got);
  mail_free_searchpgm (&p);
  /* unknown charset: error naming it, no matches, returns NIL */
  e = nerrors;
  got = run (stream, "X-NO-SUCH-CHARSET", crit ("ALL"), NIL);
  CHECK_STREQ (got, "FAIL");
  CHECK_INTEQ (nerrors, e + 1);
  CHECK (strstr (lastlog, "X-NO-SUCH-CHARSET") != NULL);
  fs_give ((void **) &got);
  got = searched_bits (stream);
  CHECK_STREQ (got, "");
  fs_give ((void **) &got);
  /* no program */
  e = nerrors;
  CHECK (!mail_search_full (stream, NIL, NIL, SE_FREE));
  CHECK_INTEQ (nerrors, e + 1);
  /* the mail_search() macro */
  buf_reset (&hits);
  mail_search (stream, "FROM joe");
  CHECK_STREQ (buf_cstr (&hits), "1");
  /* searching never set \Seen */
  for (i = 1; i <= stream->nmsgs; i++)
    CHECK_INTEQ (mail_elt (stream, i)->seen, strchr (box[i - 1].flags, 'S') != NULL);
  /* mail_search_msg on bad numbers */
  p = mail_newsearchpgm ();
  CHECK (!mail_search_msg (stream, 0, NIL, p));
  CHECK (!mail_search_msg (stream, NBOX + 1, NIL, p));
  CHECK (mail_search_msg (stream, 1, NIL, p));
  CHECK (!mail_search_msg (NIL, 1, NIL, p));
  mail_free_searchpgm (&p);
  /* section: search inside the attached message of message 3 */
  p = crit ("SUBJECT inner");
  CHECK (mail_search_msg (stream, 3, "3", p));
  CHECK (!mail_search_msg (stream, 3, NIL, p));
  mail_free_searchpgm (&p);
  p = crit ("BODY \"inner body\"");
  CHECK (mail_search_msg (stream, 3, "3", p));
  mail_free_searchpgm (&p);
  p = crit ("BODY Secret");
  CHECK (!mail_search_msg (stream, 3, "3", p));
  mail_free_searchpgm (&p);
}

/* ---- keys folded and sets indexed once per search ---- */

/* op: 'a' = a alone (mail_criteria ANDs its keys), 'o' = OR a b,
 * 'n' = NOT a, 'N' = OR (NOT a) (NOT b), 'h' = HEADER X-Spam yes AND
 * OR a b */
static const struct {
  char op;
  const char *a, *b, *charset, *expect;
} multi_cases[] = {
  { 'o', "BODY PARIS", "BODY LAIT", NULL, "1 2" },
  { 'a', "BODY pArIs TEXT hello FROM JOE", NULL, NULL, "1" },
  { 'a', "BODY pArIs TEXT hello FROM ZED", NULL, NULL, "" },
  { 'o', "TEXT \"HELLO WORLD\"", "SUBJECT DOCUMENTS", NULL, "1 3 4 6" },
  { 'n', "BODY PARIS", NULL, NULL, "2 3 4 5 6" },
  { 'N', "BODY paris", "SUBJECT hello", NULL, "2 3 4 5 6" },
  { 'N', "BODY paris", "SUBJECT HELLO", NULL, "2 3 4 5 6" },
  { 'o', "SUBJECT \"CAF\xc9\"", "BODY \"TR\xc8S\"", "ISO-8859-1", "2" },
  { 'a', "BODY \"TR\xc8S\" BODY MERCI SUBJECT \"cr\xe8me\"", NULL,
    "ISO-8859-1", "2" },
  { 'o', "BODY \"GR\xc3\x9c\xc3\x9f" "E\"", "BODY \"tr\xc3\xa8s\"", "UTF-8",
    "2 4" },
  { 'h', "BODY Secret", "BODY SECRET", NULL, "" },
  { 'h', "BODY sEcReT", "TEXT m\xc3\xbcNCHEN", NULL, "4" },
};

static SEARCHPGM *multi_pgm (size_t i)
{
  SEARCHPGM *p;
  switch (multi_cases[i].op) {
  case 'o': return or_of (crit (multi_cases[i].a), crit (multi_cases[i].b));
  case 'n': return not_of (crit (multi_cases[i].a));
  case 'N':
    return or_of (not_of (crit (multi_cases[i].a)),
		  not_of (crit (multi_cases[i].b)));
  case 'h':
    p = or_of (crit (multi_cases[i].a), crit (multi_cases[i].b));
    p->header = mail_newsearchheader ("X-SPAM", "YES");
    return p;
  }
  return crit (multi_cases[i].a);
}

/* Keys the search prepares (folds once) must still match as when folded
 * per message: several keys, messages, cases and charsets at once */
static void test_multi_keys (MAILSTREAM *stream)
{
  size_t i;
  for (i = 0; i < sizeof multi_cases / sizeof multi_cases[0]; i++) {
    char *got = run (stream, (char *) multi_cases[i].charset, multi_pgm (i),
		     NIL);
    if (!CHECK_STREQ (got, multi_cases[i].expect))
      printf ("  case %zu: %s\n", i, multi_cases[i].a);
    fs_give ((void **) &got);
  }
}

/* Two keys on the same text but of different lengths are different keys;
 * a reused program keeps its own (unfolded) strings */
static void test_shared_key_text (MAILSTREAM *stream)
{
  SEARCHPGM *p = mail_newsearchpgm ();
  STRINGLIST *a = mail_newstringlist (), *b = mail_newstringlist ();
  char *text = cpystr ("PARIS NOWHERE");
  char *got;

  a->text.data = b->text.data = (unsigned char *) text;
  a->text.size = 5;			/* "PARIS" */
  b->text.size = 13;			/* "PARIS NOWHERE" */
  p->body = a;
  CHECK (mail_search_full (stream, NIL, p, NIL));
  got = searched_bits (stream);
  CHECK_STREQ (got, "1");
  fs_give ((void **) &got);
  a->next = b;				/* both: the longer one fails */
  CHECK (mail_search_full (stream, NIL, p, NIL));
  got = searched_bits (stream);
  CHECK_STREQ (got, "");
  fs_give ((void **) &got);
  a->next = NIL;
  p->body = b;				/* the longer alone */
  CHECK (mail_search_full (stream, NIL, p, NIL));
  got = searched_bits (stream);
  CHECK_STREQ (got, "");
  fs_give ((void **) &got);
  p->body = a;				/* the shorter again */
  CHECK (mail_search_full (stream, NIL, p, NIL));
  got = searched_bits (stream);
  CHECK_STREQ (got, "1");
  fs_give ((void **) &got);
  CHECK_STREQ (text, "PARIS NOWHERE");	/* not folded in place */
  p->body = NIL;
  mail_free_searchpgm (&p);
  fs_give ((void **) &a);
  fs_give ((void **) &b);
  fs_give ((void **) &text);
}

/* Long keys: message 4 holds 5999 'x' in a row */
static void test_long_keys (MAILSTREAM *stream)
{
  static const struct { unsigned long n; int mixed; const char *expect; }
  cases[] = {
    { 5000, 0, "4" }, { 5999, 1, "4" }, { 6000, 0, "" }, { 200000, 1, "" },
  };
  size_t k;
  for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    SEARCHPGM *p = mail_newsearchpgm ();
    unsigned long i;
    char *got;
    p->body = mail_newstringlist ();
    p->body->text.data = fs_get (cases[k].n + 1);
    for (i = 0; i < cases[k].n; i++)
      p->body->text.data[i] = (cases[k].mixed && i % 2) ? 'x' : 'X';
    p->body->text.data[i] = '\0';
    p->body->text.size = cases[k].n;
    p->text = sl ("zed@example.com");	/* a second, short key */
    got = run (stream, NIL, p, NIL);
    if (!CHECK_STREQ (got, cases[k].expect)) printf ("  key of %lu\n", cases[k].n);
    fs_give ((void **) &got);
  }
}

/* Sets as an application builds them (any order, overlapping, backwards,
 * "*"), in OR and NOT too: the search agrees with seqset_contains() */
static void test_set_index (MAILSTREAM *stream)
{
  unsigned long seed = 99, round, bad = 0;
  static const unsigned long nums[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 0xffffffff, UID (1), UID (2), UID (4), UID (6),
    UID (6) + 1, 155
  };
  const size_t nn = sizeof nums / sizeof nums[0];
  for (round = 0; round < 300; round++) {
    SEARCHSET *sets[3];
    SEARCHPGM *p;
    unsigned long i, k, maxuid = mail_uid (stream, stream->nmsgs);
    char *got;
    struct buf want = BUF_INIT;
    for (k = 0; k < 3; k++) {
      SEARCHSET **tail = &sets[k];
      unsigned long nr = 1 + (round + k) % 5;
      *tail = NIL;
      for (i = 0; i < nr; i++) {
	seed = seed * 6364136223846793005UL + 1442695040888963407UL;
	*tail = set (nums[(seed >> 33) % nn],
		     (seed >> 21) % 3 ? nums[(seed >> 41) % nn] : 0);
	tail = &(*tail)->next;
      }
    }
    /* msgno in sets[0], and (uid in sets[1] or not msgno in sets[2]) */
    buf_puts (&want, "");
    for (i = 1; i <= stream->nmsgs; i++)
      if (seqset_contains (sets[0], i, stream->nmsgs) &&
	  (seqset_contains (sets[1], mail_uid (stream, i), maxuid) ||
	   !seqset_contains (sets[2], i, stream->nmsgs)))
	buf_printf (&want, "%s%lu", want.len ? " " : "", i);
    p = mail_newsearchpgm ();
    p->msgno = sets[0];
    p->or = mail_newsearchor ();
    p->or->first->uid = sets[1];
    p->or->second->not = mail_newsearchpgmlist ();
    p->or->second->not->pgm->msgno = sets[2];
    got = run (stream, NIL, p, NIL);
    if (strcmp (got, want.data)) bad++;
    fs_give ((void **) &got);
    buf_free (&want);
  }
  CHECK_INTEQ (bad, 0);
}

/* A search started from mm_searched while another runs uses its own keys;
 * the outer search goes on with its own */
static void test_nested_search (MAILSTREAM *stream)
{
  char *got;
  buf_reset (&nest_hits);
  buf_puts (&nest_hits, "");
  nest_pgm = crit ("BODY LAIT");
  got = run (stream, NIL, or_of (crit ("BODY PARIS"), crit ("BODY MERCI")),
	     NIL);
  CHECK_STREQ (got, "1 2");
  CHECK_STREQ (nest_hits.data, "1:n 2:y");
  fs_give ((void **) &got);
  mail_free_searchpgm (&nest_pgm);
  /* the same key text in both: still right */
  buf_reset (&nest_hits);
  buf_puts (&nest_hits, "");
  nest_pgm = crit ("SUBJECT HELLO");
  got = run (stream, NIL, crit ("BODY PARIS"), NIL);
  CHECK_STREQ (got, "1");
  CHECK_STREQ (nest_hits.data, "1:y");
  fs_give ((void **) &got);
  mail_free_searchpgm (&nest_pgm);
  buf_free (&nest_hits);
}

/* Nesting: a program LIM_SEARCH_DEPTH deep works, deeper fails cleanly */
static void test_search_depth (MAILSTREAM *stream)
{
  static const unsigned long depths[] = { 99, 100, 101, 10000 };
  size_t k;
  for (k = 0; k < sizeof depths / sizeof depths[0]; k++) {
    SEARCHPGM *p = crit ("SEEN");
    unsigned long i;
    int e = nerrors;
    char *got;
    for (i = 0; i < depths[k]; i++) p = not_of (p);
    got = run (stream, NIL, p, NIL);
    if (depths[k] <= LIM_SEARCH_DEPTH) {
      CHECK_STREQ (got, (depths[k] % 2) ? "2 3 4 6" : "1 5");
      CHECK_INTEQ (nerrors, e);
    }
    else {
      CHECK_STREQ (got, "FAIL");
      CHECK_INTEQ (nerrors, e + 1);
      CHECK (strstr (lastlog, "too complex") != NULL);
    }
    fs_give ((void **) &got);
  }
  {				/* too many keys at one level */
    SEARCHPGM *p = mail_newsearchpgm ();
    STRINGLIST **t = &p->subject;
    unsigned long i;
    int e = nerrors;
    char *got;
    for (i = 0; i <= LIM_SEARCH_KEYS; i++, t = &(*t)->next) *t = sl ("x");
    got = run (stream, NIL, p, NIL);
    CHECK_STREQ (got, "FAIL");
    CHECK_INTEQ (nerrors, e + 1);
    fs_give ((void **) &got);
  }
}

static void test_search_helpers (MAILSTREAM *stream)
{
  STRINGLIST *a = sl ("bob"), *b = sl ("EXAMPLE.NET");
  STRINGLIST *st;
  ADDRESS *adr = mail_newaddr ();
  SIZEDTEXT t;

  a->next = b;
  adr->personal = cpystr ("Bob B");
  adr->mailbox = cpystr ("bob");
  adr->host = cpystr ("example.net");
  CHECK (mail_search_addr (adr, a));
  CHECK (!mail_search_addr (NIL, a));
  CHECK (mail_search_header_text ("x =?utf-8?q?BOB?= example.net", a));
  CHECK (!mail_search_header_text ("bob", a));
  CHECK (!mail_search_header_text (NIL, a));
  t.data = (unsigned char *) "Subject: a\r\n folded\r\n";
  t.size = strlen ((char *) t.data);
  st = sl ("a folded");
  CHECK (mail_search_header (&t, st));
  mail_free_stringlist (&st);
  /* mail_search_string strikes found keys and reports when none are left */
  st = mail_newstringlist ();
  st->text = a->text;		/* shallow, as UW's callers build them */
  st->next = mail_newstringlist ();
  st->next->text = b->text;
  t.data = (unsigned char *) "contact Bob";
  t.size = strlen ((char *) t.data);
  CHECK (!mail_search_string (&t, NIL, &st));
  CHECK (st && !st->next && st->text.data == b->text.data);
  t.data = (unsigned char *) "at example.net";
  t.size = strlen ((char *) t.data);
  CHECK (mail_search_string (&t, NIL, &st));
  CHECK (st == NIL);
  mail_free_stringlist (&a);
  mail_free_address (&adr);
  {
    MESSAGECACHE *elt = mail_elt (stream, 2);
    STRINGLIST *k = sl ("$WORK");
    CHECK (mail_search_keyword (stream, elt, k, T));
    CHECK (!mail_search_keyword (stream, elt, k, NIL));
    mail_free_stringlist (&k);
  }
}

/* ---- SORT ---- */

static SORTPGM *sortpgm (const char *spec)
{
  static const char *names[] = { "DATE", "ARRIVAL", "FROM", "SUBJECT", "TO",
				 "CC", "SIZE" };
  SORTPGM *ret = NIL, **tail = &ret;
  char *copy = cpystr (spec), *w, *save = NIL;
  int reverse = 0;
  for (w = strtok_r (copy, " ", &save); w; w = strtok_r (NIL, " ", &save)) {
    int f;
    if (!strcmp (w, "REVERSE")) {
      reverse = 1;
      continue;
    }
    for (f = 0; f < 7 && strcmp (w, names[f]); f++);
    *tail = mail_newsortpgm ();
    (*tail)->function = (short) f;
    (*tail)->reverse = reverse;
    reverse = 0;
    tail = &(*tail)->next;
  }
  fs_give ((void **) &copy);
  return ret;
}

static char *list_text (unsigned long *l)
{
  struct buf b = BUF_INIT;
  buf_puts (&b, "");
  if (!l) return cpystr ("FAIL");
  for (; *l; l++) buf_printf (&b, "%s%lu", b.len ? " " : "", *l);
  return buf_detach (&b);
}

static const struct {
  const char *keys;
  const char *spg;		/* criteria or NULL */
  long flags;
  const char *expect;
} sort_cases[] = {
  { "ARRIVAL", NULL, 0, "6 1 2 3 4 5" },
  { "DATE", NULL, 0, "1 6 2 3 5 4" },	/* zones applied; no Date: arrival */
  { "REVERSE DATE", NULL, 0, "4 5 3 2 6 1" },
  { "FROM", NULL, 0, "5 6 2 3 1 4" },
  { "TO", NULL, 0, "4 5 1 3 2 6" },
  { "CC", NULL, 0, "2 3 4 5 6 1" },
  { "SUBJECT", NULL, 0, "5 2 3 1 4 6" },
  { "SUBJECT DATE", NULL, 0, "5 2 3 1 6 4" },
  { "REVERSE SUBJECT", NULL, 0, "1 4 6 3 2 5" },	/* ties not reversed */
  { "REVERSE SUBJECT REVERSE DATE", NULL, 0, "4 6 1 3 2 5" },
  { "SUBJECT", "UNSEEN", 0, "2 3 4 6" },
  { "SUBJECT", "UNSEEN", SE_UID, "120 130 140 160" },
  { "DATE", "SUBJECT nothing-matches", 0, "" },
  { "ARRIVAL", "KEYWORD $Work", SE_UID, "120" },
};

static void test_sort (MAILSTREAM *stream)
{
  size_t i;
  for (i = 0; i < sizeof sort_cases / sizeof sort_cases[0]; i++) {
    SORTPGM *pgm = sortpgm (sort_cases[i].keys);
    SEARCHPGM *spg = sort_cases[i].spg ? crit (sort_cases[i].spg) : NIL;
    unsigned long *l = mail_sort (stream, NIL, spg, pgm,
				  sort_cases[i].flags | SE_FREE | SO_FREE);
    char *got = list_text (l);
    if (!CHECK_STREQ (got, sort_cases[i].expect))
      printf ("  sort: %s\n", sort_cases[i].keys);
    fs_give ((void **) &got);
    if (l) fs_give ((void **) &l);
  }
  {				/* SIZE, against sizes computed here */
    unsigned long order[NBOX], i2, j, *l;
    struct buf b = BUF_INIT;
    char *got;
    for (i2 = 0; i2 < NBOX; i2++) order[i2] = i2 + 1;
    for (i2 = 1; i2 < NBOX; i2++)
      for (j = i2; j > 0 && strlen (msg_text (order[j - 1])) >
	     strlen (msg_text (order[j])); j--) {
	unsigned long t = order[j];
	order[j] = order[j - 1];
	order[j - 1] = t;
      }
    for (i2 = 0; i2 < NBOX; i2++)
      buf_printf (&b, "%s%lu", i2 ? " " : "", order[i2]);
    l = mail_sort (stream, NIL, NIL, sortpgm ("SIZE"), SO_FREE);
    got = list_text (l);
    CHECK_STREQ (got, b.data);
    fs_give ((void **) &got);
    fs_give ((void **) &l);
    buf_free (&b);
  }
  {				/* errors */
    SORTPGM *bad = mail_newsortpgm ();
    int e = nerrors;
    bad->function = 99;
    CHECK (mail_sort (stream, NIL, NIL, bad, SO_FREE) == NIL);
    CHECK_INTEQ (nerrors, e + 1);
    CHECK (mail_sort (stream, NIL, NIL, NIL, NIL) == NIL);
    CHECK (mail_sort (stream, "X-BAD", crit ("ALL"), sortpgm ("DATE"),
		      SE_FREE | SO_FREE) == NIL);
    CHECK (strstr (lastlog, "X-BAD") != NULL);
  }
  {				/* the driver's .sort slot comes first */
    unsigned long *l, before = sort_calls;
    testdriver.sort = td_sort;
    l = mail_sort (stream, NIL, NIL, sortpgm ("ARRIVAL"), SO_FREE);
    testdriver.sort = NIL;
    CHECK_INTEQ (sort_calls, before + 1);
    CHECK (l && l[0] == 6);
    if (l) fs_give ((void **) &l);
  }
  {				/* a driver's .search selects for SORT, silently */
    unsigned long *l, before = search_calls;
    char *got;
    testdriver.search = td_search;
    buf_reset (&hits);
    l = mail_sort (stream, NIL, crit ("SEEN"), sortpgm ("REVERSE ARRIVAL"),
		   SE_FREE | SO_FREE);
    testdriver.search = NIL;
    CHECK_INTEQ (search_calls, before + 1);
    got = list_text (l);
    CHECK_STREQ (got, "5 1");
    CHECK_STREQ (buf_cstr (&hits), "");
    CHECK (!stream->silent);
    fs_give ((void **) &got);
    fs_give ((void **) &l);
  }
  /* sorting announces nothing through mm_searched */
  buf_reset (&hits);
  {
    unsigned long *l = mail_sort (stream, NIL, crit ("ALL"), sortpgm ("DATE"),
				  SE_FREE | SO_FREE);
    CHECK_STREQ (buf_cstr (&hits), "");
    fs_give ((void **) &l);
  }
}

/* ---- THREAD ---- */

static const struct {
  const char *type;
  const char *spg;
  long flags;
  const char *expect;
} thread_cases[] = {
  { "REFERENCES", NULL, 0, "(1 (6)(2 3)(4))(5)" },
  { "references", NULL, 0, "(1 (6)(2 3)(4))(5)" },
  { "REFERENCES", NULL, SE_UID, "(110 (160)(120 130)(140))(150)" },
  { "REFERENCES", "UNSEEN", 0, "((6)(2 3)(4))" },
  { "ORDEREDSUBJECT", NULL, 0, "(1 (6)(4))(2)(3)(5)" },
  { "OrderedSubject", "UNDELETED", 0, "(1 (6)(4))(2)(5)" },
  { "REFERENCES", "SUBJECT nothing-matches", 0, "" },
};

static void test_thread (MAILSTREAM *stream)
{
  size_t i;
  int e;
  for (i = 0; i < sizeof thread_cases / sizeof thread_cases[0]; i++) {
    SEARCHPGM *spg = thread_cases[i].spg ? crit (thread_cases[i].spg) : NIL;
    THREADNODE *t = mail_thread (stream, (char *) thread_cases[i].type, NIL,
				 spg, thread_cases[i].flags | SE_FREE);
    char *got = thread_render (t);
    if (!CHECK_STREQ (got, thread_cases[i].expect))
      printf ("  thread: %s %s\n", thread_cases[i].type,
	      thread_cases[i].spg ? thread_cases[i].spg : "");
    fs_give ((void **) &got);
    mail_free_threadnode (&t);
  }
  {				/* the driver's .thread slot comes first */
    unsigned long before = thread_calls;
    testdriver.thread = td_thread;
    CHECK (mail_thread (stream, "REFERENCES", NIL, crit ("ALL"), SE_FREE)
	   == NIL);
    testdriver.thread = NIL;
    CHECK_INTEQ (thread_calls, before + 1);
  }
  e = nerrors;
  CHECK (mail_thread (stream, "NOSUCH", NIL, NIL, NIL) == NIL);
  CHECK_INTEQ (nerrors, e + 1);
  CHECK (strstr (lastlog, "NOSUCH") != NULL);
  CHECK (mail_thread (stream, NIL, NIL, NIL, NIL) == NIL);
  e = nerrors;
  CHECK (mail_thread (stream, "REFERENCES", "X-BAD", crit ("ALL"), SE_FREE)
	 == NIL);
  CHECK_INTEQ (nerrors, e + 1);
}

/* ---- hostile messages ---- */

static void test_hostile (void)
{
  struct tmsg h[6];
  struct buf b = BUF_INIT;
  MAILSTREAM *stream;
  unsigned long i, *l;
  THREADNODE *t;
  char *got;
  int k;

  memset (h, 0, sizeof h);
  for (k = 0; k < 6; k++) {
    h[k].idate = "01-Feb-2019 10:00:00 +0000";
    h[k].flags = "";
  }
  /* 1: multiparts nested 200 deep, the needle at the bottom */
  buf_puts (&b, "Subject: deep\r\nContent-Type: multipart/mixed; "
	    "boundary=\"b0\"\r\n\r\n");
  for (i = 1; i < 200; i++)
    buf_printf (&b, "--b%lu\r\nContent-Type: multipart/mixed; "
		"boundary=\"b%lu\"\r\n\r\n", i - 1, i);
  buf_puts (&b, "--b199\r\nContent-Type: text/plain\r\n\r\nDEEPNEEDLE\r\n");
  for (i = 200; i-- > 0;) buf_printf (&b, "--b%lu--\r\n", i);
  h[0].text = buf_detach (&b);
  /* 2: a 200k folded Subject and 20000 References */
  buf_puts (&b, "Subject: Re:");
  for (i = 0; i < 20000; i++) buf_puts (&b, " word\r\n");
  buf_puts (&b, " LASTWORD\r\nMessage-ID: <h2@x>\r\nReferences:");
  for (i = 0; i < 20000; i++) buf_printf (&b, " <r%lu@x>\r\n", i);
  buf_puts (&b, " <h1@x>\r\n\r\nbody\r\n");
  h[1].text = buf_detach (&b);
  /* 3: broken base64, unknown charset, no blank line before EOF */
  h[2].text = "Subject: junk\r\nContent-Type: text/plain; charset=x-no-such\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n%%%% not base64 JUNKWORD ====\r\n";
  /* 4: nothing at all */
  h[3].text = "";
  /* 5: header only, no body, no terminating newline */
  h[4].text = "Subject: bare";
  /* 6: a reference loop through Message-IDs and a self reference */
  h[5].text = "Message-ID: <h1@x>\r\nReferences: <h2@x> <h1@x>\r\n"
    "Subject: loop\r\n\r\nx\r\n";

  cur = h;
  ncur = 6;
  stream = mail_open (NIL, "#test", NIL);
  if (CHECK (stream != NIL)) {
    got = run (stream, NIL, crit ("BODY DEEPNEEDLE"), NIL);
    CHECK (strcmp (got, "FAIL") != 0);	/* no crash; depth is the parser's */
    fs_give ((void **) &got);
    got = run (stream, NIL, crit ("SUBJECT \"word word LASTWORD\""), NIL);
    CHECK_STREQ (got, "2");
    fs_give ((void **) &got);
    got = run (stream, NIL, crit ("BODY JUNKWORD"), NIL);
    CHECK_STREQ (got, "3");		/* undecodable: searched raw */
    fs_give ((void **) &got);
    got = run (stream, NIL, crit ("TEXT bare"), NIL);
    CHECK_STREQ (got, "5");
    fs_give ((void **) &got);
    got = run (stream, NIL, crit ("TEXT \"\""), NIL);
    CHECK_STREQ (got, "1 2 3 4 5 6");
    fs_give ((void **) &got);
    l = mail_sort (stream, NIL, NIL, sortpgm ("SUBJECT"), SO_FREE);
    got = list_text (l);
    CHECK_STREQ (got, "4 5 1 3 6 2");	/* "", BARE, DEEP, JUNK, LOOP, WORD.. */
    fs_give ((void **) &got);
    fs_give ((void **) &l);
    t = mail_thread (stream, "REFERENCES", NIL, NIL, NIL);
    got = thread_render (t);
    /* 6 (h1) and 2 (h2) reference each other: 2 ends up under 6 */
    CHECK_STREQ (got, "(1)(3)(4)(5)(6 2)");
    fs_give ((void **) &got);
    mail_free_threadnode (&t);
    mail_close (stream);
  }
  cur = box;
  ncur = NBOX;
  fs_give ((void **) &h[0].text);
  fs_give ((void **) &h[1].text);
}

int main (void)
{
  MAILSTREAM *stream;
  struct buf b = BUF_INIT;

  memset (filler, 'x', sizeof filler - 1);
  buf_puts (&b, "From: zed@example.com\r\n"
	    "Subject: [list] Fwd: Hello world\r\n"
	    "X-Spam: yes\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "\r\n"
	    "Gr\xc3\xbc\xc3\x9f" "e aus M\xc3\xbcnchen\r\n");
  buf_puts (&b, filler);
  buf_puts (&b, "\r\n");
  box[3].text = m4text = buf_detach (&b);

  mail_link (&testdriver);
  stream = mail_open (NIL, "#test", NIL);
  if (!CHECK (stream != NIL)) return unit_done ();
  CHECK_INTEQ (stream->nmsgs, NBOX);
  test_criteria_search (stream);
  test_built_search (stream);
  test_search_options (stream);
  test_search_depth (stream);
  test_search_helpers (stream);
  test_multi_keys (stream);
  test_shared_key_text (stream);
  test_long_keys (stream);
  test_set_index (stream);
  test_nested_search (stream);
  test_sort (stream);
  test_thread (stream);
  mail_close (stream);
  /* the same with a short cache: one message's texts at a time */
  stream = mail_open (NIL, "#test", OP_SHORTCACHE);
  if (CHECK (stream != NIL)) {
    test_criteria_search (stream);
    test_multi_keys (stream);
    test_sort (stream);
    test_thread (stream);
    mail_close (stream);
  }
  test_hostile ();
  fs_give ((void **) &m4text);
  buf_free (&hits);
  return unit_done ();
}

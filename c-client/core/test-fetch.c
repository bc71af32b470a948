/*
 * Unit tests: open/fetch/flag/expunge/copy/append/status dispatch through
 * an in-memory driver ("mem:NAME" mailboxes, and INBOX), so core is tested
 * without the mbox driver.  Structures come from proto's parser.
 */
#include <string.h>
#include <stdlib.h>
#include "unit.h"
#include "test-fs.h"
#include "core.h"

/* ---------------------------------------------------------------------- */
/* The in-memory driver                                                    */

#define MAXMSG 32
struct mmsg {
  char *hdr, *text;
  unsigned long uid, kw;
  unsigned int seen : 1, deleted : 1, flagged : 1, answered : 1, draft : 1;
};
struct mbox {
  char *name;			/* NIL: slot free */
  struct mmsg m[MAXMSG];
  unsigned long n, uidnext;
};
static struct mbox boxes[8];
static int flagmsg_pre, flagmsg_post, flag_calls, header_calls, text_calls;

static DRIVER memdriver;
static MAILSTREAM memproto = { .dtb = &memdriver };

static struct mbox *box_find (const char *name)
{
  int i;
  for (i = 0; i < 8; i++)
    if (boxes[i].name && !strcasecmp (boxes[i].name, name)) return &boxes[i];
  return NIL;
}

static struct mbox *box_new (const char *name)
{
  int i;
  for (i = 0; i < 8; i++)
    if (!boxes[i].name) {
      memset (&boxes[i], 0, sizeof boxes[i]);
      boxes[i].name = cpystr (name);
      boxes[i].uidnext = 1;
      return &boxes[i];
    }
  return NIL;
}

static void box_add (struct mbox *b, const char *hdr, const char *text)
{
  struct mmsg *m = &b->m[b->n++];
  memset (m, 0, sizeof *m);
  m->hdr = cpystr (hdr);
  m->text = cpystr (text);
  m->uid = b->uidnext++;
}

static void box_drop (struct mbox *b, unsigned long i)	/* 0-based */
{
  fs_give ((void **) &b->m[i].hdr);
  fs_give ((void **) &b->m[i].text);
  memmove (&b->m[i], &b->m[i + 1], (b->n - i - 1) * sizeof (struct mmsg));
  b->n--;
}

static void box_free_all (void)
{
  int i;
  for (i = 0; i < 8; i++)
    if (boxes[i].name) {
      while (boxes[i].n) box_drop (&boxes[i], 0);
      fs_give ((void **) &boxes[i].name);
    }
}

static DRIVER *mem_valid (char *name)
{
  return box_find (name) ? &memdriver : NIL;
}

static MAILSTREAM *mem_open (MAILSTREAM *stream)
{
  struct mbox *b;
  unsigned long i;
  MESSAGECACHE *elt;
  if (!stream) return &memproto;
  if (!(b = box_find (stream->mailbox))) {
    mail_log (stream, ERROR, "no such mem box %s", stream->mailbox);
    return NIL;
  }
  stream->local = b;
  stream->perm_seen = stream->perm_deleted = stream->perm_flagged =
    stream->perm_answered = stream->perm_draft = stream->kwd_create = T;
  stream->uid_validity = 42;
  mail_exists (stream, b->n);
  for (i = 1; i <= b->n; i++) {
    elt = mail_elt (stream, i);
    elt->private.uid = b->m[i - 1].uid;
    elt->seen = b->m[i - 1].seen;
    elt->deleted = b->m[i - 1].deleted;
    elt->flagged = b->m[i - 1].flagged;
    elt->user_flags = b->m[i - 1].kw;
    elt->valid = T;
    elt->rfc822_size = strlen (b->m[i - 1].hdr) + strlen (b->m[i - 1].text);
    elt->day = 23; elt->month = 11; elt->year = 2026 - BASEYEAR;
  }
  stream->uid_last = b->uidnext - 1;
  mail_recent (stream, b->n ? 1 : 0);
  return stream;
}

static void mem_close (MAILSTREAM *stream, long options)
{
  if (options & CL_EXPUNGE) mail_expunge (stream);
  stream->local = NIL;
}

static char *mem_header (MAILSTREAM *stream, unsigned long msgno,
			 unsigned long *len, long flags)
{
  struct mbox *b = stream->local;
  header_calls++;
  *len = strlen (b->m[msgno - 1].hdr);
  return b->m[msgno - 1].hdr;
}

static long mem_text (MAILSTREAM *stream, unsigned long msgno, STRING *bs,
		      long flags)
{
  struct mbox *b = stream->local;
  text_calls++;
  INIT (bs, mail_string, b->m[msgno - 1].text, strlen (b->m[msgno - 1].text));
  return T;
}

static void mem_flagmsg (MAILSTREAM *stream, MESSAGECACHE *elt)
{
  struct mbox *b = stream->local;
  struct mmsg *m = &b->m[elt->msgno - 1];
  if (!elt->valid) { flagmsg_pre++; return; }
  flagmsg_post++;
  m->seen = elt->seen; m->deleted = elt->deleted; m->flagged = elt->flagged;
  m->answered = elt->answered; m->draft = elt->draft; m->kw = elt->user_flags;
}

static void mem_flag (MAILSTREAM *stream, char *seq, char *flag, long flags)
{
  flag_calls++;
}

static long mem_expunge (MAILSTREAM *stream, char *sequence, long options)
{
  struct mbox *b = stream->local;
  unsigned long i, n = 0;
  if (sequence && !mail_sequence (stream, (unsigned char *) sequence)) return NIL;
  for (i = 1; i <= stream->nmsgs;) {
    MESSAGECACHE *elt = mail_elt (stream, i);
    if (elt->deleted && (!sequence || elt->sequence)) {
      box_drop (b, i - 1);
      mail_expunged (stream, i);
      n++;
    }
    else i++;
  }
  mail_log (stream, NIL, "Expunged %lu messages", n);
  return T;
}

static long mem_ping (MAILSTREAM *stream) { return stream->local != NIL; }

static long mem_append (MAILSTREAM *stream, char *mailbox, append_t af,
			void *data)
{
  struct mbox *b = box_find (mailbox);
  char *flags, *date, *t, *sep;
  STRING *msg;
  unsigned long i, size;
  if (!b) {
    mail_notify (stream, NIL, "[TRYCREATE] Must create mailbox before append");
    return NIL;
  }
  for (;;) {
    if (!(*af) (stream, data, &flags, &date, &msg)) return NIL;
    if (!msg) return T;
    size = SIZE (msg);
    t = fs_get (size + 1);
    for (i = 0; i < size; i++) t[i] = SNX (msg);
    t[size] = '\0';
    if ((sep = strstr (t, "\r\n\r\n"))) {
      char c = sep[4];
      sep[4] = '\0';
      box_add (b, t, "");
      sep[4] = c;
      fs_give ((void **) &b->m[b->n - 1].text);
      b->m[b->n - 1].text = cpystr (sep + 4);
    }
    else box_add (b, t, "");
    if (flags && strstr (flags, "\\Seen")) b->m[b->n - 1].seen = T;
    if (flags && strstr (flags, "\\Flagged")) b->m[b->n - 1].flagged = T;
    fs_give ((void **) &t);
  }
}

static long mem_create (MAILSTREAM *stream, char *mailbox)
{
  if (box_find (mailbox)) {
    mail_log (stream, ERROR, "Can't create %s: exists", mailbox);
    return NIL;
  }
  return box_new (mailbox) ? T : NIL;
}

static long mem_delete (MAILSTREAM *stream, char *mailbox)
{
  struct mbox *b = box_find (mailbox);
  if (!b) return NIL;
  while (b->n) box_drop (b, 0);
  fs_give ((void **) &b->name);
  return T;
}

static int list_calls;
static void mem_list (MAILSTREAM *stream, char *ref, char *pat)
{
  int i;
  list_calls++;
  for (i = 0; i < 8; i++)
    if (boxes[i].name && pmatch_full ((unsigned char *) boxes[i].name,
				      (unsigned char *) pat, '/'))
      mail_list_cb (stream, '/', boxes[i].name, LATT_NOINFERIORS);
}

static DRIVER memdriver = {
  .name = "mem", .flags = DR_LOCAL | DR_MAIL,
  .valid = mem_valid, .open = mem_open, .close = mem_close,
  .header = mem_header, .text = mem_text, .flagmsg = mem_flagmsg,
  .expunge = mem_expunge, .ping = mem_ping, .append = mem_append,
  .create = mem_create, .mbxdel = mem_delete, .list = mem_list,
};

/* ---------------------------------------------------------------------- */
/* Events                                                                  */

static struct {
  int exists, expunged, flags, log, notify, status, errors, list, lsub;
  unsigned long last_expunged, last_flags;
  MAILSTATUS st;
  char text[MAILTMPLEN];
} ev;

static void c_exists (MAILSTREAM *s, unsigned long n) { ev.exists++; }
static void c_expunged (MAILSTREAM *s, unsigned long n)
{ ev.expunged++; ev.last_expunged = n; }
static void c_flags (MAILSTREAM *s, unsigned long n) { ev.flags++; ev.last_flags = n; }
static void c_log (MAILSTREAM *s, char *t, long e)
{
  ev.log++;
  if (e == ERROR) ev.errors++;
  snprintf (ev.text, sizeof ev.text, "%s", t);
}
static void c_notify (MAILSTREAM *s, char *t, long e)
{
  ev.notify++;
  snprintf (ev.text, sizeof ev.text, "%s", t);
}
static void c_status (MAILSTREAM *s, char *m, MAILSTATUS *st)
{
  ev.status++;
  ev.st = *st;
}
static void c_list (MAILSTREAM *s, int d, char *n, long a) { ev.list++; }
static void c_lsub (MAILSTREAM *s, int d, char *n, long a)
{
  ev.lsub++;
  snprintf (ev.text, sizeof ev.text, "%s", n);
}
static struct mail_callbacks cbs = {
  .list = c_list, .lsub = c_lsub,
  .exists = c_exists, .expunged = c_expunged, .flags = c_flags,
  .log = c_log, .notify = c_notify, .status = c_status,
};

/* ---------------------------------------------------------------------- */
/* Test messages                                                            */

static const char H1[] =
  "From: Fred Foo <fred@example.com>\r\n"
  "To: a@b.example\r\n"
  "Subject: Hello world\r\n"
  "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
  "Message-ID: <1@x>\r\n"
  "\r\n";
static const char T1[] = "Line one\r\nLine two\r\n";

static const char H2[] =
  "From: a@b.example\r\n"
  "Subject: multi\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
  "\r\n";
static const char T2[] =
  "preamble\r\n"
  "--XX\r\n"
  "Content-Type: text/plain\r\n"
  "\r\n"
  "part one\r\n"
  "--XX\r\n"
  "Content-Type: message/rfc822\r\n"
  "\r\n"
  "From: inner@c.example\r\n"
  "Subject: inner\r\n"
  "Content-Type: multipart/alternative; boundary=\"YY\"\r\n"
  "\r\n"
  "--YY\r\n"
  "Content-Type: text/plain\r\n"
  "\r\n"
  "alt plain\r\n"
  "--YY\r\n"
  "Content-Type: text/html\r\n"
  "\r\n"
  "<p>alt html</p>\r\n"
  "--YY--\r\n"
  "--XX--\r\n";

static const char H3[] = "From: joe@example.org\r\n\r\n";
static const char T3[] = "x\r\n";

static void setup (void)
{
  struct mbox *b;
  box_free_all ();
  b = box_new ("mem:box");
  box_add (b, H1, T1);
  box_add (b, H2, T2);
  box_add (b, H3, T3);
  box_new ("mem:other");
  b = box_new ("INBOX");
  box_add (b, H1, T1);
  box_add (b, H3, T3);
}

/* ---------------------------------------------------------------------- */

static void test_structure (void)
{
  MAILSTREAM *s;
  ENVELOPE *env;
  BODY *body, *b;
  setup ();
  s = mail_open (NIL, "mem:box", NIL);
  if (!CHECK (s != NIL)) return;
  CHECK_INTEQ (s->nmsgs, 3);
  CHECK (s->callbacks == &cbs);
  env = mail_fetch_structure (s, 1, &body, NIL);
  CHECK (env && env->subject && !strcmp (env->subject, "Hello world"));
  CHECK (env && env->from && !strcmp (env->from->personal, "Fred Foo"));
  CHECK (body && body->type == TYPETEXT);
  CHECK (mail_elt (s, 1)->private.msg.env == env);	/* cached in the elt */
  header_calls = 0;
  CHECK (mail_fetch_structure (s, 1, NIL, NIL) == env);	/* no re-parse */
  CHECK_INTEQ (header_calls, 0);
  env = mail_fetch_structure (s, 2, &body, NIL);
  CHECK (body && body->type == TYPEMULTIPART);
  b = mail_body (s, 2, (unsigned char *) "2");
  CHECK (b && b->type == TYPEMESSAGE && !strcmp (b->subtype, "RFC822"));
  b = mail_body (s, 2, (unsigned char *) "2.2");
  CHECK (b && b->type == TYPETEXT && !strcmp (b->subtype, "HTML"));
  CHECK (mail_body (s, 2, (unsigned char *) "1") != NIL);
  {
    BODY *b1 = NIL;
    mail_fetch_structure (s, 1, &b1, NIL);
    CHECK (b1 && mail_body (s, 1, (unsigned char *) "1") == b1);
  }
  {
    static const char *bad[] = { "", "0", "3", "1.1", "2.3", "2.1.1", ".1",
				 "1.", "1..2", "a", "01", "99999999999",
				 "2.1.1.1.1.1", "-1", "1 " };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
      if (!CHECK (mail_body (s, 2, (unsigned char *) bad[i]) == NIL))
	printf ("  section \"%s\" accepted\n", bad[i]);
  }
  CHECK (mail_fetch_structure (s, 99, NIL, NIL) == NIL);	/* logged */
  CHECK (mail_fetch_structure (s, 3, NIL, FT_UID) != NIL);	/* uid 3 */
  CHECK (mail_fetch_structure (s, 77, NIL, FT_UID) == NIL);
  mail_close (s);

  /* short cache: only the current message is kept */
  s = mail_open (NIL, "mem:box", OP_SHORTCACHE);
  env = mail_fetch_structure (s, 1, NIL, NIL);
  CHECK (env == s->env && s->msgno == 1);
  CHECK (mail_elt (s, 1)->private.msg.env == NIL);
  env = mail_fetch_structure (s, 3, NIL, NIL);
  CHECK (s->msgno == 3 && env && env->subject == NIL);
  mail_close (s);
}

/* BODYSTRUCTURE after ENVELOPE: the cached envelope stays, and the body
 * comes out as it does when it is asked for first, also from a header
 * whose Content-* fields are folded and mixed with other fields. */
static const char H4[] =
  "Content-Transfer-Encoding: 7bit\r\n"
  "From: a@b.example\r\n"
  "content-type: multipart/mixed;\r\n"
  "\tboundary=\"ZZ\"\r\n"
  "Received: by x\r\n"
  " Content-Type: text/html\r\n"
  "Content-: empty\r\n"
  "To: c@d.example\r\n"
  "Content-Description: folded\r\n"
  "  description\r\n"
  "\r\n";
static const char T4[] =
  "--ZZ\r\n"
  "Content-Type: text/plain; charset=us-ascii\r\n"
  "\r\n"
  "one\r\n"
  "--ZZ\r\n"
  "\r\n"
  "two\r\n"
  "--ZZ--\r\n";

static void test_structure_env_first (void)
{
  MAILSTREAM *s1, *s2;
  ENVELOPE *env, *env2;
  BODY *b1 = NIL, *b2 = NIL;
  unsigned long msgno;
  struct mbox *b;
  box_free_all ();
  b = box_new ("mem:ct");
  box_add (b, H4, T4);
  box_add (b, H2, T2);
  box_add (b, H1, T1);
  s1 = mail_open (NIL, "mem:ct", NIL);
  s2 = mail_open (NIL, "mem:ct", NIL);
  if (!CHECK (s1 && s2)) return;
  for (msgno = 1; msgno <= 3; msgno++) {
    env = mail_fetch_structure (s1, msgno, NIL, NIL);	/* envelope first */
    env2 = mail_fetch_structure (s1, msgno, &b1, NIL);
    CHECK (env && env2 == env);			/* kept, not parsed again */
    mail_fetch_structure (s2, msgno, &b2, NIL);	/* body first */
    if (!CHECK (b1 && b2)) continue;
    CHECK_INTEQ (b1->type, b2->type);
    CHECK_STREQ (b1->subtype, b2->subtype);
    CHECK_INTEQ (b1->encoding, b2->encoding);
    CHECK ((!b1->description && !b2->description) ||
	   (b1->description && b2->description &&
	    !strcmp (b1->description, b2->description)));
    CHECK ((!b1->parameter && !b2->parameter) ||
	   (b1->parameter && b2->parameter &&
	    !strcmp (b1->parameter->value, b2->parameter->value)));
    if (b1->type == TYPEMULTIPART) {
      PART *p1 = b1->nested.part, *p2 = b2->nested.part;
      for (; p1 && p2; p1 = p1->next, p2 = p2->next) {
	CHECK_STREQ (p1->body.subtype, p2->body.subtype);
	CHECK_INTEQ (p1->body.size.bytes, p2->body.size.bytes);
      }
      CHECK (!p1 && !p2);
    }
  }
  /* the folded Content-Type of message 1 was read */
  mail_fetch_structure (s1, 1, &b1, NIL);
  CHECK (b1 && b1->type == TYPEMULTIPART && b1->nested.part &&
	 b1->nested.part->next && !b1->nested.part->next->next);
  CHECK (b1 && b1->description && !strcmp (b1->description,
					     "folded  description"));
  env = mail_fetch_structure (s1, 1, NIL, NIL);
  CHECK (env && env->to && !strcmp (env->to->mailbox, "c"));
  mail_close (s1);
  mail_close (s2);
}

static unsigned long len_;
#define FETCHED(call, want) do { \
    len_ = 12345; \
    char *got_ = (call); \
    CHECK_MEMEQ (got_, got_ ? len_ : 0, want, strlen (want)); \
  } while (0)

static void test_sections (void)
{
  MAILSTREAM *s;
  STRINGLIST *lines;
  setup ();
  s = mail_open (NIL, "mem:box", NIL);
  if (!CHECK (s != NIL)) return;
  FETCHED (mail_fetch_header (s, 1, NIL, NIL, &len_, FT_PEEK), H1);
  FETCHED (mail_fetch_text (s, 1, NIL, &len_, FT_PEEK), T1);
  FETCHED (mail_fetch_body (s, 1, "1", &len_, FT_PEEK), T1);
  FETCHED (mail_fetch_body (s, 1, "0", &len_, FT_PEEK), H1);
  FETCHED (mail_fetch_message (s, 1, &len_, FT_PEEK), "From: Fred Foo <fred@example.com>\r\n"
	   "To: a@b.example\r\nSubject: Hello world\r\n"
	   "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@x>\r\n\r\n"
	   "Line one\r\nLine two\r\n");
  FETCHED (mail_fetch_body (s, 1, NIL, &len_, FT_PEEK), "From: Fred Foo <fred@example.com>\r\n"
	   "To: a@b.example\r\nSubject: Hello world\r\n"
	   "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@x>\r\n\r\n"
	   "Line one\r\nLine two\r\n");
  FETCHED (mail_fetch_body (s, 2, "1", &len_, FT_PEEK), "part one");
  FETCHED (mail_fetch_mime (s, 2, "1", &len_, FT_PEEK), "Content-Type: text/plain\r\n\r\n");
  FETCHED (mail_fetch_body (s, 2, "2", &len_, FT_PEEK),
	   "From: inner@c.example\r\nSubject: inner\r\n"
	   "Content-Type: multipart/alternative; boundary=\"YY\"\r\n\r\n"
	   "--YY\r\nContent-Type: text/plain\r\n\r\nalt plain\r\n"
	   "--YY\r\nContent-Type: text/html\r\n\r\n<p>alt html</p>\r\n--YY--");
  FETCHED (mail_fetch_header (s, 2, "2", NIL, &len_, FT_PEEK),
	   "From: inner@c.example\r\nSubject: inner\r\n"
	   "Content-Type: multipart/alternative; boundary=\"YY\"\r\n\r\n");
  FETCHED (mail_fetch_body (s, 2, "2.0", &len_, FT_PEEK),
	   "From: inner@c.example\r\nSubject: inner\r\n"
	   "Content-Type: multipart/alternative; boundary=\"YY\"\r\n\r\n");
  FETCHED (mail_fetch_text (s, 2, "2", &len_, FT_PEEK),
	   "--YY\r\nContent-Type: text/plain\r\n\r\nalt plain\r\n"
	   "--YY\r\nContent-Type: text/html\r\n\r\n<p>alt html</p>\r\n--YY--");
  FETCHED (mail_fetch_body (s, 2, "2.1", &len_, FT_PEEK), "alt plain");
  FETCHED (mail_fetch_body (s, 2, "2.2", &len_, FT_PEEK), "<p>alt html</p>");
  FETCHED (mail_fetch_mime (s, 2, "2.2", &len_, FT_PEEK), "Content-Type: text/html\r\n\r\n");
  /* sections that do not exist give "" and length 0 */
  FETCHED (mail_fetch_body (s, 2, "3", &len_, FT_PEEK), "");
  CHECK_INTEQ (len_, 0);
  FETCHED (mail_fetch_body (s, 2, "2.1.1", &len_, FT_PEEK), "");
  FETCHED (mail_fetch_header (s, 2, "1", NIL, &len_, FT_PEEK), "");	/* not a message */
  FETCHED (mail_fetch_text (s, 2, "1", &len_, FT_PEEK), "");
  FETCHED (mail_fetch_mime (s, 2, NIL, &len_, FT_PEEK), "");
  FETCHED (mail_fetch_body (s, 99, "1", &len_, FT_PEEK), "");
  FETCHED (mail_fetch_header (s, 0, NIL, NIL, &len_, FT_PEEK), "");
  FETCHED (mail_fetch_text (s, 4, NIL, &len_, FT_PEEK), "");
  {
    char longsec[MAILTMPLEN * 2];
    memset (longsec, '1', sizeof longsec - 1);
    longsec[sizeof longsec - 1] = '\0';
    FETCHED (mail_fetch_body (s, 2, longsec, &len_, FT_PEEK), "");
  }
  /* BODY offsets that lie about the text are clamped, never followed */
  {
    BODY *b = mail_body (s, 2, (unsigned char *) "1");
    unsigned long off = b->contents.offset, bytes = b->size.bytes;
    unsigned long moff = b->mime.offset, msize = b->mime.text.size;
    mail_fetch_header (s, 1, NIL, NIL, &len_, FT_PEEK);	/* drop caches */
    b = mail_body (s, 2, (unsigned char *) "1");
    b->contents.offset = 1UL << 40;
    b->size.bytes = 100;
    FETCHED (mail_fetch_body (s, 2, "1", &len_, FT_PEEK), "");
    mail_fetch_header (s, 1, NIL, NIL, &len_, FT_PEEK);
    b->contents.offset = strlen (T2) - 4;
    b->size.bytes = 1UL << 40;
    b->contents.text.size = 0;
    FETCHED (mail_fetch_body (s, 2, "1", &len_, FT_PEEK), "--\r\n");
    mail_fetch_header (s, 1, NIL, NIL, &len_, FT_PEEK);
    b->mime.offset = (unsigned long) -5;
    b->mime.text.size = 50;
    FETCHED (mail_fetch_mime (s, 2, "1", &len_, FT_PEEK), "");
    mail_fetch_header (s, 1, NIL, NIL, &len_, FT_PEEK);
    b->contents.offset = off;	/* restore */
    b->size.bytes = bytes;
    b->contents.text.size = 0;
    b->mime.offset = moff;
    b->mime.text.size = msize;
    FETCHED (mail_fetch_body (s, 2, "1", &len_, FT_PEEK), "part one");
  }
  /* UIDs */
  FETCHED (mail_fetch_body (s, 2, "1", &len_, FT_PEEK | FT_UID), "part one");
  FETCHED (mail_fetch_body (s, 9, "1", &len_, FT_PEEK | FT_UID), "");

  /* texts of one message stay valid together; the next message's fetch
   * releases them (memory stays at one message) */
  {
    unsigned long hl, tl, pl;
    char *h = mail_fetch_header (s, 2, NIL, NIL, &hl, FT_PEEK);
    char *t = mail_fetch_text (s, 2, NIL, &tl, FT_PEEK);
    char *p = mail_fetch_body (s, 2, "2.1", &pl, FT_PEEK);
    char *m = mail_fetch_mime (s, 2, "1", &pl, FT_PEEK);
    CHECK_MEMEQ (h, hl, H2, strlen (H2));
    CHECK_MEMEQ (t, tl, T2, strlen (T2));
    CHECK_STREQ (p, "alt plain");
    CHECK_STREQ (m, "Content-Type: text/plain\r\n\r\n");
    CHECK (h == (char *) mail_elt (s, 2)->private.msg.header.text.data);
    text_calls = 0;
    CHECK (mail_fetch_text (s, 2, NIL, &tl, FT_PEEK) == t);	/* cached */
    CHECK_INTEQ (text_calls, 0);
    mail_fetch_header (s, 1, NIL, NIL, &hl, FT_PEEK);
    CHECK (mail_elt (s, 2)->private.msg.header.text.data == NIL);
    CHECK (mail_elt (s, 2)->private.msg.text.text.data == NIL);
    CHECK_INTEQ (s->msgno, 1);
    /* and the parser's sizes survive, so a refetch still works */
    FETCHED (mail_fetch_header (s, 2, "2", NIL, &len_, FT_PEEK),
	     "From: inner@c.example\r\nSubject: inner\r\n"
	     "Content-Type: multipart/alternative; boundary=\"YY\"\r\n\r\n");
    mail_fetch_header (s, 1, NIL, NIL, &hl, FT_PEEK);
    FETCHED (mail_fetch_header (s, 2, "2", NIL, &len_, FT_PEEK),
	     "From: inner@c.example\r\nSubject: inner\r\n"
	     "Content-Type: multipart/alternative; boundary=\"YY\"\r\n\r\n");
    FETCHED (mail_fetch_mime (s, 2, "1", &len_, FT_PEEK), "Content-Type: text/plain\r\n\r\n");
  }

  /* header lines */
  lines = mail_newstringlist ();
  lines->text.data = (unsigned char *) cpystr ("subject");
  lines->text.size = 7;
  lines->next = mail_newstringlist ();
  lines->next->text.data = (unsigned char *) cpystr ("FROM");
  lines->next->text.size = 4;
  FETCHED (mail_fetch_header (s, 1, NIL, lines, &len_, FT_PEEK),
	   "From: Fred Foo <fred@example.com>\r\nSubject: Hello world\r\n\r\n");
  FETCHED (mail_fetch_header (s, 1, NIL, lines, &len_, FT_PEEK | FT_NOT),
	   "To: a@b.example\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
	   "Message-ID: <1@x>\r\n\r\n");
  FETCHED (mail_fetch_header (s, 2, "2", lines, &len_, FT_PEEK),
	   "From: inner@c.example\r\nSubject: inner\r\n\r\n");
  /* the full header is unharmed by filtering */
  FETCHED (mail_fetch_header (s, 1, NIL, NIL, &len_, FT_PEEK), H1);
  mail_free_stringlist (&lines);
  /* folded fields stay whole */
  {
    char hdr[] = "A: 1\r\nB: 2\r\n  cont\r\nC: 3\r\n\r\n";
    STRINGLIST l = { { (unsigned char *) "b", 1 }, NIL };
    unsigned long n = mail_filter (hdr, strlen (hdr), &l, NIL);
    CHECK_MEMEQ (hdr, n, "B: 2\r\n  cont\r\n\r\n", 16);
  }
  mail_close (s);
}

/* ---------------------------------------------------------------------- */

static void test_seen (void)
{
  MAILSTREAM *s;
  unsigned long len;
  setup ();
  s = mail_open (NIL, "mem:box", NIL);
  memset (&ev, 0, sizeof ev);
  flagmsg_pre = flagmsg_post = 0;
  mail_fetch_body (s, 1, "1", &len, FT_PEEK);
  mail_fetch_text (s, 1, NIL, &len, FT_PEEK);
  mail_fetch_header (s, 1, NIL, NIL, &len, FT_PEEK);
  CHECK (!mail_elt (s, 1)->seen);
  CHECK_INTEQ (ev.flags, 0);
  mail_fetch_body (s, 1, "1", &len, NIL);
  CHECK (mail_elt (s, 1)->seen);
  CHECK_INTEQ (ev.flags, 1);
  CHECK_INTEQ (ev.last_flags, 1);
  CHECK_INTEQ (flagmsg_pre, 1);	/* the driver heard before and after */
  CHECK_INTEQ (flagmsg_post, 1);
  CHECK (boxes[0].m[0].seen);	/* and wrote it back */
  mail_fetch_body (s, 1, "1", &len, NIL);	/* already seen: no event */
  CHECK_INTEQ (ev.flags, 1);
  mail_fetch_text (s, 2, NIL, &len, NIL);
  CHECK (mail_elt (s, 2)->seen);
  mail_fetch_message (s, 3, &len, NIL);
  CHECK (mail_elt (s, 3)->seen);
  mail_close (s);

  setup ();			/* read-only: never */
  s = mail_open (NIL, "mem:box", OP_READONLY);
  mail_fetch_body (s, 1, "1", &len, NIL);
  mail_fetch_message (s, 2, &len, NIL);
  CHECK (!mail_elt (s, 1)->seen && !mail_elt (s, 2)->seen);
  CHECK (!boxes[0].m[0].seen);
  mail_close (s);

  setup ();			/* a driver with only .flag is told */
  memdriver.flag = mem_flag;
  memdriver.flagmsg = NIL;
  flag_calls = 0;
  s = mail_open (NIL, "mem:box", NIL);
  mail_sequence (s, (unsigned char *) "2:3");
  mail_fetch_body (s, 1, "1", &len, NIL);
  CHECK_INTEQ (flag_calls, 1);
  CHECK (mail_elt (s, 1)->seen);
  CHECK (!mail_elt (s, 1)->sequence && mail_elt (s, 2)->sequence);	/* kept */
  mail_flag (s, "1", "\\Deleted", ST_SET);	/* driver does it all */
  CHECK_INTEQ (flag_calls, 2);
  CHECK (!mail_elt (s, 1)->deleted);
  memdriver.flag = NIL;
  memdriver.flagmsg = mem_flagmsg;
  mail_close (s);
}

/* ---------------------------------------------------------------------- */

static char gets_buf[256];
static unsigned long gets_size, gets_first, gets_last;
static char *t_gets (readfn_t f, void *stream, unsigned long size, GETS_DATA *md)
{
  gets_size = size;
  gets_first = md->first;
  gets_last = md->last;
  if (size >= sizeof gets_buf) size = sizeof gets_buf - 1;
  (*f) (stream, size, gets_buf);
  gets_buf[size] = '\0';
  return gets_buf;
}

static void test_gets (void)
{
  MAILSTREAM *s;
  unsigned long len;
  char *r;
  setup ();
  s = mail_open (NIL, "mem:box", NIL);
  ev.errors = 0;
  CHECK (mail_partial_text (s, 1, NIL, 0, 0, FT_PEEK) == NIL);	/* no mailgets */
  CHECK_INTEQ (ev.errors, 1);
  mail_parameters (NIL, SET_GETS, (void *) t_gets);
  CHECK (mail_partial_text (s, 1, NIL, 2, 5, FT_PEEK) == T);
  CHECK_STREQ (gets_buf, "ne on");
  CHECK_INTEQ (gets_first, 2);
  CHECK_INTEQ (gets_last, 5);
  CHECK (mail_partial_text (s, 1, NIL, 1000, 5, FT_PEEK) == T);	/* past end */
  CHECK_INTEQ (gets_size, 0);
  CHECK (mail_partial_text (s, 1, NIL, 18, 0, FT_PEEK) == T);	/* to the end */
  CHECK_STREQ (gets_buf, "\r\n");
  CHECK (mail_partial_body (s, 2, "2.1", 4, 100, FT_PEEK) == T);
  CHECK_STREQ (gets_buf, "plain");
  CHECK (mail_partial_text (s, 2, "2", 0, 4, FT_PEEK) == T);
  CHECK_STREQ (gets_buf, "--YY");
  CHECK (!mail_elt (s, 1)->seen);
  CHECK (mail_partial_body (s, 1, "1", 0, 4, NIL) == T);	/* not peek */
  CHECK (mail_elt (s, 1)->seen);
  r = mail_fetch_body (s, 2, "1", &len, FT_PEEK);	/* whole fetch via gets */
  CHECK (r == gets_buf && !strcmp (gets_buf, "part one") && len == 8);
  r = mail_fetch_header (s, 1, NIL, NIL, &len, FT_PEEK);	/* header: no gets */
  CHECK (r != gets_buf && len == strlen (H1));
  mail_parameters (NIL, SET_GETS, NIL);
  mail_close (s);
}

/* ---------------------------------------------------------------------- */

static int ov_calls;
static unsigned long ov_uid;
static void t_overview (MAILSTREAM *s, unsigned long uid, OVERVIEW *ov,
			unsigned long msgno)
{
  ov_calls++;
  ov_uid = uid;
  if (msgno == 1) CHECK (ov->subject && !strcmp (ov->subject, "Hello world"));
}

static void test_misc_fetch (void)
{
  MAILSTREAM *s;
  char buf[64];
  setup ();
  s = mail_open (NIL, "mem:box", NIL);
  mail_fetchfrom (buf, s, 1, 10);
  CHECK_STREQ (buf, "Fred Foo  ");
  mail_fetchfrom (buf, s, 1, 4);
  CHECK_STREQ (buf, "Fred");
  mail_fetchfrom (buf, s, 3, 10);
  CHECK_STREQ (buf, "joe@exampl");
  mail_fetchfrom (buf, s, 3, 20);
  CHECK_STREQ (buf, "joe@example.org     ");
  mail_fetchsubject (buf, s, 1, 5);
  CHECK_STREQ (buf, "Hello");
  mail_fetchsubject (buf, s, 1, 40);
  CHECK_STREQ (buf, "Hello world");
  mail_fetchsubject (buf, s, 3, 10);
  CHECK_STREQ (buf, " ");
  ov_calls = 0;
  mail_fetch_overview (s, "2:*", t_overview);	/* UIDs 2 and 3 */
  CHECK_INTEQ (ov_calls, 2);
  CHECK_INTEQ (ov_uid, 3);
  ov_calls = 0;
  mail_fetch_overview_sequence (s, "1", t_overview);
  CHECK_INTEQ (ov_calls, 1);
  mail_fetch_overview_sequence (s, "9", t_overview);	/* bad: none */
  CHECK_INTEQ (ov_calls, 1);
  mail_fetch_fast (s, "1:*", NIL);
  CHECK (mail_elt (s, 2)->rfc822_size == strlen (H2) + strlen (T2));
  mail_fetch_flags (s, "1:*", NIL);
  CHECK_INTEQ (mail_uid (s, 2), 2);
  CHECK_INTEQ (mail_msgno (s, 3), 3);
  CHECK_INTEQ (mail_msgno (s, 4), 0);
  CHECK_INTEQ (mail_msgno (s, 0), 0);
  CHECK (mail_ping (s));
  mail_check (s);
  mail_close (s);
}

/* ---------------------------------------------------------------------- */

static void test_flag_expunge (void)
{
  MAILSTREAM *s;
  int i;
  setup ();
  s = mail_open (NIL, "mem:box", NIL);
  memset (&ev, 0, sizeof ev);
  flagmsg_pre = flagmsg_post = 0;
  mail_flag (s, "1:2", "(\\Flagged Work)", ST_SET);
  CHECK (mail_elt (s, 1)->flagged && mail_elt (s, 2)->flagged &&
	 !mail_elt (s, 3)->flagged);
  CHECK_STREQ (s->user_flags[0], "Work");
  CHECK_INTEQ (mail_elt (s, 2)->user_flags, 1);
  CHECK_INTEQ (ev.flags, 2);
  CHECK_INTEQ (flagmsg_pre, 2);
  CHECK_INTEQ (flagmsg_post, 2);
  CHECK (boxes[0].m[1].flagged && boxes[0].m[1].kw == 1);
  mail_flag (s, "1:2", "\\Flagged", ST_SET);	/* no change: no event */
  CHECK_INTEQ (ev.flags, 2);
  mail_flag (s, "2", "\\Flagged", NIL);	/* clear */
  CHECK (!mail_elt (s, 2)->flagged);
  CHECK_INTEQ (ev.flags, 3);
  mail_flag (s, "3", "\\Seen", ST_SET | ST_SILENT);
  CHECK (mail_elt (s, 3)->seen);
  CHECK_INTEQ (ev.flags, 3);
  mail_flag (s, "3", "\\Draft", ST_SET | ST_UID);
  CHECK (mail_elt (s, 3)->draft);
  /* bad input changes nothing */
  ev.errors = 0;
  mail_flag (s, "1:3", "(\\Deleted \\Bogus)", ST_SET);
  mail_flag (s, "1:9", "\\Deleted", ST_SET);
  mail_flag (s, "x", "\\Deleted", ST_SET);
  for (i = 1; i <= 3; i++) CHECK (!mail_elt (s, i)->deleted);
  CHECK_INTEQ (ev.errors, 3);

  /* expunge */
  mail_flag (s, "2", "\\Deleted", ST_SET);
  ev.expunged = 0;
  CHECK (mail_expunge (s));
  CHECK_INTEQ (ev.expunged, 1);
  CHECK_INTEQ (ev.last_expunged, 2);
  CHECK_INTEQ (s->nmsgs, 2);
  CHECK_INTEQ (mail_uid (s, 2), 3);
  CHECK_INTEQ (mail_msgno (s, 3), 2);
  CHECK_INTEQ (mail_msgno (s, 2), 0);
  CHECK (mail_elt (s, 2)->draft);	/* the old message 3 */
  CHECK_INTEQ (boxes[0].n, 2);
  mail_flag (s, "1:2", "\\Deleted", ST_SET);
  CHECK (mail_expunge_full (s, "2", NIL));	/* only within the sequence */
  CHECK_INTEQ (s->nmsgs, 1);
  mail_close_full (s, CL_EXPUNGE);	/* and the rest on close */
  CHECK_INTEQ (boxes[0].n, 0);
}

/* ---------------------------------------------------------------------- */

static void test_copy_append (void)
{
  MAILSTREAM *s;
  STRING msg;
  char text[] = "Subject: appended\r\n\r\nbody\r\n";
  setup ();
  s = mail_open (NIL, "mem:box", NIL);
  mail_flag (s, "1", "\\Seen", ST_SET);
  CHECK (mail_copy (s, "1:2", "mem:other"));	/* generic: no driver copy */
  CHECK_INTEQ (box_find ("mem:other")->n, 2);
  CHECK_STREQ (box_find ("mem:other")->m[0].hdr, H1);
  CHECK_STREQ (box_find ("mem:other")->m[1].text, T2);
  CHECK (box_find ("mem:other")->m[0].seen && !box_find ("mem:other")->m[1].seen);
  CHECK (!mail_elt (s, 1)->deleted);
  CHECK (mail_move (s, "3", "mem:other"));
  CHECK (mail_elt (s, 3)->deleted);
  CHECK_INTEQ (box_find ("mem:other")->n, 3);
  ev.notify = ev.errors = 0;
  CHECK (!mail_copy (s, "1", "mem:nothere"));
  CHECK (ev.notify + ev.errors >= 1);
  CHECK (!mail_copy (s, "7", "mem:other"));	/* bad sequence: nothing */
  CHECK_INTEQ (box_find ("mem:other")->n, 3);
  mail_close (s);

  INIT (&msg, mail_string, text, strlen (text));
  CHECK (mail_append (NIL, "mem:other", &msg));
  CHECK_INTEQ (box_find ("mem:other")->n, 4);
  CHECK_STREQ (box_find ("mem:other")->m[3].text, "body\r\n");
  INIT (&msg, mail_string, text, strlen (text));
  CHECK (mail_append_full (NIL, "#driver.mem/mem:other", "\\Flagged", NIL, &msg));
  CHECK (box_find ("mem:other")->m[4].flagged);
  /* no driver knows the name: the default format (os/ default_proto, in
   * the scratch home set up by main) decides; TRYCREATE either way */
  ev.text[0] = '\0';
  INIT (&msg, mail_string, text, strlen (text));
  CHECK (!mail_append (NIL, "nosuchbox", &msg));
  CHECK (strstr (ev.text, "[TRYCREATE]") != NIL);
  ev.errors = 0;
  CHECK (!mail_append (NIL, "a\nb", &msg));
  CHECK (!mail_append (NIL, "{host}INBOX", &msg));
  CHECK_INTEQ (ev.errors, 2);
}

/* ---------------------------------------------------------------------- */

static void test_folders (void)
{
  MAILSTREAM *s;
  setup ();
  memset (&ev, 0, sizeof ev);
  CHECK (mail_status (NIL, "mem:box", SA_MESSAGES | SA_UNSEEN | SA_UIDNEXT |
		      SA_UIDVALIDITY | SA_RECENT));
  CHECK_INTEQ (ev.status, 1);
  CHECK_INTEQ (ev.st.messages, 3);
  CHECK_INTEQ (ev.st.unseen, 3);
  CHECK_INTEQ (ev.st.uidnext, 4);
  CHECK_INTEQ (ev.st.uidvalidity, 42);
  CHECK_INTEQ (ev.st.recent, 1);
  CHECK (!mail_status (NIL, "mem:nothere", SA_MESSAGES));
  CHECK_INTEQ (ev.status, 1);

  s = mail_open (NIL, "mem:box", NIL);
  ev.errors = 0;
  CHECK (mail_create (s, "mem:new"));
  CHECK (box_find ("mem:new") != NIL);
  CHECK (!mail_create (s, "inbox"));
  CHECK (!mail_create (s, "mem:bad\r\nname"));
  CHECK (!mail_create (s, "mem:caf\xc3\xa9"));
  CHECK (!mail_create (s, "mem:a&"));
  CHECK_INTEQ (ev.errors, 4);
  CHECK (!mail_delete (NIL, "INBOX"));
  CHECK (box_find ("INBOX") != NIL);
  CHECK (mail_delete (NIL, "mem:new"));
  CHECK (box_find ("mem:new") == NIL);
  CHECK (!mail_delete (NIL, "mem:new"));	/* gone */
  CHECK (!mail_rename (s, "mem:box", "mem:other"));	/* exists */
  CHECK (!mail_rename (s, "mem:box", "INBOX"));
  CHECK (!mail_rename (s, "mem:other", "mem:x"));	/* no driver rename */
  /* RENAME INBOX: messages move, INBOX stays, empty */
  CHECK (mail_rename (s, "INBOX", "mem:oldinbox"));
  CHECK (box_find ("INBOX") && box_find ("INBOX")->n == 0);
  CHECK (box_find ("mem:oldinbox") && box_find ("mem:oldinbox")->n == 2);
  mail_close (s);
  /* list: every enabled driver; a remote pattern skips local drivers */
  list_calls = ev.list = 0;
  mail_list (NIL, "", "mem:*");
  CHECK_INTEQ (list_calls, 1);
  CHECK_INTEQ (ev.list, 3);	/* mem:box mem:other mem:oldinbox */
  mail_list (NIL, "", "{host}*");
  mail_list (NIL, "{host}", "*");
  CHECK_INTEQ (list_calls, 1);
  mail_scan (NIL, "", "*", "x");	/* no driver scans: nothing, no crash */
  /* subscriptions without driver support: the os/ subscription list in
   * the scratch home, and lsub falls back to reading it */
  CHECK (mail_subscribe (NIL, "mem:box"));
  CHECK (!mail_subscribe (NIL, "mem:nothere"));
  ev.lsub = 0;
  mail_lsub (NIL, NIL, "mem:*");
  CHECK_INTEQ (ev.lsub, 1);
  CHECK_STREQ (ev.text, "mem:box");
  CHECK (mail_unsubscribe (NIL, "mem:box"));
  ev.lsub = 0;
  mail_lsub (NIL, NIL, "*");
  CHECK_INTEQ (ev.lsub, 0);
  {
    char big[NETMAXMBX + 10];
    memset (big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ev.errors = 0;
    mail_list (NIL, big, "*");
    mail_list (NIL, "", big);
    CHECK_INTEQ (ev.errors, 2);
  }
}

int main (void)
{
  char home[] = "/tmp/test-fetch-XXXXXX";
  /* anything that reaches the default mailbox format stays in here */
  if (!mkdtemp (home)) return 2;
  mail_parameters (NIL, SET_HOMEDIR, home);
  mail_link (&memdriver);
  mail_parameters (NIL, SET_CALLBACKS, &cbs);
  test_structure ();
  test_structure_env_first ();
  test_sections ();
  test_seen ();
  test_gets ();
  test_misc_fetch ();
  test_flag_expunge ();
  test_copy_append ();
  test_folders ();
  box_free_all ();
  if (test_rm_rf (home)) printf ("could not remove %s\n", home);
  return unit_done ();
}

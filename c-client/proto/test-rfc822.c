/*
 * Unit tests for proto/rfc822.c (header -> ENVELOPE) and the envelope
 * writers in proto/header-output.c.  Expected envelopes were checked
 * against UW c-client (Debian's imap-2007e) except where a comment says we
 * differ on purpose.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "rfc822-int.h"
#include "unit.h"

static void dump_adr (struct buf *b, const char *name, ADDRESS *a)
{
  if (!a) return;
  buf_printf (b, "%s=", name);
  for (; a; a = a->next) {
    const char *f[4] = { a->personal, a->adl, a->mailbox, a->host };
    int i;
    for (i = 0; i < 4; i++) {
      if (i) buf_putc (b, '|');
      buf_puts (b, f[i] ? f[i] : "~");
    }
    if (a->next) buf_puts (b, " ; ");
  }
  buf_putc (b, '\n');
}

static void dump_str (struct buf *b, const char *name, const char *s)
{
  if (s) buf_printf (b, "%s=%s\n", name, s);
}

/* Every envelope field that is set, one per line, in a fixed order */
static char *dump_env (ENVELOPE *e)
{
  struct buf b = BUF_INIT;
  dump_str (&b, "date", (char *) e->date);
  dump_str (&b, "subject", e->subject);
  dump_str (&b, "message_id", e->message_id);
  dump_str (&b, "in_reply_to", e->in_reply_to);
  dump_str (&b, "references", e->references);
  dump_str (&b, "newsgroups", e->newsgroups);
  dump_str (&b, "followup_to", e->followup_to);
  dump_str (&b, "remail", e->remail);
  dump_adr (&b, "return_path", e->return_path);
  dump_adr (&b, "from", e->from);
  dump_adr (&b, "sender", e->sender);
  dump_adr (&b, "reply_to", e->reply_to);
  dump_adr (&b, "to", e->to);
  dump_adr (&b, "cc", e->cc);
  dump_adr (&b, "bcc", e->bcc);
  return buf_detach (&b);
}

/* Parse exactly len bytes from a heap copy with no NUL after it, so that
 * a read past the end shows up under ASan */
static ENVELOPE *parse (const char *text, size_t len, BODY **body)
{
  ENVELOPE *env = NIL;
  char *copy = malloc (len ? len : 1);
  memcpy (copy, text, len);
  rfc822_parse_msg (&env, body, copy, len, NIL, "dflt.example", NIL);
  free (copy);
  return env;
}

struct hdr_case {
  const char *in;
  size_t len;			/* 0: strlen (in) */
  const char *want;		/* dump_env() */
};

#define AB "~|~|a|b"
static const struct hdr_case hdr_cases[] = {
  { "From: a@b\nTo: c@d\nSubject: hi\n there\nDate: Mon, 1 Jan 2020\n\n", 0,
    "date=Mon, 1 Jan 2020\nsubject=hi there\nfrom=" AB "\nsender=" AB
    "\nreply_to=" AB "\nto=~|~|c|d\n" },
  /* CRLF; duplicates: address fields add up, the first string wins */
  { "From: a@b\r\nFrom: x@y\r\nSubject: one\r\nSubject: two\r\nTo: t1@x\r\n"
    "To: t2@x\r\nMessage-ID: <1@x>\r\nMessage-ID: <2@x>\r\nDate: d1\r\n"
    "Date: d2\r\n\r\n", 0,
    "date=d1\nsubject=one\nmessage_id=<1@x>\nfrom=" AB " ; ~|~|x|y\n"
    "sender=" AB " ; ~|~|x|y\nreply_to=" AB " ; ~|~|x|y\n"
    "to=~|~|t1|x ; ~|~|t2|x\n" },
  /* Newsgroups and Followup-To lose white space; Return-Path is parsed
   * (UW ignores it) */
  { "Newsgroups: comp.mail,  alt.foo\nFollowup-To: a, b\nReferences: <a@b>\n"
    " <c@d>\nIn-Reply-To: <x@y>\nReturn-Path: <bounce@x>\nSender: s@x\n"
    "Reply-To: r@x\nFrom: f@x\n", 0,
    "in_reply_to=<x@y>\nreferences=<a@b> <c@d>\nnewsgroups=comp.mail,alt.foo\n"
    "followup_to=a,b\nreturn_path=~|~|bounce|x\nfrom=~|~|f|x\nsender=~|~|s|x\n"
    "reply_to=~|~|r|x\n" },
  { "Return-Path: <>\nFrom: a@b\n", 0,
    "from=" AB "\nsender=" AB "\nreply_to=" AB "\n" },
  { "Return-Path: < (null) >\n", 0, "" },
  /* Followup-To: the first wins (UW lets the last one win) */
  { "Followup-To: one\nFollowup-To: two\n", 0, "followup_to=one\n" },
  /* Resent fields are not the envelope */
  { "Resent-From: r@x\nResent-Date: Mon, 1 Jan 2020\nFrom: f@x\n", 0,
    "from=~|~|f|x\nsender=~|~|f|x\nreply_to=~|~|f|x\n" },
  /* names are case-insensitive, may have space before the colon; leading
   * white space of a value goes, trailing stays; tabs read as spaces */
  { "subject:   spaced   \nFROM :a@b\nX-Foo: bar\n", 0,
    "subject=spaced   \nfrom=" AB "\nsender=" AB "\nreply_to=" AB "\n" },
  { "Subject:\thas\ttabs\n\tand more\n", 0, "subject=has tabs and more\n" },
  { "Subject:\n", 0, "subject=\n" },
  { "Subject:", 0, "subject=\n" },
  /* encoded words stay as sent */
  { "Subject: =?utf-8?q?hi?=\nFrom: =?utf-8?q?J=C3=B6?= <j@x>\n", 0,
    "subject==?utf-8?q?hi?=\nfrom==?utf-8?q?J=C3=B6?=|~|j|x\n"
    "sender==?utf-8?q?J=C3=B6?=|~|j|x\nreply_to==?utf-8?q?J=C3=B6?=|~|j|x\n" },
  /* not fields */
  { "From a@b  Mon Jan 1\nFrom: x@y\n", 0,
    "from=~|~|x|y\nsender=~|~|x|y\nreply_to=~|~|x|y\n" },
  { " leading continuation\nSubject: s\n", 0, "subject=s\n" },
  { "no colon here\nSubject: s\n", 0, "subject=s\n" },
  { ": empty name\nSubject: s\n", 0, "subject=s\n" },
  { "Bcc: b@x\nCc: c@x\n>From: gt@x\n", 0,
    "from=~|~|gt|x\nsender=~|~|gt|x\nreply_to=~|~|gt|x\ncc=~|~|c|x\n"
    "bcc=~|~|b|x\n" },
  /* a NUL ends that field's value only */
  { "Subject: a\0b\nFrom: c@d\n", 23,
    "subject=a\nfrom=~|~|c|d\nsender=~|~|c|d\nreply_to=~|~|c|d\n" },
  { "\0Subject: a\nDate: x\n", 20, "date=x\n" },
  /* the header ends at a blank line or at i, whichever comes first */
  { "From: a@b\n\nTo: c@d\n", 0, "from=" AB "\nsender=" AB "\nreply_to=" AB "\n" },
  { "Subject: s\r\n\r\nTo: c@d\r\n", 0, "subject=s\n" },
  { "Subject: abc\nTo: x@y\n", 11, "subject=ab\n" },
  { "Subject: abc\nTo: x@y\n", 13, "subject=abc\n" },
  { "Subject: abc\r", 13, "subject=abc\n" },
  { "Subject: a\rb\n", 0, "subject=a\rb\n" },
  { "", 0, "" },
  { "\n", 0, "" },
  { "\r\n", 0, "" },
  /* folded address fields */
  { "To: a@b,\n c@d,\r\n\te@f\nCc: \"Last, First\"\n <lf@x>\n", 0,
    "to=" AB " ; ~|~|c|d ; ~|~|e|f\ncc=Last, First|~|lf|x\n" },
  { "To: undisclosed-recipients:;\n", 0, "to=~|~|undisclosed-recipients|~ ; ~|~|~|~\n" },
  /* fields the envelope does not use are skipped by their name on the
   * first line: their continuation lines never count as fields, and a
   * name that ends on a later line is still judged unfolded */
  { "Received: from x by y;\n\tMon, 1 Jan 2020\nX-Long: a\n Subject: no\n"
    "Subject: yes\n", 0, "subject=yes\n" },
  { "Subject\n : folded name\n", 0, "subject=folded name\n" },
  { "To\t: a@b\nX-A:\nCC  \t: c@d\n", 0, "to=" AB "\ncc=~|~|c|d\n" },
  { "Sub\0ject: x\nDate: d\n", 20, "date=d\n" },
  { "Content-Type: text/html\nMessage-Id: <m@x>\n", 0, "message_id=<m@x>\n" },
  { "From: @@@\n", 0,
    "from=~|~|INVALID_ADDRESS|.SYNTAX-ERROR.\n"
    "sender=~|~|INVALID_ADDRESS|.SYNTAX-ERROR.\n"
    "reply_to=~|~|INVALID_ADDRESS|.SYNTAX-ERROR.\n" },
};

static void test_parse_table (void)
{
  size_t i;
  for (i = 0; i < sizeof hdr_cases / sizeof hdr_cases[0]; i++) {
    const struct hdr_case *c = &hdr_cases[i];
    size_t len = c->len ? c->len : strlen (c->in);
    ENVELOPE *env = parse (c->in, len, NIL);
    char *d;
    if (!CHECK (env != NIL)) continue;
    d = dump_env (env);
    if (!CHECK_STREQ (d, c->want)) printf ("  case %zu\n", i);
    fs_give ((void **) &d);
    mail_free_envelope (&env);
  }
}

static void test_defaults (void)
{
  ENVELOPE *env = parse ("From: Joe <j@x>\n", 16, NIL);
  CHECK (env->sender && env->sender != env->from &&
	 env->sender->mailbox != env->from->mailbox);
  CHECK (env->reply_to && env->reply_to != env->from);
  CHECK_STREQ (env->sender->personal, "Joe");
  mail_free_envelope (&env);
  env = parse ("Subject: x\n", 11, NIL);
  CHECK (!env->from && !env->sender && !env->reply_to);
  mail_free_envelope (&env);
  /* s may be NIL with i == 0 */
  env = NIL;
  rfc822_parse_msg (&env, NIL, NIL, 0, NIL, "d", NIL);
  CHECK (env && !env->subject);
  mail_free_envelope (&env);
}

/* With a BODY, the Content-* fields go to the MIME parser */
static void test_body (void)
{
  BODY *body = NIL;
  static const char h[] = "Content-Type: text/html; charset=utf-8\n"
    "Subject: s\n";
  ENVELOPE *env = parse (h, sizeof h - 1, &body);
  CHECK (body != NIL);
  if (body) {
    CHECK_INTEQ (body->type, TYPETEXT);
    CHECK_STREQ (body->subtype, "HTML");
  }
  CHECK_STREQ (env->subject, "s");
  mail_free_envelope (&env);
  mail_free_body (&body);
}

static void test_big (void)
{
  struct buf b = BUF_INIT;
  ENVELOPE *env;
  unsigned long i;

  /* one 1 MB field, folded every 70 bytes */
  buf_puts (&b, "Subject: ");
  for (i = 0; i < 1000000; i++) {
    buf_putc (&b, 'a' + i % 26);
    if (i % 70 == 69) buf_puts (&b, "\r\n ");
  }
  buf_puts (&b, "\r\nFrom: a@b\r\n\r\n");
  env = parse (b.data, b.len, NIL);
  CHECK (env->subject && strlen (env->subject) == 1000000 + 1000000 / 70);
  CHECK (env->from && !strcmp (env->from->host, "b"));
  mail_free_envelope (&env);

  /* one unfolded 1 MB line */
  buf_reset (&b);
  buf_puts (&b, "To: ");
  for (i = 0; i < 100000; i++) buf_puts (&b, "x@y.z,");
  buf_puts (&b, "\n");
  env = parse (b.data, b.len, NIL);
  {
    unsigned long n = 0;
    ADDRESS *a;
    for (a = env->to; a; a = a->next) n++;
    CHECK_INTEQ (n, LIM_ADDRESSES);
  }
  mail_free_envelope (&env);

  /* more fields than the limit: the rest is ignored */
  buf_reset (&b);
  for (i = 0; i < LIM_HEADER_FIELDS + 10; i++) buf_puts (&b, "X-A: b\n");
  buf_puts (&b, "Subject: late\n");
  env = parse (b.data, b.len, NIL);
  CHECK (env->subject == NIL);
  mail_free_envelope (&env);
  buf_reset (&b);
  for (i = 0; i < LIM_HEADER_FIELDS - 1; i++) buf_puts (&b, "X-A: b\n");
  buf_puts (&b, "Subject: last\n");
  env = parse (b.data, b.len, NIL);
  CHECK_STREQ (env->subject, "last");
  mail_free_envelope (&env);

  /* continuation lines only, NULs and CRs everywhere */
  buf_reset (&b);
  buf_puts (&b, "Subject: x");
  for (i = 0; i < 100000; i++) buf_append (&b, "\n \r\0\t", 5);
  env = parse (b.data, b.len, NIL);
  CHECK_STREQ (env->subject, "x \r");
  mail_free_envelope (&env);
  buf_free (&b);
}

/* ---- output ---- */

static long collect (void *stream, char *string)
{
  buf_puts ((struct buf *) stream, string);
  return LONGT;
}

static long fail_out (void *stream, char *string)
{
  return NIL;
}

/* rfc822_output_header() through an RFC822BUFFER of the given size */
static char *output_header (ENVELOPE *env, size_t size, long flags)
{
  struct buf out = BUF_INIT;
  char *tmp = fs_get (size + 1);
  RFC822BUFFER rb;
  rb.f = collect;
  rb.s = &out;
  rb.beg = rb.cur = tmp;
  rb.end = tmp + size;
  CHECK (rfc822_output_header (&rb, env, NIL, NIL, flags));
  CHECK (rfc822_output_flush (&rb));
  fs_give ((void **) &tmp);
  return buf_detach (&out);
}

struct out_case {
  const char *in;
  const char *want;		/* rfc822_header() */
};

static const struct out_case out_cases[] = {
  { "From: a@b\nTo: c@d\nSubject: hi\nDate: Mon, 1 Jan 2020\nBcc: z@z\n"
    "Reply-To: a@b\n",
    "Date: Mon, 1 Jan 2020\r\nFrom: a@b\r\nSender: a@b\r\nReply-To: a@b\r\n"
    "Subject: hi\r\nTo: c@d\r\n\r\n" },
  { "Bcc: z@z\nFrom: a@b\n",
    "From: a@b\r\nSender: a@b\r\nReply-To: a@b\r\n"
    "To: undisclosed recipients: ;\r\n\r\n" },
  /* group members are written (UW's header writer drops them) */
  { "From: Joe (x) <a@b>, g: m@n, o@p;, \"q r\" <s@t>\nCc: x@y\n",
    "From: Joe <a@b>, g: m@n, o@p;, q r <s@t>\r\n"
    "Sender: Joe <a@b>, g: m@n, o@p;, q r <s@t>\r\n"
    "Reply-To: Joe <a@b>, g: m@n, o@p;, q r <s@t>\r\ncc: x@y\r\n\r\n" },
  { "Newsgroups: a.b\nMessage-ID: <m@x>\nIn-Reply-To: <i@x>\n"
    "References: <r@x>\nFollowup-To: f.g\nSubject: s\n",
    "Newsgroups: a.b\r\nSubject: s\r\nIn-Reply-To: <i@x>\r\n"
    "Message-ID: <m@x>\r\nFollowup-to: f.g\r\nReferences: <r@x>\r\n\r\n" },
  { "", "\r\n" },
};

static void test_output_table (void)
{
  size_t i;
  for (i = 0; i < sizeof out_cases / sizeof out_cases[0]; i++) {
    ENVELOPE *env = parse (out_cases[i].in, strlen (out_cases[i].in), NIL);
    char h[4096], *small, *big;
    rfc822_header (h, env, NIL);
    if (!CHECK_STREQ (h, out_cases[i].want)) printf ("  case %zu\n", i);
    /* the same through RFC822BUFFERs of 0, 1 and 7 bytes */
    small = output_header (env, 1, NIL);
    big = output_header (env, 7, NIL);
    CHECK_STREQ (small, h);
    CHECK_STREQ (big, h);
    fs_give ((void **) &small);
    fs_give ((void **) &big);
    small = output_header (env, 0, NIL);
    CHECK_STREQ (small, h);
    fs_give ((void **) &small);
    mail_free_envelope (&env);
  }
}

static void test_output_misc (void)
{
  static const char hdr[] = "From: a@b\nTo: c@d\nBcc: e@f, g@h\n";
  ENVELOPE *env = parse (hdr, sizeof hdr - 1, NIL);
  char h[4096], *p, *s;
  RFC822BUFFER rb;
  char tmp[8];

  /* flags: write Bcc too */
  s = output_header (env, 100, LONGT);
  CHECK (strstr (s, "\r\nbcc: e@f, g@h\r\n") != NIL);
  fs_give ((void **) &s);

  /* remail: that text first, then ReSent- fields, no MIME */
  env->remail = cpystr ("Received: by x\r\n\r\n");
  rfc822_header (h, env, NIL);
  CHECK_STREQ (h, "Received: by x\r\nReSent-From: a@b\r\nReSent-Sender: a@b\r\n"
	       "ReSent-Reply-To: a@b\r\nReSent-To: c@d\r\n\r\n");

  /* the line writers append and advance */
  strcpy (h, "X: 1\r\n");
  p = h;
  rfc822_header_line (&p, "Subject", env, "hello");
  CHECK_STREQ (h, "X: 1\r\nReSent-Subject: hello\r\n");
  CHECK (p == h + strlen (h));
  rfc822_address_line (&p, "To", NIL, env->to);
  CHECK_STREQ (h, "X: 1\r\nReSent-Subject: hello\r\nTo: c@d\r\n");
  CHECK (p == h + strlen (h));
  rfc822_header_line (&p, "Subject", NIL, "a\r\nBcc: evil\nX\r\n folded\r");
  CHECK_STREQ (h, "X: 1\r\nReSent-Subject: hello\r\nTo: c@d\r\n"
	       "Subject: a  Bcc: evil X\r\n folded \r\n");
  CHECK (p == h + strlen (h));
  rfc822_header_line (&p, "Nothing", NIL, NIL);
  rfc822_address_line (&p, "Nobody", NIL, NIL);
  CHECK (p == h + strlen (h));

  /* a failing output function fails the whole write */
  rb.f = fail_out;
  rb.s = NIL;
  rb.beg = rb.cur = tmp;
  rb.end = tmp + sizeof tmp - 1;
  CHECK (rfc822_output_header (&rb, env, NIL, NIL, NIL) == NIL);

  /* the single-item writers */
  {
    struct buf out = BUF_INIT;
    char t2[4];
    rb.f = collect;
    rb.s = &out;
    rb.beg = rb.cur = t2;
    rb.end = t2 + sizeof t2 - 1;
    CHECK (rfc822_output_address (&rb, env->from));
    CHECK (rfc822_output_cat (&rb, "x y", NIL));
    CHECK (rfc822_output_address_list (&rb, env->bcc, 0, NIL));
    CHECK (rfc822_output_header_line (&rb, "A", 0, "b"));
    CHECK (rfc822_output_address_line (&rb, "T", 1, env->to, NIL));
    CHECK (rfc822_output_flush (&rb));
    CHECK_STREQ (buf_cstr (&out),
		 "a@b\"x y\"e@f, g@hA: b\r\nReSent-T: c@d\r\n");
    buf_free (&out);
  }
  mail_free_envelope (&env);
}

/* Long lists fold at 78 columns and read back unchanged */
static void test_fold (void)
{
  struct buf b = BUF_INIT;
  ENVELOPE *env, *env2;
  char *h, *d1, *d2, *line;
  unsigned long i;
  int maxcol = 0;
  buf_puts (&b, "To: ");
  for (i = 0; i < 300; i++)
    buf_printf (&b, "%s\"Person %lu\" <person%lu@example.com>", i ? ", " : "",
		i, i);
  buf_puts (&b, "\nCc: g: a@b, c@d;\n");
  env = parse (b.data, b.len, NIL);
  h = output_header (env, 64, NIL);
  for (line = h; *line;) {
    char *e = strstr (line, "\r\n");
    if (!e) break;
    if (e - line > maxcol) maxcol = e - line;
    line = e + 2;
  }
  CHECK (maxcol <= 78);
  CHECK (strstr (h, ",\r\n    \"Person") || strstr (h, ",\r\n    Person"));
  env2 = parse (h, strlen (h), NIL);
  d1 = dump_env (env);
  d2 = dump_env (env2);
  CHECK_STREQ (d2, d1);
  fs_give ((void **) &d1);
  fs_give ((void **) &d2);
  fs_give ((void **) &h);
  mail_free_envelope (&env);
  mail_free_envelope (&env2);
  buf_free (&b);
}

int main (void)
{
  test_parse_table ();
  test_defaults ();
  test_body ();
  test_big ();
  test_output_table ();
  test_output_misc ();
  test_fold ();
  return unit_done ();
}

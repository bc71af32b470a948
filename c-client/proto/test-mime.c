/*
 * Tests for proto/mime.c and proto/mime-output.c: Content-* fields,
 * RFC 2231 parameters, the MIME tree with its offsets and sizes (checked
 * against UW c-client where we behave the same), hostile structure, a
 * chunked STRING driver, and output.
 *
 * Set TEST_MIME_PRINT=1 to print every tree as it is parsed.
 */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "c-client.h"
#include "internal.h"

/* ------------------------------------------------------------ helpers */

/* parse errors are expected here: count them instead of printing them */
static unsigned long nlogs;
void mm_log (char *string, long errflg)
{
  (void) string;
  (void) errflg;
  nlogs++;
}

static void ser_params (struct buf *b, PARAMETER *p)
{
  for (; p; p = p->next) buf_printf (b, " [%s=%s]", p->attribute, p->value);
}

/* A compact, complete description of a BODY tree */
static void ser (struct buf *b, BODY *body)
{
  PART *part;
  buf_printf (b, "%s/%s", body_types[body->type], body->subtype);
  if (body->encoding) buf_printf (b, " %s", body_encodings[body->encoding]);
  buf_printf (b, " %lu+%lu L%lu M%lu+%lu", body->contents.offset,
	      body->size.bytes, body->size.lines, body->mime.offset,
	      body->mime.text.size);
  ser_params (b, body->parameter);
  if (body->disposition.type) {
    buf_printf (b, " D=%s", body->disposition.type);
    ser_params (b, body->disposition.parameter);
  }
  if (body->type == TYPEMULTIPART) {
    buf_puts (b, " (");
    for (part = body->nested.part; part; part = part->next) {
      ser (b, &part->body);
      if (part->next) buf_puts (b, " | ");
    }
    buf_puts (b, ")");
  }
  else if (body->type == TYPEMESSAGE && body->nested.msg) {
    MESSAGE *m = body->nested.msg;
    buf_printf (b, " {F%lu+%lu H%lu+%lu T%lu+%lu S=%s ", m->full.offset,
		m->full.text.size, m->header.offset, m->header.text.size,
		m->text.offset, m->text.text.size,
		m->env && m->env->subject ? m->env->subject : "-");
    if (m->body) ser (b, m->body);
    buf_puts (b, "}");
  }
}

/* A STRING driver with tiny chunks, to prove nothing assumes one chunk */
#define TINY 7
static void tiny_setpos (STRING *s, unsigned long i)
{
  if (i > s->size) i = s->size;
  s->offset = i;
  s->chunk = s->curpos = (char *) s->data + i;
  s->cursize = s->chunksize = (s->size - i < TINY) ? s->size - i : TINY;
}
static void tiny_init (STRING *s, void *data, unsigned long size)
{
  s->data = data;
  s->data1 = 0;
  s->size = size;
  tiny_setpos (s, 0);
}
static char tiny_next (STRING *s)
{
  char c = *s->curpos++;
  tiny_setpos (s, s->offset + s->chunksize);
  return c;
}
static STRINGDRIVER tiny_string = { tiny_init, tiny_next, tiny_setpos };

/* Parse text as the content of a body whose Content-Type is ctype (NIL:
 * default), with the given STRING driver */
static BODY *parse_with (STRINGDRIVER *drv, const char *ctype,
			 const char *text, size_t len)
{
  BODY *body = mail_newbody ();
  STRING bs;
  if (ctype) {
    char *c = cpystr (ctype);
    rfc822_parse_content_header (body, "TYPE", c);
    fs_give ((void **) &c);
  }
  INIT (&bs, *drv, (void *) text, len);
  rfc822_parse_content (body, &bs, "example.org", 0, 0);
  return body;
}

/* Serialize the tree from both drivers; they must agree */
static char *parse_ser (const char *ctype, const char *text, size_t len)
{
  struct buf b = BUF_INIT, t = BUF_INIT;
  BODY *body = parse_with (&mail_string, ctype, text, len);
  BODY *body2 = parse_with (&tiny_string, ctype, text, len);
  ser (&b, body);
  ser (&t, body2);
  if (!CHECK_STREQ (buf_cstr (&t), buf_cstr (&b)))
    printf ("  (tiny-chunk driver disagrees)\n");
  mail_free_body (&body);
  mail_free_body (&body2);
  buf_free (&t);
  if (getenv ("TEST_MIME_PRINT")) printf ("%s\n", buf_cstr (&b));
  buf_append (&b, "", 0);
  return buf_detach (&b);
}

/* ------------------------------------------------- Content-* fields */

static const struct {
  const char *name, *value, *expect;
} hdr_cases[] = {
  { "TYPE", "text/html; charset=\"utf-8\"", "TEXT/HTML [CHARSET=utf-8]" },
  { "TYPE", "Text/Plain ; Charset = us-ascii (comment) ; format=flowed",
    "TEXT/PLAIN [CHARSET=us-ascii] [FORMAT=flowed]" },
  { "TYPE", "multipart/mixed; boundary=\"=_a b\\\"c\"",
    "MULTIPART/MIXED [BOUNDARY==_a b\"c]" },
  { "TYPE", "image", "TEXT/-" },			/* no subtype: ignored */
  { "TYPE", "; a=b", "TEXT/-" },
  { "TYPE", "", "TEXT/-" },
  { "TYPE", "application/x-foo; name=", "APPLICATION/X-FOO "
    "[NAME=MISSING_PARAMETER_VALUE]" },
  { "TYPE", "application/x-foo; name", "APPLICATION/X-FOO "
    "[NAME=MISSING_PARAMETER_VALUE]" },
  { "TYPE", "text/plain; charset=a; charset=b",
    "TEXT/PLAIN [CHARSET=a] [CHARSET=b]" },		/* duplicates kept */
  { "TYPE", "text/plain; name=\"unterminated value  ",
    "TEXT/PLAIN [NAME=unterminated value]" },
  { "TYPE", "text/plain;; ;a=1;", "TEXT/PLAIN [A=1]" },
  { "TYPE", "text/plain; url=http://x/y?z=1", "TEXT/PLAIN [URL=http://x/y?z=1]" },
  /* RFC 2231 */
  { "TYPE", "text/plain; name*0=\"a b\"; name*1=c",
    "TEXT/PLAIN [NAME=a bc]" },
  { "TYPE", "text/plain; name*1=\"b\"; name*0=\"a\"; name*2=c",
    "TEXT/PLAIN [NAME=abc]" },				/* out of order */
  { "TYPE", "text/plain; name*0=a; name*2=c",
    "TEXT/PLAIN [NAME=a] [NAME*2=c]" },			/* gap */
  { "TYPE", "text/plain; name*1=b; name*2=c",
    "TEXT/PLAIN [NAME*1=b] [NAME*2=c]" },		/* no section 0 */
  { "TYPE", "text/plain; name*0*=utf-8''%E2%82; name*1*=%AC; name*2=\".txt\"",
    "TEXT/PLAIN [NAME*=utf-8''%E2%82%AC.txt]" },
  { "TYPE", "text/plain; name*0=\"a b\"; name*1*=%E2%82%AC",
    "TEXT/PLAIN [NAME*=''a%20b%E2%82%AC]" },
  { "TYPE", "text/plain; name*=utf-8'en'%E2%82%AC",
    "TEXT/PLAIN [NAME*=utf-8'en'%E2%82%AC]" },		/* kept as is */
  { "TYPE", "text/plain; name*0=a; name*0=b; name*1=c",
    "TEXT/PLAIN [NAME=ac] [NAME=b]" },		/* duplicate section */
  { "TYPE", "text/plain; name*00=a; name*x=b; name**=c",
    "TEXT/PLAIN [NAME*00=a] [NAME*X=b] [NAME**=c]" },
  { "TYPE", "text/plain; a*0=x; b*0=y; a*1=z; b*1=w",
    "TEXT/PLAIN [A=xz] [B=yw]" },
  { "TYPE", "text/plain; a*0=; a*1=z", "TEXT/PLAIN [A=z]" },
  { "TYPE", "text/plain; name=\"\"", "TEXT/PLAIN [NAME=]" },	/* UW */
  { "TYPE", "text/plain; a=\"x\" junk; d=e", "TEXT/PLAIN [A=x]" },	/* UW */
  { "TYPE", "text/plain; a = \"b\" ; c = d", "TEXT/PLAIN [A=b] [C=d]" },
  { "TRANSFER-ENCODING", "Base64", "TEXT/- BASE64" },
  { "TRANSFER-ENCODING", " quoted-printable (x)", "TEXT/- QUOTED-PRINTABLE" },
  { "DISPOSITION", "attachment; filename=\"a.txt\"; size=3",
    "TEXT/- D=ATTACHMENT [FILENAME=a.txt] [SIZE=3]" },
  { "DISPOSITION", "", "TEXT/-" },
  { "ID", " <a@b> ", "TEXT/- ID=<a@b>" },
  { "DESCRIPTION", "some text", "TEXT/- DESC=some text" },
  { "LANGUAGE", "en, fr-CA (x), de", "TEXT/- LANG=EN,FR-CA,DE" },
  { "LOCATION", "http://x/", "TEXT/- LOC=http://x/" },
  { "MD5", "Q2hlY2s=", "TEXT/- MD5=Q2hlY2s=" },
  { "FOO", "bar", "TEXT/-" },
};

static char *ser_hdr (BODY *b)
{
  struct buf s = BUF_INIT;
  STRINGLIST *l;
  buf_printf (&s, "%s/%s", body_types[b->type], b->subtype ? b->subtype : "-");
  if (b->encoding) buf_printf (&s, " %s", body_encodings[b->encoding]);
  ser_params (&s, b->parameter);
  if (b->disposition.type) {
    buf_printf (&s, " D=%s", b->disposition.type);
    ser_params (&s, b->disposition.parameter);
  }
  if (b->id) buf_printf (&s, " ID=%s", b->id);
  if (b->description) buf_printf (&s, " DESC=%s", b->description);
  if (b->language) {
    buf_puts (&s, " LANG=");
    for (l = b->language; l; l = l->next)
      buf_printf (&s, "%s%s", l->text.data, l->next ? "," : "");
  }
  if (b->location) buf_printf (&s, " LOC=%s", b->location);
  if (b->md5) buf_printf (&s, " MD5=%s", b->md5);
  buf_append (&s, "", 0);
  return buf_detach (&s);
}

static void test_content_header (void)
{
  size_t i;
  for (i = 0; i < sizeof hdr_cases / sizeof hdr_cases[0]; i++) {
    BODY *b = mail_newbody ();
    char *v = cpystr (hdr_cases[i].value), *r;
    rfc822_parse_content_header (b, (char *) hdr_cases[i].name, v);
    r = ser_hdr (b);
    if (!CHECK_STREQ (r, hdr_cases[i].expect)) printf ("  case %zu\n", i);
    fs_give ((void **) &r);
    fs_give ((void **) &v);
    mail_free_body (&b);
  }
  /* first Content-Type wins; unknown types are registered */
  {
    BODY *b = mail_newbody ();
    char v1[] = "foo/bar", v2[] = "text/html";
    unsigned short t;
    rfc822_parse_content_header (b, "TYPE", v1);
    rfc822_parse_content_header (b, "TYPE", v2);
    CHECK_STREQ (body_types[b->type], "FOO");
    CHECK (b->type > TYPEOTHER && b->type <= TYPEMAX);
    t = b->type;
    mail_free_body (&b);
    b = mail_newbody ();
    rfc822_parse_content_header (b, "TYPE", v1);
    CHECK_INTEQ (b->type, t);		/* found again, not added twice */
    mail_free_body (&b);
  }
  /* the type table fills up and then gives X-UNKNOWN, never overflows */
  {
    int i2;
    for (i2 = 0; i2 < 2 * TYPEMAX; i2++) {
      BODY *b = mail_newbody ();
      char v[32];
      snprintf (v, sizeof v, "type%d/sub", i2);
      rfc822_parse_content_header (b, "TYPE", v);
      CHECK (b->type <= TYPEMAX);
      mail_free_body (&b);
    }
    CHECK (body_types[TYPEMAX + 1] == NULL);
    for (i2 = 0; i2 < 2 * ENCMAX; i2++) {
      BODY *b = mail_newbody ();
      char v[32];
      snprintf (v, sizeof v, "x-enc%d", i2);
      rfc822_parse_content_header (b, "TRANSFER-ENCODING", v);
      CHECK (b->encoding <= ENCMAX);
      mail_free_body (&b);
    }
    CHECK (body_encodings[ENCMAX + 1] == NULL);
  }
  /* too many parameters */
  {
    struct buf s = BUF_INIT;
    BODY *b = mail_newbody ();
    PARAMETER *p;
    int n = 0, i2;
    buf_puts (&s, "text/plain");
    for (i2 = 0; i2 < LIM_MIME_PARAMS * 3; i2++) buf_printf (&s, "; p%d=v", i2);
    rfc822_parse_content_header (b, "TYPE", s.data);
    for (p = b->parameter; p; p = p->next) n++;
    CHECK_INTEQ (n, LIM_MIME_PARAMS);
    mail_free_body (&b);
    buf_free (&s);
  }
  CHECK_STREQ (rfc822_default_subtype (TYPETEXT), "PLAIN");
  CHECK_STREQ (rfc822_default_subtype (TYPEMULTIPART), "MIXED");
  CHECK_STREQ (rfc822_default_subtype (TYPEMESSAGE), "RFC822");
  CHECK_STREQ (rfc822_default_subtype (TYPEAPPLICATION), "OCTET-STREAM");
  CHECK_STREQ (rfc822_default_subtype (TYPEAUDIO), "BASIC");
  CHECK_STREQ (rfc822_default_subtype (TYPEIMAGE), "UNKNOWN");
}

/* ----------------------------------------------------------- structure */

#define MP "multipart/mixed; boundary=zz"

static const struct {
  const char *ctype;
  const char *text;
  const char *expect;
} tree_cases[] = {
  /* the basic shape, checked against UW (except NAME joined) */
  { "multipart/mixed; boundary=\"xx\"",
    "preamble\r\n--xx\r\nContent-Type: text/plain; name*0=\"a b\"; "
    "name*1=c\r\n\r\nhello\r\nworld\r\n--xx\r\n\r\nnohdr\r\n--xx\r\n"
    "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nbody\r\n"
    "--xx--\r\nepi\r\n",
    "MULTIPART/MIXED 0+172 L0 M0+0 [BOUNDARY=xx] (TEXT/PLAIN 68+12 L1 M16+52"
    " [NAME=a bc] | TEXT/PLAIN 90+5 L0 M88+2 [CHARSET=US-ASCII] | "
    "MESSAGE/RFC822 135+22 L2 M103+32 {F135+22 H135+18 T153+4 S=inner "
    "TEXT/PLAIN 153+4 L0 M0+0 [CHARSET=US-ASCII]})" },
  /* no close delimiter: the last part runs to the end (UW) */
  { MP, "--zz\r\nContent-Type: text/html\r\n\r\n<p>\r\n--zz\r\n\r\nsecond\r\n",
    "MULTIPART/MIXED 0+54 L0 M0+0 [BOUNDARY=zz] (TEXT/HTML 33+3 L0 M6+27 "
    "[CHARSET=US-ASCII] | TEXT/PLAIN 46+8 L1 M44+2 [CHARSET=US-ASCII])" },
  /* a header with no blank line: all header, no body (UW) */
  { MP, "--zz\r\nContent-Type: text/html\r\n--zz--\r\n",
    "MULTIPART/MIXED 0+39 L0 M0+0 [BOUNDARY=zz] (TEXT/HTML 29+0 L0 M6+23 "
    "[CHARSET=US-ASCII])" },
  /* one boundary a prefix of another (UW) */
  { "multipart/mixed; boundary=ab",
    "--ab\r\nContent-Type: multipart/alternative; boundary=abc\r\n\r\n"
    "--abc\r\n\r\none\r\n--abc\r\n\r\ntwo\r\n--abc--\r\n--ab\r\n\r\nlast\r\n"
    "--ab--\r\n",
    "MULTIPART/MIXED 0+118 L0 M0+0 [BOUNDARY=ab] (MULTIPART/ALTERNATIVE 59+35"
    " L0 M6+53 [BOUNDARY=abc] (TEXT/PLAIN 68+3 L0 M66+2 [CHARSET=US-ASCII] "
    "| TEXT/PLAIN 82+3 L0 M80+2 [CHARSET=US-ASCII]) | TEXT/PLAIN 104+4 L0 "
    "M102+2 [CHARSET=US-ASCII])" },
  /* transport padding after delimiters; "--zzX" is not one */
  { MP, "--zz  \r\n\r\nhi\r\n--zzX\r\nmore\r\n--zz--  \r\n",
    "MULTIPART/MIXED 0+37 L0 M0+0 [BOUNDARY=zz] (TEXT/PLAIN 10+15 L2 M8+2 "
    "[CHARSET=US-ASCII])" },
  /* digest: parts default to message/rfc822 (UW) */
  { "multipart/digest; boundary=zz",
    "--zz\r\n\r\nSubject: d1\r\n\r\nbody1\r\n--zz\r\nContent-Type: "
    "text/plain\r\n\r\nplain\r\n--zz--\r\n",
    "MULTIPART/DIGEST 0+79 L0 M0+0 [BOUNDARY=zz] (MESSAGE/RFC822 8+20 L2 "
    "M6+2 {F8+20 H8+15 T23+5 S=d1 TEXT/PLAIN 23+5 L0 M0+0 "
    "[CHARSET=US-ASCII]} | TEXT/PLAIN 64+5 L0 M36+28 [CHARSET=US-ASCII])" },
  /* empty parts */
  { MP, "--zz\r\n--zz\r\n\r\nx\r\n--zz--\r\n",
    "MULTIPART/MIXED 0+25 L0 M0+0 [BOUNDARY=zz] (TEXT/PLAIN 6+0 L0 M6+0 "
    "[CHARSET=US-ASCII] | TEXT/PLAIN 14+1 L0 M12+2 [CHARSET=US-ASCII])" },
  /* no boundary parameter, boundary never found: one part, all of it */
  { "multipart/mixed", "--x\r\n\r\nhi\r\n--x--\r\n",
    "MULTIPART/MIXED 0+18 L0 M0+0 (TEXT/PLAIN 0+18 L4 M0+0 "
    "[CHARSET=US-ASCII])" },
  { MP, "no boundaries here\r\nat all\r\n",
    "MULTIPART/MIXED 0+28 L0 M0+0 [BOUNDARY=zz] (TEXT/PLAIN 0+28 L2 M0+0 "
    "[CHARSET=US-ASCII])" },
  { MP, "", "MULTIPART/MIXED 0+0 L0 M0+0 [BOUNDARY=zz] (TEXT/PLAIN 0+0 L0 "
    "M0+0 [CHARSET=US-ASCII])" },
  /* CR-only line ends: no line starts, so no delimiters after the first */
  { MP, "--zz\r\rhi\r--zz--\r",
    "MULTIPART/MIXED 0+16 L0 M0+0 [BOUNDARY=zz] (TEXT/PLAIN 0+16 L0 M0+0 "
    "[CHARSET=US-ASCII])" },
  /* LF-only line ends */
  { MP, "--zz\n\nhi\n--zz--\n",
    "MULTIPART/MIXED 0+16 L0 M0+0 [BOUNDARY=zz] (TEXT/PLAIN 6+2 L0 M5+1 "
    "[CHARSET=US-ASCII])" },
  /* delimiter at the very end, without a line end */
  { MP, "--zz\r\n\r\nx\r\n--zz--",
    "MULTIPART/MIXED 0+17 L0 M0+0 [BOUNDARY=zz] (TEXT/PLAIN 8+1 L0 M6+2 "
    "[CHARSET=US-ASCII])" },
  /* 8-bit text without charset: X-UNKNOWN (UW) */
  { MP, "--zz\r\n\r\ncaf\xc3\xa9\r\n--zz\r\nContent-Transfer-Encoding: "
    "base64\r\n\r\nQQ==\r\n--zz--\r\n",
    "MULTIPART/MIXED 0+72 L0 M0+0 [BOUNDARY=zz] (TEXT/PLAIN 8+5 L0 M6+2 "
    "[CHARSET=X-UNKNOWN] | TEXT/PLAIN BASE64 58+4 L0 M21+37 "
    "[CHARSET=X-UNKNOWN])" },
  /* close delimiter before any part: one empty part (UW) */
  { MP, "pre\r\n--zz--\r\nepi\r\n",
    "MULTIPART/MIXED 0+18 L0 M0+0 [BOUNDARY=zz] (TEXT/PLAIN 0+0 L0 M0+0 "
    "[CHARSET=US-ASCII])" },
  /* message/rfc822 without a blank line: all header (UW) */
  { "message/rfc822", "no header here just text",
    "MESSAGE/RFC822 0+24 L0 M0+0 {F0+24 H0+24 T24+0 S=- TEXT/PLAIN 24+0 L0 "
    "M0+0 [CHARSET=US-ASCII]}" },
  /* message/global is parsed too (UW 2007 does not) */
  { "message/global", "Subject: g\r\n\r\nbody\r\n",
    "MESSAGE/GLOBAL 0+20 L3 M0+0 {F0+20 H0+14 T14+6 S=g TEXT/PLAIN 14+6 L1 "
    "M0+0 [CHARSET=US-ASCII]}" },
  /* message containing multipart containing message */
  { "message/rfc822",
    "Subject: outer\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n"
    "--q\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n"
    "Content-Type: multipart/alternative; boundary=q2\r\n\r\n--q2\r\n\r\n"
    "a\r\n--q2--\r\n--q\r\n\r\ntail\r\n--q--\r\n",
    "MESSAGE/RFC822 0+205 L17 M0+0 {F0+205 H0+61 T61+144 S=outer "
    "MULTIPART/MIXED 61+144 L0 M0+0 [BOUNDARY=q] (MESSAGE/RFC822 98+85 L6 "
    "M66+32 {F98+85 H98+68 T166+17 S=inner MULTIPART/ALTERNATIVE 166+17 L0 "
    "M0+0 [BOUNDARY=q2] (TEXT/PLAIN 174+1 L0 M172+2 [CHARSET=US-ASCII])} | "
    "TEXT/PLAIN 192+4 L0 M190+2 [CHARSET=US-ASCII])}" },
  /* encoded message/rfc822: not parsed (UW logs and goes on) */
  { "message/rfc822; x=y", "U3ViamVjdDogeAoKYm9keQo=\r\n",
    "MESSAGE/RFC822 0+26 L1 M0+0 [X=y] {F0+26 H0+26 T26+0 S=- TEXT/PLAIN "
    "26+0 L0 M0+0 [CHARSET=US-ASCII]}" },
  /* unusable boundary: longer than LIM_BOUNDARY_LEN */
  { "multipart/mixed; boundary=" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "abc", NULL },
  /* default text/plain top level with lines */
  { NULL, "a\r\nb\r\nc", "TEXT/PLAIN 0+7 L2 M0+0 [CHARSET=US-ASCII]" },
  { "application/octet-stream", "\x00\x01\r\n",
    "APPLICATION/OCTET-STREAM 0+0 L0 M0+0" },
};

static void test_trees (void)
{
  size_t i;
  for (i = 0; i < sizeof tree_cases / sizeof tree_cases[0]; i++) {
    char *r = parse_ser (tree_cases[i].ctype, tree_cases[i].text,
			 strlen (tree_cases[i].text));
    if (tree_cases[i].expect) {
      if (!CHECK_STREQ (r, tree_cases[i].expect)) printf ("  case %zu\n", i);
    }
    else CHECK (strstr (r, "(TEXT/PLAIN 0+3 L0 M0+0") != NULL);
    fs_give ((void **) &r);
  }
}

/* ------------------------------------------------------------ hostile */

static void test_deep (void)
{
  struct buf b = BUF_INIT;
  BODY *body, *x;
  int i, depth;

  /* multipart nested 60 deep: below LIM_MIME_DEPTH levels it is TEXT */
  for (i = 0; i < 60; i++)
    buf_printf (&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n"
		"\r\n", i, i + 1);
  buf_puts (&b, "--b60\r\n\r\ndeep\r\n");
  for (i = 60; i >= 0; i--) buf_printf (&b, "--b%d--\r\n", i);
  body = parse_with (&mail_string, "multipart/mixed; boundary=b0", b.data,
		     b.len);
  for (depth = 0, x = body; x->type == TYPEMULTIPART && x->nested.part;
       depth++)
    x = &x->nested.part->body;
  CHECK_INTEQ (depth, LIM_MIME_DEPTH + 1);
  CHECK_INTEQ (x->type, TYPETEXT);
  CHECK_STREQ (x->subtype, "MIXED");		/* as UW: subtype kept */
  CHECK (x->size.lines > 0);
  mail_free_body (&body);

  /* message/rfc822 nested 60 deep */
  buf_reset (&b);
  for (i = 0; i < 60; i++)
    buf_printf (&b, "Subject: lvl%d\r\nContent-Type: message/rfc822\r\n\r\n",
		i);
  buf_puts (&b, "Subject: end\r\n\r\nbody\r\n");
  body = parse_with (&mail_string, "message/rfc822", b.data, b.len);
  for (depth = 0, x = body; x->type == TYPEMESSAGE && x->nested.msg &&
       x->nested.msg->body; depth++)
    x = x->nested.msg->body;
  CHECK_INTEQ (depth, LIM_MIME_DEPTH + 1);
  CHECK_INTEQ (x->type, TYPETEXT);
  mail_free_body (&body);
  buf_free (&b);
}

static void test_many_parts (void)
{
  struct buf b = BUF_INIT;
  BODY *body;
  PART *p;
  unsigned long n = 0, i, last = 0;

  for (i = 0; i < 20000; i++) buf_printf (&b, "--zz\r\n\r\npart %lu\r\n", i);
  buf_puts (&b, "--zz--\r\n");
  body = parse_with (&mail_string, MP, b.data, b.len);
  for (p = body->nested.part; p; p = p->next) {
    n++;
    if (!p->next) last = p->body.contents.offset + p->body.size.bytes;
  }
  CHECK_INTEQ (n, LIM_MIME_PARTS);
  /* the last part takes the rest, so nothing is lost */
  CHECK_INTEQ (last, b.len);
  mail_free_body (&body);
  /* the limit is per message: a second parse starts from zero */
  buf_reset (&b);
  for (i = 0; i < 10; i++) buf_puts (&b, "--zz\r\n\r\nx\r\n");
  body = parse_with (&mail_string, MP, b.data, b.len);
  for (n = 0, p = body->nested.part; p; p = p->next) n++;
  CHECK_INTEQ (n, 10);
  mail_free_body (&body);
  buf_free (&b);
}

/* Every node must lie inside its parent, and parts must not overlap */
static int check_ranges (BODY *body, unsigned long lo, unsigned long hi,
			 unsigned long depth)
{
  PART *p;
  unsigned long prev = lo;
  if (depth > LIM_MIME_DEPTH + 2) return 0;
  if (body->contents.offset < lo ||
      body->contents.offset + body->size.bytes > hi) return 0;
  if (body->type == TYPEMULTIPART) {
    if (!body->nested.part) return 0;		/* never an empty multipart */
    for (p = body->nested.part; p; p = p->next) {
      if (p->body.mime.offset < prev ||
	  p->body.mime.offset + p->body.mime.text.size !=
	  p->body.contents.offset)
	return 0;
      if (!check_ranges (&p->body, body->contents.offset,
			 body->contents.offset + body->size.bytes, depth + 1))
	return 0;
      prev = p->body.contents.offset + p->body.size.bytes;
    }
  }
  else if (body->type == TYPEMESSAGE && body->nested.msg) {
    MESSAGE *m = body->nested.msg;
    if (!m->body || m->full.offset != body->contents.offset ||
	m->header.text.size + m->text.text.size != body->size.bytes ||
	!check_ranges (m->body, m->text.offset, hi, depth + 1))
      return 0;
  }
  return 1;
}

static void test_garbage (void)
{
  static const char *pieces[] = {
    "--zz\r\n", "--zz--\r\n", "--z\r\n", "\r\n", "\n", "\r", "Content-Type: "
    "multipart/mixed; boundary=zz\r\n", "Content-Type: message/rfc822\r\n",
    "Subject: x\r\n", "text ", "--zz", "Content-Type: multipart/digest; "
    "boundary=zy\r\n", "--zy\r\n", "--zy--", "Content-Type: text/plain\r\n",
    "\x00", "\xff", "Content-Transfer-Encoding: base64\r\n",
  };
  struct buf b = BUF_INIT;
  unsigned long seed = 12345, round, k, bad = 0, disagree = 0;

  for (round = 0; round < 3000; round++) {
    BODY *b1, *b2;
    struct buf s1 = BUF_INIT, s2 = BUF_INIT;
    unsigned long n;
    buf_reset (&b);
    seed = seed * 1103515245 + 12345;
    n = (seed >> 16) % 60;
    for (k = 0; k < n; k++) {
      const char *pc;
      seed = seed * 1103515245 + 12345;
      pc = pieces[(seed >> 16) % (sizeof pieces / sizeof *pieces)];
      buf_append (&b, pc, *pc ? strlen (pc) : 1);	/* "\x00" is 1 byte */
    }
    b1 = parse_with (&mail_string, round & 1 ? MP : "message/rfc822",
		     b.len ? b.data : "", b.len);
    b2 = parse_with (&tiny_string, round & 1 ? MP : "message/rfc822",
		     b.len ? b.data : "", b.len);
    if (!check_ranges (b1, 0, b.len, 0)) {
      if (!bad++ && getenv ("TEST_MIME_PRINT")) {
	struct buf d = BUF_INIT;
	ser (&d, b1);
	printf ("range failure: %s\n", buf_cstr (&d));
	unit_print_bytes (b.data, b.len);
	printf ("\n");
	buf_free (&d);
      }
    }
    ser (&s1, b1);
    ser (&s2, b2);
    if (strcmp (buf_cstr (&s1), buf_cstr (&s2))) disagree++;
    buf_free (&s1);
    buf_free (&s2);
    mail_free_body (&b1);
    mail_free_body (&b2);
  }
  CHECK_INTEQ (bad, 0);
  CHECK_INTEQ (disagree, 0);
  buf_free (&b);
}

/* Offsets are positions in the STRING as given, even when it does not
 * start at 0 */
static void test_offset_base (void)
{
  const char *t = "HEADERJUNK--zz\r\n\r\nhi\r\n--zz--\r\n";
  BODY *body = mail_newbody ();
  STRING bs;
  char v[] = MP;
  rfc822_parse_content_header (body, "TYPE", v);
  INIT (&bs, mail_string, (void *) t, strlen (t));
  SETPOS (&bs, 10);
  rfc822_parse_content (body, &bs, "x", 0, 0);
  CHECK_INTEQ (body->contents.offset, 10);
  CHECK_INTEQ (body->size.bytes, strlen (t) - 10);
  CHECK_INTEQ (body->nested.part->body.mime.offset, 16);
  CHECK_INTEQ (body->nested.part->body.contents.offset, 18);
  CHECK_INTEQ (body->nested.part->body.size.bytes, 2);
  mail_free_body (&body);
}

/* A big flat message parses in linear time (a quadratic scan would take
 * minutes here) */
static void test_big (void)
{
  struct buf b = BUF_INIT;
  BODY *body;
  unsigned long i;
  buf_puts (&b, "--zz\r\n\r\n");
  for (i = 0; i < 200000; i++) buf_puts (&b, "-- not a boundary line --\r\n");
  buf_puts (&b, "--zz--\r\n");
  body = parse_with (&tiny_string, MP, b.data, b.len);
  CHECK_INTEQ (body->nested.part->body.size.lines, 199999);
  mail_free_body (&body);
  buf_free (&b);
}

/* -------------------------------------------------------------- output */

static long sink (void *s, char *text)
{
  buf_puts ((struct buf *) s, text);
  return LONGT;
}

static BODY *make_body (void)
{
  BODY *body = mail_newbody ();
  PART *p;
  body->type = TYPEMULTIPART;
  body->subtype = cpystr ("MIXED");
  p = body->nested.part = mail_newbody_part ();
  p->body.subtype = cpystr ("PLAIN");
  p->body.encoding = ENC8BIT;
  p->body.contents.text.data = (unsigned char *) cpystr ("caf\xc3\xa9 =\r\n");
  p->body.contents.text.size = 9;
  p->body.parameter = mail_newbody_parameter ();
  p->body.parameter->attribute = cpystr ("CHARSET");
  p->body.parameter->value = cpystr ("utf-8");
  p->body.disposition.type = cpystr ("inline");
  p->body.id = cpystr ("<id@x>");
  p->body.language = mail_newstringlist ();
  p->body.language->text.data = (unsigned char *) cpystr ("en");
  p->body.language->text.size = 2;
  p->next = mail_newbody_part ();
  p = p->next;
  p->body.type = TYPEAPPLICATION;
  p->body.subtype = cpystr ("OCTET-STREAM");
  p->body.encoding = ENCBINARY;
  p->body.contents.text.data = fs_get (4);
  memcpy (p->body.contents.text.data, "\x01\xff\x80z", 4);
  p->body.contents.text.size = 4;
  p->body.parameter = mail_newbody_parameter ();
  p->body.parameter->attribute = cpystr ("NAME");
  p->body.parameter->value = cpystr ("a file;x.bin");
  p->body.disposition.type = cpystr ("ATTACHMENT");
  p->body.disposition.parameter = mail_newbody_parameter ();
  p->body.disposition.parameter->attribute = cpystr ("FILENAME");
  p->body.disposition.parameter->value = cpystr ("x\"y.bin");
  p->next = mail_newbody_part ();
  p = p->next;
  p->body.subtype = cpystr ("HTML");
  p->body.contents.text.data = (unsigned char *) cpystr ("<p>\r\n");
  p->body.contents.text.size = 5;
  return body;
}

static void test_output (void)
{
  BODY *body = make_body ();
  ENVELOPE *env = mail_newenvelope ();
  struct buf out = BUF_INIT, exp = BUF_INIT;
  char hdr[2000], *h = hdr;
  const char *cookie;
  PARAMETER *p;

  /* body header alone (UW's layout) */
  rfc822_write_body_header (&h, &body->nested.part->body);
  CHECK_STREQ (hdr, "Content-Type: TEXT/PLAIN; CHARSET=utf-8\r\n"
	       "Content-Transfer-Encoding: 8BIT\r\nContent-ID: <id@x>\r\n"
	       "Content-Language: en\r\nContent-Disposition: inline\r\n");
  CHECK (h == hdr + strlen (hdr));

  /* the whole message, 7-bit: QP and base64 applied, boundary made */
  env->subject = cpystr ("hi");
  CHECK (rfc822_output (NIL, env, body, sink, &out, NIL));
  for (p = body->parameter; p && strcmp (p->attribute, "BOUNDARY");
       p = p->next);
  if (!CHECK (p != NULL)) return;
  cookie = p->value;
  CHECK (strstr (cookie, "=:") != NULL);
  buf_printf (&exp, "Subject: hi\r\nMIME-Version: 1.0\r\n"
	      "Content-Type: MULTIPART/MIXED; BOUNDARY=\"%s\"\r\n\r\n"
	      "--%s\r\nContent-Type: TEXT/PLAIN; CHARSET=utf-8\r\n"
	      "Content-Transfer-Encoding: QUOTED-PRINTABLE\r\n"
	      "Content-ID: <id@x>\r\nContent-Language: en\r\n"
	      "Content-Disposition: inline\r\n\r\ncaf=C3=A9 =3D\r\n\r\n"
	      "--%s\r\nContent-Type: APPLICATION/OCTET-STREAM; "
	      "NAME=\"a file;x.bin\"\r\nContent-Transfer-Encoding: BASE64\r\n"
	      "Content-Disposition: ATTACHMENT; FILENAME=\"x\\\"y.bin\"\r\n\r\n"
	      "Af+Aeg==\r\n\r\n--%s\r\nContent-Type: TEXT/HTML; "
	      "CHARSET=US-ASCII\r\n\r\n<p>\r\n\r\n--%s--\r\n",
	      cookie, cookie, cookie, cookie, cookie);
  CHECK_STREQ (buf_cstr (&out), buf_cstr (&exp));

  /* what we write parses back to the same structure */
  {
    ENVELOPE *e2 = NIL;
    BODY *b2 = NIL;
    STRING bs;
    const char *t = buf_cstr (&out), *sep = strstr (t, "\r\n\r\n");
    size_t hl = sep - t + 4;
    unsigned long len;
    unsigned char *dec;
    PART *part;
    INIT (&bs, mail_string, (void *) (t + hl), out.len - hl);
    rfc822_parse_msg (&e2, &b2, (char *) t, hl, &bs, "x", 0);
    CHECK_INTEQ (b2->type, TYPEMULTIPART);
    part = b2->nested.part;
    CHECK_INTEQ (part->body.encoding, ENCQUOTEDPRINTABLE);
    dec = rfc822_qprint ((unsigned char *) t + hl + part->body.contents.offset,
			 part->body.size.bytes, &len);
    CHECK_MEMEQ (dec, len, "caf\xc3\xa9 =\r\n", 9);
    fs_give ((void **) &dec);
    part = part->next;
    CHECK_STREQ (part->body.parameter->value, "a file;x.bin");
    CHECK_STREQ (part->body.disposition.parameter->value, "x\"y.bin");
    dec = rfc822_base64 ((unsigned char *) t + hl +
			 part->body.contents.offset, part->body.size.bytes,
			 &len);
    CHECK_MEMEQ (dec, len, "\x01\xff\x80z", 4);
    fs_give ((void **) &dec);
    CHECK (part->next && !part->next->next);
    mail_free_envelope (&e2);
    mail_free_body (&b2);
  }

  /* rfc822_output_body: the text only */
  buf_reset (&out);
  CHECK (rfc822_output_body (body, sink, &out));
  CHECK (!strncmp (buf_cstr (&out), "--", 2));
  CHECK (strstr (buf_cstr (&exp), buf_cstr (&out)) != NULL);

  /* parameters are never folded (UW's output, byte for byte) */
  {
    char tmp[100];
    RFC822BUFFER rb;
    BODY *b = mail_newbody ();
    buf_reset (&out);
    rb.f = sink;
    rb.s = &out;
    rb.beg = rb.cur = tmp;
    rb.end = tmp + sizeof tmp - 1;	/* small: forces many flushes */
    b->subtype = cpystr ("PLAIN");
    b->parameter = mail_newbody_parameter ();
    b->parameter->attribute = cpystr ("NAME");
    b->parameter->value =
      cpystr ("a-very-long-file-name-that-goes-on-and-on-and-on-and-on.txt");
    b->parameter->next = mail_newbody_parameter ();
    b->parameter->next->attribute = cpystr ("CHARSET");
    b->parameter->next->value = cpystr ("utf-8");
    CHECK (rfc822_output_body_header (&rb, b) && rfc822_output_flush (&rb));
    CHECK_STREQ (buf_cstr (&out), "Content-Type: TEXT/PLAIN; NAME="
		 "a-very-long-file-name-that-goes-on-and-on-and-on-and-on.txt;"
		 " CHARSET=utf-8\r\n");
    buf_reset (&out);
    rb.cur = rb.beg;
    CHECK (rfc822_output_parameter (&rb, b->parameter->next) &&
	   rfc822_output_stringlist (&rb, body->nested.part->body.language) &&
	   rfc822_output_flush (&rb));
    CHECK_STREQ (buf_cstr (&out), "; CHARSET=utf-8en");
    mail_free_body (&b);
  }

  /* 8-bit transport: 8BIT stays, BINARY still becomes base64 */
  {
    BODY *b8 = make_body ();
    rfc822_encode_body_8bit (NIL, b8);
    CHECK_INTEQ (b8->nested.part->body.encoding, ENC8BIT);
    CHECK_INTEQ (b8->nested.part->next->body.encoding, ENCBASE64);
    mail_free_body (&b8);
  }
  mail_free_envelope (&env);
  mail_free_body (&body);
  buf_free (&out);
  buf_free (&exp);
}

int main (void)
{
  test_content_header ();
  test_trees ();
  test_deep ();
  test_many_parts ();
  test_garbage ();
  test_offset_base ();
  test_big ();
  test_output ();
  return unit_done ();
}

/*
 * Unit tests for out-msg.c: flag lists, PERMANENTFLAGS, envelopes,
 * address groups, BODY/BODYSTRUCTURE and internal dates, on messages the
 * library parses; then FETCH itself (cmd-fetch.c, which is out-msg.c's
 * main user) on a real mbox: item parsing, BAD before any change, \Seen
 * and its FLAGS, UID FETCH, partials, BINARY decoding and UNKNOWN-CTE.
 * Output is captured through a client whose I/O layer writes into a
 * buffer.  Expected strings are written from RFC 3501 7.4.2 / RFC 3516
 * (and UW's field orders), not copied from a run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "imapd.h"
#include "rfc822.h"
#include "linkage.h"
#include "unit.h"
#include "test-fs.h"

static struct buf captured;

static ssize_t cap_write (void *ctx, const void *p, size_t n)
{
  (void) ctx;
  buf_append (&captured, p, n);
  return (ssize_t) n;
}

static ssize_t cap_read (void *ctx, void *p, size_t n)
{
  (void) ctx; (void) p; (void) n;
  return 0;
}

static int cap_pending (void *ctx)
{
  (void) ctx;
  return 0;
}

static struct client *cl;

static void begin (void)
{
  buf_reset (&captured);
}

static const char *end (void)
{
  client_flush (cl);
  return buf_cstr (&captured);
}

/* Parse a whole message (LF newlines turned into CRLF, as the library
 * hands texts to imapd) into env/body. */
static void parse (const char *msg, ENVELOPE **env, BODY **body)
{
  struct buf crlf = BUF_INIT;
  const char *p, *sep;
  size_t hlen;
  STRING bs;

  for (p = msg; *p; p++) {
    if (*p == '\n') buf_putc (&crlf, '\r');
    buf_putc (&crlf, *p);
  }
  sep = strstr (crlf.data, "\r\n\r\n");
  hlen = sep ? (size_t) (sep - crlf.data) + 4 : crlf.len;
  INIT (&bs, mail_string, crlf.data + hlen, crlf.len - hlen);
  rfc822_parse_msg (env, body, crlf.data, hlen, &bs, "example.org", 0);
  buf_free (&crlf);
}

/* ------------------------------------------------------------- flags */

static void test_flags (void)
{
  MAILSTREAM stream;
  MESSAGECACHE elt;

  memset (&stream, 0, sizeof stream);
  memset (&elt, 0, sizeof elt);
  stream.user_flags[0] = "$Forwarded";
  stream.user_flags[1] = "Junk";
  stream.user_flags[4] = "work";

  begin ();
  out_flags (cl, &stream, &elt);
  CHECK_STREQ (end (), "()");

  elt.seen = elt.answered = 1;
  begin ();
  out_flags (cl, &stream, &elt);
  CHECK_STREQ (end (), "(\\Seen \\Answered)");

  /* UW's order: \Recent \Seen \Deleted \Flagged \Answered \Draft, then
   * keywords by slot */
  elt.recent = elt.deleted = elt.flagged = elt.draft = 1;
  elt.user_flags = (1UL << 4) | 1UL;
  begin ();
  out_flags (cl, &stream, &elt);
  CHECK_STREQ (end (), "(\\Recent \\Seen \\Deleted \\Flagged \\Answered "
	       "\\Draft $Forwarded work)");

  /* keywords only */
  memset (&elt, 0, sizeof elt);
  elt.user_flags = 2UL;
  begin ();
  out_flags (cl, &stream, &elt);
  CHECK_STREQ (end (), "(Junk)");

  /* a bit for a slot without a name is not printed */
  elt.user_flags = 1UL << 7;
  begin ();
  out_flags (cl, &stream, &elt);
  CHECK_STREQ (end (), "()");
}

static void test_permanentflags (void)
{
  MAILSTREAM stream;

  memset (&stream, 0, sizeof stream);
  stream.user_flags[0] = "$Forwarded";
  stream.user_flags[2] = "Junk";
  stream.perm_user_flags = 1UL | 4UL;
  stream.perm_seen = stream.perm_deleted = stream.perm_flagged = 1;
  stream.perm_answered = stream.perm_draft = 1;
  stream.kwd_create = 1;

  begin ();
  out_permanentflags (cl, &stream);
  CHECK_STREQ (end (), "($Forwarded Junk \\* \\Answered \\Flagged \\Deleted "
	       "\\Draft \\Seen)");

  stream.kwd_create = 0;
  stream.perm_user_flags = 4UL;
  stream.perm_draft = 0;
  begin ();
  out_permanentflags (cl, &stream);
  CHECK_STREQ (end (), "(Junk \\Answered \\Flagged \\Deleted \\Seen)");

  stream.rdonly = 1;		/* read-only: nothing is permanent */
  begin ();
  out_permanentflags (cl, &stream);
  CHECK_STREQ (end (), "()");
}

/* --------------------------------------------------------- envelopes */

static void test_envelope (void)
{
  ENVELOPE *env = NIL;
  BODY *body = NIL;

  parse ("Date: Wed, 02 Dec 2026 21:00:00 +0000\n"
	 "From: \"Ann \\\"Q\\\" Example\" <ann@example.com>\n"
	 "Subject: Hello \"world\"\n"
	 "To: undisclosed: ;, bob@example.net\n"
	 "Cc: Team: carl@example.com, dora@example.com;\n"
	 "Message-ID: <m1@example.com>\n"
	 "In-Reply-To: <m0@example.com>\n"
	 "\n"
	 "Body\n", &env, &body);
  CHECK (env != NIL);
  begin ();
  out_envelope (cl, env);
  /* sender and reply-to default to from; bcc absent: NIL; groups as
   * (NIL NIL "name" NIL) ... (NIL NIL NIL NIL) */
  CHECK_STREQ (end (),
	       "(\"Wed, 02 Dec 2026 21:00:00 +0000\" \"Hello \\\"world\\\"\" "
	       "((\"Ann \\\"Q\\\" Example\" NIL \"ann\" \"example.com\")) "
	       "((\"Ann \\\"Q\\\" Example\" NIL \"ann\" \"example.com\")) "
	       "((\"Ann \\\"Q\\\" Example\" NIL \"ann\" \"example.com\")) "
	       "((NIL NIL \"undisclosed\" NIL)(NIL NIL NIL NIL)"
	       "(NIL NIL \"bob\" \"example.net\")) "
	       "((NIL NIL \"Team\" NIL)(NIL NIL \"carl\" \"example.com\")"
	       "(NIL NIL \"dora\" \"example.com\")(NIL NIL NIL NIL)) "
	       "NIL \"<m0@example.com>\" \"<m1@example.com>\")");
  mail_free_envelope (&env);
  mail_free_body (&body);

  begin ();
  out_envelope (cl, NIL);
  CHECK_STREQ (end (), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");

  /* nothing but a subject; 8-bit text goes as a literal */
  parse ("Subject: caf\xc3\xa9\n\nx\n", &env, &body);
  begin ();
  out_envelope (cl, env);
  CHECK_STREQ (end (), "(NIL {5}\r\ncaf\xc3\xa9 NIL NIL NIL NIL NIL NIL NIL "
	       "NIL)");
  mail_free_envelope (&env);
  mail_free_body (&body);

  begin ();
  out_address_list (cl, NIL);
  CHECK_STREQ (end (), "NIL");
}


/* Strings in envelopes come out exactly as out.c's out_string() would
 * write them, whichever path (quoted here, or out.c) they take. */
static void test_strings (void)
{
  static const size_t lens[] = { 0, 1, 2, 255, 256, 257, 300, 1024, 1025,
				 3000 };
  static const char fill[] = "a\"b\\c\td";	/* quotes, backslash, tab */
  size_t i, k;
  unsigned int bad = 0;

  for (i = 0; i < sizeof lens / sizeof lens[0]; i++)
    for (k = 0; k < 5; k++) {
      ENVELOPE env;
      char *subj = fs_get (lens[i] + 1);
      struct buf want = BUF_INIT;
      size_t j;
      for (j = 0; j < lens[i]; j++)
	subj[j] = (k == 0 || k == 3) ? 'x' : fill[j % (sizeof fill - 1)];
      if (k == 2 && lens[i]) subj[lens[i] / 2] = '\xe9';	/* 8-bit */
      if (k == 3 && lens[i]) subj[lens[i] - 1] = '"';	/* plain, escaped last */
      if (k == 4 && lens[i]) subj[lens[i] / 2] = '\n';	/* not quotable */
      subj[lens[i]] = '\0';
      begin ();
      out_string (cl, subj, lens[i]);
      end ();
      buf_puts (&want, "(NIL ");
      buf_append (&want, captured.data, captured.len);
      buf_puts (&want, " NIL NIL NIL NIL NIL NIL NIL NIL)");
      memset (&env, 0, sizeof env);
      env.subject = subj;
      begin ();
      out_envelope (cl, &env);
      if (strcmp (end (), want.data)) {
	bad++;
	printf ("  subject of %zu bytes, kind %zu differs\n", lens[i], k);
      }
      buf_free (&want);
      fs_give ((void **) &subj);
    }
  CHECK_INTEQ (bad, 0);
  /* and the two shapes really occur: short plain quoted, long literal */
  {
    ENVELOPE env;
    memset (&env, 0, sizeof env);
    env.subject = "say \"hi\" \\o/";
    begin ();
    out_envelope (cl, &env);
    CHECK_STREQ (end (), "(NIL \"say \\\"hi\\\" \\\\o/\" NIL NIL NIL NIL NIL "
		 "NIL NIL NIL)");
  }
}

static void test_source_route (void)
{
  ENVELOPE *env = NIL;
  BODY *body = NIL;
  parse ("From: Old <@relay.example,@b.example:joe@example.com>\n\nx\n",
	 &env, &body);
  begin ();
  out_address_list (cl, env->from);
  CHECK_STREQ (end (), "((\"Old\" \"@relay.example,@b.example\" \"joe\" "
	       "\"example.com\"))");
  mail_free_envelope (&env);
  mail_free_body (&body);
}

/* ---------------------------------------------------- body structure */

static const char simple_msg[] =
  "From: a@example.com\n"
  "Subject: plain\n"
  "\n"
  "line one\n"
  "line two\n";

static void test_body_simple (void)
{
  ENVELOPE *env = NIL;
  BODY *body = NIL;

  parse (simple_msg, &env, &body);
  CHECK (body != NIL);
  /* no Content-Type: text/plain; charset US-ASCII, 7bit; 20 octets in
   * CRLF form, 2 lines */
  begin ();
  out_body_structure (cl, body, 0);
  CHECK_STREQ (end (), "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL "
	       "\"7BIT\" 20 2)");
  begin ();
  out_body_structure (cl, body, 1);
  CHECK_STREQ (end (), "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL "
	       "\"7BIT\" 20 2 NIL NIL NIL NIL)");
  mail_free_envelope (&env);
  mail_free_body (&body);

  begin ();
  out_body_structure (cl, NIL, 1);
  CHECK_STREQ (end (), "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL "
	       "\"7BIT\" 0 0 NIL NIL NIL NIL)");
}

static const char mixed_msg[] =
  "From: a@example.com\n"
  "Subject: mixed\n"
  "MIME-Version: 1.0\n"
  "Content-Type: multipart/mixed; boundary=\"XX\"\n"
  "Content-Language: en\n"
  "\n"
  "preamble\n"
  "--XX\n"
  "Content-Type: text/plain; charset=utf-8; format=flowed\n"
  "Content-Transfer-Encoding: quoted-printable\n"
  "Content-ID: <part1@example.com>\n"
  "Content-Description: The text\n"
  "\n"
  "caf=C3=A9\n"
  "--XX\n"
  "Content-Type: application/octet-stream; name=\"a b.bin\"\n"
  "Content-Transfer-Encoding: base64\n"
  "Content-Disposition: attachment; filename=\"a b.bin\"\n"
  "Content-Language: en, fr\n"
  "Content-Location: http://example.com/a\n"
  "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
  "\n"
  "AAECAw==\n"
  "--XX\n"
  "Content-Type: message/rfc822\n"
  "\n"
  "From: inner@example.com\n"
  "Subject: inner\n"
  "\n"
  "inner body\n"
  "--XX--\n";

static void test_body_mixed (void)
{
  ENVELOPE *env = NIL;
  BODY *body = NIL;
  const char *part1 =
    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\" \"FORMAT\" \"flowed\") "
    "\"<part1@example.com>\" \"The text\" \"QUOTED-PRINTABLE\" 9 0";
  const char *part2 =
    "(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"a b.bin\") NIL NIL "
    "\"BASE64\" 8";
  const char *inner_env =
    "(NIL \"inner\" ((NIL NIL \"inner\" \"example.com\")) "
    "((NIL NIL \"inner\" \"example.com\")) "
    "((NIL NIL \"inner\" \"example.com\")) NIL NIL NIL NIL NIL)";
  const char *inner_body =
    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 10 0";
  struct buf want = BUF_INIT;

  parse (mixed_msg, &env, &body);
  CHECK (body != NIL && body->type == TYPEMULTIPART);

  /* BODY: no extension data anywhere */
  buf_printf (&want, "(%s)%s)(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" %lu "
	      "%s %s) %lu) \"MIXED\")", part1, part2,
	      body->nested.part->next->next->body.size.bytes, inner_env,
	      inner_body, body->nested.part->next->next->body.size.lines);
  begin ();
  out_body_structure (cl, body, 0);
  CHECK_STREQ (end (), want.data);

  /* BODYSTRUCTURE: md5, disposition, language, location per part; the
   * multipart's params, disposition, language, location (the library
   * keeps language tags in upper case, as UW) */
  buf_reset (&want);
  buf_printf (&want, "(%s NIL NIL NIL NIL)"
	      "%s \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"ATTACHMENT\" "
	      "(\"FILENAME\" \"a b.bin\")) (\"EN\" \"FR\") "
	      "\"http://example.com/a\")"
	      "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" %lu %s "
	      "%s NIL NIL NIL NIL) %lu NIL NIL NIL NIL) "
	      "\"MIXED\" (\"BOUNDARY\" \"XX\") NIL \"EN\" NIL)",
	      part1, part2, body->nested.part->next->next->body.size.bytes,
	      inner_env, inner_body,
	      body->nested.part->next->next->body.size.lines);
  begin ();
  out_body_structure (cl, body, 1);
  CHECK_STREQ (end (), want.data);

  /* the CRLF before a boundary belongs to the boundary (RFC 2046 5.1.1):
   * the message/rfc822 part is its text without the last CRLF */
  CHECK_INTEQ (body->nested.part->next->next->body.size.bytes,
	       strlen ("From: inner@example.com\r\nSubject: inner\r\n\r\n"
		       "inner body"));
  buf_free (&want);
  mail_free_envelope (&env);
  mail_free_body (&body);
}

static void test_body_empty_multipart (void)
{
  ENVELOPE *env = NIL;
  BODY *body = NIL;
  parse ("Content-Type: multipart/alternative; boundary=e\n\n--e--\n",
	 &env, &body);
  begin ();
  out_body_structure (cl, body, 0);
  /* no parts: UW shows one empty text/plain part */
  CHECK_STREQ (end (), "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL "
	       "NIL \"7BIT\" 0 0) \"ALTERNATIVE\")");
  mail_free_envelope (&env);
  mail_free_body (&body);
}

/* ------------------------------------------------------ internaldate */

/* mail_date() in quotes; want holds at least 64 bytes (the date is 26) */
static void quoted_date (char *want, MESSAGECACHE *elt)
{
  char tmp[64];
  size_t n;
  mail_date (tmp, elt);
  n = strlen (tmp);
  want[0] = '"';
  memcpy (want + 1, tmp, n);
  want[n + 1] = '"';
  want[n + 2] = '\0';
}

static void test_internaldate (void)
{
  MESSAGECACHE elt;
  memset (&elt, 0, sizeof elt);
  elt.day = 2;
  elt.month = 12;
  elt.year = 2026 - BASEYEAR;
  elt.hours = 21;
  elt.minutes = 5;
  elt.seconds = 9;
  begin ();
  out_internaldate (cl, &elt);
  CHECK_STREQ (end (), "\" 2-Dec-2026 21:05:09 +0000\"");

  elt.day = 31;
  elt.month = 1;
  elt.year = 1999 - BASEYEAR;
  elt.zoccident = 1;
  elt.zhours = 5;
  elt.zminutes = 30;
  begin ();
  out_internaldate (cl, &elt);
  CHECK_STREQ (end (), "\"31-Jan-1999 21:05:09 -0530\"");

  /* the same text as the library's mail_date(), for every month and a
   * spread of the other fields, and for a date with no day (UW's 1) */
  {
    unsigned int m, bad = 0;
    char want[64];
    for (m = 1; m <= 12; m++) {
      elt.month = m;
      elt.day = (m * 7) % 31 + 1;
      elt.year = (m * 11) % 128;
      elt.hours = m + 11;
      elt.minutes = m * 4;
      elt.seconds = 59 - m;
      elt.zoccident = m & 1;
      elt.zhours = m % 13;
      elt.zminutes = (m * 5) % 60;
      quoted_date (want, &elt);
      begin ();
      out_internaldate (cl, &elt);
      if (strcmp (end (), want)) bad++;
    }
    CHECK_INTEQ (bad, 0);
    elt.day = 0;
    quoted_date (want, &elt);
    begin ();
    out_internaldate (cl, &elt);
    CHECK_STREQ (end (), want);
    CHECK (want[1] == ' ' && want[2] == '1');
  }
}


/* ------------------------------------------------------------- FETCH */

static const char fetch_mbox[] =
  "From a@example.com Mon Jan  1 10:00:00 2024\n"
  "From: Ann <a@example.com>\n"
  "Subject: one\n"
  "\n"
  "first body\n"
  "\n"
  "From b@example.com Tue Jan  2 11:00:00 2024\n"
  "From: b@example.com\n"
  "Subject: two\n"
  "MIME-Version: 1.0\n"
  "Content-Type: multipart/mixed; boundary=B\n"
  "\n"
  "--B\n"
  "Content-Type: text/plain; charset=utf-8\n"
  "Content-Transfer-Encoding: quoted-printable\n"
  "\n"
  "caf=C3=A9=00!\n"
  "--B\n"
  "Content-Type: application/octet-stream\n"
  "Content-Transfer-Encoding: base64\n"
  "\n"
  "aGVsbG8=\n"
  "--B\n"
  "Content-Type: text/plain\n"
  "Content-Transfer-Encoding: x-uuencode\n"
  "\n"
  "begin 644 x\n"
  "--B--\n"
  "\n"
  "From c@example.com Wed Jan  3 12:00:00 2024\n"
  "From: c@example.com\n"
  "Subject: three\n"
  "Content-Transfer-Encoding: base64\n"
  "\n"
  "d2hvbGU=\n"
  "\n"
  "From d@example.com Thu Jan  4 13:00:00 2024\n"
  "From: d@example.com\n"
  "Subject: four\n"
  "\n"
  "a\0b\n";

static struct imapd sess;

/* Run FETCH (uid: UID FETCH) with items given as separate atoms (one
 * item: no list); returns the untagged output. */
static const char *fetch (int uid, const char *set, const char *items)
{
  struct imap_arg args[3], list[16];
  char *copy = cpystr (items), *p, *q;
  size_t n = 0;

  memset (args, 0, sizeof args);
  memset (list, 0, sizeof list);
  /* items are separated by "|" so that an item may hold spaces */
  for (p = copy; p && n < 15; p = q) {
    if ((q = strchr (p, '|'))) *q++ = '\0';
    list[n].type = IMAP_ARG_ATOM;
    list[n].str = p;
    list[n++].len = strlen (p);
  }
  args[0].type = IMAP_ARG_ATOM;
  args[0].str = (char *) set;
  args[0].len = strlen (set);
  if (n == 1) args[1] = list[0];
  else {
    args[1].type = IMAP_ARG_LIST;
    args[1].list = list;
    args[1].count = n;
  }
  sess.status = REPLY_NONE;
  buf_reset (&sess.reply);
  begin ();
  cmd_fetch (&sess, args, uid);
  fs_give ((void **) &copy);
  return end ();
}

static MESSAGECACHE *elt_of (unsigned long n)
{
  return mail_elt (sess.stream, n);
}

static void test_fetch_bad (void)
{
  static const char *const bad[] = {
    "BODY[MIME]", "BODY[0]", "BODY[1.]", "BODY[]<5.0>", "BODY[]<5>",
    "BODY[HEADER.FIELDS ()]", "BODY[HEADER.FIELDS (A  B)]",
    "BODY[HEADER.FIELDS]", "BODY[HEADER.FIELDS (a:b)]", "BODY[TEXT]x",
    "BINARY[TEXT]", "BINARY[1.MIME]", "BINARY.SIZE[1]<0.1>", "BODY.PEEK",
    "ALL|FLAGS", "RFC822.PEEK", "BODY[4294967296]", "BODY[HEADER.FIELDS (X",
  };
  size_t i;

  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    /* each with a non-PEEK item first: nothing may be marked \\Seen */
    struct buf items = BUF_INIT;
    buf_printf (&items, "RFC822.TEXT|%s", bad[i]);
    CHECK_STREQ (fetch (0, "1:3", items.data), "");
    if (!CHECK_INTEQ (sess.status, REPLY_BAD)) printf ("  item %s\n", bad[i]);
    buf_free (&items);
  }
  CHECK (!elt_of (1)->seen && !elt_of (2)->seen && !elt_of (3)->seen);
  CHECK_STREQ (fetch (0, "1", "BOGUS"), "");
  CHECK_STREQ (sess.reply.data, "Unknown FETCH attribute: BOGUS");
}

static void test_fetch_basic (void)
{
  unsigned long size;
  char want[256];

  /* ALL = FLAGS INTERNALDATE RFC822.SIZE ENVELOPE, in that order */
  size = elt_of (1)->rfc822_size;
  snprintf (want, sizeof want, "* 1 FETCH (FLAGS (\\Recent) INTERNALDATE "
	    "\" 1-Jan-2024 10:00:00 +0000\" RFC822.SIZE %lu ENVELOPE (NIL "
	    "\"one\" ((\"Ann\" NIL \"a\" \"example.com\")) ((\"Ann\" NIL \"a\" "
	    "\"example.com\")) ((\"Ann\" NIL \"a\" \"example.com\")) NIL NIL "
	    "NIL NIL NIL))\r\n", size);
  CHECK_STREQ (fetch (0, "1", "ALL"), want);
  CHECK_INTEQ (sess.status, REPLY_OK);

  /* RFC822.SIZE is the length of BODY[] */
  snprintf (want, sizeof want, "* 1 FETCH (BODY[] {%lu}\r\n", size);
  CHECK (!strncmp (fetch (0, "1", "BODY.PEEK[]"), want, strlen (want)));
  CHECK_INTEQ (captured.len, strlen (want) + size + 3);

  /* partials echo the origin only; past the end is "" */
  CHECK_STREQ (fetch (0, "1", "BODY.PEEK[TEXT]<2.3>|BODY.PEEK[]<9999.1>"),
	       "* 1 FETCH (BODY[TEXT]<2> \"rst\" BODY[]<9999> \"\")\r\n");
  /* field names in any case and as literals left in the item's text */
  CHECK_STREQ (fetch (0, "1", "body.peek[header.fields (subject {4}\r\nFROM)]"),
	       "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT FROM)] {43}\r\n"
	       "From: Ann <a@example.com>\r\nSubject: one\r\n\r\n)\r\n");
  CHECK_STREQ (fetch (0, "1", "BODY.PEEK[HEADER.FIELDS ({7}\r\nSubject "
		      "{4+}\nFrom)]"),
	       "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT FROM)] {43}\r\n"
	       "From: Ann <a@example.com>\r\nSubject: one\r\n\r\n)\r\n");
  /* a literal that claims more bytes than there are */
  CHECK_STREQ (fetch (0, "1", "BODY.PEEK[HEADER.FIELDS ({20}\r\nSubject)]"),
	       "");
  CHECK_INTEQ (sess.status, REPLY_BAD);
  CHECK_STREQ (fetch (0, "1", "BODY.PEEK[HEADER.FIELDS.NOT (\"From\")]"),
	       "* 1 FETCH (BODY[HEADER.FIELDS.NOT (FROM)] {16}\r\n"
	       "Subject: one\r\n\r\n)\r\n");
  /* parts that do not exist are empty */
  CHECK_STREQ (fetch (0, "1", "BODY.PEEK[7]|BODY.PEEK[1.HEADER]"),
	       "* 1 FETCH (BODY[7] \"\" BODY[1.HEADER] \"\")\r\n");
  CHECK (!elt_of (1)->seen);
}

static void test_fetch_seen (void)
{
  /* UID FETCH: UID first, once; a non-PEEK body item sets \\Seen and the
   * new flags ride along in the same response */
  CHECK_STREQ (fetch (1, "1", "BODY[TEXT]|UID"),
	       "* 1 FETCH (UID 1 BODY[TEXT] {12}\r\nfirst body\r\n FLAGS "
	       "(\\Recent \\Seen))\r\n");
  CHECK (elt_of (1)->seen);
  CHECK (!elt_of (1)->spare && !elt_of (1)->spare2 && !elt_of (1)->spare3);
  /* already seen: no extra FLAGS */
  CHECK_STREQ (fetch (0, "1", "RFC822.TEXT"),
	       "* 1 FETCH (RFC822.TEXT {12}\r\nfirst body\r\n)\r\n");
  /* FLAGS asked for before the body item already shows \\Seen */
  CHECK_STREQ (fetch (0, "3", "FLAGS|BODY[HEADER]<0.4>"),
	       "* 3 FETCH (FLAGS (\\Recent \\Seen) BODY[HEADER]<0> \"From\")\r\n");
  CHECK (elt_of (3)->seen && !elt_of (2)->seen);
  /* RFC822.HEADER never sets \\Seen */
  fetch (0, "2", "RFC822.HEADER");
  CHECK (!elt_of (2)->seen);
}

static void test_fetch_binary (void)
{
  /* quoted-printable with a NUL: literal8; base64; sizes decoded */
  CHECK_STREQ (fetch (0, "2", "BINARY.PEEK[1]|BINARY.SIZE[1]|BINARY.PEEK[2]"
		      "|BINARY.SIZE[2]|BINARY.PEEK[2]<1.3>"),
	       "* 2 FETCH (BINARY[1] ~{7}\r\ncaf\xc3\xa9\0! BINARY.SIZE[1] 7 "
	       "BINARY[2] \"hello\" BINARY.SIZE[2] 5 BINARY[2]<1> \"ell\")\r\n");
  /* whole message, base64 at the top: header says binary, body decoded */
  CHECK_STREQ (fetch (0, "3", "BINARY.PEEK[]"),
	       "* 3 FETCH (BINARY[] {79}\r\nFrom: c@example.com\r\n"
	       "Subject: three\r\nContent-Transfer-Encoding: binary\r\n\r\n"
	       "whole)\r\n");
  /* an encoding nobody can decode: NO [UNKNOWN-CTE], other messages sent,
   * nothing of message 2 */
  CHECK_STREQ (fetch (0, "1:3", "BINARY.SIZE[3]"),
	       "* 1 FETCH (BINARY.SIZE[3] 0)\r\n"
	       "* 3 FETCH (BINARY.SIZE[3] 0)\r\n");
  CHECK_INTEQ (sess.status, REPLY_NO);
  CHECK (!strncmp (sess.reply.data, "[UNKNOWN-CTE] ", 14));
  CHECK (!elt_of (2)->seen);

  /* no NUL in a literal (RFC 3501): BODY shows 0x80 at the same size,
   * BINARY the real byte in a literal8 */
  {
    static const char want[] = "* 4 FETCH (BODY[TEXT] {5}\r\na\x80" "b\r\n "
      "BINARY[1] ~{5}\r\na\0b\r\n)\r\n";
    const char *got = fetch (0, "4", "BODY.PEEK[TEXT]|BINARY.PEEK[1]");
    CHECK_MEMEQ (got, captured.len, want, sizeof want - 1);
  }
}

static void test_fetch (void)
{
  char dir[] = "/tmp/test-out-msg.XXXXXX";
  struct buf path = BUF_INIT;
  FILE *f;

  if (!CHECK (mkdtemp (dir) != NULL)) return;
  buf_printf (&path, "%s/mbox", dir);
  f = fopen (path.data, "w");
  fwrite (fetch_mbox, 1, sizeof fetch_mbox - 1, f);	/* holds a NUL */
  fclose (f);
  env_init ("tester", dir);
  env_parameters (SET_HOMEDIR, dir);
  memset (&sess, 0, sizeof sess);
  sess.client = cl;
  buf_init (&sess.reply);
  sess.state = STATE_SELECTED;
  session_install_callbacks (&sess);
  sess.stream = mail_open (NIL, path.data, NIL);
  if (CHECK (sess.stream && sess.stream->nmsgs == 4)) {
    test_fetch_bad ();
    test_fetch_basic ();
    test_fetch_seen ();
    test_fetch_binary ();
    mail_close (sess.stream);
  }
  buf_free (&sess.reply);
  buf_free (&path);
  test_rm_rf (dir);
}

int main (void)
{
#include "linkage.c"
  struct client_io io = { cap_read, cap_write, cap_pending, NULL };
  int fds[2];

  if (pipe (fds) < 0) return 2;
  cl = client_new (fds[0], fds[1]);
  client_set_io (cl, &io);
  test_flags ();
  test_permanentflags ();
  test_envelope ();
  test_source_route ();
  test_strings ();
  test_body_simple ();
  test_body_mixed ();
  test_body_empty_multipart ();
  test_internaldate ();
  setenv ("TZ", "UTC", 1);
  test_fetch ();
  client_free (cl);
  buf_free (&captured);
  return unit_done ();
}

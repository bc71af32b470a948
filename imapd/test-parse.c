/*
 * Unit tests for imapd/parse.c: imap_parse_command() on tables of good
 * and bad commands, every prefix of good commands, the limits
 * (LIM_IMAP_TAG, LIM_IMAP_DEPTH, LIM_IMAP_ARGS), imap_literal_at_end()
 * and the imap_arg_* accessors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imapd.h"
#include "unit.h"

/* The tree as text: atom as is, "quoted", {n}literal, ~{n}literal8,
 * (list); NUL bytes as \0 */
static void render_bytes (struct buf *b, const char *s, size_t len)
{
  size_t i;
  for (i = 0; i < len; i++) {
    if (s[i]) buf_putc (b, s[i]);
    else buf_puts (b, "\\0");
  }
}

static void render (struct buf *b, const struct imap_arg *a)
{
  int first = 1;
  for (; a->type != IMAP_ARG_END; a++, first = 0) {
    if (!first) buf_putc (b, ' ');
    switch (a->type) {
    case IMAP_ARG_ATOM:
      render_bytes (b, a->str, a->len);
      break;
    case IMAP_ARG_QUOTED:
      buf_putc (b, '"');
      render_bytes (b, a->str, a->len);
      buf_putc (b, '"');
      break;
    case IMAP_ARG_LITERAL:
      buf_printf (b, "%s{%zu}", a->literal8 ? "~" : "", a->len);
      render_bytes (b, a->str, a->len);
      break;
    case IMAP_ARG_LIST:
      buf_putc (b, '(');
      render (b, a->list);
      buf_putc (b, ')');
      break;
    default:
      buf_puts (b, "?");
    }
  }
}

/* Checks that every node's count/str/len agree with each other */
static int consistent (const struct imap_arg *a, size_t count)
{
  size_t i;
  for (i = 0; i < count; i++, a++) {
    if (a->type == IMAP_ARG_END) return 0;
    if (a->type == IMAP_ARG_LIST && !consistent (a->list, a->count)) return 0;
    if (a->type != IMAP_ARG_LIST && a->str[a->len] != '\0') return 0;
  }
  return a->type == IMAP_ARG_END;
}

/* Parse a copy of in[0..len) (with the one spare byte the parser may
 * write); returns the rendering or "ERROR: reason [tag]" */
static char *parse_to_text (const char *in, size_t len)
{
  char *raw = malloc (len + 1);
  struct imap_command_line cl;
  const char *error = NULL;
  struct buf b = BUF_INIT;
  memcpy (raw, in, len);
  raw[len] = 'Z';		/* the parser must not need a NUL here */
  if (imap_parse_command (raw, len, &cl, &error)) {
    buf_printf (&b, "ERROR: %s [%s]", error ? error : "(none)", cl.tag ? cl.tag : "-");
    if (cl.name || cl.args || cl.pool_) buf_puts (&b, " (result left set)");
  }
  else {
    buf_printf (&b, "%s %s", cl.tag, cl.name);
    if (cl.nargs) buf_putc (&b, ' ');
    render (&b, cl.args);
    if (!consistent (cl.args, cl.nargs)) buf_puts (&b, " (INCONSISTENT)");
  }
  imap_command_line_free (&cl);
  free (raw);
  buf_cstr (&b);
  return buf_detach (&b);
}

struct good { const char *in; size_t len; const char *out; };

#define S(x) x, sizeof x - 1

static const struct good goods[] = {
  { S ("a NOOP\r\n"), "a NOOP" },
  { S ("a NOOP\n"), "a NOOP" },
  { S ("A001 login fred secret\r\n"), "A001 login fred secret" },
  { S ("a] NOOP\r\n"), "a] NOOP" },
  { S ("a.b-c_d[1]~ NOOP\r\n"), "a.b-c_d[1]~ NOOP" },
  { S ("a LOGIN \"fred\" \"pa ss\"\r\n"), "a LOGIN \"fred\" \"pa ss\"" },
  { S ("a LOGIN \"a\\\"b\\\\c\" x\r\n"), "a LOGIN \"a\"b\\c\" x" },
  { S ("a X \"\"\r\n"), "a X \"\"" },
  { S ("a X \"caf\xc3\xa9 (x) {3}\"\r\n"), "a X \"caf\xc3\xa9 (x) {3}\"" },
  { S ("a FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100> BODY[1.2.MIME])\r\n"),
    "a FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100> BODY[1.2.MIME])" },
  { S ("a FETCH 1 BODY[]\r\n"), "a FETCH 1 BODY[]" },
  { S ("a FETCH 1 (BODY[HEADER.FIELDS.NOT (A (B) \"C\")])\r\n"),
    "a FETCH 1 (BODY[HEADER.FIELDS.NOT (A (B) \"C\")])" },
  { S ("a FETCH 1 BINARY[1][2]<5>\r\n"), "a FETCH 1 BINARY[1][2]<5>" },
  /* literals inside a section stay in the atom as sent (cmd-fetch.c) */
  { S ("a FETCH 1 BODY.PEEK[HEADER.FIELDS ({7}\r\nSubject {4+}\r\nFrom)]\r\n"),
    "a FETCH 1 BODY.PEEK[HEADER.FIELDS ({7}\r\nSubject {4+}\r\nFrom)]" },
  { S ("a FETCH 1 (BODY[HEADER.FIELDS ({1}\n])]<0.5> UID)\r\n"),
    "a FETCH 1 (BODY[HEADER.FIELDS ({1}\n])]<0.5> UID)" },
  { S ("a FETCH 1 BODY[{x} {2)]\r\n"), "a FETCH 1 BODY[{x} {2)]" },
  { S ("a STORE 1 +FLAGS (\\Seen \\* $Junk)\r\n"), "a STORE 1 +FLAGS (\\Seen \\* $Junk)" },
  { S ("a LIST \"\" %\r\n"), "a LIST \"\" %" },
  { S ("a LIST \"\" *\r\n"), "a LIST \"\" *" },
  { S ("a LIST \"\" foo]bar}\r\n"), "a LIST \"\" foo]bar}" },
  { S ("a LOGIN {4}\r\nfred {3+}\r\nabc\r\n"), "a LOGIN {4}fred {3}abc" },
  { S ("a APPEND x ~{3}\r\na\0b\r\n"), "a APPEND x ~{3}a\\0b" },
  { S ("a APPEND x ~{3+}\r\n)\r\n\r\n"), "a APPEND x ~{3})\r\n" },
  { S ("a X {5}\r\n(\r\n)\"\r\n"), "a X {5}(\r\n)\"" },
  { S ("a X {0}\r\n\r\n"), "a X {0}" },
  { S ("a X {007}\r\nabcdefg\r\n"), "a X {7}abcdefg" },
  { S ("a X {3}\nabc\n"), "a X {3}abc" },
  { S ("a X ({1}\r\na)\r\n"), "a X ({1}a)" },
  { S ("a X ({1}\r\na {2}\r\nbc)\r\n"), "a X ({1}a {2}bc)" },
  { S ("a X ()\r\n"), "a X ()" },
  { S ("a X (() ())\r\n"), "a X (() ())" },
  { S ("a X ((a) (b (c)) d)\r\n"), "a X ((a) (b (c)) d)" },
  { S ("a X ~abc ~\r\n"), "a X ~abc ~" },
  { S ("a X ~ {3}\r\nabc\r\n"), "a X ~ {3}abc" },
  { S ("a X NIL nil\r\n"), "a X NIL nil" },
  { S ("a UID FETCH 1,2:4 (UID)\r\n"), "a UID FETCH 1,2:4 (UID)" },
};

struct bad { const char *in; size_t len; const char *error; const char *tag; };

static const struct bad bads[] = {
  { S (""), "Missing tag", "-" },
  { S ("\r\n"), "Missing tag", "-" },
  { S (" NOOP\r\n"), "Missing tag", "-" },
  { S ("a+ NOOP\r\n"), "Invalid character in the tag", "-" },
  { S ("+ NOOP\r\n"), "Invalid character in the tag", "-" },
  { S ("* NOOP\r\n"), "Invalid character in the tag", "-" },
  { S ("a* NOOP\r\n"), "Invalid character in the tag", "-" },
  { S ("a\\b NOOP\r\n"), "Invalid character in the tag", "-" },
  { S ("\"a\" NOOP\r\n"), "Invalid character in the tag", "-" },
  { S ("{3}\r\nabc NOOP\r\n"), "Invalid character in the tag", "-" },
  { S ("a(b NOOP\r\n"), "Invalid character in the tag", "-" },
  { S ("\xe9 NOOP\r\n"), "Invalid character in the tag", "-" },
  { S ("a\r\n"), "Missing command", "a" },
  { S ("a"), "Missing command", "a" },
  { S ("a \r\n"), "Missing command", "a" },
  { S ("a  NOOP\r\n"), "Missing command", "a" },
  { S ("a (NOOP)\r\n"), "Missing command", "a" },
  { S ("a NOOP"), "Missing CRLF at the end of the command", "a" },
  { S ("a NOOP\r"), "Missing CRLF at the end of the command", "a" },
  { S ("a NOOP \r\n"), "Space at the end of the command", "a" },
  { S ("a NO\xffOP\r\n"), "Invalid character in the command name", "a" },
  { S ("a NOOP(\r\n"), "Invalid character in the command name", "a" },
  { S ("a NOOP\r\nb NOOP\r\n"), "Junk after the command", "a" },
  { S ("a NOOP\rx\r\n"), "Junk after the command", "a" },
  { S ("a X y\r\nz\r\n"), "Junk after the command", "a" },
  { S ("a X  y\r\n"), "Extra space", "a" },
  { S ("a X y \r\n"), "Missing argument", "a" },
  { S ("a X ( a)\r\n"), "Extra space", "a" },
  { S ("a X (a )\r\n"), "Unexpected ')'", "a" },
  { S ("a X a)\r\n"), "Unexpected ')'", "a" },
  { S ("a X )\r\n"), "Unexpected ')'", "a" },
  { S ("a X (a\r\n"), "Missing ')'", "a" },
  { S ("a X ((a)\r\n"), "Missing ')'", "a" },
  { S ("a X (a"), "Missing CRLF at the end of the command", "a" },
  { S ("a X (a)(b)\r\n"), "Missing space between arguments", "a" },
  { S ("a X \"a\"b\r\n"), "Missing space between arguments", "a" },
  { S ("a X foo{3}\r\nabc\r\n"), "Missing space between arguments", "a" },
  { S ("a X \x01\r\n"), "Invalid character in an argument", "a" },
  { S ("a X \xff\r\n"), "Invalid character in an argument", "a" },
  { S ("a X ab\x7f\r\n"), "Missing space between arguments", "a" },
  { S ("a X \"abc\r\n"), "Unterminated quoted string", "a" },
  { S ("a X \"abc"), "Unterminated quoted string", "a" },
  { S ("a X \"abc\\"), "Unterminated quoted string", "a" },
  { S ("a X \"a\nb\"\r\n"), "Unterminated quoted string", "a" },
  { S ("a X \"a\0b\"\r\n"), "NUL in a quoted string", "a" },
  { S ("a X \"a\\nb\"\r\n"), "Invalid escape in a quoted string", "a" },
  { S ("a X \"a\\\rb\"\r\n"), "Invalid escape in a quoted string", "a" },
  { S ("a X BODY[HEADER\r\n"), "Missing ']'", "a" },
  { S ("a X BODY[HEADER.FIELDS ({9}\r\nFrom)]\r\n"), "Literal longer than the data", "a" },
  { S ("a X BODY[HEADER.FIELDS ({2}\r\na\0)]\r\n"), "NUL in a literal inside a section", "a" },
  { S ("a X BODY[HEADER.FIELDS ({2}\r\nab)\r\n"), "Missing ']'", "a" },
  { S ("a X BODY[HEADER.FIELDS ({2}x\r\nab)]\r\n"), "Missing ']'", "a" },
  { S ("a X BODY[HEADER.FIELDS (A\0B)]\r\n"), "Missing ']'", "a" },
  { S ("a X {4294967296}\r\nx\r\n"), "Literal longer than the data", "a" },
  { S ("a X {18446744073709551615}\r\nx\r\n"), "Literal longer than the data", "a" },
  { S ("a X {18446744073709551616}\r\nx\r\n"), "Literal size too big", "a" },
  { S ("a X {99999999999999999999999}\r\n"), "Literal size too big", "a" },
  { S ("a X {3}\r\nab"), "Literal longer than the data", "a" },
  { S ("a X {3}\r\nabc"), "Missing CRLF at the end of the command", "a" },
  { S ("a X {3}\r\nabcd\r\n"), "Missing space between arguments", "a" },
  { S ("a X {12x}\r\n"), "Invalid literal size", "a" },
  { S ("a X {}\r\n"), "Invalid literal size", "a" },
  { S ("a X {+}\r\n"), "Invalid literal size", "a" },
  { S ("a X {-1}\r\n"), "Invalid literal size", "a" },
  { S ("a X {1++}\r\n"), "Invalid literal size", "a" },
  { S ("a X {3"), "Invalid literal size", "a" },
  { S ("a X {3}abc\r\n"), "Missing CRLF after a literal size", "a" },
  { S ("a X {3}\rabc\r\n"), "Missing CRLF after a literal size", "a" },
  { S ("a X ~{3\r\n"), "Invalid literal size", "a" },
};

static void test_tables (void)
{
  size_t i;
  for (i = 0; i < sizeof goods / sizeof *goods; i++) {
    char *got = parse_to_text (goods[i].in, goods[i].len);
    if (!CHECK_STREQ (got, goods[i].out)) printf ("  (good case %zu)\n", i);
    free (got);
  }
  for (i = 0; i < sizeof bads / sizeof *bads; i++) {
    struct buf want = BUF_INIT;
    char *got = parse_to_text (bads[i].in, bads[i].len);
    buf_printf (&want, "ERROR: %s [%s]", bads[i].error, bads[i].tag);
    if (!CHECK_STREQ (got, want.data)) printf ("  (bad case %zu)\n", i);
    buf_free (&want);
    free (got);
  }
}

/* A truncated command is an error, never a crash or a read past the end
 * (the copies are exact-size, so ASan sees one) */
static void test_prefixes (void)
{
  static const struct { const char *in; size_t len; } full[] = {
    { S ("a1 APPEND INBOX (\\Seen) \"01-Jan-2020 00:00:00 +0000\" {5}\r\nab\"\\c ~{2+}\r\n\0\n\r\n") },
    { S ("t FETCH 1:* (BODY.PEEK[HEADER.FIELDS (FROM)]<0.10> \"q\\\\\" ((x) ()))\r\n") },
  };
  size_t k, n, errors;
  for (k = 0; k < 2; k++) {
    char *text = parse_to_text (full[k].in, full[k].len);
    CHECK (strncmp (text, "ERROR", 5) != 0);
    free (text);
    errors = 0;
    for (n = 0; n < full[k].len; n++) {
      text = parse_to_text (full[k].in, n);
      if (!strncmp (text, "ERROR", 5)) errors++;
      else printf ("prefix %zu of case %zu parsed: %s\n", n, k, text);
      free (text);
    }
    CHECK_INTEQ (errors, full[k].len);
  }
}

static char *repeat (const char *head, const char *unit, size_t times, const char *tail,
		     size_t *len)
{
  struct buf b = BUF_INIT;
  size_t i;
  buf_puts (&b, head);
  for (i = 0; i < times; i++) buf_puts (&b, unit);
  buf_puts (&b, tail);
  *len = b.len;
  return buf_detach (&b);
}

static void test_limits (void)
{
  size_t len;
  char *in, *got;
  struct buf want = BUF_INIT;

  /* tag: LIM_IMAP_TAG bytes fine, one more is not */
  in = repeat ("", "t", LIM_IMAP_TAG, " NOOP\r\n", &len);
  got = parse_to_text (in, len);
  CHECK (!strncmp (got, "tttt", 4) && strlen (got) == LIM_IMAP_TAG + 5);
  free (got);
  free (in);
  in = repeat ("", "t", LIM_IMAP_TAG + 1, " NOOP\r\n", &len);
  got = parse_to_text (in, len);
  CHECK_STREQ (got, "ERROR: Tag too long [-]");
  free (got);
  free (in);

  /* depth: LIM_IMAP_DEPTH nested lists parse, one more does not */
  {
    char *open = repeat ("a X ", "(", LIM_IMAP_DEPTH, "", &len);
    char *close = repeat ("", ")", LIM_IMAP_DEPTH, "", &len);
    buf_printf (&want, "%s%s\r\n", open, close);
    got = parse_to_text (want.data, want.len);
    buf_truncate (&want, want.len - 2);
    CHECK_STREQ (got, want.data);
    free (got);
    buf_reset (&want);
    buf_printf (&want, "a X (%s)%s\r\n", open + 4, close);
    got = parse_to_text (want.data, want.len);
    CHECK_STREQ (got, "ERROR: Too deeply nested [a]");
    free (got);
    free (open);
    free (close);
    buf_reset (&want);
  }

  /* argument nodes: LIM_IMAP_ARGS in all (lists count) */
  in = repeat ("a X", " x", LIM_IMAP_ARGS, "\r\n", &len);
  got = parse_to_text (in, len);
  CHECK (!strncmp (got, "a X x x", 7));
  free (got);
  free (in);
  in = repeat ("a X", " x", LIM_IMAP_ARGS + 1, "\r\n", &len);
  got = parse_to_text (in, len);
  CHECK_STREQ (got, "ERROR: Too many arguments [a]");
  free (got);
  free (in);
  in = repeat ("a X", " (x)", LIM_IMAP_ARGS / 2, "\r\n", &len);
  got = parse_to_text (in, len);
  CHECK (!strncmp (got, "a X (x) (x)", 11));
  free (got);
  free (in);
  in = repeat ("a X", " (x)", LIM_IMAP_ARGS / 2, " ()\r\n", &len);
  got = parse_to_text (in, len);
  CHECK_STREQ (got, "ERROR: Too many arguments [a]");
  free (got);
  free (in);
  buf_free (&want);
}

/* The parse result itself: nargs, counts, in-place strings */
static void test_result (void)
{
  char raw[] = "tag1 Fetch 5 (A \"x\\\"y\" {2}\r\nzz) ~{1}\r\n!\r\n";
  struct imap_command_line cl;
  const char *error = NULL;
  unsigned long n = 99;
  const char *s;
  size_t len;
  if (!CHECK_INTEQ (imap_parse_command (raw, sizeof raw - 1, &cl, &error), 0)) return;
  CHECK (cl.tag == raw);
  CHECK_STREQ (cl.tag, "tag1");
  CHECK_STREQ (cl.name, "Fetch");
  CHECK_INTEQ (cl.nargs, 3);
  CHECK_INTEQ (cl.args[0].type, IMAP_ARG_ATOM);
  CHECK_INTEQ (imap_arg_number (&cl.args[0], &n), 0);
  CHECK_INTEQ (n, 5);
  CHECK_INTEQ (cl.args[1].type, IMAP_ARG_LIST);
  CHECK_INTEQ (cl.args[1].count, 3);
  CHECK_STREQ (imap_arg_atom (&cl.args[1].list[0]), "A");
  CHECK_STREQ (imap_arg_string (&cl.args[1].list[1]), "x\"y");
  CHECK_INTEQ (cl.args[1].list[1].len, 3);
  CHECK_STREQ (imap_arg_astring (&cl.args[1].list[2]), "zz");
  CHECK_INTEQ (cl.args[1].list[2].type, IMAP_ARG_LITERAL);
  CHECK_INTEQ (cl.args[1].list[3].type, IMAP_ARG_END);
  CHECK_INTEQ (cl.args[2].type, IMAP_ARG_LITERAL);
  CHECK (cl.args[2].literal8);
  CHECK (!cl.args[1].list[2].literal8);
  CHECK (imap_arg_nstring (&cl.args[2], &s, &len) && len == 1 && s[0] == '!');
  CHECK_INTEQ (cl.args[3].type, IMAP_ARG_END);
  CHECK (imap_arg_atom (&cl.args[1]) == NULL);
  CHECK (imap_arg_astring (&cl.args[1]) == NULL);
  CHECK (imap_arg_string (&cl.args[1].list[0]) == NULL);
  CHECK (!imap_arg_nstring (&cl.args[1].list[0], &s, &len));
  CHECK (!imap_arg_nstring (&cl.args[1], &s, &len));
  imap_command_line_free (&cl);
  CHECK (cl.pool_ == NULL && cl.args == NULL);
  imap_command_line_free (&cl);	/* twice is harmless */

  /* an error after a tag frees the nodes and keeps the tag */
  {
    char bad[] = "x7 LOGIN (a b c \"unterminated\r\n";
    CHECK_INTEQ (imap_parse_command (bad, sizeof bad - 1, &cl, &error), -1);
    CHECK_STREQ (cl.tag, "x7");
    CHECK_STREQ (error, "Unterminated quoted string");
    CHECK (cl.pool_ == NULL && cl.name == NULL && cl.args == NULL);
    imap_command_line_free (&cl);
  }
}

/* One argument, parsed from "a X <arg>\r\n" into a static command */
static struct imap_command_line arg_cl;
static char arg_raw[256];

static const struct imap_arg *arg (const char *text, size_t len)
{
  const char *error;
  imap_command_line_free (&arg_cl);
  snprintf (arg_raw, sizeof arg_raw, "a X ");
  memcpy (arg_raw + 4, text, len);
  memcpy (arg_raw + 4 + len, "\r\n", 3);
  if (imap_parse_command (arg_raw, len + 6, &arg_cl, &error)) {
    printf ("cannot parse argument %s: %s\n", text, error);
    return NULL;
  }
  return &arg_cl.args[0];
}

#define ARG(s) arg (s, sizeof s - 1)

static void test_accessors (void)
{
  unsigned long n;
  const char *s = "unset";
  size_t len = 99;

  n = 7;
  CHECK (imap_arg_number (ARG ("0"), &n) == 0 && n == 0);
  CHECK (imap_arg_number (ARG ("4294967295"), &n) == 0 && n == 4294967295UL);
  CHECK (imap_arg_number (ARG ("00000000000000000012"), &n) == 0 && n == 12);
  CHECK_INTEQ (imap_arg_number (ARG ("4294967296"), &n), -1);
  CHECK_INTEQ (imap_arg_number (ARG ("99999999999999999999999"), &n), -1);
  CHECK_INTEQ (imap_arg_number (ARG ("12a"), &n), -1);
  CHECK_INTEQ (imap_arg_number (ARG ("-1"), &n), -1);
  CHECK_INTEQ (imap_arg_number (ARG ("+1"), &n), -1);
  CHECK_INTEQ (imap_arg_number (ARG ("\"5\""), &n), -1);
  CHECK_INTEQ (imap_arg_number (ARG ("(5)"), &n), -1);
  CHECK_INTEQ (imap_arg_number (NULL, &n), -1);

  CHECK (imap_arg_is_nil (ARG ("NIL")));
  CHECK (imap_arg_is_nil (ARG ("nIl")));
  CHECK (!imap_arg_is_nil (ARG ("\"NIL\"")));
  CHECK (!imap_arg_is_nil (ARG ("{3}\r\nNIL")));
  CHECK (!imap_arg_is_nil (ARG ("NILS")));
  CHECK (!imap_arg_is_nil (ARG ("()")));

  CHECK (imap_arg_nstring (ARG ("nil"), &s, &len) && s == NULL && len == 0);
  CHECK (imap_arg_nstring (ARG ("\"NIL\""), &s, &len) && s && !strcmp (s, "NIL"));
  CHECK (imap_arg_nstring (ARG ("{2}\r\na\0"), &s, &len) && len == 2 && !memcmp (s, "a", 2));
  CHECK (!imap_arg_nstring (ARG ("atom"), &s, &len));
  CHECK (imap_arg_nstring (ARG ("\"\""), &s, NULL) && s && !*s);

  /* a NUL inside a string is refused by the C-string accessors */
  CHECK (imap_arg_astring (ARG ("{3}\r\na\0b")) == NULL);
  CHECK (imap_arg_string (ARG ("~{3}\r\na\0b")) == NULL);
  CHECK_STREQ (imap_arg_astring (ARG ("{3}\r\nabc")), "abc");
  CHECK_STREQ (imap_arg_astring (ARG ("abc")), "abc");
  CHECK_STREQ (imap_arg_astring (ARG ("\"a b\"")), "a b");
  CHECK (imap_arg_astring (ARG ("(abc)")) == NULL);
  CHECK (imap_arg_string (ARG ("abc")) == NULL);
  CHECK_STREQ (imap_arg_atom (ARG ("\\Seen")), "\\Seen");
  CHECK (imap_arg_atom (ARG ("\"abc\"")) == NULL);
  CHECK (imap_arg_atom (NULL) == NULL && imap_arg_astring (NULL) == NULL);
  imap_command_line_free (&arg_cl);
}

struct lit { const char *line; int ret; uint64_t size; int nonsync, binary; };

static const struct lit lits[] = {
  { "a LOGIN {5}", 1, 5, 0, 0 },
  { "{5}", 1, 5, 0, 0 },
  { "a APPEND x {5+}", 1, 5, 1, 0 },
  { "a APPEND x ~{5}", 1, 5, 0, 1 },
  { "a APPEND x ~{0+}", 1, 0, 1, 1 },
  { "x {0000000000000000000000012}", 1, 12, 0, 0 },
  { "x {9223372036854775807}", 1, 9223372036854775807ULL, 0, 0 },
  { "x {4294967296}", 1, 4294967296ULL, 0, 0 },
  { "x foo{3}", 1, 3, 0, 0 },
  { "x {9223372036854775808}", -1, 0, 0, 0 },
  { "x {18446744073709551616}", -1, 0, 0, 0 },
  { "x {12x}", -1, 0, 0, 0 },
  { "x {}", -1, 0, 0, 0 },
  { "x {+}", -1, 0, 0, 0 },
  { "x ~{}", -1, 0, 0, 0 },
  { "x {1++}", -1, 0, 0, 0 },
  { "x {+1}", -1, 0, 0, 0 },
  { "x {a}b}", -1, 0, 0, 0 },
  { "", 0, 0, 0, 0 },
  { "}", 0, 0, 0, 0 },
  { "a SELECT foo}", 0, 0, 0, 0 },
  { "a SELECT \"{x\" foo}", 0, 0, 0, 0 },
  { "a SELECT {1 2}", 0, 0, 0, 0 },
  { "a LOGIN {5} ", 0, 0, 0, 0 },
  { "a LOGIN {5}x", 0, 0, 0, 0 },
  { "a LOGIN \"{5}\"", 0, 0, 0, 0 },
};

static void test_literal_at_end (void)
{
  size_t i;
  for (i = 0; i < sizeof lits / sizeof *lits; i++) {
    uint64_t size = 77;
    int nonsync = 7, binary = 7;
    int r = imap_literal_at_end (lits[i].line, strlen (lits[i].line), &size,
				 &nonsync, &binary);
    if (!CHECK_INTEQ (r, lits[i].ret)) printf ("  (line \"%s\")\n", lits[i].line);
    if (r == 1 && !(CHECK (size == lits[i].size) && CHECK_INTEQ (nonsync, lits[i].nonsync) &&
		    CHECK_INTEQ (binary, lits[i].binary)))
      printf ("  (line \"%s\")\n", lits[i].line);
  }
  /* only len counts: a line that is a prefix of a longer buffer */
  {
    uint64_t size = 0;
    int nonsync, binary;
    CHECK_INTEQ (imap_literal_at_end ("a {12}3}", 6, &size, &nonsync, &binary), 1);
    CHECK_INTEQ (size, 12);
  }
}

/* imap_flag_kind: what APPEND and STORE accept as a flag */
static void test_flag_kind (void)
{
  static const struct { const char *f; enum imap_flag_kind k; } t[] = {
    { "\\Seen", IMAP_FLAG_SYSTEM }, { "\\seen", IMAP_FLAG_SYSTEM },
    { "\\ANSWERED", IMAP_FLAG_SYSTEM }, { "\\Flagged", IMAP_FLAG_SYSTEM },
    { "\\Deleted", IMAP_FLAG_SYSTEM }, { "\\Draft", IMAP_FLAG_SYSTEM },
    { "\\Recent", IMAP_FLAG_RECENT }, { "\\recent", IMAP_FLAG_RECENT },
    { "\\Bogus", IMAP_FLAG_INVALID }, { "\\", IMAP_FLAG_INVALID },
    { "\\*", IMAP_FLAG_INVALID }, { "", IMAP_FLAG_INVALID },
    { "Work", IMAP_FLAG_KEYWORD }, { "$Label1", IMAP_FLAG_KEYWORD },
    { "a.b-c_d", IMAP_FLAG_KEYWORD }, { "a]b", IMAP_FLAG_INVALID },
    { "a b", IMAP_FLAG_INVALID }, { "a(b", IMAP_FLAG_INVALID },
    { "a%b", IMAP_FLAG_INVALID }, { "a*", IMAP_FLAG_INVALID },
    { "a\"b", IMAP_FLAG_INVALID }, { "a{b", IMAP_FLAG_INVALID },
    { "a\\b", IMAP_FLAG_INVALID }, { "caf\xc3\xa9", IMAP_FLAG_INVALID },
    { "a\x7f", IMAP_FLAG_INVALID }, { "a\tb", IMAP_FLAG_INVALID },
  };
  size_t i;
  for (i = 0; i < sizeof t / sizeof t[0]; i++)
    if (!CHECK_INTEQ (imap_flag_kind (t[i].f), t[i].k))
      printf ("  flag: %s\n", t[i].f);
  CHECK_INTEQ (imap_flag_kind (NULL), IMAP_FLAG_INVALID);
}

int main (void)
{
  test_tables ();
  test_prefixes ();
  test_limits ();
  test_result ();
  test_accessors ();
  test_literal_at_end ();
  test_flag_kind ();
  return unit_done ();
}

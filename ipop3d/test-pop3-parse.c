/*
 * Unit tests for ipop3d/parse.c, the pure part of the POP3 server:
 * pop3_parse_line() (keywords, arguments, PASS's rest, every error text,
 * LIM_POP3_LINE and LIM_POP3_ARGS),
 * pop3_parse_number(), the dot-stuffing writer (pop3_stuffer_init,
 * pop3_stuff, pop3_stuff_end; whole and split input, the TOP line limit)
 * and pop3_uidl().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ipop3d.h"
#include "unit.h"

#define S(x) x, sizeof x - 1

/* ------------------------------------------------------ pop3_parse_line */

/* Parses a fresh heap copy of in[0..len) that has exactly one spare byte
 * (the parser makes line[len] a NUL; ASan catches anything further).  The
 * spare byte is not NUL beforehand, so the parser cannot rely on one.
 * Returns the parse as text: "NAME|arg1|arg2" (nargs args), or
 * "ERROR: text".  *rest_r gets a copy of cmd.rest (or NULL). */
static char *parse_to_text (const char *in, size_t len, char **rest_r)
{
  char *line = malloc (len + 1);
  struct pop3_command *cmd = malloc (sizeof *cmd);
  const char *error = NULL;
  struct buf b = BUF_INIT;
  size_t i;
  memcpy (line, in, len);
  line[len] = 'Z';
  memset (cmd, 0x5a, sizeof *cmd);
  if (rest_r) *rest_r = NULL;
  if (pop3_parse_line (line, len, cmd, &error)) {
    buf_printf (&b, "ERROR: %s", error ? error : "(none)");
  }
  else {
    int inside = 1;
    const char *abuf = cmd->argbuf_, *aend = abuf + sizeof cmd->argbuf_;
    buf_append (&b, cmd->name, strnlen (cmd->name, sizeof cmd->name));
    if (cmd->nargs > LIM_POP3_ARGS) {
      buf_printf (&b, " (nargs %zu)", cmd->nargs);
      cmd->nargs = 0;
    }
    for (i = 0; i < cmd->nargs; i++) {
      /* every argument lies in cmd's own copy, NUL-terminated there */
      if (cmd->args[i] < abuf || cmd->args[i] >= aend
	  || !memchr (cmd->args[i], '\0', aend - cmd->args[i]))
	inside = 0;
      else {
	buf_putc (&b, '|');
	buf_puts (&b, cmd->args[i]);
      }
    }
    if (!inside) buf_puts (&b, " (argument outside cmd->argbuf_)");
    /* rest points into the line (or is ""), which is NUL-terminated */
    if (cmd->rest == NULL) buf_puts (&b, " (rest NULL)");
    else if (*cmd->rest && (cmd->rest < line || cmd->rest > line + len))
      buf_puts (&b, " (rest outside the line)");
    else if (line[len] != '\0') buf_puts (&b, " (line not NUL-terminated)");
    else if (rest_r) *rest_r = strdup (cmd->rest);
  }
  free (line);
  free (cmd);
  buf_cstr (&b);
  return buf_detach (&b);
}

struct parse_case { const char *in; size_t len; const char *out; };

static const struct parse_case parse_cases[] = {
  /* keywords: case folded, 1..LIM_POP3_KEYWORD letters */
  { S ("STAT"), "STAT" },
  { S ("stat"), "STAT" },
  { S ("sTaT"), "STAT" },
  { S ("quit"), "QUIT" },
  { S ("X"), "X" },
  { S ("xyz"), "XYZ" },
  { S ("Zz"), "ZZ" },
  /* arguments at runs of spaces; trailing spaces make no argument */
  { S ("USER fred"), "USER|fred" },
  { S ("user Fred"), "USER|Fred" },
  { S ("LIST 1"), "LIST|1" },
  { S ("LIST 1 "), "LIST|1" },
  { S ("LIST    1"), "LIST|1" },
  { S ("LIST 1    "), "LIST|1" },
  { S ("NOOP "), "NOOP" },
  { S ("NOOP      "), "NOOP" },
  { S ("TOP 1 10"), "TOP|1|10" },
  { S ("top   12   0  "), "TOP|12|0" },
  { S ("APOP fred c4c9334bac560ecc979e58001b3e22fb"),
    "APOP|fred|c4c9334bac560ecc979e58001b3e22fb" },
  { S ("AUTH PLAIN AGZyZWQAc2VjcmV0"), "AUTH|PLAIN|AGZyZWQAc2VjcmV0" },
  { S ("AUTH PLAIN ="), "AUTH|PLAIN|=" },
  { S ("UIDL"), "UIDL" },
  /* TAB separates too (ipop3d.h); leading spaces and TABs are skipped */
  { S ("USER\tfred"), "USER|fred" },
  { S ("LIST 1\t"), "LIST|1" },
  { S ("TOP\t1 \t 5\t"), "TOP|1|5" },
  { S ("   USER leading"), "USER|leading" },
  { S ("\t noop"), "NOOP" },
  /* arguments keep their case and any printable or 8-bit byte */
  { S ("USER Fr.ed+x@example.org"), "USER|Fr.ed+x@example.org" },
  { S ("USER caf\xc3\xa9"), "USER|caf\xc3\xa9" },
  { S ("XTND a:b \"c\" {3}"), "XTND|a:b|\"c\"|{3}" },
  /* LIM_POP3_ARGS arguments are fine */
  { S ("ABCD 1 2 3 4 5 6 7 8"), "ABCD|1|2|3|4|5|6|7|8" },
  { S ("ABCD 1  2  3  4  5  6  7  8   "), "ABCD|1|2|3|4|5|6|7|8" },
  /* one more is not */
  { S ("ABCD 1 2 3 4 5 6 7 8 9"), "ERROR: Too many arguments" },
  { S ("list 1 2 3 4 5 6 7 8 9 10 11 12"), "ERROR: Too many arguments" },
  /* nothing, or only spaces */
  { S (""), "ERROR: Null command" },
  { S (" "), "ERROR: Null command" },
  { S ("          "), "ERROR: Null command" },
  { S ("\t"), "ERROR: Null command" },
  { S (" \t  \t"), "ERROR: Null command" },
  /* keywords that cannot be one */
  { S ("USERX fred"), "ERROR: Unknown command" },
  { S ("STATS"), "ERROR: Unknown command" },
  { S ("US3R fred"), "ERROR: Unknown command" },
  { S ("1"), "ERROR: Unknown command" },
  { S ("+OK"), "ERROR: Unknown command" },
  { S ("LI-T"), "ERROR: Unknown command" },
  { S ("LIS\xc3\xa9"), "ERROR: Unknown command" },
  { S ("\xc3\xa9"), "ERROR: Unknown command" },
  { S ("a001 CAPABILITY"), "ERROR: Unknown command" },
  { S ("OPTIONS * HTTP/1.0"), "ERROR: Unknown command" },
  { S ("GET / HTTP/1.0"), "GET|/|HTTP/1.0" },	/* the session says unknown */
  /* control bytes but TAB anywhere: NUL, CR, LF, ESC, DEL, ... */
  { S ("STAT\0"), "ERROR: Invalid character in command" },
  { S ("US\0R fred"), "ERROR: Invalid character in command" },
  { S ("USER fr\0ed"), "ERROR: Invalid character in command" },
  { S ("\0"), "ERROR: Invalid character in command" },
  { S ("STAT\r"), "ERROR: Invalid character in command" },
  { S ("USER a\rb"), "ERROR: Invalid character in command" },
  { S ("USER a\nb"), "ERROR: Invalid character in command" },
  { S (" \0"), "ERROR: Invalid character in command" },
  { S ("STAT\x7f"), "ERROR: Invalid character in command" },
  { S ("PASS sec\x7fret"), "ERROR: Invalid character in command" },
  { S ("\x0b"), "ERROR: Invalid character in command" },
  { S ("PASS \x1b[31m"), "ERROR: Invalid character in command" },
  { S ("PASS a\x01"), "ERROR: Invalid character in command" },
  { S ("PASS a\x1f"), "ERROR: Invalid character in command" },
};

static void test_parse_table (void)
{
  size_t i;
  for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
    const struct parse_case *c = &parse_cases[i];
    char *got = parse_to_text (c->in, c->len, NULL);
    if (!CHECK_STREQ (got, c->out))
      printf ("  (case %zu)\n", i);
    free (got);
  }
}

/* PASS takes the rest of the line whole: after "PASS" and one space,
 * spaces and all */
static void test_parse_rest (void)
{
  static const struct { const char *in; size_t len; const char *rest; } cases[] = {
    { S ("PASS secret"), "secret" },
    { S ("pass secret"), "secret" },
    { S ("PASS my secret pass"), "my secret pass" },
    { S ("PASS  two leading"), " two leading" },
    { S ("PASS trailing  "), "trailing  " },
    { S ("PASS a  b   c"), "a  b   c" },
    { S ("PASS \xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9" },
    { S ("PASS !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
      "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" },
    { S ("PASS"), "" },
    { S ("PASS\tsecret"), "secret" },
    { S ("PASS a\tb"), "a\tb" },
    { S ("  PASS  x"), " x" },
    /* PASS is not split into arguments: a password may have many words */
    { S ("PASS a b c d e f g h i j"), "a b c d e f g h i j" },
  };
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *rest = NULL;
    char *got = parse_to_text (cases[i].in, cases[i].len, &rest);
    /* PASS has rest only, no arguments (ipop3d.h) */
    if (!CHECK_STREQ (got, "PASS") || !CHECK_STREQ (rest, cases[i].rest))
      printf ("  (rest case %zu: %s)\n", i, got);
    free (got);
    free (rest);
  }
  /* rest for other commands starts after the keyword's one space too */
  {
    char line[] = "USER fred Z";
    struct pop3_command cmd;
    const char *error = NULL;
    if (CHECK_INTEQ (pop3_parse_line (line, 4, &cmd, &error), 0))
      CHECK_STREQ (cmd.rest, "");
    CHECK_INTEQ (cmd.nargs, 0);
    CHECK_INTEQ (line[4], '\0');	/* line[len] becomes the NUL */
  }
  {
    char line[] = "USER  fred  x";
    struct pop3_command cmd;
    const char *error = NULL;
    if (CHECK_INTEQ (pop3_parse_line (line, strlen (line), &cmd, &error), 0)) {
      CHECK (cmd.rest == line + 5);
      CHECK_STREQ (cmd.rest, " fred  x");	/* unchanged by the split */
      CHECK_INTEQ (cmd.nargs, 2);
    }
  }
}

/* The name is NUL-terminated in its array, and a keyword may fill it */
static void test_parse_name (void)
{
  char line[] = "abcd 1";
  struct pop3_command cmd;
  const char *error = NULL;
  memset (&cmd, 0x7a, sizeof cmd);
  if (CHECK_INTEQ (pop3_parse_line (line, strlen (line), &cmd, &error), 0)) {
    CHECK_INTEQ (cmd.name[LIM_POP3_KEYWORD], '\0');
    CHECK_STREQ (cmd.name, "ABCD");
    CHECK_INTEQ (cmd.nargs, 1);
  }
}

/* Lines up to LIM_POP3_LINE: a long argument stays whole */
static void test_parse_long (void)
{
  char *in = malloc (LIM_POP3_LINE + 1), *got, *want;
  size_t n = LIM_POP3_LINE;
  memcpy (in, "USER ", 5);
  memset (in + 5, 'u', n - 5);
  in[n] = '\0';
  got = parse_to_text (in, n, NULL);
  want = malloc (n + 1);
  memcpy (want, "USER|", 5);
  memset (want + 5, 'u', n - 5);
  want[n] = '\0';
  CHECK_STREQ (got, want);
  free (got);
  free (want);
  /* LIM_POP3_ARGS + 1 arguments, each one letter, at the end of a long
   * run of spaces */
  memset (in, ' ', n);
  memcpy (in, "LIST", 4);
  memcpy (in + n - 2 * (LIM_POP3_ARGS + 1), " a b c d e f g h i", 2 * (LIM_POP3_ARGS + 1));
  got = parse_to_text (in, n, NULL);
  CHECK_STREQ (got, "ERROR: Too many arguments");
  free (got);
  free (in);
  /* one byte more than LIM_POP3_LINE */
  in = malloc (LIM_POP3_LINE + 2);
  memcpy (in, "NOOP", 4);
  memset (in + 4, ' ', LIM_POP3_LINE + 1 - 4);
  got = parse_to_text (in, LIM_POP3_LINE + 1, NULL);
  CHECK_STREQ (got, "ERROR: Command line too long");
  free (got);
  got = parse_to_text (in, LIM_POP3_LINE, NULL);
  CHECK_STREQ (got, "NOOP");
  free (got);
  free (in);
}

/* ---------------------------------------------------- pop3_parse_number */

static void test_number (void)
{
  static const struct { const char *s; int ok; unsigned long n; } cases[] = {
    { "0", 1, 0 },
    { "1", 1, 1 },
    { "9", 1, 9 },
    { "42", 1, 42 },
    { "007", 1, 7 },
    { "0000000001", 1, 1 },
    { "4294967295", 1, 4294967295UL },
    { "4294967296", 1, 4294967296UL },
    { "9999999999", 1, 9999999999UL },
    { "1000000000", 1, 1000000000UL },
    { "", 0, 0 },
    { "00000000001", 0, 0 },	/* 11 digits, even if the value is small */
    { "10000000000", 0, 0 },
    { "99999999999999999999999", 0, 0 },
    { "+1", 0, 0 },
    { "-1", 0, 0 },
    { "-0", 0, 0 },
    { " 1", 0, 0 },
    { "1 ", 0, 0 },
    { "1 2", 0, 0 },
    { "1a", 0, 0 },
    { "a1", 0, 0 },
    { "0x10", 0, 0 },
    { "1.5", 0, 0 },
    { "1e3", 0, 0 },
    { "\xd9\xa1", 0, 0 },	/* ARABIC-INDIC DIGIT ONE */
    { "1\t", 0, 0 },
    { "1\n", 0, 0 },
  };
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    unsigned long n = 12345;
    int r = pop3_parse_number (cases[i].s, &n);
    if (!CHECK_INTEQ (r, cases[i].ok ? 0 : -1))
      printf ("  (number \"%s\")\n", cases[i].s);
    else if (cases[i].ok && !CHECK_INTEQ (n, cases[i].n))
      printf ("  (number \"%s\")\n", cases[i].s);
  }
}

/* ------------------------------------------------------- the stuffer */

struct sink {
  struct buf out;
  unsigned long calls;
};

static void sink_emit (void *ctx, const char *data, size_t len)
{
  struct sink *k = ctx;
  buf_append (&k->out, data, len);
  k->calls++;
}

/* Runs text through a stuffer with the given line limit, in pieces of
 * piece bytes (0: one piece).  Stops feeding once pop3_stuff() returns 0,
 * as the server does.  *stopped_at gets the offset after the piece that
 * returned 0 (or len), *written the stuffer's count before the end.
 * Returns the output including the terminator (malloc'ed, NUL-terminated;
 * *outlen is its length). */
static char *stuff (const char *text, size_t len, long lines, size_t piece,
		    size_t *outlen, size_t *stopped_at, int *counts_ok)
{
  struct pop3_stuffer st;
  struct sink k = { BUF_INIT, 0 };
  size_t at = 0;
  char *r;
  int more = 1;
  pop3_stuffer_init (&st, lines, sink_emit, &k);
  *counts_ok = st.written == 0 && k.out.len == 0;
  while (at < len && more) {
    size_t n = piece && piece < len - at ? piece : len - at;
    more = pop3_stuff (&st, text + at, n);
    at += n;
    if (st.written != k.out.len) *counts_ok = 0;
  }
  if (stopped_at) *stopped_at = at;
  pop3_stuff_end (&st);
  if (st.written != k.out.len) *counts_ok = 0;
  *outlen = k.out.len;
  buf_putc (&k.out, '\0');
  r = malloc (*outlen + 1);
  memcpy (r, k.out.data, *outlen + 1);
  buf_free (&k.out);
  return r;
}

struct stuff_case { const char *in; size_t inlen; const char *out; size_t outlen; };

static const struct stuff_case stuff_cases[] = {
  /* nothing: only the terminator */
  { S (""), S (".\r\n") },
  /* line ends: LF -> CRLF, CRLF kept, last line completed */
  { S ("a\n"), S ("a\r\n.\r\n") },
  { S ("a\r\n"), S ("a\r\n.\r\n") },
  { S ("a"), S ("a\r\n.\r\n") },
  { S ("a\nb"), S ("a\r\nb\r\n.\r\n") },
  { S ("a\r\nb\nc\r\n"), S ("a\r\nb\r\nc\r\n.\r\n") },
  { S ("\n"), S ("\r\n.\r\n") },
  { S ("\n\n\n"), S ("\r\n\r\n\r\n.\r\n") },
  { S ("\r\n\r\n"), S ("\r\n\r\n.\r\n") },
  /* a lone CR is data, also at the end and before CRLF */
  { S ("a\rb\n"), S ("a\rb\r\n.\r\n") },
  { S ("a\r"), S ("a\r\r\n.\r\n") },
  { S ("\r"), S ("\r\r\n.\r\n") },
  { S ("a\r\r\n"), S ("a\r\r\n.\r\n") },
  { S ("a\r\r\r\nb"), S ("a\r\r\r\nb\r\n.\r\n") },
  { S ("\r\r"), S ("\r\r\r\n.\r\n") },
  /* dots: doubled at a line start, also the very first byte */
  { S (".\n"), S ("..\r\n.\r\n") },
  { S ("."), S ("..\r\n.\r\n") },
  { S (".a"), S ("..a\r\n.\r\n") },
  { S ("..\n"), S ("...\r\n.\r\n") },
  { S ("a\n.\nb\n"), S ("a\r\n..\r\nb\r\n.\r\n") },
  { S ("a\r\n.b\r\n"), S ("a\r\n..b\r\n.\r\n") },
  { S ("a.b.\n.c."), S ("a.b.\r\n..c.\r\n.\r\n") },
  { S ("\n.\n.\n"), S ("\r\n..\r\n..\r\n.\r\n") },
  /* after a lone CR the line goes on: no doubling */
  { S ("a\r.b\n"), S ("a\r.b\r\n.\r\n") },
  { S ("\r.\n"), S ("\r.\r\n.\r\n") },
  /* a dot after a space is not at the start */
  { S (" .\n"), S (" .\r\n.\r\n") },
  /* NUL and 8-bit pass */
  { S ("a\0b\n"), S ("a\0b\r\n.\r\n") },
  { S ("\0"), S ("\0\r\n.\r\n") },
  { S ("\0.\n.\0\n"), S ("\0.\r\n..\0\r\n.\r\n") },
  { S ("\xff\xfe\x80\n\xc3\xa9\n"), S ("\xff\xfe\x80\r\n\xc3\xa9\r\n.\r\n") },
  /* the SMTP-like terminator inside a message stays data */
  { S ("x\r\n.\r\ny\r\n"), S ("x\r\n..\r\ny\r\n.\r\n") },
  { S ("x\n.\r\n"), S ("x\r\n..\r\n.\r\n") },
};

/* Every case, whole and in every piece size (1 byte upwards): the same
 * output; written counts exactly the bytes emitted. */
static void test_stuff_table (void)
{
  size_t i, piece;
  for (i = 0; i < sizeof stuff_cases / sizeof stuff_cases[0]; i++) {
    const struct stuff_case *c = &stuff_cases[i];
    for (piece = 0; piece <= c->inlen; piece++) {
      size_t outlen, stopped;
      int counts_ok;
      char *got = stuff (c->in, c->inlen, -1, piece, &outlen, &stopped, &counts_ok);
      int ok = CHECK_MEMEQ (got, outlen, c->out, c->outlen);
      ok &= CHECK (counts_ok);
      ok &= CHECK_INTEQ (stopped, c->inlen);
      if (!ok) printf ("  (stuff case %zu, piece %zu)\n", i, piece);
      free (got);
    }
  }
}

/* Split at every possible point into two and into three pieces */
static void test_stuff_splits (void)
{
  static const char text[] = ".a\r\n.\r\r\n\n..\r.x\n\rb\r";
  static const char want[] = "..a\r\n..\r\r\n\r\n...\r.x\r\n\rb\r\r\n.\r\n";
  size_t len = sizeof text - 1, i, j;
  unsigned long failures = 0, runs = 0;
  for (i = 0; i <= len; i++)
    for (j = i; j <= len; j++) {
      struct pop3_stuffer st;
      struct sink k = { BUF_INIT, 0 };
      pop3_stuffer_init (&st, -1, sink_emit, &k);
      if (pop3_stuff (&st, text, i) != 1) failures++;
      if (pop3_stuff (&st, text + i, j - i) != 1) failures++;
      if (pop3_stuff (&st, text + j, len - j) != 1) failures++;
      pop3_stuff_end (&st);
      if (k.out.len != sizeof want - 1 || memcmp (k.out.data, want, k.out.len)
	  || st.written != k.out.len) {
	if (!failures)
	  CHECK_MEMEQ (k.out.data, k.out.len, want, sizeof want - 1);
	failures++;
      }
      runs++;
      buf_free (&k.out);
    }
  if (!CHECK_INTEQ (failures, 0))
    printf ("  (%lu of %lu three-piece splits differ)\n", failures, runs);
}

/* Zero-length pieces change nothing, even between CR and LF */
static void test_stuff_empty_pieces (void)
{
  struct pop3_stuffer st;
  struct sink k = { BUF_INIT, 0 };
  pop3_stuffer_init (&st, -1, sink_emit, &k);
  CHECK_INTEQ (pop3_stuff (&st, "", 0), 1);
  CHECK_INTEQ (pop3_stuff (&st, "a\r", 2), 1);
  CHECK_INTEQ (pop3_stuff (&st, "", 0), 1);
  CHECK_INTEQ (pop3_stuff (&st, "\n", 1), 1);
  CHECK_INTEQ (pop3_stuff (&st, "", 0), 1);
  CHECK_INTEQ (pop3_stuff (&st, ".", 1), 1);
  pop3_stuff_end (&st);
  CHECK_MEMEQ (k.out.data, k.out.len, "a\r\n..\r\n.\r\n", 10);
  CHECK_INTEQ (st.written, 10);
  buf_free (&k.out);
}

/* The TOP line limit: lines counted at their LF; pop3_stuff returns 0 as
 * soon as the limit is reached, and the text stops there. */
static void test_stuff_lines (void)
{
  static const struct {
    const char *in; size_t inlen; long lines; const char *out; size_t outlen;
    size_t stop;		/* input offset after which pop3_stuff said 0,
				   in one-byte pieces (inlen: never) */
  } cases[] = {
    { S ("a\nb\nc\n"), 0, S (".\r\n"), 1 },
    { S ("a\nb\nc\n"), 1, S ("a\r\n.\r\n"), 2 },
    { S ("a\nb\nc\n"), 2, S ("a\r\nb\r\n.\r\n"), 4 },
    { S ("a\nb\nc\n"), 3, S ("a\r\nb\r\nc\r\n.\r\n"), 6 },
    { S ("a\nb\nc\n"), 4, S ("a\r\nb\r\nc\r\n.\r\n"), 6 },
    { S ("a\nb\nc"), 3, S ("a\r\nb\r\nc\r\n.\r\n"), 5 },
    { S ("a\r\nb\r\nc\r\n"), 2, S ("a\r\nb\r\n.\r\n"), 6 },
    { S ("a\rb\nc\n"), 1, S ("a\rb\r\n.\r\n"), 4 },
    { S (".\n.\n.\n"), 2, S ("..\r\n..\r\n.\r\n"), 4 },
    { S ("\n\n\n"), 2, S ("\r\n\r\n.\r\n"), 2 },
    { S (""), 5, S (".\r\n"), 0 },
    { S ("x"), 0, S (".\r\n"), 1 },
  };
  size_t i, piece;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    for (piece = 0; piece <= cases[i].inlen; piece++) {
      size_t outlen, stopped;
      int counts_ok;
      char *got = stuff (cases[i].in, cases[i].inlen, cases[i].lines, piece,
			 &outlen, &stopped, &counts_ok);
      int ok = CHECK_MEMEQ (got, outlen, cases[i].out, cases[i].outlen);
      ok &= CHECK (counts_ok);
      if (piece == 1) ok &= CHECK_INTEQ (stopped, cases[i].stop);
      if (!ok) printf ("  (lines case %zu, piece %zu)\n", i, piece);
      free (got);
    }
  }
  /* once the limit is reached, more text is refused and not written */
  {
    struct pop3_stuffer st;
    struct sink k = { BUF_INIT, 0 };
    pop3_stuffer_init (&st, 1, sink_emit, &k);
    CHECK_INTEQ (pop3_stuff (&st, "one\ntwo", 7), 0);
    CHECK_INTEQ (pop3_stuff (&st, "three\n", 6), 0);
    pop3_stuff_end (&st);
    CHECK_MEMEQ (k.out.data, k.out.len, "one\r\n.\r\n", 8);
    CHECK_INTEQ (st.written, 8);
    buf_free (&k.out);
  }
}

/* A message the way TOP sends it: header and blank line with no limit,
 * then the body with the limit, through two stuffers */
static void test_stuff_top (void)
{
  static const char header[] = "From: a@b\nSubject: x\n\n";
  static const char body[] = ".hidden\nline 2\r\nline 3\n";
  struct pop3_stuffer st;
  struct sink k = { BUF_INIT, 0 };
  pop3_stuffer_init (&st, -1, sink_emit, &k);
  CHECK_INTEQ (pop3_stuff (&st, header, sizeof header - 1), 1);
  pop3_stuffer_init (&st, 2, sink_emit, &k);
  CHECK_INTEQ (pop3_stuff (&st, body, sizeof body - 1), 0);
  pop3_stuff_end (&st);
  {
    static const char want[] =
      "From: a@b\r\nSubject: x\r\n\r\n..hidden\r\nline 2\r\n.\r\n";
    CHECK_MEMEQ (k.out.data, k.out.len, want, sizeof want - 1);
  }
  buf_free (&k.out);
}

/* A long line (far beyond any line limit of the protocol) passes whole,
 * and a big text comes out the same in one piece and in 1-byte pieces */
static void test_stuff_big (void)
{
  size_t n = 200000, i, outlen1, outlenn, stopped;
  char *text = malloc (n), *one, *many;
  int ok1, okn;
  unsigned int r = 12345;
  for (i = 0; i < n; i++) {
    r = r * 1103515245u + 12345u;
    switch ((r >> 16) % 8) {
    case 0: text[i] = '\n'; break;
    case 1: text[i] = '\r'; break;
    case 2: text[i] = '.'; break;
    case 3: text[i] = '\0'; break;
    default: text[i] = (char) (r >> 8);
    }
  }
  memset (text + 1000, 'x', 100000);	/* one 100000-byte run */
  one = stuff (text, n, -1, 0, &outlen1, &stopped, &ok1);
  many = stuff (text, n, -1, 1, &outlenn, &stopped, &okn);
  CHECK (ok1 && okn);
  CHECK (outlen1 == outlenn && memcmp (one, many, outlen1) == 0);
  CHECK (outlen1 > n);
  CHECK (memmem (one, outlen1, text + 1000, 100000) != NULL);
  free (one);
  free (many);
  free (text);
}

/* ----------------------------------------------------------- pop3_uidl */

static void test_uidl (void)
{
  static const struct { unsigned long v, u; const char *want; } cases[] = {
    { 0x12345678UL, 1, "1234567800000001" },
    { 0, 0, "0000000000000000" },
    { 1, 1, "0000000100000001" },
    { 0xffffffffUL, 0xffffffffUL, "ffffffffffffffff" },
    { 0xabcdef01UL, 0xdeadbeefUL, "abcdef01deadbeef" },
    { 1733184000UL, 42, "674e4a000000002a" },	/* a 2024 UIDVALIDITY */
  };
  size_t i;
  char out[32];
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    memset (out, '#', sizeof out);
    pop3_uidl (cases[i].v, cases[i].u, out);
    CHECK_STREQ (out, cases[i].want);
    CHECK_INTEQ (strlen (out), 16);
    CHECK_INTEQ (out[17], '#');	/* nothing beyond the 17 bytes */
  }
}

int main (void)
{
  test_parse_table ();
  test_parse_rest ();
  test_parse_name ();
  test_parse_long ();
  test_number ();
  test_stuff_table ();
  test_stuff_splits ();
  test_stuff_empty_pieces ();
  test_stuff_lines ();
  test_stuff_top ();
  test_stuff_big ();
  test_uidl ();
  return unit_done ();
}

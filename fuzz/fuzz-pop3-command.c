/*
 * ipop3d's pure code (ipop3d/parse.c).  Each line of the input (split at
 * LF, a CR before it dropped, as the connection reader does) and the
 * whole input go through pop3_parse_line(): a parse gives an upper-case
 * keyword of 1..LIM_POP3_KEYWORD letters and at most LIM_POP3_ARGS
 * arguments, each in cmd's own copy, NUL-terminated, non-empty and
 * without spaces or TABs; rest is the line after the keyword and one
 * separator, unchanged; the result or error text is the one a reference
 * check of the line predicts (ipop3d.h's order of errors).
 * pop3_parse_number() agrees with a reference on every argument and line.
 * Then the input is message text for the dot-stuffing writer, in pieces
 * of pseudo-random sizes and in one piece, with and without a TOP line
 * limit: both give the same output; every LF is preceded by CR; no line
 * but the terminator starts with a single '.'; un-stuffing gives the
 * input back with bare LFs as CRLF (and a CRLF added at the end when the
 * last line had none); written counts the bytes emitted.
 */
/* fuzz-link: ipop3d/parse.c */
#include "fuzz.h"
#include "../ipop3d/ipop3d.h"

/* ------------------------------------------------------------ commands */

/* a == b as byte strings (memcmp with no pointer when empty) */
static int same (const void *a, size_t alen, const void *b, size_t blen)
{
  return alen == blen && (alen == 0 || !memcmp (a, b, alen));
}

/* TAB separates like a space; every other control byte is refused */
static int is_ctl (unsigned char c)
{
  return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int is_sep (unsigned char c)
{
  return c == ' ' || c == '\t';
}

static int is_letter (unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The reference for pop3_parse_number */
static int ref_number (const char *s, unsigned long *n)
{
  size_t i, len = strlen (s);
  unsigned long v = 0;
  if (len == 0 || len > 10) return -1;
  for (i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (unsigned long) (s[i] - '0');
  }
  *n = v;
  return 0;
}

static void check_number (const char *s)
{
  unsigned long got = 0, want = 0;
  int r = pop3_parse_number (s, &got);
  int w = ref_number (s, &want);
  FUZZ_CHECK (r == w);
  FUZZ_CHECK (r != 0 || got == want);
}

static void check_line (const uint8_t *data, size_t len)
{
  char *line = fs_get (len + 1);
  struct pop3_command *cmd = fs_get (sizeof *cmd);
  const char *error = NULL, *want;
  size_t i, k, words = 0, first;
  int null = 1, ctl = 0, keyword_ok, pass;
  if (len) memcpy (line, data, len);
  line[len] = 'Z';		/* the parser may not rely on a NUL */

  /* the reference, in ipop3d.h's order of errors */
  for (i = 0; i < len; i++) {
    if (!is_sep (data[i])) null = 0;
    if (is_ctl (data[i])) ctl = 1;
  }
  for (first = 0; first < len && is_sep (data[first]); first++);
  for (k = first; k < len && !is_sep (data[k]); k++);
  keyword_ok = k > first && k - first <= LIM_POP3_KEYWORD;
  for (i = first; i < k; i++)
    if (!is_letter (data[i])) keyword_ok = 0;
  for (i = k; i < len; i++)
    if (!is_sep (data[i]) && is_sep (data[i - 1])) words++;
  pass = keyword_ok && k - first == 4 && (data[first] | 0x20) == 'p'
    && (data[first + 1] | 0x20) == 'a' && (data[first + 2] | 0x20) == 's'
    && (data[first + 3] | 0x20) == 's';
  if (len > LIM_POP3_LINE) want = "Command line too long";
  else if (ctl) want = "Invalid character in command";
  else if (null) want = "Null command";
  else if (!keyword_ok) want = "Unknown command";
  else if (words > LIM_POP3_ARGS && !pass) want = "Too many arguments";
  else want = NULL;

  if (pop3_parse_line (line, len, cmd, &error) == 0) {
    const char *abuf = cmd->argbuf_, *aend = abuf + sizeof cmd->argbuf_;
    FUZZ_CHECK (want == NULL);
    FUZZ_CHECK (line[len] == '\0');
    FUZZ_CHECK (strlen (cmd->name) == k - first);
    for (i = 0; cmd->name[i]; i++) {
      FUZZ_CHECK (cmd->name[i] >= 'A' && cmd->name[i] <= 'Z');
      FUZZ_CHECK ((cmd->name[i] | 0x20) == (data[first + i] | 0x20));
    }
    FUZZ_CHECK (cmd->nargs <= LIM_POP3_ARGS);
    /* PASS is not split: a password may have any number of words */
    FUZZ_CHECK (cmd->nargs == (pass ? 0 : words));
    /* rest: after the keyword and one separator, unchanged, in line */
    FUZZ_CHECK (cmd->rest != NULL);
    {
      size_t off = k < len ? k + 1 : len;
      FUZZ_CHECK (strlen (cmd->rest) == len - off);
      FUZZ_CHECK (same (cmd->rest, len - off, data + off, len - off));
      FUZZ_CHECK (len == off || cmd->rest == line + off);
    }
    for (i = 0; i < cmd->nargs; i++) {
      const char *a = cmd->args[i];
      const char *nul;
      size_t alen, j;
      FUZZ_CHECK (a >= abuf && a < aend);
      nul = memchr (a, '\0', (size_t) (aend - a));
      FUZZ_CHECK (nul != NULL);
      alen = (size_t) (nul - a);
      FUZZ_CHECK (alen > 0);
      for (j = 0; j < alen; j++) FUZZ_CHECK (!is_sep (a[j]));
      FUZZ_CHECK (i == 0 || a > cmd->args[i - 1]);
      /* the argument is one of rest's words */
      FUZZ_CHECK (memmem (cmd->rest, strlen (cmd->rest), a, alen) != NULL);
      check_number (a);
    }
  }
  else {
    FUZZ_CHECK (error != NULL);
    FUZZ_CHECK (want != NULL);
    FUZZ_CHECK (!strcmp (error, want));
  }
  fs_give ((void **) &cmd);
  fs_give ((void **) &line);
}

/* --------------------------------------------------------- the stuffer */

struct sink {
  struct buf out;
};

static void sink_emit (void *ctx, const char *data, size_t len)
{
  struct sink *k = ctx;
  FUZZ_CHECK (len > 0 || data != NULL);
  buf_append (&k->out, data, len);
}

/* Stuffs data[0..size) with the line limit, in pieces whose sizes come
 * from seed (0: one piece); feeding stops when pop3_stuff says 0 */
static void run_stuffer (const uint8_t *data, size_t size, long lines,
			 uint32_t seed, struct buf *out)
{
  struct pop3_stuffer st;
  struct sink k = { BUF_INIT };
  size_t at = 0;
  int more = 1;
  pop3_stuffer_init (&st, lines, sink_emit, &k);
  while (at < size && more) {
    size_t n = size - at;
    if (seed) {
      seed = seed * 1103515245u + 12345u;
      n = 1 + (seed >> 16) % 7;
      if ((seed >> 8) % 5 == 0) n = 1 + (seed >> 12) % 300;
      if (n > size - at) n = size - at;
    }
    more = pop3_stuff (&st, (const char *) data + at, n);
    at += n;
    FUZZ_CHECK (st.written == k.out.len);
    FUZZ_CHECK (more == 0 || more == 1);
  }
  pop3_stuff_end (&st);
  FUZZ_CHECK (st.written == k.out.len);
  *out = k.out;
}

/* The expected output without the terminator, with no line limit */
static void expected_body (const uint8_t *data, size_t size, struct buf *b)
{
  size_t i;
  for (i = 0; i < size; i++) {
    int start = i == 0 || data[i - 1] == '\n';
    if (start && data[i] == '.') buf_putc (b, '.');
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) buf_putc (b, '\r');
    buf_putc (b, data[i]);
  }
  if (size && data[size - 1] != '\n') buf_append (b, "\r\n", 2);
}

/* The client's view: every line ends CRLF, a leading '.' is removed, and
 * the text ends at the line "." */
static void check_wire (const struct buf *out, const uint8_t *data, size_t size)
{
  struct buf plain = BUF_INIT;
  const char *p = out->data, *end = out->data + out->len;
  int terminated = 0;
  FUZZ_CHECK (out->len >= 3 && !memcmp (end - 3, ".\r\n", 3));
  while (p < end) {
    const char *lf = memchr (p, '\n', end - p);
    FUZZ_CHECK (lf != NULL);		/* the output ends with a line end */
    FUZZ_CHECK (lf > p && lf[-1] == '\r');	/* every LF after a CR */
    if (lf - p == 2 && p[0] == '.') {	/* the terminator, last */
      FUZZ_CHECK (lf + 1 == end);
      terminated = 1;
      break;
    }
    if (p[0] == '.') {
      FUZZ_CHECK (p[1] == '.');	/* never a single '.' at a line start */
      p++;
    }
    buf_append (&plain, p, lf + 1 - p);
    p = lf + 1;
  }
  FUZZ_CHECK (terminated);
  /* un-stuffed, it is the input with LF -> CRLF and a final line end */
  {
    struct buf want = BUF_INIT;
    size_t i;
    for (i = 0; i < size; i++) {
      if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) buf_putc (&want, '\r');
      buf_putc (&want, data[i]);
    }
    if (size && data[size - 1] != '\n') buf_append (&want, "\r\n", 2);
    FUZZ_CHECK (same (want.data, want.len, plain.data, plain.len));
    buf_free (&want);
  }
  buf_free (&plain);
}

static void check_stuffer (const uint8_t *data, size_t size)
{
  struct buf whole, pieces, limited, want = BUF_INIT;
  uint32_t seed = 2166136261u;
  size_t i, lfs = 0, cut;
  long lines;
  for (i = 0; i < size; i++) {
    seed = (seed ^ data[i]) * 16777619u;
    if (data[i] == '\n') lfs++;
  }
  seed |= 1;

  run_stuffer (data, size, -1, 0, &whole);
  run_stuffer (data, size, -1, seed, &pieces);
  FUZZ_CHECK (same (whole.data, whole.len, pieces.data, pieces.len));
  expected_body (data, size, &want);
  buf_append (&want, ".\r\n", 3);
  FUZZ_CHECK (same (want.data, want.len, whole.data, whole.len));
  check_wire (&whole, data, size);

  /* TOP: the first `lines` lines of the same output, then ".\r\n" */
  lines = (long) (seed % (lfs + 2));
  run_stuffer (data, size, lines, seed * 7u | 1, &limited);
  cut = 0;
  if ((size_t) lines > lfs) cut = whole.len - 3;
  else {
    long seen = 0;
    for (cut = 0; seen < lines; cut++)
      if (whole.data[cut] == '\n') seen++;
  }
  FUZZ_CHECK (limited.len == cut + 3);
  FUZZ_CHECK (same (limited.data, cut, whole.data, cut));
  FUZZ_CHECK (!memcmp (limited.data + cut, ".\r\n", 3));

  buf_free (&want);
  buf_free (&whole);
  buf_free (&pieces);
  buf_free (&limited);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const uint8_t empty[1];
  size_t start = 0, i;
  if (data == NULL) data = empty;	/* no pointer arithmetic on NULL */
  /* the connection reader's lines: at LF, one CR before it dropped */
  for (i = 0; i <= size; i++) {
    if (i == size || data[i] == '\n') {
      size_t len = i - start;
      if (i == size && start == size && size > 0) break;
      if (len && i < size && data[i - 1] == '\r') len--;
      check_line (data + start, len);
      if (len <= LIM_POP3_LINE) {
	char *s = fuzz_cstr (data + start, len);
	check_number (s);
	fs_give ((void **) &s);
      }
      start = i + 1;
    }
  }
  /* the whole input as one line (LFs in it are control bytes) */
  check_line (data, size);
  check_stuffer (data, size);
  return 0;
}

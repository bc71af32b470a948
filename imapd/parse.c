/*
 * parse.c: one whole IMAP command (tag, name, arguments, literals inline)
 * into an argument tree.  Pure: no I/O, no globals, so the fuzzer and the
 * unit tests drive it directly.
 *
 * The bytes are changed in place: quoted strings are unescaped and every
 * string is NUL-terminated where it ends.  Terminators are written only
 * after the whole command has parsed, because the byte after a token is
 * the delimiter the parser still has to look at.  The one byte that may be
 * written beyond the input is raw[len] (the tag of a command with no line
 * end); struct buf always has a NUL there, so callers passing a buf's data
 * are safe, and other callers must leave that byte writable.
 *
 * Nodes live in one array (cl->pool_) that grows with realloc, so while
 * parsing a LIST node's children are located by pool index (kept in the
 * node's len) and turned into pointers at the end.  Children of a list are
 * collected on a side stack first so that they end up contiguous.
 */
#include <string.h>
#include <strings.h>
#include "imapd.h"

struct parser {
  char *raw;
  size_t len, pos;
  struct imap_command_line *cl;
  struct imap_arg *stack;	/* nodes whose list is not closed yet */
  size_t stack_used, stack_size;
  size_t nodes;			/* against LIM_IMAP_ARGS */
  const char *error;
};

/* ATOM-CHAR of RFC 3501 plus the list wildcards, '\' (flags) and ']'
 * (resp-specials), which real commands carry in atoms: \Seen, 1:*, %. */
static int atom_char (unsigned char c)
{
  return c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '"' && c != '{';
}

/* tag = 1*<any ASTRING-CHAR except "+"> */
static int tag_char (unsigned char c)
{
  return atom_char (c) && c != '%' && c != '*' && c != '\\' && c != '+';
}

static int fail (struct parser *p, const char *why)
{
  if (!p->error) p->error = why;
  return -1;
}

/* 1 when pos is at the line end that finishes the command */
static int at_end (const struct parser *p)
{
  size_t rest = p->len - p->pos;
  if (rest == 1) return p->raw[p->pos] == '\n';
  if (rest == 2) return p->raw[p->pos] == '\r' && p->raw[p->pos + 1] == '\n';
  return 0;
}

/* Why the byte at pos cannot continue the command here */
static int bad_here (struct parser *p, const char *otherwise)
{
  if (p->pos >= p->len) return fail (p, "Missing CRLF at the end of the command");
  if (p->raw[p->pos] == '\r' && p->pos + 1 == p->len)
    return fail (p, "Missing CRLF at the end of the command");
  if (p->raw[p->pos] == '\r' || p->raw[p->pos] == '\n')
    return fail (p, "Junk after the command");
  if (p->raw[p->pos] == ')') return fail (p, "Unexpected ')'");
  return fail (p, otherwise);
}

static void pool_reserve (struct imap_command_line *cl, size_t more)
{
  if (cl->pool_size_ - cl->pool_used_ >= more) return;
  size_t n = cl->pool_size_ ? cl->pool_size_ : 16;
  while (n - cl->pool_used_ < more) n *= 2;
  fs_resize ((void **) &cl->pool_, n * sizeof *cl->pool_);
  cl->pool_size_ = n;
}

static int push (struct parser *p, const struct imap_arg *a)
{
  if (++p->nodes > LIM_IMAP_ARGS) return fail (p, "Too many arguments");
  if (p->stack_used == p->stack_size) {
    p->stack_size = p->stack_size ? p->stack_size * 2 : 16;
    fs_resize ((void **) &p->stack, p->stack_size * sizeof *p->stack);
  }
  p->stack[p->stack_used++] = *a;
  return 0;
}

/* Move the stack's nodes from first on into the pool, END-terminated;
 * returns the pool index of the first one. */
static size_t pool_take (struct parser *p, size_t first)
{
  struct imap_command_line *cl = p->cl;
  size_t n = p->stack_used - first, at;
  pool_reserve (cl, n + 1);
  at = cl->pool_used_;
  if (n) memcpy (cl->pool_ + at, p->stack + first, n * sizeof *p->stack);
  memset (cl->pool_ + at + n, 0, sizeof *cl->pool_);	/* IMAP_ARG_END */
  cl->pool_used_ += n + 1;
  p->stack_used = first;
  return at;
}

/* At raw[at] == '{': "{digits}" or "{digits+}" and a line end.  Returns
 * NULL with the size and the data's offset, or why it is no literal. */
static const char *scan_literal (const struct parser *p, size_t at, uint64_t *size,
				 size_t *data_at)
{
  uint64_t n = 0;
  size_t digits = 0;
  at++;				/* '{' */
  while (at < p->len && p->raw[at] >= '0' && p->raw[at] <= '9') {
    unsigned d = (unsigned) (p->raw[at++] - '0');
    if (n > (UINT64_MAX - d) / 10) return "Literal size too big";
    n = n * 10 + d;
    digits++;
  }
  if (at < p->len && p->raw[at] == '+') at++;
  if (!digits || at >= p->len || p->raw[at] != '}') return "Invalid literal size";
  at++;
  if (at < p->len && p->raw[at] == '\r') at++;
  if (at >= p->len || p->raw[at] != '\n') return "Missing CRLF after a literal size";
  *size = n;
  *data_at = at + 1;
  return NULL;
}

/* A literal inside a fetch section ("HEADER.FIELDS ({4}\r\nFrom)") stays in
 * the atom's text as sent; cmd-fetch.c reads it there.  Its data must not
 * hold a NUL, as the atom is a C string.  Returns 1 when one was skipped,
 * 0 when the '{' is plain text, -1 on error. */
static int skip_section_literal (struct parser *p)
{
  uint64_t n;
  size_t data_at;
  if (scan_literal (p, p->pos, &n, &data_at)) return 0;
  if (n > p->len - data_at) return fail (p, "Literal longer than the data");
  if (memchr (p->raw + data_at, '\0', (size_t) n))
    return fail (p, "NUL in a literal inside a section");
  p->pos = data_at + (size_t) n;
  return 1;
}

static int parse_atom (struct parser *p)
{
  struct imap_arg a = { .type = IMAP_ARG_ATOM };
  size_t start = p->pos, brackets = 0;
  while (p->pos < p->len) {
    unsigned char c = p->raw[p->pos];
    if (brackets) {
      /* inside [...] a fetch section carries spaces, parentheses, quoted
	 strings and even literals */
      if (c == '{') {
	int r = skip_section_literal (p);
	if (r < 0) return -1;
	if (r) continue;
      }
      if (c < 0x20 || c >= 0x7f) break;
      if (c == '[') brackets++;
      else if (c == ']') brackets--;
    }
    else if (!atom_char (c)) break;
    else if (c == '[') brackets = 1;
    p->pos++;
  }
  if (brackets) return fail (p, "Missing ']'");
  if (p->pos == start) return bad_here (p, "Invalid character in an argument");
  a.str = p->raw + start;
  a.len = p->pos - start;
  return push (p, &a);
}

/* "..." with \\ and \" only; unescaped in place */
static int parse_quoted (struct parser *p)
{
  struct imap_arg a = { .type = IMAP_ARG_QUOTED };
  char *out = p->raw + ++p->pos;
  a.str = out;
  for (;;) {
    unsigned char c;
    if (p->pos >= p->len) return fail (p, "Unterminated quoted string");
    c = p->raw[p->pos++];
    if (c == '"') break;
    if (c == '\r' || c == '\n') return fail (p, "Unterminated quoted string");
    if (!c) return fail (p, "NUL in a quoted string");
    if (c == '\\') {
      if (p->pos >= p->len) return fail (p, "Unterminated quoted string");
      c = p->raw[p->pos++];
      if (c != '\\' && c != '"') return fail (p, "Invalid escape in a quoted string");
    }
    *out++ = (char) c;
  }
  a.len = (size_t) (out - a.str);
  return push (p, &a);
}

/* {n}, {n+}, ~{n}, ~{n+}, then CRLF (or LF) and n bytes */
static int parse_literal (struct parser *p)
{
  struct imap_arg a = { .type = IMAP_ARG_LITERAL };
  uint64_t n;
  size_t data_at;
  const char *why;
  if (p->raw[p->pos] == '~') {
    a.literal8 = 1;
    p->pos++;
  }
  if ((why = scan_literal (p, p->pos, &n, &data_at))) return fail (p, why);
  if (n > p->len - data_at) return fail (p, "Literal longer than the data");
  a.str = p->raw + data_at;
  a.len = (size_t) n;
  p->pos = data_at + (size_t) n;
  return push (p, &a);
}

static int parse_list (struct parser *p, unsigned depth);

static int parse_one (struct parser *p, unsigned depth)
{
  char c;
  if (p->pos >= p->len) return fail (p, "Missing CRLF at the end of the command");
  c = p->raw[p->pos];
  switch (c) {
  case '(':
    if (depth >= LIM_IMAP_DEPTH) return fail (p, "Too deeply nested");
    p->pos++;
    return parse_list (p, depth + 1);
  case ')':
    return fail (p, "Unexpected ')'");
  case '"':
    return parse_quoted (p);
  case '{':
    return parse_literal (p);
  case '~':
    if (p->pos + 1 < p->len && p->raw[p->pos + 1] == '{') return parse_literal (p);
    return parse_atom (p);
  case '\r': case '\n':
    if (at_end (p)) return fail (p, "Missing argument");
    return fail (p, "Junk after the command");
  case ' ':
    return fail (p, "Extra space");
  default:
    return parse_atom (p);
  }
}

/* Arguments separated by single spaces, until ')' (closing) or the end of
 * the command.  They are left on the stack, above what was there. */
static int parse_seq (struct parser *p, unsigned depth, int closing)
{
  if (closing && p->pos < p->len && p->raw[p->pos] == ')') {
    p->pos++;
    return 0;
  }
  if (!closing && at_end (p)) return 0;
  for (;;) {
    if (parse_one (p, depth)) return -1;
    if (p->pos < p->len && p->raw[p->pos] == ' ') {
      p->pos++;
      continue;
    }
    if (closing && p->pos < p->len && p->raw[p->pos] == ')') {
      p->pos++;
      return 0;
    }
    if (!closing && at_end (p)) return 0;
    if (closing && at_end (p)) return fail (p, "Missing ')'");
    return bad_here (p, "Missing space between arguments");
  }
}

static int parse_list (struct parser *p, unsigned depth)
{
  struct imap_arg a = { .type = IMAP_ARG_LIST };
  size_t first = p->stack_used;
  if (parse_seq (p, depth, 1)) return -1;
  a.count = p->stack_used - first;
  a.len = pool_take (p, first);	/* pool index until the end of parsing */
  return push (p, &a);
}

/* The tag; terminated by the caller once parsing is over */
static int parse_tag (struct parser *p, size_t *tag_len)
{
  size_t n = 0;
  while (n < p->len && tag_char ((unsigned char) p->raw[n])) n++;
  if (!n) {
    if (p->len && p->raw[0] != ' ' && p->raw[0] != '\r' && p->raw[0] != '\n')
      return fail (p, "Invalid character in the tag");
    return fail (p, "Missing tag");
  }
  if (n > LIM_IMAP_TAG) return fail (p, "Tag too long");
  if (n < p->len && p->raw[n] != ' ' && p->raw[n] != '\r' && p->raw[n] != '\n')
    return fail (p, "Invalid character in the tag");
  *tag_len = n;
  p->pos = n;
  return 0;
}

static int parse_name (struct parser *p, size_t *name_len)
{
  size_t start;
  if (p->pos >= p->len || p->raw[p->pos] != ' ') return fail (p, "Missing command");
  start = ++p->pos;
  while (p->pos < p->len && atom_char ((unsigned char) p->raw[p->pos]) &&
	 p->raw[p->pos] != '[')
    p->pos++;
  if (p->pos == start) return fail (p, "Missing command");
  *name_len = p->pos - start;
  p->cl->name = p->raw + start;
  if (at_end (p)) return 0;
  if (p->raw[p->pos] != ' ') return bad_here (p, "Invalid character in the command name");
  p->pos++;
  if (at_end (p)) return fail (p, "Space at the end of the command");
  return 0;
}

/* Pool indexes to pointers; every string NUL-terminated where it ends */
static void finish (struct parser *p, size_t top, size_t name_len)
{
  struct imap_command_line *cl = p->cl;
  size_t i;
  for (i = 0; i < cl->pool_used_; i++) {
    struct imap_arg *a = &cl->pool_[i];
    if (a->type == IMAP_ARG_LIST) {
      a->list = cl->pool_ + a->len;
      a->len = 0;
    }
    else if (a->type != IMAP_ARG_END) a->str[a->len] = '\0';
  }
  cl->args = cl->pool_ + top;
  cl->name[name_len] = '\0';
}

int imap_parse_command (char *raw, size_t len, struct imap_command_line *cl,
			const char **error_r)
{
  struct parser p = { .raw = raw, .len = len, .cl = cl };
  size_t tag_len = 0, name_len = 0, top;
  int r;
  memset (cl, 0, sizeof *cl);
  r = parse_tag (&p, &tag_len);
  if (!r) r = parse_name (&p, &name_len);
  if (!r) r = parse_seq (&p, 0, 0);
  if (!r) {
    cl->nargs = p.stack_used;
    top = pool_take (&p, 0);
    finish (&p, top, name_len);
  }
  else {
    imap_command_line_free (cl);
    cl->name = NULL;
    *error_r = p.error ? p.error : "Syntax error";
  }
  if (p.stack) fs_give ((void **) &p.stack);
  if (tag_len) {
    /* raw[tag_len] is the SP after the tag, or the line end (or raw[len])
       when the command stops there */
    raw[tag_len] = '\0';
    cl->tag = raw;
  }
  return r ? -1 : 0;
}

void imap_command_line_free (struct imap_command_line *cl)
{
  if (cl->pool_) fs_give ((void **) &cl->pool_);
  cl->pool_used_ = cl->pool_size_ = 0;
  cl->args = NULL;
  cl->nargs = 0;
}

/* Does the line end with "{digits[+]}" (maybe "~{...}")?  Scanning back
 * from the final '}' stops at a space or a quote: "{" in front of those is
 * not a literal announcement (e.g. a quoted "{x" earlier on the line). */
int imap_literal_at_end (const char *line, size_t len, uint64_t *size,
			 int *nonsync, int *binary)
{
  size_t open, i, end;
  uint64_t n = 0;
  if (!len || line[len - 1] != '}') return 0;
  for (open = len - 1; open > 0; open--) {
    char c = line[open - 1];
    if (c == '{' || c == ' ' || c == '"') break;
  }
  if (!open || line[open - 1] != '{') return 0;
  end = len - 1;			/* the '}' */
  *nonsync = end > open && line[end - 1] == '+';
  if (*nonsync) end--;
  if (end == open) return -1;
  for (i = open; i < end; i++) {
    unsigned d;
    if (line[i] < '0' || line[i] > '9') return -1;
    d = (unsigned) (line[i] - '0');
    if (n > (UINT64_C (0x7fffffffffffffff) - d) / 10) return -1;
    n = n * 10 + d;
  }
  *size = n;
  *binary = open >= 2 && line[open - 2] == '~';
  return 1;
}

/* ------------------------------------------------------------ accessors */

const char *imap_arg_atom (const struct imap_arg *a)
{
  return a && a->type == IMAP_ARG_ATOM ? a->str : NULL;
}

/* A string holding a NUL would be cut short by every C consumer (a
 * password, a mailbox name); refusing it is safer than truncating. */
static const char *whole_string (const struct imap_arg *a)
{
  return strlen (a->str) == a->len ? a->str : NULL;
}

const char *imap_arg_astring (const struct imap_arg *a)
{
  if (!a) return NULL;
  switch (a->type) {
  case IMAP_ARG_ATOM:
  case IMAP_ARG_QUOTED:
  case IMAP_ARG_LITERAL:
    return whole_string (a);
  default:
    return NULL;
  }
}

/* Callers that want a string with NULs (APPEND data) use a->str/a->len. */
const char *imap_arg_string (const struct imap_arg *a)
{
  if (!a || (a->type != IMAP_ARG_QUOTED && a->type != IMAP_ARG_LITERAL)) return NULL;
  return whole_string (a);
}

int imap_arg_is_nil (const struct imap_arg *a)
{
  return a && a->type == IMAP_ARG_ATOM && !strcasecmp (a->str, "NIL");
}

int imap_arg_nstring (const struct imap_arg *a, const char **s, size_t *len)
{
  if (imap_arg_is_nil (a)) {
    *s = NULL;
    if (len) *len = 0;
    return 1;
  }
  if (!a || (a->type != IMAP_ARG_QUOTED && a->type != IMAP_ARG_LITERAL)) return 0;
  *s = a->str;
  if (len) *len = a->len;
  return 1;
}

int imap_arg_number (const struct imap_arg *a, unsigned long *n)
{
  uint64_t v = 0;
  size_t i;
  if (!a || a->type != IMAP_ARG_ATOM || !a->len) return -1;
  for (i = 0; i < a->len; i++) {
    if (a->str[i] < '0' || a->str[i] > '9') return -1;
    v = v * 10 + (uint64_t) (a->str[i] - '0');
    if (v > 0xffffffffUL) return -1;	/* leading zeros are fine */
  }
  *n = (unsigned long) v;
  return 0;
}

enum imap_flag_kind imap_flag_kind (const char *f)
{
  static const char *const sys[] = {
    "\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"
  };
  const unsigned char *p = (const unsigned char *) f;
  size_t i;
  if (!f || !*f) return IMAP_FLAG_INVALID;
  if (*f == '\\') {
    if (!strcasecmp (f, "\\Recent")) return IMAP_FLAG_RECENT;
    for (i = 0; i < sizeof sys / sizeof sys[0]; i++)
      if (!strcasecmp (f, sys[i])) return IMAP_FLAG_SYSTEM;
    return IMAP_FLAG_INVALID;
  }
  /* flag-keyword = atom: no CTL, SP, 8-bit or atom-specials (']' too) */
  for (; *p; p++)
    if (*p <= ' ' || *p >= 0x7f || strchr ("(){%*\"\\]", *p))
      return IMAP_FLAG_INVALID;
  return IMAP_FLAG_KEYWORD;
}

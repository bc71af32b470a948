/*
 * parse.c: POP3 command lines and message text on the wire.  Pure: no
 * I/O, no globals, so the fuzzer and the unit tests drive it directly.
 */
#include <stdio.h>
#include <string.h>
#include "ipop3d.h"

static int
is_space (char c)
{
  return c == ' ' || c == '\t';
}

static int
is_letter (char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Split cmd->rest into cmd->args, in cmd's own copy. */
static int
split_args (struct pop3_command *cmd, const char **error_r)
{
  char *p = cmd->argbuf_;
  memcpy (p, cmd->rest, strlen (cmd->rest) + 1);
  for (;;) {
    while (is_space (*p))
      *p++ = '\0';
    if (!*p)
      return 0;
    if (cmd->nargs == LIM_POP3_ARGS) {
      *error_r = "Too many arguments";
      return -1;
    }
    cmd->args[cmd->nargs++] = p;
    while (*p && !is_space (*p))
      p++;
  }
}

int
pop3_parse_line (char *line, size_t len, struct pop3_command *cmd,
		 const char **error_r)
{
  size_t i, k;
  char *p;

  memset (cmd->name, 0, sizeof cmd->name);
  cmd->nargs = 0;
  cmd->rest = "";
  if (len > LIM_POP3_LINE) {
    *error_r = "Command line too long";
    return -1;
  }
  line[len] = '\0';
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char) line[i];
    /* TAB is taken as a separator; other controls are not text */
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      *error_r = "Invalid character in command";
      return -1;
    }
  }
  /* RFC 1939 has no leading blanks, but some clients send them */
  for (p = line; is_space (*p); p++)
    ;
  if (!*p) {
    *error_r = "Null command";
    return -1;
  }
  for (k = 0; p[k] && !is_space (p[k]); k++)
    if (k >= LIM_POP3_KEYWORD || !is_letter (p[k])) {
      *error_r = "Unknown command";
      return -1;
    }
  for (i = 0; i < k; i++)
    cmd->name[i] = (char) (p[i] & ~0x20);	/* ASCII upper case */
  if (p[k])			/* exactly one separator starts rest */
    cmd->rest = p + k + 1;
  /* a password may hold any number of spaces: PASS takes rest whole */
  if (!strcmp (cmd->name, "PASS"))
    return 0;
  return split_args (cmd, error_r);
}

int
pop3_parse_number (const char *s, unsigned long *n)
{
  unsigned long v = 0;
  size_t i;
  for (i = 0; s[i]; i++) {
    if (i >= 10 || s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (unsigned long) (s[i] - '0');
  }
  if (!i)
    return -1;
  *n = v;
  return 0;
}

void
pop3_uidl (unsigned long uidvalidity, unsigned long uid, char out[17])
{
  snprintf (out, 17, "%08lx%08lx", uidvalidity & 0xffffffffUL,
	    uid & 0xffffffffUL);
}

/* ------------------------------------------------------- dot-stuffing */

void
pop3_stuffer_init (struct pop3_stuffer *st, long lines,
		   void (*emit) (void *ctx, const char *data, size_t len),
		   void *ctx)
{
  memset (st, 0, sizeof *st);
  st->emit = emit;
  st->ctx = ctx;
  st->lines = lines;
  st->at_line_start = 1;
}

static void
put (struct pop3_stuffer *st, const char *data, size_t len)
{
  if (len) {
    st->emit (st->ctx, data, len);
    st->written += len;
  }
}

/* Text goes out in runs as long as possible: a run ends only where a
 * byte must be added (a CR before a bare LF, a dot before a line's dot),
 * so CRLF text without leading dots is one emit() per piece. */
int
pop3_stuff (struct pop3_stuffer *st, const char *data, size_t len)
{
  const char *p = data, *end = data + len, *run;
  if (!st->lines)
    return 0;
  if (p < end && st->pending_cr) {	/* a CR ended the last piece */
    st->pending_cr = 0;
    put (st, "\r", 1);
    if (*p == '\n') {
      put (st, "\n", 1);
      p++;
      st->at_line_start = 1;
      if (st->lines > 0 && !--st->lines)
	return 0;
    }
    else
      st->at_line_start = 0;	/* a lone CR is data */
  }
  run = p;
  while (p < end) {
    const char *lf;
    if (st->at_line_start) {
      st->at_line_start = 0;
      if (*p == '.') {
	put (st, run, (size_t) (p - run));
	put (st, ".", 1);
	run = p;
      }
    }
    if (!(lf = memchr (p, '\n', (size_t) (end - p)))) {
      p = end;
      break;
    }
    if (lf == data || lf[-1] != '\r') {	/* bare LF: give it its CR */
      put (st, run, (size_t) (lf - run));
      put (st, "\r", 1);
      run = lf;
    }
    p = lf + 1;
    st->at_line_start = 1;
    if (st->lines > 0 && !--st->lines) {
      put (st, run, (size_t) (p - run));
      return 0;
    }
  }
  /* hold a final CR back: its LF may start the next piece */
  if (end > run && end[-1] == '\r') {
    put (st, run, (size_t) (end - 1 - run));
    st->pending_cr = 1;
  }
  else
    put (st, run, (size_t) (end - run));
  return 1;
}

void
pop3_stuff_end (struct pop3_stuffer *st)
{
  if (st->pending_cr) {		/* the text ended in a lone CR */
    st->pending_cr = 0;
    put (st, "\r", 1);
    st->at_line_start = 0;
  }
  if (!st->at_line_start)
    put (st, "\r\n", 2);
  put (st, ".\r\n", 3);
}

/*
 * imapd's command parser: imap_parse_command() on the input as one whole
 * command, and imap_literal_at_end() on each of its lines.  A parsed
 * command must respect the limits, keep every string inside the input
 * and NUL-terminated, and survive a round trip: written back out (strings
 * as literals) it parses to the same tree.  Then the input goes through
 * client_read_command() as a connection's byte stream, in odd-sized
 * reads, and every command read from it is parsed.
 */
/* fuzz-link: imapd/parse.c imapd/reader.c server/client.c server/clock.c */
#include "fuzz.h"
#include "../imapd/imapd.h"

struct walk {
  const char *base;
  size_t size;
  size_t nodes;
};

static void check_args (struct walk *w, const struct imap_arg *a, size_t count,
			unsigned depth)
{
  size_t i;
  FUZZ_CHECK (depth <= LIM_IMAP_DEPTH);
  for (i = 0; i < count; i++, a++) {
    w->nodes++;
    switch (a->type) {
    case IMAP_ARG_LIST:
      FUZZ_CHECK (a->list != NULL);
      check_args (w, a->list, a->count, depth + 1);
      FUZZ_CHECK (a->list[a->count].type == IMAP_ARG_END);
      break;
    case IMAP_ARG_ATOM:
      FUZZ_CHECK (a->len > 0 && !a->literal8);
      FUZZ_CHECK (strlen (a->str) == a->len);
      /* fall through */
    case IMAP_ARG_QUOTED:
    case IMAP_ARG_LITERAL:
      FUZZ_CHECK (a->str >= w->base && a->str + a->len < w->base + w->size);
      FUZZ_CHECK (a->str[a->len] == '\0');
      FUZZ_CHECK (a->type != IMAP_ARG_QUOTED || strlen (a->str) == a->len);
      break;
    default:
      FUZZ_CHECK (!"argument type");
    }
  }
  FUZZ_CHECK (a->type == IMAP_ARG_END);
}

/* The tree as IMAP again: atoms as they were, strings as literals */
static void unparse (struct buf *b, const struct imap_arg *a)
{
  int first = 1;
  for (; a->type != IMAP_ARG_END; a++, first = 0) {
    if (!first) buf_putc (b, ' ');
    switch (a->type) {
    case IMAP_ARG_ATOM:
      buf_append (b, a->str, a->len);
      break;
    case IMAP_ARG_QUOTED:
    case IMAP_ARG_LITERAL:
      buf_printf (b, "%s{%zu}\r\n", a->literal8 ? "~" : "", a->len);
      buf_append (b, a->str, a->len);
      break;
    case IMAP_ARG_LIST:
      buf_putc (b, '(');
      unparse (b, a->list);
      buf_putc (b, ')');
      break;
    default:
      break;
    }
  }
}

static int same_args (const struct imap_arg *a, const struct imap_arg *b)
{
  for (; a->type != IMAP_ARG_END; a++, b++) {
    if (b->type == IMAP_ARG_END) return 0;
    if (a->type == IMAP_ARG_LIST) {
      if (b->type != IMAP_ARG_LIST || a->count != b->count ||
	  !same_args (a->list, b->list))
	return 0;
      continue;
    }
    /* a quoted string comes back as a literal */
    if ((a->type == IMAP_ARG_ATOM) != (b->type == IMAP_ARG_ATOM) ||
	a->literal8 != b->literal8 || a->len != b->len ||
	memcmp (a->str, b->str, a->len))
      return 0;
  }
  return b->type == IMAP_ARG_END;
}

static void round_trip (const struct imap_command_line *cl)
{
  struct buf b = BUF_INIT;
  struct imap_command_line cl2;
  const char *error;
  buf_printf (&b, "%s %s", cl->tag, cl->name);
  if (cl->nargs) {
    buf_putc (&b, ' ');
    unparse (&b, cl->args);
  }
  buf_puts (&b, "\r\n");
  if (imap_parse_command (b.data, b.len, &cl2, &error)) {
    fprintf (stderr, "re-parse failed: %s\n", error);
    FUZZ_CHECK (!"round trip parses");
  }
  FUZZ_CHECK (!strcmp (cl2.tag, cl->tag) && !strcmp (cl2.name, cl->name));
  FUZZ_CHECK (cl2.nargs == cl->nargs && same_args (cl->args, cl2.args));
  imap_command_line_free (&cl2);
  buf_free (&b);
}

static void literal_lines (const uint8_t *data, size_t size)
{
  size_t start = 0, i;
  for (i = 0; i <= size; i++) {
    if (i == size || data[i] == '\n') {
      size_t len = i - start;
      uint64_t n = 0;
      int nonsync = -1, binary = -1, r;
      if (len && data[start + len - 1] == '\r') len--;
      r = imap_literal_at_end ((const char *) data + start, len, &n, &nonsync, &binary);
      FUZZ_CHECK (r >= -1 && r <= 1);
      if (r == 1) {
	FUZZ_CHECK (data[start + len - 1] == '}');
	FUZZ_CHECK (n <= UINT64_C (0x7fffffffffffffff));
	FUZZ_CHECK ((nonsync == 0 || nonsync == 1) && (binary == 0 || binary == 1));
      }
      start = i + 1;
    }
  }
}

/* The connection: reads hand out the input in chunks of 1..13 bytes */
struct stream {
  const uint8_t *data;
  size_t size, pos, reads;
  size_t pluses;		/* "+ Ready" lines written */
};

static ssize_t stream_read (void *ctx, void *buf, size_t len)
{
  struct stream *st = ctx;
  size_t n = 1 + (st->reads++ * 7) % 13;
  if (n > len) n = len;
  if (n > st->size - st->pos) n = st->size - st->pos;
  memcpy (buf, st->data + st->pos, n);
  st->pos += n;
  return (ssize_t) n;
}

static ssize_t stream_write (void *ctx, const void *buf, size_t len)
{
  struct stream *st = ctx;
  if (len >= 2 && !memcmp (buf, "+ ", 2)) st->pluses++;
  return (ssize_t) len;
}

/* more to read, or 0: then the client polls fd -1 and times out at once */
static int stream_pending (void *ctx)
{
  struct stream *st = ctx;
  return st->pos < st->size;
}

static void connection (const uint8_t *data, size_t size)
{
  struct stream st = { data, size, 0, 0, 0 };
  struct client_io io = { stream_read, stream_write, stream_pending, &st };
  struct client *c = client_new (-1, -1);
  struct buf raw = BUF_INIT;
  size_t total = 0;
  client_set_io (c, &io);
  client_set_authenticated (c, size && (data[0] & 1));
  for (;;) {
    char tag[LIM_IMAP_TAG + 1];
    int resync = -1;
    const char *error = NULL;
    enum client_read r = client_read_command (c, &raw, 0, tag, sizeof tag,
					      &resync, &error);
    if (r == CLIENT_COMMAND) {
      struct imap_command_line cl;
      FUZZ_CHECK (raw.len && raw.data[raw.len - 1] == '\n');
      total += raw.len;
      FUZZ_CHECK (total <= size);
      imap_parse_command (raw.data, raw.len, &cl, &error);
      imap_command_line_free (&cl);
      continue;
    }
    if (r == CLIENT_TOO_BIG) {
      FUZZ_CHECK (error && (resync == 0 || resync == 1));
      FUZZ_CHECK (strlen (tag) <= LIM_IMAP_TAG);
      if (resync) continue;
    }
    /* a timeout only when everything was read (reads never fail) */
    FUZZ_CHECK (r == CLIENT_TOO_BIG || (r == CLIENT_TIMEOUT && st.pos == st.size));
    break;
  }
  {
    size_t i, closes = 0;
    for (i = 0; i < size; i++) closes += data[i] == '}';
    FUZZ_CHECK (st.pluses <= closes);	/* one "+" per announced literal at most */
  }
  client_free (c);
  buf_free (&raw);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *raw = malloc (size + 1);	/* + raw[len], which the parser may write */
  struct imap_command_line cl;
  const char *error = NULL;
  if (!raw) return 0;
  if (size) memcpy (raw, data, size);
  raw[size] = '\0';
  literal_lines (data, size);
  if (!imap_parse_command (raw, size, &cl, &error)) {
    struct walk w = { raw, size + 1, 0 };
    FUZZ_CHECK (cl.tag && *cl.tag && strlen (cl.tag) <= LIM_IMAP_TAG);
    FUZZ_CHECK (cl.name && *cl.name);
    check_args (&w, cl.args, cl.nargs, 0);
    FUZZ_CHECK (w.nodes <= LIM_IMAP_ARGS);
    round_trip (&cl);
  }
  else {
    FUZZ_CHECK (error && *error);
    FUZZ_CHECK (!cl.tag || (cl.tag == raw && strlen (cl.tag) <= LIM_IMAP_TAG));
  }
  imap_command_line_free (&cl);
  free (raw);
  connection (data, size);
  return 0;
}

/*
 * reader.c: one whole IMAP command from the connection: its lines and
 * the literals between them, under the LIM_IMAP_* limits, with the "+"
 * continuation for each synchronising literal (LITERAL+ literals come
 * unasked).  The connection itself is server/client.c.
 */
#include <string.h>
#include "imapd.h"

/* tag_r = the command's tag when its first bytes start with a valid one */
static void copy_tag (const struct buf *raw, char *tag_r, size_t tag_size)
{
  size_t n = 0;
  if (!tag_size) return;
  tag_r[0] = '\0';
  while (n < raw->len && n <= LIM_IMAP_TAG) {
    unsigned char ch = (unsigned char) raw->data[n];
    if (ch <= 0x20 || ch >= 0x7f || strchr ("(){%*\"\\+", ch)) break;
    n++;
  }
  if (!n || n > LIM_IMAP_TAG || n >= tag_size || n >= raw->len || raw->data[n] != ' ')
    return;
  memcpy (tag_r, raw->data, n);
  tag_r[n] = '\0';
}

enum client_read client_read_command (struct client *c, struct buf *raw,
				      int timeout_ms, char *tag_r,
				      size_t tag_size, int *resync,
				      const char **error_r)
{
  uint64_t max_literal = client_is_authenticated (c) ? LIM_IMAP_LITERAL : LIM_IMAP_LITERAL_NOAUTH;
  uint64_t max_total = client_is_authenticated (c) ? LIM_IMAP_COMMAND : LIM_IMAP_COMMAND_NOAUTH;
  unsigned long literals = 0;
  buf_reset (raw);
  if (tag_size) tag_r[0] = '\0';
  *resync = 1;
  *error_r = NULL;
  for (;;) {
    size_t line_start = raw->len, body;
    uint64_t size;
    int nonsync, binary, r, lit;
    r = client_read_raw_line (c, raw, LIM_IMAP_LINE, timeout_ms);
    if (r == CLIENT_TOO_BIG) {
      char end[2];
      copy_tag (raw, tag_r, tag_size);
      *error_r = "Command line too long";
      r = client_discard_line (c, timeout_ms, raw->data, raw->len, end);
      if (r < 0) return (enum client_read) r;
      /* "+}": a LITERAL+ announcement whose data follow unasked */
      *resync = r == 1 && !(end[0] == '+' && end[1] == '}');
      return CLIENT_TOO_BIG;
    }
    if (r != 1) return (enum client_read) r;
    body = client_line_body (raw, line_start);
    lit = imap_literal_at_end (raw->data + line_start, body, &size, &nonsync, &binary);
    if (raw->len > max_total) {
      copy_tag (raw, tag_r, tag_size);
      *error_r = "Command too long";
      *resync = !(lit == 1 && nonsync);
      return CLIENT_TOO_BIG;
    }
    if (lit != 1) return CLIENT_COMMAND;	/* -1: the parser says why */
    if (size > max_literal || size > max_total - raw->len ||
	++literals > LIM_IMAP_LITERALS) {
      copy_tag (raw, tag_r, tag_size);
      *error_r = literals > LIM_IMAP_LITERALS ? "Too many literals" :
	size > max_literal ? "Literal too big" : "Command too long";
      /* a synchronising literal's data are not sent until we say "+" */
      *resync = !nonsync;
      return CLIENT_TOO_BIG;
    }
    if (!nonsync) {
      client_puts (c, "+ Ready for literal data\r\n");
      if (client_flush (c)) return CLIENT_ERROR;
    }
    r = client_read_bytes (c, raw, size, timeout_ms);
    if (r != 1) return (enum client_read) r;
  }
}


/*
 * Writing addresses and envelopes as RFC 5322 header text.
 *
 * Everything is built in a struct buf first; the UW entry points that
 * write into a caller's char array (rfc822_write_address_full,
 * rfc822_address, rfc822_cat, rfc822_header, rfc822_header_line,
 * rfc822_address_line) then copy it out.  Like UW's, those cannot know the
 * size of the caller's array: the caller must size it for the result
 * (rfc822_address_string() returns an allocated string instead).
 *
 * Differences from UW, on purpose:
 *   - a source route is written ("<@a,@b:user@host>"); UW drops it.
 *   - a domain literal is written as is ("user@[1.2.3.4]"); UW quotes it.
 *   - group members are written in headers; UW's header writer drops them.
 *   - long address lines are folded before the address that would pass
 *     column 78, as ",\r\n    address".
 *   - CR and LF inside a quoted phrase, and in a field value where they do
 *     not start a proper fold, are written as spaces, so neither a display
 *     name nor a Subject can inject header lines.
 */
#include <string.h>
#include "rfc822-int.h"

#define FOLD_COLUMN 78
#define FOLD_INDENT "    "

/* ---- quoting ---- */

/* Would an unquoted phrase lose white space when read back?  A reader
 * drops leading and trailing blanks and folds runs to one space. */
static int odd_blanks (const char *s)
{
  size_t i;
  for (i = 0; s[i]; i++)
    if (s[i] == '\t' || s[i] == '\r' || s[i] == '\n' ||
	(s[i] == ' ' && (!i || !s[i + 1] || s[i + 1] == ' ')))
      return 1;
  return 0;
}

static int needs_quote (const char *src, const char *specials)
{
  size_t n;
  if (specials)
    return !*src || strpbrk (src, specials) != NIL || odd_blanks (src);
  /* local part or domain: a dot-atom or it must be quoted */
  n = strlen (src);
  return !n || strpbrk (src, wspecials) || src[0] == '.' ||
    src[n - 1] == '.' || strstr (src, "..");
}

void rfc822_cat_buf (struct buf *b, const char *src, const char *specials)
{
  const char *s;
  if (!src) return;
  if (!needs_quote (src, specials)) {
    buf_puts (b, src);
    return;
  }
  buf_putc (b, '"');
  for (s = src; *s; s++) {
    if (*s == '"' || *s == '\\') buf_putc (b, '\\');
    buf_putc (b, (*s == '\r' || *s == '\n') ? ' ' : *s);
  }
  buf_putc (b, '"');
}

/* Does host read back as this same domain literal when written as it
 * stands?  Only if its first unescaped "]" is its last byte.  (A host
 * from a quoted-string may merely look like one.) */
static int is_literal (const char *h, size_t n)
{
  size_t i;
  if (n < 2 || h[0] != '[' || h[n - 1] != ']') return 0;
  for (i = 1; i < n - 1; i++) {
    if (h[i] == '\r' || h[i] == '\n' || h[i] == '[' || h[i] == ']')
      return 0;
    if (h[i] == '\\' && ++i == n - 1) return 0;	/* escapes the "]" */
  }
  return 1;
}

void rfc822_address_buf (struct buf *b, const ADDRESS *adr)
{
  if (!adr || !adr->mailbox) return;
  if (adr->adl && *adr->adl) {
    buf_puts (b, adr->adl);
    buf_putc (b, ':');
  }
  rfc822_cat_buf (b, adr->mailbox, NIL);
  if (adr->host && *adr->host) {
    size_t n = strlen (adr->host);
    buf_putc (b, '@');
    if (is_literal (adr->host, n))
      buf_puts (b, adr->host);	/* domain literal */
    else rfc822_cat_buf (b, adr->host, NIL);
  }
}

/* One address as a list item: "phrase <route:addr>" or a bare addr-spec */
static void item_buf (struct buf *b, const ADDRESS *adr, const char *specials)
{
  if ((adr->personal && *adr->personal) || (adr->adl && *adr->adl)) {
    if (adr->personal && *adr->personal) {
      rfc822_cat_buf (b, adr->personal, specials);
      buf_putc (b, ' ');
    }
    buf_putc (b, '<');
    rfc822_address_buf (b, adr);
    buf_putc (b, '>');
  }
  else rfc822_address_buf (b, adr);
}

/* Column of the end of b (characters since the last LF) */
static size_t column (const struct buf *b, size_t col0, size_t start)
{
  size_t i = b->len;
  while (i > start)
    if (b->data[--i] == '\n') return b->len - i - 1;
  return col0 + (b->len - start);
}

void rfc822_adrlist_buf (struct buf *b, const ADDRESS *adr, size_t col,
			 int fold, const char *specials)
{
  struct buf item = BUF_INIT;
  size_t start = b->len;
  unsigned long depth = 0;
  int sep = 0;			/* an address or group end came before */
  if (!specials) specials = rspecials;
  for (; adr; adr = adr->next) {
    buf_reset (&item);
    if (adr->host) item_buf (&item, adr, specials);
    else if (adr->mailbox) {	/* group start */
      rfc822_cat_buf (&item, adr->mailbox, specials);
      buf_puts (&item, ": ");
    }
    else {			/* group end */
      if (depth) {
	depth--;
	buf_putc (b, ';');
	sep = 1;
      }
      continue;
    }
    if (sep) {
      buf_putc (b, ',');
      if (fold && column (b, col, start) + 1 + item.len > FOLD_COLUMN)
	buf_puts (b, "\r\n" FOLD_INDENT);
      else buf_putc (b, ' ');
    }
    buf_append (b, item.data, item.len);
    if (adr->host) sep = 1;
    else {
      depth++;
      sep = 0;
    }
  }
  while (depth--) buf_putc (b, ';');	/* close groups left open */
  buf_free (&item);
}

/* ---- the char-array API ---- */

char *rfc822_address_string (ADDRESS *adr)
{
  struct buf b = BUF_INIT;
  rfc822_adrlist_buf (&b, adr, 0, 0, NIL);
  return buf_detach (&b);	/* "" for an empty list */
}

/* Append text to the NUL-terminated string at dest; return its new end */
static char *put (char *dest, struct buf *b)
{
  char *s = dest + strlen (dest);
  if (b->len) memcpy (s, b->data, b->len);
  s[b->len] = '\0';
  return s + b->len;
}

char *rfc822_write_address_full (char *dest, ADDRESS *adr, char *base)
{
  struct buf b = BUF_INIT;
  char *ret;
  (void) base;			/* UW does not fold here either */
  rfc822_adrlist_buf (&b, adr, 0, 0, NIL);
  ret = put (dest, &b);
  buf_free (&b);
  return ret;
}

void rfc822_address (char *dest, ADDRESS *adr)
{
  struct buf b = BUF_INIT;
  rfc822_address_buf (&b, adr);
  put (dest, &b);
  buf_free (&b);
}

void rfc822_cat (char *dest, char *src, const char *specials)
{
  struct buf b = BUF_INIT;
  rfc822_cat_buf (&b, src, specials);
  put (dest, &b);
  buf_free (&b);
}

/* ---- RFC822BUFFER output ---- */

long header_output_data (RFC822BUFFER *buf, const char *s, size_t n)
{
  if (buf->end <= buf->beg) {	/* no buffer at all: send in small pieces */
    char tmp[257];
    while (n) {
      size_t k = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
      memcpy (tmp, s, k);
      tmp[k] = '\0';
      if (!(*buf->f) (buf->s, tmp)) return NIL;
      s += k;
      n -= k;
    }
    return LONGT;
  }
  while (n) {
    size_t room = buf->end - buf->cur;
    if (!room) {
      if (!rfc822_output_flush (buf)) return NIL;
      continue;
    }
    if (room > n) room = n;
    memcpy (buf->cur, s, room);
    buf->cur += room;
    s += room;
    n -= room;
  }
  return LONGT;
}

long header_output_string (RFC822BUFFER *buf, const char *s)
{
  return header_output_data (buf, s, strlen (s));
}

long rfc822_output_flush (RFC822BUFFER *buf)
{
  *buf->cur = '\0';		/* the byte after end is the caller's spare */
  if (!(*buf->f) (buf->s, buf->beg)) return NIL;
  buf->cur = buf->beg;
  return LONGT;
}

static long output_buf (RFC822BUFFER *buf, struct buf *b)
{
  long ret = header_output_data (buf, b->data ? b->data : "", b->len);
  buf_free (b);
  return ret;
}

long rfc822_output_cat (RFC822BUFFER *buf, char *src, const char *specials)
{
  struct buf b = BUF_INIT;
  rfc822_cat_buf (&b, src, specials);
  return output_buf (buf, &b);
}

long rfc822_output_address (RFC822BUFFER *buf, ADDRESS *adr)
{
  struct buf b = BUF_INIT;
  rfc822_address_buf (&b, adr);
  return output_buf (buf, &b);
}

/* pretty: nonzero to fold, and then the column the list starts in */
long rfc822_output_address_list (RFC822BUFFER *buf, ADDRESS *adr, long pretty,
				 const char *specials)
{
  struct buf b = BUF_INIT;
  rfc822_adrlist_buf (&b, adr, pretty > 0 ? (size_t) pretty : 0, pretty > 0,
		      specials);
  return output_buf (buf, &b);
}

/* "[ReSent-]Type: value\r\n" into b */
static void line_start (struct buf *b, const char *type, long resent)
{
  if (resent) buf_puts (b, "ReSent-");
  buf_puts (b, type);
  buf_puts (b, ": ");
}

/* The text goes out as is, except that a CR or LF that does not start a
 * proper fold (CRLF then white space) becomes a space, so a value cannot
 * end the field early and inject another one. */
static void header_line_buf (struct buf *b, const char *type, long resent,
			     const char *text)
{
  const char *s;
  if (!text) return;
  line_start (b, type, resent);
  for (s = text; *s; s++) {
    if (s[0] == '\r' && s[1] == '\n' && (s[2] == ' ' || s[2] == '\t')) {
      buf_puts (b, "\r\n");
      s++;
    }
    else buf_putc (b, (*s == '\r' || *s == '\n') ? ' ' : *s);
  }
  buf_puts (b, "\r\n");
}

static void address_line_buf (struct buf *b, const char *type, long resent,
			      ADDRESS *adr, const char *specials)
{
  size_t start = b->len;
  if (!adr) return;
  line_start (b, type, resent);
  rfc822_adrlist_buf (b, adr, b->len - start, 1, specials);
  buf_puts (b, "\r\n");
}

long rfc822_output_header_line (RFC822BUFFER *buf, char *type, long resent,
				char *text)
{
  struct buf b = BUF_INIT;
  header_line_buf (&b, type, resent, text);
  return output_buf (buf, &b);
}

long rfc822_output_address_line (RFC822BUFFER *buf, char *type, long resent,
				 ADDRESS *adr, const char *specials)
{
  struct buf b = BUF_INIT;
  address_line_buf (&b, type, resent, adr, specials);
  return output_buf (buf, &b);
}

/* The envelope part of a header, in UW's order and with UW's names.  With
 * env->remail set, that text comes first and the fields are "ReSent-". */
static void envelope_buf (struct buf *b, ENVELOPE *env, const char *specials,
			  long flags)
{
  long r = env->remail ? 1 : 0;
  if (env->remail) {
    size_t n = strlen (env->remail);
    /* the remail text ends with its own blank line; drop that */
    if (n >= 4 && !strcmp (env->remail + n - 4, "\r\n\r\n")) n -= 2;
    buf_append (b, env->remail, n);
  }
  header_line_buf (b, "Newsgroups", r, env->newsgroups);
  header_line_buf (b, "Date", r, (char *) env->date);
  address_line_buf (b, "From", r, env->from, specials);
  address_line_buf (b, "Sender", r, env->sender, specials);
  address_line_buf (b, "Reply-To", r, env->reply_to, specials);
  header_line_buf (b, "Subject", r, env->subject);
  if (env->bcc && !(env->to || env->cc))
    buf_puts (b, "To: undisclosed recipients: ;\r\n");
  address_line_buf (b, "To", r, env->to, specials);
  address_line_buf (b, "cc", r, env->cc, specials);
  if (flags) address_line_buf (b, "bcc", r, env->bcc, specials);
  header_line_buf (b, "In-Reply-To", r, env->in_reply_to);
  header_line_buf (b, "Message-ID", r, env->message_id);
  header_line_buf (b, "Followup-to", r, env->followup_to);
  header_line_buf (b, "References", r, env->references);
}

long rfc822_output_header (RFC822BUFFER *buf, ENVELOPE *env, BODY *body,
			   const char *specials, long flags)
{
  struct buf b = BUF_INIT;
  envelope_buf (&b, env, specials, flags);
  if (!output_buf (buf, &b)) return NIL;
  if (!env->remail && body &&
      !(header_output_string (buf, "MIME-Version: 1.0\r\n") &&
	rfc822_output_body_header (buf, body)))
    return NIL;
  return header_output_string (buf, "\r\n");
}

/* rfc822_header() gathers the whole header here before copying it out */
static long soutr_buf (void *stream, char *string)
{
  buf_puts ((struct buf *) stream, string);
  return LONGT;
}

void rfc822_header (char *header, ENVELOPE *env, BODY *body)
{
  struct buf b = BUF_INIT;
  char tmp[1024 + 1];
  RFC822BUFFER rb;
  rb.f = soutr_buf;
  rb.s = &b;
  rb.beg = rb.cur = tmp;
  rb.end = tmp + sizeof tmp - 1;
  if (rfc822_output_header (&rb, env, body, NIL, NIL))
    rfc822_output_flush (&rb);
  *header = '\0';
  put (header, &b);
  buf_free (&b);
}

void rfc822_header_line (char **header, char *type, ENVELOPE *env, char *text)
{
  struct buf b = BUF_INIT;
  header_line_buf (&b, type, env && env->remail, text);
  *header = put (*header, &b);
  buf_free (&b);
}

void rfc822_address_line (char **header, char *type, ENVELOPE *env,
			  ADDRESS *adr)
{
  struct buf b = BUF_INIT;
  address_line_buf (&b, type, env && env->remail, adr, NIL);
  *header = put (*header, &b);
  buf_free (&b);
}

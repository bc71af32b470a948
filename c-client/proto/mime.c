/*
 * MIME structure (RFC 2045, 2046, 2231): Content-* fields into BODY, and
 * the body text of a message into its tree of parts.
 *
 * Offsets in BODY and MESSAGE are positions in the STRING given at the top
 * (GETPOS), byte counts are as the STRING holds them (CRLF text), and
 * size.lines counts LFs.  Behaviour follows UW c-client (BODYSTRUCTURE must
 * not change under an upgrade) with these deliberate differences:
 *  - RFC 2231 continuations are joined: NAME*0="a" NAME*1="b" becomes
 *    NAME="ab"; if any section is extended (NAME*0*=), the result is one
 *    extended parameter NAME*="charset'lang'%XX..." that clients already
 *    decode.  UW leaves the sections apart.  A lone NAME*= stays as it is.
 *  - An unterminated quoted parameter value runs to the end of the field
 *    (UW drops the parameter).
 *  - A multipart with no boundary parameter, or whose boundary never
 *    occurs, gets one TEXT/PLAIN part holding the whole content (UW gives
 *    one empty part), so nothing becomes unreachable.
 *  - A close delimiter with trailing blanks ("--b--  ") is recognised.
 *  - MESSAGE/GLOBAL (RFC 6532) is parsed like MESSAGE/RFC822.
 *  - An empty part's contents.offset is its own position (UW says 0).
 *  - Sizes count the bytes the STRING holds; UW counts a bare LF as two
 *    (its CRLF form).  Callers give CRLF text, so the two agree there.
 * Limits: below LIM_MIME_DEPTH levels a MULTIPART or MESSAGE becomes TEXT
 * with its subtype kept, as UW does; after LIM_MIME_PARTS parts in one
 * message the current part takes the rest of its multipart and nothing
 * further is split.
 */

#include <string.h>
#include <strings.h>
#include "internal.h"
#include "mime-int.h"

char *body_types[TYPEMAX + 2] = {
  "TEXT", "MULTIPART", "MESSAGE", "APPLICATION", "AUDIO", "IMAGE", "VIDEO",
  "MODEL", "X-UNKNOWN", NIL
};

char *body_encodings[ENCMAX + 2] = {
  "7BIT", "8BIT", "BINARY", "BASE64", "QUOTED-PRINTABLE", "X-UNKNOWN", NIL
};

#define MISSING_VALUE "MISSING_PARAMETER_VALUE"	/* UW's placeholder */

char *rfc822_default_subtype (unsigned short type)
{
  switch (type) {
  case TYPETEXT: return "PLAIN";
  case TYPEMULTIPART: return "MIXED";
  case TYPEMESSAGE: return "RFC822";
  case TYPEAPPLICATION: return "OCTET-STREAM";
  case TYPEAUDIO: return "BASIC";
  default: return "UNKNOWN";
  }
}

/* ------------------------------------------------------------ tokens */

static int mime_tspecial (unsigned char c)
{
  return c <= ' ' || c >= 0x7f || strchr ("()<>@,;:\\\"/[]?=", c);
}

/* A token starting at *s (after CFWS); returns a fresh upper-case copy and
 * moves *s past it, or NIL if there is none. */
static char *mime_token (char **s)
{
  char *p, *t;
  rfc822_skipws (s);
  for (p = *s; *p && !mime_tspecial ((unsigned char) *p); p++);
  if (p == *s) return NIL;
  t = fs_get (p - *s + 1);
  memcpy (t, *s, p - *s);
  t[p - *s] = '\0';
  *s = p;
  return ucase (t);
}

/* Index of name in a NIL-terminated table of max+1 slots, adding it in a
 * free slot; other if the table is full */
static unsigned short mime_lookup (char **table, unsigned short max,
				   unsigned short other, char *name,
				   const char *what)
{
  unsigned short i;
  for (i = 0; i <= max && table[i]; i++)
    if (!strcmp (table[i], name)) return i;
  if (i <= max) {
    mail_log (NIL, PARSE, "Unknown MIME %s: %.80s", what, name);
    table[i] = cpystr (name);	/* lives as long as the process, as in UW */
    return i;
  }
  mail_log (NIL, PARSE, "MIME %s table full, %.80s taken as %s", what, name,
	    table[other]);
  return other;
}

/* -------------------------------------------------------- parameters */

/* Value at *s: quoted-string (escapes undone; unterminated runs to the end
 * of the field) or token.  NIL if none. */
static char *mime_value (char **s)
{
  char *p = *s, *d, *r;
  if (*p == '"') {
    struct buf b = BUF_INIT;
    for (p++; *p && *p != '"'; p++) {
      if (*p == '\\' && p[1]) p++;
      buf_putc (&b, *p);
    }
    if (*p == '"') p++;
    else {
      mail_log (NIL, PARSE, "Unterminated quoted parameter value");
      while (b.len && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t'
		       || b.data[b.len - 1] == '\r' || b.data[b.len - 1] ==
		       '\n'))
	buf_truncate (&b, b.len - 1);
    }
    *s = p;
    return buf_detach (&b);
  }
  /* token; be lenient about "/", "?", "=", "@", ":" and the like that
   * broken mailers put unquoted in values, stop at ";" and blanks */
  for (d = p; *d && *d != ';' && *d != ' ' && *d != '\t' && *d != '\r' &&
       *d != '\n' && *d != '(' && *d != '"'; d++);
  if (d == p) return NIL;
  r = fs_get (d - p + 1);
  memcpy (r, p, d - p);
  r[d - p] = '\0';
  *s = d;
  return r;
}

/* Is attribute "NAME*N" or "NAME*N*"?  Sets namelen, section, extended. */
static int rfc2231_section (const char *a, size_t *namelen,
			    unsigned long *section, int *extended)
{
  const char *star = strchr (a, '*'), *p;
  unsigned long n = 0;
  if (!star || star == a || !star[1] || star[1] == '*') return 0;
  p = star + 1;
  if (*p == '0' && p[1] >= '0' && p[1] <= '9') return 0;	/* "01" */
  for (; *p >= '0' && *p <= '9'; p++) {
    n = n * 10 + (unsigned long) (*p - '0');
    if (n >= LIM_RFC2231_SECTIONS) return 0;
  }
  if (p == star + 1) return 0;
  *extended = (*p == '*');
  if (*p == '*') p++;
  if (*p) return 0;
  *namelen = star - a;
  *section = n;
  return 1;
}

/* Append value percent-encoded as RFC 2231 extended text */
static void rfc2231_pct (struct buf *b, const char *v)
{
  static const char hex[] = "0123456789ABCDEF";
  for (; *v; v++) {
    unsigned char c = (unsigned char) *v;
    if (mime_tspecial (c) || c == '*' || c == '\'' || c == '%') {
      buf_putc (b, '%');
      buf_putc (b, hex[c >> 4]);
      buf_putc (b, hex[c & 15]);
    }
    else buf_putc (b, c);
  }
}

/* Join the sections of the parameter whose section 0 is p (anywhere in
 * list): p becomes the joined parameter, the other sections are freed */
static void rfc2231_join_one (PARAMETER **list, PARAMETER *p, size_t namelen)
{
  PARAMETER *sec[LIM_RFC2231_SECTIONS], *q, **qq;
  unsigned long k, count;
  size_t nl;
  int e, anyext = 0;
  struct buf b = BUF_INIT;

  memset (sec, 0, sizeof sec);
  sec[0] = p;
  for (q = *list; q; q = q->next)
    if (q != p && rfc2231_section (q->attribute, &nl, &k, &e) &&
	nl == namelen && !strncmp (q->attribute, p->attribute, namelen) &&
	!sec[k])
      sec[k] = q;
  for (count = 0; count < LIM_RFC2231_SECTIONS && sec[count]; count++)
    if (strchr (sec[count]->attribute + namelen + 1, '*')) anyext = 1;
  for (k = count; k < LIM_RFC2231_SECTIONS; k++)
    if (sec[k]) {
      mail_log (NIL, PARSE, "RFC 2231 section %lu of %.*s without section "
		"%lu, later sections left apart", k, (int) namelen,
		p->attribute, count);
      break;
    }
  for (k = 0; k < count; k++) {
    const char *v = sec[k]->value ? sec[k]->value : "";
    if (!strcmp (v, MISSING_VALUE)) v = "";
    if (!anyext || strchr (sec[k]->attribute + namelen + 1, '*'))
      buf_puts (&b, v);
    else {			/* plain section inside an extended value */
      if (!k) buf_puts (&b, "''");	/* no charset or language given */
      rfc2231_pct (&b, v);
    }
  }
  p->attribute[namelen] = anyext ? '*' : '\0';
  if (anyext) p->attribute[namelen + 1] = '\0';
  if (p->value) fs_give ((void **) &p->value);
  buf_append (&b, "", 0);
  p->value = buf_detach (&b);
  for (qq = list; (q = *qq);) {
    for (k = 1; k < count && sec[k] != q; k++);
    if (k < count) {
      *qq = q->next;
      q->next = NIL;
      mail_free_body_parameter (&q);
    }
    else qq = &q->next;
  }
}

/* Join RFC 2231 continuations in the list: see the top of the file.  A
 * joined parameter no longer looks like a section, so rescanning from the
 * start after each join terminates. */
static void rfc2231_join (PARAMETER **list)
{
  PARAMETER *p;
  size_t namelen;
  unsigned long n;
  int ext;
  for (;;) {
    for (p = *list; p; p = p->next)
      if (rfc2231_section (p->attribute, &namelen, &n, &ext) && !n) break;
    if (!p) return;
    rfc2231_join_one (list, p, namelen);
  }
}

void rfc822_parse_parameter (PARAMETER **par, char *text)
{
  PARAMETER **tail = par;
  unsigned long n = 0;

  while (*tail) tail = &(*tail)->next, n++;
  for (;;) {
    char *attr, *value = NIL;
    PARAMETER *p;
    rfc822_skipws (&text);
    if (*text != ';') {
      if (*text)
	mail_log (NIL, PARSE, "Unexpected characters at end of parameters: "
		  "%.80s", text);
      break;
    }
    text++;
    if (!(attr = mime_token (&text))) {
      rfc822_skipws (&text);
      if (*text) mail_log (NIL, PARSE, "Missing parameter");
      if (*text == ';') continue;	/* ";;" or a trailing ";" */
      break;
    }
    rfc822_skipws (&text);
    if (*text == '=') {
      text++;
      rfc822_skipws (&text);
      value = mime_value (&text);
    }
    if (!value) {		/* name="" is a value, name= is not (UW) */
      mail_log (NIL, PARSE, "Missing parameter value: %.80s", attr);
      value = cpystr (MISSING_VALUE);
    }
    if (n++ >= LIM_MIME_PARAMS) {
      mail_log (NIL, PARSE, "Too many MIME parameters (limit %d)",
		LIM_MIME_PARAMS);
      fs_give ((void **) &attr);
      fs_give ((void **) &value);
      break;
    }
    p = *tail = mail_newbody_parameter ();
    p->attribute = attr;
    p->value = value;
    tail = &p->next;
  }
  rfc2231_join (par);
}

/* ----------------------------------------------------- Content-* fields */

static void content_type (BODY *body, char *s)
{
  char *type, *sub;
  if (body->subtype) return;	/* first Content-Type wins */
  if (!(type = mime_token (&s))) return;
  rfc822_skipws (&s);
  if (*s != '/') {		/* no subtype: not a valid field (UW) */
    fs_give ((void **) &type);
    return;
  }
  s++;
  if (!(sub = mime_token (&s))) {
    fs_give ((void **) &type);
    return;
  }
  body->type = mime_lookup (body_types, TYPEMAX, TYPEOTHER, type, "type");
  body->subtype = sub;
  fs_give ((void **) &type);
  rfc822_parse_parameter (&body->parameter, s);
}

static void content_language (BODY *body, char *s)
{
  STRINGLIST **tail = &body->language;
  char *t;
  unsigned long n = 0;
  if (body->language) return;
  for (;;) {
    rfc822_skipws (&s);
    if (*s == ',') {
      s++;
      continue;
    }
    if (!(t = mime_token (&s))) break;
    if (n++ >= LIM_MIME_PARAMS) {
      fs_give ((void **) &t);
      break;
    }
    *tail = mail_newstringlist ();
    (*tail)->text.data = (unsigned char *) t;
    (*tail)->text.size = strlen (t);
    tail = &(*tail)->next;
  }
}

/* Copy a field value for ID, Description, MD5, Location: trimmed */
static char *content_text (char *s)
{
  size_t n;
  char *r;
  while (*s == ' ' || *s == '\t') s++;
  n = strlen (s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	       s[n - 1] == '\n'))
    n--;
  r = fs_get (n + 1);
  memcpy (r, s, n);
  r[n] = '\0';
  return r;
}

void rfc822_parse_content_header (BODY *body, char *name, char *s)
{
  char *t;
  if (!body || !name || !s) return;
  if (!strcmp (name, "TYPE")) content_type (body, s);
  else if (!strcmp (name, "TRANSFER-ENCODING")) {
    if ((t = mime_token (&s))) {
      body->encoding = mime_lookup (body_encodings, ENCMAX, ENCOTHER, t,
				    "transfer encoding");
      fs_give ((void **) &t);
    }
  }
  else if (!strcmp (name, "ID")) {
    if (!body->id) body->id = content_text (s);
  }
  else if (!strcmp (name, "DESCRIPTION")) {
    if (!body->description) body->description = content_text (s);
  }
  else if (!strcmp (name, "MD5")) {
    if (!body->md5) body->md5 = content_text (s);
  }
  else if (!strcmp (name, "LOCATION")) {
    if (!body->location) body->location = content_text (s);
  }
  else if (!strcmp (name, "DISPOSITION")) {
    if (!body->disposition.type && (t = mime_token (&s))) {
      body->disposition.type = t;
      rfc822_parse_parameter (&body->disposition.parameter, s);
    }
  }
  else if (!strcmp (name, "LANGUAGE")) content_language (body, s);
}

/* ------------------------------------------------- reading the STRING */

/*
 * The bytes at pos, contiguous in the STRING's current chunk: returns a
 * pointer and sets *n (at least 1, at most end - pos), or NIL at the end.
 * Bytes from the chunk's start to GETPOS + cursize are valid, so most calls
 * need no SETPOS; a chunked driver is repositioned only when pos leaves the
 * chunk.
 */
static const char *mime_at (STRING *bs, unsigned long pos, unsigned long end,
			    unsigned long *n)
{
  unsigned long g, avail;
  if (pos >= end) return NIL;
  g = GETPOS (bs);
  if (pos < bs->offset || pos >= g + bs->cursize) {
    SETPOS (bs, pos);
    g = GETPOS (bs);
    if (pos < bs->offset || pos >= g + bs->cursize) return NIL;
  }
  avail = g + bs->cursize - pos;
  *n = (avail < end - pos) ? avail : end - pos;
  return bs->chunk + (pos - bs->offset);
}

/* Byte at pos, or -1 past the end */
static int mime_byte (STRING *bs, unsigned long pos, unsigned long end)
{
  unsigned long n;
  const char *p = mime_at (bs, pos, end, &n);
  return p ? (unsigned char) *p : -1;
}

/* Copy up to len bytes from pos into dst; returns the count copied */
static unsigned long mime_copy (STRING *bs, unsigned long pos,
				unsigned long end, char *dst,
				unsigned long len)
{
  unsigned long done = 0, n;
  const char *p;
  while (done < len && (p = mime_at (bs, pos + done, end, &n))) {
    if (n > len - done) n = len - done;
    memcpy (dst + done, p, n);
    done += n;
  }
  return done;
}

/* Position just after the next LF at or after pos, or end */
static unsigned long mime_next_line (STRING *bs, unsigned long pos,
				     unsigned long end)
{
  unsigned long n;
  const char *p, *q;
  while ((p = mime_at (bs, pos, end, &n))) {
    if ((q = memchr (p, '\n', n))) return pos + (q - p) + 1;
    pos += n;
  }
  return end;
}

static unsigned long mime_count_lines (STRING *bs, unsigned long pos,
				       unsigned long end)
{
  unsigned long lines = 0, n;
  const char *p, *q, *e;
  while ((p = mime_at (bs, pos, end, &n))) {
    for (q = p, e = p + n; (q = memchr (q, '\n', e - q)); q++) lines++;
    pos += n;
  }
  return lines;
}

/* Does [pos,end) hold a byte with the high bit set? */
static int mime_has_8bit (STRING *bs, unsigned long pos, unsigned long end)
{
  unsigned long n, i;
  const unsigned char *p;
  while ((p = (const unsigned char *) mime_at (bs, pos, end, &n))) {
    for (i = 0; i < n; i++)
      if (p[i] & 0x80) return 1;
    pos += n;
  }
  return 0;
}

/* Length of the header at [pos,end), through its blank line; the whole
 * range when there is no blank line */
static unsigned long mime_header_len (STRING *bs, unsigned long pos,
				      unsigned long end)
{
  unsigned long l = pos;
  while (l < end) {
    int c = mime_byte (bs, l, end);
    if (c == '\n') return l + 1 - pos;
    if (c == '\r' && mime_byte (bs, l + 1, end) == '\n') return l + 2 - pos;
    l = mime_next_line (bs, l, end);
  }
  return end - pos;
}

/* ------------------------------------------------------ part headers */

void mime_parse_part_header (BODY *body, const char *h, unsigned long len)
{
  struct buf field = BUF_INIT;
  unsigned long pos = 0, nfields = 0;
  int have = 0;

  for (;;) {
    const char *line = h + pos, *nl;
    size_t n = 0;
    int done = pos >= len;
    if (!done) {
      nl = memchr (line, '\n', len - pos);
      n = nl ? (size_t) (nl - line) : len - pos;
      pos += n + (nl ? 1 : 0);
      if (n && line[n - 1] == '\r') n--;
      if (!n) done = 1;		/* blank line */
      else if ((line[0] == ' ' || line[0] == '\t') && have) {
	buf_append (&field, line, n);	/* continuation */
	continue;
      }
    }
    if (have && field.len > 8 && !strncasecmp (field.data, "Content-", 8)) {
      char *colon = memchr (field.data, ':', field.len), *v, *e;
      if (colon) {
	for (e = colon; e > field.data + 8 && (e[-1] == ' ' || e[-1] == '\t');
	     e--);
	*e = '\0';		/* name ends here; the value after ':' */
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++);
	if (e > field.data + 8)
	  rfc822_parse_content_header (body, ucase (field.data + 8), v);
      }
    }
    have = 0;
    if (done) break;
    if (++nfields > LIM_HEADER_FIELDS) {
      mail_log (NIL, PARSE, "Too many MIME header fields (limit %d)",
		LIM_HEADER_FIELDS);
      break;
    }
    buf_reset (&field);
    buf_append (&field, line, n);
    have = 1;
  }
  buf_free (&field);
}

/* ------------------------------------------------------------ content */

/* Parts made for the message being parsed (all levels); reset at depth 0 */
static _Thread_local unsigned long mime_nparts;
static _Thread_local int mime_parts_logged;

static void mime_content (BODY *body, STRING *bs, unsigned long start,
			  unsigned long end, char *h, unsigned long depth,
			  unsigned long flags);

static int mime_parts_left (void)
{
  if (mime_nparts + 1 < LIM_MIME_PARTS) return 1;
  if (!mime_parts_logged) {
    mail_log (NIL, PARSE, "Too many MIME parts (limit %d), rest of the "
	      "message left unsplit", LIM_MIME_PARTS);
    mime_parts_logged = 1;
  }
  return 0;
}

static void mime_message (BODY *body, STRING *bs, unsigned long start,
			  unsigned long end, char *h, unsigned long depth,
			  unsigned long flags)
{
  MESSAGE *msg = body->nested.msg = mail_newmsg ();
  unsigned long hlen, saved = bs->size;
  char *hdr;

  /* an encoded message cannot be parsed as it stands; UW says so and goes
   * on anyway (the "header" is then usually all of it), and so do we */
  if (body->encoding > ENCBINARY)
    mail_log (NIL, PARSE, "Ignoring nested encoding of message contents");
  hlen = mime_header_len (bs, start, end);
  hdr = fs_get (hlen + 1);
  hdr[mime_copy (bs, start, end, hdr, hlen)] = '\0';
  bs->size = end;		/* the nested message ends with this part */
  SETPOS (bs, start + hlen);
  rfc822_parse_msg_full (&msg->env, &msg->body, hdr, hlen, bs, h, depth + 1,
			 flags);
  bs->size = saved;
  fs_give ((void **) &hdr);
  msg->full.offset = msg->header.offset = start;
  msg->full.text.size = end - start;
  msg->header.text.size = hlen;
  msg->text.offset = start + hlen;
  msg->text.text.size = end - start - hlen;
}

/* Is the line at pos a delimiter for boundary b?  Returns 0 if not, 1 for
 * a delimiter, 2 for the close delimiter; *next is the position after the
 * delimiter line. */
static int mime_delimiter (STRING *bs, unsigned long pos, unsigned long end,
			   const char *b, size_t blen, unsigned long *next)
{
  char tmp[LIM_BOUNDARY_LEN + 4];
  unsigned long got = mime_copy (bs, pos, end, tmp, blen + 4), l;
  int kind = 1;
  if (got < blen + 2 || tmp[0] != '-' || tmp[1] != '-' ||
      memcmp (tmp + 2, b, blen))
    return 0;
  l = pos + blen + 2;
  if (got >= blen + 4 && tmp[blen + 2] == '-' && tmp[blen + 3] == '-') {
    kind = 2;
    l += 2;
  }
  /* only blanks may follow before the line end (transport padding) */
  for (;; l++) {
    int c = mime_byte (bs, l, end);
    if (c == -1) {
      *next = end;
      return kind;
    }
    if (c == '\n' || (c == '\r' && mime_byte (bs, l + 1, end) == '\n')) {
      *next = l + (c == '\r' ? 2 : 1);
      return kind;
    }
    if (c != ' ' && c != '\t') return kind == 2 ? 2 : 0;
  }
}

/* One part of a multipart at [ps,pe) */
static PART *mime_part (BODY *parent, STRING *bs, unsigned long ps,
			unsigned long pe, char *h, unsigned long depth,
			unsigned long flags, int noheader)
{
  PART *part = mail_newbody_part ();
  unsigned long hlen = noheader ? 0 : mime_header_len (bs, ps, pe);
  mime_nparts++;
  part->body.mime.offset = ps;
  part->body.mime.text.size = hlen;
  if (!strcmp (parent->subtype, "DIGEST") && !noheader)
    part->body.type = TYPEMESSAGE;	/* RFC 2046 5.1.5 default */
  if (hlen) {
    char *hdr = fs_get (hlen + 1);
    unsigned long got = mime_copy (bs, ps, pe, hdr, hlen);
    hdr[got] = '\0';
    mime_parse_part_header (&part->body, hdr, got);
    fs_give ((void **) &hdr);
  }
  mime_content (&part->body, bs, ps + hlen, pe, h, depth + 1, flags);
  return part;
}

static void mime_multipart (BODY *body, STRING *bs, unsigned long start,
			    unsigned long end, char *h, unsigned long depth,
			    unsigned long flags)
{
  PARAMETER *p;
  const char *b = NIL;
  size_t blen = 0;
  PART **tail = &body->nested.part;
  unsigned long pos = start, partstart = 0, next;
  int inpart = 0, kind;

  for (p = body->parameter; p && !b; p = p->next)
    if (!strcmp (p->attribute, "BOUNDARY") && p->value &&
	strcmp (p->value, MISSING_VALUE))
      b = p->value;
  if (b) blen = strlen (b);
  if (!b || !blen || blen > LIM_BOUNDARY_LEN) {
    mail_log (NIL, PARSE, "%s MIME boundary: multipart taken as one part",
	      b ? "Unusable" : "Missing");
    *tail = mime_part (body, bs, start, end, h, depth, flags, 1);
    return;
  }
  while (pos < end) {
    int c = mime_byte (bs, pos, end);
    if (c == '-' && (kind = mime_delimiter (bs, pos, end, b, blen, &next))) {
      if (inpart) {
	/* the line break before the delimiter belongs to it */
	unsigned long pe = pos;
	if (pe > partstart && mime_byte (bs, pe - 1, end) == '\n') {
	  pe--;
	  if (pe > partstart && mime_byte (bs, pe - 1, end) == '\r') pe--;
	}
	*tail = mime_part (body, bs, partstart, pe, h, depth, flags, 0);
	tail = &(*tail)->next;
      }
      if (kind == 2) {		/* the epilogue is ignored */
	if (!inpart)		/* close first: one empty part, as UW */
	  *tail = mime_part (body, bs, start, start, h, depth, flags, 1);
	return;
      }
      inpart = 1;
      partstart = pos = next;
      if (!mime_parts_left ()) {	/* this part takes the rest */
	*tail = mime_part (body, bs, partstart, end, h, depth, flags, 0);
	return;
      }
      continue;
    }
    pos = mime_next_line (bs, pos, end);
  }
  if (inpart)			/* no close delimiter */
    *tail = mime_part (body, bs, partstart, end, h, depth, flags, 0);
  else {
    mail_log (NIL, PARSE, "MIME boundary not found: multipart taken as one "
	      "part");
    *tail = mime_part (body, bs, start, end, h, depth, flags, 1);
  }
}

static void mime_content (BODY *body, STRING *bs, unsigned long start,
			  unsigned long end, char *h, unsigned long depth,
			  unsigned long flags)
{
  if (!body->subtype)
    body->subtype = cpystr (rfc822_default_subtype (body->type));
  body->contents.offset = start;
  body->size.bytes = end - start;
  body->size.lines = 0;
  if ((body->type == TYPEMULTIPART || body->type == TYPEMESSAGE) &&
      (depth > LIM_MIME_DEPTH || mime_nparts >= LIM_MIME_PARTS)) {
    if (depth > LIM_MIME_DEPTH)
      mail_log (NIL, PARSE, "Ignoring excessively deep MIME recursion");
    body->type = TYPETEXT;	/* as UW: keeps BODYSTRUCTURE well-formed */
  }
  switch (body->type) {
  case TYPETEXT:
    if (!body->parameter) {	/* UW's default, visible in BODYSTRUCTURE:
				 * US-ASCII unless it can't be */
      body->parameter = mail_newbody_parameter ();
      body->parameter->attribute = cpystr ("CHARSET");
      body->parameter->value =
	cpystr ((body->encoding <= ENCBINARY &&
		 !mime_has_8bit (bs, start, end)) ? "US-ASCII" : "X-UNKNOWN");
    }
    body->size.lines = mime_count_lines (bs, start, end);
    break;
  case TYPEMESSAGE:
    body->size.lines = mime_count_lines (bs, start, end);
    if (!strcmp (body->subtype, "RFC822") || !strcmp (body->subtype, "GLOBAL"))
      mime_message (body, bs, start, end, h, depth, flags);
    break;
  case TYPEMULTIPART:
    mime_multipart (body, bs, start, end, h, depth, flags);
    break;
  default:
    break;
  }
}

void rfc822_parse_content (BODY *body, STRING *bs, char *h,
			   unsigned long depth, unsigned long flags)
{
  unsigned long start, end;
  if (!body || !bs) return;
  if (!depth) mime_nparts = 0, mime_parts_logged = 0;
  start = GETPOS (bs);
  end = start + SIZE (bs);
  mime_content (body, bs, start, end, h, depth, flags);
  SETPOS (bs, end);		/* consumed, as a reader would expect */
}

/*
 * FETCH and UID FETCH (RFC 3501 6.4.5, 7.4.2), with BINARY, BINARY.PEEK
 * and BINARY.SIZE (RFC 3516).
 *
 * Check, then act: the whole attribute list is parsed into struct
 * fetch_att first, and any error is a BAD before a single message is
 * read or marked \Seen.  The parser hands an item such as
 * BODY[HEADER.FIELDS (A B)]<0.10> over as one atom; its section, field
 * list and partial are parsed here, strictly.  Then:
 *   1. the message set is copied into elt->spare2 (the library's own
 *      sequence marks are rewritten by mail_flag and friends);
 *   2. when a non-PEEK body item is asked for, \Seen is set on every
 *      unseen message of the set in a few mail_flag calls; elt->spare3
 *      remembers which changed.  ST_SILENT: this command reports those
 *      flags itself, once, in the same FETCH response (RFC 3501 6.4.5),
 *      so the session has no FETCH FLAGS update left to send.  Doing it
 *      up front means FLAGS is already current wherever it stands in the
 *      item list, no flag callback fires in the middle of a response, and
 *      every text below is fetched with FT_PEEK;
 *   3. one "* n FETCH (...)" per message, items in the order asked, UID
 *      first for UID FETCH (as UW).  A part that does not exist gives ""
 *      (as UW).
 *
 * A BINARY item whose Content-Transfer-Encoding cannot be decoded makes
 * that message's response be skipped and the command end with
 * NO [UNKNOWN-CTE] (RFC 3516 4.3); the other messages are still sent.
 */
#include <string.h>
#include <strings.h>
#include "imapd.h"
#include "rfc822.h"

/* mail_flag() sequence strings are cut at this many ranges, well inside
 * LIM_SEQSET_RANGES (an internal batch size, not a client limit) */
#define FETCH_SEEN_RANGES 5000

#define PUTS(c, lit) client_write ((c), (lit), sizeof (lit) - 1)

enum fa_kind {
  FA_UID,
  FA_FLAGS,
  FA_INTERNALDATE,
  FA_RFC822_SIZE,
  FA_ENVELOPE,
  FA_BODY,			/* BODY without a section: structure */
  FA_BODYSTRUCTURE,
  FA_SECTION,			/* BODY[...], BODY.PEEK[...], RFC822* */
  FA_BINARY,
  FA_BINARY_SIZE
};

enum sec_kind {
  SEC_ALL,			/* [] or [1.2] */
  SEC_HEADER,
  SEC_FIELDS,
  SEC_FIELDS_NOT,
  SEC_TEXT,
  SEC_MIME
};

struct fetch_att {
  enum fa_kind kind;
  unsigned int peek : 1;
  unsigned int partial : 1;
  enum sec_kind sec;
  char *part;			/* "1.2.3", NULL for the whole message */
  STRINGLIST *lines;		/* HEADER.FIELDS(.NOT) names */
  unsigned long first, count;	/* <first.count> */
  char *label;			/* the item name in the response */
};

struct fetch_req {
  struct fetch_att *atts;
  size_t n, cap;
  unsigned int need_env : 1;	/* ENVELOPE */
  unsigned int need_body : 1;	/* BODY, BODYSTRUCTURE */
  unsigned int need_fast : 1;	/* INTERNALDATE, RFC822.SIZE */
  unsigned int need_flags : 1;	/* FLAGS */
  unsigned int sets_seen : 1;	/* a non-PEEK text item */
  unsigned int has_binary : 1;
};

/* One decoded BINARY result, per item, for the message being sent */
struct bin_result {
  unsigned char *data;		/* fs_get'ed, or NULL for empty */
  unsigned long size;
};

struct fetch_run {
  struct imapd *s;
  struct client *c;
  MAILSTREAM *stream;
  const struct fetch_req *req;
  int uid;
  struct bin_result *bin;	/* req->n slots */
  const char *cte_error;	/* first UNKNOWN-CTE reason, if any */
  unsigned long cte_msgno;
};

/* ------------------------------------------------------------ parsing */

static void req_free (struct fetch_req *r)
{
  size_t i;
  for (i = 0; i < r->n; i++) {
    struct fetch_att *a = &r->atts[i];
    if (a->part) fs_give ((void **) &a->part);
    if (a->lines) mail_free_stringlist (&a->lines);
    if (a->label) fs_give ((void **) &a->label);
  }
  if (r->atts) fs_give ((void **) &r->atts);
  r->n = r->cap = 0;
}

static struct fetch_att *req_add (struct fetch_req *r, enum fa_kind kind)
{
  struct fetch_att *a;
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 8;
    struct fetch_att *n = (struct fetch_att *) fs_get (cap * sizeof *n);
    if (r->n) memcpy (n, r->atts, r->n * sizeof *n);
    if (r->atts) fs_give ((void **) &r->atts);
    r->atts = n;
    r->cap = cap;
  }
  a = &r->atts[r->n++];
  memset (a, 0, sizeof *a);
  a->kind = kind;
  return a;
}

/* The client's item, made printable and short, for an error message */
static const char *shown (struct buf *b, const char *s)
{
  size_t i;
  buf_reset (b);
  for (i = 0; s[i] && i < 60; i++)
    buf_putc (b, (s[i] > ' ' && s[i] < 0x7f) || s[i] == ' ' ? s[i] : '?');
  if (s[i]) buf_puts (b, "...");
  return buf_cstr (b);
}

/* Case-insensitive prefix match; returns the length matched or 0 */
static size_t prefix (const char *s, const char *p)
{
  size_t n = strlen (p);
  return strncasecmp (s, p, n) ? 0 : n;
}

/* RFC 3501 number (32 bits); *pp advances past the digits.  nz: no zero,
 * and no leading zero either for nz-number. */
static int parse_number (const char **pp, unsigned long *v, int nz)
{
  const char *p = *pp;
  unsigned long long n = 0;
  if (*p < '0' || *p > '9') return -1;
  if (nz && *p == '0') return -1;
  for (; *p >= '0' && *p <= '9'; p++) {
    n = n * 10 + (unsigned long long) (*p - '0');
    if (n > 0xffffffffULL) return -1;
  }
  *pp = p;
  *v = (unsigned long) n;
  return 0;
}

/* Header field name: RFC 5322 ftext (printable ASCII but ':'), which is
 * also what a match against a real header can need. */
static int field_name_ok (const char *s, size_t len)
{
  size_t i;
  if (!len || len > LIM_FETCH_FIELD_NAME) return 0;
  for (i = 0; i < len; i++)
    if (s[i] < 33 || s[i] > 126 || s[i] == ':') return 0;
  return 1;
}

/* Add name to the label as an astring, upper case as UW echoes it */
static void label_field (struct buf *label, const char *s, size_t len)
{
  size_t i;
  int atom = 1;
  for (i = 0; i < len; i++)
    if (strchr ("(){%*\"\\]", s[i])) atom = 0;
  if (!atom) buf_putc (label, '"');
  for (i = 0; i < len; i++) {
    char ch = s[i];
    if (ch >= 'a' && ch <= 'z') ch = (char) (ch - 'a' + 'A');
    if (!atom && (ch == '"' || ch == '\\')) buf_putc (label, '\\');
    buf_putc (label, ch);
  }
  if (!atom) buf_putc (label, '"');
}

/* One astring of a HEADER.FIELDS list inside the bracket text: an atom
 * (up to SP or ')'), a quoted string, or a literal as sent ("{n}" CRLF
 * and n bytes, when the parser keeps it inside the item's text).
 * Appends it to *tail. */
static int parse_field (const char **pp, STRINGLIST ***tail,
			struct buf *label, const char **err)
{
  const char *p = *pp;
  struct buf name = BUF_INIT;
  STRINGLIST *sl;

  if (*p == '"') {
    for (p++; *p != '"'; p++) {
      if (!*p) {
	buf_free (&name);
	*err = "Unterminated quoted string in header field list";
	return -1;
      }
      if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) p++;
      buf_putc (&name, *p);
    }
    p++;
  }
  else if (*p == '{') {		/* a literal the parser left in place */
    unsigned long n;
    p++;
    if (parse_number (&p, &n, 0) < 0 || n > LIM_FETCH_FIELD_NAME) {
      *err = "Invalid literal in header field list";
      return -1;
    }
    if (*p == '+') p++;
    if (*p++ != '}' || (*p == '\r' && *++p != '\n') || *p++ != '\n' ||
	strnlen (p, n) < n) {
      *err = "Invalid literal in header field list";
      return -1;
    }
    buf_append (&name, p, n);
    p += n;
  }
  else
    for (; *p && *p != ' ' && *p != ')'; p++) buf_putc (&name, *p);
  if (!field_name_ok (buf_cstr (&name), name.len)) {
    buf_free (&name);
    *err = "Invalid header field name";
    return -1;
  }
  label_field (label, name.data, name.len);
  sl = mail_newstringlist ();
  sl->text.size = name.len;
  sl->text.data = (unsigned char *) buf_detach (&name);
  **tail = sl;
  *tail = &sl->next;
  *pp = p;
  return 0;
}

/* " (name name ...)" after HEADER.FIELDS[.NOT] */
static int parse_field_list (const char **pp, struct fetch_att *a,
			     struct buf *label, const char **err)
{
  const char *p = *pp;
  STRINGLIST **tail = &a->lines;

  if (p[0] != ' ' || p[1] != '(') {
    *err = "Missing header field list";
    return -1;
  }
  p += 2;
  if (*p == ')') {
    *err = "Empty header field list";
    return -1;
  }
  buf_puts (label, " (");
  for (;;) {
    if (parse_field (&p, &tail, label, err) < 0) return -1;
    if (*p == ')') break;
    if (*p != ' ' || p[1] == ' ' || p[1] == ')') {
      *err = "Syntax error in header field list";
      return -1;
    }
    p++;
    buf_putc (label, ' ');
  }
  buf_putc (label, ')');
  *pp = p + 1;
  return 0;
}

/* section-part: nz-number *("." nz-number); leaves *pp at what follows */
static int parse_part (const char **pp, struct fetch_att *a, const char **err)
{
  const char *p = *pp, *start = p;
  unsigned long v;
  unsigned int n = 0;

  for (;;) {
    if (parse_number (&p, &v, 1) < 0) {
      *err = "Invalid part number in section specifier";
      return -1;
    }
    if (++n > LIM_FETCH_PART_COMPONENTS) {
      *err = "Section specifier nests too deeply";
      return -1;
    }
    if (p[0] != '.' || p[1] < '0' || p[1] > '9') break;
    p++;
  }
  a->part = (char *) fs_get ((size_t) (p - start) + 1);
  memcpy (a->part, start, (size_t) (p - start));
  a->part[p - start] = '\0';
  *pp = p;
  return 0;
}

/* The text after a part (".HEADER", ".MIME", ...) or alone ("TEXT") */
static int parse_msgtext (const char **pp, struct fetch_att *a,
			  struct buf *label, const char **err)
{
  const char *p = *pp;
  size_t n;

  if ((n = prefix (p, "HEADER.FIELDS.NOT"))) a->sec = SEC_FIELDS_NOT;
  else if ((n = prefix (p, "HEADER.FIELDS"))) a->sec = SEC_FIELDS;
  else if ((n = prefix (p, "HEADER"))) a->sec = SEC_HEADER;
  else if ((n = prefix (p, "TEXT"))) a->sec = SEC_TEXT;
  else if ((n = prefix (p, "MIME"))) a->sec = SEC_MIME;
  else {
    *err = "Unknown section text specifier";
    return -1;
  }
  if (a->sec == SEC_MIME && !a->part) {
    *err = "MIME needs a part number (e.g. BODY[1.MIME])";
    return -1;
  }
  p += n;
  switch (a->sec) {
  case SEC_FIELDS_NOT: buf_puts (label, "HEADER.FIELDS.NOT"); break;
  case SEC_FIELDS: buf_puts (label, "HEADER.FIELDS"); break;
  case SEC_HEADER: buf_puts (label, "HEADER"); break;
  case SEC_TEXT: buf_puts (label, "TEXT"); break;
  default: buf_puts (label, "MIME"); break;
  }
  if ((a->sec == SEC_FIELDS || a->sec == SEC_FIELDS_NOT) &&
      parse_field_list (&p, a, label, err) < 0) return -1;
  *pp = p;
  return 0;
}

/* "<first.count>" */
static int parse_partial (const char **pp, struct fetch_att *a,
			  const char **err)
{
  const char *p = *pp + 1;
  if (parse_number (&p, &a->first, 0) < 0 || *p++ != '.' ||
      parse_number (&p, &a->count, 1) < 0 || *p++ != '>') {
    *err = "Syntax error in partial specifier (<offset.count>, count > 0)";
    return -1;
  }
  a->partial = 1;
  *pp = p;
  return 0;
}

/* p points just after the '[' of a BODY/BINARY item */
static int parse_section (const char *p, struct fetch_att *a,
			  struct buf *label, const char **err)
{
  int binary = a->kind != FA_SECTION;

  if (*p >= '0' && *p <= '9') {
    if (parse_part (&p, a, err) < 0) return -1;
    buf_puts (label, a->part);
    if (*p == '.') {
      if (binary) {
	*err = "BINARY takes only part numbers (RFC 3516 section-binary)";
	return -1;
      }
      buf_putc (label, '.');
      p++;
      if (parse_msgtext (&p, a, label, err) < 0) return -1;
    }
  }
  else if (*p != ']') {
    if (binary) {
      *err = "BINARY takes only part numbers (RFC 3516 section-binary)";
      return -1;
    }
    if (parse_msgtext (&p, a, label, err) < 0) return -1;
  }
  if (*p != ']') {
    *err = "Syntax error in section specifier";
    return -1;
  }
  buf_putc (label, ']');
  p++;
  if (*p == '<') {
    if (a->kind == FA_BINARY_SIZE) {
      *err = "BINARY.SIZE takes no partial specifier";
      return -1;
    }
    if (parse_partial (&p, a, err) < 0) return -1;
    buf_printf (label, "<%lu>", a->first);
  }
  if (*p) {
    *err = "Syntax error after section specifier";
    return -1;
  }
  return 0;
}

static const struct {
  const char *name;
  enum fa_kind kind;
} simple_atts[] = {
  { "UID", FA_UID },
  { "FLAGS", FA_FLAGS },
  { "INTERNALDATE", FA_INTERNALDATE },
  { "RFC822.SIZE", FA_RFC822_SIZE },
  { "ENVELOPE", FA_ENVELOPE },
  { "BODY", FA_BODY },
  { "BODYSTRUCTURE", FA_BODYSTRUCTURE },
};

/* RFC822, RFC822.HEADER, RFC822.TEXT: BODY[...] items under old names */
static int parse_rfc822 (const char *s, struct fetch_req *r)
{
  struct fetch_att *a;
  if (!strcasecmp (s, "RFC822")) {
    a = req_add (r, FA_SECTION);
    a->sec = SEC_ALL;
  }
  else if (!strcasecmp (s, "RFC822.HEADER")) {
    a = req_add (r, FA_SECTION);
    a->sec = SEC_HEADER;
    a->peek = 1;		/* RFC 3501: like BODY.PEEK[HEADER] */
  }
  else if (!strcasecmp (s, "RFC822.TEXT")) {
    a = req_add (r, FA_SECTION);
    a->sec = SEC_TEXT;
  }
  else return 0;
  a->label = cpystr (s);
  ucase (a->label);
  return 1;
}

/* Parse one fetch-att.  0, or -1 with *err (static text) */
static int parse_att (const char *s, struct fetch_req *r, const char **err)
{
  static const struct {
    const char *prefix;
    enum fa_kind kind;
    int peek;
    const char *label;
  } sections[] = {
    { "BODY[", FA_SECTION, 0, "BODY[" },
    { "BODY.PEEK[", FA_SECTION, 1, "BODY[" },
    { "BINARY[", FA_BINARY, 0, "BINARY[" },
    { "BINARY.PEEK[", FA_BINARY, 1, "BINARY[" },
    { "BINARY.SIZE[", FA_BINARY_SIZE, 1, "BINARY.SIZE[" },
  };
  struct buf label = BUF_INIT;
  struct fetch_att *a;
  size_t i, n = 0;

  for (i = 0; i < sizeof simple_atts / sizeof simple_atts[0]; i++)
    if (!strcasecmp (s, simple_atts[i].name)) {
      req_add (r, simple_atts[i].kind);
      return 0;
    }
  if (parse_rfc822 (s, r)) return 0;
  for (i = 0; i < sizeof sections / sizeof sections[0]; i++)
    if ((n = prefix (s, sections[i].prefix))) break;
  if (i == sizeof sections / sizeof sections[0]) {
    *err = "Unknown FETCH attribute";
    return -1;
  }
  a = req_add (r, sections[i].kind);
  a->peek = sections[i].peek;
  buf_puts (&label, sections[i].label);
  if (parse_section (s + n, a, &label, err) < 0) {
    buf_free (&label);
    return -1;			/* req_free() takes the rest of a */
  }
  a->label = buf_detach (&label);
  return 0;
}

/* The macros ALL, FAST and FULL (RFC 3501 6.4.5): alone, never in a list */
static int parse_macro (const char *s, struct fetch_req *r)
{
  const char *const fast[] = { "FLAGS", "INTERNALDATE", "RFC822.SIZE" };
  size_t i;
  const char *dummy;
  int all = !strcasecmp (s, "ALL"), full = !strcasecmp (s, "FULL");
  if (!all && !full && strcasecmp (s, "FAST")) return 0;
  for (i = 0; i < 3; i++) parse_att (fast[i], r, &dummy);
  if (all || full) parse_att ("ENVELOPE", r, &dummy);
  if (full) parse_att ("BODY", r, &dummy);
  return 1;
}

/* Summarise what the items need, once */
static void req_scan (struct fetch_req *r)
{
  size_t i;
  for (i = 0; i < r->n; i++) {
    const struct fetch_att *a = &r->atts[i];
    switch (a->kind) {
    case FA_FLAGS: r->need_flags = 1; break;
    case FA_INTERNALDATE: case FA_RFC822_SIZE: r->need_fast = 1; break;
    case FA_ENVELOPE: r->need_env = 1; break;
    case FA_BODY: case FA_BODYSTRUCTURE: r->need_body = 1; break;
    case FA_BINARY: case FA_BINARY_SIZE: r->has_binary = 1; /* FALLTHROUGH */
    case FA_SECTION: if (!a->peek) r->sets_seen = 1; break;
    default: break;
    }
  }
}

/* Parse the item argument (args[1] and what follows).  0, or -1 with a
 * BAD reply set. */
static int parse_request (struct imapd *s, const struct imap_arg *args,
			  const char *cmd, struct fetch_req *r)
{
  const struct imap_arg *items;
  size_t count, i;
  const char *err = NULL, *str;
  struct buf tmp = BUF_INIT;

  if (args[0].type == IMAP_ARG_END) {
    reply_bad (s, "Missing FETCH attributes to %s", cmd);
    return -1;
  }
  if (args[1].type != IMAP_ARG_END) {
    reply_bad (s, "Unexpected argument after the FETCH attributes "
	       "(FETCH modifiers are not supported)");
    return -1;
  }
  if (args[0].type == IMAP_ARG_ATOM) {
    if (parse_macro (args[0].str, r)) {
      req_scan (r);
      return 0;
    }
    items = args;
    count = 1;
  }
  else if (args[0].type == IMAP_ARG_LIST) {
    items = args[0].list;
    count = args[0].count;
    if (!count) {
      reply_bad (s, "Empty FETCH attribute list");
      return -1;
    }
    if (count > LIM_IMAP_FETCH_ATTS) {
      reply_bad (s, "Too many FETCH attributes (at most %d)",
		 LIM_IMAP_FETCH_ATTS);
      return -1;
    }
  }
  else {
    reply_bad (s, "Invalid FETCH attributes: expected an attribute or a "
	       "parenthesised list");
    return -1;
  }
  for (i = 0; i < count; i++) {
    if (!(str = imap_arg_atom (&items[i]))) {
      reply_bad (s, items[i].type == IMAP_ARG_LIST
		 ? "Nested list in FETCH attributes"
		 : "FETCH attributes are atoms, not strings");
      return -1;
    }
    if (parse_att (str, r, &err) < 0) {
      reply_bad (s, "%s: %s", err, shown (&tmp, str));
      buf_free (&tmp);
      return -1;
    }
  }
  buf_free (&tmp);
  req_scan (r);
  return 0;
}

/* ------------------------------------------------------------ output */

static void put_num (struct client *c, unsigned long n)
{
  char tmp[24], *p = tmp + sizeof tmp;
  do *--p = (char) ('0' + n % 10);
  while ((n /= 10));
  client_write (c, p, (size_t) (tmp + sizeof tmp - p));
}

/* The slice <first.count> of a text */
static void slice (const struct fetch_att *a, const char **data,
		   unsigned long *len)
{
  if (!a->partial) return;
  if (a->first >= *len) {
    *len = 0;
    return;
  }
  *data += a->first;
  *len -= a->first;
  if (*len > a->count) *len = a->count;
}

/* The text a BODY[...] item names, from the library (FT_PEEK: \Seen was
 * set up front when it had to be) */
static const char *section_text (MAILSTREAM *stream, unsigned long msgno,
				 const struct fetch_att *a, unsigned long *len)
{
  *len = 0;
  switch (a->sec) {
  case SEC_ALL:
    return a->part
      ? mail_fetch_body (stream, msgno, a->part, len, FT_PEEK)
      : mail_fetch_message (stream, msgno, len, FT_PEEK);
  case SEC_HEADER:
    return mail_fetch_header (stream, msgno, a->part, NIL, len, FT_PEEK);
  case SEC_FIELDS:
    return mail_fetch_header (stream, msgno, a->part, a->lines, len,
			      FT_PEEK);
  case SEC_FIELDS_NOT:
    return mail_fetch_header (stream, msgno, a->part, a->lines, len,
			      FT_PEEK | FT_NOT);
  case SEC_TEXT:
    return mail_fetch_text (stream, msgno, a->part, len, FT_PEEK);
  case SEC_MIME:
    return mail_fetch_mime (stream, msgno, a->part, len, FT_PEEK);
  }
  return "";
}

/* RFC 3501 allows no NUL in a string or literal.  A message that holds
 * one still goes out whole and at its size: each NUL becomes 0x80, as UW
 * sends it (BINARY gives the exact bytes, in a literal8). */
static void out_text (struct client *c, const char *data, unsigned long len)
{
  char *copy, *p;
  if (!len || !memchr (data, '\0', len)) {
    out_string (c, data, len);
    return;
  }
  copy = (char *) fs_get (len);
  memcpy (copy, data, len);
  for (p = copy; (p = memchr (p, '\0', len - (size_t) (p - copy))); p++)
    *p = (char) 0x80;
  out_string (c, copy, len);
  fs_give ((void **) &copy);
}

static void out_section (struct fetch_run *f, unsigned long msgno,
			 const struct fetch_att *a)
{
  unsigned long len;
  const char *data = section_text (f->stream, msgno, a, &len);
  if (!data) data = "", len = 0;
  slice (a, &data, &len);
  client_puts (f->c, a->label);
  PUTS (f->c, " ");
  out_text (f->c, data, len);
}

/* ------------------------------------------------------------ BINARY */

static int has_nul (const unsigned char *p, unsigned long n)
{
  return n && memchr (p, '\0', n) != NULL;
}

/* Decode n bytes of raw by the encoding enc into *out.  0, or -1 with
 * *why when the encoding is unknown or the data undecodable. */
static int decode_cte (unsigned short enc, const char *raw, unsigned long n,
		       struct bin_result *out, const char **why)
{
  switch (enc) {
  case ENC7BIT: case ENC8BIT: case ENCBINARY:
    out->data = (unsigned char *) fs_get (n + 1);
    memcpy (out->data, raw, n);
    out->data[n] = '\0';
    out->size = n;
    return 0;
  case ENCBASE64:
    if (!(out->data = (unsigned char *)
	  rfc822_base64 ((unsigned char *) raw, n, &out->size))) {
      *why = "Undecodable BASE64 contents";
      return -1;
    }
    return 0;
  case ENCQUOTEDPRINTABLE:
    out->data = rfc822_qprint ((unsigned char *) raw, n, &out->size);
    return 0;
  default:
    *why = "Unknown Content-Transfer-Encoding";
    return -1;
  }
}

/* BINARY[] of the whole message: the message as it is when its
 * top-level encoding is an identity (always so for multipart and
 * message); otherwise the header, with its Content-Transfer-Encoding now
 * saying "binary" so the result reads as a consistent message, then the
 * decoded body. */
static int binary_whole (MAILSTREAM *stream, unsigned long msgno,
			 struct bin_result *out, const char **why)
{
  STRINGLIST *cte;
  BODY *body = NIL;
  unsigned long hlen, tlen;
  const char *h, *t;
  struct bin_result text = { NULL, 0 };
  struct buf b = BUF_INIT;

  mail_fetch_structure (stream, msgno, &body, NIL);
  if (!body || body->type == TYPEMULTIPART || body->type == TYPEMESSAGE ||
      body->encoding <= ENCBINARY) {
    t = mail_fetch_message (stream, msgno, &tlen, FT_PEEK);
    return decode_cte (ENCBINARY, t ? t : "", t ? tlen : 0, out, why);
  }
  t = mail_fetch_text (stream, msgno, NIL, &tlen, FT_PEEK);
  if (decode_cte (body->encoding, t ? t : "", t ? tlen : 0, &text, why) < 0)
    return -1;
  cte = mail_newstringlist ();
  cte->text.data = (unsigned char *) cpystr ("Content-Transfer-Encoding");
  cte->text.size = strlen ((char *) cte->text.data);
  h = mail_fetch_header (stream, msgno, NIL, cte, &hlen, FT_PEEK | FT_NOT);
  if (!h) h = "", hlen = 0;
  /* the new field goes before the blank line that ends the header */
  if (hlen >= 4 && !memcmp (h + hlen - 4, "\r\n\r\n", 4)) hlen -= 2;
  buf_append (&b, h, hlen);
  mail_free_stringlist (&cte);
  if (b.len && b.data[b.len - 1] != '\n') buf_puts (&b, "\r\n");
  buf_puts (&b, "Content-Transfer-Encoding: binary\r\n\r\n");
  buf_append (&b, text.data, text.size);
  fs_give ((void **) &text.data);
  out->size = b.len;
  out->data = (unsigned char *) buf_detach (&b);
  return 0;
}

/* Decode every BINARY item of msgno into f->bin before anything of its
 * response is written.  0, or -1 with *why. */
static int binary_prepare (struct fetch_run *f, unsigned long msgno,
			   const char **why)
{
  size_t i;
  for (i = 0; i < f->req->n; i++) {
    const struct fetch_att *a = &f->req->atts[i];
    struct bin_result *out = &f->bin[i];
    BODY *b;
    const char *raw;
    unsigned long len = 0;

    if (a->kind != FA_BINARY && a->kind != FA_BINARY_SIZE) continue;
    if (!a->part) {
      if (binary_whole (f->stream, msgno, out, why) < 0) return -1;
      continue;
    }
    /* no such part: empty, as BODY[] answers */
    if (!(b = mail_body (f->stream, msgno, (unsigned char *) a->part)))
      continue;
    raw = mail_fetch_body (f->stream, msgno, a->part, &len, FT_PEEK);
    if (decode_cte (b->encoding, raw ? raw : "", raw ? len : 0, out, why) < 0)
      return -1;
  }
  return 0;
}

static void binary_release (struct fetch_run *f)
{
  size_t i;
  for (i = 0; i < f->req->n; i++) {
    if (f->bin[i].data) fs_give ((void **) &f->bin[i].data);
    f->bin[i].size = 0;
  }
}

static void out_binary (struct fetch_run *f, const struct fetch_att *a,
			const struct bin_result *r)
{
  const char *data = r->data ? (const char *) r->data : "";
  unsigned long len = r->data ? r->size : 0;

  client_puts (f->c, a->label);
  PUTS (f->c, " ");
  if (a->kind == FA_BINARY_SIZE) {
    put_num (f->c, len);
    return;
  }
  slice (a, &data, &len);
  /* RFC 3516 4.3: literal8 only when the data holds a NUL */
  if (has_nul ((const unsigned char *) data, len))
    out_literal8 (f->c, data, len);
  else out_string (f->c, data, len);
}

/* ---------------------------------------------------------- messages */

/* One item of one message */
static void out_att (struct fetch_run *f, unsigned long msgno,
		     MESSAGECACHE *elt, const struct fetch_att *a,
		     ENVELOPE *env, BODY *body, size_t idx)
{
  struct client *c = f->c;
  switch (a->kind) {
  case FA_UID:
    PUTS (c, "UID ");
    put_num (c, mail_uid (f->stream, msgno));
    break;
  case FA_FLAGS:
    PUTS (c, "FLAGS ");
    out_flags (c, f->stream, elt);
    break;
  case FA_INTERNALDATE:
    PUTS (c, "INTERNALDATE ");
    out_internaldate (c, elt);
    break;
  case FA_RFC822_SIZE:
    PUTS (c, "RFC822.SIZE ");
    put_num (c, elt->rfc822_size);
    break;
  case FA_ENVELOPE:
    PUTS (c, "ENVELOPE ");
    out_envelope (c, env);
    break;
  case FA_BODY:
    PUTS (c, "BODY ");
    out_body_structure (c, body, 0);
    break;
  case FA_BODYSTRUCTURE:
    PUTS (c, "BODYSTRUCTURE ");
    out_body_structure (c, body, 1);
    break;
  case FA_SECTION:
    out_section (f, msgno, a);
    break;
  case FA_BINARY:
  case FA_BINARY_SIZE:
    out_binary (f, a, &f->bin[idx]);
    break;
  }
}

static void fetch_message (struct fetch_run *f, unsigned long msgno,
			   MESSAGECACHE *elt)
{
  struct client *c = f->c;
  const struct fetch_req *r = f->req;
  ENVELOPE *env = NIL;
  BODY *body = NIL;
  const char *why;
  size_t i;
  int first = 1;

  if (r->has_binary && binary_prepare (f, msgno, &why) < 0) {
    binary_release (f);
    if (!f->cte_error) {
      f->cte_error = why;
      f->cte_msgno = msgno;
    }
    /* \Seen was set up front: the usual FETCH FLAGS update tells it */
    if (elt->spare3) session_flags_dirty (f->s, msgno);
    return;
  }
  /* size and date come with the structure when the driver has no fast
   * path (UW's generic mail_fetch_fast does the same) */
  if (r->need_fast && (!elt->rfc822_size || !elt->day) && !r->need_env &&
      !r->need_body)
    mail_fetch_structure (f->stream, msgno, NIL, NIL);
  if (r->need_env || r->need_body)
    env = mail_fetch_structure (f->stream, msgno, r->need_body ? &body : NIL,
				NIL);
  PUTS (c, "* ");
  put_num (c, msgno);
  PUTS (c, " FETCH (");
  if (f->uid) {			/* UID FETCH always says UID, first (UW) */
    PUTS (c, "UID ");
    put_num (c, mail_uid (f->stream, msgno));
    first = 0;
  }
  for (i = 0; i < r->n; i++) {
    if (f->uid && r->atts[i].kind == FA_UID) continue;
    if (!first) PUTS (c, " ");
    first = 0;
    out_att (f, msgno, elt, &r->atts[i], env, body, i);
  }
  /* \Seen set by this command: the new flags go in this response */
  if (elt->spare3 && !r->need_flags) {
    PUTS (c, " FLAGS ");
    out_flags (c, f->stream, elt);
  }
  /* the flags just sent are current: no separate FETCH FLAGS update */
  if (elt->spare3 || r->need_flags) elt->spare = 0;
  PUTS (c, ")\r\n");
  if (r->has_binary) binary_release (f);
}

/* ------------------------------------------------------------ \Seen */

/* mail_flag() the ranges collected so far */
static void seen_flush (MAILSTREAM *stream, struct buf *seq, unsigned *ranges)
{
  if (seq->len) mail_flag (stream, seq->data, "\\Seen", ST_SET | ST_SILENT);
  buf_reset (seq);
  *ranges = 0;
}

/* Set \Seen on the unseen messages of the set (spare2), marking them in
 * spare3.  Message numbers go to the library as ranges, a bounded number
 * per call. */
static void mark_seen (MAILSTREAM *stream)
{
  struct buf seq = BUF_INIT;
  unsigned long i, start = 0, n = stream->nmsgs;
  unsigned ranges = 0;

  for (i = 1; i <= n + 1; i++) {
    MESSAGECACHE *elt = i <= n ? mail_elt (stream, i) : NIL;
    int want = elt && elt->spare2 && !elt->seen;
    if (elt) elt->spare3 = want;
    if (want && !start) start = i;
    if (!want && start) {
      if (seq.len) buf_putc (&seq, ',');
      if (start == i - 1) buf_printf (&seq, "%lu", start);
      else buf_printf (&seq, "%lu:%lu", start, i - 1);
      start = 0;
      if (++ranges >= FETCH_SEEN_RANGES) seen_flush (stream, &seq, &ranges);
    }
  }
  seen_flush (stream, &seq, &ranges);
  buf_free (&seq);
  /* a driver that refused keeps the message unseen: nothing to report */
  for (i = 1; i <= n; i++) {
    MESSAGECACHE *elt = mail_elt (stream, i);
    if (elt->spare3 && !elt->seen) elt->spare3 = 0;
  }
}

/* ------------------------------------------------------------ command */

static void run_fetch (struct imapd *s, const struct fetch_req *r, int uid,
		       const char *cmd)
{
  struct fetch_run f;
  MAILSTREAM *stream = s->stream;
  unsigned long i, n = stream->nmsgs;

  memset (&f, 0, sizeof f);
  f.s = s;
  f.c = s->client;
  f.stream = stream;
  f.req = r;
  f.uid = uid;
  if (r->has_binary)
    f.bin = (struct bin_result *) memset (fs_get (r->n * sizeof *f.bin), 0,
					  r->n * sizeof *f.bin);
  /* our own copy of the set: mail_flag() rewrites elt->sequence */
  for (i = 1; i <= n; i++) {
    MESSAGECACHE *elt = mail_elt (stream, i);
    elt->spare2 = elt->sequence;
    elt->spare3 = 0;
  }
  if (r->sets_seen && !s->readonly && !stream->rdonly) mark_seen (stream);
  for (i = 1; i <= n && i <= stream->nmsgs; i++) {
    MESSAGECACHE *elt = mail_elt (stream, i);
    if (!elt->spare2) continue;
    if (!client_failed (f.c)) fetch_message (&f, i, elt);
    elt->spare2 = elt->spare3 = 0;
  }
  if (f.bin) fs_give ((void **) &f.bin);
  if (f.cte_error)
    reply_no (s, "[UNKNOWN-CTE] %s failed: %s (message %lu)", cmd,
	      f.cte_error, f.cte_msgno);
  else reply_ok (s, "%s completed", cmd);
}

/* Drivers with a bulk path for sizes/dates or flags get one call for the
 * whole set (UW calls mail_fetch_fast the same way).  Those calls mark
 * elt->sequence themselves, so the set is marked again afterwards. */
static int prefetch (struct imapd *s, const struct fetch_req *r,
		     const char *set, int uid)
{
  DRIVER *d = s->stream->dtb;
  int again = 0;
  if (r->need_fast && d && d->fast) {
    mail_fetch_fast (s->stream, (char *) set, uid ? FT_UID : NIL);
    again = 1;
  }
  if (r->need_flags && d && d->msgflags) {
    mail_fetch_flags (s->stream, (char *) set, uid ? FT_UID : NIL);
    again = 1;
  }
  return (again && s->stream) ? session_sequence (s, set, uid) : 0;
}

void cmd_fetch (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *cmd = uid ? "UID FETCH" : "FETCH";
  const char *set;
  struct fetch_req r;

  memset (&r, 0, sizeof r);
  if (!(set = imap_arg_atom (&args[0]))) {
    reply_bad (s, "Missing or invalid sequence set to %s", cmd);
    return;
  }
  if (parse_request (s, args + 1, cmd, &r) < 0) {
    req_free (&r);
    return;
  }
  if (!s->stream) {		/* the command table should have stopped us */
    reply_bad (s, "No mailbox selected");
    req_free (&r);
    return;
  }
  if (session_sequence (s, set, uid) < 0) {
    req_free (&r);
    return;
  }
  if (prefetch (s, &r, set, uid) < 0) {
    req_free (&r);
    return;
  }
  run_fetch (s, &r, uid, cmd);
  req_free (&r);
}

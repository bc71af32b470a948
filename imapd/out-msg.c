/*
 * IMAP output of message data: flag lists, PERMANENTFLAGS, envelopes,
 * address lists, BODY/BODYSTRUCTURE and internal dates (RFC 3501 7.4.2).
 * Shared by FETCH and SELECT.
 *
 * FETCH ENVELOPE/BODYSTRUCTURE of a whole mailbox writes a few dozen
 * small pieces per message, so the pieces are gathered in a stack buffer
 * (struct ob) and handed to the client in one write.  Short plain strings
 * are quoted here; anything else (long, 8-bit, CR/LF) goes to out.c's
 * out_string(), which owns the literal policy.  OB_QUOTED_MAX is well
 * below out.c's own limit, so both always agree on quoting.
 *
 * The orders and shapes follow UW imapd, which clients have seen for
 * decades: flags as \Recent \Seen \Deleted \Flagged \Answered \Draft then
 * keywords by slot; PERMANENTFLAGS as keywords, \*, then the system flags.
 */
#include <string.h>
#include "imapd.h"

/* Strings up to this long, without CR, LF, NUL or 8-bit bytes, are
 * quoted here; out.c quotes them too (its limit is higher). */
#define OB_QUOTED_MAX 256

struct ob {
  struct client *c;
  size_t n;
  char b[4096];
};

static void ob_init (struct ob *o, struct client *c)
{
  o->c = c;
  o->n = 0;
}

static void ob_flush (struct ob *o)
{
  if (o->n) client_write (o->c, o->b, o->n);
  o->n = 0;
}

static inline void ob_write (struct ob *o, const char *s, size_t n)
{
  if (n > sizeof o->b - o->n) {
    ob_flush (o);
    if (n > sizeof o->b) {
      client_write (o->c, s, n);
      return;
    }
  }
  memcpy (o->b + o->n, s, n);
  o->n += n;
}

#define PUTS(o, lit) ob_write ((o), (lit), sizeof (lit) - 1)

/* s as an IMAP string of n bytes (s may hold NULs only in the literal
 * case, which out.c handles) */
static void ob_string (struct ob *o, const char *s, size_t n)
{
  size_t i, esc = 0;
  char *d;

  if (n <= OB_QUOTED_MAX) {
    for (i = 0; i < n; i++) {
      unsigned char ch = (unsigned char) s[i];
      if (!ch || ch == '\r' || ch == '\n' || ch >= 0x80) break;
      if (ch == '"' || ch == '\\') esc++;
    }
    if (i == n) {
      if (n + esc + 2 > sizeof o->b - o->n) ob_flush (o);
      d = o->b + o->n;
      *d++ = '"';
      if (!esc) {
	memcpy (d, s, n);
	d += n;
      }
      else
	for (i = 0; i < n; i++) {
	  if (s[i] == '"' || s[i] == '\\') *d++ = '\\';
	  *d++ = s[i];
	}
      *d++ = '"';
      o->n = (size_t) (d - o->b);
      return;
    }
  }
  ob_flush (o);			/* keep the order: out.c writes directly */
  out_string (o->c, s, n);
}

/* How ob_cstring() treats a byte: 0 copied as is, 1 escaped with a
 * backslash, 2 not quotable here (CR, LF, 8-bit), 3 the end (NUL).  A
 * table because this loop runs over every byte of every envelope. */
static const unsigned char cstr_class[256] = {
  [0] = 3, ['"'] = 1, ['\\'] = 1, ['\r'] = 2, ['\n'] = 2,
  [0x80 ... 0xff] = 2,
};

/* nstring from a C string: NULL is NIL.  The common short plain string
 * is measured, checked and copied in one pass. */
static void ob_cstring (struct ob *o, const char *s)
{
  const unsigned char *p = (const unsigned char *) s;
  char *d;

  if (!s) {
    PUTS (o, "NIL");
    return;
  }
  /* room for the worst case: every byte escaped, plus the quotes */
  if (2 * OB_QUOTED_MAX + 2 > sizeof o->b - o->n) ob_flush (o);
  d = o->b + o->n;
  *d++ = '"';
  while (!cstr_class[*p]) p++;	/* the usual case: nothing to escape */
  if (!*p && p - (const unsigned char *) s <= OB_QUOTED_MAX) {
    memcpy (d, s, (size_t) (p - (const unsigned char *) s));
    d += p - (const unsigned char *) s;
    *d++ = '"';
    o->n = (size_t) (d - o->b);
    return;
  }
  for (p = (const unsigned char *) s;; p++) {
    unsigned char k = cstr_class[*p];
    if (k >= 2 || p - (const unsigned char *) s >= OB_QUOTED_MAX)
      break;			/* the end, or not the plain case */
    if (k) *d++ = '\\';
    *d++ = (char) *p;
  }
  if (*p) {			/* not the plain case: start over */
    ob_string (o, s, strlen (s));
    return;
  }
  *d++ = '"';
  o->n = (size_t) (d - o->b);
}

/* Append one flag to a list, with a space before all but the first. */
static void flag_put (struct ob *o, int *first, const char *name)
{
  if (!*first) PUTS (o, " ");
  *first = 0;
  ob_write (o, name, strlen (name));
}

void out_flags (struct client *c, MAILSTREAM *stream, MESSAGECACHE *elt)
{
  int first = 1, i;
  unsigned long uf = elt->user_flags;
  struct ob ob, *o = &ob;

  ob_init (o, c);
  PUTS (o, "(");
  if (elt->recent) flag_put (o, &first, "\\Recent");
  if (elt->seen) flag_put (o, &first, "\\Seen");
  if (elt->deleted) flag_put (o, &first, "\\Deleted");
  if (elt->flagged) flag_put (o, &first, "\\Flagged");
  if (elt->answered) flag_put (o, &first, "\\Answered");
  if (elt->draft) flag_put (o, &first, "\\Draft");
  /* keywords in slot order; a bit without a name (never expected) is
   * skipped rather than printed as garbage */
  for (i = 0; uf && i < NUSERFLAGS; i++, uf >>= 1)
    if ((uf & 1) && stream && stream->user_flags[i])
      flag_put (o, &first, stream->user_flags[i]);
  PUTS (o, ")");
  ob_flush (o);
}

void out_permanentflags (struct client *c, MAILSTREAM *stream)
{
  int first = 1, i;
  struct ob ob, *o = &ob;

  ob_init (o, c);
  PUTS (o, "(");
  /* a read-only session can change nothing permanently: "()" */
  if (stream && !stream->rdonly) {
    for (i = 0; i < NUSERFLAGS; i++)
      if ((stream->perm_user_flags & (1UL << i)) && stream->user_flags[i])
	flag_put (o, &first, stream->user_flags[i]);
    if (stream->kwd_create) flag_put (o, &first, "\\*");
    if (stream->perm_answered) flag_put (o, &first, "\\Answered");
    if (stream->perm_flagged) flag_put (o, &first, "\\Flagged");
    if (stream->perm_deleted) flag_put (o, &first, "\\Deleted");
    if (stream->perm_draft) flag_put (o, &first, "\\Draft");
    if (stream->perm_seen) flag_put (o, &first, "\\Seen");
  }
  PUTS (o, ")");
  ob_flush (o);
}

/* RFC 3501 address: (name adl mailbox host).  c-client marks a group
 * start with host NIL and the group name in mailbox, and the group end
 * with both NIL, which is exactly the IMAP group syntax. */
static void ob_address_list (struct ob *o, ADDRESS *adr)
{
  if (!adr) {
    PUTS (o, "NIL");
    return;
  }
  PUTS (o, "(");
  for (; adr; adr = adr->next) {
    PUTS (o, "(");
    ob_cstring (o, adr->personal);
    PUTS (o, " ");
    ob_cstring (o, adr->adl);
    PUTS (o, " ");
    ob_cstring (o, adr->mailbox);
    PUTS (o, " ");
    ob_cstring (o, adr->host);
    PUTS (o, ")");
  }
  PUTS (o, ")");
}

static void ob_envelope (struct ob *o, ENVELOPE *env)
{
  if (!env) {
    PUTS (o, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
    return;
  }
  PUTS (o, "(");
  ob_cstring (o, (const char *) env->date);
  PUTS (o, " ");
  ob_cstring (o, env->subject);
  PUTS (o, " ");
  ob_address_list (o, env->from);
  PUTS (o, " ");
  ob_address_list (o, env->sender);
  PUTS (o, " ");
  ob_address_list (o, env->reply_to);
  PUTS (o, " ");
  ob_address_list (o, env->to);
  PUTS (o, " ");
  ob_address_list (o, env->cc);
  PUTS (o, " ");
  ob_address_list (o, env->bcc);
  PUTS (o, " ");
  ob_cstring (o, env->in_reply_to);
  PUTS (o, " ");
  ob_cstring (o, env->message_id);
  PUTS (o, ")");
}

void out_address_list (struct client *c, ADDRESS *adr)
{
  struct ob ob;
  ob_init (&ob, c);
  ob_address_list (&ob, adr);
  ob_flush (&ob);
}

void out_envelope (struct client *c, ENVELOPE *env)
{
  struct ob ob;
  ob_init (&ob, c);
  ob_envelope (&ob, env);
  ob_flush (&ob);
}

/* ("ATTR" "value" ...) or NIL */
static void ob_params (struct ob *o, PARAMETER *p)
{
  if (!p) {
    PUTS (o, "NIL");
    return;
  }
  PUTS (o, "(");
  for (; p; p = p->next) {
    ob_cstring (o, p->attribute ? p->attribute : "");
    PUTS (o, " ");
    ob_cstring (o, p->value ? p->value : "");
    if (p->next) PUTS (o, " ");
  }
  PUTS (o, ")");
}

/* body-fld-dsp: ("TYPE" params) or NIL */
static void ob_disposition (struct ob *o, BODY *body)
{
  if (!body->disposition.type) {
    PUTS (o, "NIL");
    return;
  }
  PUTS (o, "(");
  ob_cstring (o, body->disposition.type);
  PUTS (o, " ");
  ob_params (o, body->disposition.parameter);
  PUTS (o, ")");
}

/* body-fld-lang: one language as a string, several as a list (UW) */
static void ob_language (struct ob *o, STRINGLIST *l)
{
  if (!l) PUTS (o, "NIL");
  else if (!l->next)
    ob_string (o, (const char *) l->text.data, l->text.size);
  else {
    PUTS (o, "(");
    for (; l; l = l->next) {
      ob_string (o, (const char *) l->text.data, l->text.size);
      if (l->next) PUTS (o, " ");
    }
    PUTS (o, ")");
  }
}

/* disposition, language, location: shared tail of both extension forms */
static void ob_ext_tail (struct ob *o, BODY *body)
{
  PUTS (o, " ");
  ob_disposition (o, body);
  PUTS (o, " ");
  ob_language (o, body->language);
  PUTS (o, " ");
  ob_cstring (o, body->location);
}

static const char *type_name (unsigned short type)
{
  return (type <= TYPEMAX && body_types[type]) ? body_types[type]
    : "X-UNKNOWN";
}

static const char *encoding_name (unsigned short enc)
{
  return (enc <= ENCMAX && body_encodings[enc]) ? body_encodings[enc]
    : "X-UNKNOWN";
}

static int is_rfc822 (BODY *body)
{
  return body->type == TYPEMESSAGE && body->subtype &&
    !strcmp (body->subtype, "RFC822");
}

static void ob_num (struct ob *o, unsigned long n)
{
  char tmp[24], *p = tmp + sizeof tmp;
  do *--p = (char) ('0' + n % 10);
  while ((n /= 10));
  *--p = ' ';
  ob_write (o, p, (size_t) (tmp + sizeof tmp - p));
}

static void ob_body (struct ob *o, BODY *body, int ext, unsigned int depth);

/* What UW prints for a missing body: an empty text/plain part */
static void ob_no_body (struct ob *o, int ext)
{
  if (ext)
    PUTS (o, "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\""
	  " 0 0 NIL NIL NIL NIL)");
  else
    PUTS (o, "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\""
	  " 0 0)");
}

static void ob_multipart (struct ob *o, BODY *body, int ext,
			  unsigned int depth)
{
  PART *part;

  if (!body->nested.part) ob_no_body (o, ext);
  for (part = body->nested.part; part; part = part->next)
    ob_body (o, &part->body, ext, depth + 1);
  PUTS (o, " ");
  ob_cstring (o, body->subtype ? body->subtype : "MIXED");
  if (ext) {
    PUTS (o, " ");
    ob_params (o, body->parameter);
    ob_ext_tail (o, body);
  }
}

static void ob_singlepart (struct ob *o, BODY *body, int ext,
			   unsigned int depth)
{
  ob_cstring (o, type_name (body->type));
  PUTS (o, " ");
  ob_cstring (o, body->subtype ? body->subtype
	      : rfc822_default_subtype (body->type));
  PUTS (o, " ");
  ob_params (o, body->parameter);
  PUTS (o, " ");
  ob_cstring (o, body->id);
  PUTS (o, " ");
  ob_cstring (o, body->description);
  PUTS (o, " ");
  ob_cstring (o, encoding_name (body->encoding));
  ob_num (o, body->size.bytes);
  if (is_rfc822 (body)) {
    MESSAGE *msg = body->nested.msg;
    PUTS (o, " ");
    ob_envelope (o, msg ? msg->env : NIL);
    PUTS (o, " ");
    if (msg && msg->body) ob_body (o, msg->body, ext, depth + 1);
    else ob_no_body (o, ext);
  }
  if (body->type == TYPETEXT || is_rfc822 (body))
    ob_num (o, body->size.lines);
  if (ext) {
    PUTS (o, " ");
    ob_cstring (o, body->md5);
    ob_ext_tail (o, body);
  }
}

static void ob_body (struct ob *o, BODY *body, int ext, unsigned int depth)
{
  /* the parser bounds nesting (LIM_MIME_DEPTH); this guards the output
   * recursion against a structure built some other way */
  if (!body || depth > 2 * LIM_MIME_DEPTH + 2) {
    ob_no_body (o, ext);
    return;
  }
  PUTS (o, "(");
  if (body->type == TYPEMULTIPART) ob_multipart (o, body, ext, depth);
  else ob_singlepart (o, body, ext, depth);
  PUTS (o, ")");
}

void out_body_structure (struct client *c, BODY *body, int ext)
{
  struct ob ob;
  ob_init (&ob, c);
  ob_body (&ob, body, ext, 0);
  ob_flush (&ob);
}

static char *two_digits (char *d, unsigned int v)
{
  *d++ = (char) ('0' + v / 10 % 10);
  *d++ = (char) ('0' + v % 10);
  return d;
}

/* "dd-Mmm-yyyy hh:mm:ss +zzzz", day space-padded, exactly as mail_date()
 * writes it; done by hand because FETCH 1:* INTERNALDATE calls this once
 * per message and snprintf() showed in profiles.  Anything out of the
 * ordinary goes to mail_date() itself. */
void out_internaldate (struct client *c, MESSAGECACHE *elt)
{
  char tmp[64], *d = tmp;
  unsigned int year = elt->year + BASEYEAR;

  *d++ = '"';
  if (elt->day < 1 || elt->month < 1 || elt->month > 12 || year > 9999 ||
      elt->hours > 23 || elt->minutes > 59 || elt->seconds > 60 ||
      elt->zhours > 99 || elt->zminutes > 99) {
    mail_date (d, elt);
    d += strlen (d);
  }
  else {
    *d++ = elt->day < 10 ? ' ' : (char) ('0' + elt->day / 10);
    *d++ = (char) ('0' + elt->day % 10);
    *d++ = '-';
    memcpy (d, months[elt->month - 1], 3);
    d += 3;
    *d++ = '-';
    d = two_digits (d, year / 100);
    d = two_digits (d, year % 100);
    *d++ = ' ';
    d = two_digits (d, elt->hours);
    *d++ = ':';
    d = two_digits (d, elt->minutes);
    *d++ = ':';
    d = two_digits (d, elt->seconds);
    *d++ = ' ';
    *d++ = elt->zoccident ? '-' : '+';
    d = two_digits (d, elt->zhours);
    d = two_digits (d, elt->zminutes);
  }
  *d++ = '"';
  client_write (c, tmp, (size_t) (d - tmp));
}

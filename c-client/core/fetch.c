/*
 * Fetching message data: fast/flags/overview, header/text/MIME/body
 * sections, partial fetches through mailgets, and mail_read().
 *
 * Texts come from the driver in one of three ways, tried in UW's order:
 * already cached in the elt (drivers may fill elt->private.msg.*.text), the
 * driver's .msgdata slot, or the generic path (.header returns the CRLF
 * header, .text gives a STRING of the body).
 *
 * Memory: the generic path caches what it fetches in the texts of the
 * "current" message (stream->msgno, see core_current()): the elt's
 * header/text/full texts and the BODY's part and MIME texts.  Fetching
 * another message frees them, so a session holds at most one message's
 * texts, and all pointers returned for one message stay valid together
 * until a different message is fetched.  Filtered headers (HEADER.FIELDS)
 * and FT_INTERNAL texts use stream->text, valid until the next fetch.
 * With a mailgets hook (SET_GETS) texts stream to the hook uncached.
 * Every offset taken from a BODY is checked against the STRING it indexes.
 *
 * Unless FT_PEEK is given, a fetch of message text sets \Seen (never on a
 * read-only stream), as RFC 3501 requires for BODY[...].
 */
#include <string.h>
#include "core.h"

#define SECTION_MAX (MAILTMPLEN - 20)	/* longest section spec accepted */

static mailgets_t gets_hook (void)
{
  return core_state ()->gets;
}

/* FT_UID: turn a UID into a msgno; 0 if unknown.  Clears FT_UID. */
static unsigned long fetch_msgno (MAILSTREAM *stream, unsigned long msgno,
				  long *flags)
{
  if (!stream || !stream->dtb) return 0;
  if (*flags & FT_UID) {
    *flags &= ~FT_UID;
    return mail_msgno (stream, msgno);
  }
  return (msgno && msgno <= stream->nmsgs) ? msgno : 0;
}

/* Replace dst with a NUL-terminated copy of n bytes of bs from pos
 * (clamped to the string), and return it. */
static SIZEDTEXT *text_from_string (SIZEDTEXT *dst, STRING *bs,
				    unsigned long pos, unsigned long n)
{
  unsigned long i, k;
  unsigned char *d;
  if (pos > bs->size) pos = bs->size;
  if (n > bs->size - pos) n = bs->size - pos;
  d = (unsigned char *) fs_get (n + 1);
  SETPOS (bs, pos);
  for (i = 0; i < n; i += k) {	/* chunk at a time */
    if (!bs->cursize) {
      SETPOS (bs, pos + i);	/* load the next chunk */
      if (!bs->cursize) break;	/* driver gave less than it claimed */
    }
    k = bs->cursize < n - i ? bs->cursize : n - i;
    memcpy (d + i, bs->curpos, k);
    bs->curpos += k;
    bs->cursize -= k;
  }
  d[i] = '\0';
  if (dst->data) fs_give ((void **) &dst->data);
  dst->data = d;
  dst->size = i;
  return dst;
}

static SIZEDTEXT *text_set (SIZEDTEXT *dst, const unsigned char *p,
			    unsigned long n)
{
  cpytxt (dst, (char *) p, n);	/* safe when p points into dst */
  return dst;
}

/* ---------------------------------------------------------------------- */
/* mailgets support                                                        */

long mail_read (void *stream, unsigned long size, char *buffer)
{
  STRING *s = (STRING *) stream;
  unsigned long i;
  while (size) {
    if (!s->cursize) {		/* refill from the driver */
      SETPOS (s, GETPOS (s));
      if (!s->cursize) return NIL;	/* past the end */
    }
    i = s->cursize < size ? s->cursize : size;
    memcpy (buffer, s->curpos, i);
    buffer += i;
    size -= i;
    s->curpos += i;
    s->cursize -= i;
  }
  return T;
}

char *mail_fetch_text_return (GETS_DATA *md, SIZEDTEXT *t, unsigned long *len)
{
  STRING bs;
  mailgets_t mg = gets_hook ();
  if (len) *len = t->size;
  if (t->size && mg) {		/* the application stores the text itself */
    INIT (&bs, mail_string, t->data, t->size);
    return (*mg) (mail_read, &bs, t->size, md);
  }
  return (t->size && t->data) ? (char *) t->data : "";
}

char *mail_fetch_string_return (GETS_DATA *md, STRING *bs, unsigned long i,
				unsigned long *len, long flags)
{
  mailgets_t mg = gets_hook ();
  unsigned long pos = GETPOS (bs);
  if (i > bs->size - (pos <= bs->size ? pos : bs->size))
    i = bs->size - (pos <= bs->size ? pos : bs->size);
  if (len) *len = i;
  if (flags & FT_RETURNSTRINGSTRUCT) {	/* caller reads the STRING itself */
    md->stream->private.string = *bs;
    SETPOS (&md->stream->private.string, pos);
    return NIL;
  }
  if (mg) return (*mg) (mail_read, bs, i, md);
  return (char *) text_from_string (&md->stream->text, bs, pos, i)->data;
}

/* ---------------------------------------------------------------------- */
/* Header line filtering (FETCH BODY[HEADER.FIELDS (...)]).  Weak, in case
 * the search module also provides them; the strong definition wins.       */

/* Is the field name at s (length n) in lines? */
static int field_listed (STRINGLIST *lines, const char *s, unsigned long n)
{
  for (; lines; lines = lines->next)
    if (lines->text.size == n && !strncasecmp ((char *) lines->text.data, s, n))
      return 1;
  return 0;
}

/* Does a cached header (fetched for msglines) hold everything lines asks
 * for?  FT_NOT caches cannot be reused. */
long mail_match_lines (STRINGLIST *lines, STRINGLIST *msglines, long flags)
{
  unsigned long i;
  unsigned char *s, *t;
  STRINGLIST *m;
  if (!msglines) return T;	/* cache has the whole header */
  if (flags & FT_NOT) return NIL;
  for (; lines; lines = lines->next) {
    for (m = msglines; m; m = m->next)
      if (m->text.size == lines->text.size) {
	for (s = lines->text.data, t = m->text.data, i = lines->text.size;
	     i && (LCASE (*s) == LCASE (*t)); s++, t++, i--);
	if (!i) break;
      }
    if (!m) return NIL;
  }
  return T;
}

/* Keep (or with FT_NOT drop) the fields named in lines, in place; returns
 * the new length.  A field runs to the next line not starting with
 * whitespace; the blank line ending the header is kept. */
unsigned long mail_filter (char *text, unsigned long len, STRINGLIST *lines,
			   long flags)
{
  char *src = text, *end = text + len, *dst = text, *line, *colon, *e;
  int keep;
  if (!lines) return len;
  while (src < end) {
    line = src;
    if (*line == '\r' || *line == '\n') {	/* end of header: keep rest */
      size_t rest = end - line;
      memmove (dst, line, rest);
      dst += rest;
      break;
    }
    /* find the end of this field, continuation lines included */
    for (e = line; e < end;) {
      char *nl = memchr (e, '\n', end - e);
      e = nl ? nl + 1 : end;
      if (e >= end || (*e != ' ' && *e != '\t')) break;
    }
    for (colon = line; colon < e && *colon != ':' && *colon != '\n' &&
	   *colon != ' ' && *colon != '\t'; colon++);
    keep = field_listed (lines, line, colon - line);
    if (flags & FT_NOT) keep = !keep;
    if (keep) {
      memmove (dst, line, e - line);
      dst += e - line;
    }
    src = e;
  }
  if (dst < text + len) *dst = '\0';
  return dst - text;
}

/* ---------------------------------------------------------------------- */
/* Fast data, flags, overviews                                             */

void mail_fetch_fast (MAILSTREAM *stream, char *sequence, long flags)
{
  unsigned long i;
  if (!stream || !stream->dtb) return;
  if (stream->dtb->fast) {
    (*stream->dtb->fast) (stream, sequence, flags);
    return;
  }
  /* generic: the size and date come from parsing the message */
  if ((flags & FT_UID) ? mail_uid_sequence (stream, (unsigned char *) sequence)
      : mail_sequence (stream, (unsigned char *) sequence))
    for (i = 1; i <= stream->nmsgs; i++) {
      MESSAGECACHE *elt = mail_elt (stream, i);
      if (elt->sequence && (!elt->rfc822_size || !elt->day))
	mail_fetch_structure (stream, i, NIL, flags & ~FT_UID);
    }
}

void mail_fetch_flags (MAILSTREAM *stream, char *sequence, long flags)
{
  if (!stream || !stream->dtb) return;
  if (stream->dtb->msgflags) (*stream->dtb->msgflags) (stream, sequence, flags);
  else (void) ((flags & FT_UID)	/* elts are current: just validate */
	       ? mail_uid_sequence (stream, (unsigned char *) sequence)
	       : mail_sequence (stream, (unsigned char *) sequence));
}

void mail_fetch_overview_default (MAILSTREAM *stream, overview_t ofn)
{
  MESSAGECACHE *elt;
  ENVELOPE *env;
  OVERVIEW ov;
  unsigned long i;
  memset (&ov, 0, sizeof ov);
  for (i = 1; i <= stream->nmsgs; i++)
    if ((elt = mail_elt (stream, i))->sequence &&
	(env = mail_fetch_structure (stream, i, NIL, NIL)) && ofn) {
      ov.subject = env->subject;
      ov.from = env->from;
      ov.date = (char *) env->date;
      ov.message_id = env->message_id;
      ov.references = env->references;
      ov.optional.octets = elt->rfc822_size;
      (*ofn) (stream, mail_uid (stream, i), &ov, i);
    }
}

/* sequence holds UIDs (UW) */
void mail_fetch_overview (MAILSTREAM *stream, char *sequence, overview_t ofn)
{
  if (stream && stream->dtb &&
      mail_uid_sequence (stream, (unsigned char *) sequence) &&
      !(stream->dtb->overview && (*stream->dtb->overview) (stream, ofn)) &&
      mail_ping (stream))
    mail_fetch_overview_default (stream, ofn);
}

/* sequence holds message numbers */
void mail_fetch_overview_sequence (MAILSTREAM *stream, char *sequence,
				   overview_t ofn)
{
  if (stream && stream->dtb &&
      mail_sequence (stream, (unsigned char *) sequence) &&
      !(stream->dtb->overview && (*stream->dtb->overview) (stream, ofn)) &&
      mail_ping (stream))
    mail_fetch_overview_default (stream, ofn);
}

/* ---------------------------------------------------------------------- */
/* Texts                                                                   */

/* The encapsulated message of a message/rfc822 section, or NIL. */
static MESSAGE *nested_message (MAILSTREAM *stream, unsigned long msgno,
				char *section, BODY **bp)
{
  BODY *b = mail_body (stream, msgno, (unsigned char *) section);
  if (bp) *bp = b;
  if (!b || b->type != TYPEMESSAGE || !b->subtype || !b->nested.msg ||
      (strcmp (b->subtype, "RFC822") && strcmp (b->subtype, "GLOBAL")))
    return NIL;
  return b->nested.msg;
}

static int section_ok (MAILSTREAM *stream, char *section)
{
  if (section && strlen (section) > SECTION_MAX) {
    mail_log (stream, ERROR, "Section specifier too long");
    return 0;
  }
  return 1;
}

/* The driver's text STRING for msgno, positioned at 0. */
static int driver_text (MAILSTREAM *stream, unsigned long msgno, STRING *bs,
			long flags)
{
  memset (bs, 0, sizeof *bs);
  if (!stream->dtb->text || !(*stream->dtb->text) (stream, msgno, bs, flags))
    return 0;
  return 1;
}

/* Deliver n bytes of bs from pos: streamed to mailgets or as a STRING
 * when the application asked for that, else copied into the cache slot
 * dst (a text of the current message) and returned from there. */
static char *deliver (GETS_DATA *md, STRING *bs, unsigned long pos,
		      unsigned long n, SIZEDTEXT *dst, unsigned long *len,
		      long flags)
{
  if (gets_hook () || (flags & FT_RETURNSTRINGSTRUCT)) {
    if (pos > bs->size) pos = bs->size;
    SETPOS (bs, pos);
    return mail_fetch_string_return (md, bs, n, len, flags);
  }
  return mail_fetch_text_return (md, text_from_string (dst, bs, pos, n), len);
}

char *mail_fetch_header (MAILSTREAM *stream, unsigned long msgno,
			 char *section, STRINGLIST *lines, unsigned long *len,
			 long flags)
{
  MESSAGECACHE *elt;
  MESSAGE *m;
  BODY *b = NIL;
  SIZEDTEXT *t = NIL, rt;
  STRING bs;
  char tmp[MAILTMPLEN];

  if (len) *len = 0;
  if (!section_ok (stream, section) ||
      !(msgno = fetch_msgno (stream, msgno, &flags))) return "";
  elt = core_current (stream, msgno);
  if (section && *section) {
    if (!(m = nested_message (stream, msgno, section, &b))) return "";
  }
  else m = &elt->private.msg;

  if (m->header.text.data && mail_match_lines (lines, m->lines, flags)) {
    t = &m->header.text;
    core_markseen (stream, elt, flags);
  }
  else if (stream->dtb->msgdata) {
    snprintf (tmp, sizeof tmp, "%s%sHEADER", (section && *section) ? section : "",
	      (section && *section) ? "." : "");
    if ((*stream->dtb->msgdata) (stream, msgno, tmp, 0, 0, lines, flags) &&
	m->header.text.data) {
      if (m->lines) lines = NIL;	/* driver filtered already */
      t = &m->header.text;
    }
  }
  else if (b) {			/* header of an encapsulated message */
    if (driver_text (stream, msgno, &bs, flags & ~FT_INTERNAL)) {
      t = text_from_string (&m->header.text, &bs, m->header.offset,
			    m->header.text.size);
      core_markseen (stream, elt, flags);
    }
  }
  else if (stream->dtb->header) {
    rt.data = (unsigned char *) (*stream->dtb->header) (stream, msgno, &rt.size,
							flags);
    if (rt.data) {		/* cache it, unless in the driver's own form */
      t = text_set ((flags & FT_INTERNAL) ? &stream->text : &m->header.text,
		    rt.data, rt.size);
      core_markseen (stream, elt, flags);
    }
  }
  if (!t || !t->data) return "";
  if (lines) {			/* filter a copy, never the cache */
    t = text_set (&stream->text, t->data, t->size);
    t->size = mail_filter ((char *) t->data, t->size, lines, flags);
  }
  if (len) *len = t->size;
  return (char *) t->data;
}

char *mail_fetch_text (MAILSTREAM *stream, unsigned long msgno, char *section,
		       unsigned long *len, long flags)
{
  GETS_DATA md;
  MESSAGECACHE *elt;
  PARTTEXT *p;
  STRING bs;
  char tmp[MAILTMPLEN];
  MESSAGE *m;

  if (len) *len = 0;
  if (!section_ok (stream, section) ||
      !(msgno = fetch_msgno (stream, msgno, &flags))) return "";
  memset (&stream->private.string, 0, sizeof (STRING));
  elt = core_current (stream, msgno);
  if (section && *section) {
    if (!(m = nested_message (stream, msgno, section, NIL))) return "";
    p = &m->text;
    snprintf (tmp, sizeof tmp, "%s.TEXT", section);
    flags &= ~FT_INTERNAL;
  }
  else {
    p = &elt->private.msg.text;
    snprintf (tmp, sizeof tmp, "TEXT");
  }
  INIT_GETS (md, stream, msgno, section, 0, 0);
  if (p->text.data) {
    core_markseen (stream, elt, flags);
    return mail_fetch_text_return (&md, &p->text, len);
  }
  if (stream->dtb->msgdata)
    return ((*stream->dtb->msgdata) (stream, msgno, tmp, 0, 0, NIL, flags) &&
	    p->text.data) ? mail_fetch_text_return (&md, &p->text, len) : "";
  if (!driver_text (stream, msgno, &bs, flags)) return "";
  core_markseen (stream, elt, flags);
  if (section && *section)
    return deliver (&md, &bs, p->offset, p->text.size, &p->text, len, flags);
  return deliver (&md, &bs, 0, bs.size,
		  (flags & FT_INTERNAL) ? &stream->text : &p->text, len, flags);
}

char *mail_fetch_message (MAILSTREAM *stream, unsigned long msgno,
			  unsigned long *len, long flags)
{
  GETS_DATA md;
  MESSAGECACHE *elt;
  SIZEDTEXT *t, body = { NIL, 0 };
  STRING bs;
  char *h;
  unsigned long hlen;
  struct buf b = BUF_INIT;

  if (len) *len = 0;
  if (!(msgno = fetch_msgno (stream, msgno, &flags))) return "";
  INIT_GETS (md, stream, msgno, "", 0, 0);
  elt = core_current (stream, msgno);
  if ((t = &elt->private.msg.full.text)->data) {
    core_markseen (stream, elt, flags);
    return mail_fetch_text_return (&md, t, len);
  }
  if (stream->dtb->msgdata)
    return ((*stream->dtb->msgdata) (stream, msgno, "", 0, 0, NIL, flags) &&
	    t->data) ? mail_fetch_text_return (&md, t, len) : "";
  /* header, then text: copy the header first, the text call may reuse
   * the driver's buffer */
  h = mail_fetch_header (stream, msgno, NIL, NIL, &hlen, flags | FT_PEEK);
  buf_append (&b, h, hlen);
  if (!driver_text (stream, msgno, &bs, flags)) {
    buf_free (&b);
    return "";
  }
  text_from_string (&body, &bs, 0, bs.size);
  buf_append (&b, body.data, body.size);
  fs_give ((void **) &body.data);
  if (!elt->rfc822_size) elt->rfc822_size = b.len;
  else if (elt->rfc822_size != b.len)
    mail_log (stream, WARN, "Calculated RFC822.SIZE (%zu) != reported size "
	      "(%lu) for message %lu", b.len, elt->rfc822_size, msgno);
  t->size = b.len;
  t->data = (unsigned char *) buf_detach (&b);
  if (!t->data) t->data = (unsigned char *) cpystr ("");
  core_markseen (stream, elt, flags);
  return mail_fetch_text_return (&md, t, len);
}

char *mail_fetch_mime (MAILSTREAM *stream, unsigned long msgno, char *section,
		       unsigned long *len, long flags)
{
  GETS_DATA md;
  BODY *b;
  STRING bs;
  char tmp[MAILTMPLEN];
  if (len) *len = 0;
  if (!section || !*section || !section_ok (stream, section) ||
      !(msgno = fetch_msgno (stream, msgno, &flags))) return "";
  flags &= ~FT_INTERNAL;
  core_current (stream, msgno);
  if (!(b = mail_body (stream, msgno, (unsigned char *) section))) return "";
  INIT_GETS (md, stream, msgno, section, 0, 0);
  if (b->mime.text.data) {
    core_markseen (stream, mail_elt (stream, msgno), flags);
    return mail_fetch_text_return (&md, &b->mime.text, len);
  }
  if (stream->dtb->msgdata) {
    snprintf (tmp, sizeof tmp, "%s.MIME", section);
    return ((*stream->dtb->msgdata) (stream, msgno, tmp, 0, 0, NIL, flags) &&
	    b->mime.text.data) ? mail_fetch_text_return (&md, &b->mime.text, len)
      : "";
  }
  if (!b->mime.text.size) {
    core_markseen (stream, mail_elt (stream, msgno), flags);
    return "";
  }
  if (!driver_text (stream, msgno, &bs, flags)) return "";
  core_markseen (stream, mail_elt (stream, msgno), flags);
  /* MIME headers are small: always a plain copy, never via mailgets */
  text_from_string (&b->mime.text, &bs, b->mime.offset, b->mime.text.size);
  if (len) *len = b->mime.text.size;
  return (char *) b->mime.text.data;
}

/* Size of a part's contents as the parser recorded it */
static unsigned long part_size (BODY *b)
{
  return b->contents.text.size ? b->contents.text.size : b->size.bytes;
}

char *mail_fetch_body (MAILSTREAM *stream, unsigned long msgno, char *section,
		       unsigned long *len, long flags)
{
  GETS_DATA md;
  BODY *b;
  STRING bs;
  SIZEDTEXT ht;
  char tmp[MAILTMPLEN], *s;
  unsigned long size;

  if (!(section && *section)) return mail_fetch_message (stream, msgno, len, flags);
  if (len) *len = 0;
  if (!section_ok (stream, section)) return "";
  flags &= ~FT_INTERNAL;
  /* old-style "0" / "1.2.0": the header of that message */
  snprintf (tmp, sizeof tmp, "%s", section);	/* section_ok: fits */
  size = strlen (tmp);
  s = !strcmp (tmp, "0") ? tmp
    : (size > 2 && !strcmp (tmp + size - 2, ".0")) ? tmp + size - 2 : NIL;
  if (s) {
    *s = '\0';
    INIT_GETS (md, stream, msgno, section, 0, 0);
    ht.data = (unsigned char *) mail_fetch_header (stream, msgno,
						   tmp[0] ? tmp : NIL, NIL,
						   &ht.size, flags);
    md.flags = (flags & FT_UID) ? MG_UID : NIL;
    return mail_fetch_text_return (&md, &ht, len);
  }
  if (!(msgno = fetch_msgno (stream, msgno, &flags))) return "";
  INIT_GETS (md, stream, msgno, section, 0, 0);
  core_current (stream, msgno);
  if (!(b = mail_body (stream, msgno, (unsigned char *) section))) return "";
  if (b->contents.text.data) {
    core_markseen (stream, mail_elt (stream, msgno), flags);
    return mail_fetch_text_return (&md, &b->contents.text, len);
  }
  if (stream->dtb->msgdata)
    return ((*stream->dtb->msgdata) (stream, msgno, section, 0, 0, NIL, flags) &&
	    b->contents.text.data)
      ? mail_fetch_text_return (&md, &b->contents.text, len) : "";
  if (!(size = part_size (b))) {
    core_markseen (stream, mail_elt (stream, msgno), flags);
    return "";
  }
  if (!driver_text (stream, msgno, &bs, flags)) return "";
  core_markseen (stream, mail_elt (stream, msgno), flags);
  return deliver (&md, &bs, b->contents.offset, size, &b->contents.text, len,
		  flags);
}

/* Partial fetches deliver through mailgets only (UW).  last is a count. */
static long partial (MAILSTREAM *stream, unsigned long msgno, char *what,
		     PARTTEXT *p, STRING *bs, int have_text, unsigned long first,
		     unsigned long last, long flags, unsigned long pos,
		     unsigned long size)
{
  GETS_DATA md;
  unsigned long i;
  INIT_GETS (md, stream, msgno, what, first, last);
  if (!have_text) {
    if (pos > bs->size) pos = bs->size;
    if (size > bs->size - pos) size = bs->size - pos;
    SETPOS (bs, pos);
  }
  i = size;
  if (i <= first) i = first = 0;	/* starts past the end: nothing */
  else {
    SETPOS (bs, GETPOS (bs) + first);
    i -= first;
    if (last && i > last) i = last;
  }
  core_markseen (stream, mail_elt (stream, msgno), flags);
  (*gets_hook ()) (mail_read, bs, i, &md);
  return T;
}

long mail_partial_text (MAILSTREAM *stream, unsigned long msgno, char *section,
			unsigned long first, unsigned long last, long flags)
{
  MESSAGECACHE *elt;
  PARTTEXT *p;
  MESSAGE *m;
  STRING bs;
  char tmp[MAILTMPLEN];
  if (!gets_hook ()) {
    mail_log (stream, ERROR, "mail_partial_text() needs a mailgets "
	      "(mail_parameters SET_GETS)");
    return NIL;
  }
  if (!section_ok (stream, section) ||
      !(msgno = fetch_msgno (stream, msgno, &flags))) return NIL;
  flags &= ~FT_INTERNAL;
  elt = mail_elt (stream, msgno);
  if (section && *section) {
    if (!(m = nested_message (stream, msgno, section, NIL))) return NIL;
    p = &m->text;
    snprintf (tmp, sizeof tmp, "%s.TEXT", section);
  }
  else {
    p = &elt->private.msg.text;
    snprintf (tmp, sizeof tmp, "TEXT");
  }
  if (p->text.data) {
    INIT (&bs, mail_string, p->text.data, p->text.size);
    return partial (stream, msgno, tmp, p, &bs, 1, first, last, flags, 0,
		    p->text.size);
  }
  if (stream->dtb->msgdata)
    return (*stream->dtb->msgdata) (stream, msgno, tmp, first, last, NIL, flags);
  if (!driver_text (stream, msgno, &bs, flags)) return NIL;
  return (section && *section)
    ? partial (stream, msgno, tmp, p, &bs, 0, first, last, flags, p->offset,
	       p->text.size)
    : partial (stream, msgno, tmp, p, &bs, 0, first, last, flags, 0, bs.size);
}

long mail_partial_body (MAILSTREAM *stream, unsigned long msgno, char *section,
			unsigned long first, unsigned long last, long flags)
{
  BODY *b;
  STRING bs;
  if (!(section && *section))
    return mail_partial_text (stream, msgno, NIL, first, last, flags);
  if (!gets_hook ()) {
    mail_log (stream, ERROR, "mail_partial_body() needs a mailgets "
	      "(mail_parameters SET_GETS)");
    return NIL;
  }
  if (!section_ok (stream, section) ||
      !(msgno = fetch_msgno (stream, msgno, &flags))) return NIL;
  flags &= ~FT_INTERNAL;
  if (!(b = mail_body (stream, msgno, (unsigned char *) section))) return NIL;
  if (b->contents.text.data) {
    INIT (&bs, mail_string, b->contents.text.data, b->contents.text.size);
    return partial (stream, msgno, section, &b->contents, &bs, 1, first, last,
		    flags, 0, b->contents.text.size);
  }
  if (stream->dtb->msgdata)
    return (*stream->dtb->msgdata) (stream, msgno, section, first, last, NIL,
				    flags);
  if (!driver_text (stream, msgno, &bs, flags)) return NIL;
  return partial (stream, msgno, section, &b->contents, &bs, 0, first, last,
		  flags, b->contents.offset, part_size (b));
}

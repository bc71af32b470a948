/*
 * Envelopes and body structures: mail_fetch_structure(), the generic
 * parser path for drivers without a .structure slot, mail_body() section
 * lookup, and UW's fixed-width mail_fetchfrom()/mail_fetchsubject().
 */
#include <string.h>
#include "core.h"

/* Keep only the Content-* fields of the header h[0..n), with their
 * continuation lines, in place, and return the new length; -1 when the
 * header has more fields than the parser reads (it must then see them
 * all, to stop where it always stops).  Only those fields make the body
 * structure, so a body can be added to a cached envelope without parsing
 * the address fields again. */
static long content_fields_only (char *h, unsigned long n)
{
  unsigned long pos = 0, out = 0, fields = 0;
  int keep = 0;
  while (pos < n) {
    char *line = h + pos, *nl = memchr (line, '\n', n - pos);
    unsigned long len = nl ? (unsigned long) (nl - line) + 1 : n - pos;
    unsigned long text = nl ? len - 1 : len;
    if (text && line[text - 1] == '\r') text--;
    if (!text) break;		/* the blank line ends the header */
    if (line[0] != ' ' && line[0] != '\t') {	/* a new field */
      if (++fields > LIM_HEADER_FIELDS) return -1;
      keep = text >= 8 && !strncasecmp (line, "CONTENT-", 8);
    }
    if (keep) {
      memmove (h + out, line, len);
      out += len;
    }
    pos += len;
  }
  return (long) out;
}

/* Parse the header s[0..hdrsize) with the message text: for the body
 * structure (b not NIL) or the size.  With keep_env the envelope already
 * cached is kept and only the body is parsed.  The driver's header buffer
 * may be reused by its text call, so the header is copied first. */
static void parse_with_text (MAILSTREAM *stream, unsigned long msgno,
			     MESSAGECACHE *elt, ENVELOPE **env, BODY **b,
			     const char *s, unsigned long hdrsize, long flags,
			     int keep_env)
{
  char *hdr = (char *) fs_get (hdrsize + 1);
  ENVELOPE *scratch = NIL;
  STRING bs;
  long n;
  if (hdrsize) memcpy (hdr, s, hdrsize);
  hdr[hdrsize] = '\0';
  if ((*stream->dtb->text) (stream, msgno, &bs,
			    (flags & ~FT_INTERNAL) | FT_PEEK)) {
    if (!elt->rfc822_size) elt->rfc822_size = hdrsize + SIZE (&bs);
    if (keep_env && b && (n = content_fields_only (hdr, hdrsize)) >= 0) {
      rfc822_parse_msg_full (&scratch, b, hdr, (unsigned long) n, &bs,
			     BADHOST, 0, stream->dtb->flags);
      mail_free_envelope (&scratch);
    }
    else {
      if (keep_env) mail_free_envelope (env);
      rfc822_parse_msg_full (env, b, hdr, hdrsize, b ? &bs : NIL, BADHOST,
			     0, stream->dtb->flags);
    }
  }
  else {
    if (keep_env) mail_free_envelope (env);
    rfc822_parse_msg_full (env, NIL, hdr, hdrsize, NIL, BADHOST, 0,
			   stream->dtb->flags);
  }
  fs_give ((void **) &hdr);
}

/* UW's generic structure fetch.  With OP_SHORTCACHE only the current
 * message's envelope and body are kept (stream->env/body); otherwise they
 * live in the elt until mail_gc(). */
ENVELOPE *mail_structure_generic (MAILSTREAM *stream, unsigned long msgno,
				  BODY **body, long flags)
{
  ENVELOPE **env;
  BODY **b;
  MESSAGECACHE *elt;
  unsigned long hdrsize = 0;
  char *s;

  if (body) *body = NIL;
  if (flags & FT_UID) {
    if (!(msgno = mail_msgno (stream, msgno))) return NIL;
    flags &= ~FT_UID;
  }
  if (!msgno || msgno > stream->nmsgs) {
    mail_log (stream, ERROR, "No such message: %lu (mailbox has %lu)",
	      msgno, stream->nmsgs);
    return NIL;
  }
  elt = mail_elt (stream, msgno);
  if (stream->scache) {
    core_current (stream, msgno);	/* drops the previous envelope */
    env = &stream->env;
    b = &stream->body;
  }
  else {
    env = &elt->private.msg.env;
    b = &elt->private.msg.body;
  }
  if (stream->dtb && stream->dtb->header && stream->dtb->text &&
      ((body && !*b) || !*env || (*env)->incomplete)) {
    /* a complete envelope stays (FETCH ENVELOPE then BODYSTRUCTURE) */
    int keep_env = *env && !(*env)->incomplete;
    if (!keep_env) mail_free_envelope (env);
    mail_free_body (b);
    s = (*stream->dtb->header) (stream, msgno, &hdrsize, flags & ~FT_INTERNAL);
    if (!s) hdrsize = 0;
    if (!body && elt->rfc822_size)	/* envelope only: no text call */
      rfc822_parse_msg_full (env, NIL, s, hdrsize, NIL, BADHOST, 0,
			     stream->dtb->flags);
    else parse_with_text (stream, msgno, elt, env, body ? b : NIL, s,
			  hdrsize, flags, keep_env);
    if (!*env) *env = mail_newenvelope ();
  }
  /* internal date from the Date: header when the driver has none */
  if (!elt->day && *env && (*env)->date)
    mail_parse_date (elt, (*env)->date);
  if (!elt->day) elt->day = elt->month = 1;	/* UW's bogus default */
  if (body) *body = *b;
  return *env;
}

MESSAGECACHE *core_current (MAILSTREAM *stream, unsigned long msgno)
{
  MESSAGECACHE *old;
  if (stream->msgno != msgno) {
    if (stream->msgno && stream->msgno <= stream->nmsgs &&
	(old = (MESSAGECACHE *) CORE_CACHE (stream, stream->msgno, CH_ELT)))
      mail_gc_msg (&old->private.msg, GC_TEXTS);
    if (stream->scache) {	/* short cache: only this message's data */
      mail_free_envelope (&stream->env);
      mail_free_body (&stream->body);
    }
    if (stream->text.data) fs_give ((void **) &stream->text.data);
    stream->text.size = 0;
    stream->msgno = msgno;
  }
  return msgno ? mail_elt (stream, msgno) : NIL;
}

ENVELOPE *mail_fetch_structure (MAILSTREAM *stream, unsigned long msgno,
				BODY **body, long flags)
{
  if (body) *body = NIL;
  if (!stream) return NIL;
  if (stream->dtb && stream->dtb->structure)
    return (*stream->dtb->structure) (stream, msgno, body, flags);
  return mail_structure_generic (stream, msgno, body, flags);
}

/* Section "1.2.3" -> BODY.  A part of a message/rfc822 descends into the
 * encapsulated message's body; a non-multipart body has only part 1. */
BODY *mail_body (MAILSTREAM *stream, unsigned long msgno,
		 unsigned char *section)
{
  BODY *b = NIL;
  PART *pt;
  unsigned long i;
  unsigned int depth = 0;
  if (!section || !*section || !mail_fetch_structure (stream, msgno, &b, NIL) ||
      !b) return NIL;
  while (*section) {
    if (*section < '1' || *section > '9') return NIL;	/* no 0, no junk */
    for (i = 0; *section >= '0' && *section <= '9'; section++) {
      if (i > 100000000UL) return NIL;	/* absurd part number */
      i = i * 10 + (*section - '0');
    }
    if (*section && (*section++ != '.' || !*section)) return NIL;
    if (++depth > LIM_MIME_DEPTH * 2) return NIL;
    if (b->type == TYPEMULTIPART) {
      for (pt = b->nested.part; pt && --i; pt = pt->next);
      if (!pt) return NIL;
      b = &pt->body;
    }
    else if (i != 1) return NIL;
    if (*section) switch (b->type) {
    case TYPEMULTIPART:
      break;
    case TYPEMESSAGE:
      if (b->subtype && (!strcmp (b->subtype, "RFC822") ||
			 !strcmp (b->subtype, "GLOBAL")) && b->nested.msg &&
	  b->nested.msg->body) {
	b = b->nested.msg->body;
	break;
      }
      return NIL;
    default:
      return NIL;
    }
  }
  return b;
}

/* UW: s gets exactly length characters plus NUL: the first From address's
 * personal name, else mailbox@host, space padded or truncated. */
void mail_fetchfrom (char *s, MAILSTREAM *stream, unsigned long msgno,
		     long length)
{
  ENVELOPE *env;
  ADDRESS *adr;
  struct buf b = BUF_INIT;
  size_t n;
  if (length < 0) length = 0;
  memset (s, ' ', (size_t) length);
  s[length] = '\0';
  env = mail_fetch_structure (stream, msgno, NIL, NIL);
  for (adr = env ? env->from : NIL; adr && !adr->host; adr = adr->next);
  if (!adr) return;
  if (adr->personal) buf_puts (&b, adr->personal);
  else buf_printf (&b, "%s@%s", adr->mailbox ? adr->mailbox : "", adr->host);
  n = b.len < (size_t) length ? b.len : (size_t) length;
  if (n) memcpy (s, b.data, n);
  buf_free (&b);
}

/* UW: up to length characters of the subject, NUL-terminated (s must hold
 * length + 1); a single space when there is no subject. */
void mail_fetchsubject (char *s, MAILSTREAM *stream, unsigned long msgno,
			long length)
{
  ENVELOPE *env;
  if (length < 0) length = 0;
  memset (s, '\0', (size_t) length + 1);
  env = mail_fetch_structure (stream, msgno, NIL, NIL);
  if (env && env->subject) strncpy (s, env->subject, (size_t) length);
  else if (length) *s = ' ';
}

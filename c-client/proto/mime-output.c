/*
 * Writing MIME: body headers, body text with multipart delimiters, and the
 * whole message (header through proto/header-output.c, then the body) for
 * APPEND and SMTP.  Output goes through an RFC822BUFFER whose function
 * f(s, text) receives NUL-terminated pieces.  The layout is UW's, byte for
 * byte where we could check it, so applications comparing output (and
 * message sizes) see no change.
 */

#include <string.h>
#include <unistd.h>
#include "internal.h"
#include "mime-int.h"
#include "rfc822-int.h"

static long out_str (RFC822BUFFER *buf, const char *s)
{
  return header_output_string (buf, s);
}

static long out_data (RFC822BUFFER *buf, const char *s, size_t n)
{
  return header_output_data (buf, s, n);
}

/* ---------------------------------------------------------- parameters */

/* "; ATTR=value" for each parameter, value quoted when it must be.  No
 * folding: UW never folds here, and applications (PHP's tests among them)
 * compare the output byte for byte; lines stay far below 998 in practice. */
static long out_params (RFC822BUFFER *buf, PARAMETER *param)
{
  for (; param; param = param->next) {
    struct buf b = BUF_INIT;
    long ok;
    if (!param->attribute) continue;
    buf_puts (&b, "; ");
    buf_puts (&b, param->attribute);
    buf_putc (&b, '=');
    rfc822_cat_buf (&b, param->value ? param->value : "", tspecials);
    ok = out_data (buf, b.data, b.len);
    buf_free (&b);
    if (!ok) return NIL;
  }
  return LONGT;
}

long rfc822_output_parameter (RFC822BUFFER *buf, PARAMETER *param)
{
  return out_params (buf, param);
}

/* Strings separated by ", ", each quoted when it must be */
long rfc822_output_stringlist (RFC822BUFFER *buf, STRINGLIST *stl)
{
  for (; stl; stl = stl->next) {
    if (!rfc822_output_cat (buf, (char *) stl->text.data, tspecials) ||
	(stl->next && !out_str (buf, ", ")))
      return NIL;
  }
  return LONGT;
}

/* ---------------------------------------------------------- body header */

static const char *type_name (BODY *body)
{
  if (body->type <= TYPEMAX && body_types[body->type])
    return body_types[body->type];
  return "X-UNKNOWN";
}

/* "Name: text\r\n" when text is set */
static long out_field (RFC822BUFFER *buf, const char *name, const char *text)
{
  if (!text) return LONGT;
  return out_str (buf, name) && out_str (buf, text) && out_str (buf, "\r\n");
}

long rfc822_output_body_header (RFC822BUFFER *buf, BODY *body)
{
  const char *sub;
  if (!body) return LONGT;
  sub = body->subtype ? body->subtype : rfc822_default_subtype (body->type);
  if (!(out_str (buf, "Content-Type: ") && out_str (buf, type_name (body)) &&
	out_str (buf, "/") && out_str (buf, sub) &&
	out_params (buf, body->parameter)))
    return NIL;
  /* text without a charset is US-ASCII (RFC 2045 5.2); UW says so */
  if (body->type == TYPETEXT && !body->parameter &&
      !out_str (buf, "; CHARSET=US-ASCII"))
    return NIL;
  if (!out_str (buf, "\r\n")) return NIL;
  if (body->encoding != ENC7BIT &&
      !out_field (buf, "Content-Transfer-Encoding: ",
		  (body->encoding <= ENCMAX && body_encodings[body->encoding])
		  ? body_encodings[body->encoding] : "X-UNKNOWN"))
    return NIL;
  if (!(out_field (buf, "Content-ID: ", body->id) &&
	out_field (buf, "Content-Description: ", body->description) &&
	out_field (buf, "Content-MD5: ", body->md5)))
    return NIL;
  if (body->language &&
      !(out_str (buf, "Content-Language: ") &&
	rfc822_output_stringlist (buf, body->language) &&
	out_str (buf, "\r\n")))
    return NIL;
  if (!out_field (buf, "Content-Location: ", body->location)) return NIL;
  if (body->disposition.type &&
      !(out_str (buf, "Content-Disposition: ") &&
	out_str (buf, body->disposition.type) &&
	out_params (buf, body->disposition.parameter) &&
	out_str (buf, "\r\n")))
    return NIL;
  return LONGT;
}

/* Collects output in a struct buf (for the char * APIs) */
static long sink_buf (void *s, char *text)
{
  buf_puts ((struct buf *) s, text);
  return LONGT;
}

void rfc822_write_body_header (char **header, BODY *body)
{
  struct buf b = BUF_INIT;
  char tmp[MAILTMPLEN + 1];
  RFC822BUFFER rb;
  rb.f = sink_buf;
  rb.s = &b;
  rb.beg = rb.cur = tmp;
  rb.end = tmp + MAILTMPLEN;
  if (rfc822_output_body_header (&rb, body)) rfc822_output_flush (&rb);
  /* like UW: append at *header and leave *header at the new end */
  if (b.len) memcpy (*header, b.data, b.len);
  *header += b.len;
  **header = '\0';
  buf_free (&b);
}

/* ------------------------------------------------------------ encoding */

/* A boundary that cannot occur in base64 or quoted-printable text ("=:"
 * is neither), unique enough without reading the clock: pid, a counter
 * and the body's address. */
static void ensure_boundary (BODY *body)
{
  static unsigned long counter;
  PARAMETER **pp;
  struct buf b = BUF_INIT;
  for (pp = &body->parameter; *pp; pp = &(*pp)->next)
    if ((*pp)->attribute && !compare_cstring ((unsigned char *)
					      (*pp)->attribute,
					      (unsigned char *) "BOUNDARY"))
      return;
  buf_printf (&b, "%lu-%lu-%lx=:%lu", (unsigned long) getpid (), ++counter,
	      (unsigned long) (size_t) body, (unsigned long) random ());
  *pp = mail_newbody_parameter ();
  (*pp)->attribute = cpystr ("BOUNDARY");
  (*pp)->value = buf_detach (&b);
}

/* Re-encode contents so they suit a 7-bit (ok8 = 0) or 8-bit transport;
 * only the declared encoding is considered, as in UW */
static void encode_body (BODY *body, int ok8, unsigned long depth)
{
  PART *part;
  void *old;
  if (!body || depth > LIM_MIME_DEPTH) return;
  switch (body->type) {
  case TYPEMULTIPART:
    ensure_boundary (body);
    for (part = body->nested.part; part; part = part->next)
      encode_body (&part->body, ok8, depth + 1);
    break;
  case TYPEMESSAGE:		/* an encapsulated message can't be encoded */
    if (body->encoding == ENCBINARY)
      mail_log (NIL, PARSE, "Binary included message in %s message body",
		ok8 ? "8-bit" : "7-bit");
    else if (body->encoding == ENC8BIT && !ok8)
      mail_log (NIL, PARSE, "8-bit included message in 7-bit message body");
    break;
  default:
    if (body->encoding == ENC8BIT && !ok8) {
      old = body->contents.text.data;
      body->contents.text.data =
	rfc822_8bit (body->contents.text.data, body->contents.text.size,
		     &body->contents.text.size);
      body->encoding = ENCQUOTEDPRINTABLE;
      if (old) fs_give (&old);
    }
    else if (body->encoding == ENCBINARY) {
      old = body->contents.text.data;
      body->contents.text.data =
	rfc822_binary (body->contents.text.data, body->contents.text.size,
		       &body->contents.text.size);
      body->encoding = ENCBASE64;
      if (old) fs_give (&old);
    }
    break;
  }
}

void rfc822_encode_body_7bit (ENVELOPE *env, BODY *body)
{
  encode_body (body, 0, 0);
}

void rfc822_encode_body_8bit (ENVELOPE *env, BODY *body)
{
  encode_body (body, 1, 0);
}

/* --------------------------------------------------------------- text */

static const char *boundary_of (BODY *body)
{
  PARAMETER *p;
  for (p = body->parameter; p; p = p->next)
    if (p->attribute && !compare_cstring ((unsigned char *) p->attribute,
					  (unsigned char *) "BOUNDARY"))
      return p->value;
  return NIL;
}

static long output_text (RFC822BUFFER *buf, BODY *body, unsigned long depth);

/* An encapsulated message given as structure rather than text */
static long output_message (RFC822BUFFER *buf, MESSAGE *msg,
			    unsigned long depth)
{
  if (msg->full.text.data)
    return out_data (buf, (char *) msg->full.text.data, msg->full.text.size);
  if (!msg->env) return LONGT;
  return rfc822_output_header (buf, msg->env, msg->body, NIL, NIL) &&
    output_text (buf, msg->body, depth + 1);
}

static long output_text (RFC822BUFFER *buf, BODY *body, unsigned long depth)
{
  PART *part;
  const char *cookie;
  if (!body) return LONGT;
  if (depth > LIM_MIME_DEPTH) {
    mail_log (NIL, ERROR, "MIME structure nested too deeply to write "
	      "(limit %d)", LIM_MIME_DEPTH);
    return NIL;
  }
  if (body->type != TYPEMULTIPART) {
    if (body->contents.text.data)
      return out_data (buf, (char *) body->contents.text.data,
		       body->contents.text.size);
    if (body->type == TYPEMESSAGE && body->nested.msg)
      return output_message (buf, body->nested.msg, depth);
    return LONGT;
  }
  ensure_boundary (body);
  cookie = boundary_of (body);
  for (part = body->nested.part; part; part = part->next)
    if (!(out_str (buf, "--") && out_str (buf, cookie) &&
	  out_str (buf, "\r\n") &&
	  rfc822_output_body_header (buf, &part->body) &&
	  out_str (buf, "\r\n") &&
	  output_text (buf, &part->body, depth + 1) &&
	  out_str (buf, "\r\n")))
      return NIL;
  return out_str (buf, "--") && out_str (buf, cookie) &&
    out_str (buf, "--\r\n");
}

long rfc822_output_text (RFC822BUFFER *buf, BODY *body)
{
  return output_text (buf, body, 0);
}

/* ------------------------------------------------------ whole messages */

long rfc822_output_full (RFC822BUFFER *buf, ENVELOPE *env, BODY *body,
			 long ok8)
{
  rfc822outfull_t hook =
    (rfc822outfull_t) mail_parameters (NIL, GET_RFC822OUTPUTFULL, NIL);
  if (hook) return (*hook) (buf, env, body, ok8);
  encode_body (body, ok8 ? 1 : 0, 0);
  return rfc822_output_header (buf, env, body, NIL, NIL) &&
    rfc822_output_text (buf, body) && rfc822_output_flush (buf);
}

/*
 * The old interface.  t was UW's scratch buffer of unstated size; we do
 * not trust its size and use our own.
 */
long rfc822_output (char *t, ENVELOPE *env, BODY *body, soutr_t f, void *s,
		    long ok8bit)
{
  rfc822out_t hook =
    (rfc822out_t) mail_parameters (NIL, GET_RFC822OUTPUT, NIL);
  RFC822BUFFER rb;
  char *tmp;
  long ret;
  if (hook) return (*hook) (t, env, body, f, s, ok8bit);
  tmp = fs_get (SENDBUFLEN + 1);
  rb.f = f;
  rb.s = s;
  rb.beg = rb.cur = tmp;
  rb.end = tmp + SENDBUFLEN;
  ret = rfc822_output_full (&rb, env, body, ok8bit);
  fs_give ((void **) &tmp);
  return ret;
}

long rfc822_output_body (BODY *body, soutr_t f, void *s)
{
  RFC822BUFFER rb;
  char *tmp = fs_get (SENDBUFLEN + 1);
  long ret;
  rb.f = f;
  rb.s = s;
  rb.beg = rb.cur = tmp;
  rb.end = tmp + SENDBUFLEN;
  ret = rfc822_output_text (&rb, body) && rfc822_output_flush (&rb);
  fs_give ((void **) &tmp);
  return ret;
}

/*
 * rfc822_parse_msg_full() on the input split at the first empty line, then
 * a walk of the BODY tree (every offset and size inside the body text) and
 * the envelope and body headers written back through an RFC822BUFFER.
 */
#include "fuzz.h"

static unsigned long parts_seen;

static void check_text (const PARTTEXT *t, unsigned long blen)
{
  FUZZ_CHECK (t->offset <= blen);
  FUZZ_CHECK (t->text.size <= blen - t->offset);
}

static void walk (BODY *body, unsigned long blen, unsigned depth)
{
  PART *p;
  FUZZ_CHECK (depth <= LIM_MIME_DEPTH + 2);
  FUZZ_CHECK (++parts_seen <= 2 * LIM_MIME_PARTS + 10);
  FUZZ_CHECK (body->type <= TYPEMAX);
  FUZZ_CHECK (body->encoding <= ENCMAX);
  FUZZ_CHECK (body->contents.offset <= blen);
  FUZZ_CHECK (body->size.bytes <= blen - body->contents.offset);
  FUZZ_CHECK (body->size.lines <= body->size.bytes + 1);
  check_text (&body->mime, blen);
  if (body->type == TYPEMULTIPART)
    for (p = body->nested.part; p; p = p->next) walk (&p->body, blen, depth + 1);
  else if (body->type == TYPEMESSAGE && body->subtype &&
	   (!strcmp (body->subtype, "RFC822") || !strcmp (body->subtype, "GLOBAL"))
	   && body->nested.msg) {
    MESSAGE *m = body->nested.msg;
    check_text (&m->full, blen);
    check_text (&m->header, blen);
    check_text (&m->text, blen);
    if (m->body) walk (m->body, blen, depth + 1);
  }
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  size_t hlen = size, bstart = size, i;
  char *hdr, *text;
  ENVELOPE *env = NIL;
  BODY *body = NIL;
  STRING bs;
  struct buf out = BUF_INIT;
  char tmp[64];
  RFC822BUFFER rb;

  /* the header ends at the first empty line (LF LF or LF CR LF) */
  for (i = 0; i < size; i++)
    if (data[i] == '\n') {
      if (i + 1 < size && data[i + 1] == '\n') { hlen = i + 1; bstart = i + 2; break; }
      if (i + 2 < size && data[i + 1] == '\r' && data[i + 2] == '\n') {
	hlen = i + 1; bstart = i + 3; break;
      }
    }
  hdr = fuzz_cstr (data, hlen);
  text = fuzz_cstr (data + bstart, size - bstart);
  INIT (&bs, mail_string, text, size - bstart);
  parts_seen = 0;
  rfc822_parse_msg_full (&env, &body, hdr, hlen, &bs, "fuzz.example", 0, NIL);
  FUZZ_CHECK (env != NIL);
  if (body) walk (body, size - bstart, 0);

  /* write it back: tiny buffer so every flush path runs */
  rb.f = fuzz_soutr;
  rb.s = &out;
  rb.beg = rb.cur = tmp;
  rb.end = tmp + 7;
  FUZZ_CHECK (rfc822_output_header (&rb, env, body, NIL, NIL));
  FUZZ_CHECK (rfc822_output_flush (&rb));
  if (body) {
    buf_reset (&out);
    rb.end = tmp + sizeof tmp - 1;
    FUZZ_CHECK (rfc822_output_body_header (&rb, body));
    FUZZ_CHECK (rfc822_output_flush (&rb));
  }
  if (env->from) {
    char *a = rfc822_address_string (env->from);
    fs_give ((void **) &a);
  }
  buf_free (&out);
  mail_free_envelope (&env);
  mail_free_body (&body);
  fs_give ((void **) &hdr);
  fs_give ((void **) &text);
  return 0;
}

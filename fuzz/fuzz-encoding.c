/*
 * Content transfer encodings: the decoders (rfc822_base64, rfc822_qprint)
 * on the raw input, and decode(encode(x)) == x for base64
 * (rfc822_binary) and quoted-printable (rfc822_8bit).  Encoded lines must
 * stay within RFC 2045's 76 characters.
 */
#include "fuzz.h"

static void check_lines (const unsigned char *s, unsigned long n)
{
  unsigned long i, col = 0;
  for (i = 0; i < n; i++) {
    if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') { col = 0; i++; continue; }
    FUZZ_CHECK (s[i] == '\t' || (s[i] >= 0x20 && s[i] < 0x7f));	/* 7bit, no bare CR/LF */
    FUZZ_CHECK (++col <= 76);
  }
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  unsigned char *in = (unsigned char *) fuzz_cstr (data, size);
  unsigned char *e, *d;
  unsigned long el, dl;

  /* decoders on hostile input */
  if ((d = rfc822_base64 (in, size, &dl))) {
    FUZZ_CHECK (dl <= size);
    FUZZ_CHECK (d[dl] == '\0');
    fs_give ((void **) &d);
  }
  d = rfc822_qprint (in, size, &dl);
  FUZZ_CHECK (d != NIL && dl <= size);
  fs_give ((void **) &d);

  /* base64 round trip */
  e = rfc822_binary (in, size, &el);
  FUZZ_CHECK (e != NIL);
  check_lines (e, el);
  d = rfc822_base64 (e, el, &dl);
  FUZZ_CHECK (d != NIL);
  FUZZ_CHECK (dl == size && !memcmp (d, in, size));
  fs_give ((void **) &d);
  fs_give ((void **) &e);

  /* quoted-printable round trip */
  e = rfc822_8bit (in, size, &el);
  FUZZ_CHECK (e != NIL);
  check_lines (e, el);
  d = rfc822_qprint (e, el, &dl);
  FUZZ_CHECK (d != NIL);
  if (dl != size || memcmp (d, in, size)) {
    fprintf (stderr, "qprint round trip: %lu bytes in, %lu back\n",
	     (unsigned long) size, dl);
    FUZZ_CHECK (!"qprint(8bit(x)) == x");
  }
  fs_give ((void **) &d);
  fs_give ((void **) &e);
  fs_give ((void **) &in);
  return 0;
}

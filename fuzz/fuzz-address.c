/*
 * rfc822_parse_adrlist() on the input as a C string, then the list written
 * back three ways (rfc822_write_address_full, rfc822_address_string,
 * rfc822_output_address_list) which must agree, and written, parsed and
 * written again, which must give the same text (output is a fixed point).
 */
#include "fuzz.h"

static void adrlist_write (ADDRESS *adr, struct buf *out, int pretty)
{
  char tmp[16];
  RFC822BUFFER rb;
  rb.f = fuzz_soutr;
  rb.s = out;
  rb.beg = rb.cur = tmp;
  rb.end = tmp + sizeof tmp - 1;
  FUZZ_CHECK (rfc822_output_address_list (&rb, adr, pretty, NIL));
  FUZZ_CHECK (rfc822_output_flush (&rb));
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = fuzz_cstr (data, size), *s1, *s2, *w;
  ADDRESS *lst = NIL, *lst2 = NIL;
  struct buf out = BUF_INIT;
  size_t n;

  rfc822_parse_adrlist (&lst, s, "fuzz.example");
  s1 = rfc822_address_string (lst);
  n = strlen (s1);

  /* the caller-sized writer: exactly n + 1 bytes must do */
  w = fs_get (n + 1);
  w[0] = '\0';
  FUZZ_CHECK (rfc822_write_address_full (w, lst, NIL) == w + n);
  FUZZ_CHECK (!strcmp (w, s1));
  fs_give ((void **) &w);

  adrlist_write (lst, &out, 0);
  FUZZ_CHECK (!strcmp (buf_cstr (&out), s1));
  buf_reset (&out);
  adrlist_write (lst, &out, 4);	/* folded form: parse must ignore the folds */
  buf_free (&out);

  /* round trip: what we write must read back as the same list.  Output
   * without a host ("@" missing) is completed with the default host, and
   * a list we truncated may read back shorter, so compare text of text. */
  rfc822_parse_adrlist (&lst2, s1, "fuzz.example");
  s2 = rfc822_address_string (lst2);
  if (strcmp (s1, s2)) {
    fprintf (stderr, "round trip differs:\n in:  %s\n 1st: %s\n 2nd: %s\n", s, s1, s2);
    FUZZ_CHECK (!"address round trip");
  }
  fs_give ((void **) &s2);
  mail_free_address (&lst2);
  fs_give ((void **) &s1);
  mail_free_address (&lst);
  fs_give ((void **) &s);
  return 0;
}

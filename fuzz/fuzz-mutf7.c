/*
 * Modified UTF-7 (RFC 3501 5.1.3): utf8_from_mutf7 and utf8_to_mutf7 on
 * the input.  Whatever decodes must encode back to itself, and whatever
 * encodes must decode back to the input.
 */
#include "fuzz.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = fuzz_cstr (data, size);
  unsigned char *u, *m, *back;

  if ((u = utf8_from_mutf7 ((unsigned char *) s))) {
    /* canonical mUTF-7 only: then encoding gives the same bytes back */
    if ((m = utf8_to_mutf7 (u))) {
      if ((back = utf8_from_mutf7 (m))) {
	FUZZ_CHECK (!strcmp ((char *) back, (char *) u));
	fs_give ((void **) &back);
      }
      else FUZZ_CHECK (!"our own mUTF-7 does not decode");
      fs_give ((void **) &m);
    }
    fs_give ((void **) &u);
  }
  if ((m = utf8_to_mutf7 ((unsigned char *) s))) {
    for (u = m; *u; u++) FUZZ_CHECK (*u >= 0x20 && *u < 0x7f);
    back = utf8_from_mutf7 (m);
    FUZZ_CHECK (back != NIL);
    if (strcmp ((char *) back, s)) {
      fprintf (stderr, "mutf7 round trip: \"%s\" -> \"%s\" -> \"%s\"\n", s, m, back);
      FUZZ_CHECK (!"utf8 -> mutf7 -> utf8");
    }
    fs_give ((void **) &back);
    fs_give ((void **) &m);
  }
  fs_give ((void **) &s);
  return 0;
}

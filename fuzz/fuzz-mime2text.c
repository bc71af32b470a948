/*
 * RFC 2047 decoding (utf8_mime2text with each flag), charset conversion
 * (utf8_text with a charset named by the input's first bytes) and
 * utf8_fold.  Every converted result must be valid UTF-8.
 *
 * Input: byte 0 picks the charset: < 0xc0 indexes a table of names the
 * library knows; otherwise the next (byte0 - 0xc0) bytes are the name
 * itself.  The rest is the text.
 */
#include "fuzz.h"
#include "utf8.h"

static const char *const names[] = {
  "US-ASCII", "UTF-8", "ISO-8859-1", "ISO-8859-2", "ISO-8859-15",
  "WINDOWS-1252", "KOI8-R", "UTF-16", "UTF-16LE", "UTF-16BE", "UTF-32",
  "UTF-32LE", "UTF-7", "ISO-2022-JP", "ISO-2022-KR", "ISO-2022-CN",
  "EUC-JP", "EUC-KR", "SHIFT_JIS", "GB2312", "GB18030", "BIG5", "TIS-620",
  "VISCII", "UCS-2", "UCS-4", "X-UNKNOWN", "", "utf-8", "iso-8859-7"
};
#define NNAMES (sizeof names / sizeof names[0])

static int all_utf8 (const unsigned char *s, unsigned long n)
{
  while (n) {
    unsigned char *t = (unsigned char *) s;
    if (utf8_get (&t, &n) & U8G_ERROR) return 0;
    s = t;
  }
  return 1;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const long flags[] = { U8T_LITERAL, U8T_CASECANON, U8T_DECOMPOSE,
				U8T_CANONICAL };
  char *whole, *cs;
  size_t csl = 0, i;
  SIZEDTEXT src, dst, txt, ret;
  unsigned char *f;
  unsigned long flen;

  whole = fuzz_cstr (data, size);
  src.data = (unsigned char *) whole;
  src.size = size;
  for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    memset (&dst, 0, sizeof dst);
    if (utf8_mime2text (&src, &dst, flags[i])) {
      FUZZ_CHECK (dst.data != NIL);
      if (dst.data != src.data) {
	FUZZ_CHECK (dst.data[dst.size] == '\0');
	if (flags[i] != U8T_LITERAL) FUZZ_CHECK (all_utf8 (dst.data, dst.size));
	fs_give ((void **) &dst.data);
      }
    }
    else if (dst.data && dst.data != src.data) fs_give ((void **) &dst.data);
  }

  f = utf8_fold (src.data, src.size, &flen);
  FUZZ_CHECK (f && f[flen] == '\0' && all_utf8 (f, flen));
  fs_give ((void **) &f);

  if (size) {
    if (data[0] < 0xc0) {
      cs = cpystr ((char *) names[data[0] % NNAMES]);
      csl = 0;
    }
    else {
      csl = data[0] - 0xc0;
      if (csl > size - 1) csl = size - 1;
      cs = fuzz_cstr (data + 1, csl);
    }
    txt.data = (unsigned char *) whole + 1 + csl;
    txt.size = size - 1 - csl;
    for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
      memset (&ret, 0, sizeof ret);
      if (utf8_text (&txt, cs, &ret, flags[i]) && ret.data != txt.data) {
	FUZZ_CHECK (all_utf8 (ret.data, ret.size));
	fs_give ((void **) &ret.data);
      }
      else if (ret.data && ret.data != txt.data) fs_give ((void **) &ret.data);
    }
    fs_give ((void **) &cs);
  }
  fs_give ((void **) &whole);
  return 0;
}

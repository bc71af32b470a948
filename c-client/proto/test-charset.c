/*
 * Tests for proto/charset.c and proto/mime2text.c: charset names,
 * conversion to UTF-8 (valid and invalid input), UTF-8 primitives, case
 * folding, decomposition and RFC 2047 decoding.
 */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "c-client.h"

/* expected parse warnings: count them instead of printing them */
static unsigned long nlogs;
void mm_log (char *string, long errflg)
{
  (void) string;
  (void) errflg;
  nlogs++;
}
#include "internal.h"

/* ------------------------------------------------------------- names */

static void test_names (void)
{
  static const struct { const char *in, *name; } cases[] = {
    { "US-ASCII", "US-ASCII" }, { "us-ascii", "US-ASCII" },
    { "utf-8", "UTF-8" }, { "UTF8", "UTF8" }, { "iso-8859-1", "ISO-8859-1" },
    { "ISO-8859-16", "ISO-8859-16" }, { "latin1", "LATIN1" },
    { "windows-1252", "WINDOWS-1252" }, { "cp1252", "CP1252" },
    { "koi8-r", "KOI8-R" }, { "KOI8-U", "KOI8-U" },
    { "iso-2022-jp", "ISO-2022-JP" }, { "euc-jp", "EUC-JP" },
    { "shift_jis", "SHIFT_JIS" }, { "sjis", "SJIS" }, { "gb2312", "GB2312" },
    { "gbk", "GBK" }, { "gb18030", "GB18030" }, { "big5", "BIG5" },
    { "euc-kr", "EUC-KR" }, { "ks_c_5601-1987", "KS_C_5601-1987" },
    { "utf-16", "UTF-16" }, { "utf-32", "UTF-32" },
    { "bogus", NULL }, { "", NULL }, { "utf-8 ", NULL }, { "ISO-8859-99", NULL },
  };
  size_t i;
  char *b;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const CHARSET *cs = utf8_charset ((char *) cases[i].in);
    CHECK_STREQ (cs ? cs->name : NULL, cases[i].name);
  }
  CHECK (utf8_charset (NULL) == NULL);
  b = utf8_badcharset ("X-FOO");
  CHECK (!strncmp (b, "[BADCHARSET (US-ASCII UTF-8 ", 28));
  CHECK (strstr (b, " ISO-8859-1 ") != NULL);
  CHECK (strstr (b, ")] Unknown charset: X-FOO") != NULL);
  CHECK_INTEQ (strlen (b) - strlen (strstr (b, ")] Unknown")) > 100, 1);
  fs_give ((void **) &b);
}

/* -------------------------------------------------------- conversion */

static const struct {
  const char *cs;
  const char *in;
  size_t inlen;
  const char *out;
} conv_cases[] = {
  { "ISO-8859-1", "\x63\x61\x66\xe9", 4, "caf\xc3\xa9" },
  { "WINDOWS-1252", "\x80\x93\x78\x94", 4,
    "\xe2\x82\xac\xe2\x80\x9c\x78\xe2\x80\x9d" },
  { "KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4", 6,
    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82" },
  { "SHIFT_JIS", "\x93\xfa\x96\x7b\x8c\xea", 6,
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
  { "EUC-KR", "\xc7\xd1\xb1\xb9\xbe\xee", 6,
    "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4" },
  { "GB2312", "\xd6\xd0\xce\xc4", 4, "\xe4\xb8\xad\xe6\x96\x87" },
  { "BIG5", "\xa4\xa4\xa4\xe5", 4, "\xe4\xb8\xad\xe6\x96\x87" },
  { "ISO-2022-JP", "\x1b\x24\x42\x46\x7c\x4b\x5c\x38\x6c\x1b\x28\x42", 12,
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
  { "UTF-16", "\xff\xfe\x68\x00\x69\x00\xac\x20", 8, "hi\xe2\x82\xac" },
  { "UTF-16", "\x00\x68\x00\x69", 4, "hi" },	/* no BOM: big endian */
  { "UTF-16LE", "\x68\x00\x69\x00\xac\x20", 6, "hi\xe2\x82\xac" },
  { "ISO-8859-7", "\xc5\xeb\xeb\xdc\xe4\xe1", 6,
    "\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1" },
  { "WINDOWS-1251", "\xcf\xf0\xe8\xe2\xe5\xf2", 6,
    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82" },
  { "EUC-JP", "\xc6\xfc\xcb\xdc\xb8\xec", 6,
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
  { "GB18030", "\xd6\xd0\xce\xc4\x95\x32\x82\x36", 8,
    "\xe4\xb8\xad\xe6\x96\x87\xf0\xa0\x80\x80" },
  { "ISO-8859-15", "\xa4\x75\x72\x6f", 4, "\xe2\x82\xac" "uro" },
  /* invalid input: U+FFFD, and conversion goes on */
  { "UTF-8", "a\xff" "b", 3, "a\xef\xbf\xbd" "b" },
  { "UTF-8", "a\xc3", 2, "a\xef\xbf\xbd" },
  { "UTF-8", "\xed\xa0\x80x", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx" },
  { "US-ASCII", "caf\xe9", 4, "caf\xef\xbf\xbd" },
  { "US-ASCII", "caf\xc3\xa9", 5, "caf\xc3\xa9" },	/* mislabelled UTF-8 */
  { "SHIFT_JIS", "\x93\xfa\xff\x96\x7b", 5,
    "\xe6\x97\xa5\xef\xbf\xbd\xe6\x9c\xac" },
  { "SHIFT_JIS", "\x93\xfa\x96", 3, "\xe6\x97\xa5\xef\xbf\xbd" },  /* cut */
  { "EUC-KR", "\xc7", 1, "\xef\xbf\xbd" },
  { "UTF-16LE", "\x68\x00\x00\xd8\x69\x00", 6, NULL },	/* lone surrogate */
  { "ISO-2022-JP", "\x1b\x24\x42\x46", 4, NULL },	/* truncated */
};

static int valid_utf8 (const unsigned char *s, unsigned long n)
{
  while (n) {
    if (utf8_get ((unsigned char **) &s, &n) & U8G_ERROR) return 0;
  }
  return 1;
}

static void test_conversion (void)
{
  size_t i;
  for (i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++) {
    SIZEDTEXT in, out;
    long r;
    in.data = (unsigned char *) conv_cases[i].in;
    in.size = conv_cases[i].inlen;
    r = utf8_text (&in, (char *) conv_cases[i].cs, &out, 0);
    CHECK_INTEQ (r, 1);
    if (conv_cases[i].out)
      CHECK_MEMEQ (out.data, out.size, conv_cases[i].out,
		   strlen (conv_cases[i].out));
    else {			/* only require a valid UTF-8 result with U+FFFD */
      CHECK (valid_utf8 (out.data, out.size));
      CHECK (memmem (out.data, out.size, "\xef\xbf\xbd", 3) != NULL);
    }
    if (out.data != in.data) fs_give ((void **) &out.data);
  }
}

static void test_text_semantics (void)
{
  SIZEDTEXT in, out;
  char big[20000];
  size_t i;

  /* nothing to do: ret aliases text */
  in.data = (unsigned char *) "plain caf\xc3\xa9";
  in.size = strlen ((char *) in.data);
  CHECK_INTEQ (utf8_text (&in, "UTF-8", &out, 0), 1);
  CHECK (out.data == in.data);
  CHECK_INTEQ (utf8_text (&in, NULL, &out, 0), 1);
  CHECK (out.data == in.data);
  /* unknown charset: NIL, and ret is the source */
  CHECK_INTEQ (utf8_text (&in, "X-BOGUS", &out, 0), 0);
  CHECK (out.data == in.data);
  /* probing a charset without text */
  CHECK_INTEQ (utf8_text (NULL, "KOI8-R", NULL, 0), 1);
  CHECK_INTEQ (utf8_text (NULL, "X-BOGUS", NULL, 0), 0);
  /* flags */
  CHECK_INTEQ (utf8_text (&in, "UTF-8", &out, U8T_CANONICAL), 1);
  CHECK_MEMEQ (out.data, out.size, "plain cafe\xcc\x81", 12);
  fs_give ((void **) &out.data);
  in.data = (unsigned char *) "CAF\xc9";
  in.size = 4;
  CHECK_INTEQ (utf8_text (&in, "ISO-8859-1", &out, U8T_CASECANON), 1);
  CHECK_MEMEQ (out.data, out.size, "caf\xc3\xa9", 5);
  fs_give ((void **) &out.data);
  /* utf8_text_cs */
  CHECK_INTEQ (utf8_text_cs (&in, utf8_charset ("LATIN1"), &out, NIL, NIL),
	       1);
  CHECK_MEMEQ (out.data, out.size, "CAF\xc3\x89", 5);
  fs_give ((void **) &out.data);
  /* long input through iconv, with a bad byte every 1000 */
  for (i = 0; i < sizeof big; i++) big[i] = (i % 1000 == 999) ? '\x80' : 'a';
  in.data = (unsigned char *) big;
  in.size = sizeof big;
  CHECK_INTEQ (utf8_text (&in, "EUC-KR", &out, 0), 1);
  CHECK_INTEQ (out.size, sizeof big - 20 + 20 * 3);
  CHECK (out.data[out.size] == '\0');
  fs_give ((void **) &out.data);
}

/* --------------------------------------------------- UTF-8 primitives */

static void test_utf8_get (void)
{
  static const struct {
    const char *in;
    unsigned long c;
    long valid;
  } cases[] = {
    { "a", 'a', 1 }, { "\xc3\xa9", 0xe9, 2 },
    { "\xc3", U8G_ENDSTRI, -1 }, { "\xe0\x80\x80", U8G_NOTUTF8, -1 },
    { "\xed\xa0\x80", U8G_SURROGA, -1 },
    { "\xf4\x90\x80\x80", U8G_NOTUNIC, -1 }, { "\x80", U8G_BADCONT, -1 },
    { "\xc0\x80", U8G_NOTUTF8, -1 }, { "\xf0\x9f\x98\x80", 0x1f600, 4 },
    { "\xc3(", U8G_INCMPLT, -1 }, { "\xff", U8G_NOTUTF8, -1 },
    { "\xe2\x82\xac", 0x20ac, 3 },
  };
  size_t k;
  for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    unsigned char *s = (unsigned char *) cases[k].in;
    unsigned long n = strlen (cases[k].in), n0 = n;
    unsigned long c = utf8_get (&s, &n);
    CHECK_INTEQ (c, cases[k].c);
    /* UW: nothing consumed on error */
    CHECK_INTEQ (n0 - n, (c & U8G_ERROR) ? 0 : (unsigned long) cases[k].valid);
    CHECK_INTEQ (utf8_validate ((unsigned char *) cases[k].in, n0),
		 cases[k].valid);
  }
  {
    unsigned char *s = (unsigned char *) "";
    unsigned long n = 0;
    CHECK_INTEQ (utf8_get (&s, &n), U8G_ENDSTRG);
  }
}

static void test_utf8_put (void)
{
  static const unsigned long cps[] = {
    0, 0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xfffd, 0xffff, 0x10000, 0x10ffff,
  };
  unsigned char buf[8], *e, *s;
  unsigned long n, k;

  for (k = 0; k < sizeof cps / sizeof cps[0]; k++) {
    e = utf8_put (buf, cps[k]);
    CHECK_INTEQ (e - buf, utf8_size (cps[k]));
    s = buf;
    n = e - buf;
    CHECK_INTEQ (utf8_get (&s, &n), cps[k]);
  }
  e = utf8_put (buf, 0xd800);	/* surrogates and beyond become U+FFFD */
  CHECK_MEMEQ (buf, e - buf, "\xef\xbf\xbd", 3);
  e = utf8_put (buf, 0x110000);
  CHECK_MEMEQ (buf, e - buf, "\xef\xbf\xbd", 3);
  CHECK_INTEQ (utf8_size (0x110000), 3);
}

/* ---------------------------------------------- folding, decomposing */

static void test_fold (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "Hello WORLD 123", "hello world 123" },
    { "\xc3\x80\xc3\x89\xc3\x9e\xc3\x97\xc3\x9f", /* ÀÉÞ×ß */
      "\xc3\xa0\xc3\xa9\xc3\xbe\xc3\x97\xc3\x9f" },
    { "\xc5\x81\xc3\x93" "D\xc5\xb9", "\xc5\x82\xc3\xb3" "d" "\xc5\xba" },
    { "\xc5\xb8\xc4\xb0\xc5\xbf", "\xc3\xbfis" },	/* Ÿ İ ſ */
    { "\xce\x91\xce\x92\xce\xa3\xcf\x82\xce\x86", /* ΑΒΣςΆ */
      "\xce\xb1\xce\xb2\xcf\x83\xcf\x83\xce\xac" },
    { "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x81", /* ПРИЁ */
      "\xd0\xbf\xd1\x80\xd0\xb8\xd1\x91" },
    { "\xd4\xb1", "\xd5\xa1" },				/* Armenian */
    { "\xe1\xba\xa0\xe1\xba\x9e", "\xe1\xba\xa1\xc3\x9f" },
    { "\xef\xbc\xa1", "\xef\xbd\x81" },			/* fullwidth A */
    { "\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac" },
    { "A\xff" "B", "a\xef\xbf\xbd" "b" },		/* invalid byte */
    { "", "" },
  };
  size_t k;
  for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    unsigned long len;
    unsigned char *r = utf8_fold ((unsigned char *) cases[k].in,
				  strlen (cases[k].in), &len);
    CHECK_MEMEQ (r, len, cases[k].out, strlen (cases[k].out));
    CHECK_INTEQ (r[len], 0);
    fs_give ((void **) &r);
  }
}

/* The ASCII fast paths work 8 bytes at a time: every ASCII byte, at every
 * offset and length, between non-ASCII characters and invalid bytes, must
 * come out as a byte-at-a-time reference says */
static void test_fold_runs (void)
{
  static const char *const seps[] = {
    "", "\xc3\x89", "\xff", "\xe6\x97\xa5", "\xc3"	/* É, bad, 日, cut */
  };
  static const char *const seps_folded[] = {
    "", "\xc3\xa9", "\xef\xbf\xbd", "\xe6\x97\xa5", "\xef\xbf\xbd"
  };
  static const char *const seps_clean[] = {	/* not folded */
    "", "\xc3\x89", "\xef\xbf\xbd", "\xe6\x97\xa5", "\xef\xbf\xbd"
  };
  unsigned char ascii[128];
  unsigned long bad = 0, cases = 0, off, n, k, i;

  for (i = 0; i < 128; i++) ascii[i] = (unsigned char) (127 - i);
  for (k = 0; k < sizeof seps / sizeof seps[0]; k++)
    for (off = 0; off < 9; off++)
      for (n = 0; n < 40; n++) {
	struct buf in = BUF_INIT, want = BUF_INIT, wantraw = BUF_INIT;
	unsigned char *r;
	unsigned long len, j;
	SIZEDTEXT src, raw;
	/* sep, an ASCII run (some of every byte value), sep */
	buf_puts (&in, seps[k]);
	buf_puts (&want, seps_folded[k]);
	buf_puts (&wantraw, seps_clean[k]);
	for (j = 0; j < n; j++) {
	  unsigned char c = ascii[(off * 41 + j * 13) % 128];
	  buf_putc (&in, c);
	  buf_putc (&want, (c >= 'A' && c <= 'Z') ? c + 32 : c);
	  buf_putc (&wantraw, c);
	}
	buf_puts (&in, seps[k]);
	buf_puts (&want, seps_folded[k]);
	buf_puts (&wantraw, seps_clean[k]);
	r = utf8_fold ((unsigned char *) in.data, in.len, &len);
	if (len != want.len || memcmp (r, want.data, len) || r[len]) bad++;
	fs_give ((void **) &r);
	/* no folding: the same text, bad bytes replaced (utf8_all_valid
	 * decides whether there is anything to replace) */
	src.data = (unsigned char *) in.data;
	src.size = in.len;
	raw.data = NIL;
	raw.size = 0;
	if (!utf8_text (&src, "UTF-8", &raw, NIL) ||
	    raw.size != wantraw.len || memcmp (raw.data, wantraw.data, raw.size))
	  bad++;
	if (raw.data && raw.data != src.data) fs_give ((void **) &raw.data);
	cases++;
	buf_free (&in);
	buf_free (&want);
	buf_free (&wantraw);
      }
  CHECK_INTEQ (bad, 0);
  CHECK_INTEQ (cases, 5 * 9 * 40);
  {				/* all 128 ASCII values in one long run */
    unsigned char all[256 + 1];
    unsigned long len;
    unsigned char *r;
    for (i = 0; i < 256; i++) all[i] = (unsigned char) (i % 128);
    r = utf8_fold (all, 256, &len);
    for (bad = 0, i = 0; i < 256; i++)
      if (r[i] != ((i % 128 >= 'A' && i % 128 <= 'Z') ? i % 128 + 32 : i % 128))
	bad++;
    CHECK_INTEQ (len, 256);
    CHECK_INTEQ (bad, 0);
    fs_give ((void **) &r);
  }
}

static void test_decompose (void)
{
  static const struct { const char *in, *out; long flags; } cases[] = {
    { "caf\xc3\xa9", "cafe\xcc\x81", U8T_DECOMPOSE },
    { "\xc3\x85ngstr\xc3\xb6m", "A\xcc\x8angstro\xcc\x88m", U8T_DECOMPOSE },
    { "\xc3\x87\xc3\xb1\xc3\xbf", "C\xcc\xa7n\xcc\x83y\xcc\x88",
      U8T_DECOMPOSE },
    { "\xc5\xa0\xc5\x91", "S\xcc\x8co\xcc\x8b", U8T_DECOMPOSE },
    { "\xc3\x86\xc3\x98", "\xc3\x86\xc3\x98", U8T_DECOMPOSE },	/* none */
    { "\xce\x90", "\xce\xb9\xcc\x88\xcc\x81", U8T_DECOMPOSE },
    { "\xd0\x99", "\xd0\x98\xcc\x86", U8T_DECOMPOSE },
    { "\xc3\x89T\xc3\x89", "e\xcc\x81te\xcc\x81", U8T_CANONICAL },
  };
  size_t k;
  for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    SIZEDTEXT in, out;
    in.data = (unsigned char *) cases[k].in;
    in.size = strlen (cases[k].in);
    CHECK_INTEQ (utf8_text (&in, "UTF-8", &out, cases[k].flags), 1);
    CHECK_MEMEQ (out.data, out.size, cases[k].out, strlen (cases[k].out));
    if (out.data != in.data) fs_give ((void **) &out.data);
  }
}

/* ---------------------------------------------------------- RFC 2047 */

static const struct {
  const char *in;
  const char *out;
  long flags;
} m2t_cases[] = {
  { "=?ISO-8859-1?Q?caf=E9?=", "caf\xc3\xa9", 0 },
  { "=?utf-8?B?Y2Fmw6k=?= =?utf-8?Q?_x?=", "caf\xc3\xa9 x", 0 },
  { "a =?utf-8?q?b?=  c", "a b  c", 0 },
  { "=?utf-8*en?q?hi?=", "hi", 0 },
  { "=?bogus?q?hi?=", "hi", 0 },			/* unknown charset */
  { "=?bogus?q?h=FFi?=", "h\xef\xbf\xbdi", 0 },
  { "=?utf-8?q?bad_=ZZ?=", "=?utf-8?q?bad_=ZZ?=", 0 },	/* left as is */
  { "=?utf-8?q?bad=?=", "=?utf-8?q?bad=?=", 0 },
  { "=?utf-8?b?!!!?=", "=?utf-8?b?!!!?=", 0 },
  { "=?utf-8?x?hi?=", "=?utf-8?x?hi?=", 0 },
  { "=?utf-8?q?" "?=", "", 0 },
  { "=?utf-8?b?" "?=", "", 0 },
  { "=??q?hi?=", "=??q?hi?=", 0 },
  { "=?*en?q?hi?=", "=?*en?q?hi?=", 0 },
  { "=?iso-2022-jp?B?GyRCJEgbKEI=?=", "\xe3\x81\xa8", 0 },
  { "=?us-ascii?q?caf=E9?=", "caf\xef\xbf\xbd", 0 },
  { "=?utf-8?q?a?==?utf-8?q?b?=", "ab", 0 },		/* glued words */
  { "x=?utf-8?q?a?=y", "x=?utf-8?q?a?=y", 0 },		/* inside a word */
  { "(=?utf-8?q?a?=)", "(a)", 0 },
  { "=?utf-8?q?a b?=", "=?utf-8?q?a b?=", 0 },
  { "Caf\xc3\xa9 =?ISO-8859-1?Q?=C9T=C9?=", "Caf\xc3\xa9 \xc3\x89T\xc3\x89",
    0 },
  { "=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab", 0 },
  { "=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b", 0 },
  { "=?UTF-8?Q?=E2=82=AC?=", "\xe2\x82\xac", 0 },
  { "=?koi8-r?b?8NLJ18XU?=", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
    0 },
  { "=?shift_jis?B?k/qWe4zq?=", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 0 },
  { "=?gb2312?B?1tDOxA==?=", "\xe4\xb8\xad\xe6\x96\x87", 0 },
  { "=?big5?B?pKSk5Q==?=", "\xe4\xb8\xad\xe6\x96\x87", 0 },
  { "=?euc-kr?B?x9GxuQ==?=", "\xed\x95\x9c\xea\xb5\xad", 0 },
  { "=?windows-1252?Q?=80?=", "\xe2\x82\xac", 0 },
  { "=?utf-8?q?=C3?= =?utf-8?q?=A9?=", "\xef\xbf\xbd\xef\xbf\xbd", 0 },
  { "=?", "=?", 0 },
  { "=?utf-8?q?unterminated", "=?utf-8?q?unterminated", 0 },
  { "==?utf-8?q?a?=", "==?utf-8?q?a?=", 0 },
  /* flags */
  { "=?ISO-8859-1?Q?Caf=E9?=", "Cafe\xcc\x81", U8T_DECOMPOSE },
  { "=?ISO-8859-1?Q?Caf=E9?=", "cafe\xcc\x81", U8T_CANONICAL },
  { "Plain", "plain", U8T_CASECANON },
  /* PHP's imap_utf8() test: U8T_DECOMPOSE gives base letters + marks */
  { "=?UTF-8?B?w6TDtsO8?=", "a\xcc\x88o\xcc\x88u\xcc\x88", U8T_DECOMPOSE },
};

static void test_mime2text (void)
{
  size_t k;
  for (k = 0; k < sizeof m2t_cases / sizeof m2t_cases[0]; k++) {
    SIZEDTEXT src, dst;
    src.data = (unsigned char *) m2t_cases[k].in;
    src.size = strlen (m2t_cases[k].in);
    dst.data = NULL;
    dst.size = 0;
    CHECK_INTEQ (utf8_mime2text (&src, &dst, m2t_cases[k].flags), 1);
    if (!CHECK_MEMEQ (dst.data, dst.size, m2t_cases[k].out,
		      strlen (m2t_cases[k].out)))
      printf ("  case %zu\n", k);
    if (dst.data != src.data) {
      CHECK_INTEQ (dst.data[dst.size], 0);
      fs_give ((void **) &dst.data);
    }
  }
}

static void test_mime2text_aliasing (void)
{
  SIZEDTEXT src, dst;
  src.data = (unsigned char *) "no words here";
  src.size = 13;
  CHECK_INTEQ (utf8_mime2text (&src, &dst, 0), 1);
  CHECK (dst.data == src.data);
  CHECK_INTEQ (dst.size, 13);
}

static void test_mime2text_long (void)
{
  struct buf b = BUF_INIT;
  SIZEDTEXT src, dst;
  unsigned long i, n = LIM_ENCODED_WORDS + 50;

  /* more words than the limit: the first LIM_ENCODED_WORDS are decoded
   * (adjacent, so the blanks go), the rest stays as it was */
  for (i = 0; i < n; i++) buf_puts (&b, "=?utf-8?q?ab?= ");
  src.data = (unsigned char *) b.data;
  src.size = b.len;
  CHECK_INTEQ (utf8_mime2text (&src, &dst, 0), 1);
  CHECK_INTEQ (dst.size, 2 * LIM_ENCODED_WORDS + 1 + 50 * 15);
  fs_give ((void **) &dst.data);
  buf_reset (&b);
  /* hostile: many "=?" that never close, must stay linear and unchanged */
  for (i = 0; i < 100000; i++) buf_puts (&b, "=?a?q?");
  src.data = (unsigned char *) b.data;
  src.size = b.len;
  CHECK_INTEQ (utf8_mime2text (&src, &dst, 0), 1);
  CHECK (dst.data == src.data);
  /* charset names: LIM_CHARSET_NAME bytes is a word, one more is not */
  {
    size_t k;
    for (k = LIM_CHARSET_NAME; k <= LIM_CHARSET_NAME + 1; k++) {
      buf_reset (&b);
      buf_puts (&b, "=?");
      for (i = 0; i < k; i++) buf_putc (&b, 'x');
      buf_puts (&b, "?q?hi?=");
      src.data = (unsigned char *) b.data;
      src.size = b.len;
      CHECK_INTEQ (utf8_mime2text (&src, &dst, 0), 1);
      if (k == LIM_CHARSET_NAME) {
	CHECK_MEMEQ (dst.data, dst.size, "hi", 2);
	if (dst.data != src.data) fs_give ((void **) &dst.data);
      }
      else CHECK (dst.data == src.data);
    }
  }
  /* one huge word */
  buf_reset (&b);
  buf_puts (&b, "=?utf-8?q?");
  for (i = 0; i < 100000; i++) buf_puts (&b, "=41");
  buf_puts (&b, "?=");
  src.data = (unsigned char *) b.data;
  src.size = b.len;
  CHECK_INTEQ (utf8_mime2text (&src, &dst, 0), 1);
  CHECK_INTEQ (dst.size, 100000);
  CHECK (dst.data[0] == 'A' && dst.data[99999] == 'A');
  fs_give ((void **) &dst.data);
  buf_free (&b);
}

int main (void)
{
  test_names ();
  test_conversion ();
  test_text_semantics ();
  test_utf8_get ();
  test_utf8_put ();
  test_fold ();
  test_fold_runs ();
  test_decompose ();
  test_mime2text ();
  test_mime2text_aliasing ();
  test_mime2text_long ();
  return unit_done ();
}

/*
 * Character sets: names, conversion to UTF-8 (through glibc iconv), UTF-8
 * primitives, and the case folding / decomposition used for searching.
 *
 * Conversion never fails midway: a byte sequence that is invalid in the
 * declared charset becomes U+FFFD and conversion continues.
 *
 * Folding (U8T_CASECANON, utf8_fold) maps to LOWER case, code point by
 * code point, for ASCII, Latin-1, Latin Extended-A and Additional, Greek,
 * Cyrillic, Armenian and fullwidth Latin; other scripts are left alone.
 * (UW folds to title case; both sides of a comparison go through the same
 * function, so only the direction differs.)  Decomposition (U8T_DECOMPOSE)
 * splits precomposed Latin-1, Latin Extended-A, Greek tonos/dialytika and
 * Cyrillic short i / io into base letter plus combining mark(s).  Both are
 * table-driven and do not depend on setlocale().
 */

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include "internal.h"
#include "mime-int.h"

/* ------------------------------------------------------------- the table */

struct cs_entry {
  CHARSET cs;			/* first: a CHARSET * points at the entry */
  const char *iconv;		/* name glibc iconv knows, NIL = UTF-8 */
  iconv_t cd;			/* opened on first use, kept */
  int opened;
};

#define CS(name, type, iconvname) \
  { { name, type, 0, NIL, NIL }, iconvname, (iconv_t) -1, 0 }

/* Canonical names first, then common aliases (UW lists aliases as entries
 * of their own too, and returns the entry matching the name asked for). */
static struct cs_entry cs_table[] = {
  CS ("US-ASCII", CT_ASCII, NIL),
  CS ("UTF-8", CT_UTF8, NIL),
  CS ("UTF-7", CT_UTF7, "UTF-7"),
  CS ("ISO-8859-1", CT_1BYTE0, "ISO-8859-1"),
  CS ("ISO-8859-2", CT_1BYTE, "ISO-8859-2"),
  CS ("ISO-8859-3", CT_1BYTE, "ISO-8859-3"),
  CS ("ISO-8859-4", CT_1BYTE, "ISO-8859-4"),
  CS ("ISO-8859-5", CT_1BYTE, "ISO-8859-5"),
  CS ("ISO-8859-6", CT_1BYTE, "ISO-8859-6"),
  CS ("ISO-8859-7", CT_1BYTE, "ISO-8859-7"),
  CS ("ISO-8859-8", CT_1BYTE, "ISO-8859-8"),
  CS ("ISO-8859-9", CT_1BYTE, "ISO-8859-9"),
  CS ("ISO-8859-10", CT_1BYTE, "ISO-8859-10"),
  CS ("ISO-8859-11", CT_1BYTE, "ISO-8859-11"),
  CS ("ISO-8859-13", CT_1BYTE, "ISO-8859-13"),
  CS ("ISO-8859-14", CT_1BYTE, "ISO-8859-14"),
  CS ("ISO-8859-15", CT_1BYTE, "ISO-8859-15"),
  CS ("ISO-8859-16", CT_1BYTE, "ISO-8859-16"),
  CS ("KOI8-R", CT_1BYTE, "KOI8-R"),
  CS ("KOI8-U", CT_1BYTE, "KOI8-U"),
  CS ("KOI8-RU", CT_1BYTE, "KOI8-RU"),
  CS ("TIS-620", CT_1BYTE, "TIS-620"),
  CS ("VISCII", CT_1BYTE8, "VISCII"),
  CS ("GBK", CT_DBYTE, "GBK"),
  CS ("GB2312", CT_DBYTE, "GBK"),	/* GBK is a superset; mislabels abound */
  CS ("GB18030", CT_DBYTE, "GB18030"),
  CS ("CN-GB", CT_DBYTE, "GBK"),
  CS ("ISO-2022-CN", CT_2022, "ISO-2022-CN"),
  CS ("BIG5", CT_DBYTE2, "BIG5-HKSCS"),	/* superset of BIG5 */
  CS ("BIG5-HKSCS", CT_DBYTE2, "BIG5-HKSCS"),
  CS ("CN-BIG5", CT_DBYTE2, "BIG5-HKSCS"),
  CS ("BIG-5", CT_DBYTE2, "BIG5-HKSCS"),
  CS ("ISO-2022-JP", CT_2022, "ISO-2022-JP-2"),
  CS ("ISO-2022-JP-1", CT_2022, "ISO-2022-JP-2"),
  CS ("ISO-2022-JP-2", CT_2022, "ISO-2022-JP-2"),
  CS ("EUC-JP", CT_EUC, "EUC-JP-MS"),
  CS ("SHIFT_JIS", CT_DBYTE, "CP932"),	/* real-world Shift_JIS is CP932 */
  CS ("SHIFT-JIS", CT_DBYTE, "CP932"),
  CS ("SJIS", CT_DBYTE, "CP932"),
  CS ("X-SJIS", CT_DBYTE, "CP932"),
  CS ("CP932", CT_DBYTE, "CP932"),
  CS ("WINDOWS-31J", CT_DBYTE, "CP932"),
  CS ("ISO-2022-KR", CT_2022, "ISO-2022-KR"),
  CS ("EUC-KR", CT_DBYTE, "CP949"),	/* UHC is a superset of EUC-KR */
  CS ("KSC5601", CT_DBYTE, "CP949"),
  CS ("KSC_5601", CT_DBYTE, "CP949"),
  CS ("KS_C_5601-1987", CT_DBYTE, "CP949"),
  CS ("KS_C_5601-1989", CT_DBYTE, "CP949"),
  CS ("WINDOWS-874", CT_1BYTE, "CP874"),
  CS ("CP874", CT_1BYTE, "CP874"),
  CS ("WINDOWS-936", CT_DBYTE, "GBK"),
  CS ("CP936", CT_DBYTE, "GBK"),
  CS ("WINDOWS-949", CT_DBYTE, "CP949"),
  CS ("CP949", CT_DBYTE, "CP949"),
  CS ("WINDOWS-1250", CT_1BYTE, "CP1250"),
  CS ("CP1250", CT_1BYTE, "CP1250"),
  CS ("WINDOWS-1251", CT_1BYTE, "CP1251"),
  CS ("CP1251", CT_1BYTE, "CP1251"),
  CS ("WINDOWS-1252", CT_1BYTE, "CP1252"),
  CS ("CP1252", CT_1BYTE, "CP1252"),
  CS ("WINDOWS-1253", CT_1BYTE, "CP1253"),
  CS ("CP1253", CT_1BYTE, "CP1253"),
  CS ("WINDOWS-1254", CT_1BYTE, "CP1254"),
  CS ("CP1254", CT_1BYTE, "CP1254"),
  CS ("WINDOWS-1255", CT_1BYTE, "CP1255"),
  CS ("CP1255", CT_1BYTE, "CP1255"),
  CS ("WINDOWS-1256", CT_1BYTE, "CP1256"),
  CS ("CP1256", CT_1BYTE, "CP1256"),
  CS ("WINDOWS-1257", CT_1BYTE, "CP1257"),
  CS ("CP1257", CT_1BYTE, "CP1257"),
  CS ("WINDOWS-1258", CT_1BYTE, "CP1258"),
  CS ("CP1258", CT_1BYTE, "CP1258"),
  CS ("IBM437", CT_1BYTE, "IBM437"),
  CS ("IBM850", CT_1BYTE, "IBM850"),
  CS ("IBM852", CT_1BYTE, "IBM852"),
  CS ("IBM855", CT_1BYTE, "IBM855"),
  CS ("IBM857", CT_1BYTE, "IBM857"),
  CS ("IBM862", CT_1BYTE, "IBM862"),
  CS ("IBM864", CT_1BYTE, "IBM864"),
  CS ("IBM866", CT_1BYTE, "IBM866"),
  CS ("CP866", CT_1BYTE, "IBM866"),
  CS ("UTF-16", CT_UTF16, "UTF-16"),
  CS ("UTF-16BE", CT_UTF16, "UTF-16BE"),
  CS ("UTF-16LE", CT_UTF16, "UTF-16LE"),
  CS ("UTF-32", CT_UCS4, "UTF-32"),
  CS ("UTF-32BE", CT_UCS4, "UTF-32BE"),
  CS ("UTF-32LE", CT_UCS4, "UTF-32LE"),
  CS ("UCS-2", CT_UCS2, "UCS-2BE"),
  CS ("UCS-4", CT_UCS4, "UTF-32BE"),	/* glibc UCS-4 passes non-Unicode */
  CS ("UNICODE-1-1-UTF-7", CT_UTF7, "UTF-7"),
  CS ("ANSI_X3.4-1968", CT_ASCII, NIL),
  CS ("ASCII", CT_ASCII, NIL),
  CS ("IBM367", CT_ASCII, NIL),
  CS ("UTF8", CT_UTF8, NIL),
  CS ("LATIN1", CT_1BYTE0, "ISO-8859-1"),
  CS ("ISO8859-1", CT_1BYTE0, "ISO-8859-1"),
  CS ("ISO_8859-1", CT_1BYTE0, "ISO-8859-1"),
  CS ("ISO-8859-8-I", CT_1BYTE, "ISO-8859-8"),
  CS ("EUC-CN", CT_DBYTE, "GBK"),
  CS ("X-EUC-JP", CT_EUC, "EUC-JP-MS"),
};

#define CS_COUNT (sizeof cs_table / sizeof cs_table[0])

static struct cs_entry *cs_entry_of (const CHARSET *cs)
{
  const struct cs_entry *e = (const struct cs_entry *) cs;
  if (e < cs_table || e >= cs_table + CS_COUNT) return NIL;
  return (struct cs_entry *) e;
}

const CHARSET *utf8_charset (char *charset)
{
  size_t i;
  if (!charset || !*charset) return NIL;
  for (i = 0; i < CS_COUNT; i++)
    if (!compare_cstring ((unsigned char *) charset,
			  (unsigned char *) cs_table[i].cs.name))
      return &cs_table[i].cs;
  return NIL;
}

char *utf8_badcharset (char *charset)
{
  struct buf b = BUF_INIT;
  size_t i;

  buf_puts (&b, "[BADCHARSET (");
  for (i = 0; i < CS_COUNT; i++) {
    if (i) buf_putc (&b, ' ');
    buf_puts (&b, cs_table[i].cs.name);
  }
  buf_printf (&b, ")] Unknown charset: %s", charset ? charset : "");
  return buf_detach (&b);
}

/* ------------------------------------------------------ UTF-8 primitives */

unsigned long utf8_size (unsigned long c)
{
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c < 0x10000 || c > 0x10ffff) return 3;	/* bad ones become U+FFFD */
  return 4;
}

unsigned char *utf8_put (unsigned char *s, unsigned long c)
{
  if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) c = UBOGON;
  if (c < 0x80) *s++ = (unsigned char) c;
  else if (c < 0x800) {
    *s++ = (unsigned char) (0xc0 | (c >> 6));
    *s++ = (unsigned char) (0x80 | (c & 0x3f));
  }
  else if (c < 0x10000) {
    *s++ = (unsigned char) (0xe0 | (c >> 12));
    *s++ = (unsigned char) (0x80 | ((c >> 6) & 0x3f));
    *s++ = (unsigned char) (0x80 | (c & 0x3f));
  }
  else {
    *s++ = (unsigned char) (0xf0 | (c >> 18));
    *s++ = (unsigned char) (0x80 | ((c >> 12) & 0x3f));
    *s++ = (unsigned char) (0x80 | ((c >> 6) & 0x3f));
    *s++ = (unsigned char) (0x80 | (c & 0x3f));
  }
  return s;
}

/* Decode one character without the Unicode range checks; on success sets
 * *used.  Overlong forms are errors (U8G_NOTUTF8). */
static unsigned long utf8_raw (const unsigned char *s, unsigned long i,
			       unsigned long *used)
{
  unsigned long c, min;
  unsigned int n, k;

  if (!i) return U8G_ENDSTRG;
  c = s[0];
  if (c < 0x80) {
    *used = 1;
    return c;
  }
  if (c < 0xc0) return U8G_BADCONT;
  if (c < 0xe0) n = 1, c &= 0x1f, min = 0x80;
  else if (c < 0xf0) n = 2, c &= 0x0f, min = 0x800;
  else if (c < 0xf8) n = 3, c &= 0x07, min = 0x10000;
  else return U8G_NOTUTF8;
  for (k = 1; k <= n; k++) {
    if (k >= i) return U8G_ENDSTRI;
    if ((s[k] & 0xc0) != 0x80) return U8G_INCMPLT;
    c = (c << 6) | (s[k] & 0x3f);
  }
  if (c < min) return U8G_NOTUTF8;
  *used = n + 1;
  return c;
}

/* UW semantics: on error *s and *i are left unchanged */
unsigned long utf8_get (unsigned char **s, unsigned long *i)
{
  unsigned long used = 0;
  unsigned long c = utf8_raw (*s, *i, &used);
  if (c & U8G_ERROR) return c;
  if (c >= 0xd800 && c <= 0xdfff) return U8G_SURROGA;
  if (c > 0x10ffff) return U8G_NOTUNIC;
  *s += used;
  *i -= used;
  return c;
}

/* Length of the valid UTF-8 character at s, or -1 */
long utf8_validate (unsigned char *s, unsigned long i)
{
  unsigned char *t = s;
  unsigned long c = utf8_get (&t, &i);
  return (c & U8G_ERROR) ? -1 : (long) (t - s);
}

/* Mail is mostly ASCII: these look at 8 bytes at a time (SWAR) */
#define ASCII_HI 0x8080808080808080ULL
#define ASCII_ONES 0x0101010101010101ULL

/* Length of the ASCII prefix of s[0..len) */
static unsigned long ascii_prefix (const unsigned char *s, unsigned long len)
{
  unsigned long i = 0;
  uint64_t w;

  for (; i + 8 <= len; i += 8) {
    memcpy (&w, s + i, 8);
    if (w & ASCII_HI) break;
  }
  while (i < len && s[i] < 0x80) i++;
  return i;
}

/* Lower-case 8 ASCII bytes: a byte's high bit in ge_a is set when it is
 * >= 'A', in gt_z when it is > 'Z' (no carries: every byte is < 0x80) */
static uint64_t ascii_lower8 (uint64_t w)
{
  uint64_t ge_a = w + ASCII_ONES * (0x80 - 'A');
  uint64_t gt_z = w + ASCII_ONES * (0x80 - 'Z' - 1);
  return w | (((ge_a & ~gt_z) & ASCII_HI) >> 2);	/* 0x80 >> 2 = 0x20 */
}

/* Next code point, or U+FFFD consuming one byte for anything invalid */
static unsigned long utf8_next_lenient (const unsigned char **s,
					unsigned long *i)
{
  unsigned char *t = (unsigned char *) *s;
  unsigned long c = utf8_get (&t, i);
  if (c & U8G_ERROR) {
    (*s)++;
    (*i)--;
    return UBOGON;
  }
  *s = t;
  return c;
}

static int utf8_all_valid (const unsigned char *s, unsigned long i)
{
  while (i) {
    if (*s < 0x80) {
      unsigned long n = ascii_prefix (s, i);
      s += n, i -= n;
    }
    else {
      unsigned char *t = (unsigned char *) s;
      if (utf8_get (&t, &i) & U8G_ERROR) return 0;
      s = t;
    }
  }
  return 1;
}

/* -------------------------------------------------- folding & decomposing */

static unsigned long fold_lower (unsigned long c)
{
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c < 0x100) {
    if (c >= 0xc0 && c <= 0xde && c != 0xd7) return c + 32;
    if (c == 0xb5) return 0x3bc;			/* micro sign */
    return c;
  }
  if (c < 0x180) {
    if (c == 0x130) return 'i';
    if (c == 0x178) return 0xff;
    if (c == 0x17f) return 's';
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
      return (c & 1) ? c + 1 : c;
    if (c == 0x131 || c == 0x138 || c == 0x149) return c;
    return (c & 1) ? c : c + 1;
  }
  if (c >= 0x370 && c < 0x400) {			/* Greek */
    if (c == 0x386) return 0x3ac;
    if (c >= 0x388 && c <= 0x38a) return c + 37;
    if (c == 0x38c) return 0x3cc;
    if (c == 0x38e || c == 0x38f) return c + 63;
    if ((c >= 0x391 && c <= 0x3a1) || (c >= 0x3a3 && c <= 0x3ab))
      return c + 32;
    if (c == 0x3c2) return 0x3c3;			/* final sigma */
    if ((c >= 0x3d8 && c <= 0x3ef) || c == 0x370 || c == 0x372 || c == 0x376)
      return (c & 1) ? c : c + 1;			/* archaic letters */
    return c;
  }
  if (c >= 0x400 && c < 0x530) {			/* Cyrillic */
    if (c < 0x410) return c + 0x50;
    if (c < 0x430) return c + 0x20;
    if (c < 0x460) return c;
    if (c == 0x4c0) return 0x4cf;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) ||
	(c >= 0x4d0 && c <= 0x52f))
      return (c & 1) ? c : c + 1;
    if (c >= 0x4c1 && c <= 0x4ce) return (c & 1) ? c + 1 : c;
    return c;
  }
  if (c >= 0x531 && c <= 0x556) return c + 0x30;	/* Armenian */
  if (c >= 0x1e00 && c <= 0x1eff) {			/* Latin Additional */
    if (c == 0x1e9e) return 0xdf;
    if (c >= 0x1e96 && c <= 0x1e9f) return c;
    return (c & 1) ? c : c + 1;
  }
  if (c >= 0xff21 && c <= 0xff3a) return c + 32;	/* fullwidth */
  return c;
}

/* Combining marks by letter code, for the decomposition table */
static unsigned long mark_of (char m)
{
  switch (m) {
  case 'g': return 0x300;	/* grave */
  case 'a': return 0x301;	/* acute */
  case 'c': return 0x302;	/* circumflex */
  case 't': return 0x303;	/* tilde */
  case 'm': return 0x304;	/* macron */
  case 'b': return 0x306;	/* breve */
  case 'd': return 0x307;	/* dot above */
  case 'u': return 0x308;	/* diaeresis */
  case 'r': return 0x30a;	/* ring */
  case 'h': return 0x30b;	/* double acute */
  case 'v': return 0x30c;	/* caron */
  case 'l': return 0x327;	/* cedilla */
  case 'o': return 0x328;	/* ogonek */
  default: return 0;
  }
}

/* U+00C0..U+017F: base letter and mark code per code point ("  " = none).
 * Checked against Unicode's canonical decompositions. */
static const char decomp_latin[] =
  "AgAaAcAtAuAr  ClEgEaEcEuIgIaIcIu  NtOgOaOcOtOu    UgUaUcUuYa    "
  "agaaacatauar  clegeaeceuigiaiciu  ntogoaocotou    uguaucuuya  yu"
  "AmamAbabAoaoCacaCcccCdcdCvcvDvdv    EmemEbebEdedEoeoEvevGcgcGbgb"
  "GdgdGlglHchc    ItitImimIbibIoioId      JcjcKlkl  LalaLlllLvlv  "
  "      NanaNlnlNvnv      OmomObobOhoh    RaraRlrlRvrvSasaScscSlsl"
  "SvsvTltlTvtv    UtutUmumUbubUrurUhuhUouoWcwcYcycYuZazaZdzdZvzv  ";

static const struct { unsigned short c, base, m1, m2; } decomp_other[] = {
  { 0x386, 0x391, 0x301, 0 }, { 0x388, 0x395, 0x301, 0 },
  { 0x389, 0x397, 0x301, 0 }, { 0x38a, 0x399, 0x301, 0 },
  { 0x38c, 0x39f, 0x301, 0 }, { 0x38e, 0x3a5, 0x301, 0 },
  { 0x38f, 0x3a9, 0x301, 0 }, { 0x390, 0x3b9, 0x308, 0x301 },
  { 0x3aa, 0x399, 0x308, 0 }, { 0x3ab, 0x3a5, 0x308, 0 },
  { 0x3ac, 0x3b1, 0x301, 0 }, { 0x3ad, 0x3b5, 0x301, 0 },
  { 0x3ae, 0x3b7, 0x301, 0 }, { 0x3af, 0x3b9, 0x301, 0 },
  { 0x3b0, 0x3c5, 0x308, 0x301 }, { 0x3ca, 0x3b9, 0x308, 0 },
  { 0x3cb, 0x3c5, 0x308, 0 }, { 0x3cc, 0x3bf, 0x301, 0 },
  { 0x3cd, 0x3c5, 0x301, 0 }, { 0x3ce, 0x3c9, 0x301, 0 },
  { 0x401, 0x415, 0x308, 0 }, { 0x419, 0x418, 0x306, 0 },
  { 0x439, 0x438, 0x306, 0 }, { 0x451, 0x435, 0x308, 0 },
};

/* Decompose c into out[] (at most 3 code points); returns the count */
static int decompose (unsigned long c, unsigned long *out)
{
  size_t k;
  if (c >= 0xc0 && c < 0x180) {
    const char *e = decomp_latin + 2 * (c - 0xc0);
    if (e[0] != ' ') {
      out[0] = (unsigned char) e[0];
      out[1] = mark_of (e[1]);
      return 2;
    }
  }
  else if (c >= 0x386 && c <= 0x451)
    for (k = 0; k < sizeof decomp_other / sizeof decomp_other[0]; k++)
      if (decomp_other[k].c == c) {
	out[0] = decomp_other[k].base;
	out[1] = decomp_other[k].m1;
	if (!decomp_other[k].m2) return 2;
	out[2] = decomp_other[k].m2;
	return 3;
      }
  out[0] = c;
  return 1;
}

/* Append the run of ASCII bytes at the start of s[0..len) to b, lower-cased
 * when fold; returns its length.  A byte at a time through buf_putc was
 * most of the cost of SEARCH BODY. */
static unsigned long canon_ascii_run (const unsigned char *s,
				      unsigned long len, int fold,
				      struct buf *b)
{
  unsigned long i = 0;
  unsigned char *d;
  uint64_t w;

  buf_reserve (b, len);		/* the run is at most len bytes */
  d = (unsigned char *) b->data + b->len;
  for (; i + 8 <= len; i += 8) {
    memcpy (&w, s + i, 8);
    if (w & ASCII_HI) break;
    if (fold) w = ascii_lower8 (w);
    memcpy (d + i, &w, 8);
  }
  for (; i < len && s[i] < 0x80; i++)
    d[i] = (fold && s[i] >= 'A' && s[i] <= 'Z') ? s[i] + ('a' - 'A') : s[i];
  b->len += i;
  b->data[b->len] = '\0';
  return i;
}

void charset_canon (const unsigned char *s, unsigned long len, long flags,
		    SIZEDTEXT *out)
{
  struct buf b = BUF_INIT;
  unsigned char tmp[4 * 4];

  buf_reserve (&b, len + len / 2 + 1);
  while (len) {
    unsigned long c, cp[3];
    int n, k;
    unsigned char *e = tmp;
    if (*s < 0x80) {		/* fast path: a whole ASCII run */
      unsigned long run = canon_ascii_run (s, len, flags & U8T_CASECANON,
					   &b);
      s += run, len -= run;
      continue;
    }
    c = utf8_next_lenient (&s, &len);
    n = (flags & U8T_DECOMPOSE) ? decompose (c, cp) : (cp[0] = c, 1);
    for (k = 0; k < n; k++)
      e = utf8_put (e, (flags & U8T_CASECANON) ? fold_lower (cp[k]) : cp[k]);
    buf_append (&b, tmp, e - tmp);
  }
  buf_append (&b, "", 0);	/* NUL-terminate even when empty */
  out->size = b.len;
  out->data = (unsigned char *) buf_detach (&b);
}

unsigned char *utf8_fold (unsigned char *s, unsigned long len,
			  unsigned long *outlen)
{
  SIZEDTEXT t;
  charset_canon (s, len, U8T_CASECANON, &t);
  if (outlen) *outlen = t.size;
  return t.data;
}

/* ------------------------------------------------------------ conversion */

/* Copy UTF-8, replacing each invalid byte with U+FFFD */
static void utf8_clean (const unsigned char *s, unsigned long len,
			SIZEDTEXT *out)
{
  charset_canon (s, len, 0, out);
}

static int iconv_convert (struct cs_entry *e, const unsigned char *s,
			  unsigned long len, SIZEDTEXT *out)
{
  struct buf b = BUF_INIT;
  char *in = (char *) s;
  size_t inleft = len;
  static const char bogon[] = "\xef\xbf\xbd";

  if (!e->opened) {
    e->opened = 1;
    e->cd = iconv_open ("UTF-8", e->iconv);
    if (e->cd == (iconv_t) -1)
      mail_log (NIL, WARN, "iconv cannot convert from %s (%s)", e->iconv,
		strerror (errno));
  }
  if (e->cd == (iconv_t) -1) return -1;
  iconv (e->cd, NIL, NIL, NIL, NIL);	/* reset shift state */
  buf_reserve (&b, len * 2 + 16);
  while (inleft) {
    char *o = b.data + b.len;
    size_t oleft = b.cap - b.len - 1, r;
    r = iconv (e->cd, &in, &inleft, &o, &oleft);
    b.len = o - b.data;
    if (r != (size_t) -1) break;
    if (errno == E2BIG) buf_reserve (&b, b.cap);
    else if (errno == EILSEQ) {	/* bad unit: mark it and go on */
      /* skip a whole code unit, so UTF-16/32 stay aligned */
      size_t w = e->cs.type == CT_UCS4 ? 4 :
	(e->cs.type == CT_UCS2 || e->cs.type == CT_UTF16) ? 2 : 1;
      if (w > inleft) w = inleft;
      buf_append (&b, bogon, 3);
      in += w, inleft -= w;
    }
    else {			/* EINVAL: truncated sequence at the end */
      buf_append (&b, bogon, 3);
      inleft = 0;
    }
  }
  /* flush any pending state (stateful encodings) */
  for (;;) {
    char *o = b.data + b.len;
    size_t oleft = b.cap - b.len - 1;
    size_t r = iconv (e->cd, NIL, NIL, &o, &oleft);
    b.len = o - b.data;
    if (r == (size_t) -1 && errno == E2BIG) buf_reserve (&b, 16);
    else break;
  }
  b.data[b.len] = '\0';
  /* glibc's UCS-4 (and perhaps other converters) emit values beyond
   * U+10FFFF as 5- and 6-byte sequences: what we return must be UTF-8 */
  if (!utf8_all_valid ((unsigned char *) b.data, b.len)) {
    utf8_clean ((unsigned char *) b.data, b.len, out);
    buf_free (&b);
    return 0;
  }
  out->size = b.len;
  out->data = (unsigned char *) buf_detach (&b);
  return 0;
}

/* Convert to UTF-8 (always a fresh copy); 0 or -1 if unknown charset */
static int cs_convert (struct cs_entry *e, const unsigned char *s,
		       unsigned long len, SIZEDTEXT *out)
{
  /* RFC 2781: UTF-16 without a byte order mark is big endian (glibc
   * would take the host's order) */
  if (e->cs.type == CT_UTF16 && !strcmp (e->iconv, "UTF-16") &&
      !(len >= 2 && ((s[0] == 0xfe && s[1] == 0xff) ||
		     (s[0] == 0xff && s[1] == 0xfe))))
    e = cs_entry_of (utf8_charset ("UTF-16BE"));
  if (e->cs.type == CT_UCS4 && !strcmp (e->iconv, "UTF-32") &&
      !(len >= 4 && ((!s[0] && !s[1] && s[2] == 0xfe && s[3] == 0xff) ||
		     (s[0] == 0xff && s[1] == 0xfe && !s[2] && !s[3]))))
    e = cs_entry_of (utf8_charset ("UTF-32BE"));
  if (e->iconv) return iconv_convert (e, s, len, out);
  /* US-ASCII or UTF-8: 8-bit bytes in "US-ASCII" that form valid UTF-8 are
   * taken as UTF-8 (common mislabelling); other bad bytes become U+FFFD */
  utf8_clean (s, len, out);
  return 0;
}

int charset_to_utf8 (const unsigned char *s, unsigned long len,
		     const char *charset, SIZEDTEXT *out)
{
  const CHARSET *cs = utf8_charset ((char *) charset);
  struct cs_entry *e = cs ? cs_entry_of (cs) : NIL;
  if (!e) return -1;
  return cs_convert (e, s, len, out);
}

/*
 * cv and de are UW's case-canonicalisation and decomposition callbacks;
 * here any non-NIL value just turns the corresponding step on (we do not
 * provide UW's ucs4_* functions, so a caller cannot pass other ones).
 */
long utf8_text_cs (SIZEDTEXT *text, const CHARSET *cs, SIZEDTEXT *ret,
		   void *cv, void *de)
{
  struct cs_entry *e = cs ? cs_entry_of (cs) : NIL;
  long flags = (cv ? U8T_CASECANON : 0) | (de ? U8T_DECOMPOSE : 0);
  SIZEDTEXT tmp;

  if (!text || !ret) return e ? LONGT : NIL;
  if (!e) {			/* unknown: hand back the source */
    ret->data = text->data;
    ret->size = text->size;
    return NIL;
  }
  if (!e->iconv && !flags && utf8_all_valid (text->data, text->size)) {
    ret->data = text->data;	/* nothing to do */
    ret->size = text->size;
    return LONGT;
  }
  if (cs_convert (e, text->data, text->size, &tmp) < 0) {
    ret->data = text->data;
    ret->size = text->size;
    return NIL;
  }
  if (flags) {
    charset_canon (tmp.data, tmp.size, flags, ret);
    fs_give ((void **) &tmp.data);
  }
  else *ret = tmp;
  return LONGT;
}

/* NIL or empty charset means the text is taken as it is (UTF-8/ASCII) */
long utf8_text (SIZEDTEXT *text, char *charset, SIZEDTEXT *ret, long flags)
{
  const CHARSET *cs;
  void *cv = (flags & U8T_CASECANON) ? VOIDT : NIL;
  void *de = (flags & U8T_DECOMPOSE) ? VOIDT : NIL;

  if (!charset || !*charset) {
    if (!text || !ret) return LONGT;
    if (flags & (U8T_CASECANON | U8T_DECOMPOSE))
      charset_canon (text->data, text->size, flags, ret);
    else {
      ret->data = text->data;
      ret->size = text->size;
    }
    return LONGT;
  }
  cs = utf8_charset (charset);
  if (!cs) {
    if (ret && text) {
      ret->data = text->data;
      ret->size = text->size;
    }
    return NIL;
  }
  return utf8_text_cs (text, cs, ret, cv, de);
}

/*
 * Content-transfer-encodings (RFC 2045 section 6): base64 and
 * quoted-printable, both directions.  Results come from fs_get, are
 * NUL-terminated and their length is returned through *len.
 *
 * Decoders follow UW c-client's observable behaviour (so applications see
 * the same bytes), except where UW contradicts RFC 2045; those places say so.
 */

#include <string.h>
#include "internal.h"
#include "mime-int.h"

/* ---------------------------------------------------------------- base64 */

static const char b64_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63 for alphabet, B64_PAD for '=', B64_SKIP for whitespace, B64_BAD */
#define B64_PAD 64
#define B64_SKIP 65
#define B64_BAD 66

static unsigned char b64_class (unsigned char c)
{
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  switch (c) {
  case '+': return 62;
  case '/': return 63;
  case '=': return B64_PAD;
  case ' ': case '\t': case '\r': case '\n': case '\f': case '\v':
    return B64_SKIP;
  default: return B64_BAD;
  }
}

/*
 * Decode base64.  Whitespace is skipped anywhere.  Missing final padding is
 * tolerated (as UW does).  A character outside the alphabet before the end
 * of data, or padding in an impossible place ("x===", "xx=" then end, a
 * lone "="), makes the whole decode fail with NIL: a caller showing a
 * partial attachment as if complete would be worse.  Data after correct
 * padding is ignored with a PARSE log, as UW does.
 */
void *rfc822_base64 (unsigned char *src, unsigned long srcl,
		     unsigned long *len)
{
  unsigned char *ret, *d;
  unsigned long i;
  unsigned int acc = 0, n = 0, pads = 0;
  int done = 0;

  if (len) *len = 0;
  /* 3 bytes per 4 characters, rounded up, plus NUL */
  ret = d = (unsigned char *) fs_get ((size_t) (srcl / 4) * 3 + 4);
  for (i = 0; i < srcl && !done; i++) {
    unsigned char k = b64_class (src[i]);
    if (k == B64_SKIP) continue;
    if (k == B64_BAD || (k == B64_PAD && n < 2) || (k != B64_PAD && pads)) {
      fs_give ((void **) &ret);	/* bad character or misplaced padding */
      return NIL;
    }
    if (k == B64_PAD) {		/* "xx==" or "xxx=" end the data */
      if (n + ++pads == 4) {
	for (i++; i < srcl && b64_class (src[i]) == B64_SKIP; i++);
	if (i < srcl)
	  mail_log (NIL, PARSE, "Possible data truncation in rfc822_base64():"
		    " %lu bytes after base64 padding ignored", srcl - i);
	done = 1;
      }
      continue;
    }
    acc = (acc << 6) | k;
    if (++n == 4) {
      *d++ = (unsigned char) (acc >> 16);
      *d++ = (unsigned char) (acc >> 8);
      *d++ = (unsigned char) acc;
      acc = 0;
      n = 0;
    }
  }
  if (pads && !done) {		/* "xx=" then end: padding cut short */
    fs_give ((void **) &ret);
    return NIL;
  }
  if (n >= 2) {			/* padded or unpadded tail */
    acc <<= 6 * (4 - n);
    *d++ = (unsigned char) (acc >> 16);
    if (n == 3) *d++ = (unsigned char) (acc >> 8);
  }
  /* n == 1: six stray bits carry no byte; dropped as UW does */
  *d = '\0';
  if (len) *len = d - ret;
  return ret;
}

/*
 * Encode base64 in lines of 60 characters, each ended by CRLF, the last
 * one too (UW's layout, which applications and tests compare against).
 */
unsigned char *rfc822_binary (void *src, unsigned long srcl,
			      unsigned long *len)
{
  const unsigned char *s = (const unsigned char *) src;
  unsigned long groups = (srcl + 2) / 3;
  unsigned long lines = (groups + 14) / 15;
  unsigned char *ret, *d;
  unsigned long i, col = 0;

  if (!lines) lines = 1;	/* empty input still gives one CRLF */
  ret = d = (unsigned char *) fs_get ((size_t) groups * 4 + lines * 2 + 1);
  for (i = 0; i < srcl; i += 3) {
    unsigned long rest = srcl - i;
    unsigned int v = (unsigned int) s[i] << 16;
    if (rest > 1) v |= (unsigned int) s[i + 1] << 8;
    if (rest > 2) v |= s[i + 2];
    *d++ = b64_alphabet[(v >> 18) & 63];
    *d++ = b64_alphabet[(v >> 12) & 63];
    *d++ = rest > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
    *d++ = rest > 2 ? b64_alphabet[v & 63] : '=';
    if (++col == 15) {		/* 15 groups = 60 characters */
      *d++ = '\r';
      *d++ = '\n';
      col = 0;
    }
  }
  if (col || !srcl) {
    *d++ = '\r';
    *d++ = '\n';
  }
  *d = '\0';
  if (len) *len = d - ret;
  return ret;
}

/* ------------------------------------------------------ quoted-printable */

static int hexval (unsigned char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/*
 * Decode quoted-printable.  "=XX" in either case gives a byte; "=" then
 * optional blanks then a line end is a soft line break (RFC 2045 6.7 (3):
 * UW keeps "= CRLF" literally, we follow the RFC); "=" at the very end is
 * dropped; any other "=" sequence is kept literally (UW's choice, which
 * loses nothing).  Blanks before a hard line end are transport padding
 * and are removed.  Never fails.
 */
unsigned char *rfc822_qprint (unsigned char *src, unsigned long srcl,
			      unsigned long *len)
{
  unsigned char *ret = (unsigned char *) fs_get ((size_t) srcl + 1);
  unsigned char *d = ret;
  unsigned char *blank = NIL;	/* start of a run of trailing blanks in d */
  unsigned long i = 0, j;
  int bad = 0;

  while (i < srcl) {
    unsigned char c = src[i];
    if (c == '=') {
      int h1, h2;
      blank = NIL;
      /* soft line break: "=" [blanks] (CRLF | LF | CR | end) */
      for (j = i + 1; j < srcl && (src[j] == ' ' || src[j] == '\t'); j++);
      if (j == srcl) {		/* "=" (and blanks) at end of data */
	i = j;
	continue;
      }
      if (src[j] == '\r' || src[j] == '\n') {
	if (src[j] == '\r' && j + 1 < srcl && src[j + 1] == '\n') j++;
	i = j + 1;
	continue;
      }
      if (i + 2 < srcl && (h1 = hexval (src[i + 1])) >= 0 && (h2 = hexval (src[i + 2])) >= 0) {
	*d++ = (unsigned char) (h1 << 4 | h2);
	i += 3;
	continue;
      }
      bad = 1;			/* invalid: keep the "=" literally */
      *d++ = c;
      i++;
      continue;
    }
    if (c == ' ' || c == '\t') {
      if (!blank) blank = d;
      *d++ = c;
      i++;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (blank) d = blank;	/* drop transport padding */
      blank = NIL;
      *d++ = c;
      i++;
      continue;
    }
    blank = NIL;
    *d++ = c;
    i++;
  }
  if (bad)
    mail_log (NIL, PARSE, "Invalid quoted-printable sequence kept as text");
  *d = '\0';
  if (len) *len = d - ret;
  return ret;
}

/*
 * Encode quoted-printable: lines of at most 76 characters with "=" soft
 * breaks; CRLF is kept as a hard line break; "=", controls, 8-bit bytes,
 * bare CR or LF, and a blank just before a line end are escaped.
 */
unsigned char *rfc822_8bit (unsigned char *src, unsigned long srcl,
			    unsigned long *len)
{
  static const char hex[] = "0123456789ABCDEF";
  struct buf b = BUF_INIT;
  unsigned long i, col = 0;
  char *r;

  buf_reserve (&b, srcl + srcl / 8 + 16);
  for (i = 0; i < srcl; i++) {
    unsigned char c = src[i];
    int lineend = (i + 1 == srcl) ||
      (i + 2 < srcl && src[i + 1] == '\r' && src[i + 2] == '\n');
    int plain;
    if (c == '\r' && i + 1 < srcl && src[i + 1] == '\n') {
      buf_append (&b, "\r\n", 2);
      i++;
      col = 0;
      continue;
    }
    plain = (c >= 33 && c <= 126 && c != '=') ||
      ((c == ' ' || c == '\t') && !lineend);
    if (col + (plain ? 1 : 3) > 75) {	/* keep room for the "=" */
      buf_append (&b, "=\r\n", 3);
      col = 0;
    }
    if (plain) {
      buf_putc (&b, c);
      col++;
    }
    else {
      buf_putc (&b, '=');
      buf_putc (&b, hex[c >> 4]);
      buf_putc (&b, hex[c & 15]);
      col += 3;
    }
  }
  if (len) *len = b.len;
  buf_append (&b, "", 0);	/* NUL-terminate even when empty */
  r = buf_detach (&b);
  return (unsigned char *) r;
}

/*
 * Modified UTF-7 mailbox names (RFC 3501 section 5.1.3).
 *
 * Printable ASCII other than "&" stands for itself, "&" is "&-", and any
 * other run of characters is UTF-16 in base64 (with "," for "/"), no
 * padding, between "&" and "-".  The decoder accepts only the canonical
 * form, so one name has one spelling: it refuses raw 8-bit or control
 * bytes, an unterminated or empty-but-not-"&-" shift, non-zero leftover
 * bits, a partial UTF-16 unit, unpaired surrogates, encoded printable
 * ASCII or NUL, and two shifted runs back to back.
 */

#include <string.h>
#include "internal.h"

static const char mutf7_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int mutf7_val (unsigned char c)
{
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

/* Append the base64 form of UTF-16 units u[0..n) and the closing "-" */
static void mutf7_flush (struct buf *b, const unsigned short *u, size_t n)
{
  unsigned long acc = 0;
  int bits = 0;
  size_t i;

  buf_putc (b, '&');
  for (i = 0; i < n; i++) {
    acc = (acc << 16) | u[i];
    bits += 16;
    while (bits >= 6) {
      bits -= 6;
      buf_putc (b, mutf7_alphabet[(acc >> bits) & 63]);
    }
    acc &= (1UL << bits) - 1;
  }
  if (bits) buf_putc (b, mutf7_alphabet[(acc << (6 - bits)) & 63]);
  buf_putc (b, '-');
}

unsigned char *utf8_to_mutf7 (unsigned char *src)
{
  struct buf b = BUF_INIT;
  unsigned short *u;
  size_t n = 0, len;
  unsigned char *s;
  unsigned long i;

  if (!src) return NIL;
  len = strlen ((char *) src);
  /* at most two UTF-16 units per input byte */
  u = (unsigned short *) fs_get ((len + 1) * 2 * sizeof *u);
  buf_reserve (&b, len + 8);
  s = src;
  i = len;
  while (i) {
    unsigned long c;
    if (*s >= 0x20 && *s < 0x7f) {
      if (n) mutf7_flush (&b, u, n);
      n = 0;
      if (*s == '&') buf_append (&b, "&-", 2);
      else buf_putc (&b, *s);
      s++, i--;
      continue;
    }
    c = utf8_get (&s, &i);
    if (c & U8G_ERROR) {	/* not UTF-8: refuse rather than guess */
      fs_give ((void **) &u);
      buf_free (&b);
      return NIL;
    }
    if (c >= 0x10000) {
      c -= 0x10000;
      u[n++] = (unsigned short) (0xd800 + (c >> 10));
      u[n++] = (unsigned short) (0xdc00 + (c & 0x3ff));
    }
    else u[n++] = (unsigned short) c;
  }
  if (n) mutf7_flush (&b, u, n);
  fs_give ((void **) &u);
  buf_append (&b, "", 0);	/* NUL-terminate even when empty */
  return (unsigned char *) buf_detach (&b);
}

/* Decode one shifted run starting after "&"; *sp is left after the "-".
 * Returns 0, or -1 if the run is not canonical. */
static int mutf7_run (unsigned char **sp, struct buf *b)
{
  unsigned char *s = *sp;
  unsigned long acc = 0, hi = 0;
  int bits = 0, v;
  unsigned int units = 0;

  for (; (v = mutf7_val (*s)) >= 0; s++) {
    acc = (acc << 6) | (unsigned long) v;
    bits += 6;
    if (bits >= 16) {
      unsigned long c = (acc >> (bits - 16)) & 0xffff;
      bits -= 16;
      acc &= (1UL << bits) - 1;
      units++;
      if (hi) {			/* expecting a low surrogate */
	if (c < 0xdc00 || c > 0xdfff) return -1;
	c = 0x10000 + ((hi - 0xd800) << 10) + (c - 0xdc00);
	hi = 0;
      }
      else if (c >= 0xd800 && c <= 0xdbff) {
	hi = c;
	continue;
      }
      else if (c >= 0xdc00 && c <= 0xdfff) return -1;
      else if (c < 0x80 && (c >= 0x20 && c < 0x7f)) return -1;
      else if (!c) return -1;
      {
	unsigned char tmp[8];
	unsigned char *e = utf8_put (tmp, c);
	buf_append (b, tmp, e - tmp);
      }
    }
  }
  if (*s != '-' || hi || !units) return -1;
  /* leftover must be fewer than 6 zero bits (shortest form) */
  if (bits >= 6 || (acc & ((1UL << bits) - 1))) return -1;
  *sp = s + 1;
  return 0;
}

unsigned char *utf8_from_mutf7 (unsigned char *src)
{
  struct buf b = BUF_INIT;
  unsigned char *s = src;
  int prev_run = 0;

  if (!src) return NIL;
  buf_reserve (&b, strlen ((char *) src) + 1);
  while (*s) {
    if (*s == '&') {
      if (s[1] == '-') {
	buf_putc (&b, '&');
	s += 2;
	prev_run = 0;
	continue;
      }
      s++;
      /* "&AAA-&AAA-" should have been one run */
      if (prev_run || mutf7_run (&s, &b) < 0) goto bad;
      prev_run = 1;
      continue;
    }
    if (*s < 0x20 || *s >= 0x7f) goto bad;	/* must have been encoded */
    buf_putc (&b, *s++);
    prev_run = 0;
  }
  buf_append (&b, "", 0);
  return (unsigned char *) buf_detach (&b);
 bad:
  buf_free (&b);
  return NIL;
}

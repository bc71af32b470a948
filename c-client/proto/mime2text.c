/*
 * RFC 2047 encoded words ("=?charset?B|Q?text?=") to UTF-8.
 *
 * A word is decoded when it stands alone: preceded by the start, blank,
 * "(", "\"" or another encoded word, and followed by the end, blank, ")",
 * "\"" or another "=?" (mailers that glue words together are common).
 * Blanks between two decoded words are dropped (RFC 2047 section 6.2).
 * A malformed word (bad charset token, bad Q escape, bad base64, unknown
 * encoding letter) is left as it is and decoding goes on; UW instead
 * returns failure for the whole text.  An unknown charset's bytes are taken
 * as UTF-8 (invalid bytes become U+FFFD).  "charset*lang" (RFC 2231) is
 * accepted.  After LIM_ENCODED_WORDS words the rest is copied unchanged.
 */

#include <string.h>
#include "internal.h"
#include "mime-int.h"


static int m2t_blank (unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int m2t_hex (unsigned char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

struct m2t_word {
  const unsigned char *charset;	/* without the "*lang" */
  size_t charsetlen;
  unsigned char enc;		/* 'B' or 'Q' */
  const unsigned char *text;
  size_t textlen;
  size_t len;			/* whole word, "=?" to "?=" */
};

/* Parse the syntax of a word at s[0..n) (s starts with "=?"); 0 or -1 */
static int m2t_parse (const unsigned char *s, size_t n, struct m2t_word *w)
{
  size_t i = 2, j;

  for (j = i; j < n && j - i <= LIM_CHARSET_NAME && s[j] != '?' &&
       s[j] > ' ' && s[j] < 0x7f; j++);
  if (j - i > LIM_CHARSET_NAME || j == i || j + 3 >= n || s[j] != '?' || s[j + 2] != '?') return -1;
  w->charset = s + i;
  w->charsetlen = j - i;
  {				/* drop an RFC 2231 language suffix */
    const unsigned char *star = memchr (w->charset, '*', w->charsetlen);
    if (star) w->charsetlen = star - w->charset;
    if (!w->charsetlen) return -1;
  }
  w->enc = UCASE (s[j + 1]);
  if (w->enc != 'B' && w->enc != 'Q') return -1;
  i = j + 3;
  /* encoded text: no blanks or controls, no "?" (must be encoded) */
  for (j = i; j < n && s[j] != '?' && s[j] > ' ' && s[j] < 0x7f; j++);
  if (j + 1 >= n || s[j] != '?' || s[j + 1] != '=') return -1;
  w->text = s + i;
  w->textlen = j - i;
  w->len = j + 2;
  return 0;
}

/* Decode the word's bytes (before charset conversion); 0 or -1 */
static int m2t_decode (const struct m2t_word *w, SIZEDTEXT *raw)
{
  if (w->enc == 'B') {
    unsigned long len;
    void *d;
    if (!w->textlen) {
      raw->data = (unsigned char *) cpystr ("");
      raw->size = 0;
      return 0;
    }
    d = rfc822_base64 ((unsigned char *) w->text, w->textlen, &len);
    if (!d) return -1;
    raw->data = d;
    raw->size = len;
    return 0;
  }
  else {
    unsigned char *d = (unsigned char *) fs_get (w->textlen + 1);
    size_t i, k = 0;
    for (i = 0; i < w->textlen; i++) {
      unsigned char c = w->text[i];
      if (c == '_') d[k++] = ' ';
      else if (c == '=') {
	int h1, h2;
	if (i + 2 >= w->textlen) {
	  fs_give ((void **) &d);
	  return -1;
	}
	h1 = m2t_hex (w->text[i + 1]);
	h2 = m2t_hex (w->text[i + 2]);
	if (h1 < 0 || h2 < 0) {
	  fs_give ((void **) &d);
	  return -1;
	}
	d[k++] = (unsigned char) (h1 << 4 | h2);
	i += 2;
      }
      else d[k++] = c;
    }
    d[k] = '\0';
    raw->data = d;
    raw->size = k;
    return 0;
  }
}

/* Convert decoded bytes to UTF-8 and append */
static void m2t_emit (struct buf *b, const struct m2t_word *w, SIZEDTEXT *raw)
{
  char cs[LIM_CHARSET_NAME + 2];
  SIZEDTEXT u;

  memcpy (cs, w->charset, w->charsetlen);
  cs[w->charsetlen] = '\0';
  if (charset_to_utf8 (raw->data, raw->size, cs, &u) < 0)
    charset_canon (raw->data, raw->size, 0, &u);	/* unknown charset */
  buf_append (b, u.data, u.size);
  fs_give ((void **) &u.data);
}

long utf8_mime2text (SIZEDTEXT *src, SIZEDTEXT *dst, long flags)
{
  const unsigned char *s = src->data;
  size_t n = src->size, p = 0, lit = 0, lastend = (size_t) -1;
  unsigned long words = 0;
  struct buf b = BUF_INIT;
  int changed = 0;

  while (p + 1 < n && words < LIM_ENCODED_WORDS) {
    const unsigned char *q = memchr (s + p, '=', n - p - 1);
    struct m2t_word w;
    SIZEDTEXT raw;
    size_t i, end;
    if (!q) break;
    p = q - s;
    if (s[p + 1] != '?') {
      p++;
      continue;
    }
    /* must start a token */
    if (p && p != lastend && !m2t_blank (s[p - 1]) && s[p - 1] != '(' &&
	s[p - 1] != '"') {
      p += 2;
      continue;
    }
    if (m2t_parse (s + p, n - p, &w) < 0) {
      p += 2;
      continue;
    }
    end = p + w.len;
    if (end < n && !m2t_blank (s[end]) && s[end] != ')' && s[end] != '"' &&
	!(s[end] == '=' && end + 1 < n && s[end + 1] == '?')) {
      p += 2;
      continue;
    }
    if (m2t_decode (&w, &raw) < 0) {	/* malformed: leave it */
      p += 2;
      continue;
    }
    if (!changed) {
      buf_reserve (&b, n + 16);
      changed = 1;
    }
    /* literal text before the word, unless only blanks between words */
    if (lit == lastend) {
      for (i = lit; i < p && m2t_blank (s[i]); i++);
      if (i < p) buf_append (&b, s + lit, p - lit);
    }
    else buf_append (&b, s + lit, p - lit);
    m2t_emit (&b, &w, &raw);
    fs_give ((void **) &raw.data);
    words++;
    p = lit = lastend = end;
  }
  if (!changed) {
    if (flags & (U8T_CASECANON | U8T_DECOMPOSE))
      charset_canon (src->data, src->size, flags, dst);
    else {			/* nothing to do: the caller keeps src */
      dst->data = src->data;
      dst->size = src->size;
    }
    return LONGT;
  }
  buf_append (&b, s + lit, n - lit);
  if (flags & (U8T_CASECANON | U8T_DECOMPOSE)) {
    charset_canon ((unsigned char *) b.data, b.len, flags, dst);
    buf_free (&b);
  }
  else {
    dst->size = b.len;
    dst->data = (unsigned char *) buf_detach (&b);
  }
  return LONGT;
}

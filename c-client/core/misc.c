/*
 * Small string utilities with UW's names.  ASCII-only case mapping: mail
 * protocols are case-insensitive in ASCII, never by locale.
 */
#include <string.h>
#include "internal.h"

char *ucase (char *s)
{
  char *t;
  for (t = s; t && *t; t++) *t = UCASE (*t);
  return s;
}

char *lcase (char *s)
{
  char *t;
  for (t = s; t && *t; t++) *t = LCASE (*t);
  return s;
}

char *cpystr (const char *s)
{
  size_t n;
  char *r;
  if (!s) return NIL;
  n = strlen (s);
  r = fs_get (n + 1);
  memcpy (r, s, n + 1);
  return r;
}

/* text may point into dst->data: copy first, then free the old text */
char *cpytxt (SIZEDTEXT *dst, char *text, unsigned long size)
{
  unsigned char *d = fs_get (size + 1);
  if (size) memcpy (d, text, size);
  d[size] = '\0';
  if (dst->data) fs_give ((void **) &dst->data);
  dst->data = d;
  dst->size = size;
  return (char *) dst->data;
}

char *textcpy (SIZEDTEXT *dst, SIZEDTEXT *src)
{
  return cpytxt (dst, (char *) src->data, src->size);
}

char *textcpystring (SIZEDTEXT *text, STRING *bs)
{
  unsigned long i = 0;
  if (text->data) fs_give ((void **) &text->data);
  text->size = SIZE (bs);
  text->data = fs_get (text->size + 1);
  while (i < text->size) {
    unsigned long n = Min (bs->cursize, text->size - i);
    memcpy (text->data + i, bs->curpos, n);
    i += n;
    bs->curpos += n;
    bs->cursize -= n;
    if (i < text->size) SETPOS (bs, GETPOS (bs));
  }
  text->data[i] = '\0';
  return (char *) text->data;
}

char *textcpyoffstring (SIZEDTEXT *text, STRING *bs, unsigned long offset,
			unsigned long size)
{
  unsigned long i = 0;
  if (text->data) fs_give ((void **) &text->data);
  SETPOS (bs, offset);
  text->size = size;
  text->data = fs_get (size + 1);
  while (i < size) {
    text->data[i++] = SNX (bs);
  }
  text->data[i] = '\0';
  return (char *) text->data;
}

unsigned long find_rightmost_bit (unsigned long *valptr)
{
  unsigned long i;
  if (!*valptr) return (unsigned long) -1;
  i = (unsigned long) __builtin_ctzl (*valptr);
  *valptr &= ~(1UL << i);
  return i;
}

long Min (long i, long j) { return (i < j) ? i : j; }
long Max (long i, long j) { return (i > j) ? i : j; }

/* case-independent substring search, ASCII folding */
long search (unsigned char *base, long basec, unsigned char *pat, long patc)
{
  long i, j;
  if (patc <= 0) return T;
  for (i = 0; i + patc <= basec; i++) {
    for (j = 0; j < patc && LCASE (base[i + j]) == LCASE (pat[j]); j++);
    if (j == patc) return T;
  }
  return NIL;
}

/* same, case-sensitive */
long ssearch (unsigned char *base, long basec, unsigned char *pat, long patc)
{
  if (patc <= 0) return T;
  if (patc > basec) return NIL;
  return memmem (base, basec, pat, patc) ? T : NIL;
}

int compare_ulong (unsigned long l1, unsigned long l2)
{
  return (l1 < l2) ? -1 : (l1 > l2) ? 1 : 0;
}

int compare_uchar (unsigned char c1, unsigned char c2)
{
  return compare_ulong (LCASE (c1), LCASE (c2));
}

int compare_uchar_len (unsigned char *s1, unsigned char *s2, size_t len)
{
  int i;
  for (; len; s1++, s2++, len--)
    if ((i = compare_uchar (*s1, *s2))) return i;
  return 0;
}

int compare_cstring (unsigned char *s1, unsigned char *s2)
{
  int i;
  if (!s1) return s2 ? -1 : 0;
  if (!s2) return 1;
  for (; *s1 && *s2; s1++, s2++)
    if ((i = compare_uchar (*s1, *s2))) return i;
  return *s1 ? 1 : (*s2 ? -1 : 0);
}

int compare_csizedtext (unsigned char *s1, SIZEDTEXT *s2)
{
  int i;
  unsigned long j;
  if (!s1) return s2 ? -1 : 0;
  if (!s2) return 1;
  for (j = 0; *s1 && j < s2->size; s1++, j++)
    if ((i = compare_uchar (*s1, s2->data[j]))) return i;
  return *s1 ? 1 : (j < s2->size ? -1 : 0);
}

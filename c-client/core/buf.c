/*
 * struct buf: growable, length-tracking, always NUL-terminated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "internal.h"

void buf_init (struct buf *b)
{
  b->data = NULL;
  b->len = b->cap = 0;
}

void buf_free (struct buf *b)
{
  if (b->data) fs_give ((void **) &b->data);
  b->len = b->cap = 0;
}

void buf_zero (struct buf *b)
{
  /* all of it: a secret may have been longer before a reset */
  if (b->data) explicit_bzero (b->data, b->cap);
}

void buf_reset (struct buf *b)
{
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

void buf_reserve (struct buf *b, size_t more)
{
  size_t need, cap;
  if (more > SIZE_MAX - b->len - 1) mail_fatal ("buffer size overflow");
  need = b->len + more + 1;
  if (need <= b->cap) return;
  cap = b->cap ? b->cap : 64;
  while (cap < need) cap = (cap > SIZE_MAX / 2) ? need : cap * 2;
  if (b->data) fs_resize ((void **) &b->data, cap);
  else {
    b->data = fs_get (cap);
    b->data[0] = '\0';		/* buf_cstr() of a reserved empty buf */
  }
  b->cap = cap;
}

void buf_append (struct buf *b, const void *p, size_t n)
{
  buf_reserve (b, n);
  if (n) memcpy (b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void buf_puts (struct buf *b, const char *s)
{
  buf_append (b, s, strlen (s));
}

void buf_putc (struct buf *b, int c)
{
  char ch = (char) c;
  buf_append (b, &ch, 1);
}

void buf_vprintf (struct buf *b, const char *fmt, va_list ap)
{
  va_list ap2;
  int n;
  /* also keeps gcc -fsanitize=undefined from warning of a null format */
  if (!fmt) mail_fatal ("buf_printf: no format");
  va_copy (ap2, ap);
  n = vsnprintf (NULL, 0, fmt, ap2);
  va_end (ap2);
  if (n < 0) mail_fatal ("buf_printf: bad format");
  buf_reserve (b, (size_t) n);
  vsnprintf (b->data + b->len, (size_t) n + 1, fmt, ap);
  b->len += (size_t) n;
}

void buf_printf (struct buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  buf_vprintf (b, fmt, ap);
  va_end (ap);
}

void buf_truncate (struct buf *b, size_t len)
{
  if (len < b->len) {
    b->len = len;
    b->data[len] = '\0';
  }
}

const char *buf_cstr (struct buf *b)
{
  return b->data ? b->data : "";
}

char *buf_detach (struct buf *b)
{
  char *s;
  if (!b->data) buf_reserve (b, 0), b->data[0] = '\0';
  s = b->data;
  b->data = NULL;
  b->len = b->cap = 0;
  return s;
}

int buf_getline (FILE *in, struct buf *b, size_t max)
{
  int c, toolong = 0;
  buf_reset (b);
  while ((c = getc (in)) != EOF) {
    if (b->len < max) buf_putc (b, c);
    else toolong = 1;
    if (c == '\n') break;
  }
  if (toolong) return -1;
  return (b->len || c != EOF) ? 1 : 0;
}

/*
 * struct buf: a growable byte buffer that always knows its length and is
 * always NUL-terminated.  Use it instead of sprintf into fixed arrays.
 * Growth is checked; allocation failure is fatal in one place (fs_get).
 */
#ifndef BAMBOO_BUF_H
#define BAMBOO_BUF_H

#include <stddef.h>
#include <stdarg.h>

#define BAMBOO_PRINTF(f,a) __attribute__ ((format (printf, f, a)))

struct buf {
  char *data;			/* NUL-terminated when cap > 0 */
  size_t len;
  size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init (struct buf *b);
void buf_free (struct buf *b);
void buf_zero (struct buf *b);			/* explicit_bzero what is held
						   (passwords), keeps memory */
void buf_reset (struct buf *b);			/* len = 0, keeps memory */
void buf_reserve (struct buf *b, size_t more);
void buf_append (struct buf *b, const void *p, size_t n);
void buf_puts (struct buf *b, const char *s);
void buf_putc (struct buf *b, int c);
void buf_printf (struct buf *b, const char *fmt, ...) BAMBOO_PRINTF (2, 3);
void buf_vprintf (struct buf *b, const char *fmt, va_list ap);
void buf_truncate (struct buf *b, size_t len);
const char *buf_cstr (struct buf *b);		/* "" when empty */
char *buf_detach (struct buf *b);		/* fs_get'ed string; b is reset */

/* Read one line (through '\n', which is kept) from a stdio stream into b,
 * replacing its contents.  Returns 1 for a line, 0 at EOF, -1 if the line
 * exceeded max bytes (the rest of the line is consumed and discarded). */
#include <stdio.h>
int buf_getline (FILE *in, struct buf *b, size_t max);

#endif

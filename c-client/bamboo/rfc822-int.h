/*
 * Internals shared by proto/address.c, proto/header-output.c,
 * proto/rfc822.c and proto/date.c.  Not installed.
 */
#ifndef BAMBOO_RFC822_INT_H
#define BAMBOO_RFC822_INT_H

#include <stddef.h>
#include "internal.h"

/* RFC 5322 specials without space: a phrase (display name) containing any
 * of these is written as a quoted-string */
extern const char *rspecials;

/* Append src to b, as an atom or, when it needs it, as a quoted-string.
 * specials NIL means "a local part or domain": quote if src has a wspecial,
 * is empty, or has a leading, trailing or doubled dot. */
void rfc822_cat_buf (struct buf *b, const char *src, const char *specials);

/* Append one address ([adl:]mailbox[@host]) to b, without phrase or <> */
void rfc822_address_buf (struct buf *b, const ADDRESS *adr);

/* Append an address list to b.  col is the column the list starts in;
 * if fold is nonzero, a line break ("\r\n" plus four spaces) is inserted
 * between addresses once a line reaches 78 columns. */
void rfc822_adrlist_buf (struct buf *b, const ADDRESS *adr, size_t col,
			 int fold, const char *specials);

/* Write n bytes into an RFC822BUFFER, flushing through buf->f when full.
 * The buffer must have room for one byte beyond buf->end (the NUL that
 * rfc822_output_flush() writes).  Returns NIL if the output function
 * failed. */
long header_output_data (RFC822BUFFER *buf, const char *s, size_t n);
long header_output_string (RFC822BUFFER *buf, const char *s);

#endif

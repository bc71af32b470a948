/*
 * Internals shared by the MIME and charset modules in proto/
 * (mime.c, mime-output.c, encoding.c, charset.c, mime2text.c, mutf7.c).
 */
#ifndef BAMBOO_MIME_INT_H
#define BAMBOO_MIME_INT_H

#include "internal.h"

/* charset.c: apply U8T_CASECANON / U8T_DECOMPOSE to valid-or-not UTF-8
 * text; always fs_get's out->data (NUL-terminated).  Malformed UTF-8
 * bytes become U+FFFD. */
void charset_canon (const unsigned char *s, unsigned long len, long flags,
		    SIZEDTEXT *out);

/* charset.c: convert text in a charset known to utf8_charset() to UTF-8
 * into out (fs_get'ed, NUL-terminated).  Invalid input becomes U+FFFD.
 * Returns 0, or -1 if the charset is unknown. */
int charset_to_utf8 (const unsigned char *s, unsigned long len,
		     const char *charset, SIZEDTEXT *out);

/* mime.c: parse one MIME part header text (Content-* fields only) into
 * body; h is the header text of length len, not NUL-terminated. */
void mime_parse_part_header (BODY *body, const char *h, unsigned long len);

#endif

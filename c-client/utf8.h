/*
 * Bamboo IMAP c-client: character sets and Unicode.
 * Conversion to UTF-8 uses glibc iconv; see docs/api.md for the charsets.
 */
#ifndef BAMBOO_UTF8_H
#define BAMBOO_UTF8_H

#include "mail.h"

/* utf8_mime2text() / utf8_text_cs() flags */
#define U8T_LITERAL 0		/* no canonicalization */
#define U8T_CASECANON 2		/* fold case (for searching) */
#define U8T_DECOMPOSE 4		/* decompose (NFD-like) */
#define U8T_CANONICAL (U8T_CASECANON | U8T_DECOMPOSE)

/* charset types (CHARSET.type) kept for source compatibility */
#define CT_UNKNOWN 0
#define CT_ASCII 1
#define CT_UCS2 2
#define CT_UCS4 3
#define CT_1BYTE0 10
#define CT_1BYTE 11
#define CT_1BYTE8 12
#define CT_EUC 100
#define CT_DBYTE 101
#define CT_DBYTE2 102
#define CT_UTF16 1000
#define CT_UTF8 1001
#define CT_UTF7 1002
#define CT_2022 10000

#define U8G_ERROR 0x80000000	/* utf8_get() error bit */
#define U8G_BADCONT (U8G_ERROR + 1)
#define U8G_INCMPLT (U8G_ERROR + 2)
#define U8G_NOTUTF8 (U8G_ERROR + 3)
#define U8G_ENDSTRG (U8G_ERROR + 4)
#define U8G_ENDSTRI (U8G_ERROR + 5)
#define U8G_SURROGA (U8G_ERROR + 6)
#define U8G_NOTUNIC (U8G_ERROR + 7)

#define UBOGON 0xfffd		/* replacement character */

typedef struct utf8_charset {
  char *name;			/* canonical name */
  unsigned short type;		/* CT_* */
  unsigned short script;
  void *tab;
  char *preferred;
} CHARSET;

/* Decode RFC 2047 encoded words in src into UTF-8 dst (fs_get'ed unless
 * dst->data == src->data on return).  Returns T on success. */
long utf8_mime2text (SIZEDTEXT *src, SIZEDTEXT *dst, long flags);
/* Convert text in charset (NIL = US-ASCII/UTF-8) to UTF-8.  T if the
 * charset is known; ret may alias text when no conversion was needed. */
long utf8_text (SIZEDTEXT *text, char *charset, SIZEDTEXT *ret, long flags);
long utf8_text_cs (SIZEDTEXT *text, const CHARSET *cs, SIZEDTEXT *ret,
		   void *cv, void *de);
const CHARSET *utf8_charset (char *charset);
char *utf8_badcharset (char *charset);	/* fs_get'ed BADCHARSET text */
long utf8_validate (unsigned char *s, unsigned long i);
unsigned long utf8_get (unsigned char **s, unsigned long *i);
unsigned char *utf8_put (unsigned char *s, unsigned long c);
unsigned long utf8_size (unsigned long c);

/* Modified UTF-7 mailbox names (RFC 3501 5.1.3); fs_get'ed, NIL if bad */
unsigned char *utf8_to_mutf7 (unsigned char *src);
unsigned char *utf8_from_mutf7 (unsigned char *src);

/* Search helper: fold UTF-8 text for case-insensitive matching, fs_get'ed.
 * Folds to lower case (U8T_CASECANON does the same); see proto/charset.c */
unsigned char *utf8_fold (unsigned char *s, unsigned long len,
			  unsigned long *outlen);

#endif

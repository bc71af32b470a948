/*
 * Bamboo IMAP c-client: small utilities with UW's names.
 */
#ifndef BAMBOO_MISC_H
#define BAMBOO_MISC_H

#include "mail.h"

#define min(a,b) Min(a,b)
#define max(a,b) Max(a,b)

/* Is c a digit, upper/lower case letter (ASCII only, locale-free) */
#define isodigit(c) (((unsigned) (c) >= '0') && ((unsigned) (c) <= '7'))
#define LCASE(c) ((((c) >= 'A') && ((c) <= 'Z')) ? (c) + 'a' - 'A' : (c))
#define UCASE(c) ((((c) >= 'a') && ((c) <= 'z')) ? (c) - 'a' + 'A' : (c))

/* memory: every allocation failure ends in mm_fatal(), never a NIL return */
void *fs_get (size_t size);
void fs_resize (void **block, size_t size);
void fs_give (void **block);

char *ucase (char *string);
char *lcase (char *string);
char *cpystr (const char *string);
char *cpytxt (SIZEDTEXT *dst, char *text, unsigned long size);
char *textcpy (SIZEDTEXT *dst, SIZEDTEXT *src);
char *textcpystring (SIZEDTEXT *text, STRING *bs);
char *textcpyoffstring (SIZEDTEXT *text, STRING *bs, unsigned long offset,
			unsigned long size);
unsigned long find_rightmost_bit (unsigned long *valptr);
long Min (long i, long j);
long Max (long i, long j);
long search (unsigned char *base, long basec, unsigned char *pat, long patc);
long ssearch (unsigned char *base, long basec, unsigned char *pat, long patc);
int compare_ulong (unsigned long l1, unsigned long l2);
int compare_uchar (unsigned char c1, unsigned char c2);
int compare_cstring (unsigned char *s1, unsigned char *s2);
int compare_csizedtext (unsigned char *s1, SIZEDTEXT *s2);
int compare_uchar_len (unsigned char *s1, unsigned char *s2, size_t len);

#endif

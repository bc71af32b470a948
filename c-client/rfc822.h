/*
 * Bamboo IMAP c-client: RFC 5322 messages and MIME (RFC 2045-2049).
 * Names and signatures are UW c-client's.  The parsers work on bytes in
 * memory with explicit limits (bamboo/bamboo-limits.h) and do no I/O.
 */
#ifndef BAMBOO_RFC822_H
#define BAMBOO_RFC822_H

#include "mail.h"

#define MAXGROUPDEPTH 50	/* nested address groups */
#define MAXMIMEDEPTH 50		/* nested MIME parts */

typedef long (*soutr_t) (void *stream, char *string);
typedef long (*rfc822out_t) (char *tmp, ENVELOPE *env, BODY *body, soutr_t f,
			     void *s, long ok8bit);

typedef struct rfc822buffer {	/* output buffer flushed through f(s,...) */
  soutr_t f;
  void *s;
  char *beg;
  char *cur;
  char *end;
} RFC822BUFFER;

typedef long (*rfc822outfull_t) (RFC822BUFFER *buf, ENVELOPE *env, BODY *body,
				 long ok8bit);

extern const char *wspecials;	/* RFC 5322 specials plus space */
extern const char *tspecials;	/* RFC 2045 tspecials plus space */
extern const char *ptspecials;	/* parameter token specials (UW: = tspecials) */

char *rfc822_default_subtype (unsigned short type);

/* parse a message: header s[0..i), body in bs (may be NIL) */
void rfc822_parse_msg_full (ENVELOPE **en, BODY **bdy, char *s,
			    unsigned long i, STRING *bs, char *host,
			    unsigned long depth, unsigned long flags);
void rfc822_parse_content (BODY *body, STRING *bs, char *h,
			   unsigned long depth, unsigned long flags);
void rfc822_parse_content_header (BODY *body, char *name, char *s);
void rfc822_parse_parameter (PARAMETER **par, char *text);
void rfc822_parse_adrlist (ADDRESS **lst, char *string, char *host);
ADDRESS *rfc822_parse_address (ADDRESS **lst, ADDRESS *last, char **string,
			       char *defaulthost, unsigned long depth);
ADDRESS *rfc822_parse_group (ADDRESS **lst, ADDRESS *last, char **string,
			     char *defaulthost, unsigned long depth);
ADDRESS *rfc822_parse_mailbox (char **string, char *defaulthost);
long rfc822_phraseonly (char *end);
ADDRESS *rfc822_parse_routeaddr (char *string, char **ret, char *defaulthost);
ADDRESS *rfc822_parse_addrspec (char *string, char **ret, char *defaulthost);
char *rfc822_parse_domain (char *string, char **end);
char *rfc822_parse_phrase (char *string);
char *rfc822_parse_word (char *string, const char *delimiters);
char *rfc822_cpy (char *src);
char *rfc822_quote (char *src);
ADDRESS *rfc822_cpy_adr (ADDRESS *adr);
void rfc822_skipws (char **s);
char *rfc822_skip_comment (char **s, long trim);

/* output */
long rfc822_output_full (RFC822BUFFER *buf, ENVELOPE *env, BODY *body,
			 long ok8);
long rfc822_output_flush (RFC822BUFFER *buf);
long rfc822_output_header (RFC822BUFFER *buf, ENVELOPE *env, BODY *body,
			   const char *specials, long flags);
long rfc822_output_header_line (RFC822BUFFER *buf, char *type, long resent,
				char *text);
long rfc822_output_address_line (RFC822BUFFER *buf, char *type, long resent,
				 ADDRESS *adr, const char *specials);
long rfc822_output_address_list (RFC822BUFFER *buf, ADDRESS *adr, long pretty,
				 const char *specials);
long rfc822_output_address (RFC822BUFFER *buf, ADDRESS *adr);
long rfc822_output_cat (RFC822BUFFER *buf, char *src, const char *specials);
long rfc822_output_parameter (RFC822BUFFER *buf, PARAMETER *param);
long rfc822_output_stringlist (RFC822BUFFER *buf, STRINGLIST *stl);
long rfc822_output_body_header (RFC822BUFFER *buf, BODY *body);
void rfc822_encode_body_7bit (ENVELOPE *env, BODY *body);
void rfc822_encode_body_8bit (ENVELOPE *env, BODY *body);
long rfc822_output_text (RFC822BUFFER *buf, BODY *body);
/* The next six write into a caller's char array, which must be large
 * enough for the result, as in UW: rfc822_header() fills header, the others
 * append to the NUL-terminated text already there (*header is advanced to
 * the new end).  rfc822_address_string() and the RFC822BUFFER writers need
 * no such guess. */
void rfc822_header (char *header, ENVELOPE *env, BODY *body);
void rfc822_header_line (char **header, char *type, ENVELOPE *env, char *text);
void rfc822_address_line (char **header, char *type, ENVELOPE *env,
			  ADDRESS *adr);
char *rfc822_write_address_full (char *dest, ADDRESS *adr, char *base);
void rfc822_address (char *dest, ADDRESS *adr);
void rfc822_cat (char *dest, char *src, const char *specials);
void rfc822_write_body_header (char **header, BODY *body);
long rfc822_output (char *t, ENVELOPE *env, BODY *body, soutr_t f, void *s,
		    long ok8bit);
long rfc822_output_body (BODY *body, soutr_t f, void *s);

/* content transfer encodings; results come from fs_get, NIL on bad input */
void *rfc822_base64 (unsigned char *src, unsigned long srcl,
		     unsigned long *len);
unsigned char *rfc822_binary (void *src, unsigned long srcl,
			      unsigned long *len);
unsigned char *rfc822_qprint (unsigned char *src, unsigned long srcl,
			      unsigned long *len);
unsigned char *rfc822_8bit (unsigned char *src, unsigned long srcl,
			    unsigned long *len);

/* dates */
void rfc822_date (char *date);		/* now, RFC 5322 form */
void rfc822_fixed_date (char *date);	/* now, numeric zone only */
void rfc822_timezone (char *s, void *t);
void internal_date (char *date);	/* now, IMAP internal date form */

/* Bamboo additions */
/* The address list as RFC 5322 text ("" for none), from fs_get; unlike
 * rfc822_write_address() it needs no caller-sized buffer. */
char *rfc822_address_string (ADDRESS *adr);
/* Fill elt's date fields from t (seconds since the epoch) as local time
 * at tzoff_minutes east of UTC (e.g. -300 for EST).  Pure: no clock or TZ
 * lookup.  Returns NIL (elt unchanged) if the year is outside 1970..2097
 * or the offset outside +/-15:59. */
long date_from_time (MESSAGECACHE *elt, time_t t, int tzoff_minutes);

#define rfc822_write_address(dest,adr) rfc822_write_address_full (dest,adr,NIL)
#define rfc822_parse_msg(en,bdy,s,i,bs,host,flags) \
  rfc822_parse_msg_full (en,bdy,s,i,bs,host,0,flags)

#endif

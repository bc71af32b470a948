/*
 * probe.c: the facts PHP's imap extension configure script probes for
 * (see api-surface.md), in one program.  It must compile and link exactly
 * like PHP's probes do: headers through <c-client.h>, no-op definitions of
 * all 15 mm_* callbacks.  auth_gss and ssl_onceonlyinit come with a later
 * issue and are not checked here.
 */
#include <c-client.h>
#include <stdio.h>
#include <string.h>

void mm_searched (MAILSTREAM *s, unsigned long n) {}
void mm_exists (MAILSTREAM *s, unsigned long n) {}
void mm_expunged (MAILSTREAM *s, unsigned long n) {}
void mm_flags (MAILSTREAM *s, unsigned long n) {}
void mm_notify (MAILSTREAM *s, char *str, long errflg) {}
void mm_list (MAILSTREAM *s, int d, char *name, long attrib) {}
void mm_lsub (MAILSTREAM *s, int d, char *name, long attrib) {}
void mm_status (MAILSTREAM *s, char *mbx, MAILSTATUS *status) {}
void mm_log (char *str, long errflg) {}
void mm_dlog (char *str) {}
void mm_login (NETMBX *mb, char *user, char *pwd, long trial) {}
void mm_critical (MAILSTREAM *s) {}
void mm_nocritical (MAILSTREAM *s) {}
long mm_diskerror (MAILSTREAM *s, long errcode, long serious) { return T; }
void mm_fatal (char *str) {}

int main (void)
{
  SIZEDTEXT src, dst;
  unsigned char *m;
  BODY *b;
  /* HAVE_RFC822_OUTPUT_ADDRESS_LIST: a link probe */
  long (*out) (RFC822BUFFER *, ADDRESS *, long, const char *) =
    rfc822_output_address_list;
  int bad = 0;

  /* HAVE_NEW_MIME2TEXT: three arguments and U8T_CANONICAL */
  static char word[] = "=?ISO-8859-1?Q?caf=E9?=";	/* UW writes into it */
  src.data = (unsigned char *) word;
  src.size = strlen ((char *) src.data);
  dst.data = NIL;
  dst.size = 0;
  if (!utf8_mime2text (&src, &dst, U8T_CANONICAL) || !dst.data) bad = 1;
  else if (dst.data != src.data) fs_give ((void **) &dst.data);

  /* HAVE_IMAP_MUTF7 */
  m = utf8_to_mutf7 ((unsigned char *) "Entw\xc3\xbcrfe");
  if (!m || strcmp ((char *) m, "Entw&APw-rfe")) bad = 1;
  if (m) fs_give ((void **) &m);

  /* the final link probe */
  b = mail_newbody ();
  if (!b || !out) bad = 1;
  mail_free_body (&b);
  printf ("%s\n", bad ? "probe results wrong" : "probe ok");
  return bad;
}

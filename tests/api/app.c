/*
 * app.c: a minimal application written against the UW c-client API.
 * Usage: app MAILBOX, where MAILBOX holds the three messages that
 * tests/api/run.sh writes.  Prints "PASS: ..." or "FAIL: ..." per check.
 */
#include <stdio.h>
#include <string.h>
#include "c-client.h"

static unsigned long hits[8];
static int nhits, failed;

static void check (int ok, const char *what)
{
  printf ("%s: %s\n", ok ? "PASS" : "FAIL", what);
  if (!ok) failed = 1;
}

int main (int argc, char *argv[])
{
  MAILSTREAM *stream;
  ENVELOPE *env;
  BODY *body = NIL;
  STRING msg;
  unsigned long len;
  char *text, subject[81];
  char newmsg[] = "From: Carol <carol@example.com>\r\n"
    "Subject: Appended by app\r\n\r\nHello from app.c.\r\n";
#include "linkage.c"
  if (argc != 2) return 2;
  stream = mail_open (NIL, argv[1], NIL);
  check (stream && stream->nmsgs == 3, "mail_open finds 3 messages");
  if (!stream) return 1;

  env = mail_fetch_structure (stream, 2, &body, NIL);
  check (env && env->subject && !strcmp (env->subject, "Parts"),
	 "envelope subject");
  check (body && body->type == TYPEMULTIPART && body->nested.part &&
	 body->nested.part->next &&
	 body->nested.part->next->body.encoding == ENCBASE64,
	 "body structure: multipart, second part base64");
  text = mail_fetch_body (stream, 2, "1", &len, FT_PEEK);
  /* the CRLF before a boundary belongs to the boundary (RFC 2046) */
  check (text && len == 15 && !memcmp (text, "First part text", 15),
	 "mail_fetch_body section 1");
  check (!mail_elt (stream, 2)->seen, "FT_PEEK left \\Seen clear");

  mail_search_full (stream, NIL, mail_criteria ("FROM alice"), SE_FREE);
  check (nhits == 2 && hits[0] == 1 && hits[1] == 3,
	 "search FROM alice -> 1 3");

  mail_setflag (stream, "1", "\\Deleted");
  check (mail_elt (stream, 1)->deleted, "\\Deleted set on 1");
  mail_expunge (stream);
  check (stream->nmsgs == 2, "expunge leaves 2 messages");

  INIT (&msg, mail_string, newmsg, strlen (newmsg));
  check (mail_append (stream, argv[1], &msg), "mail_append");
  mail_ping (stream);
  check (stream->nmsgs == 3, "ping sees the appended message");
  mail_fetchsubject (subject, stream, 3, 80);
  check (!strcmp (subject, "Appended by app"), "mail_fetchsubject");
  stream = mail_close (stream);

  stream = mail_open (NIL, argv[1], OP_READONLY);
  check (stream && stream->nmsgs == 3, "reopen read-only: 3 messages");
  if (stream) mail_close (stream);
  return failed;
}

/* The callbacks every c-client application defines. */
void mm_searched (MAILSTREAM *s, unsigned long n)
{
  if (nhits < 8) hits[nhits++] = n;
}
void mm_exists (MAILSTREAM *s, unsigned long n) {}
void mm_expunged (MAILSTREAM *s, unsigned long n) {}
void mm_flags (MAILSTREAM *s, unsigned long n) {}
void mm_notify (MAILSTREAM *s, char *string, long errflg)
{
  mm_log (string, errflg);
}
void mm_list (MAILSTREAM *s, int delim, char *name, long attrib) {}
void mm_lsub (MAILSTREAM *s, int delim, char *name, long attrib) {}
void mm_status (MAILSTREAM *s, char *mailbox, MAILSTATUS *status) {}
void mm_log (char *string, long errflg)
{
  if (errflg == ERROR || errflg == WARN)
    printf ("%s: %s\n", errflg == ERROR ? "error" : "warning", string);
}
void mm_dlog (char *string) {}
void mm_login (NETMBX *mb, char *user, char *pwd, long trial)
{
  *user = *pwd = '\0';		/* local mailboxes never ask */
}
void mm_critical (MAILSTREAM *s) {}
void mm_nocritical (MAILSTREAM *s) {}
long mm_diskerror (MAILSTREAM *s, long errcode, long serious)
{
  return T;			/* abort the operation */
}
void mm_fatal (char *string)
{
  printf ("fatal: %s\n", string);
}

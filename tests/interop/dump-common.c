/*
 * dump-common.c - the interop tool, written once against the c-client API and
 * compiled twice: bamboo-dump.c (our library) and uw-dump.c (Debian's UW
 * library).  Both include this file after their own c-client.h.
 *
 *   PROG MAILBOX OP...
 *
 * OPs run in order on one stream (each OP is one argument):
 *   "dump"            print the mailbox state (format below) to stdout; when
 *                     it is the first OP the mailbox is opened read-only
 *   "dump-nouidv"     the same without uidvalidity (for files with no X-IMAP,
 *                     where each open invents one)
 *   "create"          mail_create
 *   "append FILE [FLAGS]"   append FILE's bytes (LF line ends are sent as
 *                     CRLF, as c-client expects), with an optional flag list
 *                     like "(\Seen $Label1)" and date "02-Jan-2024 10:00:00 +0000"
 *   "flag SEQ FLAGS"  mail_setflag_full, e.g. "flag 1:2 \Seen \Flagged"
 *   "unflag SEQ FLAGS"
 *   "expunge"
 *   "check"           mail_check (write the state to the file)
 *
 * Exit status: 0, or 1 with the reason on stderr.  Everything c-client
 * logs goes to stderr, so stdout holds only dumps.
 *
 * Dump format (one fact per line, no volatile data such as \Recent):
 *   driver NAME            (stream->dtb->name: "unix" for mbox, as UW)
 *   uidvalidity N
 *   uidlast N
 *   keyword NAME           (stream->user_flags, in slot order)
 *   messages N
 *   N uid=U flags=\Seen,\Flagged keywords=a,b size=S date=DD-Mon-YYYY HH:MM:SS +ZZZZ subject=...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

static int dump_failed;
static int dump_open_failed;

static void dump_escaped (const char *s)
{
  if (s == NULL) {
    fputs ("(nil)", stdout);
    return;
  }
  for (; *s; s++) {
    unsigned char c = (unsigned char) *s;
    if (c == '\\')
      fputs ("\\\\", stdout);
    else if (c < 0x20 || c >= 0x7f)
      printf ("\\x%02x", c);
    else
      putchar (c);
  }
}

static void dump_stream (MAILSTREAM *stream, int with_uidvalidity)
{
  unsigned long i, j;
  static const char *const months[] = { "???", "Jan", "Feb", "Mar", "Apr",
    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

  printf ("driver %s\n", stream->dtb ? stream->dtb->name : "(none)");
  if (with_uidvalidity)
    printf ("uidvalidity %lu\n", stream->uid_validity);
  printf ("uidlast %lu\n", stream->uid_last);
  for (i = 0; i < NUSERFLAGS; i++)
    if (stream->user_flags[i]) {
      fputs ("keyword ", stdout);
      dump_escaped (stream->user_flags[i]);
      putchar ('\n');
    }
  printf ("messages %lu\n", stream->nmsgs);
  if (stream->nmsgs) {
    char seq[64];
    snprintf (seq, sizeof seq, "1:%lu", stream->nmsgs);
    mail_fetch_fast (stream, seq, NIL);
    mail_fetch_flags (stream, seq, NIL);
  }
  for (i = 1; i <= stream->nmsgs; i++) {
    MESSAGECACHE *elt;
    ENVELOPE *env = mail_fetch_structure (stream, i, NIL, NIL);
    const char *sep = "";
    elt = mail_elt (stream, i);
    printf ("%lu uid=%lu flags=", i, mail_uid (stream, i));
    if (elt->seen) { printf ("%s\\Seen", sep); sep = ","; }
    if (elt->answered) { printf ("%s\\Answered", sep); sep = ","; }
    if (elt->flagged) { printf ("%s\\Flagged", sep); sep = ","; }
    if (elt->deleted) { printf ("%s\\Deleted", sep); sep = ","; }
    if (elt->draft) { printf ("%s\\Draft", sep); sep = ","; }
    fputs (" keywords=", stdout);
    sep = "";
    for (j = 0; j < NUSERFLAGS; j++)
      if ((elt->user_flags & (1UL << j)) && stream->user_flags[j]) {
	fputs (sep, stdout);
	dump_escaped (stream->user_flags[j]);
	sep = ",";
      }
    printf (" size=%lu date=%02u-%s-%04u %02u:%02u:%02u %c%02u%02u subject=",
	    elt->rfc822_size, (unsigned) elt->day,
	    months[elt->month <= 12 ? elt->month : 0],
	    (unsigned) elt->year + BASEYEAR, (unsigned) elt->hours,
	    (unsigned) elt->minutes, (unsigned) elt->seconds,
	    elt->zoccident ? '-' : '+', (unsigned) elt->zhours,
	    (unsigned) elt->zminutes);
    dump_escaped (env ? env->subject : NULL);
    putchar ('\n');
  }
  fflush (stdout);
}

/* Reads FILE, turning bare LF into CRLF (c-client's appended text is CRLF). */
static char *dump_read_crlf (const char *file, unsigned long *len)
{
  FILE *f = fopen (file, "rb");
  size_t cap = 4096, n = 0;
  char *out;
  int c, prev = 0;

  if (f == NULL)
    return NULL;
  out = malloc (cap);
  while (out && (c = getc (f)) != EOF) {
    if (n + 3 > cap) {
      char *bigger = realloc (out, cap *= 2);
      if (bigger == NULL) {
	free (out);
	out = NULL;
	break;
      }
      out = bigger;
    }
    if (c == '\n' && prev != '\r')
      out[n++] = '\r';
    out[n++] = (char) c;
    prev = c;
  }
  fclose (f);
  if (out)
    out[n] = '\0';
  *len = n;
  return out;
}

static int dump_op (MAILSTREAM **streamp, char *mailbox, const char *op)
{
  char verb[32], a1[1024], rest[2048];
  int n;

  a1[0] = rest[0] = '\0';
  n = sscanf (op, "%31s %1023s %2047[^\n]", verb, a1, rest);
  if (n < 1) {
    fprintf (stderr, "empty operation\n");
    return -1;
  }
  if (!strcmp (verb, "create"))
    return mail_create (NIL, mailbox) ? 0 : -1;
  if (!strcmp (verb, "append")) {
    STRING bs;
    unsigned long len;
    char *text = dump_read_crlf (a1, &len);
    char *flags = NIL, *date = NIL, *p;
    long ok;
    if (text == NULL) {
      fprintf (stderr, "cannot read %s\n", a1);
      return -1;
    }
    if (rest[0] == '(') {	/* "(flags) date" or "(flags)" */
      flags = rest;
      p = strchr (rest, ')');
      if (p && *++p) {
	*p++ = '\0';
	while (*p == ' ')
	  p++;
	if (*p)
	  date = p;
      }
    }
    else if (rest[0])
      date = rest;
    INIT (&bs, mail_string, (void *) text, len);
    ok = mail_append_full (*streamp, mailbox, flags, date, &bs);
    free (text);
    return ok ? 0 : -1;
  }
  /* the rest need an open stream: read-only if the first thing is a dump,
   * so that looking never rewrites the file */
  if (*streamp == NIL) {
    *streamp = mail_open (NIL, mailbox, strncmp (verb, "dump", 4) ? NIL
			  : OP_READONLY);
    if (*streamp == NIL) {
      dump_open_failed = 1;
      fprintf (stderr, "mail_open %s failed\n", mailbox);
      return -1;
    }
  }
  if (!strcmp (verb, "dump") || !strcmp (verb, "dump-nouidv")) {
    dump_stream (*streamp, !strcmp (verb, "dump"));
    return 0;
  }
  if (!strcmp (verb, "flag") || !strcmp (verb, "unflag")) {
    if (n < 3) {
      fprintf (stderr, "%s needs SEQ and FLAGS\n", verb);
      return -1;
    }
    if (!strcmp (verb, "flag"))
      mail_setflag_full (*streamp, a1, rest, NIL);
    else
      mail_clearflag_full (*streamp, a1, rest, NIL);
    return 0;
  }
  if (!strcmp (verb, "expunge")) {
    mail_expunge (*streamp);
    return 0;
  }
  if (!strcmp (verb, "check")) {
    mail_check (*streamp);
    return 0;
  }
  fprintf (stderr, "unknown operation %s\n", verb);
  return -1;
}

static int dump_main (int argc, char **argv)
{
  MAILSTREAM *stream = NIL;
  int i;

  if (argc < 3) {
    fprintf (stderr, "usage: %s MAILBOX OP...\n", argv[0]);
    return 2;
  }
  for (i = 2; i < argc && !dump_failed; i++)
    if (dump_op (&stream, argv[1], argv[i]) < 0) {
      fprintf (stderr, "%s: operation \"%s\" failed\n", argv[0], argv[i]);
      dump_failed = 1;
    }
  if (stream)
    mail_close (stream);
  return dump_failed ? 1 : 0;
}

#include "mm-stubs.c"

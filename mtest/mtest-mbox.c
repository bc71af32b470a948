/*
 * mtest: the command table and the commands that work on whole mailboxes
 * (open, close, list, status, create, append, copy, ...).
 *
 * Folder operations pass a NIL stream, so every linked driver is asked,
 * as UW applications usually do for local names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "c-client.h"
#include "mtest.h"

const struct mtest_cmd mtest_commands[] = {
  { "open", "O", 1, 2, 0, cmd_open, "[-r] MAILBOX",
    "close the current mailbox, open this one" },
  { "close", NULL, 0, 0, 1, cmd_close, "", "close the mailbox" },
  { "headers", "H", 0, 1, 1, cmd_headers, "[SEQUENCE]",
    "flags, date, from, subject, size" },
  { "body", "B", 1, 1, 1, cmd_body, "N", "MIME structure of message N" },
  { "text", "T", 1, 1, 1, cmd_text, "N",
    "full text of message N (sets \\Seen)" },
  { "part", NULL, 2, 2, 1, cmd_part, "N SECTION",
    "body part, e.g. 2.1 2.MIME 3.TEXT; sets \\Seen" },
  { "flags", NULL, 1, 1, 1, cmd_flags, "N", "flags of message N" },
  { "set", NULL, 2, -1, 1, cmd_set, "SEQUENCE FLAG...",
    "set flags, e.g. set 1:3 \\Seen \\Flagged" },
  { "clear", NULL, 2, -1, 1, cmd_clear, "SEQUENCE FLAG...", "clear flags" },
  { "expunge", "E", 0, 0, 1, cmd_expunge, "",
    "remove messages marked \\Deleted" },
  { "search", NULL, 1, -1, 1, cmd_search, "CRITERIA",
    "matching numbers, e.g. search FROM bob UNSEEN" },
  { "sort", NULL, 1, -1, 1, cmd_sort, "[REVERSE] KEY|(KEY...) [CRITERIA]",
    "KEY: ARRIVAL CC DATE FROM SIZE SUBJECT TO" },
  { "thread", NULL, 0, -1, 1, cmd_thread, "[REFERENCES|ORDEREDSUBJECT] [CRITERIA]",
    "threads, as in an IMAP THREAD response" },
  { "uid", NULL, 1, 1, 1, cmd_uid, "N", "UID of message N" },
  { "check", NULL, 0, 0, 1, cmd_check, "", "checkpoint the mailbox" },
  { "ping", NULL, 0, 0, 1, cmd_ping, "", "check for new mail" },
  { "append", NULL, 2, 4, 0, cmd_append, "MAILBOX FILE [FLAGS] [DATE]",
    "append FILE as a new message" },
  { "copy", NULL, 2, 2, 1, cmd_copy, "SEQUENCE MAILBOX", "copy messages" },
  { "move", NULL, 2, 2, 1, cmd_move, "SEQUENCE MAILBOX",
    "copy, then mark the originals \\Deleted" },
  { "list", "L", 2, 2, 0, cmd_list, "REFERENCE PATTERN",
    "list mailboxes, e.g. list \"\" *" },
  { "lsub", NULL, 0, 2, 0, cmd_lsub, "[REFERENCE PATTERN]",
    "list subscribed mailboxes" },
  { "status", NULL, 1, 1, 0, cmd_status, "MAILBOX",
    "message counts of MAILBOX" },
  { "create", NULL, 1, 1, 0, cmd_create, "MAILBOX", "create a mailbox" },
  { "delete", NULL, 1, 1, 0, cmd_delete, "MAILBOX", "delete a mailbox" },
  { "rename", NULL, 2, 2, 0, cmd_rename, "OLD NEW", "rename a mailbox" },
  { "subscribe", NULL, 1, 1, 0, cmd_subscribe, "MAILBOX", "subscribe" },
  { "unsubscribe", NULL, 1, 1, 0, cmd_unsubscribe, "MAILBOX", "unsubscribe" },
  { "help", "?", 0, 0, 0, cmd_help, "", "this list" },
  { "quit", "Q", 0, 0, 0, cmd_quit, "", "close the mailbox and exit" },
  { NULL, NULL, 0, 0, 0, NULL, NULL, NULL }
};

/* ------------------------------------------------------------ helpers */

/* A message number: decimal digits only, 1..nmsgs. */
int mtest_msgno (struct mtest *m, const char *s, unsigned long *msgno)
{
  unsigned long n = 0;
  const char *p;
  int big = 0;
  for (p = s; *p >= '0' && *p <= '9'; p++) {
    /* nmsgs is far below ULONG_MAX / 10, so n * 10 + 9 cannot wrap */
    if (n > m->stream->nmsgs) big = 1;
    else n = n * 10 + (unsigned long) (*p - '0');
  }
  if (p == s || *p) {
    fputs ("?Not a message number: ", stdout);
    mtest_clean (s, 64);
    putchar ('\n');
    return -1;
  }
  if (big || !n || n > m->stream->nmsgs) {
    fputs ("?No such message: ", stdout);
    mtest_clean (s, 64);
    printf (" (mailbox has %lu)\n", m->stream->nmsgs);
    return -1;
  }
  *msgno = n;
  return 0;
}

/* Mark SEQUENCE in the cache (elt->sequence).  The library checks the
 * syntax and range and reports problems through mm_log. */
int mtest_sequence (struct mtest *m, char *seq)
{
  if (!m->stream->nmsgs) {
    mtest_error ("Mailbox is empty");
    return -1;
  }
  return mail_sequence (m->stream, (unsigned char *) seq) ? 0 : -1;
}

/* Decode RFC 2047 words for display; plain copy when decoding fails. */
char *mtest_decode (const char *s)
{
  SIZEDTEXT src, dst;
  char *r;
  if (!s) return strdup ("");
  src.data = (unsigned char *) s;
  src.size = strlen (s);
  dst.data = NIL;
  dst.size = 0;
  if (!utf8_mime2text (&src, &dst, NIL) || !dst.data)
    return strdup (s);
  r = malloc (dst.size + 1);
  if (r) {
    memcpy (r, dst.data, dst.size);
    r[dst.size] = '\0';
  }
  if (dst.data != src.data) fs_give ((void **) &dst.data);
  return r;
}

int mtest_open (struct mtest *m, char *name, long options)
{
  /* Close first rather than let mail_open recycle the stream: a failed open
   * then leaves a clean "nothing open" state. */
  if (m->stream) m->stream = mail_close (m->stream);
  m->opening = 1;
  m->exists = 0;
  m->stream = mail_open (NIL, name, options | (m->debug ? OP_DEBUG : NIL));
  m->opening = 0;
  if (!m->stream) {
    fputs ("NO open failed: ", stdout);
    mtest_clean (name, 200);
    putchar ('\n');
    return -1;
  }
  m->exists = m->stream->nmsgs;
  fputs ("Mailbox ", stdout);
  mtest_clean_str (m->stream->mailbox);
  printf (": %lu message%s, %lu recent%s\n", m->stream->nmsgs,
	  m->stream->nmsgs == 1 ? "" : "s", m->stream->recent,
	  m->stream->rdonly ? " (read-only)" : "");
  return 0;
}

/* "OK what" or "NO what failed", the result of a call that returns T/NIL */
static int result (long ok, const char *what, const char *arg)
{
  fputs (ok ? "OK " : "NO ", stdout);
  fputs (what, stdout);
  if (arg) {
    putchar (' ');
    mtest_clean (arg, 200);
  }
  puts (ok ? "" : " failed");
  return ok ? 0 : -1;
}

/* ------------------------------------------------------------ session */

int cmd_open (struct mtest *m, int argc, char **argv, char **rest)
{
  if (argc == 3 && strcmp (argv[1], "-r")) {
    mtest_error ("Usage: open [-r] MAILBOX");
    return -1;
  }
  return mtest_open (m, argv[argc - 1], argc == 3 ? OP_READONLY : NIL);
}

int cmd_close (struct mtest *m, int argc, char **argv, char **rest)
{
  m->stream = mail_close (m->stream);
  puts ("OK closed");
  return 0;
}

int cmd_quit (struct mtest *m, int argc, char **argv, char **rest)
{
  m->quit = 1;
  return 0;
}

int cmd_help (struct mtest *m, int argc, char **argv, char **rest)
{
  const struct mtest_cmd *c;
  char head[80];
  for (c = mtest_commands; c->name; c++) {
    snprintf (head, sizeof head, "%s%s%s %s", c->name, c->alias ? "|" : "",
	      c->alias ? c->alias : "", c->args);
    if (strlen (head) > 30) printf ("  %s\n  %-30s %s\n", head, "", c->help);
    else printf ("  %-30s %s\n", head, c->help);
  }
  puts ("Lines starting with # are ignored.  Words may be \"quoted\".");
  return 0;
}

int cmd_check (struct mtest *m, int argc, char **argv, char **rest)
{
  mail_check (m->stream);
  return 0;
}

int cmd_ping (struct mtest *m, int argc, char **argv, char **rest)
{
  if (!mail_ping (m->stream)) {
    puts ("NO ping: the mailbox is no longer usable");
    return -1;
  }
  printf ("OK ping: %lu messages, %lu recent\n", m->stream->nmsgs,
	  m->stream->recent);
  return 0;
}

/* ------------------------------------------------------------ folders */

int cmd_list (struct mtest *m, int argc, char **argv, char **rest)
{
  m->collecting = 1;
  mail_list (NIL, argv[1], argv[2]);
  mtest_collect_flush (m);
  return 0;
}

int cmd_lsub (struct mtest *m, int argc, char **argv, char **rest)
{
  if (argc == 2) {
    mtest_error ("Usage: lsub [REFERENCE PATTERN]");
    return -1;
  }
  m->collecting = 1;
  mail_lsub (NIL, argc == 3 ? argv[1] : "", argc == 3 ? argv[2] : "*");
  mtest_collect_flush (m);
  return 0;
}

int cmd_status (struct mtest *m, int argc, char **argv, char **rest)
{
  if (mail_status (NIL, argv[1], SA_MESSAGES | SA_RECENT | SA_UNSEEN |
		   SA_UIDNEXT | SA_UIDVALIDITY))
    return 0;
  return result (NIL, "status", argv[1]);
}

int cmd_create (struct mtest *m, int argc, char **argv, char **rest)
{
  return result (mail_create (NIL, argv[1]), "create", argv[1]);
}

int cmd_delete (struct mtest *m, int argc, char **argv, char **rest)
{
  return result (mail_delete (NIL, argv[1]), "delete", argv[1]);
}

int cmd_rename (struct mtest *m, int argc, char **argv, char **rest)
{
  return result (mail_rename (NIL, argv[1], argv[2]), "rename", argv[1]);
}

int cmd_subscribe (struct mtest *m, int argc, char **argv, char **rest)
{
  return result (mail_subscribe (NIL, argv[1]), "subscribe", argv[1]);
}

int cmd_unsubscribe (struct mtest *m, int argc, char **argv, char **rest)
{
  return result (mail_unsubscribe (NIL, argv[1]), "unsubscribe", argv[1]);
}

/* ------------------------------------------------------------ messages in */

/* Read a local text file and give it internet line ends (CRLF), the form
 * c-client expects a message in.  Returns a malloc'ed buffer or NULL. */
static char *read_message (const char *path, unsigned long *len)
{
  FILE *f = fopen (path, "rb");
  char *buf = NULL, *n;
  size_t cap = 0, used = 0;
  int c, prev = 0;
  if (!f) {
    fputs ("?Can't read ", stdout);
    mtest_clean (path, 200);
    printf (": %s\n", strerror (errno));
    return NULL;
  }
  while ((c = getc (f)) != EOF) {
    if (used + 2 >= cap) {
      if (cap >= MTEST_FILE_MAX) {
	printf ("?File is larger than %lu bytes\n", MTEST_FILE_MAX);
	free (buf);
	fclose (f);
	return NULL;
      }
      cap = cap ? cap * 2 : 4096;
      if (!(n = realloc (buf, cap + 1))) {
	mtest_error ("Out of memory");
	free (buf);
	fclose (f);
	return NULL;
      }
      buf = n;
    }
    if (c == '\n' && prev != '\r') buf[used++] = '\r';
    buf[used++] = (char) (prev = c);
  }
  fclose (f);
  if (!buf && !(buf = malloc (1))) return NULL;
  buf[used] = '\0';
  *len = used;
  return buf;
}

int cmd_append (struct mtest *m, int argc, char **argv, char **rest)
{
  STRING s;
  unsigned long len;
  long ok;
  char *msg = read_message (argv[2], &len);
  if (!msg) return -1;
  INIT (&s, mail_string, msg, len);
  ok = mail_append_full (NIL, argv[1], argc > 3 && *argv[3] ? argv[3] : NIL,
			 argc > 4 ? argv[4] : NIL, &s);
  free (msg);
  return result (ok, "append to", argv[1]);
}

static int copy_or_move (struct mtest *m, char **argv, long options)
{
  /* Check the sequence before asking for the copy, so that a bad sequence
   * is reported as such and nothing is half done. */
  if (mtest_sequence (m, argv[1]) < 0) return -1;
  return result (mail_copy_full (m->stream, argv[1], argv[2], options),
		 options & CP_MOVE ? "move to" : "copy to", argv[2]);
}

int cmd_copy (struct mtest *m, int argc, char **argv, char **rest)
{
  return copy_or_move (m, argv, NIL);
}

int cmd_move (struct mtest *m, int argc, char **argv, char **rest)
{
  return copy_or_move (m, argv, CP_MOVE);
}

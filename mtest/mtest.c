/*
 * mtest: an interactive client for the c-client API, written the way a UW
 * c-client application is written: it includes "c-client.h", runs
 * "linkage.c" inside main() and defines the 15 mm_* callbacks.
 *
 * This file: main, the command reader and dispatcher, the callbacks and
 * small output helpers.  The commands are in mtest-mbox.c (mailboxes) and
 * mtest-msg.c (messages).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "c-client.h"
#include "mtest.h"

struct mtest *mtest_session;

/* ------------------------------------------------------------ output */

void mtest_clean (const char *s, size_t max)
{
  size_t i;
  for (i = 0; s && i < max && s[i]; i++) {
    unsigned char c = (unsigned char) s[i];
    /* a message must not drive the user's terminal */
    putchar ((c < 0x20 && c != '\t') || c == 0x7f ? '?' : c);
  }
}

void mtest_clean_str (const char *s)
{
  mtest_clean (s, (size_t) -1);
}

void mtest_error (const char *fmt, ...)
{
  va_list ap;
  putchar ('?');
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  putchar ('\n');
}

/* mm_list/mm_lsub lines are collected and printed sorted, because the
 * order of a directory scan is not something a transcript can rely on. */
void mtest_collect (struct mtest *m, const char *line)
{
  if (!m->collecting) {
    puts (line);
    return;
  }
  if (m->nlines == m->linecap) {
    size_t cap = m->linecap ? m->linecap * 2 : 16;
    char **n = realloc (m->lines, cap * sizeof *n);
    if (!n) {
      mtest_error ("Out of memory");
      return;
    }
    m->lines = n;
    m->linecap = cap;
  }
  if (!(m->lines[m->nlines] = strdup (line))) mtest_error ("Out of memory");
  else m->nlines++;
}

static int cmp_line (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

void mtest_collect_flush (struct mtest *m)
{
  size_t i;
  if (m->nlines) qsort (m->lines, m->nlines, sizeof *m->lines, cmp_line);
  for (i = 0; i < m->nlines; i++) {
    puts (m->lines[i]);
    free (m->lines[i]);
  }
  m->nlines = 0;
  m->collecting = 0;
}

/* ------------------------------------------------------------ input */

/* Read one line into buf (at most size-1 bytes, NUL-terminated, without the
 * line end).  Returns 1 for a line, 0 at end of input, -1 for a line that
 * was too long or held a NUL byte (the whole line is consumed). */
static int read_line (FILE *in, char *buf, size_t size)
{
  size_t n = 0;
  int c, bad = 0, any = 0;
  while ((c = getc (in)) != EOF) {
    any = 1;
    if (c == '\n') break;
    if (c == '\0' || n + 1 >= size) bad = 1;
    else buf[n++] = (char) c;
  }
  if (!any) return 0;
  if (n && buf[n - 1] == '\r') n--;
  buf[n] = '\0';
  return bad ? -1 : 1;
}

/* Split line into words.  "..." quotes a word (\" and \\ inside); rest[i]
 * points into the original line at word i.  words is a scratch copy. */
static int split (char *line, char *words, char **argv, char **rest)
{
  char *s = line, *w = words;
  int argc = 0;
  for (;;) {
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) break;
    if (argc == MTEST_ARGS_MAX) {
      mtest_error ("Too many words (at most %d)", MTEST_ARGS_MAX);
      return -1;
    }
    rest[argc] = s;
    argv[argc++] = w;
    if (*s == '"') {
      for (s++; *s && *s != '"'; s++) {
	if (*s == '\\' && (s[1] == '"' || s[1] == '\\')) s++;
	*w++ = *s;
      }
      if (*s != '"') {
	mtest_error ("Unterminated quoted string");
	return -1;
      }
      s++;
    }
    else while (*s && *s != ' ' && *s != '\t') *w++ = *s++;
    *w++ = '\0';
  }
  return argc;
}

static const struct mtest_cmd *find_command (const char *name)
{
  const struct mtest_cmd *c;
  for (c = mtest_commands; c->name; c++)
    if (!strcasecmp (name, c->name) || (c->alias && !strcasecmp (name, c->alias)))
      return c;
  return NULL;
}

static void run_line (struct mtest *m, char *line)
{
  char words[MTEST_LINE_MAX];
  char *argv[MTEST_ARGS_MAX + 1], *rest[MTEST_ARGS_MAX + 1];
  const struct mtest_cmd *c;
  int argc = split (line, words, argv, rest);
  if (argc <= 0) return;	/* blank line or already reported */
  argv[argc] = rest[argc] = NULL;
  if (!(c = find_command (argv[0]))) {
    fputs ("?Unrecognized command: ", stdout);
    mtest_clean (argv[0], 64);
    fputs (" (type ? for help)\n", stdout);
    return;
  }
  if (argc - 1 < c->min_args || (c->max_args >= 0 && argc - 1 > c->max_args))
    mtest_error ("Usage: %s%s%s", c->name, *c->args ? " " : "", c->args);
  else if (c->need_stream && !m->stream) mtest_error ("No mailbox is open");
  else {
    m->expunged = 0;		/* per-command event counters */
    m->nhits = 0;
    c->run (m, argc, argv, rest);
  }
}

static void loop (struct mtest *m)
{
  static char line[MTEST_LINE_MAX];
  int r;
  while (!m->quit) {
    if (!m->script) {
      fputs ("MTest> ", stdout);
      fflush (stdout);
    }
    if (!(r = read_line (stdin, line, sizeof line))) {
      if (!m->script) putchar ('\n');	/* end of input at the prompt */
      break;
    }
    if (r < 0) {
      mtest_error ("Line too long or holds a NUL byte (limit %d bytes)",
		   MTEST_LINE_MAX - 1);
      continue;
    }
    if (m->echo) {
      fputs ("> ", stdout);
      mtest_clean_str (line);
      putchar ('\n');
    }
    if (line[0] == '#') continue;	/* comment, for scripts */
    run_line (m, line);
    fflush (stdout);
  }
}

/* ------------------------------------------------------------ main */

static void usage (void)
{
  fputs ("usage: mtest [-f mailbox] [-s|--script] [-e|--echo] [-d]\n", stderr);
}

static int options (struct mtest *m, int argc, char **argv, char **mailbox)
{
  int i;
  m->script = !isatty (0);
  for (i = 1; i < argc; i++) {
    if (!strcmp (argv[i], "-f") && i + 1 < argc) *mailbox = argv[++i];
    else if (!strcmp (argv[i], "-s") || !strcmp (argv[i], "--script"))
      m->script = 1;
    else if (!strcmp (argv[i], "-e") || !strcmp (argv[i], "--echo"))
      m->echo = 1;
    else if (!strcmp (argv[i], "-d")) m->debug = 1;
    else {
      usage ();
      return -1;
    }
  }
  return 0;
}

int main (int argc, char **argv)
{
  struct mtest m = { 0 };
  char *mailbox = NIL;
  mtest_session = &m;		/* before any call that can call back */
#include "linkage.c"
  if (options (&m, argc, argv, &mailbox) < 0) return 2;
  if (!m.script)
    printf ("MTest: %s c-client (API %s). Type ? for help.\n",
#ifdef BAMBOOVERSION
	    "Bamboo IMAP " BAMBOOVERSION,
#else
	    "UW",
#endif
	    CCLIENTVERSION);
  if (mailbox) mtest_open (&m, mailbox, NIL);
  fflush (stdout);
  loop (&m);
  if (m.stream) m.stream = mail_close (m.stream);
  free (m.hits);
  free (m.lines);
  fflush (stdout);
  return 0;
}

/* ------------------------------------------------------------ callbacks */

/* Severity prefixes: scripts and tests grep for these. */
static void log_line (const char *plain, const char *string, long errflg)
{
  const char *tag;
  switch (errflg) {
  case NIL: tag = plain; break;
  case WARN: tag = "%WARN: "; break;
  case ERROR: tag = "%ERROR: "; break;
  case PARSE: tag = "%PARSE: "; break;
  case BYE: tag = "%BYE: "; break;
  default: tag = "%LOG: "; break;
  }
  fputs (tag, stdout);
  mtest_clean_str (string);
  putchar ('\n');
}

void mm_searched (MAILSTREAM *stream, unsigned long number)
{
  struct mtest *m = mtest_session;
  if (m->nhits == m->hitcap) {
    size_t cap = m->hitcap ? m->hitcap * 2 : 64;
    unsigned long *n = realloc (m->hits, cap * sizeof *n);
    if (!n) return;
    m->hits = n;
    m->hitcap = cap;
  }
  m->hits[m->nhits++] = number;
}

void mm_exists (MAILSTREAM *stream, unsigned long number)
{
  struct mtest *m = mtest_session;
  if (!m->opening && stream == m->stream && number != m->exists)
    printf ("%%EXISTS: %lu messages\n", number);
  m->exists = number;
}

void mm_expunged (MAILSTREAM *stream, unsigned long number)
{
  struct mtest *m = mtest_session;
  printf ("%%EXPUNGED: message %lu\n", number);
  m->expunged++;
  if (m->exists) m->exists--;
}

void mm_flags (MAILSTREAM *stream, unsigned long number)
{
  if (mtest_session->debug) printf ("%%FLAGS: message %lu\n", number);
}

void mm_notify (MAILSTREAM *stream, char *string, long errflg)
{
  log_line ("%NOTIFY: ", string, errflg);
}

static void list_line (const char *what, int delimiter, char *name,
		       long attributes)
{
  static const struct { long bit; const char *name; } attrs[] = {
    { LATT_NOINFERIORS, "\\NoInferiors" }, { LATT_NOSELECT, "\\NoSelect" },
    { LATT_MARKED, "\\Marked" }, { LATT_UNMARKED, "\\Unmarked" },
    { LATT_REFERRAL, "\\Referral" }, { LATT_HASCHILDREN, "\\HasChildren" },
    { LATT_HASNOCHILDREN, "\\HasNoChildren" },
  };
  char line[MTEST_LINE_MAX];
  size_t i, n;
  int k;
  n = (size_t) snprintf (line, sizeof line, "%s (", what);
  for (i = k = 0; i < sizeof attrs / sizeof *attrs; i++)
    if (attributes & attrs[i].bit) {
      n += (size_t) snprintf (line + n, sizeof line - n, "%s%s",
			      k++ ? " " : "", attrs[i].name);
    }
  if (delimiter)
    n += (size_t) snprintf (line + n, sizeof line - n, ") \"%c\" ",
			    (char) delimiter);
  else n += (size_t) snprintf (line + n, sizeof line - n, ") NIL ");
  /* the name is mailbox data: keep controls off the terminal */
  for (i = 0; name && name[i] && n + 1 < sizeof line; i++) {
    unsigned char c = (unsigned char) name[i];
    line[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char) c;
  }
  line[n] = '\0';
  mtest_collect (mtest_session, line);
}

void mm_list (MAILSTREAM *stream, int delimiter, char *name, long attributes)
{
  list_line ("LIST", delimiter, name, attributes);
}

void mm_lsub (MAILSTREAM *stream, int delimiter, char *name, long attributes)
{
  list_line ("LSUB", delimiter, name, attributes);
}

void mm_status (MAILSTREAM *stream, char *mailbox, MAILSTATUS *status)
{
  fputs ("STATUS ", stdout);
  mtest_clean_str (mailbox);
  fputs (" (", stdout);
  if (status->flags & SA_MESSAGES) printf ("MESSAGES %lu ", status->messages);
  if (status->flags & SA_RECENT) printf ("RECENT %lu ", status->recent);
  if (status->flags & SA_UNSEEN) printf ("UNSEEN %lu ", status->unseen);
  if (status->flags & SA_UIDNEXT) printf ("UIDNEXT %lu ", status->uidnext);
  if (status->flags & SA_UIDVALIDITY) {
    /* it is a timestamp for new mailboxes: transcripts only see "set" */
    if (mtest_session->script)
      printf ("UIDVALIDITY %s", status->uidvalidity ? "set" : "0");
    else printf ("UIDVALIDITY %lu", status->uidvalidity);
  }
  puts (")");
}

void mm_log (char *string, long errflg)
{
  log_line ("%INFO: ", string, errflg);
}

void mm_dlog (char *string)
{
  if (!mtest_session || !mtest_session->debug) return;
  fputs ("%DEBUG: ", stderr);
  fputs (string, stderr);
  fputc ('\n', stderr);
}

/* Read one answer for mm_login: from the terminal, or the next script
 * line.  Echo is turned off for passwords typed at a terminal. */
static void login_answer (const char *prompt, char *dst, size_t size,
			  int secret)
{
  struct termios old, quiet;
  int tty = isatty (0) && !mtest_session->script, r;
  if (tty) {
    fputs (prompt, stdout);
    fflush (stdout);
  }
  if (tty && secret && !tcgetattr (0, &old)) {
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t) ECHO;
    tcsetattr (0, TCSAFLUSH, &quiet);
    r = read_line (stdin, dst, size);
    tcsetattr (0, TCSAFLUSH, &old);
    putchar ('\n');
  }
  else r = read_line (stdin, dst, size);
  if (r <= 0) dst[0] = '\0';
}

void mm_login (NETMBX *mb, char *user, char *pwd, long trial)
{
  char prompt[NETMAXHOST + 32];
  snprintf (prompt, sizeof prompt, "{%s} username: ", mb->host);
  if (mb->user[0]) {
    memcpy (user, mb->user, NETMAXUSER);
    user[NETMAXUSER - 1] = '\0';
  }
  else login_answer (prompt, user, NETMAXUSER, 0);
  login_answer ("password: ", pwd, MAILTMPLEN, 1);
}

void mm_critical (MAILSTREAM *stream)
{
  mtest_session->critical++;
}

void mm_nocritical (MAILSTREAM *stream)
{
  if (mtest_session->critical) mtest_session->critical--;
}

long mm_diskerror (MAILSTREAM *stream, long errcode, long serious)
{
  printf ("%%DISKERROR: %s%s; giving up\n", strerror ((int) errcode),
	  serious ? " (mailbox may be damaged)" : "");
  return T;			/* abort rather than retry forever */
}

void mm_fatal (char *string)
{
  fflush (stdout);
  fprintf (stderr, "?FATAL: %s\n", string);
}

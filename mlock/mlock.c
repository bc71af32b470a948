/*
 * mlock - hold a spool mailbox's "<path>.lock" for a user who cannot write
 * the spool directory.  Setgid mail; c-client's dotlock code runs it as
 * "mlock FD PATH" (mailbox open on FD, stdin/stdout on pipes).  It says "+"
 * once it holds the lock, and removes it when a byte or EOF arrives on stdin.
 * The lock is the library's own lock_dot(); the argument checks are in
 * args.c.  See mlock.8, docs/mlock.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "c-client.h"
#include "lock.h"
#include "mlock-args.h"

enum {
  MLOCK_OK = 0,
  MLOCK_UNLOCK = 1,		/* the lock was gone or replaced at the end */
  MLOCK_USAGE = 2,		/* arguments not "FD /ABSOLUTE/PATH" */
  MLOCK_CHECK = 3,		/* FD is not the open mailbox PATH names */
  MLOCK_NOLOCK = 4		/* the lock could not be taken (or handed over) */
};

static volatile sig_atomic_t terminated;
static void on_term (int sig) { terminated = sig; }  /* read(): EINTR */

/* A one-line reason on stderr (never stdout: that is the "+" channel) and in
 * syslog, where the administrator sees it when a client got no lock. */
static void say (const char *fmt, ...) BAMBOO_PRINTF (1, 2);
static void say (const char *fmt, ...)
{
  char line[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (line, sizeof line, fmt, ap);
  va_end (ap);
  fprintf (stderr, "mlock: %s\n", line);
  syslog (LOG_MAIL | LOG_ERR, "%s", line);
}

/* We run with the caller's uid and group mail: take nothing from the
 * caller but our arguments and the mailbox fd. */
static void sanitise (void)
{
  struct sigaction sa = { .sa_handler = on_term };
  sigset_t none;
  int i;

  /* a closed 0, 1 or 2 would be reused by the next open() */
  for (i = 0; i < 3; i++)
    if (fcntl (i, F_GETFD) < 0 && open ("/dev/null", O_RDWR) != i)
      _exit (MLOCK_CHECK);
  clearenv ();			/* e.g. BAMBOO_CCLIENT_CF, TZ, LOCALPATH */
  umask (077);			/* lock_dot sets the lock's mode itself */
  /* nothing may kill us while we hold the lock; a gone caller or SIGTERM
   * (no SA_RESTART: read() returns) means unlock and exit */
  signal (SIGPIPE, SIG_IGN);
  signal (SIGINT, SIG_IGN);
  signal (SIGHUP, SIG_IGN);
  signal (SIGQUIT, SIG_IGN);
  sigaction (SIGTERM, &sa, NULL);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  openlog ("mlock", LOG_PID, LOG_MAIL);
}

/* Enter PATH's directory (so no later rename of a directory above can move
 * the lock elsewhere) and check that its last component is the regular file
 * open on fd.  Returns that component, or NULL after saying why not. */
static const char *enter_and_check (char *path, int fd)
{
  char *slash = strrchr (path, '/');
  struct stat fsb, psb;
  int in;

  if (fstat (fd, &fsb) < 0 || !S_ISREG (fsb.st_mode)) {
    say ("fd %d is not open on a regular file", fd);
    return NULL;
  }
  *slash = '\0';
  in = chdir (slash == path ? "/" : path);
  *slash = '/';
  if (in < 0 || stat (slash + 1, &psb) < 0) {
    say ("%s: %s", path, strerror (errno));
    return NULL;
  }
  if (psb.st_dev != fsb.st_dev || psb.st_ino != fsb.st_ino) {
    say ("%s is not the file open on fd %d", path, fd);
    return NULL;
  }
  return slash + 1;
}

int main (int argc, char **argv)
{
  const char *name, *error = NULL, *why;
  DOTLOCK dl;
  char c;
  int fd;

  sanitise ();
  if (argc != 3 || (fd = mlock_parse_fd (argv[1])) < 0) {
    say ("usage: mlock FD /ABSOLUTE/PATH (FD a decimal number >= 3)");
    return MLOCK_USAGE;
  }
  if ((why = mlock_path_problem (argv[2]))) {
    say ("path %.200s %s", argv[2], why);
    return MLOCK_USAGE;
  }
  /* only the standard fds and the mailbox stay */
  if ((fd > 3 && close_range (3, (unsigned) fd - 1, 0) < 0)
      || close_range ((unsigned) fd + 1, ~0U, 0) < 0) {
    say ("cannot close inherited descriptors: %s", strerror (errno));
    return MLOCK_CHECK;
  }
  if (!(name = enter_and_check (argv[2], fd)))
    return MLOCK_CHECK;
  lock_set_mlock_path ("");	/* never run ourselves */
  if (lock_dot (NIL, name, fd, &dl, &error) < 0) {
    say ("%s", error);
    return MLOCK_NOLOCK;
  }
  if (dl.lock[0] == '\0') {
    say ("cannot create %s.lock (is mlock setgid mail?)", argv[2]);
    return MLOCK_NOLOCK;
  }
  if (terminated || write (1, "+", 1) != 1) {	/* the caller has gone */
    lock_undot (&dl);
    return MLOCK_NOLOCK;
  }
  /* one byte, end of file (the caller died) or an error: unlock */
  while (!terminated && read (0, &c, 1) < 0 && errno == EINTR)
    ;
  if (lock_undot (&dl) < 0) {
    say ("%s.lock was removed or replaced while held", argv[2]);
    return MLOCK_UNLOCK;
  }
  return MLOCK_OK;
}

#ifdef __SANITIZE_ADDRESS__
/* LeakSanitizer cannot inspect a setgid (non-dumpable) process: it would
 * fail every run of a sanitizer build.  ASan's other checks stay. */
int __lsan_is_turned_off (void) { return 1; }
#endif

/* c-client callbacks.  The dotlock code may log (a stale lock removed): to
 * syslog only, as the caller reads our stderr through the "+" pipe. */
void mm_log (char *string, long flg)
{ syslog (LOG_MAIL | (flg == ERROR ? LOG_ERR : LOG_NOTICE), "%s", string); }
void mm_dlog (char *string) { mm_log (string, NIL); }
void mm_fatal (char *string) { mm_log (string, ERROR); }
void mm_notify (MAILSTREAM *s, char *str, long flg) { mm_log (str, flg); }
void mm_searched (MAILSTREAM *s, unsigned long n) { }
void mm_exists (MAILSTREAM *s, unsigned long n) { }
void mm_expunged (MAILSTREAM *s, unsigned long n) { }
void mm_flags (MAILSTREAM *s, unsigned long n) { }
void mm_list (MAILSTREAM *s, int delim, char *name, long attrs) { }
void mm_lsub (MAILSTREAM *s, int delim, char *name, long attrs) { }
void mm_status (MAILSTREAM *s, char *name, MAILSTATUS *status) { }
void mm_login (NETMBX *mb, char *user, char *pwd, long trial) { *pwd = '\0'; }
void mm_critical (MAILSTREAM *s) { }
void mm_nocritical (MAILSTREAM *s) { }
long mm_diskerror (MAILSTREAM *s, long code, long serious) { return T; }

/*
 * dotlock.c - the spool "<mailbox>.lock" file, interoperable with UW c-client,
 * procmail, Postfix local(8), exim and mutt.  See docs/locking.md.
 *
 * Taking the lock (NFS-safe): create a unique "hitching post" file
 * "<mailbox>.<host>.<pid>.<n>" in the same directory, link() it to
 * "<mailbox>.lock", and believe the result only from the hitching post's link
 * count (2 = we own the lock), because link() over NFS may report failure for
 * a link that was made when the server's reply was lost.  Filesystems without
 * hard links fall back to O_CREAT|O_EXCL on the lock name.
 *
 * Staleness is judged by the file system's clock: the hitching post we just
 * created carries the server's idea of "now" in its mtime, and that is what
 * the lock's mtime is compared with, never our own time().  A lock whose age
 * by that clock is the timeout or more (either direction: a lock stamped far
 * in the future is as meaningless as a very old one) is removed.  A lock that
 * sits unchanged while we wait the whole timeout on our monotonic clock is
 * removed too (inactivity), so a lock with an unreliable mtime can never block
 * the mailbox forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "lock.h"

#define DOT_DEFAULT_MINUTES 5		/* UW's default lock timeout */
#define DOT_DEFAULT_PROTECTION 0666	/* others must be able to break it */
#define DOT_NOTIFY_EVERY 15		/* seconds between "is locked" notes */
#define DOT_POLL_FIRST_NS 5000000L	/* 5 ms */
#define DOT_POLL_MAX_NS 500000000L	/* 0.5 s */
#define DOT_MLOCK_GRACE 30		/* seconds mlock may take beyond ours */

#if defined __has_include
# if __has_include("bamboo-config.h")
#  include "bamboo-config.h"
# endif
#endif

/* UW's places, then where "make install" puts ours (PREFIX=/usr/local by
 * default, which UW's search would miss) */
static const char *const dot_mlock_defaults[] = {
  "/usr/libexec/mlock", "/usr/sbin/mlock", "/etc/mlock",
#ifdef BAMBOO_SBINDIR
  BAMBOO_SBINDIR "/mlock",
#endif
  NULL
};

static char *dot_mlock_path;		/* NULL: defaults; "": disabled */
static long dot_timeout_override;	/* seconds; 0: use GET_LOCKTIMEOUT */
static unsigned long dot_counter;	/* makes hitching post names unique */
static struct buf dot_err;		/* text behind *error_r */

void lock_set_mlock_path (const char *path)
{
  if (dot_mlock_path)
    fs_give ((void **) &dot_mlock_path);
  if (path)
    dot_mlock_path = cpystr ((char *) path);
}

void lock_dot_set_timeout_seconds (long seconds)
{
  dot_timeout_override = seconds > 0 ? seconds : 0;
}

static long dot_timeout (void)
{
  long minutes;

  if (dot_timeout_override > 0)
    return dot_timeout_override;
  minutes = (long) mail_parameters (NIL, GET_LOCKTIMEOUT, NIL);
  if (minutes <= 0)
    minutes = DOT_DEFAULT_MINUTES;
  return minutes * 60;
}

mode_t lock_protection (void)
{
  long mode = (long) mail_parameters (NIL, GET_LOCKPROTECTION, NIL);

  if (mode <= 0)
    mode = DOT_DEFAULT_PROTECTION;
  return (mode_t) (mode & 07777);
}

static const char *dot_error (const char *fmt, ...) BAMBOO_PRINTF (1, 2);
static const char *dot_error (const char *fmt, ...)
{
  va_list ap;

  buf_reset (&dot_err);
  va_start (ap, fmt);
  buf_vprintf (&dot_err, fmt, ap);
  va_end (ap);
  return buf_cstr (&dot_err);
}

static double dot_mtime (const struct stat *sb)
{
  return (double) sb->st_mtim.tv_sec + (double) sb->st_mtim.tv_nsec / 1e9;
}

static long long dot_mtime_ns (const struct stat *sb)
{
  return (long long) sb->st_mtim.tv_sec * 1000000000LL + sb->st_mtim.tv_nsec;
}

/* "<path>.<host>.<pid>.<n>"; host characters that could confuse a path or
 * a shell reader are replaced. */
static void dot_hitch_name (struct buf *b, const char *path)
{
  buf_reset (b);
  buf_printf (b, "%s.", path);
  os_host_name_part (b);
  buf_printf (b, ".%ld.%lu", (long) getpid (), ++dot_counter);
}

static void dot_record (DOTLOCK *dl, const struct stat *sb)
{
  dl->lockdev = (unsigned long long) sb->st_dev;
  dl->lockino = (unsigned long long) sb->st_ino;
  dl->lockmtime = dot_mtime_ns (sb);
}

/*
 * One attempt.  Returns 1 when we hold the lock, 0 when someone else does,
 * -1 with errno when the lock cannot be created at all.  *fs_now receives
 * the file system's current time when a probe was possible (*have_now = 1).
 */
static int dot_try (const char *lockname, const char *path, mode_t mode,
		    DOTLOCK *dl, double *fs_now, int *have_now)
{
  struct buf hitch = BUF_INIT;
  struct stat sb;
  int hfd, lfd, r, link_errno, got;

  *have_now = 0;
  dot_hitch_name (&hitch, path);
  hfd = open (buf_cstr (&hitch),
	      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (hfd < 0) {
    int e = errno;
    buf_free (&hitch);
    switch (e) {
    case EACCES: case EPERM: case EROFS:
      errno = e;
      return -1;
    case EEXIST:		/* a leftover post of a dead namesake */
      return 0;
    default:			/* e.g. ENAMETOOLONG: try the plain way */
      goto excl;
    }
  }
  (void) fchmod (hfd, mode);	/* umask must not make it unbreakable */
  if (fstat (hfd, &sb) == 0) {
    *fs_now = dot_mtime (&sb);
    *have_now = 1;
  }
  r = link (buf_cstr (&hitch), lockname);
  link_errno = errno;
  got = 0;
  if (fstat (hfd, &sb) == 0) {
    struct stat lsb;
    /* nlink 2 is the NFS-proof answer; some FUSE file systems always say 1,
     * so the lock being our inode counts as well */
    got = sb.st_nlink == 2
      || (lstat (lockname, &lsb) == 0 && lsb.st_ino == sb.st_ino
	  && lsb.st_dev == sb.st_dev);
  }
  (void) unlink (buf_cstr (&hitch));
  close (hfd);
  buf_free (&hitch);
  if (got) {
    dot_record (dl, &sb);
    return 1;
  }
  if (r == 0 || link_errno == EEXIST)
    return 0;
  /* no hard links here (EPERM on some FUSE/vfat, EXDEV, ENOSYS...) */
excl:
  lfd = open (lockname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	      mode);
  if (lfd < 0)
    return errno == EEXIST ? 0 : -1;
  (void) fchmod (lfd, mode);
  if (fstat (lfd, &sb) == 0)
    dot_record (dl, &sb);
  close (lfd);
  return 1;
}

/* write() that cannot kill us with SIGPIPE when the helper has gone */
static ssize_t dot_write_nosigpipe (int fd, const void *p, size_t n)
{
  sigset_t pipe_set, old;
  ssize_t r;
  int e;

  sigemptyset (&pipe_set);
  sigaddset (&pipe_set, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &pipe_set, &old);
  do
    r = write (fd, p, n);
  while (r < 0 && errno == EINTR);
  e = errno;
  if (r < 0 && e == EPIPE && !sigismember (&old, SIGPIPE)) {
    struct timespec zero = { 0, 0 };
    (void) sigtimedwait (&pipe_set, NULL, &zero);
  }
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  errno = e;
  return r;
}

/* lock_set_mlock_path() wins over "set mlock-path", which wins over UW's
 * search.  A path that is not absolute ("", "none") disables the helper:
 * a relative one would be found through the caller's working directory. */
static const char *dot_find_mlock (void)
{
  const char *set = dot_mlock_path ? dot_mlock_path
    : (const char *) mail_parameters (NIL, GET_MLOCKPATH, NIL);
  int i;

  if (set)
    return set[0] == '/' && access (set, X_OK) == 0 ? set : NULL;
  for (i = 0; dot_mlock_defaults[i]; i++)
    if (access (dot_mlock_defaults[i], X_OK) == 0)
      return dot_mlock_defaults[i];
  return NULL;
}

static void dot_close_from (int lowfd, int keep)
{
  long limit = sysconf (_SC_OPEN_MAX), fd;

#ifdef SYS_close_range
  if (keep < lowfd || syscall (SYS_close_range, (unsigned) lowfd,
			      (unsigned) keep - 1, 0) == 0) {
    if (syscall (SYS_close_range, (unsigned) (keep < lowfd ? lowfd : keep + 1),
		 ~0U, 0) == 0)
      return;
  }
#endif
  if (limit < 0 || limit > 65536)
    limit = 65536;
  for (fd = lowfd; fd < limit; fd++)
    if (fd != keep)
      close ((int) fd);
}

/* Child side: becomes "mlock <fd> <path>" with stdin/stdout on the pipes. */
static void dot_mlock_child (const char *prog, int fd, const char *abspath,
			     int to_child, int from_child)
{
  char fdnum[32];
  char *argv[4];

  if (fd <= 2) {		/* keep it clear of 0/1/2 */
    int nfd = fcntl (fd, F_DUPFD, 3);
    if (nfd < 0)
      _exit (1);
    fd = nfd;
  }
  if (dup2 (to_child, 0) < 0 || dup2 (from_child, 1) < 0
      || dup2 (from_child, 2) < 0)
    _exit (1);
  dot_close_from (3, fd);
  (void) fcntl (fd, F_SETFD, 0);	/* the helper must inherit it */
  (void) setpgid (0, 0);	/* keep the terminal's signals away */
  snprintf (fdnum, sizeof fdnum, "%d", fd);
  argv[0] = (char *) prog;
  argv[1] = fdnum;
  argv[2] = (char *) abspath;
  argv[3] = NULL;
  execv (prog, argv);
  _exit (1);
}

/* Ask the mlock helper to hold the lock.  1 when it does, else 0. */
static int dot_mlock (const char *path, int fd, DOTLOCK *dl, long timeout)
{
  const char *prog = dot_find_mlock ();
  struct buf abspath = BUF_INIT;
  int pi[2], po[2], status, ok = 0;
  struct pollfd pfd;
  pid_t pid;
  char c;

  /* chroot-server: the helper is outside the chroot, and a setgid
   * helper has no business inside a user's closed box (UW, too) */
  if (mail_parameters (NIL, GET_CHROOTSERVER, NIL))
    return 0;
  if (prog == NULL || fd < 0)
    return 0;
  if (path[0] != '/') {
    char *cwd = getcwd (NULL, 0);
    if (cwd == NULL)
      return 0;
    buf_printf (&abspath, "%s/%s", cwd, path);
    free (cwd);
  }
  else
    buf_puts (&abspath, path);
  if (pipe2 (pi, O_CLOEXEC) < 0) {
    buf_free (&abspath);
    return 0;
  }
  if (pipe2 (po, O_CLOEXEC) < 0) {
    close (pi[0]); close (pi[1]);
    buf_free (&abspath);
    return 0;
  }
  /* Double fork: the helper is re-parented to init and reaped there, so no
   * zombie is left for an application that never calls wait(). */
  pid = fork ();
  if (pid == 0) {
    if (fork () == 0)
      dot_mlock_child (prog, fd, buf_cstr (&abspath), po[0], pi[1]);
    _exit (0);
  }
  buf_free (&abspath);
  close (pi[1]);
  close (po[0]);
  if (pid > 0) {
    while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
      ;
    pfd.fd = pi[0];
    pfd.events = POLLIN;
    /* the helper waits for the lock itself; do not hang past its timeout */
    double give_up = lock_monotonic_now () + timeout + DOT_MLOCK_GRACE;
    int n;
    do {
      double left = give_up - lock_monotonic_now ();
      n = poll (&pfd, 1, left > 0 ? (int) (left * 1000) : 0);
    } while (n < 0 && errno == EINTR && lock_monotonic_now () < give_up);
    if (n == 1 && read (pi[0], &c, 1) == 1 && c == '+')
      ok = 1;
  }
  if (ok) {
    dl->pipei = pi[0];
    dl->pipeo = po[1];
    return 1;
  }
  close (pi[0]);
  close (po[1]);
  return 0;
}

/* The directory part of path, for the warning ("." if none). */
static void dot_dirname (struct buf *b, const char *path)
{
  const char *slash = strrchr (path, '/');

  buf_reset (b);
  if (slash == NULL)
    buf_puts (b, ".");
  else if (slash == path)
    buf_puts (b, "/");
  else
    buf_append (b, path, (size_t) (slash - path));
}

static int dot_is_1777 (const char *dir)
{
  struct stat sb;
  return stat (dir, &sb) == 0 && (sb.st_mode & 07777) == 01777;
}

int lock_dot (MAILSTREAM *stream, const char *path, int fd, DOTLOCK *dl,
	      const char **error_r)
{
  long timeout = dot_timeout ();
  mode_t mode = lock_protection ();
  double start = lock_monotonic_now (), now, fs_now = 0, next_note;
  double seen_since = 0;
  struct stat seen = { 0 }, sb;
  int have_seen = 0, have_now, r, cant_remove = 0;
  long pause = DOT_POLL_FIRST_NS;
  size_t len = strlen (path);
  const char *ignored;

  if (error_r == NULL)
    error_r = &ignored;
  dl->lock[0] = '\0';
  dl->pipei = dl->pipeo = -1;
  dl->lockdev = dl->lockino = 0;
  dl->lockmtime = 0;
  if (len == 0 || len + sizeof ".lock" > sizeof dl->lock) {
    *error_r = dot_error ("Can't lock mailbox %.80s: name too long", path);
    return -1;
  }
  memcpy (dl->lock, path, len);
  memcpy (dl->lock + len, ".lock", sizeof ".lock");
  next_note = start + DOT_NOTIFY_EVERY;

  for (;;) {
    r = dot_try (dl->lock, path, mode, dl, &fs_now, &have_now);
    if (r == 1)
      return 0;
    if (r < 0) {
      int e = errno;
      struct buf dir = BUF_INIT;
      if (e == EACCES && dot_mlock (path, fd, dl, timeout))
	return 0;		/* the helper holds it for us */
      if (e == EACCES)
	dot_dirname (&dir, path);
      if (e == EACCES && !dot_is_1777 (buf_cstr (&dir))) {
	/* SET_LOCKEACCESERROR NIL silences it, as in UW */
	if (mail_parameters (NIL, GET_LOCKEACCESERROR, NIL))
	  mail_log (stream, WARN, "Mailbox vulnerable - directory %s must"
		    " have 1777 protection", buf_cstr (&dir));
      }
      else
	mail_log (stream, WARN, "Mailbox vulnerable - error creating %s: %s",
		  dl->lock, strerror (e));
      buf_free (&dir);
      dl->lock[0] = '\0';	/* proceed without a lock file, as UW */
      return 0;
    }

    /* someone holds it: is that lock real, and is it stale? */
    if (lstat (dl->lock, &sb) < 0) {
      if (errno == ENOENT)
	continue;		/* just released: try again at once */
      *error_r = dot_error ("Can't examine lock %s: %s", dl->lock,
			    strerror (errno));
      dl->lock[0] = '\0';
      return -1;
    }
    if (S_ISLNK (sb.st_mode) || !S_ISREG (sb.st_mode)) {
      /* someone may be trying to make us create or remove a file elsewhere:
       * the administrator should hear of it, as UW reports it */
      syslog (LOG_MAIL | LOG_CRIT, "SECURITY PROBLEM: %s on lock name: %s",
	      S_ISLNK (sb.st_mode) ? "symbolic link" : "non-file", dl->lock);
      *error_r = dot_error ("Refusing to use lock %s: it is a %s, not a file"
			    " (remove it if you did not create it)",
			    dl->lock, S_ISLNK (sb.st_mode)
			    ? "symbolic link" : "special file or directory");
      dl->lock[0] = '\0';
      return -1;
    }
    now = lock_monotonic_now ();
    if (!have_seen || sb.st_ino != seen.st_ino || sb.st_dev != seen.st_dev
	|| dot_mtime_ns (&sb) != dot_mtime_ns (&seen)) {
      seen = sb;		/* a new lock (or a touched one) */
      seen_since = now;
      have_seen = 1;
      cant_remove = 0;
    }
    {
      double age = have_now ? fs_now - dot_mtime (&sb) : 0;
      int by_fs_clock = have_now && (age >= timeout || age <= -timeout);
      int by_inactivity = now - seen_since >= timeout;

      if ((by_fs_clock || by_inactivity) && !cant_remove) {
	struct stat again;
	/* remove it only if it is still the one we judged */
	if (lstat (dl->lock, &again) == 0 && again.st_ino == sb.st_ino
	    && again.st_dev == sb.st_dev
	    && dot_mtime_ns (&again) == dot_mtime_ns (&sb)) {
	  if (unlink (dl->lock) == 0)
	    mail_log (stream, WARN,
		      by_fs_clock
		      ? "Removed stale lock %s (%.0f seconds %s by the file"
		      " system's clock)"
		      : "Removed lock %s (unchanged for %.0f seconds%s)",
		      dl->lock, by_fs_clock ? (age < 0 ? -age : age)
		      : now - seen_since,
		      by_fs_clock ? (age < 0 ? "in the future" : "old") : "");
	  else if (errno != ENOENT) {
	    /* someone else's lock in a sticky spool directory: we may not
	     * remove it, so wait it out like a live one (never spin) */
	    mail_log (stream, WARN, "Can't remove stale lock %s: %s",
		      dl->lock, strerror (errno));
	    cant_remove = 1;
	  }
	}
	if (!cant_remove) {
	  have_seen = 0;
	  continue;
	}
      }
    }
    if (now - start >= timeout) {
      *error_r = dot_error ("Mailbox %s is locked (%s); gave up after %ld"
			    " seconds", path, dl->lock, timeout);
      dl->lock[0] = '\0';
      return -1;
    }
    if (now >= next_note) {
      mail_log (stream, WARN, "Mailbox %s is locked, will override in %ld"
		" seconds...", path,
		(long) (timeout - (now - seen_since) + 0.5));
      next_note = now + DOT_NOTIFY_EVERY;
    }
    lock_sleep_ns (pause);
    if (pause < DOT_POLL_MAX_NS)
      pause *= 2;
    if (pause > DOT_POLL_MAX_NS)
      pause = DOT_POLL_MAX_NS;
  }
}

int lock_undot (DOTLOCK *dl)
{
  struct stat sb;
  int ret = 0;

  if (dl == NULL)
    return 0;
  if (dl->pipei >= 0) {		/* the helper holds it: tell it to let go */
    if (dot_write_nosigpipe (dl->pipeo, "+", 1) != 1)
      ret = -1;
    close (dl->pipei);
    close (dl->pipeo);
    dl->pipei = dl->pipeo = -1;
  }
  else if (dl->lock[0]) {
    /* only ours: after an override the file may be someone else's lock */
    if (lstat (dl->lock, &sb) < 0)
      ret = -1;
    else if ((unsigned long long) sb.st_ino != dl->lockino
	     || (unsigned long long) sb.st_dev != dl->lockdev
	     || dot_mtime_ns (&sb) != dl->lockmtime) {
      errno = EPERM;
      ret = -1;
    }
    else if (unlink (dl->lock) < 0)
      ret = -1;
  }
  dl->lock[0] = '\0';
  return ret;
}

/* ---- UW's names ---- */

long dotlock_lock (char *file, DOTLOCK *base, int fd)
{
  const char *error = NULL;

  if (lock_dot (NIL, file, fd, base, &error) < 0) {
    mail_log (NIL, ERROR, "%s", error);
    return NIL;
  }
  return base->lock[0] ? LONGT : NIL;
}

long dotlock_unlock (DOTLOCK *base)
{
  return lock_undot (base) == 0 ? LONGT : NIL;
}

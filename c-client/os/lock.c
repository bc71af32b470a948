/*
 * lock.c - flock() with a bounded wait, and the session-lock hooks.
 *
 * flock() has no timeout of its own.  Blocking in flock() and breaking out
 * with alarm() would steal SIGALRM from servers that use it for autologout,
 * so we poll with LOCK_NB and sleep a little between tries, measuring the
 * wait on CLOCK_MONOTONIC so a clock step cannot stretch or cut it short.
 * See docs/locking.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"

/* Poll back-off: start fast (the common case is a lock held for a few
 * milliseconds by a delivering MTA), settle at a modest rate. */
#define LOCK_POLL_FIRST_NS 1000000L	/* 1 ms */
#define LOCK_POLL_MAX_NS 100000000L	/* 100 ms */

double lock_monotonic_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

void lock_sleep_ns (long ns)
{
  struct timespec ts = { ns / 1000000000L, ns % 1000000000L };
  /* an interrupted sleep just makes the next try come sooner */
  (void) nanosleep (&ts, NULL);
}

int lock_flock (int fd, int op, long timeout)
{
  double deadline;
  long pause = LOCK_POLL_FIRST_NS;

  if (fd < 0 || (op != LOCK_SH && op != LOCK_EX)) {
    errno = EINVAL;
    return -1;
  }
  if (timeout < 0) {		/* wait as long as it takes */
    while (flock (fd, op) < 0)
      if (errno != EINTR)
	return -1;
    return 0;
  }
  deadline = lock_monotonic_now () + (double) timeout;
  for (;;) {
    if (flock (fd, op | LOCK_NB) == 0)
      return 0;
    if (errno == EINTR)
      continue;
    if (errno != EWOULDBLOCK)
      return -1;
    if (lock_monotonic_now () >= deadline) {
      errno = EWOULDBLOCK;
      return -1;
    }
    lock_sleep_ns (pause);
    if (pause < LOCK_POLL_MAX_NS)
      pause *= 2;
    if (pause > LOCK_POLL_MAX_NS)
      pause = LOCK_POLL_MAX_NS;
  }
}

int lock_funlock (int fd)
{
  while (flock (fd, LOCK_UN) < 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

/*
 * Session lock: UW's /tmp/.<dev>.<ino> file (docs/locking.md, section 3).
 * A single-writer driver (DR_SESSIONLOCK) holds it flock()ed exclusively
 * for the whole read/write session, with its pid inside, so a second
 * read/write opener can send the owner the kiss of death (SIGUSR2).  Name,
 * mode, content and signal are UW's, so UW and Bamboo processes on one host
 * respect each other.
 */
#define LOCK_KOD_RETRY 15		/* seconds a newcomer waits (UW's KODRETRY) */
#define LOCK_KOD_POLL_FIRST_NS 2000000L	/* looks while waiting: 2 ms at */
#define LOCK_KOD_POLL_MAX_NS 100000000L	/* first, backing off to 100 ms */
#define LOCK_TMPDIR "/tmp"

static const char *session_dir = LOCK_TMPDIR;

void lock_session_set_dir (const char *dir)
{
  session_dir = dir ? dir : LOCK_TMPDIR;
}

struct lock_session {
  int fd;			/* the /tmp lock file, -1 while not used */
  char path[PATH_MAX];		/* "/tmp/.<dev hex>.<ino hex>" */
};

/* An unsafe /tmp lets anyone replace lock files: say so once */
static void session_check_tmp (void)
{
  static int checked;
  struct stat sb;
  if (checked++)
    return;
  if (stat (session_dir, &sb) == 0 && (sb.st_mode & 01777) != 01777)
    syslog (LOG_MAIL | LOG_CRIT, "Mailbox vulnerable - directory %s must have"
	    " 1777 protection", session_dir);
}

/* The owner's pid as the file says it; 0 when there is none (an empty file
 * is a silent stream, which can't be kissed) */
static long session_read_pid (int lfd)
{
  char b[32];
  ssize_t n = pread (lfd, b, sizeof b - 1, 0);
  long pid = 0;
  if (n <= 0)
    return 0;
  for (ssize_t i = 0; i < n && b[i] >= '0' && b[i] <= '9'; i++) {
    pid = pid * 10 + (b[i] - '0');
    if (pid > 0x7fffffffL)
      return 0;
  }
  return pid;
}

/* One attempt.  1: held (*lfd_r open); 0: someone holds it (*pid_r is the
 * pid inside); 2: the file was replaced under us, try again at once;
 * -1: this lock file can't be used (logged); -2: there is no usable lock
 * directory at all (nothing to protect against, e.g. a chroot without
 * /tmp). */
static int session_try (const char *path, int *lfd_r, long *pid_r)
{
  struct stat sb, again;
  int lfd;

  *pid_r = 0;
  lfd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	      (mode_t) 0666);
  if (lfd < 0) {
    int e = errno;
    if (e == ELOOP)
      syslog (LOG_MAIL | LOG_CRIT, "SECURITY PROBLEM: symbolic link on lock "
	      "name: %s", path);
    else if (lstat (path, &sb) < 0)
      return -2;		/* can't create it: no lock directory here */
    else if (!S_ISREG (sb.st_mode))	/* a directory, say (EISDIR) */
      syslog (LOG_MAIL | LOG_CRIT, "SECURITY PROBLEM: %s is not a plain lock "
	      "file", path);
    errno = e;
    return -1;
  }
  if (fstat (lfd, &sb) < 0 || !S_ISREG (sb.st_mode) || sb.st_nlink != 1) {
    syslog (LOG_MAIL | LOG_CRIT, "SECURITY PROBLEM: %s is not a plain lock "
	    "file", path);
    close (lfd);
    errno = EPERM;
    return -1;
  }
  if (sb.st_uid == geteuid ())	/* UW's protection, whatever the umask */
    (void) fchmod (lfd, lock_protection () & 0777);
  if (flock (lfd, LOCK_EX | LOCK_NB) < 0) {
    int e = errno;
    if (e == EWOULDBLOCK || e == EINTR)
      *pid_r = session_read_pid (lfd);
    close (lfd);
    errno = e;
    return e == EWOULDBLOCK || e == EINTR ? 0 : -1;
  }
  /* the owner unlinks the file before letting go: the lock we got may be
   * on a name nobody can find any more */
  if (lstat (path, &again) < 0 || again.st_ino != sb.st_ino
      || again.st_dev != sb.st_dev) {
    close (lfd);
    return 2;
  }
  *lfd_r = lfd;
  return 1;
}

/* Note our pid in the lock, as UW does, unless the stream is silent */
static void session_claim (MAILSTREAM *stream, int lfd)
{
  struct buf b = BUF_INIT;
  if (ftruncate (lfd, 0) < 0)
    return;
  if (stream && stream->silent)
    return;
  buf_printf (&b, "%ld", (long) getpid ());
  (void) os_pwrite_all (lfd, b.data, b.len, 0);
  buf_free (&b);
}

static int session_readonly (MAILSTREAM *stream)
{
  if (!stream || !stream->silent)
    mail_log (stream, WARN,
	      "Mailbox is open by another process, access is readonly");
  return -1;
}

int lock_session_acquire (MAILSTREAM *stream, int fd, int readwrite,
			  struct lock_session **ls_r)
{
  struct lock_session *ls = fs_get (sizeof *ls);
  struct stat sb;
  long pid, kissed = 0;
  double deadline = lock_monotonic_now () + LOCK_KOD_RETRY;
  long pause = LOCK_KOD_POLL_FIRST_NS;
  int lfd = -1, r;

  ls->fd = -1;
  ls->path[0] = '\0';
  *ls_r = ls;
  /* read-only sessions and formats that share (mix, mbx, Maildir) take no
   * session lock; only single-writer drivers ask for one */
  if (!readwrite || !stream || !stream->dtb
      || !(stream->dtb->flags & DR_SESSIONLOCK))
    return 0;
  if (fstat (fd, &sb) < 0)
    return session_readonly (stream);
  snprintf (ls->path, sizeof ls->path, "%s/.%llx.%llx", session_dir,
	    (unsigned long long) sb.st_dev, (unsigned long long) sb.st_ino);
  session_check_tmp ();
  for (;;) {
    r = session_try (ls->path, &lfd, &pid);
    if (r == 1)
      break;
    if (r == 2)
      continue;
    if (r == -2) {
      /* a chroot without /tmp, say: no other session can see a lock here
       * either, and the dotlock and flock() still keep the file whole */
      syslog (LOG_MAIL | LOG_WARNING, "Can't create session lock %s: %s",
	      ls->path, strerror (errno));
      ls->path[0] = '\0';
      return 0;
    }
    if (r < 0) {
      mail_log (stream, WARN, "Can't use session lock %s: %s", ls->path,
		strerror (errno));
      return session_readonly (stream);
    }
    /* someone has it: kiss it once (each new owner once), then wait */
    if (stream->nokod || stream->silent || pid <= 0 || pid == getpid ())
      return session_readonly (stream);
    if (pid != kissed) {
      if (kill ((pid_t) pid, SIGUSR2) < 0)
	return session_readonly (stream);
      mail_log (stream, WARN, "Trying to get mailbox lock from process %ld",
		pid);
      kissed = pid;
    }
    if (lock_monotonic_now () >= deadline)
      return session_readonly (stream);
    /* a kissed imapd lets go within milliseconds; a stubborn owner is
     * not worth more than ten looks a second */
    lock_sleep_ns (pause);
    pause = pause * 2 > LOCK_KOD_POLL_MAX_NS ? LOCK_KOD_POLL_MAX_NS : pause * 2;
  }
  session_claim (stream, lfd);
  ls->fd = lfd;
  return 0;
}

void lock_session_release (struct lock_session **ls)
{
  struct stat sb, lsb;
  if (ls == NULL || *ls == NULL)
    return;
  if ((*ls)->fd >= 0) {
    /* unlink while still holding it (a waiter then sees the name gone and
     * tries again), and only if the name is still our file */
    if (fstat ((*ls)->fd, &sb) == 0 && lstat ((*ls)->path, &lsb) == 0
	&& sb.st_ino == lsb.st_ino && sb.st_dev == lsb.st_dev)
      unlink ((*ls)->path);
    close ((*ls)->fd);
  }
  fs_give ((void **) ls);
}

/* Does this session hold a /tmp session lock? (for tests and status) */
const char *lock_session_path (const struct lock_session *ls)
{
  return ls && ls->fd >= 0 ? ls->path : NULL;
}

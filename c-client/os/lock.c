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
#include <sys/file.h>
#include <time.h>

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
 * Session lock.  The locking issue will fill this in with UW's /tmp/.<dev>.<ino>
 * file (mode 0666, flock()ed for the whole session, holding the read/write
 * owner's pid) and the kiss of death.  The struct already carries what that
 * needs, so drivers written against these hooks need no change then.
 */
struct lock_session {
  int fd;			/* the /tmp lock file, -1 while not used */
  int readwrite;		/* we asked for (and hold) read/write */
  int mailbox_fd;		/* the mailbox we lock for (not owned) */
  char path[64];		/* "/tmp/.<dev hex>.<ino hex>" */
};

int lock_session_acquire (MAILSTREAM *stream, int fd, int readwrite,
			  struct lock_session **ls_r)
{
  struct lock_session *ls = fs_get (sizeof *ls);

  ls->fd = -1;
  ls->readwrite = readwrite ? 1 : 0;
  ls->mailbox_fd = fd;
  ls->path[0] = '\0';
  *ls_r = ls;
  return 0;			/* always granted for now */
}

void lock_session_release (struct lock_session **ls)
{
  if (ls == NULL || *ls == NULL)
    return;
  fs_give ((void **) ls);
}

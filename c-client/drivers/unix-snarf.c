/*
 * unix-snarf.c - moving new mail from the system spool into ~/mbox when
 * ~/mbox is INBOX (UW's "snarf"), crash-safely.
 *
 * Split out of unix.c, which calls unix_snarf() at open and at each ping.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "lock.h"
#include "unix-int.h"

/*
 * Crash safety (docs/formats.md, "Moving spool mail"): before appending we
 * write and fsync a marker file naming the spool (dev, ino), the number of
 * spool bytes being moved, a checksum of them, and the ~/mbox size before
 * and after.  Only after ~/mbox is fsynced is the spool truncated, and only
 * after that is the marker removed.  On the next attempt a marker left by a
 * crash tells us which step was reached: if ~/mbox holds the moved bytes
 * (size and checksum match) the spool still needs truncating (its first N
 * bytes are removed, keeping anything delivered since); otherwise ~/mbox is
 * cut back to its old size and the move starts over.  Mail is never lost
 * and never duplicated.
 */
#define SNARF_MAGIC "BMBXSNF1"

#define SNARF_FIELDS 7		/* spool dev, spool ino, bytes, checksum,
				   mbox size before, after, 0 */
#define SNARF_MARKER_LEN (8 + 8 * SNARF_FIELDS)

static uint64_t snarf_sum (const char *p, size_t n)
{
  return unix_fnv (UNIX_FNV_INIT, p, n);
}

static void snarf_marker_name (struct buf *b, struct unix_local *L)
{
  const char *home = myhomedir ();
  buf_reset (b);
  buf_printf (b, "%s/.bamboo-mbox-snarf.%llx.%llx",
	      home && *home ? home : "/tmp", (unsigned long long) L->dev,
	      (unsigned long long) L->ino);
}

/* Remove the first n bytes of the spool (n == size: just truncate) */
static int snarf_cut_spool (int sfd, off_t n)
{
  struct stat sb;
  if (fstat (sfd, &sb) < 0)
    return -1;
  if (sb.st_size > n) {		/* mail delivered after a crash: keep it */
    size_t rest = (size_t) (sb.st_size - n);
    char *tmp = fs_get (rest + 1);
    int r = os_pread_all (sfd, tmp, rest, n) < 0
      || os_pwrite_all (sfd, tmp, rest, 0) < 0
      || ftruncate (sfd, (off_t) rest) < 0;
    fs_give ((void **) &tmp);
    if (r)
      return -1;
  }
  else if (ftruncate (sfd, 0) < 0)
    return -1;
  return fsync (sfd);
}

/* Do the n bytes at off in fd (the caller checked they exist) have the
 * moved mail's checksum? */
static int snarf_holds (int fd, uint64_t off, uint64_t n, uint64_t sum)
{
  char *tmp = fs_get ((size_t) n + 1);
  int r = os_pread_all (fd, tmp, (size_t) n, (off_t) off) == 0
    && snarf_sum (tmp, (size_t) n) == sum;
  fs_give ((void **) &tmp);
  return r;
}

/* Finish or undo a move a crash interrupted; 0 ok, -1 leave things be */
static int snarf_recover (MAILSTREAM *stream, const char *marker, int sfd,
			  struct stat *ssb)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  unsigned char m[SNARF_MARKER_LEN];
  uint64_t v[SNARF_FIELDS];
  struct stat sb;
  int mfd = open (marker, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), i, done = 0;
  if (mfd < 0)
    return 0;			/* no marker: nothing to recover */
  if (os_pread_all (mfd, m, sizeof m, 0) < 0 || memcmp (m, SNARF_MAGIC, 8)) {
    close (mfd);
    unlink (marker);		/* torn marker: written before any move */
    return 0;
  }
  close (mfd);
  for (i = 0; i < SNARF_FIELDS; i++)
    v[i] = unix_get64 (m + 8 + 8 * i);
  if (fstat (L->fd, &sb) < 0)
    return -1;
  /* the moved bytes end ~/mbox's appended part: are they there? */
  if ((uint64_t) sb.st_size >= v[5] && v[4] <= v[5] && v[5] - v[4] >= v[2])
    done = snarf_holds (L->fd, v[5] - v[2], v[2], v[3]);
  if (done) {
    /* ~/mbox has the mail: the spool may still have it too */
    if ((uint64_t) ssb->st_dev == v[0] && (uint64_t) ssb->st_ino == v[1]
	&& (uint64_t) ssb->st_size >= v[2]
	&& snarf_holds (sfd, 0, v[2], v[3])
	&& snarf_cut_spool (sfd, (off_t) v[2]) < 0)
      return -1;
  }
  else if ((uint64_t) sb.st_size > v[4]) {
    /* the append did not complete: take it back */
    if (ftruncate (L->fd, (off_t) v[4]) < 0 || fsync (L->fd) < 0)
      return -1;
  }
  unlink (marker);
  mail_log (stream, WARN, "Recovered an interrupted move of new mail "
	    "from %s", sysinbox ());
  return 0;
}

int unix_snarf (MAILSTREAM *stream)
{
  static int logged = 0;
  struct unix_local *L = UNIX_LOCAL (stream);
  const char *spool = sysinbox ();
  long interval = (long) (intptr_t) mail_parameters (NIL, GET_SNARFINTERVAL,
						      NIL);
  struct stat ssb, msb;
  struct buf mk = BUF_INIT, data = BUF_INIT;
  DOTLOCK sdl, mdl;
  const char *err = NIL;
  double mono = lock_monotonic_now ();	/* the interval: clock steps */
  time_t now = time (0);
  int sfd, moved = 0;
  off_t before;

  if (!L || stream->rdonly || L->fd < 0 || !spool || !*spool)
    return 0;
  if (interval <= 0)
    interval = 60;
  if (L->lastsnarf > 0 && mono < L->lastsnarf + interval)
    return 0;
  L->lastsnarf = mono;
  stream->snarf.time = (unsigned long) now;
  if (stat (spool, &ssb) < 0
      || (ssb.st_dev == L->dev && ssb.st_ino == L->ino))
    return 0;
  snarf_marker_name (&mk, L);
  if (ssb.st_size == 0 && access (buf_cstr (&mk), F_OK) != 0) {
    buf_free (&mk);
    return 0;
  }
  sfd = open (spool, O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (sfd < 0) {
    buf_free (&mk);
    return 0;
  }
  fcntl (sfd, F_SETFL, 0);
  if (lock_dot (stream, spool, sfd, &sdl, &err) < 0)
    goto close_spool;		/* try again next time */
  if (lock_flock (sfd, LOCK_EX, unix_timeout ()) < 0)
    goto undot_spool;
  if (unix_lock_ex (stream, &mdl) < 0)
    goto unlock_spool;
  if (fstat (sfd, &ssb) < 0 || snarf_recover (stream, buf_cstr (&mk), sfd,
					      &ssb) < 0
      || fstat (sfd, &ssb) < 0 || fstat (L->fd, &msb) < 0)
    goto out;
  if (ssb.st_size > 0) {
    size_t n = (size_t) ssb.st_size;
    unsigned char m[SNARF_MARKER_LEN];
    uint64_t v[SNARF_FIELDS];
    int i, mfd;
    struct mbox_from mf;
    buf_reserve (&data, n + 2);
    before = msb.st_size;
    if (before > 0) {
      char c;
      if (pread (L->fd, &c, 1, before - 1) == 1 && c != '\n')
	buf_putc (&data, '\n');
    }
    if (os_pread_all (sfd, data.data + data.len, n, 0) < 0)
      goto out;
    /* the first line must be a From_ line: scan at most one such line */
    if (!mbox_from_scan (data.data + data.len, n < LIM_MBOX_FROM_LINE + 2 ? n
			 : LIM_MBOX_FROM_LINE + 2, &mf)) {
      mail_log (stream, ERROR, "Mail in %s is not in UNIX mailbox format; "
		"not moving it", spool);
      goto out;
    }
    data.len += n;
    v[0] = (uint64_t) ssb.st_dev;
    v[1] = (uint64_t) ssb.st_ino;
    v[2] = n;
    v[3] = snarf_sum (data.data + (data.len - n), n);
    v[4] = (uint64_t) before;
    v[5] = (uint64_t) before + data.len;
    v[6] = 0;
    memcpy (m, SNARF_MAGIC, 8);
    for (i = 0; i < SNARF_FIELDS; i++)
      unix_put64 (m + 8 + 8 * i, v[i]);
    /* O_NOFOLLOW: with no home directory the marker is in /tmp */
    mfd = open (buf_cstr (&mk), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
		| O_NOFOLLOW, 0600);
    if (mfd < 0 || os_pwrite_all (mfd, m, sizeof m, 0) < 0 || fsync (mfd) < 0) {
      mail_log (stream, ERROR, "Can't move new mail from %s: %s", spool,
		strerror (errno));
      if (mfd >= 0)
	close (mfd);
      unlink (buf_cstr (&mk));
      goto out;
    }
    close (mfd);
    if (os_pwrite_all (L->fd, data.data, data.len, before) < 0
	|| fsync (L->fd) < 0) {
      mail_log (stream, ERROR, "Can't move new mail from %s to %s: %s",
		spool, L->path, strerror (errno));
      if (ftruncate (L->fd, before) == 0 && fsync (L->fd) == 0)
	unlink (buf_cstr (&mk));
      goto out;
    }
    if (snarf_cut_spool (sfd, (off_t) n) < 0) {
      /* the marker stays: the next attempt finishes the job */
      mail_log (stream, ERROR, "Can't empty %s after moving its mail: %s",
		spool, strerror (errno));
      goto out;
    }
    unlink (buf_cstr (&mk));
    moved = 1;
    if (!logged++) {
      /* UW: syslog in a server (service name set), else mm_log WARN */
      const char *svc = (const char *) mail_parameters (NIL, GET_SERVICENAME,
							NIL);
      const char *host = getenv ("TCPREMOTEIP");
      if (svc && *svc && strcmp (svc, "unknown") != 0)
	syslog (LOG_MAIL | LOG_INFO, "Moved %lu bytes of new mail to %s from "
		"%s host= %s", (unsigned long) n, L->path, spool,
		host && *host ? host : "localhost");
      else
	mail_log (stream, WARN, "Moved %lu bytes of new mail to %s from %s",
		  (unsigned long) n, L->path, spool);
    }
  }
out:
  if (moved)
    unix_parse (stream, 0);
  unix_unlock (stream, &mdl);
unlock_spool:
  lock_funlock (sfd);
undot_spool:
  lock_undot (&sdl);
close_spool:
  close (sfd);
  buf_free (&mk);
  buf_free (&data);
  return moved;
}

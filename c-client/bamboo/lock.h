/*
 * Mailbox file locking (os/lock.c, os/dotlock.c).  See docs/locking.md.
 * The spool dotlock, flock() and the /tmp session lock with its kiss of
 * death are UW-compatible.
 */
#ifndef BAMBOO_LOCK_H
#define BAMBOO_LOCK_H

#include "internal.h"

/* flock() with a bounded wait (seconds, measured on CLOCK_MONOTONIC);
 * op is LOCK_SH or LOCK_EX.  0 on success, -1 with errno (EWOULDBLOCK on
 * timeout). */
int lock_flock (int fd, int op, long timeout);
int lock_funlock (int fd);

/* Spool dotlock "<path>.lock" (UW's dotlock_lock/dotlock_unlock in env.h
 * are the same thing with UW's signature).  Returns 0 when held, -1 with a
 * message in *error_r when it could not be taken; a directory we cannot
 * write and no working mlock yields 0 with dl->lock[0] == '\0' and the UW
 * warning logged, as UW does. */
int lock_dot (MAILSTREAM *stream, const char *path, int fd, DOTLOCK *dl,
	      const char **error_r);
int lock_undot (DOTLOCK *dl);

/* UW's session lock /tmp/.<dev>.<ino> with the kiss of death, for drivers
 * flagged DR_SESSIONLOCK (single-writer formats).  *ls_r is always set and
 * must be released.  0: the session may write (it holds the lock, or takes
 * none: read-only, a shared format, or no lock directory); -1: another
 * process keeps the mailbox, open it read-only ("Mailbox is open by another
 * process, access is readonly" has been logged). */
struct lock_session;
int lock_session_acquire (MAILSTREAM *stream, int fd, int readwrite,
			  struct lock_session **ls_r);
void lock_session_release (struct lock_session **ls);
const char *lock_session_path (const struct lock_session *ls);
/* Where session locks live: /tmp (NULL) as UW, or another directory (tests
 * of other things use a missing one to run without session locks) */
void lock_session_set_dir (const char *dir);

/* ---- additions (os/lock.c, os/dotlock.c) ---- */

/* The mode of lock files others must be able to use: "lock-protection"
 * (SET_LOCKPROTECTION), 0666 by default, as UW. */
mode_t lock_protection (void);

/* Seconds on CLOCK_MONOTONIC; a short sleep (a signal may end it early). */
double lock_monotonic_now (void);
void lock_sleep_ns (long ns);

/* The mlock helper lock_dot runs when the spool directory is not writable.
 * NULL restores the default search (/usr/libexec/mlock, /usr/sbin/mlock,
 * /etc/mlock, then the installed sbindir's: first executable one); "" (or any path that is not absolute)
 * disables the helper.  It wins over c-client.cf's "set mlock-path".  The
 * string is copied. */
void lock_set_mlock_path (const char *path);

/* Total dotlock wait/staleness timeout in seconds, overriding
 * mail_parameters GET_LOCKTIMEOUT (which is in minutes, UW's unit).  For
 * tests and callers that need less than a minute; 0 goes back to
 * GET_LOCKTIMEOUT. */
void lock_dot_set_timeout_seconds (long seconds);

#endif

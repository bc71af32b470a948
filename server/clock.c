/*
 * clock.c: noticing what the wall clock does, for the log only.  Timers
 * never read the wall clock (client_now_ms is CLOCK_MONOTONIC), so a step
 * of the clock changes nothing in a session; an administrator still wants
 * to hear about it, and about a mail file system whose clock disagrees
 * with ours (NFS), since mtimes there are judged by that clock.  Neither
 * is ever an error.  See docs/time.md.
 *
 * Jumps: each check compares how far CLOCK_REALTIME moved with how far
 * CLOCK_BOOTTIME moved since the previous check.  BOOTTIME is MONOTONIC
 * plus the time the machine was suspended, so a resume is not a jump.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "server.h"
#include "internal.h"		/* os_host_name_part */

static void real_clocks (int64_t *real_ms, int64_t *steady_ms);

static void (*read_clocks) (int64_t *, int64_t *) = real_clocks;
static struct clock_watch session_watch;

static int64_t
timespec_ms (const struct timespec *ts)
{
  return (int64_t) ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

static void
real_clocks (int64_t *real_ms, int64_t *steady_ms)
{
  struct timespec r, s;
  clock_gettime (CLOCK_REALTIME, &r);
  clock_gettime (CLOCK_BOOTTIME, &s);
  *real_ms = timespec_ms (&r);
  *steady_ms = timespec_ms (&s);
}

void
clock_test_source (void (*source) (int64_t *real_ms, int64_t *steady_ms))
{
  read_clocks = source ? source : real_clocks;
  memset (&session_watch, 0, sizeof session_watch);
}

int64_t
clock_watch_step (struct clock_watch *w, int64_t real_ms, int64_t steady_ms,
		  int64_t *from_ms_r)
{
  int64_t moved;
  if (!w->started) {
    w->started = 1;
    moved = 0;
  }
  else
    moved = (real_ms - w->real_ms) - (steady_ms - w->steady_ms);
  *from_ms_r = w->real_ms + (steady_ms - w->steady_ms);
  w->real_ms = real_ms;
  w->steady_ms = steady_ms;
  if (moved > -(int64_t) LIM_CLOCK_JUMP * 1000 &&
      moved < (int64_t) LIM_CLOCK_JUMP * 1000)
    return 0;
  return moved;
}

/* "2026-12-03 10:00:00 UTC" */
static void
utc_text (struct buf *b, int64_t ms)
{
  time_t t = (time_t) (ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
  struct tm tm;
  char text[64];
  if (!gmtime_r (&t, &tm) ||
      !strftime (text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm))
    buf_printf (b, "%lld", (long long) t);
  else
    buf_puts (b, text);
}

void
clock_jump_message (struct buf *b, int64_t from_ms, int64_t to_ms)
{
  int64_t d = to_ms - from_ms;
  buf_printf (b, "System clock jumped %s by %lld seconds (from ",
	      d < 0 ? "backward" : "forward",
	      (long long) ((d < 0 ? -d : d) / 1000));
  utc_text (b, from_ms);
  buf_puts (b, " to ");
  utc_text (b, to_ms);
  buf_puts (b, "); timers are unaffected");
}

int
clock_check_jump (void)
{
  int64_t real_ms, steady_ms, from_ms, moved;
  int dir;
  struct buf msg = BUF_INIT;
  read_clocks (&real_ms, &steady_ms);
  moved = clock_watch_step (&session_watch, real_ms, steady_ms, &from_ms);
  if (!moved)
    return 0;
  dir = moved < 0 ? -1 : 1;
  if (session_watch.warned & (dir < 0 ? 1 : 2))
    return 0;			/* said once in this session */
  session_watch.warned |= dir < 0 ? 1 : 2;
  clock_jump_message (&msg, from_ms, real_ms);
  syslog (LOG_MAIL | LOG_WARNING, "%s", buf_cstr (&msg));
  buf_free (&msg);
  return dir;
}

/* ----------------------------------------------------------- file system */

void
clock_skew_message (struct buf *b, const char *dir, time_t now, time_t fs)
{
  long long d = (long long) fs - (long long) now;
  buf_puts (b, "Clock skew: this host says ");
  utc_text (b, (int64_t) now * 1000);
  buf_printf (b, ", the file system at %s says ", dir);
  utc_text (b, (int64_t) fs * 1000);
  buf_printf (b, " (%lld seconds %s)", d < 0 ? -d : d,
	      d < 0 ? "behind" : "ahead");
}

/* A name nobody else uses, here or on another host of the same NFS
 * export: host, pid and the time of the boot clock in nanoseconds */
static void
scratch_name (struct buf *b, const char *dir)
{
  struct timespec ts;
  clock_gettime (CLOCK_BOOTTIME, &ts);
  buf_printf (b, "%s/.bamboo-clock.", strcmp (dir, "/") ? dir : "");
  os_host_name_part (b);
  buf_printf (b, ".%ld.%lld", (long) getpid (),
	      (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

int
clock_fs_time (const char *dir, time_t *fs_r)
{
  struct buf path = BUF_INIT;
  struct stat st;
  int fd, r = -1;
  scratch_name (&path, dir);
  /* a new empty file: its mtime is the file server's clock at creation
   * (an NFS exclusive create sets it to the server's time) */
  fd = open (buf_cstr (&path), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	     O_CLOEXEC, 0600);
  if (fd >= 0) {
    if (!fstat (fd, &st)) {
      *fs_r = st.st_mtime;
      r = 0;
    }
    (void) unlink (buf_cstr (&path));
    close (fd);
  }
  buf_free (&path);
  return r;
}

int
clock_check_skew_at (const char *dir, time_t now)
{
  time_t fs;
  long long d;
  struct buf msg = BUF_INIT;
  if (!dir || *dir != '/' || clock_fs_time (dir, &fs) < 0)
    return -1;			/* a read-only home is legal: say nothing */
  d = (long long) fs - (long long) now;
  if (d >= -(long long) LIM_CLOCK_SKEW && d <= (long long) LIM_CLOCK_SKEW)
    return 0;
  clock_skew_message (&msg, dir, now, fs);
  syslog (LOG_MAIL | LOG_WARNING, "%s", buf_cstr (&msg));
  buf_free (&msg);
  return 1;
}

int
clock_check_skew (const char *dir)
{
  return clock_check_skew_at (dir, time (0));
}

/*
 * test-clock.c - server/clock.c: wall-clock jumps measured against the
 * steady clock (with the test's own pair of clocks), their log text, and
 * the file-system skew check in a scratch directory (with "now" given).
 */
#include <errno.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "test-fs.h"
#include "server.h"

static char topdir[] = "/tmp/test-clock.XXXXXX";
static int64_t fake_real, fake_steady;

static void
fake_clocks (int64_t *real_ms, int64_t *steady_ms)
{
  *real_ms = fake_real;
  *steady_ms = fake_steady;
}

/* Both clocks advance by ms; then the wall clock alone by step_ms */
static int
tick (int64_t ms, int64_t step_ms)
{
  fake_real += ms + step_ms;
  fake_steady += ms;
  return clock_check_jump ();
}

#define DEC3_10H 1796292000000LL	/* 2026-12-03 10:00:00 UTC, in ms */

static void
test_watch_step (void)
{
  struct clock_watch w;
  int64_t from;
  memset (&w, 0, sizeof w);
  /* the first reading only starts the watch, whatever the clocks say */
  CHECK_INTEQ (clock_watch_step (&w, DEC3_10H, 5000, &from), 0);
  /* drift within the limit is not a jump, either way */
  CHECK_INTEQ (clock_watch_step (&w, DEC3_10H + 1800000 + 900, 5000 + 1800000,
				 &from), 0);
  CHECK_INTEQ (clock_watch_step (&w, DEC3_10H + 1800000 + 900 + 60000
				 - (LIM_CLOCK_JUMP * 1000 - 1),
				 5000 + 1800000 + 60000, &from), 0);
  /* exactly the limit is a jump; from is where the clock should be */
  memset (&w, 0, sizeof w);
  clock_watch_step (&w, DEC3_10H, 0, &from);
  CHECK_INTEQ (clock_watch_step (&w, DEC3_10H + 1000 - LIM_CLOCK_JUMP * 1000,
				 1000, &from), -LIM_CLOCK_JUMP * 1000);
  CHECK_INTEQ (from, DEC3_10H + 1000);
  /* two hours back, then forward again */
  CHECK_INTEQ (clock_watch_step (&w, DEC3_10H - 7200000 + 2000, 2000, &from),
	       -7200000 + LIM_CLOCK_JUMP * 1000);
  CHECK_INTEQ (clock_watch_step (&w, DEC3_10H + 3000, 3000, &from), 7200000);
  CHECK_INTEQ (from, DEC3_10H - 7200000 + 3000);
  /* the steady clock standing still while the wall clock moves (a
   * machine that was not suspended but paused) is a forward jump */
  CHECK_INTEQ (clock_watch_step (&w, DEC3_10H + 3000 + 45000, 3000, &from),
	       45000);
}

static void
test_messages (void)
{
  struct buf b = BUF_INIT;
  clock_jump_message (&b, DEC3_10H, DEC3_10H - 7200000);
  CHECK_STREQ (buf_cstr (&b), "System clock jumped backward by 7200 seconds "
	       "(from 2026-12-03 10:00:00 UTC to 2026-12-03 08:00:00 UTC); "
	       "timers are unaffected");
  buf_reset (&b);
  clock_jump_message (&b, DEC3_10H, DEC3_10H + 90500);
  CHECK_STREQ (buf_cstr (&b), "System clock jumped forward by 90 seconds "
	       "(from 2026-12-03 10:00:00 UTC to 2026-12-03 10:01:30 UTC); "
	       "timers are unaffected");
  buf_reset (&b);
  clock_skew_message (&b, "/home/u", (time_t) (DEC3_10H / 1000),
		      (time_t) (DEC3_10H / 1000 + 600));
  CHECK_STREQ (buf_cstr (&b), "Clock skew: this host says 2026-12-03 "
	       "10:00:00 UTC, the file system at /home/u says 2026-12-03 "
	       "10:10:00 UTC (600 seconds ahead)");
  buf_reset (&b);
  clock_skew_message (&b, "/", (time_t) (DEC3_10H / 1000),
		      (time_t) (DEC3_10H / 1000 - 61));
  CHECK_STREQ (buf_cstr (&b), "Clock skew: this host says 2026-12-03 "
	       "10:00:00 UTC, the file system at / says 2026-12-03 "
	       "09:58:59 UTC (61 seconds behind)");
  buf_free (&b);
}

/* clock_check_jump: logged once per direction, never more */
static void
test_check_jump (void)
{
  fake_real = DEC3_10H;
  fake_steady = 1000;
  clock_test_source (fake_clocks);
  CHECK_INTEQ (clock_check_jump (), 0);		/* starts the watch */
  CHECK_INTEQ (tick (5000, 0), 0);
  CHECK_INTEQ (tick (5000, 2000), 0);		/* a routine NTP step */
  CHECK_INTEQ (tick (1000, -7200000), -1);	/* two hours back: logged */
  CHECK_INTEQ (tick (1000, -7200000), 0);	/* again: said already */
  CHECK_INTEQ (tick (1000, 0), 0);
  CHECK_INTEQ (tick (1000, 7200000), 1);	/* forward: its own line */
  CHECK_INTEQ (tick (1000, 3600000), 0);
  CHECK_INTEQ (tick (1000, -60000), 0);
  /* a new session (the source set again) starts over */
  clock_test_source (fake_clocks);
  CHECK_INTEQ (tick (0, 0), 0);
  CHECK_INTEQ (tick (1000, -LIM_CLOCK_JUMP * 1000), -1);
  /* the real clocks: no jump between two readings a moment apart */
  clock_test_source (NULL);
  CHECK_INTEQ (clock_check_jump (), 0);
  CHECK_INTEQ (clock_check_jump (), 0);
}

/* Entries of dir other than . and .. */
static int
entries (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  int n = 0;
  if (!d)
    return -1;
  while ((e = readdir (d)))
    if (strcmp (e->d_name, ".") && strcmp (e->d_name, ".."))
      n++;
  closedir (d);
  return n;
}

static void
test_skew (void)
{
  char *dir = test_path (topdir, "home"), *missing = test_path (topdir, "no");
  time_t fs, now;
  CHECK (mkdir (dir, 0700) == 0);
  /* the file system's time is this kernel's: close to time() */
  now = time (0);
  CHECK (clock_fs_time (dir, &fs) == 0);
  CHECK (fs >= now - 1 && fs <= time (0) + 1);
  CHECK_INTEQ (entries (dir), 0);		/* the scratch file is gone */
  /* host and file system agree */
  CHECK_INTEQ (clock_check_skew_at (dir, time (0)), 0);
  CHECK_INTEQ (clock_check_skew (dir), 0);
  /* this host ten minutes behind the file system, then ahead */
  CHECK_INTEQ (clock_check_skew_at (dir, time (0) - 600), 1);
  CHECK_INTEQ (clock_check_skew_at (dir, time (0) + 600), 1);
  /* just past the limit (a second of margin for the clock ticking) */
  CHECK_INTEQ (clock_check_skew_at (dir, time (0) - LIM_CLOCK_SKEW - 2), 1);
  CHECK_INTEQ (clock_check_skew_at (dir, time (0) + LIM_CLOCK_SKEW - 2), 0);
  CHECK_INTEQ (entries (dir), 0);
  /* a directory where no file can be made: silent, -1 */
  CHECK_INTEQ (clock_check_skew_at (missing, time (0) - 600), -1);
  CHECK_INTEQ (clock_check_skew_at ("relative", time (0) - 600), -1);
  CHECK_INTEQ (clock_check_skew_at (NULL, time (0)), -1);
  if (geteuid ()) {		/* root writes anywhere */
    CHECK (chmod (dir, 0500) == 0);
    CHECK_INTEQ (clock_check_skew_at (dir, time (0) - 600), -1);
    chmod (dir, 0700);
  }
  fs_give ((void **) &dir);
  fs_give ((void **) &missing);
}

int
main (void)
{
  if (mkdtemp (topdir) == NULL) {
    perror ("mkdtemp");
    return 1;
  }
  test_watch_step ();
  test_messages ();
  test_check_jump ();
  test_skew ();
  if (test_rm_rf (topdir) != 0)
    printf ("note: could not remove %s\n", topdir);
  return unit_done ();
}

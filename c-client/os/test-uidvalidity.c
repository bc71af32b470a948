/*
 * test-uidvalidity.c - the per-user UIDVALIDITY high-water mark
 * (os/uidvalidity.c): increasing values, the clock moving back, many
 * processes at once, damaged files and homes that cannot be used.
 *
 * The clock is the test's (env_uidvalidity_test_clock); records for
 * damaged-file cases are made by the library itself, never by a copy of
 * its format code.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "test-fs.h"
#include "internal.h"
#include "env.h"

#define RECORD 20		/* bytes per record in the mark file */
#define FILE_SIZE (4 * RECORD)	/* the most the file keeps */
#define T0 2000000000L		/* a fake "now" (2033) */
#define NPROC 6
#define NCALLS 40

static char topdir[] = "/tmp/test-uidvalidity.XXXXXX";
static time_t fake_now;

static time_t
fake_clock (void)
{
  return fake_now;
}

/* A fresh home dir/name as the user's home, the clock at now */
static char *
use_home (const char *name, time_t now)
{
  char *home = test_path (topdir, name);
  if (mkdir (home, 0700) && errno != EEXIST) {
    perror (home);
    exit (1);
  }
  env_init ("tester", home);
  fake_now = now;
  env_uidvalidity_test_clock (fake_clock);
  return home;
}

static char *
mark_of (const char *home)
{
  return test_path (home, ".bamboo-uidvalidity");
}

/* The whole file (up to 4 KiB) into b; its length, or -1 */
static long
read_mark (const char *home, char *b, size_t size)
{
  char *path = mark_of (home);
  int fd = open (path, O_RDONLY);
  long n = -1;
  fs_give ((void **) &path);
  if (fd < 0)
    return -1;
  n = (long) read (fd, b, size - 1);
  close (fd);
  if (n >= 0)
    b[n] = '\0';
  return n;
}

static void
write_mark (const char *home, const void *data, size_t len)
{
  char *path = mark_of (home);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write (fd, data, len) != (ssize_t) len) {
    perror (path);
    exit (1);
  }
  close (fd);
  fs_give ((void **) &path);
}

/* The record the library writes for value v (made in a scratch home) */
static void
record_for (unsigned long v, char rec[RECORD + 1])
{
  char *home = use_home ("record", (time_t) v), *path = mark_of (home);
  char text[64];
  unlink (path);
  if (env_uidvalidity_next () != v || read_mark (home, text, sizeof text) != RECORD) {
    printf ("cannot make a record for %lu\n", v);
    exit (1);
  }
  memcpy (rec, text, RECORD);
  rec[RECORD] = '\0';
  unlink (path);
  fs_give ((void **) &path);
  fs_give ((void **) &home);
}

static void
test_increasing (void)
{
  char *home = use_home ("basic", T0), *path = mark_of (home);
  char text[64];
  struct stat st;
  unsigned long a, b, c;
  a = env_uidvalidity_next ();
  b = env_uidvalidity_next ();
  CHECK_INTEQ (a, T0);
  CHECK_INTEQ (b, T0 + 1);	/* the same second: still a new value */
  fake_now = T0 + 100;
  c = env_uidvalidity_next ();
  CHECK_INTEQ (c, T0 + 100);	/* the clock, when it is ahead */
  CHECK (stat (path, &st) == 0 && (st.st_mode & 07777) == 0600);
  CHECK_INTEQ (read_mark (home, text, sizeof text), 2 * RECORD);
  CHECK (strstr (text, "2000000100 ") != NULL);	/* the latest is kept */
  /* the real clock, without the hook */
  env_uidvalidity_test_clock (NULL);
  {
    time_t before = time (0);
    unsigned long d = env_uidvalidity_next ();
    CHECK (d >= (unsigned long) before || d == T0 + 101);
    CHECK (d > c);
  }
  fs_give ((void **) &path);
  fs_give ((void **) &home);
}

/* The clock moves back two hours: values go on from the mark, across
 * processes (the file, not memory, remembers) */
static void
test_clock_back (void)
{
  char *home = use_home ("back", T0);
  unsigned long a = env_uidvalidity_next (), b;
  env_uidvalidity_test_clock (fake_clock);	/* forget the process mark */
  fake_now = T0 - 7200;
  b = env_uidvalidity_next ();
  CHECK_INTEQ (a, T0);
  CHECK_INTEQ (b, T0 + 1);
  fake_now = T0 - 7100;
  CHECK_INTEQ (env_uidvalidity_next (), T0 + 2);
  fake_now = T0 + 50;		/* the clock catches up */
  CHECK_INTEQ (env_uidvalidity_next (), T0 + 50);
  fs_give ((void **) &home);
}

/* NPROC processes x NCALLS values, the clock frozen: every value distinct
 * (without the lock many would repeat) and the file ends at the highest */
static void
test_concurrent (void)
{
  char *home = use_home ("many", T0), text[64];
  unsigned long *all = calloc (NPROC * NCALLS, sizeof *all), max = 0;
  int fds[2], i, j, n = 0, dups = 0, bad_exit = 0;
  if (!all || pipe (fds)) {
    perror ("pipe");
    exit (1);
  }
  for (i = 0; i < NPROC; i++) {
    pid_t pid = fork ();
    if (pid < 0) {
      perror ("fork");
      exit (1);
    }
    if (pid == 0) {
      close (fds[0]);
      for (j = 0; j < NCALLS; j++) {
	unsigned long v = env_uidvalidity_next ();
	if (write (fds[1], &v, sizeof v) != sizeof v)
	  _exit (1);
      }
      _exit (0);
    }
  }
  close (fds[1]);
  {
    unsigned long v;
    while (n < NPROC * NCALLS && read (fds[0], &v, sizeof v) == sizeof v)
      all[n++] = v;
  }
  close (fds[0]);
  for (i = 0; i < NPROC; i++) {
    int status;
    if (wait (&status) < 0 || !WIFEXITED (status) || WEXITSTATUS (status))
      bad_exit++;
  }
  CHECK_INTEQ (bad_exit, 0);
  CHECK_INTEQ (n, NPROC * NCALLS);
  for (i = 0; i < n; i++) {
    if (all[i] > max)
      max = all[i];
    for (j = i + 1; j < n; j++)
      if (all[i] == all[j])
	dups++;
  }
  CHECK_INTEQ (dups, 0);
  CHECK_INTEQ (max, T0 + NPROC * NCALLS - 1);
  CHECK (read_mark (home, text, sizeof text) == 2 * RECORD);
  env_uidvalidity_test_clock (fake_clock);
  CHECK_INTEQ (env_uidvalidity_next (), max + 1);
  free (all);
  fs_give ((void **) &home);
}

/* Damaged files: a torn record, garbage, an oversized file, an empty one,
 * a value out of range */
static void
test_damaged (void)
{
  char lo[RECORD + 1], hi[RECORD + 1], big[RECORD + 1], text[4096];
  char *home, *path, *junk;
  struct timeval tv[2];
  struct stat st;
  record_for (T0 + 10, lo);
  record_for (T0 + 20, hi);
  record_for (4294967295UL, big);
  home = use_home ("damaged", T0);
  path = mark_of (home);

  /* the second record torn (half new digits): the first one counts */
  memcpy (text, lo, RECORD);
  memcpy (text + RECORD, hi, RECORD);
  text[RECORD + 3] = '7';
  write_mark (home, text, 2 * RECORD);
  env_uidvalidity_test_clock (fake_clock);
  CHECK_INTEQ (env_uidvalidity_next (), T0 + 11);
  /* the torn one was rewritten, the other left alone */
  CHECK_INTEQ (read_mark (home, text, sizeof text), 2 * RECORD);
  CHECK (memcmp (text, lo, RECORD) == 0);

  /* two good records: the lower one is overwritten */
  memcpy (text, hi, RECORD);
  memcpy (text + RECORD, lo, RECORD);
  write_mark (home, text, 2 * RECORD);
  env_uidvalidity_test_clock (fake_clock);
  CHECK_INTEQ (env_uidvalidity_next (), T0 + 21);
  CHECK_INTEQ (read_mark (home, text, sizeof text), 2 * RECORD);
  CHECK (memcmp (text, hi, RECORD) == 0);

  /* a record whose checksum does not match its digits is not believed */
  memcpy (text, hi, RECORD);
  text[0] = '3';		/* 3000000020: would be far ahead */
  memcpy (text + RECORD, lo, RECORD);
  write_mark (home, text, 2 * RECORD);
  env_uidvalidity_test_clock (fake_clock);
  CHECK_INTEQ (env_uidvalidity_next (), T0 + 11);

  /* an empty file: the clock */
  write_mark (home, "", 0);
  env_uidvalidity_test_clock (fake_clock);
  CHECK_INTEQ (env_uidvalidity_next (), T0);

  /* garbage throughout, oversized: go on after the file's own time (its
   * mtime, set ahead of both clocks here), and the file is made whole */
  junk = malloc (1 << 20);
  memset (junk, 'x', 1 << 20);
  write_mark (home, junk, 1 << 20);
  free (junk);
  tv[0].tv_sec = tv[1].tv_sec = T0 + 100000;
  tv[0].tv_usec = tv[1].tv_usec = 0;
  CHECK (utimes (path, tv) == 0);
  env_uidvalidity_test_clock (fake_clock);
  CHECK_INTEQ (env_uidvalidity_next (), tv[0].tv_sec + 1);
  CHECK (stat (path, &st) == 0 && st.st_size == FILE_SIZE);
  env_uidvalidity_test_clock (fake_clock);
  CHECK_INTEQ (env_uidvalidity_next (), tv[0].tv_sec + 2);

  /* good records followed by junk: the records count, the junk goes */
  memcpy (text, lo, RECORD);
  memcpy (text + RECORD, hi, RECORD);
  memset (text + 2 * RECORD, 'y', 500);
  write_mark (home, text, 2 * RECORD + 500);
  env_uidvalidity_test_clock (fake_clock);
  CHECK_INTEQ (env_uidvalidity_next (), T0 + 21);
  CHECK (stat (path, &st) == 0 && st.st_size == FILE_SIZE);

  /* the 32-bit space used up: no value above; the clock, and the file is
   * left as it is */
  memcpy (text, big, RECORD);
  memcpy (text + RECORD, big, RECORD);
  write_mark (home, text, 2 * RECORD);
  env_uidvalidity_test_clock (fake_clock);
  CHECK_INTEQ (env_uidvalidity_next (), T0);
  CHECK (read_mark (home, text, sizeof text) == 2 * RECORD &&
	 !memcmp (text, big, RECORD));
  fs_give ((void **) &path);
  fs_give ((void **) &home);
}

/* Series that live in memory (a mailbox file without UID data): the file
 * in the same state gets the same value, in any session, whatever the
 * clock; in another state, a new one above the mark */
static void
test_for_file (void)
{
  char *home = use_home ("perfile", T0), *box = test_path (home, "box");
  char text[256];
  unsigned long a, c;
  int fd;
  test_write_file (box, "From a@b Mon Jan  1 10:00:00 2024\n\nhi\n", 0600);
  fd = open (box, O_RDWR | O_APPEND);
  a = env_uidvalidity_for_file (fd);
  env_uidvalidity_test_clock (fake_clock);	/* as another process */
  CHECK_INTEQ (a, T0);
  CHECK_INTEQ (env_uidvalidity_for_file (fd), T0);
  CHECK_INTEQ (read_mark (home, text, sizeof text), FILE_SIZE);
  /* a new mailbox in between gets its own; the file's stays */
  CHECK_INTEQ (env_uidvalidity_next (), T0 + 1);
  env_uidvalidity_test_clock (fake_clock);
  fake_now = T0 - 7200;		/* the clock moved back: same file, same
				   messages, same UIDs: same value */
  CHECK_INTEQ (env_uidvalidity_for_file (fd), T0);
  /* the file changed (mail appended): a new value above the mark */
  CHECK (write (fd, "x\n", 2) == 2);
  env_uidvalidity_test_clock (fake_clock);
  c = env_uidvalidity_for_file (fd);
  CHECK_INTEQ (c, T0 + 2);
  env_uidvalidity_test_clock (fake_clock);
  CHECK_INTEQ (env_uidvalidity_for_file (fd), c);
  /* a key record that does not check out is not believed */
  CHECK_INTEQ (read_mark (home, text, sizeof text), FILE_SIZE);
  text[3 * RECORD + 12] = text[3 * RECORD + 12] == '0' ? '1' : '0';
  write_mark (home, text, FILE_SIZE);
  env_uidvalidity_test_clock (fake_clock);
  CHECK_INTEQ (env_uidvalidity_for_file (fd), c + 1);
  /* no file: a new value each time */
  env_uidvalidity_test_clock (fake_clock);
  CHECK_INTEQ (env_uidvalidity_for_file (-1), c + 2);
  CHECK_INTEQ (env_uidvalidity_for_file (-1), c + 3);
  /* another file: its own value; then the first (unchanged) again gets
   * a new one, since only the last file is remembered */
  {
    char *box2 = test_path (home, "box2");
    int fd2;
    test_write_file (box2, "From a@b Mon Jan  1 10:00:00 2024\n\nho\n", 0600);
    fd2 = open (box2, O_RDONLY);
    CHECK_INTEQ (env_uidvalidity_for_file (fd2), c + 4);
    CHECK_INTEQ (env_uidvalidity_for_file (fd), c + 5);
    close (fd2);
    fs_give ((void **) &box2);
  }
  close (fd);
  fs_give ((void **) &box);
  fs_give ((void **) &home);
}

/* No usable file: the process keeps its own mark (values never repeat in
 * the process, the clock otherwise); nothing fails */
static void
expect_process_mark (const char *what)
{
  unsigned long a, b, c;
  a = env_uidvalidity_next ();
  fake_now -= 7200;
  b = env_uidvalidity_next ();
  fake_now += 7300;
  c = env_uidvalidity_next ();
  if (!CHECK (a == (unsigned long) fake_now - 100 && b == a + 1 &&
	      c == (unsigned long) fake_now))
    printf ("  %s: %lu %lu %lu\n", what, a, b, c);
}

static void
test_unusable (void)
{
  char *home, *path, text[64];
  struct stat st;

  /* the home does not exist */
  home = use_home ("gone", T0);
  rmdir (home);
  expect_process_mark ("no home");
  CHECK (stat (home, &st) < 0);
  fs_give ((void **) &home);

  /* the mark is a symlink: never followed, the target untouched */
  home = use_home ("link", T0);
  path = mark_of (home);
  {
    char *target = test_path (home, "target");
    test_write_file (target, "keep\n", 0600);
    CHECK (symlink (target, path) == 0);
    expect_process_mark ("symlink");
    CHECK (read_mark (home, text, sizeof text) == 5 && !strcmp (text, "keep\n"));
    fs_give ((void **) &target);
  }
  fs_give ((void **) &path);
  fs_give ((void **) &home);

  /* the mark is a directory */
  home = use_home ("dir", T0);
  path = mark_of (home);
  CHECK (mkdir (path, 0700) == 0);
  expect_process_mark ("directory");
  fs_give ((void **) &path);
  fs_give ((void **) &home);

  /* someone else's file (as root: chown; else a directory we cannot
   * write, which root could) */
  home = use_home ("other", T0);
  path = mark_of (home);
  test_write_file (path, "", 0644);
  if (geteuid () == 0)
    CHECK (chown (path, 65534, 65534) == 0);
  else {
    unlink (path);
    CHECK (chmod (home, 0500) == 0);
  }
  expect_process_mark ("not ours");
  CHECK (geteuid () ? stat (path, &st) < 0
	 : stat (path, &st) == 0 && st.st_size == 0);
  chmod (home, 0700);
  fs_give ((void **) &path);
  fs_give ((void **) &home);

}

int
main (void)
{
  if (mkdtemp (topdir) == NULL) {
    perror ("mkdtemp");
    return 1;
  }
  test_increasing ();
  test_clock_back ();
  test_concurrent ();
  test_damaged ();
  test_for_file ();
  test_unusable ();
  env_uidvalidity_test_clock (NULL);
  if (test_rm_rf (topdir) != 0)
    printf ("note: could not remove %s\n", topdir);
  return unit_done ();
}

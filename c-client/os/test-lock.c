/*
 * test-lock.c - dotlock, mlock client, flock with timeout, session hooks.
 *
 * Some cases need a directory the test cannot write.  As root (CI) they run
 * in a child that drops to uid/gid 65534; as an ordinary user the directory
 * is simply chmod 0555.  If neither works the test says so and counts a
 * failure rather than silently passing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "test-fs.h"
#include "lock.h"
#include "env.h"

#define TEST_TIMEOUT 4		/* seconds of dotlock timeout in this test */
#define NOBODY 65534

static char topdir[] = "/tmp/test-lock.XXXXXX";
static struct buf logged = BUF_INIT;	/* every WARN/ERROR, one per line */

static void t_log (MAILSTREAM *stream, char *string, long errflg)
{
  buf_printf (&logged, "%ld %s\n", errflg, string);
}

static struct mail_callbacks t_callbacks;

static void release (void *p)
{
  if (p)
    fs_give (&p);
}

static char *path_in (const char *dir, const char *name)
{
  struct buf b = BUF_INIT;
  buf_printf (&b, "%s/%s", dir, name);
  return buf_detach (&b);
}

static void touch (const char *path)
{
  int fd = open (path, O_WRONLY | O_CREAT, 0600);
  if (fd >= 0)
    close (fd);
}

static int count_entries (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  int n = 0;

  if (d == NULL)
    return -1;
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") && strcmp (de->d_name, ".."))
      n++;
  closedir (d);
  return n;
}

static void set_mtime (const char *path, long delta)
{
  struct timeval tv[2];
  gettimeofday (&tv[0], NULL);
  tv[0].tv_sec += delta;
  tv[1] = tv[0];
  utimes (path, tv);
}

static ino_t inode_of (const char *path)
{
  struct stat sb;
  return lstat (path, &sb) == 0 ? sb.st_ino : 0;
}

/* ---- dotlock ---- */

static void test_acquire_release (void)
{
  char *dir = path_in (topdir, "a"), *mbox, *lockname;
  const char *err = NULL;
  struct stat sb;
  DOTLOCK dl;

  mkdir (dir, 0700);
  mbox = path_in (dir, "mbox");
  lockname = path_in (dir, "mbox.lock");
  touch (mbox);
  CHECK_INTEQ (lock_dot (NIL, mbox, -1, &dl, &err), 0);
  CHECK_STREQ (dl.lock, lockname);
  CHECK (lstat (lockname, &sb) == 0 && S_ISREG (sb.st_mode));
  CHECK_INTEQ (sb.st_mode & 07777, 0666);	/* others can break it */
  CHECK_INTEQ (sb.st_nlink, 1);		/* hitching post is gone */
  CHECK_INTEQ (count_entries (dir), 2);	/* mbox + mbox.lock only */
  CHECK_INTEQ (dl.pipei, -1);
  CHECK_INTEQ (lock_undot (&dl), 0);
  CHECK (access (lockname, F_OK) < 0 && errno == ENOENT);
  CHECK_INTEQ (dl.lock[0], '\0');
  CHECK_INTEQ (lock_undot (&dl), 0);	/* releasing twice is harmless */

  /* UW's names */
  CHECK_INTEQ (dotlock_lock (mbox, &dl, -1), LONGT);
  CHECK (access (lockname, F_OK) == 0);
  CHECK_INTEQ (dotlock_unlock (&dl), LONGT);
  CHECK (access (lockname, F_OK) < 0);

  /* relative path: the lock is made relative to the cwd */
  {
    char *cwd = getcwd (NULL, 0);
    if (CHECK (chdir (dir) == 0)) {
      CHECK_INTEQ (lock_dot (NIL, "mbox", -1, &dl, &err), 0);
      CHECK_STREQ (dl.lock, "mbox.lock");
      CHECK (access ("mbox.lock", F_OK) == 0);
      CHECK_INTEQ (lock_undot (&dl), 0);
      CHECK (chdir (cwd) == 0);
    }
    free (cwd);
  }
  release (mbox);
  release (lockname);
  release (dir);
}

static void test_bad_names (void)
{
  char *dir = path_in (topdir, "n"), *mbox, *lockname, *target;
  struct buf longname = BUF_INIT;
  const char *err = NULL;
  DOTLOCK dl;
  size_t i;

  mkdir (dir, 0700);
  mbox = path_in (dir, "mbox");
  lockname = path_in (dir, "mbox.lock");
  target = path_in (dir, "target");
  touch (mbox);

  /* a symbolic link where the lock should be is never followed */
  touch (target);
  CHECK (symlink (target, lockname) == 0);
  err = NULL;
  CHECK_INTEQ (lock_dot (NIL, mbox, -1, &dl, &err), -1);
  CHECK (err && strstr (err, "symbolic link"));
  CHECK_INTEQ (dl.lock[0], '\0');
  CHECK (inode_of (lockname) != 0);	/* still there, untouched */
  {
    struct stat sb;
    CHECK (lstat (lockname, &sb) == 0 && S_ISLNK (sb.st_mode));
  }
  /* also when it points nowhere */
  unlink (lockname);
  CHECK (symlink ("/nonexistent/x", lockname) == 0);
  CHECK_INTEQ (lock_dot (NIL, mbox, -1, &dl, &err), -1);
  CHECK (access ("/nonexistent/x", F_OK) < 0);
  unlink (lockname);
  CHECK_INTEQ (count_entries (dir), 2);	/* no hitching posts left */

  /* a directory where the lock should be */
  CHECK (mkdir (lockname, 0700) == 0);
  err = NULL;
  CHECK_INTEQ (lock_dot (NIL, mbox, -1, &dl, &err), -1);
  CHECK (err && strstr (err, "directory"));
  rmdir (lockname);

  /* names too long for DOTLOCK.lock */
  for (i = 0; i < MAILTMPLEN; i++)
    buf_putc (&longname, 'x');
  err = NULL;
  CHECK_INTEQ (lock_dot (NIL, buf_cstr (&longname), -1, &dl, &err), -1);
  CHECK (err && strstr (err, "too long"));
  CHECK_INTEQ (lock_dot (NIL, "", -1, &dl, &err), -1);
  buf_free (&longname);
  release (mbox);
  release (lockname);
  release (target);
  release (dir);
}

/* Paths the hitching post cannot use, and directories that do not exist. */
static void test_fallbacks (void)
{
  char *dir = path_in (topdir, "f");
  struct buf name = BUF_INIT, lockname = BUF_INIT;
  const char *err = NULL;
  DOTLOCK dl;
  size_t i;

  mkdir (dir, 0700);
  /* 250-byte file name: "<name>.lock" just fits in NAME_MAX (255), the hitching
   * post "<name>.<host>.<pid>.<n>" does not: O_EXCL on the lock instead */
  buf_printf (&name, "%s/", dir);
  for (i = 0; i < 250; i++)
    buf_putc (&name, 'm');
  buf_printf (&lockname, "%s.lock", buf_cstr (&name));
  touch (buf_cstr (&name));
  CHECK_INTEQ (lock_dot (NIL, buf_cstr (&name), -1, &dl, &err), 0);
  CHECK_STREQ (dl.lock, buf_cstr (&lockname));
  CHECK (access (buf_cstr (&lockname), F_OK) == 0);
  CHECK_INTEQ (count_entries (dir), 2);
  {
    struct stat sb;
    CHECK (stat (buf_cstr (&lockname), &sb) == 0
	   && (sb.st_mode & 07777) == 0666);
  }
  CHECK_INTEQ (lock_undot (&dl), 0);
  CHECK_INTEQ (count_entries (dir), 1);

  /* the directory does not exist: UW's "error creating" warning, unlocked */
  buf_reset (&name);
  buf_printf (&name, "%s/no/such/dir/mbox", dir);
  buf_reset (&logged);
  CHECK_INTEQ (lock_dot (NIL, buf_cstr (&name), -1, &dl, &err), 0);
  CHECK_INTEQ (dl.lock[0], '\0');
  CHECK (strstr (buf_cstr (&logged), "Mailbox vulnerable - error creating")
	 != NULL);
  CHECK (strstr (buf_cstr (&logged), "No such file or directory") != NULL);
  CHECK_INTEQ (lock_undot (&dl), 0);
  buf_free (&name);
  buf_free (&lockname);
  release (dir);
}

/* A second process waits while the first holds the lock, then gets it. */
static void test_contention (void)
{
  char *dir = path_in (topdir, "c"), *mbox, *lockname;
  const char *err = NULL;
  int ready[2];
  double t0, waited;
  pid_t pid;
  char c;
  DOTLOCK dl;
  int status;

  mkdir (dir, 0700);
  mbox = path_in (dir, "mbox");
  lockname = path_in (dir, "mbox.lock");
  touch (mbox);
  if (!CHECK (pipe (ready) == 0))
    return;
  pid = fork ();
  if (pid == 0) {
    DOTLOCK cdl;
    const char *cerr;
    close (ready[0]);
    if (lock_dot (NIL, mbox, -1, &cdl, &cerr) != 0)
      _exit (2);
    (void) !write (ready[1], "L", 1);
    lock_sleep_ns (700000000L);
    _exit (lock_undot (&cdl) == 0 ? 0 : 3);
  }
  close (ready[1]);
  CHECK (read (ready[0], &c, 1) == 1 && c == 'L');
  close (ready[0]);
  CHECK (access (lockname, F_OK) == 0);
  t0 = lock_monotonic_now ();
  CHECK_INTEQ (lock_dot (NIL, mbox, -1, &dl, &err), 0);
  waited = lock_monotonic_now () - t0;
  CHECK (waited >= 0.5);		/* really waited for the holder */
  CHECK (waited < TEST_TIMEOUT - 0.5);	/* and did not override it */
  CHECK (waitpid (pid, &status, 0) == pid);
  CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);	/* clean unlock */
  CHECK (access (lockname, F_OK) == 0);	/* ours now */
  CHECK_INTEQ (lock_undot (&dl), 0);
  CHECK (access (lockname, F_OK) < 0);
  release (mbox);
  release (lockname);
  release (dir);
}

/* Stale locks: judged by the file system's clock, either direction. */
static void test_stale (void)
{
  static const struct {
    long delta;			/* lock mtime relative to now */
    int immediate;		/* overridden without waiting */
  } cases[] = {
    { -86400, 1 },		/* a day old: stale */
    { -(TEST_TIMEOUT + 2), 1 },	/* just past the timeout */
    { 86400, 1 },		/* a day in the future: meaningless, stale */
    { 10L * 365 * 86400, 1 },	/* ten years ahead (clock set wrong) */
    { 1, 0 },			/* a second ahead: fresh, until inactivity */
    { 0, 0 },			/* fresh: waits the timeout, then overrides */
  };
  char *dir = path_in (topdir, "s"), *mbox, *lockname;
  const char *err;
  size_t i;

  mkdir (dir, 0700);
  mbox = path_in (dir, "mbox");
  lockname = path_in (dir, "mbox.lock");
  touch (mbox);
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    DOTLOCK dl;
    ino_t old;
    double t0, waited;

    struct buf keep = BUF_INIT;

    touch (lockname);
    set_mtime (lockname, cases[i].delta);
    old = inode_of (lockname);
    /* keep the old inode alive so its number cannot be reused at once */
    buf_printf (&keep, "%s/old-%zu", topdir, i);
    CHECK (link (lockname, buf_cstr (&keep)) == 0);
    buf_free (&keep);
    buf_reset (&logged);
    err = NULL;
    t0 = lock_monotonic_now ();
    CHECK_INTEQ (lock_dot (NIL, mbox, -1, &dl, &err), 0);
    waited = lock_monotonic_now () - t0;
    CHECK (dl.lock[0] != '\0');
    CHECK (inode_of (lockname) != 0);
    CHECK (dl.lockino != (unsigned long long) old);	/* a new lock */
    if (cases[i].immediate) {
      if (!CHECK (waited < 1.0))
	printf ("  case %zu (mtime %+ld s) waited %.2f s\n", i,
		cases[i].delta, waited);
      CHECK (strstr (buf_cstr (&logged), "stale") != NULL);
    }
    else {
      if (!CHECK (waited >= TEST_TIMEOUT - 0.5 && waited < TEST_TIMEOUT + 3))
	printf ("  case %zu (mtime %+ld s) waited %.2f s\n", i,
		cases[i].delta, waited);
      CHECK (strstr (buf_cstr (&logged), "Removed") != NULL);
    }
    CHECK_INTEQ (lock_undot (&dl), 0);
    CHECK (access (lockname, F_OK) < 0);
  }
  CHECK_INTEQ (count_entries (dir), 1);
  release (mbox);
  release (lockname);
  release (dir);
}

/* After someone overrides our lock, unlocking must not remove theirs. */
static void test_undot_only_ours (void)
{
  char *dir = path_in (topdir, "o"), *mbox, *lockname;
  const char *err;
  DOTLOCK mine;
  ino_t theirs;

  mkdir (dir, 0700);
  mbox = path_in (dir, "mbox");
  lockname = path_in (dir, "mbox.lock");
  touch (mbox);
  CHECK_INTEQ (lock_dot (NIL, mbox, -1, &mine, &err), 0);
  /* simulate an override: the lock is replaced by another process's */
  unlink (lockname);
  touch (lockname);
  theirs = inode_of (lockname);
  CHECK_INTEQ (lock_undot (&mine), -1);
  CHECK (inode_of (lockname) == theirs);
  unlink (lockname);
  release (mbox);
  release (lockname);
  release (dir);
}

/* ---- unwritable spool directory: warning, and the mlock helper ---- */

/* The fake helper: checks it got an open fd for the mailbox and an absolute
 * path, records what it saw, says '+', waits for one byte, records that. */
static const char fake_mlock_text[] =
  "#!/bin/sh\n"
  "log=\"$(dirname \"$0\")/log/mlock.log\"\n"
  "if [ \"$(readlink /proc/$$/fd/$1)\" = \"$2\" ]; then fd=fdok; else fd=fdbad; fi\n"
  "case $2 in /*) p=abs ;; *) p=rel ;; esac\n"
  "echo \"locked $# $fd $p $2\" >> \"$log\"\n"
  "printf +\n"
  "c=$(dd bs=1 count=1 2>/dev/null)\n"
  "echo \"unlocked $c\" >> \"$log\"\n";

static const char fake_mlock_refuses[] =
  "#!/bin/sh\nprintf -\n";

static void write_file (const char *path, const char *text, mode_t mode)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd >= 0) {
    (void) !write (fd, text, strlen (text));
    close (fd);
  }
  chmod (path, mode);
}

static char *read_file (const char *path)
{
  struct buf b = BUF_INIT;
  char tmp[512];
  ssize_t n;
  int fd = open (path, O_RDONLY);

  if (fd >= 0) {
    while ((n = read (fd, tmp, sizeof tmp)) > 0)
      buf_append (&b, tmp, (size_t) n);
    close (fd);
  }
  buf_cstr (&b);
  return buf_detach (&b);
}

/*
 * Runs in a process that cannot write spool.  Prints its findings as
 * "key=value" lines on out, which the parent checks (the child's own CHECK
 * counters would be lost).
 */
static void unwritable_cases (const char *spool, const char *mlockdir,
			      int out)
{
  struct buf r = BUF_INIT;
  char *mbox = path_in (spool, "mbox");
  char *helper = path_in (mlockdir, "mlock");
  char *refuser = path_in (mlockdir, "mlock-refuses");
  const char *err = NULL;
  DOTLOCK dl;
  int fd, rc;

  buf_printf (&r, "writable=%d\n", access (spool, W_OK) == 0);
  /* no helper: the UW warning, and we go on without a lock file */
  lock_set_mlock_path ("");
  buf_reset (&logged);
  rc = lock_dot (NIL, mbox, -1, &dl, &err);
  buf_printf (&r, "nohelper.rc=%d\nnohelper.lock=%d\nnohelper.log=%s", rc,
	      dl.lock[0] != '\0', buf_cstr (&logged));
  buf_printf (&r, "nohelper.undot=%d\n", lock_undot (&dl));

  /* a helper that refuses: the same warning */
  lock_set_mlock_path (refuser);
  fd = open (mbox, O_RDONLY);
  buf_reset (&logged);
  rc = lock_dot (NIL, mbox, fd, &dl, &err);
  buf_printf (&r, "refused.rc=%d\nrefused.lock=%d\nrefused.pipe=%d\n"
	      "refused.log=%s", rc, dl.lock[0] != '\0', dl.pipei,
	      buf_cstr (&logged));

  /* the working helper holds the lock for us through the pipes */
  lock_set_mlock_path (helper);
  buf_reset (&logged);
  rc = lock_dot (NIL, mbox, fd, &dl, &err);
  buf_printf (&r, "helper.rc=%d\nhelper.lock=%d\nhelper.pipe=%d\n"
	      "helper.logged=%zu\n", rc, dl.lock[0] != '\0', dl.pipei >= 0,
	      logged.len);
  buf_printf (&r, "helper.undot=%d\n", lock_undot (&dl));
  buf_printf (&r, "helper.pipe_after=%d\n", dl.pipei);
  /* a helper that needs the fd gets nothing when there is none */
  buf_reset (&logged);
  rc = lock_dot (NIL, mbox, -1, &dl, &err);
  buf_printf (&r, "nofd.rc=%d\nnofd.lock=%d\n", rc, dl.lock[0] != '\0');
  lock_set_mlock_path (NULL);
  if (fd >= 0)
    close (fd);
  (void) !write (out, r.data, r.len);
  buf_free (&r);
  release (mbox);
  release (helper);
  release (refuser);
}

static const char *field (const char *text, const char *key)
{
  static char val[512];
  size_t klen = strlen (key);
  const char *p = text;

  while (p && *p) {
    if (!strncmp (p, key, klen) && p[klen] == '=') {
      const char *e = strchr (p + klen + 1, '\n');
      size_t n = e ? (size_t) (e - (p + klen + 1)) : strlen (p + klen + 1);
      if (n >= sizeof val)
	n = sizeof val - 1;
      memcpy (val, p + klen + 1, n);
      val[n] = '\0';
      return val;
    }
    p = strchr (p, '\n');
    if (p)
      p++;
  }
  return "(missing)";
}

static void test_unwritable (void)
{
  char *spool = path_in (topdir, "spool");
  char *mlockdir = path_in (topdir, "helper");
  char *logdir = path_in (mlockdir, "log");
  char *mbox = path_in (spool, "mbox");
  char *helper = path_in (mlockdir, "mlock");
  char *refuser = path_in (mlockdir, "mlock-refuses");
  char *logfile = path_in (logdir, "mlock.log");
  struct buf result = BUF_INIT, expect = BUF_INIT;
  int as_root = geteuid () == 0, p[2];
  char *log;
  pid_t pid;

  chmod (topdir, 0755);		/* the unprivileged child must get in */
  mkdir (spool, 0755);
  mkdir (mlockdir, 0755);
  mkdir (logdir, 0777);
  chmod (logdir, 0777);
  write_file (mbox, "", 0644);
  write_file (helper, fake_mlock_text, 0755);
  write_file (refuser, fake_mlock_refuses, 0755);
  chmod (spool, 0555);
  if (!as_root && access (spool, W_OK) == 0) {
    printf ("NOTE: cannot make an unwritable directory here (not root, yet"
	    " %s is writable); the unwritable-directory cases are untested\n",
	    spool);
    CHECK (!"unwritable-directory cases could not run");
    goto done;
  }
  if (!CHECK (pipe (p) == 0))
    goto done;
  pid = fork ();
  if (pid == 0) {
    close (p[0]);
    if (as_root) {
      gid_t g = NOBODY;
      if (setgroups (1, &g) < 0 || setgid (NOBODY) < 0 || setuid (NOBODY) < 0)
	_exit (2);
    }
    unwritable_cases (spool, mlockdir, p[1]);
    close (p[1]);
    /* the buffers above belong to the parent's copy of the heap */
    _exit (0);
  }
  close (p[1]);
  {
    char tmp[1024];
    ssize_t n;
    while ((n = read (p[0], tmp, sizeof tmp)) > 0)
      buf_append (&result, tmp, (size_t) n);
    close (p[0]);
  }
  {
    int status;
    CHECK (waitpid (pid, &status, 0) == pid);
    if (!CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0))
      printf ("NOTE: the unprivileged child failed (status %d)\n", status);
  }
  buf_cstr (&result);
  CHECK_STREQ (field (result.data, "writable"), "0");
  buf_printf (&expect, "%ld Mailbox vulnerable - directory %s must have 1777"
	      " protection", (long) WARN, spool);
  CHECK_STREQ (field (result.data, "nohelper.rc"), "0");
  CHECK_STREQ (field (result.data, "nohelper.lock"), "0");
  CHECK_STREQ (field (result.data, "nohelper.log"), buf_cstr (&expect));
  CHECK_STREQ (field (result.data, "nohelper.undot"), "0");
  CHECK_STREQ (field (result.data, "refused.rc"), "0");
  CHECK_STREQ (field (result.data, "refused.lock"), "0");
  CHECK_STREQ (field (result.data, "refused.pipe"), "-1");
  CHECK_STREQ (field (result.data, "refused.log"), buf_cstr (&expect));
  CHECK_STREQ (field (result.data, "helper.rc"), "0");
  CHECK_STREQ (field (result.data, "helper.lock"), "1");
  CHECK_STREQ (field (result.data, "helper.pipe"), "1");
  CHECK_STREQ (field (result.data, "helper.logged"), "0");
  CHECK_STREQ (field (result.data, "helper.undot"), "0");
  CHECK_STREQ (field (result.data, "helper.pipe_after"), "-1");
  CHECK_STREQ (field (result.data, "nofd.rc"), "0");
  CHECK_STREQ (field (result.data, "nofd.lock"), "0");
  /* the helper saw: 2 args, our open fd on the mailbox, an absolute path;
   * and it was told to unlock.  It may still be finishing: wait a little. */
  {
    int i;
    for (i = 0; i < 50; i++) {
      log = read_file (logfile);
      if (strstr (log, "unlocked"))
	break;
      release (log);
      log = NULL;
      lock_sleep_ns (100000000L);
    }
    if (log == NULL)
      log = read_file (logfile);
  }
  buf_reset (&expect);
  buf_printf (&expect, "locked 2 fdok abs %s\nunlocked +\n", mbox);
  CHECK_STREQ (log, buf_cstr (&expect));
  release (log);
  CHECK_INTEQ (count_entries (spool), 1);	/* nothing was created there */
done:
  chmod (spool, 0755);
  buf_free (&result);
  buf_free (&expect);
  release (spool);
  release (mlockdir);
  release (logdir);
  release (mbox);
  release (helper);
  release (refuser);
  release (logfile);
}

/* ---- flock ---- */

static void test_flock (void)
{
  char *file = path_in (topdir, "flock");
  int a, b, c;
  double t0, waited;

  touch (file);
  /* separate opens are separate lock owners, even in one process */
  a = open (file, O_RDWR);
  b = open (file, O_RDWR);
  c = open (file, O_RDWR);
  CHECK (a >= 0 && b >= 0 && c >= 0);
  CHECK_INTEQ (lock_flock (a, LOCK_SH, 0), 0);
  CHECK_INTEQ (lock_flock (b, LOCK_SH, 0), 0);	/* shared with shared */
  errno = 0;
  t0 = lock_monotonic_now ();
  CHECK_INTEQ (lock_flock (c, LOCK_EX, 1), -1);	/* waits, then gives up */
  waited = lock_monotonic_now () - t0;
  CHECK_INTEQ (errno, EWOULDBLOCK);
  CHECK (waited >= 0.95 && waited < 2.5);
  errno = 0;
  t0 = lock_monotonic_now ();
  CHECK_INTEQ (lock_flock (c, LOCK_EX, 0), -1);	/* 0: a single try */
  CHECK_INTEQ (errno, EWOULDBLOCK);
  CHECK (lock_monotonic_now () - t0 < 0.5);
  CHECK_INTEQ (lock_funlock (a), 0);
  CHECK_INTEQ (lock_funlock (b), 0);
  CHECK_INTEQ (lock_flock (c, LOCK_EX, 0), 0);
  CHECK_INTEQ (lock_flock (a, LOCK_SH, 0), -1);	/* exclusive excludes */
  CHECK_INTEQ (lock_funlock (c), 0);

  /* another process holds it exclusively for a while; we wait it out */
  {
    int ready[2], status;
    char ch;
    pid_t pid;

    if (CHECK (pipe (ready) == 0)) {
      pid = fork ();
      if (pid == 0) {
	int fd = open (file, O_RDWR);
	close (ready[0]);
	if (fd < 0 || lock_flock (fd, LOCK_EX, 5) < 0)
	  _exit (2);
	(void) !write (ready[1], "L", 1);
	lock_sleep_ns (600000000L);
	_exit (0);		/* exit releases the lock */
      }
      close (ready[1]);
      CHECK (read (ready[0], &ch, 1) == 1);
      close (ready[0]);
      t0 = lock_monotonic_now ();
      CHECK_INTEQ (lock_flock (a, LOCK_SH, 5), 0);
      waited = lock_monotonic_now () - t0;
      CHECK (waited >= 0.4 && waited < 4);
      CHECK (waitpid (pid, &status, 0) == pid && WIFEXITED (status)
	     && WEXITSTATUS (status) == 0);
      CHECK_INTEQ (lock_funlock (a), 0);
    }
  }
  /* a negative timeout blocks until granted (here at once) */
  CHECK_INTEQ (lock_flock (a, LOCK_EX, -1), 0);
  CHECK_INTEQ (lock_funlock (a), 0);
  /* bad arguments */
  errno = 0;
  CHECK_INTEQ (lock_flock (a, LOCK_UN, 0), -1);
  CHECK_INTEQ (errno, EINVAL);
  CHECK_INTEQ (lock_flock (-1, LOCK_SH, 0), -1);
  close (a);
  errno = 0;
  CHECK_INTEQ (lock_flock (a, LOCK_SH, 0), -1);	/* closed fd */
  CHECK_INTEQ (errno, EBADF);
  close (b);
  close (c);
  release (file);
}

/* A stale lock we may not remove (another user's, in a sticky spool
 * directory): waited out like a live one and given up after the timeout,
 * with a note, never spun on (the loop used to retry at full speed) */
static void test_stale_unremovable (void)
{
  char *spool = path_in (topdir, "sticky");
  char *mbox = path_in (spool, "mbox"), *lock = path_in (spool, "mbox.lock");
  int p[2];
  pid_t pid;

  if (!CHECK (geteuid () == 0)) {
    printf ("NOTE: the unremovable stale lock case needs root\n");
    goto out;
  }
  chmod (topdir, 0755);
  mkdir (spool, 01777);
  chmod (spool, 01777);
  write_file (mbox, "", 0666);
  write_file (lock, "", 0644);		/* root's, a day old */
  set_mtime (lock, -86400);
  if (!CHECK (pipe (p) == 0))
    goto out;
  pid = fork ();
  if (pid == 0) {
    gid_t g = NOBODY;
    const char *error = NULL;
    DOTLOCK dl;
    struct rusage ru;
    char out[2048];
    int r;
    close (p[0]);
    if (setgroups (1, &g) < 0 || setgid (NOBODY) < 0 || setuid (NOBODY) < 0)
      _exit (2);
    buf_reset (&logged);
    r = lock_dot (NIL, mbox, -1, &dl, &error);
    getrusage (RUSAGE_SELF, &ru);
    snprintf (out, sizeof out, "%d|%ld|%s|%s", r,
	      (long) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec),
	      error ? error : "", buf_cstr (&logged));
    (void) write (p[1], out, strlen (out));
    _exit (0);
  }
  close (p[1]);
  {
    char got[2048];
    ssize_t n = read (p[0], got, sizeof got - 1);
    int status;
    close (p[0]);
    waitpid (pid, &status, 0);
    got[n > 0 ? n : 0] = '\0';
    CHECK (strncmp (got, "-1|", 3) == 0);		/* gave up */
    CHECK (strstr (got, "gave up after") != NULL);
    CHECK (strstr (got, "Can't remove stale lock") != NULL);
    /* waiting, not spinning: far less CPU than the TEST_TIMEOUT of wall
     * time a busy loop burns */
    CHECK (n > 3 && atol (got + 3) < TEST_TIMEOUT / 2);
  }
  CHECK (access (lock, F_OK) == 0);		/* someone else's: still there */
  unlink (lock);
  unlink (mbox);
  rmdir (spool);
out:
  release (spool);
  release (mbox);
  release (lock);
}

/* ---- the session lock /tmp/.<dev>.<ino> and the kiss of death ---- */

static DRIVER single_writer = { .name = "fake-mbox", .flags = DR_SESSIONLOCK };
static DRIVER shared_writer = { .name = "fake-mix", .flags = 0 };

static MAILSTREAM *fake_stream (DRIVER *d, int silent, int nokod)
{
  MAILSTREAM *s = fs_get (sizeof *s);
  memset (s, 0, sizeof *s);
  s->dtb = d;
  s->silent = silent ? 1 : 0;
  s->nokod = nokod ? 1 : 0;
  return s;
}

/* the lock file's name for the file open on fd, in dir */
static char *session_name (const char *dir, int fd)
{
  struct stat sb;
  struct buf b = BUF_INIT;
  fstat (fd, &sb);
  buf_printf (&b, "%s/.%llx.%llx", dir, (unsigned long long) sb.st_dev,
	      (unsigned long long) sb.st_ino);
  return buf_detach (&b);
}

static char *file_text (const char *path)
{
  struct buf b = BUF_INIT;
  char tmp[64];
  ssize_t n;
  int fd = open (path, O_RDONLY);
  if (fd < 0)
    return NULL;
  while ((n = read (fd, tmp, sizeof tmp)) > 0)
    buf_append (&b, tmp, (size_t) n);
  close (fd);
  buf_cstr (&b);
  return buf_detach (&b);
}

static volatile sig_atomic_t kissed;
static void on_kiss (int sig)
{
  (void) sig;
  kissed = 1;
}

/* The owner in a child: takes the lock, says so on the pipe, and either
 * gives it up when kissed (obey) or ignores kisses; exits when the pipe
 * from the parent closes. */
static pid_t spawn_owner (const char *mbox, int obey, int *ready_fd,
			  int *stop_fd)
{
  int up[2], down[2];
  pid_t pid;
  if (pipe (up) < 0 || pipe (down) < 0)
    return -1;
  pid = fork ();
  if (pid == 0) {
    struct lock_session *ls = NULL;
    MAILSTREAM *st = fake_stream (&single_writer, 0, 0);
    int fd = open (mbox, O_RDWR);
    char c = '+';
    close (up[0]);
    close (down[1]);
    signal (SIGUSR2, obey ? on_kiss : SIG_IGN);
    if (fd < 0 || lock_session_acquire (st, fd, 1, &ls) < 0
	|| !lock_session_path (ls))
      c = '-';
    if (write (up[1], &c, 1) != 1)
      _exit (3);
    for (;;) {
      struct timespec ts = { 0, 10000000L };
      if (kissed) {		/* UW's owner: let go, and say so */
	lock_session_release (&ls);
	c = 'k';
	(void) write (up[1], &c, 1);
	kissed = 0;
      }
      fd_set r;
      FD_ZERO (&r);
      FD_SET (down[0], &r);
      struct timeval tv = { 0, 10000 };
      if (select (down[0] + 1, &r, NULL, NULL, &tv) > 0)
	break;			/* the parent closed the pipe: done */
      nanosleep (&ts, NULL);
    }
    lock_session_release (&ls);
    _exit (0);
  }
  close (up[1]);
  close (down[0]);
  *ready_fd = up[0];
  *stop_fd = down[1];
  return pid;
}

static void stop_owner (pid_t pid, int ready_fd, int stop_fd)
{
  int status;
  close (stop_fd);
  close (ready_fd);
  waitpid (pid, &status, 0);
}

static void test_session (void)
{
  struct lock_session *ls = NULL, *ls2 = NULL;
  MAILSTREAM *rw = fake_stream (&single_writer, 0, 0);
  MAILSTREAM *silent = fake_stream (&single_writer, 1, 0);
  MAILSTREAM *nokod = fake_stream (&single_writer, 0, 1);
  MAILSTREAM *shared = fake_stream (&shared_writer, 0, 0);
  char *mbox = path_in (topdir, "session-mbox"), *name, *txt, pidtxt[32];
  struct stat sb;
  int fd;

  /* no stream, a read-only session, a shared format: no file, granted */
  CHECK_INTEQ (lock_session_acquire (NIL, 0, 1, &ls), 0);
  CHECK (ls != NULL && lock_session_path (ls) == NULL);
  lock_session_release (&ls);
  CHECK (ls == NULL);
  lock_session_release (&ls);		/* twice is harmless */
  lock_session_release (NULL);
  touch (mbox);
  fd = open (mbox, O_RDWR);
  name = session_name ("/tmp", fd);
  unlink (name);
  CHECK_INTEQ (lock_session_acquire (rw, fd, 0, &ls), 0);
  CHECK (lock_session_path (ls) == NULL && access (name, F_OK) != 0);
  lock_session_release (&ls);
  CHECK_INTEQ (lock_session_acquire (shared, fd, 1, &ls), 0);
  CHECK (lock_session_path (ls) == NULL && access (name, F_OK) != 0);
  lock_session_release (&ls);

  /* read/write: UW's name in /tmp, mode 0666 whatever the umask, our pid
   * with no newline, flock()ed; gone after release */
  umask (077);
  CHECK_INTEQ (lock_session_acquire (rw, fd, 1, &ls), 0);
  umask (022);
  if (CHECK (lock_session_path (ls) != NULL))
    CHECK_STREQ (lock_session_path (ls), name);
  CHECK (lstat (name, &sb) == 0 && S_ISREG (sb.st_mode)
	 && (sb.st_mode & 07777) == 0666);
  snprintf (pidtxt, sizeof pidtxt, "%ld", (long) getpid ());
  txt = file_text (name);
  CHECK (txt != NULL && strcmp (txt, pidtxt) == 0);
  release (txt);
  {
    int other = open (name, O_RDWR);
    CHECK (other >= 0 && flock (other, LOCK_EX | LOCK_NB) < 0);
    if (other >= 0)
      close (other);
  }
  /* the same process again: never kisses itself, opens read-only */
  buf_reset (&logged);
  CHECK_INTEQ (lock_session_acquire (rw, fd, 1, &ls2), -1);
  CHECK (strstr (buf_cstr (&logged), "Mailbox is open by another process, "
		 "access is readonly") != NULL);
  CHECK (strstr (buf_cstr (&logged), "Trying") == NULL);
  lock_session_release (&ls2);
  CHECK (access (name, F_OK) == 0);	/* the loser removes nothing */
  lock_session_release (&ls);
  CHECK (access (name, F_OK) != 0);

  /* a silent stream holds it with no pid in it (it can't be kissed) */
  CHECK_INTEQ (lock_session_acquire (silent, fd, 1, &ls), 0);
  txt = file_text (name);
  CHECK (txt != NULL && txt[0] == '\0');
  release (txt);
  lock_session_release (&ls);

  /* a kissed owner that obeys: the newcomer logs UW's line with the
   * owner's pid and gets the lock */
  {
    int ready, stop;
    char c = 0;
    pid_t owner = spawn_owner (mbox, 1, &ready, &stop);
    CHECK (owner > 0 && read (ready, &c, 1) == 1 && c == '+');
    buf_reset (&logged);
    CHECK_INTEQ (lock_session_acquire (rw, fd, 1, &ls), 0);
    {
      struct buf w = BUF_INIT;
      buf_printf (&w, "Trying to get mailbox lock from process %ld",
		  (long) owner);
      CHECK (strstr (buf_cstr (&logged), buf_cstr (&w)) != NULL);
      buf_free (&w);
    }
    CHECK (read (ready, &c, 1) == 1 && c == 'k');
    txt = file_text (name);
    CHECK (txt != NULL && strcmp (txt, pidtxt) == 0);
    release (txt);
    lock_session_release (&ls);
    stop_owner (owner, ready, stop);
  }

  /* an owner a newcomer may not kiss (OP_NOKOD), or whose file names
   * nobody (a silent owner): read-only at once */
  {
    int ready, stop;
    char c = 0;
    pid_t owner = spawn_owner (mbox, 1, &ready, &stop);
    CHECK (owner > 0 && read (ready, &c, 1) == 1 && c == '+');
    buf_reset (&logged);
    CHECK_INTEQ (lock_session_acquire (nokod, fd, 1, &ls), -1);
    CHECK (strstr (buf_cstr (&logged), "Trying") == NULL);
    CHECK (strstr (buf_cstr (&logged), "access is readonly") != NULL);
    lock_session_release (&ls);
    {
      int lf = open (name, O_RDWR);	/* make it look like a silent owner */
      CHECK (lf >= 0 && ftruncate (lf, 0) == 0);
      if (lf >= 0)
	close (lf);
    }
    buf_reset (&logged);
    CHECK_INTEQ (lock_session_acquire (rw, fd, 1, &ls), -1);
    CHECK (strstr (buf_cstr (&logged), "Trying") == NULL);
    lock_session_release (&ls);
    stop_owner (owner, ready, stop);
  }

  /* a crashed owner (its flock() gone, its pid left in the file): taken
   * at once, and the stale pid is not signalled */
  {
    int lf = open (name, O_RDWR | O_CREAT, 0666);
    CHECK (lf >= 0 && write (lf, "1", 1) == 1);	/* init: never kissed */
    if (lf >= 0)
      close (lf);
    buf_reset (&logged);
    CHECK_INTEQ (lock_session_acquire (rw, fd, 1, &ls), 0);
    CHECK (strstr (buf_cstr (&logged), "Trying") == NULL);
    lock_session_release (&ls);
  }

  /* a symbolic link or a directory at the name: never followed or used,
   * the session is read-only, the target untouched */
  {
    char *target = path_in (topdir, "session-target");
    CHECK_INTEQ (symlink (target, name), 0);
    CHECK_INTEQ (lock_session_acquire (rw, fd, 1, &ls), -1);
    CHECK (access (target, F_OK) != 0);
    lock_session_release (&ls);
    CHECK (lstat (name, &sb) == 0 && S_ISLNK (sb.st_mode));
    unlink (name);
    CHECK_INTEQ (mkdir (name, 0700), 0);
    CHECK_INTEQ (lock_session_acquire (rw, fd, 1, &ls), -1);
    lock_session_release (&ls);
    rmdir (name);
    release (target);
  }

  /* no lock directory at all (a chroot without /tmp): granted, no file */
  lock_session_set_dir ("/nonexistent-session-dir");
  CHECK_INTEQ (lock_session_acquire (rw, fd, 1, &ls), 0);
  CHECK (lock_session_path (ls) == NULL);
  lock_session_release (&ls);
  lock_session_set_dir (NULL);

  close (fd);
  unlink (mbox);
  release (name);
  release (mbox);
  fs_give ((void **) &rw);
  fs_give ((void **) &silent);
  fs_give ((void **) &nokod);
  fs_give ((void **) &shared);
}

int main (void)
{
  t_callbacks = mail_callbacks_mm;
  t_callbacks.log = t_log;
  mail_parameters (NIL, SET_CALLBACKS, (void *) &t_callbacks);
  if (mkdtemp (topdir) == NULL) {
    perror ("mkdtemp");
    return 1;
  }
  lock_dot_set_timeout_seconds (TEST_TIMEOUT);
  test_acquire_release ();
  test_bad_names ();
  test_fallbacks ();
  test_contention ();
  test_stale ();
  test_undot_only_ours ();
  test_unwritable ();
  test_stale_unremovable ();
  test_flock ();
  test_session ();
  lock_set_mlock_path (NULL);
  if (test_rm_rf (topdir) != 0)
    printf ("note: could not remove %s\n", topdir);
  buf_free (&logged);
  return unit_done ();
}

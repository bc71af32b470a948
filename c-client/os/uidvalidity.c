/*
 * uidvalidity.c - UIDVALIDITY values that never repeat for a user, even
 * when the clock moves back: a per-user high-water mark.
 *
 * A new UIDVALIDITY is max(now, mark + 1), and becomes the new mark.  The
 * mark lives in ~/.bamboo-uidvalidity (mode 0600) and is updated under
 * flock(), so concurrent sessions of one user never get the same value.
 * See docs/time.md.
 *
 * The file is fixed-size records, "<10 digits> <8 hex>\n" each (a number
 * and a checksum of its digits), rewritten in place.  Records 0 and 1 hold
 * the mark: each update overwrites the one holding the lower value (a
 * damaged record counts as lowest) and is on disk (fdatasync) before the
 * value is handed out.  A crash in the middle of a write can tear only that
 * record; the other one still holds the last value handed out, so the mark
 * never goes back.  (Write-temp-and-rename would need a second lock file,
 * because the renamed file is not the one others wait to flock, and two
 * fsyncs; two records need neither.)
 *
 * Records 2 and 3 serve env_uidvalidity_for_file(): the last value given
 * to a series that lives only in memory (a mailbox file without UID
 * data), and a hash of that file's state (device, inode, size, mtime in
 * ns).  Sessions that open the file in the same state number its messages
 * the same way (1..n in file order), so they get the same value -- as they
 * did with time(0) when they opened in the same second, but without the
 * second: a file in another state (rewritten, appended to) gets a new one.
 *
 * When no mark record is valid -- a file whose first write never
 * completed, or one damaged from outside -- the file's own times (the file
 * system's clock) bound the last write, and we go on from there, with a
 * warning.  When the home cannot be used at all (read-only, not ours, no
 * home) the process keeps its own mark: values still never repeat within
 * the process and follow time(0) otherwise.  Nothing here ever fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define HWM_NAME ".bamboo-uidvalidity"
#define HWM_RECORD 20			/* "1234567890 89abcdef\n" */
#define HWM_RECORDS 4			/* mark, mark, file value, file key */
#define HWM_SIZE (HWM_RECORDS * HWM_RECORD)
#define HWM_MAX 0xffffffffUL		/* UIDVALIDITY is 32 bits (RFC 3501) */

static unsigned long process_mark;	/* the highest value this process gave */
static time_t (*clock_hook) (void);	/* tests: the time source */
static int warned_fallback;

void
env_uidvalidity_test_clock (time_t (*now) (void))
{
  clock_hook = now;
  process_mark = 0;
  warned_fallback = 0;
}

/* now as a UIDVALIDITY: at least 1, at most HWM_MAX */
static unsigned long
now_value (void)
{
  time_t t = clock_hook ? clock_hook () : time (0);
  if (t < 1)
    return 1;
  if ((uint64_t) t > HWM_MAX)
    return HWM_MAX;
  return (unsigned long) t;
}

/* FNV-1a over len bytes, continuing from h */
static uint32_t
fnv (uint32_t h, const char *s, size_t len)
{
  size_t i;
  for (i = 0; i < len; i++) {
    h ^= (unsigned char) s[i];
    h *= 16777619u;
  }
  return h;
}

#define FNV_START 2166136261u

/* A record: ten digits of v, the checksum of the digits */
static void
record_format (char rec[HWM_RECORD + 1], unsigned long v)
{
  char digits[11];
  struct buf b = BUF_INIT;
  snprintf (digits, sizeof digits, "%010lu", v);
  buf_printf (&b, "%s %08lx\n", digits,
	      (unsigned long) fnv (FNV_START, digits, 10));
  memcpy (rec, b.data, HWM_RECORD);
  rec[HWM_RECORD] = '\0';
  buf_free (&b);
}

/* 1 with *v when rec (HWM_RECORD bytes) is a valid record, else 0 */
static int
record_parse (const char *rec, unsigned long *v)
{
  unsigned long val = 0, sum = 0;
  int i;
  for (i = 0; i < 10; i++) {
    if (rec[i] < '0' || rec[i] > '9')
      return 0;
    val = val * 10 + (unsigned long) (rec[i] - '0');
  }
  if (rec[10] != ' ' || rec[19] != '\n')
    return 0;
  for (i = 11; i < 19; i++) {
    int c = rec[i];
    int d = (c >= '0' && c <= '9') ? c - '0'
      : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0)
      return 0;
    sum = sum * 16 + (unsigned long) d;
  }
  if (sum != fnv (FNV_START, rec, 10) || !val || val > HWM_MAX)
    return 0;
  *v = val;
  return 1;
}

/* The state of the mailbox file on fd as a record value (never 0), or 0
 * when it cannot be known */
static unsigned long
file_key (int fd)
{
  struct stat st;
  long long parts[5];
  if (fd < 0 || fstat (fd, &st) < 0)
    return 0;
  parts[0] = (long long) st.st_dev;
  parts[1] = (long long) st.st_ino;
  parts[2] = (long long) st.st_size;
  parts[3] = (long long) st.st_mtim.tv_sec;
  parts[4] = (long long) st.st_mtim.tv_nsec;
  return (unsigned long) fnv (FNV_START, (const char *) parts, sizeof parts)
    % HWM_MAX + 1;
}

/* The path of the mark file in home, or NULL when there is no home */
static char *
mark_path (struct buf *b)
{
  const char *home = myhomedir ();
  if (!home || *home != '/')
    return NULL;
  buf_printf (b, "%s/%s", strcmp (home, "/") ? home : "", HWM_NAME);
  return (char *) buf_cstr (b);
}

/* Once per process: the file could not be used, say so and why */
static void
fallback_note (const char *path, const char *why, int err)
{
  if (warned_fallback)
    return;
  warned_fallback = 1;
  syslog (LOG_MAIL | LOG_NOTICE, "UIDVALIDITY mark %s not usable (%s%s%s); "
	  "new UIDVALIDITY values follow this process and its clock only",
	  path ? path : "(no home directory)", why, err ? ": " : "",
	  err ? strerror (err) : "");
}

/* flock(LOCK_EX), as long as it takes: holders keep it for one small
 * write and its sync */
static int
lock_wait (int fd)
{
  while (flock (fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

/* The mark in text (n bytes read of the file st describes) */
static unsigned long
mark_read (const char *text, ssize_t n, const struct stat *st,
	   const char *path, int ok[2], unsigned long v[2])
{
  unsigned long mark;
  v[0] = v[1] = 0;
  ok[0] = n >= HWM_RECORD && record_parse (text, &v[0]);
  ok[1] = n >= 2 * HWM_RECORD && record_parse (text + HWM_RECORD, &v[1]);
  mark = v[0] > v[1] ? v[0] : v[1];
  if (!ok[0] && !ok[1] && st->st_size > 0) {
    /* no completed write survives: the file's last change (by the file
     * system's clock) is at least as late as the last value handed out,
     * unless the clock had been ahead then; the best we can know */
    time_t guess = st->st_mtime > st->st_ctime ? st->st_mtime : st->st_ctime;
    mark = guess > 0 ? (unsigned long) guess : 0;
    if (mark > HWM_MAX)
      mark = HWM_MAX;
    syslog (LOG_MAIL | LOG_WARNING, "UIDVALIDITY mark %s is damaged; "
	    "continuing after its modification time %lu", path, mark);
  }
  return mark;
}

/* The next value from the file on fd (held under flock): reads the
 * records, writes the new one over the lower, syncs.  key: the state of a
 * mailbox file (file_key), 0 for none: the value last given for the same
 * key is given again, and a new one is recorded with its key.  0, or -1
 * with errno (nothing was handed out: the caller falls back). */
static int
mark_update (int fd, const char *path, unsigned long floor_value,
	     unsigned long key, unsigned long *value_r)
{
  char text[HWM_SIZE], rec[2 * HWM_RECORD + 1];
  unsigned long v[2], mark, next, sv, skey;
  int ok[2], slot;
  struct stat st;
  ssize_t n;

  if (fstat (fd, &st) < 0)
    return -1;
  memset (text, 0, sizeof text);
  n = pread (fd, text, sizeof text, 0);
  if (n < 0)
    return -1;
  mark = mark_read (text, n, &st, path, ok, v);
  if (key && n >= HWM_SIZE && record_parse (text + 2 * HWM_RECORD, &sv) &&
      sv <= mark && record_parse (text + 3 * HWM_RECORD, &skey) &&
      skey == key) {
    *value_r = sv;		/* the same file as last time, unchanged */
    return 0;
  }
  if (mark >= HWM_MAX) {
    /* 32 bits used up (a clock once set to 2106): nothing is above */
    syslog (LOG_MAIL | LOG_ERR, "UIDVALIDITY mark %s is at its maximum; "
	    "UIDVALIDITY values may repeat", path);
    *value_r = now_value ();
    return 0;
  }
  next = mark + 1 > floor_value ? mark + 1 : floor_value;
  /* overwrite the record with the lower value; a damaged one first */
  slot = !ok[0] ? 0 : !ok[1] ? 1 : v[0] <= v[1] ? 0 : 1;
  record_format (rec, next);
  if (pwrite (fd, rec, HWM_RECORD, (off_t) slot * HWM_RECORD) != HWM_RECORD)
    return -1;
  if (key) {
    record_format (rec + HWM_RECORD, key);
    if (pwrite (fd, rec, 2 * HWM_RECORD, 2 * HWM_RECORD) != 2 * HWM_RECORD)
      return -1;
  }
  if (st.st_size > HWM_SIZE && ftruncate (fd, HWM_SIZE) < 0)
    return -1;
  if ((st.st_mode & 07777) != 0600)
    (void) fchmod (fd, 0600);
  if (fdatasync (fd) < 0)
    return -1;
  *value_r = next;
  return 0;
}

static unsigned long
uidvalidity (unsigned long key)
{
  struct buf b = BUF_INIT;
  const char *path = mark_path (&b);
  unsigned long floor_value = now_value (), value = 0;
  struct stat st;
  int fd = -1, done = 0;

  /* never below what this process gave before, whatever the file says */
  if (process_mark >= floor_value && process_mark < HWM_MAX)
    floor_value = process_mark + 1;
  if (!path)
    fallback_note (NULL, "no home directory", 0);
  else if ((fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		       0600)) < 0)
    fallback_note (path, "cannot open", errno);
  else if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) ||
	   st.st_uid != geteuid ())
    fallback_note (path, "not a regular file of ours", 0);
  else if (lock_wait (fd) < 0)
    fallback_note (path, "cannot lock", errno);
  else {
    if (mark_update (fd, path, floor_value, key, &value) == 0)
      done = 1;
    else
      fallback_note (path, "cannot update", errno);
    (void) flock (fd, LOCK_UN);
  }
  if (fd >= 0)
    close (fd);
  buf_free (&b);
  if (!done)
    value = floor_value;
  if (value > process_mark)
    process_mark = value;
  return value;
}

unsigned long
env_uidvalidity_next (void)
{
  return uidvalidity (0);
}

unsigned long
env_uidvalidity_for_file (int fd)
{
  return uidvalidity (file_key (fd));
}

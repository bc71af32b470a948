/*
 * mbox-open.c - how long mail_open() of a large mbox takes, plus touching
 * every message's cache entry.  One source, built twice by run-mbox-open.sh:
 * against our build/libc-client.a and against Debian's UW c-client, so the
 * two can be compared as a ratio in one session.  It never passes or fails
 * on time; it prints figures.
 *
 *   mbox-open ro MAILBOX RUNS    mail_open(OP_READONLY) + every elt, RUNS times
 *   mbox-open rw MAILBOX RUNS    the same read-write (the first run may
 *                                rewrite the file: UIDs, pseudo-message)
 *   mbox-open scan FILE RUNS     baseline: mmap + memchr count of newlines
 *
 * Output, one line:  MODE runs=N median=S.SSSS min=S.SSSS MB/s=X msgs=M
 * The first run warms the page cache and is left out of median and min.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "c-client.h"

static double now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* One run: seconds, and the message count through *msgs (-1 on failure). */
static double run_open (char *mailbox, long options, long *msgs)
{
  double t0 = now ();
  unsigned long i, total = 0;
  MAILSTREAM *stream = mail_open (NIL, mailbox, options);

  if (stream == NIL) {
    *msgs = -1;
    return 0;
  }
  for (i = 1; i <= stream->nmsgs; i++)
    total += mail_elt (stream, i)->rfc822_size;	/* touch every elt */
  *msgs = (long) stream->nmsgs;
  mail_close (stream);
  if (total == 0 && *msgs > 0)
    fprintf (stderr, "warning: all messages report size 0\n");
  return now () - t0;
}

static double run_scan (const char *file, long *lines)
{
  double t0 = now ();
  struct stat sb;
  const char *p, *end, *base;
  long n = 0;
  int fd = open (file, O_RDONLY);

  *lines = -1;
  if (fd < 0 || fstat (fd, &sb) < 0)
    return 0;
  base = sb.st_size ? mmap (NULL, sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
    : NULL;
  close (fd);
  if (base == MAP_FAILED)
    return 0;
  for (p = base, end = base + sb.st_size;
       p < end && (p = memchr (p, '\n', end - p)) != NULL; p++)
    n++;
  if (base)
    munmap ((void *) base, sb.st_size);
  *lines = n;
  return now () - t0;
}

int main (int argc, char **argv)
{
  struct stat sb;
  double *t;
  long runs, i, count = 0;
  const char *mode;

#include "linkage.c"
  if (argc != 4 || (runs = atol (argv[3])) < 2) {
    fprintf (stderr, "usage: %s ro|rw|scan MAILBOX RUNS (RUNS >= 2)\n", argv[0]);
    return 2;
  }
  mode = argv[1];
  if (stat (argv[2], &sb) < 0) {
    perror (argv[2]);
    return 1;
  }
  t = calloc (runs, sizeof *t);
  for (i = 0; i < runs; i++) {
    if (!strcmp (mode, "scan"))
      t[i] = run_scan (argv[2], &count);
    else if (!strcmp (mode, "ro") || !strcmp (mode, "rw"))
      t[i] = run_open (argv[2], !strcmp (mode, "ro") ? OP_READONLY : NIL,
		       &count);
    else {
      fprintf (stderr, "unknown mode %s\n", mode);
      return 2;
    }
    if (count < 0) {
      fprintf (stderr, "%s: %s failed\n", mode, argv[2]);
      return 1;
    }
  }
  qsort (t + 1, runs - 1, sizeof *t, cmp_double);	/* run 0 = warm-up */
  {
    double med = (runs - 1) % 2 ? t[1 + (runs - 1) / 2]
      : (t[(runs - 1) / 2] + t[(runs - 1) / 2 + 1]) / 2;
    printf ("%s runs=%ld median=%.4f min=%.4f MB/s=%.1f %s=%ld\n", mode,
	    runs - 1, med, t[1], med > 0 ? sb.st_size / 1e6 / med : 0.0,
	    strcmp (mode, "scan") ? "msgs" : "lines", count);
  }
  free (t);
  return 0;
}

#include "bench-callbacks.h"

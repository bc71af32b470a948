/*
 * kod-common.c - a c-client application that opens a mailbox read/write and
 * holds it, answering the kiss of death as UW's imapd does (close the
 * mailbox, which writes its state and gives the session lock up, then
 * exit).  Compiled twice, like dump-common.c: kod-uw.c (Debian's UW
 * library) and kod-bamboo.c (our library).
 *
 *   PROG MAILBOX FLAGSEQ|- SECONDS
 *
 * Opens MAILBOX (a plain mail_open, read/write unless the library settles
 * for read-only), sets \Flagged on FLAGSEQ unless "-", prints
 *   pid N
 *   open rw|ro
 *   messages N
 *   flagged 1 3 ...        (the messages that have \Flagged now)
 *   ready
 * then waits up to SECONDS for SIGUSR2.  On the kiss it prints "kissed",
 * closes the stream and prints "released"; otherwise it closes after
 * SECONDS and prints "closed".  Exit status 0, or 1 if the open failed.
 * c-client's log lines go to stderr ("warning: Trying to get mailbox lock
 * from process N" is the newcomer's side).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t kod_kissed;

/* Only note it: c-client must not be entered from a signal handler */
static void kod_handler (int sig)
{
  (void) sig;
  kod_kissed = 1;
}

static void kod_print_flagged (MAILSTREAM *stream)
{
  unsigned long i;
  char seq[64];

  fputs ("flagged", stdout);
  if (stream->nmsgs) {
    snprintf (seq, sizeof seq, "1:%lu", stream->nmsgs);
    mail_fetch_flags (stream, seq, NIL);
    for (i = 1; i <= stream->nmsgs; i++)
      if (mail_elt (stream, i)->flagged)
	printf (" %lu", i);
  }
  putchar ('\n');
}

/* Wait for the kiss, SECONDS at most, in 50 ms steps */
static int kod_wait (long seconds)
{
  struct timespec step = { 0, 50000000L };
  long n;

  for (n = seconds * 20; n > 0 && !kod_kissed; n--)
    nanosleep (&step, NULL);
  return kod_kissed;
}

static int kod_main (int argc, char **argv)
{
  struct sigaction sa;
  MAILSTREAM *stream;

  if (argc != 4) {
    fprintf (stderr, "usage: %s MAILBOX FLAGSEQ|- SECONDS\n", argv[0]);
    return 2;
  }
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = kod_handler;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGUSR2, &sa, NULL);
  stream = mail_open (NIL, argv[1], NIL);
  if (stream == NIL) {
    fprintf (stderr, "cannot open %s\n", argv[1]);
    return 1;
  }
  if (strcmp (argv[2], "-") != 0)
    mail_setflag (stream, argv[2], "\\Flagged");
  printf ("pid %ld\nopen %s\nmessages %lu\n", (long) getpid (),
	  stream->rdonly ? "ro" : "rw", stream->nmsgs);
  kod_print_flagged (stream);
  puts ("ready");
  fflush (stdout);
  if (kod_wait (atol (argv[3]))) {
    puts ("kissed");
    fflush (stdout);
    mail_close (stream);
    puts ("released");
  }
  else {
    mail_close (stream);
    puts ("closed");
  }
  return 0;
}

#include "mm-stubs.c"

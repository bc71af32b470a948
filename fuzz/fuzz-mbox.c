/*
 * The mbox ("unix") driver on hostile files: the input is written to one
 * scratch file (on tmpfs when /dev/shm exists), opened read-only through
 * "#driver.unix/<path>", and every message's header, text and structure
 * fetched; then mbox_from_parse() on the input as one From_ line.
 */
#include <unistd.h>
#include <fcntl.h>
#include "fuzz.h"
#include "unix-int.h"

static char path[256];
static char name[300];

static void setup (void)
{
  const char *dir = access ("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
#include "linkage.c"
  snprintf (path, sizeof path, "%s/bamboo-fuzz-mbox.%ld", dir, (long) getpid ());
  snprintf (name, sizeof name, "#driver.unix/%s", path);
}

static void cleanup (void)
{
  unlink (path);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static int ready;
  MAILSTREAM *stream;
  MESSAGECACHE elt;
  unsigned long i, len;
  int fd;

  if (!ready) {
    setup ();
    atexit (cleanup);
    ready = 1;
  }
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  FUZZ_CHECK (fd >= 0);
  FUZZ_CHECK (os_write_all (fd, data, size) == (long) size);
  close (fd);

  if ((stream = mail_open (NIL, name, OP_READONLY | OP_SILENT))) {
    for (i = 1; i <= stream->nmsgs; i++) {
      BODY *body = NIL;
      char *h = mail_fetch_header (stream, i, NIL, NIL, &len, FT_PEEK);
      FUZZ_CHECK (h != NIL && strlen (h) <= len);
      h = mail_fetch_text (stream, i, NIL, &len, FT_PEEK);
      FUZZ_CHECK (h != NIL);
      FUZZ_CHECK (mail_fetch_structure (stream, i, &body, NIL) != NIL);
      FUZZ_CHECK (mail_elt (stream, i)->rfc822_size >= len);
    }
    mail_close (stream);
  }

  memset (&elt, 0, sizeof elt);
  mbox_from_parse ((const char *) data, size, &elt);
  return 0;
}

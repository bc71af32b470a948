/*
 * Shared by the fuzz targets (fuzz-*.c): quiet callbacks, a growable
 * output sink for RFC822BUFFER writers, and a check that aborts (so both
 * libFuzzer and fuzz/replay.c report it as a crash).
 */
#ifndef BAMBOO_FUZZ_H
#define BAMBOO_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "c-client.h"
#include "internal.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The library's weak mm_log/mm_notify print every parse error on stderr;
 * on millions of inputs that is only noise. */
void mm_log (char *string, long errflg) { (void) string; (void) errflg; }
void mm_notify (MAILSTREAM *stream, char *string, long errflg)
{ (void) stream; (void) string; (void) errflg; }

#define FUZZ_CHECK(c) do { if (!(c)) { \
  fprintf (stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #c); \
  abort (); } } while (0)

/* Input as a fresh NUL-terminated copy (fs_get'ed) */
static inline char *fuzz_cstr (const uint8_t *data, size_t size)
{
  char *s = fs_get (size + 1);
  if (size) memcpy (s, data, size);
  s[size] = '\0';
  return s;
}

/* RFC822BUFFER flush target: collects everything written into a struct buf */
static inline long fuzz_soutr (void *stream, char *string)
{
  buf_append ((struct buf *) stream, string, strlen (string));
  return LONGT;
}

#endif

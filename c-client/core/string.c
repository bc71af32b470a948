/*
 * mail_string: the STRINGDRIVER for a string held in one contiguous memory
 * buffer.  The whole buffer is the single chunk, so SETPOS is pointer
 * arithmetic and "next" only runs at the end of the data.
 */
#include "core.h"

static void mail_string_init (STRING *s, void *data, unsigned long size)
{
  s->data = data;
  s->data1 = 0;
  s->chunk = s->curpos = (char *) data;
  s->chunksize = s->cursize = s->size = size;
  s->offset = 0;
}

/* Called by SNX when cursize has just dropped to zero: return the byte at
 * curpos and step past it.  Past the end we return NUL and stay put, so a
 * caller that ignores SIZE() reads zeros rather than foreign memory. */
static char mail_string_next (STRING *s)
{
  if (s->curpos < s->chunk + s->chunksize) return *s->curpos++;
  s->cursize = 0;
  return '\0';
}

static void mail_string_setpos (STRING *s, unsigned long i)
{
  if (i > s->chunksize) i = s->chunksize;	/* clamp: never point outside */
  s->curpos = s->chunk + i;
  s->cursize = s->chunksize - i;
}

STRINGDRIVER mail_string = {
  .init = mail_string_init,
  .next = mail_string_next,
  .setpos = mail_string_setpos,
};

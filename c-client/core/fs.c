/*
 * Free storage.  Allocation failure is fatal here, in one place, so callers
 * never check for NULL.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

void *fs_get (size_t size)
{
  void *p = malloc (size ? size : 1);
  if (!p) mail_fatal ("Out of memory allocating %zu bytes", size);
  return p;
}

void fs_resize (void **block, size_t size)
{
  void *p = realloc (*block, size ? size : 1);
  if (!p) mail_fatal ("Out of memory resizing to %zu bytes", size);
  *block = p;
}

void fs_give (void **block)
{
  free (*block);
  *block = NULL;
}

/*
 * The default message cache manager (UW's mm_cache) and mail_elt().
 *
 * stream->cache is an array of cachesize elt pointers, grown in steps of
 * CACHEINCREMENT; stream->sc is a parallel array of sort cache pointers of
 * the same size.  Looking up an elt is O(1).  Expunging message n shifts the
 * tail down one slot and renumbers it: O(nmsgs - n) per expunge.
 */
#include <string.h>
#include "core.h"

static void cache_grow (MAILSTREAM *stream, unsigned long want)
{
  unsigned long old = stream->cachesize, size;
  if (want <= old) return;
  /* grow geometrically past the first step so 300k appends stay linear */
  size = want + CACHEINCREMENT;
  if (old && size < old + old / 2) size = old + old / 2;
  if (size > MAXMESSAGES + CACHEINCREMENT) size = MAXMESSAGES + CACHEINCREMENT;
  fs_resize ((void **) &stream->cache, size * sizeof (MESSAGECACHE *));
  fs_resize ((void **) &stream->sc, size * sizeof (SORTCACHE *));
  memset (stream->cache + old, 0, (size - old) * sizeof (MESSAGECACHE *));
  memset (stream->sc + old, 0, (size - old) * sizeof (SORTCACHE *));
  stream->cachesize = size;
}

void *mm_cache (MAILSTREAM *stream, unsigned long msgno, long op)
{
  unsigned long i;
  void *ret = NIL;
  switch (op) {
  case CH_INIT:			/* drop everything */
    if (stream->cache) {
      for (i = 0; i < stream->cachesize; i++)
	if (stream->cache[i]) {
	  stream->cache[i]->msgno = 0;	/* locked elts outlive the stream */
	  mail_free_elt (&stream->cache[i]);
	}
      fs_give ((void **) &stream->cache);
    }
    if (stream->sc) {
      for (i = 0; i < stream->cachesize; i++)
	core_free_sortcache (&stream->sc[i]);
      fs_give ((void **) &stream->sc);
    }
    stream->cachesize = 0;
    break;
  case CH_SIZE:
    cache_grow (stream, msgno);
    break;
  case CH_MAKEELT:
    if (!msgno) break;
    cache_grow (stream, msgno);
    if (!stream->cache[msgno - 1])
      stream->cache[msgno - 1] = mail_new_cache_elt (msgno);
    ret = stream->cache[msgno - 1];
    break;
  case CH_ELT:
    if (msgno && msgno <= stream->cachesize) ret = stream->cache[msgno - 1];
    break;
  case CH_SORTCACHE:
    if (!msgno) break;
    cache_grow (stream, msgno);
    if (!stream->sc[msgno - 1]) {
      stream->sc[msgno - 1] = memset (fs_get (sizeof (SORTCACHE)), 0,
				      sizeof (SORTCACHE));
    }
    ret = stream->sc[msgno - 1];
    break;
  case CH_FREE:
    if (msgno && msgno <= stream->cachesize)
      mail_free_elt (&stream->cache[msgno - 1]);
    break;
  case CH_FREESORTCACHE:
    if (msgno && msgno <= stream->cachesize)
      core_free_sortcache (&stream->sc[msgno - 1]);
    break;
  case CH_EXPUNGE:		/* close the gap left by msgno */
    if (!msgno || msgno > stream->cachesize) break;
    if (stream->cache[msgno - 1]) {	/* normally freed already */
      stream->cache[msgno - 1]->msgno = 0;
      mail_free_elt (&stream->cache[msgno - 1]);
    }
    core_free_sortcache (&stream->sc[msgno - 1]);
    /* Close the gap and renumber in one pass, and only up to nmsgs: slots
     * past it are empty.  Expunging k of n messages is still O(k n), as in
     * UW, so this loop is the hot spot of a large EXPUNGE. */
    {
      unsigned long end = Min (stream->nmsgs, stream->cachesize);
      MESSAGECACHE **c = stream->cache;
      SORTCACHE **sc = stream->sc;
      for (i = msgno - 1; i + 1 < end; i++) {
	if ((c[i] = c[i + 1]) != NIL) c[i]->msgno = i + 1;
	sc[i] = sc[i + 1];
      }
      if (end) {
	c[end - 1] = NIL;
	sc[end - 1] = NIL;
      }
    }
    break;
  default:
    mail_fatal ("Bad mm_cache() operation %ld", op);
  }
  return ret;
}

MESSAGECACHE *mail_elt (MAILSTREAM *stream, unsigned long msgno)
{
  /* A bad msgno here is a bug in the caller, as in UW: stop loudly. */
  if (!stream || msgno < 1 || msgno > stream->nmsgs)
    mail_fatal ("Bad msgno %lu in mail_elt, nmsgs = %lu, mbx=%.80s", msgno,
		stream ? stream->nmsgs : 0,
		(stream && stream->mailbox) ? stream->mailbox : "???");
  return (MESSAGECACHE *) CORE_CACHE (stream, msgno, CH_MAKEELT);
}

/*
 * core/ private state and helpers shared by the .c files in core/ only.
 * Not for drivers, proto or os: they use internal.h and mail.h.
 *
 * UW's API makes driver lists, the cache manager, mailgets and friends
 * process-wide settings (mail_parameters with a NIL stream).  We keep all of
 * them in ONE struct, owned by params.c, instead of scattered globals.
 */
#ifndef BAMBOO_CORE_H
#define BAMBOO_CORE_H

#include "internal.h"

/* Highest mail_parameters() function code we keep a plain stored value for */
#define CORE_PARAM_MAX 600

struct core_state {
  DRIVER *drivers;			/* mail_link() order; dummy last */
  AUTHENTICATOR *auths;			/* auth_link() order */
  mailcache_t cache;			/* SET_CACHE, default mm_cache */
  mailgets_t gets;			/* SET_GETS, default NIL */
  const struct mail_callbacks *callbacks;	/* SET_CALLBACKS default */
  freeeltsparep_t free_elt_sparep;
  freeenvelopesparep_t free_envelope_sparep;
  freebodysparep_t free_body_sparep;
  freestreamsparep_t free_stream_sparep;
  long debug;				/* ENABLE_DEBUG / DISABLE_DEBUG */
  /* stored-only values, indexed by the GET_ code of a GET/SET pair */
  void *value[CORE_PARAM_MAX];
};

/* The one process-wide settings struct (params.c). */
struct core_state *core_state (void);

/* Call the current cache manager. */
#define CORE_CACHE(stream,msgno,op) ((*core_state ()->cache) (stream,msgno,op))

/* auth.c: set or clear flag bits on the named authenticator; the
 * authenticator or NIL if none has that name. */
AUTHENTICATOR *auth_set_flags (const char *name, long flags, int on);

/* alloc.c: free a SORTCACHE and the strings it owns */
void core_free_sortcache (SORTCACHE **sc);

/* structure.c: make msgno the stream's "current" message (stream->msgno)
 * and return its elt.  Texts cached for the previous current message (and,
 * with OP_SHORTCACHE, its envelope and body) are freed, so fetched texts
 * cost the memory of one message.  msgno 0: forget, return NIL. */
MESSAGECACHE *core_current (MAILSTREAM *stream, unsigned long msgno);

/* fetch.c: mark a message \Seen after a non-peek fetch (UW markseen) */
void core_markseen (MAILSTREAM *stream, MESSAGECACHE *elt, long flags);

/* seqset.c: set elt->sequence from an already parsed and range-checked
 * set of message numbers. */
void core_sequence_apply (MAILSTREAM *stream, SEARCHSET *set);

/* mail.c: the driver named by "#driver.NAME/rest"; *rest gets the rest.
 * NIL (with *rest = NIL) when the name does not have that form, NIL with
 * *rest set when the driver is unknown. */
DRIVER *core_driver_prefix (char *name, char **rest);

/* Longest mailbox name accepted anywhere (UW's bound, LIM_MAILBOX_NAME) */
#define CORE_MAXNAME LIM_MAILBOX_NAME

#endif

/*
 * mail_parameters(): process-wide settings, as UW's API requires.  All of
 * core's settings live in the one struct below.
 *
 * Dispatch order for a code, as UW does it:
 *   1. codes the mail layer owns (driver list, cache, gets, callbacks,
 *      spare-pointer hooks, authenticators, the 100 block, TCP timeouts);
 *   2. env_parameters() (os/env.c: user, home, INBOX, protections...);
 *   3. the drivers' parameters slots (the stream's driver only when a
 *      stream is given);
 *   4. a stored value for the 400 block (network drivers we do not have
 *      yet, so PHP's SET_MAXLOGINTRIALS/SET_QUOTA/SET_ACL still stick).
 * An unknown code is logged as a WARN and returns NIL (UW calls fatal()).
 */
#include <string.h>
#include "core.h"
#include "search-int.h"

static void *default_blocknotify (int reason, void *data)
{
  return NIL;			/* nothing to do; callers may call blindly */
}

static struct core_state state = {
  .cache = mm_cache,
  .callbacks = &mail_callbacks_mm,
};

static int state_ready;

/* Defaults UW documents for values we only store. */
static void state_init (void)
{
  state_ready = 1;
  state.value[GET_MAXLOGINTRIALS] = (void *) (long) MAXLOGINTRIALS;
  state.value[GET_LOOKAHEAD] = (void *) 20L;
  state.value[GET_PREFETCH] = (void *) 20L;
  state.value[GET_UIDLOOKAHEAD] = (void *) 1000L;
  state.value[GET_IMAPPORT] = (void *) 143L;
  state.value[GET_POP3PORT] = (void *) 110L;
  state.value[GET_NNTPPORT] = (void *) 119L;
  state.value[GET_SMTPPORT] = (void *) 25L;
  state.value[GET_SSLIMAPPORT] = (void *) 993L;
  state.value[GET_SSLPOPPORT] = (void *) 995L;
  state.value[GET_SSLNNTPPORT] = (void *) 563L;
  state.value[GET_SSLSMTPPORT] = (void *) 465L;
  state.value[GET_RSHTIMEOUT] = (void *) 15L;
  state.value[GET_SSHTIMEOUT] = (void *) 15L;
  state.value[GET_BLOCKNOTIFY] = (void *) default_blocknotify;
  state.value[GET_FETCHLOOKAHEADLIMIT] = (void *) 1000L;
  state.value[GET_IDLETIMEOUT] = (void *) 29L;	/* minutes, RFC 2177 */
}

struct core_state *core_state (void)
{
  if (!state_ready) state_init ();
  return &state;
}

/* Is function a code in a GET/SET block the mail layer stores itself?
 * Sets *get to the pair's GET code and *set to whether this is the SET. */
static int stored_pair (long function, long lo, long hi, int get_is_odd,
			long *get, int *set)
{
  if (function < lo || function > hi) return 0;
  *set = ((function & 1) != 0) != get_is_odd;
  *get = *set ? function - 1 : function;
  return 1;
}

/* Known code ranges: anything else is a programming error in the caller. */
static int known_code (long f)
{
  return (f >= ENABLE_DRIVER && f <= UNHIDE_AUTHENTICATOR) ||
    (f >= GET_DRIVERS && f <= SET_BLOCKENVINIT) ||
    f == GET_CALLBACKS || f == SET_CALLBACKS ||
    (f >= GET_USERNAME && f <= SET_TLSKEYDIR) ||
    (f >= GET_OPENTIMEOUT && f <= SET_KERBEROS_CP_SVR_NAME) ||
    (f >= GET_MAXLOGINTRIALS && f <= SET_FETCHLOOKAHEADLIMIT) ||
    (f >= GET_MBXPROTECTION && f <= SET_ANNOTATION);
}

static DRIVER *find_driver (void *value)
{
  DRIVER *d;
  for (d = state.drivers; d; d = d->next)	/* a DRIVER * first ... */
    if ((void *) d == value) return d;
  for (d = state.drivers; d; d = d->next)	/* ... else UW's name form */
    if (value && !compare_cstring ((unsigned char *) d->name, value)) return d;
  return NIL;
}

/* Ask env, then the drivers. */
static void *param_delegate (MAILSTREAM *stream, long function, void *value,
			     int *answered)
{
  void *r, *ret = NIL;
  DRIVER *d;
  *answered = 1;
  /* a stream's driver speaks for that stream (e.g. its namespace) */
  if (stream && stream->dtb && stream->dtb->parameters &&
      (r = (*stream->dtb->parameters) (function, value))) return r;
  if ((r = env_parameters (function, value))) return r;
  if (!(stream && stream->dtb)) for (d = state.drivers; d; d = d->next)
    if (d->parameters && (r = (*d->parameters) (function, value))) ret = r;
  if (ret) return ret;
  *answered = 0;
  return NIL;
}

void *mail_parameters (MAILSTREAM *stream, long function, void *value)
{
  struct core_state *st = core_state ();
  DRIVER *d;
  void *r;
  long get;
  int set, answered;

  switch (function) {
  case ENABLE_DRIVER:
  case DISABLE_DRIVER:
    if ((d = find_driver (value))) {
      if (function == ENABLE_DRIVER) d->flags &= ~DR_DISABLE;
      else d->flags |= DR_DISABLE;
    }
    return d;
  case ENABLE_AUTHENTICATOR:
    return auth_set_flags (value, AU_DISABLE, 0);
  case DISABLE_AUTHENTICATOR:
    return auth_set_flags (value, AU_DISABLE, 1);
  case HIDE_AUTHENTICATOR:
    return auth_set_flags (value, AU_HIDE, 1);
  case UNHIDE_AUTHENTICATOR:
    return auth_set_flags (value, AU_HIDE, 0);
  case ENABLE_DEBUG:
  case DISABLE_DEBUG:
    st->debug = (function == ENABLE_DEBUG);
    return VOIDT;
  case GET_NAMESPACE:		/* env or the stream's driver knows */
  case SET_NAMESPACE:
    r = param_delegate (stream, function, value, &answered);
    return r;

  case GET_DRIVERS:
    return st->drivers;
  case SET_DRIVERS:
    return st->drivers = (DRIVER *) value;
  case GET_DRIVER:
    for (d = st->drivers; d; d = d->next)
      if (value && !compare_cstring ((unsigned char *) d->name, value)) break;
    return d;
  case SET_DRIVER:
    mail_log (stream, WARN, "mail_parameters: SET_DRIVER is not permitted");
    return NIL;
  case GET_GETS:
    return (void *) st->gets;
  case SET_GETS:
    st->gets = (mailgets_t) value;
    return value;
  case GET_CACHE:
    return (void *) st->cache;
  case SET_CACHE:
    st->cache = value ? (mailcache_t) value : mm_cache;
    return (void *) st->cache;
  case GET_THREADERS:		/* core/thread.c */
    return (void *) mail_threaders ();
  case SET_THREADERS:
    mail_log (stream, WARN, "mail_parameters: SET_THREADERS is not permitted");
    return NIL;
  case GET_CALLBACKS:
    return (void *) st->callbacks;
  case SET_CALLBACKS:
    st->callbacks = value ? (const struct mail_callbacks *) value
      : &mail_callbacks_mm;
    return (void *) st->callbacks;
  case GET_FREEELTSPAREP:
    return (void *) st->free_elt_sparep;
  case SET_FREEELTSPAREP:
    st->free_elt_sparep = (freeeltsparep_t) value;
    return value;
  case GET_FREEENVELOPESPAREP:
    return (void *) st->free_envelope_sparep;
  case SET_FREEENVELOPESPAREP:
    st->free_envelope_sparep = (freeenvelopesparep_t) value;
    return value;
  case GET_FREEBODYSPAREP:
    return (void *) st->free_body_sparep;
  case SET_FREEBODYSPAREP:
    st->free_body_sparep = (freebodysparep_t) value;
    return value;
  case GET_FREESTREAMSPAREP:
    return (void *) st->free_stream_sparep;
  case SET_FREESTREAMSPAREP:
    st->free_stream_sparep = (freestreamsparep_t) value;
    return value;
  case SET_BLOCKNOTIFY:		/* never let it become NIL */
    st->value[GET_BLOCKNOTIFY] = value ? value : (void *) default_blocknotify;
    return value;
  }

  /* The rest of the 100 block and the TCP block: stored values. */
  if (stored_pair (function, GET_GETS, SET_BLOCKENVINIT, 1, &get, &set) ||
      stored_pair (function, GET_OPENTIMEOUT, SET_KERBEROS_CP_SVR_NAME, 0,
		   &get, &set)) {
    if (set) st->value[get] = value;
    return st->value[get];
  }

  r = param_delegate (stream, function, value, &answered);
  if (answered) return r;

  /* network driver block: remember the value until such drivers exist */
  if (stored_pair (function, GET_MAXLOGINTRIALS, SET_FETCHLOOKAHEADLIMIT, 0,
		   &get, &set)) {
    if (set) st->value[get] = value;
    return st->value[get];
  }
  if (!known_code (function))
    mail_log (stream, WARN, "mail_parameters: unknown function code %ld",
	      function);
  return NIL;
}

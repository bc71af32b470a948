/*
 * Authenticator registry (UW's auth_link / mail_lookup_auth*).  The
 * server-side mechanisms arrive with the login issue; until then mail_auth()
 * refuses every mechanism with a message.
 */
#include "core.h"

void auth_link (AUTHENTICATOR *auth)
{
  AUTHENTICATOR **a;
  if (!auth) return;
  /* an authenticator that says it cannot work here is not linked (UW) */
  if (auth->valid && !(*auth->valid) ()) return;
  for (a = &core_state ()->auths; *a; a = &(*a)->next)
    if (*a == auth) return;	/* linking twice would make a loop */
  *a = auth;
  auth->next = NIL;
}

/* 1-based, as UW numbers them */
AUTHENTICATOR *mail_lookup_auth (unsigned long i)
{
  AUTHENTICATOR *auth;
  if (!i) return NIL;
  for (auth = core_state ()->auths; auth && --i; auth = auth->next);
  return auth;
}

/* Position of a usable client mechanism with at least the AU_* bits in
 * flags, or 0. */
unsigned int mail_lookup_auth_name (char *mechanism, long flags)
{
  AUTHENTICATOR *auth;
  unsigned int i;
  if (!mechanism) return 0;
  for (i = 1, auth = core_state ()->auths; auth; i++, auth = auth->next)
    if (auth->client && !(flags & ~auth->flags) &&
	!(auth->flags & AU_DISABLE) &&
	!compare_cstring ((unsigned char *) auth->name,
			  (unsigned char *) mechanism))
      return i;
  return 0;
}

char *mail_auth (char *mechanism, authresponse_t resp, int argc, char *argv[])
{
  mail_log (NIL, ERROR, "Authentication mechanism %.80s is not supported "
	    "by this server yet", mechanism ? mechanism : "(none)");
  return NIL;
}

AUTHENTICATOR *auth_set_flags (const char *name, long flags, int on)
{
  AUTHENTICATOR *auth;
  if (!name) return NIL;
  for (auth = core_state ()->auths; auth; auth = auth->next)
    if (!compare_cstring ((unsigned char *) auth->name,
			  (unsigned char *) name)) {
      if (on) auth->flags |= flags;
      else auth->flags &= ~flags;
      return auth;
    }
  return NIL;
}

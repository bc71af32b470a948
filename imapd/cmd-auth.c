/*
 * Commands before login: LOGIN, AUTHENTICATE (every mechanism of
 * server/sasl.c, with the SASL-IR initial response of RFC 4959) and
 * STARTTLS.
 * Failures tell the client nothing but "failed"; the syslog (LOG_AUTH, as
 * UW) gets the user name and client address, never the password.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "imapd.h"

static void
login_failed (struct imapd *s, const char *user, const char *auth)
{
  s->login_failures++;
  login_failure (user, auth, s->host,
		 server_login_delay (LIM_IMAP_LOGIN_DELAY, s->login_failures));
  reply_no (s, "Login failed.");
}

/* "set disable-plaintext", or --nopwd before TLS (LOGINDISABLED) */
static void
plaintext_refused (struct imapd *s)
{
  if (s->tls && server_plaintext_after_tls (&s->auth))
    reply_no (s, "[PRIVACYREQUIRED] Plaintext authentication disallowed on "
	      "non-secure connection; use STARTTLS first");
  else
    reply_no (s, "[CANNOT] Plaintext authentication is disabled on this "
	      "server");
}

/* LOGIN's check and, on success, the login. */
static void
try_login (struct imapd *s, const char *user, const char *password)
{
  struct server_account acct;
  const char *error = NULL;
  int r = login_check (&s->opt, user, password, &acct, &error);
  if (r < 0) {
    syslog (LOG_ERR, "Login configuration error host=%s: %s", s->host,
	    error ? error : "unknown");
    login_failed (s, user, user);
    return;
  }
  if (r == 0) {
    login_failed (s, user, user);
    return;
  }
  /* Not root: we can only be the account we already run as. */
  if (login_check_uid (&acct, s->host, "imapd")) {
    login_account_free (&acct);
    login_failed (s, user, user);
    return;
  }
  login_complete (s, &acct, NULL);
  login_account_free (&acct);
}

void
cmd_login (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *user = imap_arg_astring (&args[0]);
  const char *pass = user ? imap_arg_astring (&args[1]) : NULL;
  if (!user || !pass || args[2].type != IMAP_ARG_END) {
    reply_bad (s, "Missing or invalid argument to LOGIN");
    return;
  }
  if (!server_plaintext_allowed (&s->auth)) {
    plaintext_refused (s);
    return;
  }
  if (memchr (user, '\0', args[0].len) || memchr (pass, '\0', args[1].len)) {
    login_failed (s, user, user);	/* a NUL can't be in an account */
    return;
  }
  try_login (s, user, pass);
}

/* ------------------------------------------------------- AUTHENTICATE */

/* SASL ANONYMOUS (RFC 4505), as UW: the session runs as ANONYMOUSUSER,
 * sees only #public/, #ftp/ and #news. and changes nothing. */
static void
anonymous_login (struct imapd *s, const char *trace)
{
  struct server_account acct;
  struct buf t = BUF_INIT, caps = BUF_INIT;
  const char *error = NULL;
  if (server_anonymous_account (&acct, &error) < 0 ||
      login_check_uid (&acct, s->host, "imapd")) {
    if (error)
      syslog (LOG_ERR, "Login configuration error host=%s: %s", s->host,
	      error);
    login_failed (s, "ANONYMOUS", "ANONYMOUS");
    return;
  }
  login_drop_privileges (&acct);
  env_init (NIL, NIL);
  if (chdir ("/"))
    syslog (LOG_WARNING, "Cannot enter / for an anonymous session: %s",
	    strerror (errno));
  client_set_authenticated (s->client, 1);
  s->anonymous = 1;
  s->user = cpystr (ANONYMOUSUSER);
  s->home = cpystr ("/");
  s->state = STATE_AUTHENTICATED;
  login_log_name (&t, trace);
  syslog (LOG_NOTICE, "Login anonymous=%s host=%s", buf_cstr (&t), s->host);
  session_capabilities (s, &caps);
  reply_ok (s, "[CAPABILITY %s] Anonymous login", buf_cstr (&caps));
  buf_free (&caps);
  buf_free (&t);
}

void
cmd_authenticate (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *mech = imap_arg_atom (&args[0]);
  const char *ir = NULL, *error = NULL;
  struct server_account acct;
  char *user = NULL;
  int anonymous = 0;

  if (!mech || (args[1].type != IMAP_ARG_END &&
		(!imap_arg_astring (&args[1]) ||
		 args[2].type != IMAP_ARG_END))) {
    reply_bad (s, "Missing or invalid argument to AUTHENTICATE");
    return;
  }
  if (args[1].type != IMAP_ARG_END) {	/* SASL-IR (RFC 4959) */
    if (memchr (args[1].str, '\0', args[1].len)) {
      reply_bad (s, "Invalid base64 in AUTHENTICATE response");
      return;
    }
    ir = args[1].str;
  }
  if ((!strcasecmp (mech, "PLAIN") || !strcasecmp (mech, "LOGIN")) &&
      !server_plaintext_allowed (&s->auth)) {
    plaintext_refused (s);
    return;
  }
  switch (server_sasl (&s->auth, mech, ir, LIM_IMAP_AUTH_RESPONSE,
		       LIM_IMAP_TIMEOUT_NOAUTH * 1000, &acct, &user,
		       &anonymous, &error)) {
  case AUTH_OK:
    if (anonymous)
      anonymous_login (s, user);
    else if (login_check_uid (&acct, s->host, "imapd"))
      login_failed (s, user, user);
    else
      login_complete (s, &acct, server_mech_name (mech));
    login_account_free (&acct);
    break;
  case AUTH_FAILED:
    login_failed (s, user ? user : "", user ? user : "");
    break;
  case AUTH_CANCELLED:
    reply_bad (s, "AUTHENTICATE aborted");
    break;
  case AUTH_BAD_BASE64:
    reply_bad (s, "Invalid base64 in AUTHENTICATE response");
    break;
  case AUTH_MALFORMED:
    reply_bad (s, "Invalid %s authentication response",
	       server_mech_name (mech));
    break;
  case AUTH_TOO_LONG:
    reply_bad (s, "AUTHENTICATE response too long");
    break;
  case AUTH_UNSUPPORTED:
    reply_no (s, "Unsupported authentication mechanism");
    break;
  case AUTH_SERVER_ERROR:
    syslog (LOG_ERR, "Login configuration error host=%s: %s", s->host,
	    error ? error : "unknown");
    login_failed (s, "", mech);
    break;
  case AUTH_TIMEOUT:
    session_autologout (s);
  case AUTH_DISCONNECT:
    session_end (s, NULL, "Unexpected client disconnect, while reading "
		 "line", 0);
  }
  if (user)
    fs_give ((void **) &user);
}

/* RFC 3501 6.2.1, RFC 2595: the reply goes out in plaintext, then the
 * handshake.  Input pipelined behind STARTTLS would be read as if it came
 * through TLS (the CVE-2011-0411 injection), so it is refused. */
void
cmd_starttls (struct imapd *s, const struct imap_arg *args, int uid)
{
  if (!s->tls) {
    reply_no (s, "STARTTLS not available");
    return;
  }
  if (tls_active (s->client)) {
    reply_bad (s, "Already in TLS");
    return;
  }
  if (client_input_pending (s->client)) {
    reply_bad (s, "Commands may not follow STARTTLS before the handshake");
    client_discard_input (s->client);
    return;
  }
  if (server_tls_usable (s->tls, s->host)) {	/* the files exist: usable? */
    reply_no (s, "[UNAVAILABLE] STARTTLS not available");
    return;
  }
  reply_ok (s, "Begin TLS negotiation now");
  s->starttls_pending = 1;	/* session_dispatch, once the OK is out */
}

void
session_start_tls (struct imapd *s)
{
  s->starttls_pending = 0;
  server_tls_handshake (s->tls, s->client, s->host, "STARTTLS");
}

void
login_complete (struct imapd *s, const struct server_account *acct,
		const char *how)
{
  struct buf caps = BUF_INIT;
  login_enter (acct);
  client_set_authenticated (s->client, 1);
  s->user = cpystr (acct->user);
  s->home = cpystr (acct->home);
  s->state = STATE_AUTHENTICATED;
  if (!how)			/* the LOGIN command */
    syslog (LOG_INFO, "Login user=%s host=%s", s->user, s->host);
  else
    syslog (LOG_INFO, "Authenticated user=%s host=%s mech=%s", s->user,
	    s->host, how);
  session_capabilities (s, &caps);
  reply_ok (s, "[CAPABILITY %s] User %s authenticated", buf_cstr (&caps),
	    s->user);
  buf_free (&caps);
}

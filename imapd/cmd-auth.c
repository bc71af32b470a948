/*
 * Commands before login: LOGIN, AUTHENTICATE PLAIN (RFC 4616, with the
 * SASL-IR initial response of RFC 4959) and STARTTLS (not yet available).
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
  login_failure (user, auth, s->host, LIM_IMAP_LOGIN_DELAY);
  s->login_failures++;
  reply_no (s, "Login failed.");
}

/* Check and, on success, complete the login.  how: "LOGIN" or the SASL
 * mechanism, for the syslog line. */
static void
try_login (struct imapd *s, const char *user, const char *password,
	   const char *how)
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
  login_complete (s, &acct, how);
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
  if (memchr (user, '\0', args[0].len) || memchr (pass, '\0', args[1].len)) {
    login_failed (s, user, user);	/* a NUL can't be in an account */
    return;
  }
  try_login (s, user, pass, "LOGIN");
}

/* ------------------------------------------------------- AUTHENTICATE */

/* Read the client's response to "+ ".  1 with the line, 0 after a reply
 * was set; a dead connection ends the session. */
static int
read_response (struct imapd *s, struct buf *line)
{
  const char *error = NULL;
  client_puts (s->client, "+ \r\n");
  client_flush (s->client);
  switch (client_read_line (s->client, line, LIM_IMAP_AUTH_RESPONSE,
			    LIM_IMAP_TIMEOUT_NOAUTH * 1000, &error)) {
  case CLIENT_COMMAND:
    return 1;
  case CLIENT_TOO_BIG:
    reply_bad (s, "AUTHENTICATE response too long");
    return 0;
  case CLIENT_TIMEOUT:
    session_autologout (s);
  default:
    session_end (s, NULL, "Unexpected client disconnect, while reading "
		 "line", 0);
  }
}

/* RFC 4616.  We log in authcid; an authzid naming someone else would be
 * proxy login, which we do not do. */
static void
auth_plain (struct imapd *s, struct buf *msg)
{
  const char *authz, *authc, *pass;
  if (sasl_plain_split (msg, &authz, &authc, &pass)) {
    reply_bad (s, "Invalid PLAIN authentication response");
    return;
  }
  if (*authz && strcmp (authz, authc)) {
    login_failed (s, authz, authc);
    return;
  }
  try_login (s, authc, pass, "PLAIN");
}

void
cmd_authenticate (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *mech = imap_arg_atom (&args[0]);
  const char *resp = NULL;
  size_t resp_len = 0;
  struct buf line = BUF_INIT, msg = BUF_INIT;

  if (!mech || (args[1].type != IMAP_ARG_END &&
		(!imap_arg_astring (&args[1]) ||
		 args[2].type != IMAP_ARG_END))) {
    reply_bad (s, "Missing or invalid argument to AUTHENTICATE");
    return;
  }
  if (strcasecmp (mech, "PLAIN")) {
    reply_no (s, "Unsupported authentication mechanism");
    return;
  }
  if (args[1].type != IMAP_ARG_END) {	/* SASL-IR: "=" is empty */
    resp = args[1].str;
    resp_len = args[1].len;
    if (resp_len == 1 && resp[0] == '=')
      resp_len = 0;
  }
  else {
    if (!read_response (s, &line))
      goto done;
    resp = buf_cstr (&line);
    resp_len = line.len;
  }
  if (resp_len == 1 && resp[0] == '*')
    reply_bad (s, "AUTHENTICATE aborted");
  else if (sasl_base64_decode (resp, resp_len, &msg))
    reply_bad (s, "Invalid base64 in AUTHENTICATE response");
  else
    auth_plain (s, &msg);
 done:
  buf_zero (&line);
  buf_zero (&msg);
  buf_free (&line);
  buf_free (&msg);
}

void
cmd_starttls (struct imapd *s, const struct imap_arg *args, int uid)
{
  reply_bad (s, "STARTTLS not available");
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
  if (!how || !strcmp (how, "LOGIN"))
    syslog (LOG_INFO, "Login user=%s host=%s", s->user, s->host);
  else
    syslog (LOG_INFO, "Authenticated user=%s host=%s mech=%s", s->user,
	    s->host, how);
  session_capabilities (s, &caps);
  reply_ok (s, "[CAPABILITY %s] User %s authenticated", buf_cstr (&caps),
	    s->user);
  buf_free (&caps);
}

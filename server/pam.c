/*
 * pam.c: plaintext logins through Linux-PAM, as UW's PASSWDTYPE=pam did,
 * with UW's service names ("imap", "pop").  The modules check the
 * password (pam_authenticate) and the account (pam_acct_mgmt); who the
 * user is -- uid, gid, home -- comes from getpwnam() of the name PAM ends
 * with, since a module may map the name the client gave.
 *
 * With a session (--pam-session) the handle is kept for the life of the
 * process and closed by login_pam_end() at logout.  That happens after
 * the privilege drop, as in UW: a module that needs root to close its
 * session cannot.  We do not fork to keep a root parent around.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_appl.h>

#include "server.h"

#ifndef PAM_MAX_NUM_MSG
#define PAM_MAX_NUM_MSG 32
#endif

/* What the conversation answers.  A static, not the caller's stack: a
 * session module may talk to us long after login_pam() returned (the
 * password is gone by then, and prompts for it fail). */
static struct {
  const char *user;
  const char *password;
} conv_answers;

static pam_handle_t *session_pamh;	/* an open session, for login_pam_end */
static struct buf pam_err = BUF_INIT;	/* *error_r lives until next call */

static const char *
set_error (const char *service, const char *what, pam_handle_t *h, int r)
{
  buf_reset (&pam_err);
  buf_printf (&pam_err, "PAM service %s: %s: %s", service, what,
	      pam_strerror (h, r));
  return buf_cstr (&pam_err);
}

/* A module's message for syslog: printable ASCII, bounded. */
static void
log_message (int prio, const char *what, const char *msg)
{
  struct buf b = BUF_INIT;
  size_t i;
  for (i = 0; msg && msg[i] && i < LIM_PAM_LOG_MESSAGE; i++) {
    unsigned char c = (unsigned char) msg[i];
    buf_putc (&b, (c >= 0x20 && c < 0x7f) ? c : '?');
  }
  syslog (LOG_AUTH | prio, "PAM %s: %s", what, buf_cstr (&b));
  buf_free (&b);
}

static void
free_responses (struct pam_response *r, int n)
{
  int i;
  for (i = 0; i < n; i++)
    if (r[i].resp) {
      explicit_bzero (r[i].resp, strlen (r[i].resp));
      free (r[i].resp);
    }
  free (r);
}

/* A copy PAM may free(): malloc, not fs_get.  NULL (and *ok 0) when
 * there is nothing to answer or no memory. */
static char *
answer (const char *text, int *ok)
{
  char *s = text ? strdup (text) : NULL;
  if (!s)
    *ok = 0;
  return s;
}

/* The conversation: the password for a hidden prompt, the user name for
 * a visible one (the only thing a client-less login can say there);
 * module messages go to syslog.  Anything else fails the conversation.
 * Linux-PAM passes msg as an array of pointers. */
static int
conversation (int num_msg, const struct pam_message **msg,
	      struct pam_response **resp, void *appdata)
{
  struct pam_response *r;
  int i, ok = 1;
  (void) appdata;
  if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG)
    return PAM_CONV_ERR;
  if (!(r = calloc ((size_t) num_msg, sizeof *r)))
    return PAM_BUF_ERR;
  for (i = 0; ok && i < num_msg; i++)
    switch (msg[i]->msg_style) {
    case PAM_PROMPT_ECHO_OFF:
      r[i].resp = answer (conv_answers.password, &ok);
      break;
    case PAM_PROMPT_ECHO_ON:
      r[i].resp = answer (conv_answers.user, &ok);
      break;
    case PAM_ERROR_MSG:
      log_message (LOG_NOTICE, "error message", msg[i]->msg);
      break;
    case PAM_TEXT_INFO:
      log_message (LOG_INFO, "message", msg[i]->msg);
      break;
    default:			/* binary prompts and the like */
      syslog (LOG_AUTH | LOG_NOTICE, "PAM conversation: unknown message "
	      "style %d refused", msg[i]->msg_style);
      ok = 0;
    }
  if (!ok) {
    free_responses (r, num_msg);
    return PAM_CONV_ERR;
  }
  *resp = r;
  return PAM_SUCCESS;
}

/* Failures are paced by the servers' own growing delay, not the modules'
 * (pam_unix's fixed 2 s on top of it). */
static void
no_fail_delay (int status, unsigned int usec, void *appdata)
{
  (void) status;
  (void) usec;
  (void) appdata;
}

static void
set_items (pam_handle_t *h, const char *service, const char *host)
{
  struct buf rhost = BUF_INIT;
  if (host && *host && strcmp (host, "UNKNOWN")) {
    /* "[a.b.c.d]" -> "a.b.c.d", as other daemons give it */
    buf_puts (&rhost, host + (*host == '['));
    if (rhost.len && rhost.data[rhost.len - 1] == ']')
      buf_truncate (&rhost, rhost.len - 1);
    pam_set_item (h, PAM_RHOST, buf_cstr (&rhost));
  }
  pam_set_item (h, PAM_TTY, service);
#ifdef PAM_FAIL_DELAY
  pam_set_item (h, PAM_FAIL_DELAY, (const void *) no_fail_delay);
#endif
  buf_free (&rhost);
}

/* Why pam_authenticate/pam_acct_mgmt said no: 0 (a refused login, said
 * in syslog when the account, not the password, is the reason) or -1
 * when PAM itself failed. */
static int
refused (pam_handle_t *h, const char *service, const char *user,
	 const char *host, const char *step, int r, const char **error_r)
{
  struct buf u = BUF_INIT;
  const char *why = NULL;
  switch (r) {
  case PAM_AUTH_ERR:
  case PAM_USER_UNKNOWN:
  case PAM_MAXTRIES:
  case PAM_CRED_INSUFFICIENT:
    return 0;			/* a bad password: "Login failed" says it */
  case PAM_NEW_AUTHTOK_REQD:
  case PAM_AUTHTOK_EXPIRED:
    why = "password expired; the user must change it first";
    break;
  case PAM_ACCT_EXPIRED:
    why = "account expired";
    break;
  case PAM_PERM_DENIED:
    why = "permission denied (account locked or not allowed here)";
    break;
  default:
    *error_r = set_error (service, step, h, r);
    return -1;
  }
  login_log_name (&u, user);
  syslog (LOG_AUTH | LOG_NOTICE, "Login refused user=%s host=%s: %s (PAM "
	  "service %s, %s)", buf_cstr (&u), host ? host : "UNKNOWN", why,
	  service, step);
  buf_free (&u);
  return 0;
}

/* The name PAM ended with (a module may have mapped it) and its system
 * account. */
static int
pam_account (pam_handle_t *h, const char *service, const char *user,
	     struct server_account *acct, const char **error_r)
{
  struct server_options sys;
  const void *item = NULL;
  const char *name;
  int r;
  if ((r = pam_get_item (h, PAM_USER, &item)) != PAM_SUCCESS) {
    *error_r = set_error (service, "pam_get_item(PAM_USER)", h, r);
    return -1;
  }
  name = item ? item : user;
  memset (&sys, 0, sizeof sys);	/* no account file: getpwnam() */
  r = login_account (&sys, name, acct, error_r);
  if (r == 0) {
    struct buf n = BUF_INIT;
    login_log_name (&n, name);
    buf_reset (&pam_err);
    buf_printf (&pam_err, "PAM service %s accepted user %s, but the "
		"system has no such account (getpwnam)", service,
		buf_cstr (&n));
    buf_free (&n);
    *error_r = buf_cstr (&pam_err);
    r = -1;
  }
  return r;
}

static int
open_pam_session (pam_handle_t *h, const char *service,
		  const char **error_r)
{
  int r = pam_setcred (h, PAM_ESTABLISH_CRED);
  if (r != PAM_SUCCESS) {
    *error_r = set_error (service, "pam_setcred", h, r);
    return -1;
  }
  if ((r = pam_open_session (h, 0)) != PAM_SUCCESS) {
    *error_r = set_error (service, "pam_open_session", h, r);
    pam_setcred (h, PAM_DELETE_CRED);
    return -1;
  }
  return 0;
}

int
login_pam (const char *service, const char *user, const char *password,
	   const char *host, int open_session,
	   struct server_account *acct, const char **error_r)
{
  struct pam_conv conv = { conversation, NULL };
  pam_handle_t *h = NULL;
  const char *step;
  int r, ret;

  memset (acct, 0, sizeof *acct);
  *error_r = NULL;
  login_pam_end ();		/* an earlier login's session, if any */
  conv_answers.user = user;
  conv_answers.password = password;
  r = pam_start (service, user, &conv, &h);
  if (r != PAM_SUCCESS) {
    *error_r = set_error (service, "pam_start", h, r);
    if (h)
      pam_end (h, r);
    conv_answers.password = NULL;
    return -1;
  }
  set_items (h, service, host);
  step = "pam_authenticate";
  r = pam_authenticate (h, PAM_DISALLOW_NULL_AUTHTOK);
  if (r == PAM_SUCCESS) {
    step = "pam_acct_mgmt";
    r = pam_acct_mgmt (h, PAM_DISALLOW_NULL_AUTHTOK);
  }
  conv_answers.password = NULL;	/* the caller zeroes its own copy */
  if (r != PAM_SUCCESS)
    ret = refused (h, service, user, host, step, r, error_r);
  else
    ret = pam_account (h, service, user, acct, error_r);
  if (ret == 1 && open_session && open_pam_session (h, service, error_r))
    ret = -1;
  if (ret != 1)
    login_account_free (acct);
  if (ret == 1 && open_session)
    session_pamh = h;
  else				/* pam_end clears PAM_AUTHTOK's copy */
    pam_end (h, ret == 1 ? PAM_SUCCESS : r);
  return ret;
}

void
login_pam_end (void)
{
  pam_handle_t *h = session_pamh;
  if (!h)
    return;
  session_pamh = NULL;
  pam_close_session (h, 0);
  pam_setcred (h, PAM_DELETE_CRED);
  pam_end (h, PAM_SUCCESS);
}

/*
 * auth.c: what a connection may log in with, and SASL exchanges over the
 * wire.  IMAP AUTHENTICATE (RFC 3501, SASL-IR of RFC 4959) and POP3 AUTH
 * (RFC 5034) move the same "+ base64" lines, so both use server_sasl();
 * only the command and the final replies are the protocol's own.
 */
#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "server.h"
#include "env-int.h"

/* 0 allowed, 1 never, 2 only over TLS: "set disable-plaintext N", and
 * --nopwd as 2 unless the file says never */
static long
plaintext_level (const struct server_auth *a)
{
  long level = (long) env_parameters (GET_DISABLEPLAINTEXT, NIL);
  if (a->opt->nopwd && level != 1)
    level = 2;
  return level;
}

int
server_plaintext_allowed (const struct server_auth *a)
{
  switch (plaintext_level (a)) {
  case 0: return 1;
  case 1: return 0;		/* only CRAM-MD5, SCRAM, EXTERNAL */
  default: return tls_active (a->client);	/* UW's SSLTYPE=nopwd */
  }
}

int
server_plaintext_after_tls (const struct server_auth *a)
{
  return plaintext_level (a) >= 2 && !tls_active (a->client);
}

int
server_anonymous_allowed (const struct server_auth *a)
{
  return a->anonymous_ok && a->opt->anonymous_file &&
    !access (a->opt->anonymous_file, F_OK);
}

/* In the order clients should prefer them: the ones that keep the
 * password off the wire first. */
static const char *const mechs[] = {
  "SCRAM-SHA-256", "CRAM-MD5", "EXTERNAL", "PLAIN", "LOGIN", "ANONYMOUS",
};

const char *
server_mech_name (const char *mech)
{
  size_t i;
  for (i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
    if (!strcasecmp (mech, mechs[i]))
      return mechs[i];
  return NULL;
}

int
server_mech_offered (const struct server_auth *a, const char *mech)
{
  if (!strcasecmp (mech, "PLAIN") || !strcasecmp (mech, "LOGIN"))
    return server_plaintext_allowed (a);
  if (!strcasecmp (mech, "CRAM-MD5") || !strcasecmp (mech, "SCRAM-SHA-256"))
    return login_have_secrets (a->opt);
  if (!strcasecmp (mech, "EXTERNAL"))
    return tls_peer_identity (a->client) != NULL;
  if (!strcasecmp (mech, "ANONYMOUS"))
    return server_anonymous_allowed (a);
  return 0;
}

void
server_mechs (const struct server_auth *a, const char *prefix, struct buf *b)
{
  size_t i;
  for (i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
    if (server_mech_offered (a, mechs[i]))
      buf_printf (b, "%s%s", prefix, mechs[i]);
}

unsigned int
server_login_delay (unsigned int base, unsigned int n)
{
  /* base, 2 base, 4 base ...: cheap for a typo, slow for a guesser; the
   * failure limit ends the connection long before this gets large */
  unsigned int d = base;
  while (n-- > 1 && d < LIM_SERVER_LOGIN_DELAY_MAX)
    d *= 2;
  return d < LIM_SERVER_LOGIN_DELAY_MAX ? d : LIM_SERVER_LOGIN_DELAY_MAX;
}

int
server_anonymous_account (struct server_account *acct, const char **error_r)
{
  struct passwd *pw = getpwnam (ANONYMOUSUSER);
  memset (acct, 0, sizeof *acct);
  if (!pw || !pw->pw_uid) {
    *error_r = "no usable account \"" ANONYMOUSUSER "\" for anonymous "
      "sessions";
    return -1;
  }
  acct->uid = pw->pw_uid;
  acct->gid = pw->pw_gid;
  return 1;
}

/* ---------------------------------------------------- the SASL callbacks */

static int
ops_plain (void *ctx, const char *user, const char *password,
	   struct server_account *acct, const char **error_r)
{
  const struct server_auth *a = ctx;
  return login_check (a->opt, user, password, acct, error_r);
}

static int
ops_secret (void *ctx, const char *user, struct buf *secret,
	    struct server_account *acct, const char **error_r)
{
  const struct server_auth *a = ctx;
  return login_secret (a->opt, user, secret, acct, error_r);
}

static int
ops_account (void *ctx, const char *user, struct server_account *acct,
	     const char **error_r)
{
  const struct server_auth *a = ctx;
  return login_account (a->opt, user, acct, error_r);
}

static void
ops_random (void *ctx, unsigned char *buf, size_t n)
{
  (void) ctx;
  if (RAND_bytes (buf, (int) n) != 1)
    abort ();			/* no randomness: nonces would repeat */
}

/* ------------------------------------------------------------- the wire */

/* Send a challenge and read the response line into line. */
static enum server_auth_result
exchange (const struct server_auth *a, const struct buf *challenge,
	  struct buf *line, size_t max_line, int timeout_ms)
{
  struct buf enc = BUF_INIT;
  const char *error = NULL;
  enum client_read r;
  sasl_base64_encode ((const unsigned char *) challenge->data,
		      challenge->len, &enc);
  client_printf (a->client, "+ %s\r\n", buf_cstr (&enc));
  buf_free (&enc);
  client_flush (a->client);
  r = client_read_line (a->client, line, max_line, timeout_ms, &error);
  switch (r) {
  case CLIENT_COMMAND: return AUTH_OK;
  case CLIENT_TOO_BIG: return AUTH_TOO_LONG;
  case CLIENT_TIMEOUT: return AUTH_TIMEOUT;
  default: return AUTH_DISCONNECT;
  }
}

static enum server_auth_result
map_status (enum sasl_status st)
{
  switch (st) {
  case SASL_OK: return AUTH_OK;
  case SASL_FAIL: return AUTH_FAILED;
  case SASL_MALFORMED: return AUTH_MALFORMED;
  default: return AUTH_SERVER_ERROR;
  }
}

enum server_auth_result
server_sasl (const struct server_auth *a, const char *mech, const char *ir,
	     size_t max_line, int timeout_ms, struct server_account *acct,
	     char **user_r, int *anonymous_r, const char **error_r)
{
  struct sasl_server_ops ops;
  struct sasl_exchange *x;
  struct buf in = BUF_INIT, out = BUF_INIT, line = BUF_INIT;
  enum server_auth_result res = AUTH_SERVER_ERROR;
  enum sasl_status st;
  int have_in = 0;

  memset (acct, 0, sizeof *acct);
  *user_r = NULL;
  *anonymous_r = 0;
  *error_r = NULL;
  memset (&ops, 0, sizeof ops);
  ops.plain = ops_plain;
  ops.secret = ops_secret;
  ops.account = ops_account;
  ops.random = ops_random;
  ops.ctx = (void *) a;
  ops.hostname = a->localhost;
  ops.peer_identity = tls_peer_identity (a->client);
  ops.allow_anonymous = server_anonymous_allowed (a);
  if (!server_mech_offered (a, mech) || !(x = sasl_new (mech, &ops)))
    return AUTH_UNSUPPORTED;

  if (ir) {
    have_in = 1;
    if (!strcmp (ir, "*")) {
      res = AUTH_CANCELLED;
      goto done;
    }
    if (strcmp (ir, "=") && sasl_base64_decode (ir, strlen (ir), &in)) {
      res = AUTH_BAD_BASE64;
      goto done;
    }
  }
  for (;;) {
    buf_reset (&out);
    st = sasl_step (x, (const unsigned char *) in.data, in.len, have_in,
		    &out, acct, error_r);
    buf_zero (&in);
    buf_reset (&in);
    if (st == SASL_OK && out.len) {
      /* "additional data with success" (SCRAM's server signature): sent
       * as one more challenge, answered by an empty line */
      if ((res = exchange (a, &out, &line, max_line, timeout_ms)) != AUTH_OK)
	break;
      if (line.len == 1 && line.data[0] == '*')
	res = AUTH_CANCELLED;
      else if (line.len)
	res = AUTH_MALFORMED;
      if (res != AUTH_OK)
	login_account_free (acct);
      break;
    }
    if (st != SASL_CONTINUE) {
      res = map_status (st);
      break;
    }
    if ((res = exchange (a, &out, &line, max_line, timeout_ms)) != AUTH_OK)
      break;
    if (line.len == 1 && line.data[0] == '*') {
      res = AUTH_CANCELLED;
      break;
    }
    if (sasl_base64_decode (line.data, line.len, &in)) {
      res = AUTH_BAD_BASE64;
      break;
    }
    have_in = 1;
    buf_zero (&line);
    buf_reset (&line);
  }
 done:
  if (res == AUTH_OK || res == AUTH_FAILED) {
    *user_r = cpystr (sasl_user (x));
    *anonymous_r = res == AUTH_OK && sasl_anonymous (x);
  }
  sasl_free (x);
  buf_zero (&in);
  buf_zero (&line);
  buf_free (&in);
  buf_free (&out);
  buf_free (&line);
  return res;
}

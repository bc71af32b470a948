/*
 * sasl.c: the server side of SASL for IMAP AUTHENTICATE and POP3 AUTH:
 * strict base64 (RFC 4648; a response with bad base64 is refused, never
 * half-decoded), the PLAIN message (RFC 4616), and the mechanisms PLAIN,
 * LOGIN, CRAM-MD5 (RFC 2195), SCRAM-SHA-256 (RFC 5802, RFC 7677),
 * EXTERNAL (RFC 4422) and ANONYMOUS (RFC 4505) as byte-in, byte-out
 * state machines.  No I/O: the caller moves base64 over its wire, and
 * the accounts come from its callbacks (struct sasl_server_ops).
 *
 * Every message is bounded (LIM_SASL_*), parsed completely before
 * anything is looked up, and every secret we derive is zeroed.  Syntax
 * errors are SASL_MALFORMED; well-formed messages that do not prove who
 * the client says it is are SASL_FAIL; *error_r then says why in words
 * that never contain client data, and never tell an unknown user from a
 * wrong password.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "server.h"

static int
b64_value (unsigned char c)
{
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int
sasl_base64_decode (const char *in, size_t len, struct buf *out)
{
  size_t i;
  buf_reset (out);
  if (len % 4)
    return -1;
  for (i = 0; i < len; i += 4) {
    int v[4], k, pad = 0;
    for (k = 0; k < 4; k++) {
      unsigned char c = (unsigned char) in[i + k];
      if (c == '=' && i + 4 == len && k >= 2) {
	v[k] = 0;
	pad++;
      }
      else if (pad || (v[k] = b64_value (c)) < 0)
	return -1;
    }
    buf_putc (out, (v[0] << 2) | (v[1] >> 4));
    if (pad < 2)
      buf_putc (out, ((v[1] & 15) << 4) | (v[2] >> 2));
    if (pad < 1)
      buf_putc (out, ((v[2] & 3) << 6) | v[3]);
  }
  return 0;
}

int
sasl_plain_split (struct buf *msg, const char **authz, const char **authc,
		  const char **pass)
{
  char *z = msg->data ? msg->data : "", *c, *p;
  size_t len = msg->len;
  c = memchr (z, '\0', len);
  p = c ? memchr (c + 1, '\0', len - (size_t) (c + 1 - z)) : NULL;
  if (!c || !p || memchr (p + 1, '\0', len - (size_t) (p + 1 - z)) || c + 1 == p)
    return -1;
  *authz = z;
  *authc = c + 1;
  *pass = p + 1;
  return 0;
}


void
sasl_base64_encode (const unsigned char *data, size_t len, struct buf *out)
{
  static const char digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i;
  buf_reserve (out, (len + 2) / 3 * 4);
  for (i = 0; i + 3 <= len; i += 3) {
    unsigned long v = (unsigned long) data[i] << 16
      | (unsigned long) data[i + 1] << 8 | data[i + 2];
    char q[4] = { digits[v >> 18], digits[(v >> 12) & 63],
		  digits[(v >> 6) & 63], digits[v & 63] };
    buf_append (out, q, 4);
  }
  if (i < len) {
    int two = i + 1 < len;
    unsigned long v = (unsigned long) data[i] << 16
      | (two ? (unsigned long) data[i + 1] << 8 : 0);
    char q[4] = { digits[v >> 18], digits[(v >> 12) & 63],
		  two ? digits[(v >> 6) & 63] : '=', '=' };
    buf_append (out, q, 4);
  }
}

/* ------------------------------------------------------------ exchanges */

enum mech {
  MECH_PLAIN, MECH_LOGIN, MECH_CRAM_MD5, MECH_SCRAM, MECH_EXTERNAL,
  MECH_ANONYMOUS, MECH_COUNT
};
static const char *const mech_names[MECH_COUNT] = {
  "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256", "EXTERNAL", "ANONYMOUS"
};

#define SHA256_LEN 32
#define SCRAM_SALT_LEN 16
#define SCRAM_NONCE_RANDOM 24	/* bytes: 32 base64 characters, no '=' */

struct sasl_exchange {
  enum mech mech;
  struct sasl_server_ops ops;
  int state;			/* 0 before the first step; then the
				   mechanism's own */
  int done;			/* a result was returned */
  int anonymous;		/* ANONYMOUS succeeded */
  struct buf user;		/* the name the client gave */
  struct buf text;		/* CRAM-MD5: the challenge; SCRAM:
				   client-first-bare "," server-first */
  struct buf gs2;		/* SCRAM: the gs2 header c= must repeat */
  struct buf nonce;		/* SCRAM: client + server nonce */
  int known;			/* SCRAM: the user has a secret */
  unsigned char salted[SHA256_LEN];	/* SCRAM: SaltedPassword */
  struct server_account acct;	/* from the callbacks; the caller's on
				   SASL_OK only */
};

static time_t test_time;
static const char *test_nonce;

void
sasl_test_fix (time_t cram_time, const char *scram_server_nonce)
{
  test_time = cram_time;
  test_nonce = scram_server_nonce;
}

static enum sasl_status
result (enum sasl_status st, const char *why, const char **error_r)
{
  *error_r = why;
  return st;
}

/* A callback's answer: 1 yes, 0 no, anything else a server problem */
static enum sasl_status
callback_status (int r, const char *err, const char **error_r)
{
  if (r == 1)
    return SASL_OK;
  if (r == 0)
    return result (SASL_FAIL, "authentication failed", error_r);
  return result (SASL_ERROR, err ? err : "SASL: the account lookup failed",
		 error_r);
}

/* Shared by every login source; it lives here, the lowest module that
 * fills an account, so that sasl.c links alone (its fuzz target). */
void
login_account_free (struct server_account *acct)
{
  if (acct->user)
    fs_give ((void **) &acct->user);
  if (acct->home)
    fs_give ((void **) &acct->home);
  acct->uid = 0;
  acct->gid = 0;
}

/* The name sasl_user() reports, at most LIM_SASL_NAME bytes of it */
static void
set_user (struct sasl_exchange *x, const void *s, size_t len)
{
  buf_reset (&x->user);
  buf_append (&x->user, s, len < LIM_SASL_NAME ? len : LIM_SASL_NAME);
}

/* What RFC 4505's trace profile prohibits (RFC 3454 tables C.2 to C.6,
 * C.8, C.9; C.5, the surrogates, are not UTF-8 at all). */
static int
trace_prohibited (unsigned long c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f)	/* C.2 controls */
    || c == 0x6dd || c == 0x70f || c == 0x180e
    || (c >= 0x200c && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e)
    || (c >= 0x2060 && c <= 0x2063) || (c >= 0x206a && c <= 0x206f)
    || c == 0x340 || c == 0x341 || c == 0xfeff
    || (c >= 0xfff9 && c <= 0xfffd) || (c >= 0x1d173 && c <= 0x1d17a)
    || (c >= 0xe000 && c <= 0xf8ff) || c >= 0xf0000	/* private use */
    || (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe
    || c == 0xe0001 || (c >= 0xe0020 && c <= 0xe007f);	/* tags */
}

/* The number of characters in s, or -1 unless it is well-formed UTF-8
 * (shortest forms, no surrogates, at most U+10FFFF); with trace, also -1
 * for what trace_prohibited() says. */
static long
utf8_count (const unsigned char *s, size_t len, int trace)
{
  size_t i = 0, k, more;
  long n = 0;
  while (i < len) {
    unsigned long c = s[i];
    if (c < 0x80)
      more = 0;
    else if (c >= 0xc2 && c <= 0xdf)
      more = 1, c &= 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
      more = 2, c &= 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
      more = 3, c &= 0x07;
    else
      return -1;
    if (len - i - 1 < more)
      return -1;
    for (k = 1; k <= more; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
	return -1;
      c = c << 6 | (s[i + k] & 0x3f);
    }
    if ((more == 2 && c < 0x800) || (more == 3 && c < 0x10000)
	|| c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)
	|| (trace && trace_prohibited (c)))
      return -1;
    i += more + 1;
    n++;
  }
  return n;
}

/* ------------------------------------------------------- PLAIN, LOGIN */

static enum sasl_status
plain_step (struct sasl_exchange *x, const unsigned char *in, size_t len,
	    int have_in, const char **error_r)
{
  struct buf msg = BUF_INIT;
  const char *authz, *authc, *pass, *err = NULL;
  enum sasl_status st;
  if (!have_in) {		/* "+ " with nothing, then the message */
    x->state = 1;
    return SASL_CONTINUE;
  }
  buf_append (&msg, in, len);
  if (sasl_plain_split (&msg, &authz, &authc, &pass) < 0)
    st = result (SASL_MALFORMED,
		 "PLAIN: not [authzid] NUL user NUL password", error_r);
  else {
    set_user (x, authc, strlen (authc));
    if (strlen (authc) > LIM_SASL_NAME || strlen (authz) > LIM_SASL_NAME)
      st = result (SASL_MALFORMED, "PLAIN: user name too long", error_r);
    else if (!*pass)		/* RFC 4616: passwd = 1*SAFE */
      st = result (SASL_MALFORMED, "PLAIN: empty password", error_r);
    else if (*authz && strcmp (authz, authc))
      st = result (SASL_FAIL, "PLAIN: the authorization identity is not "
		   "the user (proxy logins are not supported)", error_r);
    else {
      int r = x->ops.plain (x->ops.ctx, authc, pass, &x->acct, &err);
      st = callback_status (r, err, error_r);
    }
  }
  buf_zero (&msg);
  buf_free (&msg);
  return st;
}

static enum sasl_status
login_step (struct sasl_exchange *x, const unsigned char *in, size_t len,
	    int have_in, struct buf *out, const char **error_r)
{
  struct buf pass = BUF_INIT;
  const char *err = NULL;
  enum sasl_status st;
  int r;
  if (x->state == 0 && (!have_in || !len)) {
    x->state = 1;
    buf_puts (out, "Username:");
    return SASL_CONTINUE;
  }
  if (x->state < 2) {		/* the user name; some clients send it as
				   the initial response */
    set_user (x, in, len);
    if (!len || len > LIM_SASL_NAME || memchr (in, '\0', len))
      return result (SASL_MALFORMED, "LOGIN: the user name is empty, "
		     "too long or has a NUL", error_r);
    x->state = 2;
    buf_puts (out, "Password:");
    return SASL_CONTINUE;
  }
  if (memchr (in, '\0', len))
    return result (SASL_MALFORMED, "LOGIN: a NUL in the password", error_r);
  /* never ask about an empty password: PAM's nullok would accept it */
  if (!len)
    return result (SASL_FAIL, "authentication failed", error_r);
  buf_append (&pass, in, len);
  r = x->ops.plain (x->ops.ctx, buf_cstr (&x->user), buf_cstr (&pass),
		    &x->acct, &err);
  st = callback_status (r, err, error_r);
  buf_zero (&pass);
  buf_free (&pass);
  return st;
}

/* ------------------------------------------------------------ CRAM-MD5 */

static int
hex_value (unsigned char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* "<random.time@hostname>" (RFC 2195 wants a unique, msg-id-like text) */
static void
cram_challenge (struct sasl_exchange *x, struct buf *out)
{
  unsigned char r[8];
  unsigned long long n = 0;
  size_t i;
  const char *host = x->ops.hostname && *x->ops.hostname
    ? x->ops.hostname : "localhost";
  x->ops.random (x->ops.ctx, r, sizeof r);
  for (i = 0; i < sizeof r; i++)
    n = n << 8 | r[i];
  buf_printf (&x->text, "<%llu.%lld@%s>", n,
	      (long long) (test_time ? test_time : time (NULL)), host);
  buf_append (out, x->text.data, x->text.len);
}

/* "user SP digest": the digest is 32 hex digits, either case */
static enum sasl_status
cram_check (struct sasl_exchange *x, const unsigned char *in, size_t len,
	    const char **error_r)
{
  static const unsigned char nokey[1];
  const unsigned char *sp = len ? memrchr (in, ' ', len) : NULL;
  size_t ulen = sp ? (size_t) (sp - in) : 0, i;
  struct buf secret = BUF_INIT;
  unsigned char given[16], mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  const char *err = NULL;
  int r, ok;
  if (sp)
    set_user (x, in, ulen);
  if (!sp || !ulen || ulen > LIM_SASL_NAME || len - ulen - 1 != 32
      || memchr (in, '\0', len))
    return result (SASL_MALFORMED, "CRAM-MD5: not user SP 32 hex digits",
		   error_r);
  for (i = 0; i < 16; i++) {
    int hi = hex_value (sp[1 + 2 * i]), lo = hex_value (sp[2 + 2 * i]);
    if (hi < 0 || lo < 0)
      return result (SASL_MALFORMED, "CRAM-MD5: the digest is not hex",
		     error_r);
    given[i] = (unsigned char) (hi << 4 | lo);
  }
  r = x->ops.secret (x->ops.ctx, buf_cstr (&x->user), &secret, &x->acct,
		     &err);
  if (r == 1 && !secret.len)	/* an empty key proves nothing */
    r = 0;
  /* an unknown user costs the same HMAC */
  ok = r >= 0 && r <= 1
    && HMAC (EVP_md5 (), r == 1 ? (const void *) secret.data : nokey,
	     r == 1 ? (int) secret.len : 0, (const unsigned char *) x->text.data,
	     x->text.len, mac, &maclen) && maclen == 16;
  buf_zero (&secret);
  buf_free (&secret);
  if (r < 0 || r > 1)
    return callback_status (r, err, error_r);
  if (!ok)
    return result (SASL_ERROR, "CRAM-MD5: HMAC-MD5 failed (OpenSSL)",
		   error_r);
  ok = CRYPTO_memcmp (mac, given, 16) == 0;
  OPENSSL_cleanse (mac, sizeof mac);
  return callback_status (r == 1 && ok, NULL, error_r);
}

static enum sasl_status
cram_step (struct sasl_exchange *x, const unsigned char *in, size_t len,
	   int have_in, struct buf *out, const char **error_r)
{
  if (x->state == 0) {
    if (have_in)
      return result (SASL_MALFORMED, "CRAM-MD5: the client may not send "
		     "an initial response", error_r);
    cram_challenge (x, out);
    x->state = 1;
    return SASL_CONTINUE;
  }
  return cram_check (x, in, len, error_r);
}

/* ------------------------------------------------------- SCRAM-SHA-256 */

static int
is_alpha (unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* saslname (RFC 5802) from p up to the next ',' or the end, into name
 * with "=2C" and "=3D" decoded (either case: ABNF strings are
 * case-insensitive); any other '=' is malformed, so is an empty or
 * non-UTF-8 name.  Returns where it ended, or NULL. */
static const char *
scram_name (const char *p, struct buf *name)
{
  buf_reset (name);
  while (*p && *p != ',') {
    if (*p != '=')
      buf_putc (name, *p++);
    else if (p[1] == '2' && (p[2] == 'C' || p[2] == 'c'))
      buf_putc (name, ','), p += 3;
    else if (p[1] == '3' && (p[2] == 'D' || p[2] == 'd'))
      buf_putc (name, '='), p += 3;
    else
      return NULL;
  }
  if (!name->len || name->len > LIM_SASL_NAME
      || utf8_count ((const unsigned char *) name->data, name->len, 0) < 0)
    return NULL;
  return p;
}

/* A nonce: 1*printable (%x21-2B / %x2D-7E) up to ',' or the end */
static const char *
scram_nonce (const char *p)
{
  const char *start = p;
  while ((unsigned char) *p > 0x20 && (unsigned char) *p < 0x7f && *p != ',')
    p++;
  return p > start && (!*p || *p == ',') ? p : NULL;
}

/* An extension: ALPHA "=" 1*value-char (UTF-8 but ',') */
static const char *
scram_extension (const char *p)
{
  const char *start;
  if (!is_alpha (*p) || p[1] != '=')
    return NULL;
  start = p += 2;
  p += strcspn (p, ",");
  if (p == start || utf8_count ((const unsigned char *) start,
				(size_t) (p - start), 0) < 0)
    return NULL;
  return p;
}

static int
sha256 (const unsigned char *data, size_t len, unsigned char md[SHA256_LEN])
{
  unsigned int n = 0;
  return EVP_Digest (data, len, md, &n, EVP_sha256 (), NULL)
    && n == SHA256_LEN;
}

static int
hmac_sha256 (const unsigned char *key, const void *data, size_t len,
	     unsigned char md[SHA256_LEN])
{
  unsigned int n = 0;
  return HMAC (EVP_sha256 (), key, SHA256_LEN, data, len, md, &n)
    && n == SHA256_LEN;
}

/* The secret, the salt and SaltedPassword; then server-first */
static enum sasl_status
scram_server_first (struct sasl_exchange *x, struct buf *out,
		    const char **error_r)
{
  struct buf secret = BUF_INIT;
  unsigned char salt[SCRAM_SALT_LEN], rnd[SCRAM_NONCE_RANDOM];
  const char *err = NULL;
  int r, ok;
  r = x->ops.secret (x->ops.ctx, buf_cstr (&x->user), &secret, &x->acct,
		     &err);
  if (r != 0 && r != 1) {
    buf_zero (&secret);
    buf_free (&secret);
    return callback_status (r, err, error_r);
  }
  x->known = r == 1 && secret.len > 0;
  if (test_nonce)
    buf_puts (&x->nonce, test_nonce);
  else {
    x->ops.random (x->ops.ctx, rnd, sizeof rnd);
    sasl_base64_encode (rnd, sizeof rnd, &x->nonce);
  }
  /* A secret is plaintext, so every exchange has a fresh salt; an
   * unknown user gets one just the same (a made-up salt that stayed the
   * same would be the tell) and the same PBKDF2 work, on a password
   * that never verifies (x->known is 0). */
  x->ops.random (x->ops.ctx, salt, sizeof salt);
  ok = PKCS5_PBKDF2_HMAC (x->known ? secret.data : (const char *) salt,
			  x->known ? (int) secret.len : (int) sizeof salt,
			  salt, sizeof salt, LIM_SASL_SCRAM_ITERATIONS,
			  EVP_sha256 (), SHA256_LEN, x->salted);
  buf_zero (&secret);
  buf_free (&secret);
  if (!ok)
    return result (SASL_ERROR, "SCRAM: PBKDF2-HMAC-SHA256 failed (OpenSSL)",
		   error_r);
  buf_printf (out, "r=%s,s=", buf_cstr (&x->nonce));
  sasl_base64_encode (salt, sizeof salt, out);
  buf_printf (out, ",i=%d", LIM_SASL_SCRAM_ITERATIONS);
  buf_putc (&x->text, ',');
  buf_append (&x->text, out->data, out->len);
  x->state = 2;
  return SASL_CONTINUE;
}

/* client-first-message-bare from bare (m is the whole message, so
 * m..bare is the gs2 header); want_cb and authz come from the header */
static enum sasl_status
scram_bare (struct sasl_exchange *x, const char *m, const char *bare,
	    int want_cb, const struct buf *authz, struct buf *out,
	    const char **error_r)
{
  const char *p = bare, *nonce, *end;
  if (p[0] == 'm' && p[1] == '=')
    return result (SASL_MALFORMED, "SCRAM: mandatory extensions (m=) "
		   "are not supported", error_r);
  if (p[0] != 'n' || p[1] != '=' || !(p = scram_name (p + 2, &x->user))
      || *p != ',')
    return result (SASL_MALFORMED, "SCRAM: bad user name (n=)", error_r);
  if (p[1] != 'r' || p[2] != '=' || !(end = scram_nonce (p + 3)))
    return result (SASL_MALFORMED, "SCRAM: bad nonce (r=)", error_r);
  nonce = p + 3;
  for (p = end; p && *p == ','; p = scram_extension (p + 1));
  if (!p || *p)
    return result (SASL_MALFORMED, "SCRAM: bad extension", error_r);
  if (want_cb)
    return result (SASL_FAIL, "SCRAM: the client asked for channel "
		   "binding, which is not offered (no SCRAM-SHA-256-PLUS)",
		   error_r);
  if (authz->len && strcmp (authz->data, x->user.data))
    return result (SASL_FAIL, "SCRAM: the authorization identity is not "
		   "the user (proxy logins are not supported)", error_r);
  buf_append (&x->gs2, m, (size_t) (bare - m));
  buf_append (&x->text, bare, strlen (bare));
  buf_append (&x->nonce, nonce, (size_t) (end - nonce));
  return scram_server_first (x, out, error_r);
}

/* client-first-message: gs2-header client-first-message-bare */
static enum sasl_status
scram_client_first (struct sasl_exchange *x, const char *m,
		    struct buf *out, const char **error_r)
{
  struct buf authz = BUF_INIT;
  const char *p = m;
  int want_cb = 0;
  enum sasl_status st;
  if ((*p == 'n' || *p == 'y') && p[1] == ',')
    p += 2;
  else if (p[0] == 'p' && p[1] == '=') {	/* cb-name */
    for (p += 2; is_alpha (*p) || (*p >= '0' && *p <= '9') || *p == '.'
	 || *p == '-'; p++);
    if (p == m + 2 || *p++ != ',')
      return result (SASL_MALFORMED, "SCRAM: bad channel binding name",
		     error_r);
    want_cb = 1;
  }
  else
    return result (SASL_MALFORMED, "SCRAM: the message does not start "
		   "with n, y or p=", error_r);
  if (p[0] == 'a' && p[1] == '=' && !(p = scram_name (p + 2, &authz)))
    st = result (SASL_MALFORMED, "SCRAM: bad authzid (a=)", error_r);
  else if (*p != ',')
    st = result (SASL_MALFORMED, "SCRAM: bad gs2 header", error_r);
  else
    st = scram_bare (x, m, p + 1, want_cb, &authz, out, error_r);
  buf_free (&authz);
  return st;
}

/* The proof against StoredKey, in constant time; on success
 * server-final "v=ServerSignature" into out. */
static enum sasl_status
scram_verify (struct sasl_exchange *x, const char *without_proof,
	      size_t wlen, const unsigned char *proof, struct buf *out,
	      const char **error_r)
{
  unsigned char client_key[SHA256_LEN], stored_key[SHA256_LEN],
    sig[SHA256_LEN], server_key[SHA256_LEN], check[SHA256_LEN];
  struct buf auth = BUF_INIT;
  size_t i;
  int ok, match = 0;
  buf_append (&auth, x->text.data, x->text.len);
  buf_putc (&auth, ',');
  buf_append (&auth, without_proof, wlen);
  ok = hmac_sha256 (x->salted, "Client Key", 10, client_key)
    && sha256 (client_key, SHA256_LEN, stored_key)
    && hmac_sha256 (stored_key, auth.data, auth.len, sig);
  if (ok) {
    for (i = 0; i < SHA256_LEN; i++)
      client_key[i] = proof[i] ^ sig[i];
    ok = sha256 (client_key, SHA256_LEN, check);
    match = ok && CRYPTO_memcmp (check, stored_key, SHA256_LEN) == 0;
  }
  ok = ok && hmac_sha256 (x->salted, "Server Key", 10, server_key)
    && hmac_sha256 (server_key, auth.data, auth.len, sig);
  if (ok && match && x->known) {
    buf_puts (out, "v=");
    sasl_base64_encode (sig, SHA256_LEN, out);
  }
  OPENSSL_cleanse (client_key, sizeof client_key);
  OPENSSL_cleanse (stored_key, sizeof stored_key);
  OPENSSL_cleanse (server_key, sizeof server_key);
  OPENSSL_cleanse (sig, sizeof sig);
  OPENSSL_cleanse (check, sizeof check);
  buf_free (&auth);
  if (!ok)
    return result (SASL_ERROR, "SCRAM: HMAC-SHA-256 failed (OpenSSL)",
		   error_r);
  return callback_status (match && x->known, NULL, error_r);
}

/* client-final-message: c=... ,r=... [,ext...] ,p=proof */
static enum sasl_status
scram_client_final (struct sasl_exchange *x, const char *m,
		    struct buf *out, const char **error_r)
{
  struct buf cb = BUF_INIT, proof = BUF_INIT;
  const char *p, *s, *proof_at = NULL;
  int cb_ok = 0, nonce_ok = 0;
  enum sasl_status st;
  if (strncmp (m, "c=", 2))
    st = result (SASL_MALFORMED, "SCRAM: no c= first", error_r);
  else if (s = m + 2, p = s + strcspn (s, ","),
	   sasl_base64_decode (s, (size_t) (p - s), &cb) < 0 || !cb.len)
    st = result (SASL_MALFORMED, "SCRAM: bad base64 in c=", error_r);
  else if (strncmp (p, ",r=", 3) || !(s = p + 3, p = scram_nonce (s)))
    st = result (SASL_MALFORMED, "SCRAM: bad nonce (r=)", error_r);
  else {
    cb_ok = cb.len == x->gs2.len && !memcmp (cb.data, x->gs2.data, cb.len);
    nonce_ok = (size_t) (p - s) == x->nonce.len
      && !memcmp (s, x->nonce.data, x->nonce.len);
    /* extensions, then the proof last */
    while (p && *p == ',' && !(p[1] == 'p' && p[2] == '='))
      p = scram_extension (p + 1);
    if (p && *p == ',')
      proof_at = p;
    if (!proof_at)
      st = result (SASL_MALFORMED, "SCRAM: bad extension or no proof (p=)",
		   error_r);
    else if (sasl_base64_decode (proof_at + 3, strlen (proof_at + 3),
				 &proof) < 0 || proof.len != SHA256_LEN)
      st = result (SASL_MALFORMED, "SCRAM: the proof (p=) is not base64 "
		   "of 32 bytes", error_r);
    else if (!cb_ok)
      st = result (SASL_FAIL, "SCRAM: the channel binding (c=) is not "
		   "the gs2 header", error_r);
    else if (!nonce_ok)
      st = result (SASL_FAIL, "SCRAM: the nonce (r=) is not this "
		   "exchange's", error_r);
    else
      st = scram_verify (x, m, (size_t) (proof_at - m),
			 (const unsigned char *) proof.data, out, error_r);
  }
  buf_free (&cb);
  buf_free (&proof);
  return st;
}

static enum sasl_status
scram_step (struct sasl_exchange *x, const unsigned char *in, size_t len,
	    int have_in, struct buf *out, const char **error_r)
{
  struct buf msg = BUF_INIT;
  enum sasl_status st;
  if (x->state == 0 && !have_in) {	/* the client-first comes next */
    x->state = 1;
    return SASL_CONTINUE;
  }
  if (memchr (in, '\0', len))
    return result (SASL_MALFORMED, "SCRAM: a NUL in the message", error_r);
  buf_append (&msg, in, len);
  if (x->state < 2)
    st = scram_client_first (x, buf_cstr (&msg), out, error_r);
  else
    st = scram_client_final (x, buf_cstr (&msg), out, error_r);
  buf_free (&msg);
  return st;
}

/* ------------------------------------------------- EXTERNAL, ANONYMOUS */

static enum sasl_status
external_step (struct sasl_exchange *x, const unsigned char *in, size_t len,
	       int have_in, const char **error_r)
{
  const char *id = x->ops.peer_identity, *err = NULL;
  int r;
  if (!have_in) {
    x->state = 1;
    return SASL_CONTINUE;
  }
  /* the message is an authzid: empty means "the certificate's" */
  if (len)
    set_user (x, in, len);
  else if (id)
    set_user (x, id, strlen (id));
  if (len > LIM_SASL_NAME || memchr (in, '\0', len)
      || utf8_count (in, len, 0) < 0)
    return result (SASL_MALFORMED, "EXTERNAL: the authorization identity "
		   "is too long or not UTF-8", error_r);
  if (!id || !*id)
    return result (SASL_FAIL, "no client certificate", error_r);
  if (len && (len != strlen (id) || memcmp (in, id, len)))
    return result (SASL_FAIL, "EXTERNAL: the authorization identity is not "
		   "the certificate's (proxy logins are not supported)",
		   error_r);
  r = x->ops.account (x->ops.ctx, id, &x->acct, &err);
  return callback_status (r, err, error_r);
}

/* RFC 4505: [ email / token ], at most 255 characters of the trace
 * profile; '@' only in an address: something on both sides of it. */
static enum sasl_status
anonymous_step (struct sasl_exchange *x, const unsigned char *in,
		size_t len, int have_in, const char **error_r)
{
  size_t at = len;
  long n;
  if (!have_in) {
    x->state = 1;
    return SASL_CONTINUE;
  }
  set_user (x, in, len);
  n = utf8_count (in, len, 1);
  if (n < 0 || n > LIM_SASL_TRACE)
    return result (SASL_MALFORMED, "ANONYMOUS: the trace is not at most "
		   "255 printable UTF-8 characters", error_r);
  while (at > 0 && in[at - 1] != '@')
    at--;
  if (at == 1 || (at && at == len))	/* '@' first or last */
    return result (SASL_MALFORMED, "ANONYMOUS: a trace with '@' must be "
		   "an address", error_r);
  x->anonymous = 1;
  /* no account: ids nobody has, so a privilege drop to them fails */
  x->acct.uid = (uid_t) -1;
  x->acct.gid = (gid_t) -1;
  return SASL_OK;
}

/* ------------------------------------------------------------ the API */

static int
mech_usable (enum mech m, const struct sasl_server_ops *o)
{
  switch (m) {
  case MECH_PLAIN:
  case MECH_LOGIN:
    return o->plain != NULL;
  case MECH_CRAM_MD5:
  case MECH_SCRAM:
    return o->secret && o->random;
  case MECH_EXTERNAL:
    return o->account != NULL;
  case MECH_ANONYMOUS:
    return o->allow_anonymous;
  default:
    return 0;
  }
}

struct sasl_exchange *
sasl_new (const char *mech, const struct sasl_server_ops *ops)
{
  struct sasl_exchange *x;
  int m;
  if (!mech || !ops)
    return NULL;
  for (m = 0; m < MECH_COUNT && strcasecmp (mech, mech_names[m]); m++);
  /* a mechanism without what it needs is as good as unknown */
  if (m == MECH_COUNT || !mech_usable ((enum mech) m, ops))
    return NULL;
  x = fs_get (sizeof *x);
  memset (x, 0, sizeof *x);
  x->mech = (enum mech) m;
  x->ops = *ops;
  return x;
}

enum sasl_status
sasl_step (struct sasl_exchange *x, const unsigned char *in, size_t len,
	   int have_in, struct buf *out, struct server_account *acct,
	   const char **error_r)
{
  const char *ignored;
  enum sasl_status st;
  if (!error_r)
    error_r = &ignored;
  *error_r = NULL;
  buf_reset (out);
  if (x->done)
    return result (SASL_MALFORMED, "SASL: the exchange is over", error_r);
  if (!in || !len) {		/* no pointer arithmetic on NULL */
    static const unsigned char none[1];
    in = none;
    len = 0;
  }
  if (x->state)			/* a continuation always has a response */
    have_in = 1;
  if (len > LIM_SASL_RESPONSE)
    st = result (SASL_MALFORMED, "SASL: the response is too long", error_r);
  else
    switch (x->mech) {
    case MECH_PLAIN:
      st = plain_step (x, in, len, have_in, error_r);
      break;
    case MECH_LOGIN:
      st = login_step (x, in, len, have_in, out, error_r);
      break;
    case MECH_CRAM_MD5:
      st = cram_step (x, in, len, have_in, out, error_r);
      break;
    case MECH_SCRAM:
      st = scram_step (x, in, len, have_in, out, error_r);
      break;
    case MECH_EXTERNAL:
      st = external_step (x, in, len, have_in, error_r);
      break;
    case MECH_ANONYMOUS:
      st = anonymous_step (x, in, len, have_in, error_r);
      break;
    default:
      abort ();
    }
  if (st == SASL_CONTINUE)
    return st;
  x->done = 1;
  OPENSSL_cleanse (x->salted, sizeof x->salted);
  if (st == SASL_OK) {
    *acct = x->acct;
    memset (&x->acct, 0, sizeof x->acct);
  }
  else {
    login_account_free (&x->acct);
    buf_reset (out);
  }
  return st;
}

const char *
sasl_user (const struct sasl_exchange *x)
{
  return x && x->user.len ? x->user.data : "";
}

const char *
sasl_mech_name (const struct sasl_exchange *x)
{
  return x ? mech_names[x->mech] : "";
}

int
sasl_anonymous (const struct sasl_exchange *x)
{
  return x && x->anonymous;
}

void
sasl_free (struct sasl_exchange *x)
{
  if (!x)
    return;
  OPENSSL_cleanse (x->salted, sizeof x->salted);
  login_account_free (&x->acct);
  buf_free (&x->user);
  buf_free (&x->text);
  buf_free (&x->gs2);
  buf_free (&x->nonce);
  fs_give ((void **) &x);
}

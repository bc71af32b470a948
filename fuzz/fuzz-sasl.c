/*
 * The server side of SASL (server/sasl.c).  Byte 0 of the input picks
 * the mechanism (bits 0-2: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256,
 * EXTERNAL, ANONYMOUS; 6: a SCRAM client; 7: base64 only), bit 3 gives
 * the exchange a client certificate identity, bit 4 makes the first step
 * one without an initial response, bit 5 takes the rest as one message
 * instead of splitting it at LF (one message a step, at most 8 steps),
 * bit 6 makes the certificate's identity one whose lookup fails.
 * The callbacks know alice/wonderland (and user/pencil for SCRAM); the
 * user "broken" makes them fail.  Randomness and CRAM-MD5's clock are
 * fixed, so every run of an input is the same.
 *
 * Checked: every status is one of enum sasl_status; *error_r is set
 * exactly when the status is FAIL, MALFORMED or ERROR; after a result
 * every step is MALFORMED; SASL_OK fills the account (ANONYMOUS: none,
 * and sasl_anonymous() says so) and only after a callback said yes
 * (PLAIN/LOGIN: with alice's password); any other result leaves it empty
 * and gives no output; ERROR only after a callback failed; challenges
 * are printable ASCII; sasl_user() is at most LIM_SASL_NAME bytes.
 * Mode 6 takes the rest as a client-first message and, when the server
 * answers it for a user with a secret, plays a correct SCRAM client
 * (bit 5: with one proof bit flipped): the server must say SASL_OK with
 * the server signature the client expects (a flipped bit: SASL_FAIL);
 * for an unknown user SASL_FAIL.  Base64: decode(encode(x)) == x for the
 * input, and whatever the input decodes to encodes back to a text that
 * decodes to the same.
 */
/* fuzz-link: server/sasl.c */
#include "fuzz.h"
#include "server.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>

static const char *const mechs[] = {
  "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256", "EXTERNAL", "ANONYMOUS"
};

static struct {
  int last;			/* what the last callback returned */
  int said_yes;			/* a callback returned 1 (SCRAM's did a
				   step before the result) */
  int plain_ok;			/* the plain callback got alice's password */
  unsigned counter;		/* for the random bytes */
} cb;

static int fake_plain (void *ctx, const char *user, const char *password,
		       struct server_account *acct, const char **error_r)
{
  if (!strcmp (user, "broken")) {
    *error_r = "fuzz: backend down";
    return cb.last = -1;
  }
  if (strcmp (user, "alice") || strcmp (password, "wonderland"))
    return cb.last = 0;
  cb.plain_ok = cb.said_yes = 1;
  acct->user = cpystr (user);
  acct->home = cpystr ("/nonexistent");
  return cb.last = 1;
}

static int fake_secret (void *ctx, const char *user, struct buf *secret,
			struct server_account *acct, const char **error_r)
{
  const char *s = !strcmp (user, "alice") ? "wonderland"
    : !strcmp (user, "user") ? "pencil" : !strcmp (user, "empty") ? "" : NULL;
  if (!strcmp (user, "broken")) {
    *error_r = "fuzz: no secrets";
    return cb.last = -1;
  }
  if (!s)
    return cb.last = 0;
  buf_puts (secret, s);
  acct->user = cpystr (user);
  cb.said_yes = 1;
  return cb.last = 1;
}

static int fake_account (void *ctx, const char *user,
			 struct server_account *acct, const char **error_r)
{
  if (!strcmp (user, "broken@example.org")) {
    *error_r = "fuzz: no account database";
    return cb.last = -1;
  }
  if (strcmp (user, "alice@example.org"))
    return cb.last = 0;
  acct->user = cpystr ("alice");
  cb.said_yes = 1;
  return cb.last = 1;
}

static void fake_random (void *ctx, unsigned char *buf, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    buf[i] = (unsigned char) (cb.counter++ * 167 + 13);
}

static int printable (const struct buf *b)
{
  size_t i;
  for (i = 0; i < b->len; i++)
    if ((unsigned char) b->data[i] < 0x20 || (unsigned char) b->data[i] > 0x7e)
      return 0;
  return 1;
}

/* One step and the checks every step gets */
static enum sasl_status checked_step (struct sasl_exchange *x, int mech,
				      const unsigned char *in, size_t len,
				      int have_in, struct buf *out)
{
  struct server_account acct = { NULL, NULL, 0, 0 };
  const char *err = NULL;
  enum sasl_status st;
  cb.last = 2;			/* no callback yet */
  st = sasl_step (x, in, len, have_in, out, &acct, &err);
  FUZZ_CHECK (st >= SASL_ERROR && st <= SASL_CONTINUE);
  FUZZ_CHECK ((err != NULL) == (st != SASL_OK && st != SASL_CONTINUE));
  FUZZ_CHECK (strlen (sasl_user (x)) <= LIM_SASL_NAME);
  FUZZ_CHECK (out->len == 0 || st == SASL_CONTINUE
	      || (st == SASL_OK && mech == 3));
  if (st == SASL_CONTINUE && (mech == 1 || mech == 2 || mech == 3))
    FUZZ_CHECK (printable (out));
  if (st == SASL_ERROR)
    FUZZ_CHECK (cb.last == -1);
  if (st == SASL_OK && mech == 5) {
    FUZZ_CHECK (acct.user == NULL && acct.home == NULL);
    FUZZ_CHECK (sasl_anonymous (x));
  }
  else if (st == SASL_OK) {
    FUZZ_CHECK (acct.user != NULL && cb.said_yes);
    if (mech <= 1)
      FUZZ_CHECK (cb.plain_ok);
  }
  else
    FUZZ_CHECK (acct.user == NULL);
  if (acct.user)
    fs_give ((void **) &acct.user);
  if (acct.home)
    fs_give ((void **) &acct.home);
  return st;
}

static void init_ops (struct sasl_server_ops *ops, unsigned char ctl)
{
  memset (ops, 0, sizeof *ops);
  memset (&cb, 0, sizeof cb);
  ops->plain = fake_plain;
  ops->secret = fake_secret;
  ops->account = fake_account;
  ops->random = fake_random;
  ops->hostname = "fuzz.example.org";
  ops->peer_identity = (ctl & 8) ? ((ctl & 64) ? "broken@example.org"
				    : "alice@example.org") : NULL;
  ops->allow_anonymous = 1;
}

static void run_mech (int mech, unsigned char ctl, const uint8_t *data,
		      size_t size)
{
  struct sasl_server_ops ops;
  struct sasl_exchange *x;
  struct buf out = BUF_INIT;
  enum sasl_status st = SASL_CONTINUE;
  size_t pos = 0;
  int steps = 0;
  init_ops (&ops, ctl);
  x = sasl_new (mechs[mech], &ops);
  FUZZ_CHECK (x != NULL);
  FUZZ_CHECK (!strcmp (sasl_mech_name (x), mechs[mech]));
  if (ctl & 16)
    st = checked_step (x, mech, NULL, 0, 0, &out);
  while (st == SASL_CONTINUE && steps++ < 8) {
    const uint8_t *nl = (ctl & 32) ? NULL : memchr (data + pos, '\n',
						    size - pos);
    size_t len = nl ? (size_t) (nl - (data + pos)) : size - pos;
    st = checked_step (x, mech, data + pos, len, 1, &out);
    pos += len + (nl != NULL);
    if (pos >= size && !nl)
      break;
  }
  if (st != SASL_CONTINUE)
    FUZZ_CHECK (checked_step (x, mech, data, size, 1, &out)
		== SASL_MALFORMED);
  sasl_free (x);
  buf_free (&out);
}

/* ----------------------------------------------------- a SCRAM client */

static void hmac (const unsigned char *key, const void *data, size_t len,
		  unsigned char md[32])
{
  unsigned int n = 0;
  FUZZ_CHECK (HMAC (EVP_sha256 (), key, 32, data, len, md, &n) && n == 32);
}

static void run_scram_client (unsigned char ctl, const uint8_t *data,
			      size_t size)
{
  struct sasl_server_ops ops;
  struct sasl_exchange *x;
  struct buf out = BUF_INIT, final = BUF_INIT, auth = BUF_INIT,
    salt = BUF_INIT, expect = BUF_INIT;
  unsigned char salted[32], ck[32], stored[32], sig[32], sk[32];
  const char *first, *bare, *r, *s, *i, *password;
  unsigned int n;
  size_t k;
  enum sasl_status st;
  int known;
  init_ops (&ops, ctl);
  x = sasl_new ("SCRAM-SHA-256", &ops);
  if (ctl & 16)
    checked_step (x, 3, NULL, 0, 0, &out);
  st = checked_step (x, 3, data, size, 1, &out);
  known = cb.last == 1 && strcmp (sasl_user (x), "empty");
  if (st != SASL_CONTINUE) {
    sasl_free (x);
    buf_free (&out);
    return;
  }
  /* accepted: no NUL, and the gs2 header ends at the second comma */
  first = fuzz_cstr (data, size);
  bare = strchr (strchr (first, ',') + 1, ',') + 1;
  password = !strcmp (sasl_user (x), "alice") ? "wonderland" : "pencil";
  r = buf_cstr (&out);
  s = strstr (r, ",s=");
  i = strstr (r, ",i=");
  FUZZ_CHECK (!strncmp (r, "r=", 2) && s && i && atoi (i + 3) > 0);
  FUZZ_CHECK (sasl_base64_decode (s + 3, (size_t) (i - s - 3), &salt) == 0);
  FUZZ_CHECK (PKCS5_PBKDF2_HMAC (password, (int) strlen (password),
				 (unsigned char *) salt.data, (int) salt.len,
				 atoi (i + 3), EVP_sha256 (), 32, salted));
  buf_puts (&final, "c=");
  sasl_base64_encode ((const unsigned char *) first, (size_t) (bare - first),
		      &final);
  buf_printf (&final, ",r=%.*s", (int) (s - r - 2), r + 2);
  buf_printf (&auth, "%s,%s,%s", bare, r, buf_cstr (&final));
  hmac (salted, "Client Key", 10, ck);
  FUZZ_CHECK (EVP_Digest (ck, 32, stored, &n, EVP_sha256 (), NULL));
  hmac (stored, auth.data, auth.len, sig);
  for (k = 0; k < 32; k++)
    ck[k] ^= sig[k];
  if (ctl & 32)
    ck[ctl % 32] ^= 1;
  buf_puts (&final, ",p=");
  sasl_base64_encode (ck, 32, &final);
  hmac (salted, "Server Key", 10, sk);
  hmac (sk, auth.data, auth.len, sig);
  buf_puts (&expect, "v=");
  sasl_base64_encode (sig, 32, &expect);
  st = checked_step (x, 3, (const unsigned char *) final.data, final.len, 1,
		     &out);
  if (known && !(ctl & 32)) {
    FUZZ_CHECK (st == SASL_OK);
    FUZZ_CHECK (!strcmp (buf_cstr (&out), buf_cstr (&expect)));
  }
  else
    FUZZ_CHECK (st == SASL_FAIL);
  sasl_free (x);
  fs_give ((void **) &first);
  buf_free (&out);
  buf_free (&final);
  buf_free (&auth);
  buf_free (&salt);
  buf_free (&expect);
}

/* -------------------------------------------------------------- base64 */

static void run_base64 (const uint8_t *data, size_t size)
{
  struct buf enc = BUF_INIT, dec = BUF_INIT, again = BUF_INIT;
  sasl_base64_encode (data, size, &enc);
  FUZZ_CHECK (enc.len == (size + 2) / 3 * 4);
  FUZZ_CHECK (sasl_base64_decode (buf_cstr (&enc), enc.len, &dec) == 0);
  FUZZ_CHECK (dec.len == size && (!size || !memcmp (dec.data, data, size)));
  if (sasl_base64_decode ((const char *) data, size, &dec) == 0) {
    FUZZ_CHECK (dec.len <= size / 4 * 3);
    buf_reset (&enc);
    sasl_base64_encode ((const unsigned char *) dec.data, dec.len, &enc);
    FUZZ_CHECK (sasl_base64_decode (buf_cstr (&enc), enc.len, &again) == 0);
    FUZZ_CHECK (again.len == dec.len
		&& (!dec.len || !memcmp (again.data, dec.data, dec.len)));
  }
  buf_free (&enc);
  buf_free (&dec);
  buf_free (&again);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  unsigned char ctl;
  if (size < 1)
    return 0;
  ctl = data[0];
  data++, size--;
  sasl_test_fix (697170952, NULL);
  if ((ctl & 7) < 6)
    run_mech (ctl & 7, ctl, data, size);
  else if ((ctl & 7) == 6)
    run_scram_client (ctl, data, size);
  run_base64 (data, size);
  return 0;
}

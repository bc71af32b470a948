/*
 * test-sasl.c - server/sasl.c: the SASL mechanisms (PLAIN, LOGIN,
 * CRAM-MD5, SCRAM-SHA-256, EXTERNAL, ANONYMOUS) as byte exchanges with
 * fake account callbacks, the RFCs' examples (RFC 2195, RFC 7677), a
 * SCRAM client written here, every malformed message we could think of,
 * and base64 encoding against decoding.
 */
#include <stdlib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "unit.h"
#include "server.h"

/* ------------------------------------------------------ fake accounts */

struct fake {
  int calls;			/* callbacks made */
  struct buf last_user;		/* the user the last callback got */
  struct buf last_pass;		/* the password PLAIN/LOGIN passed */
  unsigned char seed;		/* random: 0 = the RFCs' fixed bytes */
  unsigned char cram_rand[8];	/* random's answer for 8 bytes */
  unsigned char salt[16];	/* ... for 16 */
};

static const struct {
  const char *user, *secret;
} users[] = {
  { "alice", "wonderland" },
  { "tim", "tanstaaftanstaaf" },
  { "user", "pencil" },
  { "a,b=c", "odd name" },
  { "empty", "" },
};

static const char *
lookup (const char *user)
{
  size_t i;
  for (i = 0; i < sizeof users / sizeof *users; i++)
    if (!strcmp (users[i].user, user))
      return users[i].secret;
  return NULL;
}

static void
fill_account (const char *user, struct server_account *acct)
{
  struct buf home = BUF_INIT;
  buf_printf (&home, "/home/%s", user);
  acct->user = cpystr (user);
  acct->home = buf_detach (&home);
  acct->uid = 1000;
  acct->gid = 1000;
}

static int
fake_plain (void *ctx, const char *user, const char *password,
	    struct server_account *acct, const char **error_r)
{
  struct fake *f = ctx;
  const char *s = lookup (user);
  f->calls++;
  buf_reset (&f->last_user);
  buf_puts (&f->last_user, user);
  buf_reset (&f->last_pass);
  buf_puts (&f->last_pass, password);
  if (!strcmp (user, "broken")) {
    *error_r = "test: the account backend is down";
    return -1;
  }
  if (!s || strcmp (s, password))
    return 0;
  fill_account (user, acct);
  return 1;
}

static int
fake_secret (void *ctx, const char *user, struct buf *secret,
	     struct server_account *acct, const char **error_r)
{
  struct fake *f = ctx;
  const char *s = lookup (user);
  f->calls++;
  buf_reset (&f->last_user);
  buf_puts (&f->last_user, user);
  if (!strcmp (user, "broken")) {
    *error_r = "test: the secrets file is unreadable";
    return -1;
  }
  if (!s)
    return 0;
  buf_puts (secret, s);
  fill_account (user, acct);
  return 1;
}

static int
fake_account (void *ctx, const char *user, struct server_account *acct,
	      const char **error_r)
{
  struct fake *f = ctx;
  f->calls++;
  buf_reset (&f->last_user);
  buf_puts (&f->last_user, user);
  if (!strcmp (user, "broken@example.org")) {
    *error_r = "test: no account database";
    return -1;
  }
  if (strcmp (user, "alice@example.org"))
    return 0;
  fill_account ("alice", acct);
  return 1;
}

/* seed 0: the fixed bytes the RFC examples need (by request size);
 * otherwise a sequence that differs with the seed */
static void
fake_random (void *ctx, unsigned char *buf, size_t n)
{
  struct fake *f = ctx;
  size_t i;
  if (!f->seed && n == sizeof f->cram_rand)
    memcpy (buf, f->cram_rand, n);
  else if (!f->seed && n == sizeof f->salt)
    memcpy (buf, f->salt, n);
  else
    for (i = 0; i < n; i++)
      buf[i] = (unsigned char) (f->seed * 131 + i * 7 + f->calls);
}

static struct fake fk;
static struct sasl_server_ops ops;

static void
reset_ops (void)
{
  buf_free (&fk.last_user);
  buf_free (&fk.last_pass);
  memset (&fk, 0, sizeof fk);
  memset (&ops, 0, sizeof ops);
  ops.plain = fake_plain;
  ops.secret = fake_secret;
  ops.account = fake_account;
  ops.random = fake_random;
  ops.ctx = &fk;
  ops.hostname = "mail.example.org";
  ops.peer_identity = NULL;
  ops.allow_anonymous = 1;
}

/* -------------------------------------------------------------- helpers */

static struct buf out;
static struct server_account got;	/* what a step gave */
static const char *err;

/* One step with a C string (have_in 1), or with no response (NULL) */
static enum sasl_status
step (struct sasl_exchange *x, const char *in)
{
  err = NULL;
  return sasl_step (x, (const unsigned char *) in, in ? strlen (in) : 0,
		    in != NULL, &out, &got, &err);
}

static enum sasl_status
step_bytes (struct sasl_exchange *x, const void *in, size_t len)
{
  err = NULL;
  return sasl_step (x, in, len, 1, &out, &got, &err);
}

static int
out_is (const char *s)
{
  return out.len == strlen (s) && !memcmp (out.data ? out.data : "", s,
					    out.len);
}

static const char *
out_str (void)
{
  return buf_cstr (&out);
}

/* A new exchange for mech run through the given steps; the last result */
static enum sasl_status
run (const char *mech, const char *first, const char *second)
{
  struct sasl_exchange *x = sasl_new (mech, &ops);
  enum sasl_status st;
  if (!x)
    return 99;
  st = step (x, first);
  if (st == SASL_CONTINUE && second)
    st = step (x, second);
  login_account_free (&got);
  sasl_free (x);
  return st;
}

static void
bytes_from_base64 (const char *b64, unsigned char *to, size_t n)
{
  struct buf b = BUF_INIT;
  if (sasl_base64_decode (b64, strlen (b64), &b) < 0 || b.len != n) {
    printf ("bad test vector %s\n", b64);
    exit (1);
  }
  memcpy (to, b.data, n);
  buf_free (&b);
}

/* --------------------------------------------------------------- base64 */

static void
test_base64 (void)
{
  static const char *const vec[][2] = {	/* RFC 4648 section 10 */
    { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
    { "foobar", "Zm9vYmFy" },
  };
  struct buf enc = BUF_INIT, dec = BUF_INIT;
  unsigned char data[64];
  size_t i, n;
  for (i = 0; i < sizeof vec / sizeof *vec; i++) {
    buf_reset (&enc);
    sasl_base64_encode ((const unsigned char *) vec[i][0],
			strlen (vec[i][0]), &enc);
    CHECK_STREQ (buf_cstr (&enc), vec[i][1]);
  }
  /* appends */
  buf_reset (&enc);
  buf_puts (&enc, "v=");
  sasl_base64_encode ((const unsigned char *) "f", 1, &enc);
  CHECK_STREQ (buf_cstr (&enc), "v=Zg==");
  for (n = 0; n <= 64; n++) {
    int ok = 1;
    for (i = 0; i < n; i++)
      data[i] = (unsigned char) (i * 37 + n * 11 + 255 * (i & 1));
    buf_reset (&enc);
    sasl_base64_encode (data, n, &enc);
    ok &= enc.len == (n + 2) / 3 * 4;
    ok &= sasl_base64_decode (enc.data ? enc.data : "", enc.len, &dec) == 0;
    ok &= dec.len == n && (n == 0 || !memcmp (dec.data, data, n));
    if (!CHECK (ok))
      printf ("  round trip failed at length %zu\n", n);
  }
  buf_free (&enc);
  buf_free (&dec);
}

/* ------------------------------------------------------------- sasl_new */

static void
test_new (void)
{
  struct sasl_exchange *x;
  static const char *const names[] = {
    "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256", "EXTERNAL", "ANONYMOUS"
  };
  size_t i;
  reset_ops ();
  for (i = 0; i < sizeof names / sizeof *names; i++) {
    struct buf lower = BUF_INIT;
    const char *p;
    for (p = names[i]; *p; p++)
      buf_putc (&lower, *p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    x = sasl_new (buf_cstr (&lower), &ops);
    if (CHECK (x != NULL)) {
      CHECK_STREQ (sasl_mech_name (x), names[i]);
      CHECK_STREQ (sasl_user (x), "");
      CHECK_INTEQ (sasl_anonymous (x), 0);
    }
    sasl_free (x);
    buf_free (&lower);
  }
  CHECK (sasl_new ("SCRAM-SHA-1", &ops) == NULL);
  CHECK (sasl_new ("SCRAM-SHA-256-PLUS", &ops) == NULL);
  CHECK (sasl_new ("GSSAPI", &ops) == NULL);
  CHECK (sasl_new ("", &ops) == NULL);
  CHECK (sasl_new ("PLAIN ", &ops) == NULL);
  CHECK (sasl_new (NULL, &ops) == NULL);
  CHECK (sasl_new ("PLAIN", NULL) == NULL);
  ops.allow_anonymous = 0;
  CHECK (sasl_new ("ANONYMOUS", &ops) == NULL);
  ops.plain = NULL;
  CHECK (sasl_new ("PLAIN", &ops) == NULL);
  CHECK (sasl_new ("LOGIN", &ops) == NULL);
  ops.random = NULL;
  CHECK (sasl_new ("CRAM-MD5", &ops) == NULL);
  CHECK (sasl_new ("SCRAM-SHA-256", &ops) == NULL);
  ops.account = NULL;
  CHECK (sasl_new ("EXTERNAL", &ops) == NULL);
  sasl_free (NULL);
  CHECK_STREQ (sasl_user (NULL), "");
}

/* ---------------------------------------------------------------- PLAIN */

static void
test_plain (void)
{
  struct sasl_exchange *x;
  static const char big_name[LIM_SASL_NAME + 1];
  struct buf msg = BUF_INIT;
  reset_ops ();

  /* initial response */
  x = sasl_new ("PLAIN", &ops);
  CHECK_INTEQ (step_bytes (x, "\0alice\0wonderland", 17), SASL_OK);
  CHECK_STREQ (got.user, "alice");
  CHECK_STREQ (got.home, "/home/alice");
  CHECK_STREQ (sasl_user (x), "alice");
  CHECK_STREQ (buf_cstr (&fk.last_pass), "wonderland");
  CHECK_INTEQ (out.len, 0);
  CHECK_INTEQ (sasl_anonymous (x), 0);
  login_account_free (&got);
  /* a step after the result */
  CHECK_INTEQ (step_bytes (x, "\0alice\0wonderland", 17), SASL_MALFORMED);
  CHECK (got.user == NULL);
  sasl_free (x);

  /* no initial response: an empty challenge first */
  x = sasl_new ("PLAIN", &ops);
  CHECK_INTEQ (step (x, NULL), SASL_CONTINUE);
  CHECK (out_is (""));
  CHECK_INTEQ (fk.calls, 1);
  CHECK_INTEQ (step_bytes (x, "alice\0alice\0wonderland", 22), SASL_OK);
  CHECK_STREQ (got.user, "alice");
  CHECK_INTEQ (fk.calls, 2);
  login_account_free (&got);
  sasl_free (x);

  /* an authzid that is not the user: no proxy login, no lookup */
  x = sasl_new ("PLAIN", &ops);
  CHECK_INTEQ (step_bytes (x, "root\0alice\0wonderland", 21), SASL_FAIL);
  CHECK (err && strstr (err, "proxy"));
  CHECK_INTEQ (fk.calls, 2);
  CHECK (got.user == NULL);
  CHECK_STREQ (sasl_user (x), "alice");
  sasl_free (x);

  /* a wrong password, an unknown user */
  x = sasl_new ("PLAIN", &ops);
  CHECK_INTEQ (step_bytes (x, "\0alice\0Wonderland", 17), SASL_FAIL);
  CHECK (got.user == NULL);
  CHECK_STREQ (sasl_user (x), "alice");
  CHECK (err != NULL && !strstr (err, "Wonderland"));
  sasl_free (x);
  x = sasl_new ("PLAIN", &ops);
  CHECK_INTEQ (step_bytes (x, "\0mallory\0x", 10), SASL_FAIL);
  CHECK_STREQ (sasl_user (x), "mallory");
  sasl_free (x);

  /* the backend fails: its message comes through */
  x = sasl_new ("PLAIN", &ops);
  CHECK_INTEQ (step_bytes (x, "\0broken\0pw", 10), SASL_ERROR);
  CHECK_STREQ (err, "test: the account backend is down");
  CHECK_INTEQ (step_bytes (x, "\0broken\0pw", 10), SASL_MALFORMED);
  sasl_free (x);

  /* malformed: too few or too many NULs, empty user or password, an
   * empty message, over-long names and messages */
  fk.calls = 0;
#define PLAIN_BAD(lit) do { \
    x = sasl_new ("PLAIN", &ops); \
    CHECK_INTEQ (step_bytes (x, lit, sizeof lit - 1), SASL_MALFORMED); \
    CHECK (err != NULL); \
    sasl_free (x); } while (0)
  PLAIN_BAD ("alice\0wonderland");
  PLAIN_BAD ("\0alice\0wonder\0land");
  PLAIN_BAD ("\0\0wonderland");
  PLAIN_BAD ("\0alice\0");
  PLAIN_BAD ("");
  PLAIN_BAD ("\0");
  PLAIN_BAD ("\0\0");
  PLAIN_BAD ("alicewonderland");
#undef PLAIN_BAD
  CHECK_INTEQ (fk.calls, 0);
  buf_putc (&msg, '\0');
  buf_append (&msg, big_name, sizeof big_name);
  memset (msg.data + 1, 'a', sizeof big_name);
  buf_append (&msg, "\0pw", 3);
  x = sasl_new ("PLAIN", &ops);
  CHECK_INTEQ (step_bytes (x, msg.data, msg.len), SASL_MALFORMED);
  CHECK_INTEQ (strlen (sasl_user (x)), LIM_SASL_NAME);
  sasl_free (x);
  /* the largest message is read; one byte more is refused */
  buf_reset (&msg);
  buf_append (&msg, "\0alice\0", 7);
  while (msg.len < LIM_SASL_RESPONSE)
    buf_putc (&msg, 'p');
  x = sasl_new ("PLAIN", &ops);
  CHECK_INTEQ (step_bytes (x, msg.data, msg.len), SASL_FAIL);
  CHECK_INTEQ (fk.calls, 1);
  CHECK_INTEQ (fk.last_pass.len, LIM_SASL_RESPONSE - 7);
  sasl_free (x);
  buf_putc (&msg, 'p');
  x = sasl_new ("PLAIN", &ops);
  CHECK_INTEQ (step_bytes (x, msg.data, msg.len), SASL_MALFORMED);
  CHECK_INTEQ (fk.calls, 1);
  sasl_free (x);
  buf_free (&msg);
}

/* ---------------------------------------------------------------- LOGIN */

static void
test_login (void)
{
  struct sasl_exchange *x;
  reset_ops ();
  x = sasl_new ("LOGIN", &ops);
  CHECK_INTEQ (step (x, NULL), SASL_CONTINUE);
  CHECK_STREQ (out_str (), "Username:");
  CHECK_INTEQ (step (x, "alice"), SASL_CONTINUE);
  CHECK_STREQ (out_str (), "Password:");
  CHECK_STREQ (sasl_user (x), "alice");
  CHECK_INTEQ (fk.calls, 0);
  CHECK_INTEQ (step (x, "wonderland"), SASL_OK);
  CHECK_STREQ (got.user, "alice");
  CHECK_STREQ (buf_cstr (&fk.last_pass), "wonderland");
  CHECK_INTEQ (out.len, 0);
  CHECK_INTEQ (step (x, "again"), SASL_MALFORMED);
  login_account_free (&got);
  sasl_free (x);

  /* the user name as the initial response; an empty one asks */
  x = sasl_new ("LOGIN", &ops);
  CHECK_INTEQ (step (x, "alice"), SASL_CONTINUE);
  CHECK_STREQ (out_str (), "Password:");
  CHECK_INTEQ (step (x, "wrong"), SASL_FAIL);
  CHECK (got.user == NULL);
  CHECK_STREQ (sasl_user (x), "alice");
  sasl_free (x);
  x = sasl_new ("LOGIN", &ops);
  CHECK_INTEQ (step (x, ""), SASL_CONTINUE);
  CHECK_STREQ (out_str (), "Username:");
  sasl_free (x);

  fk.calls = 0;
  CHECK_INTEQ (run ("LOGIN", NULL, ""), SASL_MALFORMED);	/* empty user */
  x = sasl_new ("LOGIN", &ops);
  step (x, NULL);
  CHECK_INTEQ (step_bytes (x, "ali\0ce", 6), SASL_MALFORMED);
  sasl_free (x);
  x = sasl_new ("LOGIN", &ops);
  step (x, "alice");
  CHECK_INTEQ (step_bytes (x, "wonder\0land", 11), SASL_MALFORMED);
  sasl_free (x);
  /* an empty password never reaches the callback (PAM's nullok) */
  x = sasl_new ("LOGIN", &ops);
  step (x, "alice");
  CHECK_INTEQ (step (x, ""), SASL_FAIL);
  sasl_free (x);
  CHECK_INTEQ (fk.calls, 0);
  {
    char name[LIM_SASL_NAME + 2];
    memset (name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    CHECK_INTEQ (run ("LOGIN", name, NULL), SASL_MALFORMED);
    name[LIM_SASL_NAME] = '\0';
    CHECK_INTEQ (run ("LOGIN", name, NULL), SASL_CONTINUE);
  }
  x = sasl_new ("LOGIN", &ops);
  step (x, "broken");
  CHECK_INTEQ (step (x, "pw"), SASL_ERROR);
  CHECK_STREQ (err, "test: the account backend is down");
  sasl_free (x);
}

/* ------------------------------------------------------------- CRAM-MD5 */

static const char rfc2195_challenge[] =
  "<1896.697170952@postoffice.reston.mci.net>";

/* An exchange with RFC 2195's challenge, at the response */
static struct sasl_exchange *
cram_rfc (void)
{
  struct sasl_exchange *x;
  static const unsigned char r1896[8] = { 0, 0, 0, 0, 0, 0, 0x07, 0x68 };
  reset_ops ();
  memcpy (fk.cram_rand, r1896, 8);
  ops.hostname = "postoffice.reston.mci.net";
  sasl_test_fix (697170952, NULL);
  x = sasl_new ("CRAM-MD5", &ops);
  CHECK_INTEQ (step (x, NULL), SASL_CONTINUE);
  CHECK_STREQ (out_str (), rfc2195_challenge);
  sasl_test_fix (0, NULL);
  return x;
}

/* The last step of exchange x: in gives want; a failure hands out no
 * account and no message */
static void
last_step_expect (struct sasl_exchange *x, const char *in,
		  enum sasl_status want)
{
  CHECK_INTEQ (step (x, in), want);
  if (want != SASL_OK) {
    CHECK (got.user == NULL);
    CHECK_INTEQ (out.len, 0);
  }
  login_account_free (&got);
  sasl_free (x);
}

static void
cram_expect (const char *response, enum sasl_status want)
{
  last_step_expect (cram_rfc (), response, want);
}

static void
test_cram (void)
{
  struct sasl_exchange *x;
  char digest[33];
  struct buf r = BUF_INIT;
  unsigned char mac[16];
  unsigned int maclen = 0, i;

  x = cram_rfc ();
  CHECK_INTEQ (step (x, "tim b913a602c7eda7a495b4e6e7334d3890"), SASL_OK);
  CHECK_STREQ (got.user, "tim");
  CHECK_STREQ (sasl_user (x), "tim");
  CHECK_INTEQ (out.len, 0);
  CHECK_INTEQ (step (x, "tim b913a602c7eda7a495b4e6e7334d3890"),
	       SASL_MALFORMED);
  login_account_free (&got);
  sasl_free (x);

  cram_expect ("tim B913A602C7EDA7A495B4E6E7334D3890", SASL_OK);
  cram_expect ("tim b913a602c7eda7a495b4e6e7334d3891", SASL_FAIL);
  cram_expect ("tom b913a602c7eda7a495b4e6e7334d3890", SASL_FAIL);
  cram_expect ("empty b913a602c7eda7a495b4e6e7334d3890", SASL_FAIL);
  /* malformed responses */
  cram_expect ("timb913a602c7eda7a495b4e6e7334d3890", SASL_MALFORMED);
  cram_expect ("tim b913a602c7eda7a495b4e6e7334d389", SASL_MALFORMED);
  cram_expect ("tim b913a602c7eda7a495b4e6e7334d38900", SASL_MALFORMED);
  cram_expect ("tim b913a602c7eda7a495b4e6e7334d389g", SASL_MALFORMED);
  cram_expect ("tim  b913a602c7eda7a495b4e6e7334d389", SASL_MALFORMED);
  cram_expect (" b913a602c7eda7a495b4e6e7334d3890", SASL_MALFORMED);
  cram_expect ("tim b913a602c7eda7a495b4e6e7334d3890 ", SASL_MALFORMED);
  cram_expect ("", SASL_MALFORMED);
  cram_expect (" ", SASL_MALFORMED);
  x = cram_rfc ();
  CHECK_INTEQ (step_bytes (x, "t\0m b913a602c7eda7a495b4e6e7334d3890", 36),
	       SASL_MALFORMED);
  CHECK_INTEQ (fk.calls, 0);
  sasl_free (x);
  /* a name with spaces: the digest is after the last one */
  cram_expect ("tim tim b913a602c7eda7a495b4e6e7334d3890", SASL_FAIL);
  CHECK_STREQ (buf_cstr (&fk.last_user), "tim tim");
  cram_expect ("broken b913a602c7eda7a495b4e6e7334d3890", SASL_ERROR);
  CHECK_STREQ (err, "test: the secrets file is unreadable");

  /* an initial response is a protocol error, even an empty one */
  CHECK_INTEQ (run ("CRAM-MD5", "tim b913a602c7eda7a495b4e6e7334d3890",
		    NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("CRAM-MD5", "", NULL), SASL_MALFORMED);

  /* a challenge of our own: its shape, and a digest made from it */
  reset_ops ();
  fk.seed = 3;
  x = sasl_new ("CRAM-MD5", &ops);
  CHECK_INTEQ (step (x, NULL), SASL_CONTINUE);
  {
    const char *c = out_str (), *p = c + 1;
    int shape = c[0] == '<' && p[0] >= '0' && p[0] <= '9';
    p += strspn (p, "0123456789");
    shape &= *p++ == '.' && *p >= '1' && *p <= '9';
    p += strspn (p, "0123456789");
    shape &= !strcmp (p, "@mail.example.org>");
    CHECK (shape);
    if (!shape)
      printf ("  challenge %s\n", c);
  }
  HMAC (EVP_md5 (), "wonderland", 10, (const unsigned char *) out.data,
	out.len, mac, &maclen);
  for (i = 0; i < 16; i++)
    snprintf (digest + 2 * i, 3, "%02x", mac[i]);
  buf_printf (&r, "alice %s", digest);
  /* the RFC's challenge text differs, so this must be different */
  CHECK (strcmp (out_str (), rfc2195_challenge));
  CHECK_INTEQ (step (x, buf_cstr (&r)), SASL_OK);
  CHECK_STREQ (got.user, "alice");
  login_account_free (&got);
  sasl_free (x);
  /* another random gives another challenge */
  {
    struct buf first = BUF_INIT;
    x = sasl_new ("CRAM-MD5", &ops);
    step (x, NULL);
    buf_puts (&first, out_str ());
    sasl_free (x);
    fk.seed = 4;
    x = sasl_new ("CRAM-MD5", &ops);
    step (x, NULL);
    CHECK (strcmp (buf_cstr (&first), out_str ()));
    CHECK_INTEQ (step (x, buf_cstr (&r)), SASL_FAIL);
    sasl_free (x);
    buf_free (&first);
  }
  buf_free (&r);
}

/* -------------------------------------------------------- SCRAM-SHA-256 */

/* A client: from server-first, the client-final for password (with ext
 * before the proof when not NULL) and the server-final it should get. */
static void
scram_client (const char *password, const char *client_first_bare,
	      const char *server_first, const char *c_b64, const char *ext,
	      struct buf *final, struct buf *server_final)
{
  struct buf auth = BUF_INIT, salt = BUF_INIT;
  const char *r = strstr (server_first, "r="), *s = strstr (server_first,
							     ",s=");
  const char *i = strstr (server_first, ",i=");
  unsigned char salted[32], ck[32], sk[32], stored[32], sig[32], proof[32];
  unsigned int n;
  size_t k;
  if (!r || !s || !i) {
    printf ("bad server-first %s\n", server_first);
    exit (1);
  }
  sasl_base64_decode (s + 3, (size_t) (i - s - 3), &salt);
  PKCS5_PBKDF2_HMAC (password, (int) strlen (password),
		     (const unsigned char *) salt.data, (int) salt.len,
		     atoi (i + 3), EVP_sha256 (), 32, salted);
  buf_reset (final);
  buf_printf (final, "c=%s,r=%.*s", c_b64, (int) (s - r - 2), r + 2);
  if (ext)
    buf_printf (final, ",%s", ext);
  buf_printf (&auth, "%s,%s,%s", client_first_bare, server_first,
	      buf_cstr (final));
  HMAC (EVP_sha256 (), salted, 32, (const unsigned char *) "Client Key", 10,
	ck, &n);
  EVP_Digest (ck, 32, stored, &n, EVP_sha256 (), NULL);
  HMAC (EVP_sha256 (), stored, 32, (const unsigned char *) auth.data,
	auth.len, sig, &n);
  for (k = 0; k < 32; k++)
    proof[k] = ck[k] ^ sig[k];
  buf_puts (final, ",p=");
  sasl_base64_encode (proof, 32, final);
  HMAC (EVP_sha256 (), salted, 32, (const unsigned char *) "Server Key", 10,
	sk, &n);
  HMAC (EVP_sha256 (), sk, 32, (const unsigned char *) auth.data, auth.len,
	sig, &n);
  buf_reset (server_final);
  buf_puts (server_final, "v=");
  sasl_base64_encode (sig, 32, server_final);
  buf_free (&auth);
  buf_free (&salt);
}

static const char rfc_first[] = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
static const char rfc_server_first[] =
  "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
  "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
static const char rfc_final[] =
  "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
  "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";

/* RFC 7677's exchange up to server-first */
static struct sasl_exchange *
scram_rfc (void)
{
  struct sasl_exchange *x;
  reset_ops ();
  bytes_from_base64 ("W22ZaJ0SNY7soEsUEjb6gQ==", fk.salt, 16);
  sasl_test_fix (0, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
  x = sasl_new ("SCRAM-SHA-256", &ops);
  CHECK_INTEQ (step (x, rfc_first), SASL_CONTINUE);
  CHECK_STREQ (out_str (), rfc_server_first);
  sasl_test_fix (0, NULL);
  return x;
}

static void
scram_final_expect (const char *final, enum sasl_status want)
{
  last_step_expect (scram_rfc (), final, want);
}

/* A whole exchange with our own client: seed for the random, the
 * client's first message, password, c= and extension; returns the
 * result of the last step */
static enum sasl_status
scram_full (unsigned char seed, const char *first, const char *password,
	    const char *c_b64, const char *ext, int ir)
{
  struct sasl_exchange *x;
  struct buf final = BUF_INIT, expect = BUF_INIT;
  enum sasl_status st;
  const char *bare = strstr (first, ",n=");
  reset_ops ();
  fk.seed = seed;
  x = sasl_new ("SCRAM-SHA-256", &ops);
  if (!ir) {
    CHECK_INTEQ (step (x, NULL), SASL_CONTINUE);
    CHECK (out_is (""));
  }
  st = step (x, first);
  if (st == SASL_CONTINUE) {
    scram_client (password, bare + 1, out_str (), c_b64, ext, &final,
		  &expect);
    st = step (x, buf_cstr (&final));
    if (st == SASL_OK)
      CHECK_STREQ (out_str (), buf_cstr (&expect));
    else
      CHECK_INTEQ (out.len, 0);
    CHECK_INTEQ (step (x, ""), SASL_MALFORMED);	/* after the result */
  }
  login_account_free (&got);
  buf_free (&final);
  buf_free (&expect);
  sasl_free (x);
  return st;
}

static void
test_scram (void)
{
  struct sasl_exchange *x;
  struct buf b = BUF_INIT;

  /* RFC 7677 section 3 */
  x = scram_rfc ();
  CHECK_INTEQ (step (x, rfc_final), SASL_OK);
  CHECK_STREQ (out_str (), "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  CHECK_STREQ (got.user, "user");
  CHECK_STREQ (sasl_user (x), "user");
  CHECK_INTEQ (step (x, ""), SASL_MALFORMED);
  login_account_free (&got);
  sasl_free (x);

  /* our client against the server, random salt and nonce */
  CHECK_INTEQ (scram_full (7, "n,,n=alice,r=abcdefghijklmnop", "wonderland",
			   "biws", NULL, 1), SASL_OK);
  CHECK_INTEQ (scram_full (8, "n,,n=alice,r=x", "wonderland", "biws", NULL,
			   0), SASL_OK);
  /* "y": the client could bind, but thinks we cannot */
  CHECK_INTEQ (scram_full (9, "y,,n=alice,r=x", "wonderland", "eSws", NULL,
			   1), SASL_OK);
  /* an authzid that is the user; its gs2 header in c= */
  sasl_base64_encode ((const unsigned char *) "n,a=alice,", 10, &b);
  CHECK_INTEQ (scram_full (10, "n,a=alice,n=alice,r=x", "wonderland",
			   buf_cstr (&b), NULL, 1), SASL_OK);
  buf_reset (&b);
  /* escapes in the name; extensions in both messages */
  CHECK_INTEQ (scram_full (11, "n,,n=a=2Cb=3Dc,r=x,x=ext", "odd name", "biws",
			   NULL, 1), SASL_OK);
  CHECK_STREQ (buf_cstr (&fk.last_user), "a,b=c");
  CHECK_INTEQ (scram_full (12, "n,,n=a=2cb=3dc,r=x", "odd name", "biws",
			   "q=ignored,z=more", 1), SASL_OK);
  /* wrong password, unknown user, empty secret: FAIL at the end */
  CHECK_INTEQ (scram_full (13, "n,,n=alice,r=x", "Wonderland", "biws", NULL,
			   1), SASL_FAIL);
  CHECK_INTEQ (scram_full (14, "n,,n=mallory,r=x", "", "biws", NULL, 1),
	       SASL_FAIL);
  CHECK_INTEQ (scram_full (15, "n,,n=empty,r=x", "", "biws", NULL, 1),
	       SASL_FAIL);
  /* wrong c= (the other flag's header; valid base64), wrong nonce */
  CHECK_INTEQ (scram_full (16, "n,,n=alice,r=x", "wonderland", "eSws", NULL,
			   1), SASL_FAIL);
  CHECK_INTEQ (scram_full (17, "y,,n=alice,r=x", "wonderland", "biws", NULL,
			   1), SASL_FAIL);

  /* an unknown user still gets a server-first of the same shape */
  reset_ops ();
  fk.seed = 18;
  x = sasl_new ("SCRAM-SHA-256", &ops);
  CHECK_INTEQ (step (x, "n,,n=nobody,r=abc"), SASL_CONTINUE);
  CHECK (!strncmp (out_str (), "r=abc", 5) && out.len == 5 + 32 + 3 + 24 + 7);
  CHECK (strstr (out_str (), ",i=4096") != NULL);
  CHECK_STREQ (sasl_user (x), "nobody");
  sasl_free (x);

  /* client-first errors */
#define FIRST(msg, want) CHECK_INTEQ (run ("SCRAM-SHA-256", msg, NULL), want)
  fk.calls = 0;
  FIRST ("p=tls-unique,,n=alice,r=x", SASL_FAIL);
  FIRST ("n,a=root,n=alice,r=x", SASL_FAIL);
  CHECK_INTEQ (fk.calls, 0);
  FIRST ("n,,m=ext,n=alice,r=x", SASL_MALFORMED);
  FIRST ("", SASL_MALFORMED);
  FIRST ("n", SASL_MALFORMED);
  FIRST ("n,", SASL_MALFORMED);
  FIRST ("n,,", SASL_MALFORMED);
  FIRST ("x,,n=alice,r=x", SASL_MALFORMED);
  FIRST ("N,,n=alice,r=x", SASL_MALFORMED);
  FIRST ("p,,n=alice,r=x", SASL_MALFORMED);
  FIRST ("p=,,n=alice,r=x", SASL_MALFORMED);
  FIRST ("p=a b,,n=alice,r=x", SASL_MALFORMED);
  FIRST ("n,b=x,n=alice,r=x", SASL_MALFORMED);
  FIRST ("n,a=,n=alice,r=x", SASL_MALFORMED);
  FIRST ("n,a=alice,,n=alice,r=x", SASL_MALFORMED);
  FIRST ("n,,n=alice", SASL_MALFORMED);
  FIRST ("n,,n=alice,", SASL_MALFORMED);
  FIRST ("n,,n=alice,r=", SASL_MALFORMED);
  FIRST ("n,,n=alice,r=x,", SASL_MALFORMED);
  FIRST ("n,,r=x,n=alice", SASL_MALFORMED);
  FIRST ("n,,n=,r=x", SASL_MALFORMED);
  FIRST ("n,,n=al=ice,r=x", SASL_MALFORMED);
  FIRST ("n,,n=al=2Xice,r=x", SASL_MALFORMED);
  FIRST ("n,,n=alice=,r=x", SASL_MALFORMED);
  FIRST ("n,,n=alice=3,r=x", SASL_MALFORMED);
  FIRST ("n,,n=\xff\xfe,r=x", SASL_MALFORMED);
  FIRST ("n,,n=alice,r=a b", SASL_MALFORMED);
  FIRST ("n,,n=alice,r=\x7f", SASL_MALFORMED);
  FIRST ("n,,n=alice,r=\xc3\xa9", SASL_MALFORMED);
  FIRST ("n,,n=alice,r=x,1=y", SASL_MALFORMED);
  FIRST ("n,,n=alice,r=x,y", SASL_MALFORMED);
  FIRST ("n,,n=alice,r=x,y=", SASL_MALFORMED);
  FIRST ("n,,n=alice,r=x,,", SASL_MALFORMED);
  FIRST ("n,,N=alice,r=x", SASL_MALFORMED);
  FIRST (" n,,n=alice,r=x", SASL_MALFORMED);
  CHECK_INTEQ (fk.calls, 0);
  FIRST ("n,,n=broken,r=x", SASL_ERROR);
#undef FIRST
  x = sasl_new ("SCRAM-SHA-256", &ops);
  CHECK_INTEQ (step (x, "n,,n=broken,r=x"), SASL_ERROR);
  CHECK_STREQ (err, "test: the secrets file is unreadable");
  sasl_free (x);
  x = sasl_new ("SCRAM-SHA-256", &ops);
  CHECK_INTEQ (step_bytes (x, "n,,n=al\0ice,r=x", 15), SASL_MALFORMED);
  sasl_free (x);
  x = sasl_new ("SCRAM-SHA-256", &ops);
  CHECK_INTEQ (step (x, "p=tls-unique,,n=alice,r=x"), SASL_FAIL);
  CHECK (err && strstr (err, "channel binding"));
  CHECK_STREQ (sasl_user (x), "alice");
  sasl_free (x);

  /* client-final errors, on RFC 7677's exchange */
  scram_final_expect (rfc_final, SASL_OK);
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ",
		      SASL_MALFORMED);	/* no padding */
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVg=",
		      SASL_FAIL);	/* another proof */
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7And",
		      SASL_MALFORMED);	/* truncated */
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7An==",
		      SASL_MALFORMED);	/* 31 bytes */
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=AAAA",
		      SASL_MALFORMED);	/* 33 bytes, padding inside */
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,p=dHzbZapWIk4jUhN!Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		      SASL_MALFORMED);	/* bad base64 */
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,p=", SASL_MALFORMED);
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0", SASL_MALFORMED);	/* no proof */
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,", SASL_MALFORMED);
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,"
		      "x=late", SASL_MALFORMED);	/* p= not last */
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,x=ext,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7"
		      "AndVQ=", SASL_FAIL);	/* the proof covers the ext */
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,x,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7"
		      "AndVQ=", SASL_MALFORMED);
  scram_final_expect ("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		      "c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		      SASL_MALFORMED);	/* wrong order */
  scram_final_expect ("c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		      SASL_MALFORMED);	/* no r= */
  scram_final_expect ("c=,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		      SASL_MALFORMED);	/* empty c= */
  scram_final_expect ("c=biw,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		      SASL_MALFORMED);	/* bad base64 in c= */
  scram_final_expect ("c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		      SASL_FAIL);	/* "y,," is not what was sent */
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO,"
		      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		      SASL_FAIL);	/* the client's nonce only */
  scram_final_expect ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0x,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		      SASL_FAIL);	/* a longer one */
  scram_final_expect ("", SASL_MALFORMED);
  scram_final_expect ("c=biws", SASL_MALFORMED);
  x = scram_rfc ();
  CHECK_INTEQ (step_bytes (x, rfc_final, sizeof rfc_final), SASL_MALFORMED);
  sasl_free (x);		/* (the NUL at the end) */
  buf_free (&b);
}

/* ------------------------------------------------------------- EXTERNAL */

static void
test_external (void)
{
  struct sasl_exchange *x;
  reset_ops ();
  ops.peer_identity = "alice@example.org";
  x = sasl_new ("EXTERNAL", &ops);
  CHECK_INTEQ (step (x, NULL), SASL_CONTINUE);
  CHECK (out_is (""));
  CHECK_INTEQ (step (x, ""), SASL_OK);
  CHECK_STREQ (got.user, "alice");
  CHECK_STREQ (sasl_user (x), "alice@example.org");
  CHECK_STREQ (buf_cstr (&fk.last_user), "alice@example.org");
  login_account_free (&got);
  CHECK_INTEQ (step (x, ""), SASL_MALFORMED);
  sasl_free (x);

  CHECK_INTEQ (run ("EXTERNAL", "", NULL), SASL_OK);
  CHECK_INTEQ (run ("EXTERNAL", "alice@example.org", NULL), SASL_OK);
  fk.calls = 0;
  x = sasl_new ("EXTERNAL", &ops);
  CHECK_INTEQ (step (x, "root"), SASL_FAIL);
  CHECK (err && strstr (err, "proxy"));
  CHECK_STREQ (sasl_user (x), "root");
  sasl_free (x);
  CHECK_INTEQ (run ("EXTERNAL", "alice@example.or", NULL), SASL_FAIL);
  CHECK_INTEQ (run ("EXTERNAL", "alice@example.org ", NULL), SASL_FAIL);
  CHECK_INTEQ (fk.calls, 0);
  x = sasl_new ("EXTERNAL", &ops);
  CHECK_INTEQ (step_bytes (x, "alice@example.org\0", 18), SASL_MALFORMED);
  sasl_free (x);
  CHECK_INTEQ (run ("EXTERNAL", "\xc3", NULL), SASL_MALFORMED);

  /* a certificate whose identity has no account; a broken backend */
  ops.peer_identity = "bob@example.org";
  CHECK_INTEQ (run ("EXTERNAL", "", NULL), SASL_FAIL);
  ops.peer_identity = "broken@example.org";
  x = sasl_new ("EXTERNAL", &ops);
  CHECK_INTEQ (step (x, ""), SASL_ERROR);
  CHECK_STREQ (err, "test: no account database");
  sasl_free (x);

  /* no certificate */
  ops.peer_identity = NULL;
  fk.calls = 0;
  x = sasl_new ("EXTERNAL", &ops);
  CHECK_INTEQ (step (x, NULL), SASL_CONTINUE);
  CHECK_INTEQ (step (x, ""), SASL_FAIL);
  CHECK_STREQ (err, "no client certificate");
  CHECK (got.user == NULL);
  sasl_free (x);
  x = sasl_new ("EXTERNAL", &ops);
  CHECK_INTEQ (step (x, "alice@example.org"), SASL_FAIL);
  CHECK_STREQ (err, "no client certificate");
  CHECK_STREQ (sasl_user (x), "alice@example.org");
  sasl_free (x);
  CHECK_INTEQ (fk.calls, 0);
}

/* ------------------------------------------------------------ ANONYMOUS */

static void
test_anonymous (void)
{
  struct sasl_exchange *x;
  struct buf t = BUF_INIT;
  int i;
  reset_ops ();
  x = sasl_new ("ANONYMOUS", &ops);
  CHECK_INTEQ (step (x, "sirhc"), SASL_OK);
  CHECK_STREQ (sasl_user (x), "sirhc");
  CHECK_INTEQ (sasl_anonymous (x), 1);
  CHECK (got.user == NULL && got.home == NULL);
  CHECK (got.uid == (uid_t) -1 && got.gid == (gid_t) -1);
  CHECK_INTEQ (step (x, "again"), SASL_MALFORMED);
  CHECK_INTEQ (sasl_anonymous (x), 1);
  sasl_free (x);
  x = sasl_new ("ANONYMOUS", &ops);
  CHECK_INTEQ (step (x, NULL), SASL_CONTINUE);
  CHECK (out_is (""));
  CHECK_INTEQ (sasl_anonymous (x), 0);
  CHECK_INTEQ (step (x, ""), SASL_OK);
  CHECK_STREQ (sasl_user (x), "");
  CHECK_INTEQ (sasl_anonymous (x), 1);
  sasl_free (x);
  CHECK_INTEQ (run ("ANONYMOUS", "abuse@example.org", NULL), SASL_OK);
  CHECK_INTEQ (run ("ANONYMOUS", "J\xc3\xbcrgen M\xc3\xbcller", NULL),
	       SASL_OK);
  CHECK_INTEQ (fk.calls, 0);
  /* 255 characters (two bytes each) fit; 256 do not */
  for (i = 0; i < LIM_SASL_TRACE; i++)
    buf_puts (&t, "\xc3\xa9");
  CHECK_INTEQ (run ("ANONYMOUS", buf_cstr (&t), NULL), SASL_OK);
  buf_putc (&t, 'x');
  CHECK_INTEQ (run ("ANONYMOUS", buf_cstr (&t), NULL), SASL_MALFORMED);
  buf_free (&t);
  CHECK_INTEQ (run ("ANONYMOUS", "tab\there", NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("ANONYMOUS", "del\x7f", NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("ANONYMOUS", "c1\xc2\x85", NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("ANONYMOUS", "\xe2\x80\xae" "rtl", NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("ANONYMOUS", "\xef\xbf\xbe", NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("ANONYMOUS", "\xee\x80\x80", NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("ANONYMOUS", "\xc3", NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("ANONYMOUS", "\xc0\xaf", NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("ANONYMOUS", "\xed\xa0\x80", NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("ANONYMOUS", "\xf4\x90\x80\x80", NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("ANONYMOUS", "@", NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("ANONYMOUS", "@example.org", NULL), SASL_MALFORMED);
  CHECK_INTEQ (run ("ANONYMOUS", "abuse@", NULL), SASL_MALFORMED);
  x = sasl_new ("ANONYMOUS", &ops);
  CHECK_INTEQ (step_bytes (x, "nul\0", 4), SASL_MALFORMED);
  CHECK_INTEQ (sasl_anonymous (x), 0);
  sasl_free (x);
}

/* ---------------------------------------------------- every mechanism */

/* Too big for each; then pseudo-random bytes at every step never give
 * anything but a status (and LeakSanitizer, under make check-asan,
 * checks the frees) */
static void
test_any (void)
{
  static const char *const mechs[] = {
    "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256", "EXTERNAL", "ANONYMOUS"
  };
  unsigned char junk[64];
  unsigned long seed = 12345;
  size_t m, i, k;
  int bad = 0;
  struct buf huge = BUF_INIT;
  reset_ops ();
  ops.peer_identity = "alice@example.org";
  for (i = 0; i <= LIM_SASL_RESPONSE; i++)
    buf_putc (&huge, 'a');
  for (m = 0; m < sizeof mechs / sizeof *mechs; m++) {
    struct sasl_exchange *x = sasl_new (mechs[m], &ops);
    step (x, NULL);		/* CRAM-MD5 needs its challenge first */
    if (!CHECK_INTEQ (step_bytes (x, huge.data, huge.len), SASL_MALFORMED))
      printf ("  mechanism %s\n", mechs[m]);
    CHECK (err != NULL);
    sasl_free (x);
  }
  buf_free (&huge);
  for (k = 0; k < 3000; k++) {
    struct sasl_exchange *x = sasl_new (mechs[k % 6], &ops);
    enum sasl_status st = SASL_CONTINUE;
    int steps = 0;
    if (k % 12 >= 6)		/* no initial response */
      st = step (x, NULL);
    while (st == SASL_CONTINUE && steps++ < 5) {
      size_t len = (seed >> 8) % sizeof junk;
      for (i = 0; i < len; i++) {
	seed = seed * 1103515245 + 12345;
	junk[i] = (unsigned char) (seed >> 16);
	if (junk[i] & 1)	/* mostly text, to get past the first checks */
	  junk[i] = "n,=aAr0p c"[junk[i] % 10];
      }
      seed = seed * 1103515245 + 12345;
      st = step_bytes (x, junk, len);
      if (st < SASL_ERROR || st > SASL_CONTINUE
	  || (st != SASL_CONTINUE && st != SASL_OK && !err))
	bad++;
      login_account_free (&got);
    }
    sasl_free (x);
  }
  CHECK_INTEQ (bad, 0);
}

int
main (void)
{
  reset_ops ();
  test_base64 ();
  test_new ();
  test_plain ();
  test_login ();
  test_cram ();
  test_scram ();
  test_external ();
  test_anonymous ();
  test_any ();
  buf_free (&out);
  buf_free (&fk.last_user);
  buf_free (&fk.last_pass);
  return unit_done ();
}

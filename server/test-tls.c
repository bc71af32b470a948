/*
 * test-tls.c - server/tls.c: finding the certificate and key (UW's
 * names), real handshakes with a forked OpenSSL client over a socketpair
 * (one fd or two) and over two pipes, data both ways through client.c
 * (lines and transfers of more than 1 MB), the protocol and cipher policy,
 * SNI, client certificates, the STARTTLS injection rule, clients that
 * stall or send garbage, and the implicit-TLS rules.
 *
 * Keys and certificates are made at run time with the openssl CLI.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "unit.h"
#include "test-fs.h"
#include "server.h"
#include "linkage.h"

#define BIG (1536 * 1024)	/* bytes of each large transfer */

static char topdir[] = "/tmp/test-tls.XXXXXX";
static char *certs, *keys;	/* the named-search directories */

static char *path_in (const char *name)
{
  return test_path (topdir, name);
}

static void run (const char *fmt, ...) BAMBOO_PRINTF (1, 2);
static void run (const char *fmt, ...)
{
  struct buf cmd = BUF_INIT;
  va_list ap;
  va_start (ap, fmt);
  buf_printf (&cmd, "(cd %s && ", topdir);
  buf_vprintf (&cmd, fmt, ap);
  va_end (ap);
  buf_puts (&cmd, ") >/dev/null 2>&1");
  if (system (buf_cstr (&cmd))) {
    printf ("setup failed: %s\n", buf_cstr (&cmd));
    exit (1);
  }
  buf_free (&cmd);
}

static void write_file (const char *path, const char *text)
{
  test_write_file (path, text, 0644);
}

#define EC "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"

/* A self-signed certificate name.pem with its key in name.key */
static void self_signed (const char *name, const char *subject,
			 const char *newkey)
{
  run ("openssl req -x509 %s -days 2 -subj '%s' -keyout %s.key -out %s.pem",
       newkey, subject, name, name);
}

static void setup (void)
{
  if (!mkdtemp (topdir)) {
    perror ("mkdtemp");
    exit (1);
  }
  certs = path_in ("certs");
  keys = path_in ("private");
  run ("mkdir certs private");
  self_signed ("server", "/CN=localhost", EC);
  self_signed ("vhost", "/CN=vhost.example.org", EC);
  self_signed ("pop", "/CN=pop.example.org", EC);
  self_signed ("other", "/CN=other", EC);
  self_signed ("rsa", "/CN=rsa.example.org", "-newkey rsa:2048 -nodes");
  /* imapd: certificate and key apart; the per-IP one holds both */
  run ("cp server.pem certs/imapd.pem && cp server.key private/imapd.pem");
  run ("cat vhost.pem vhost.key > certs/imapd-127.0.0.1.pem");
  run ("cat vhost.pem vhost.key > 'certs/imapd-::1.pem'");
  /* ipop3d: key inside the certificate file */
  run ("cat pop.pem pop.key > certs/ipop3d.pem");
  /* a key that belongs to another certificate */
  run ("cp server.pem certs/mismatch.pem && cp other.key private/mismatch.pem");
  /* a certificate file without a key anywhere */
  run ("cp server.pem certs/nokey.pem");
  {
    char *junk = path_in ("certs/junk.pem");
    write_file (junk, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
		"-----END CERTIFICATE-----\n");
    fs_give ((void **) &junk);
  }
  /* a CA, a client certificate with an emailAddress and one with a CN
   * only, both from the CA; mallory's is self-signed */
  self_signed ("ca", "/CN=Test CA", EC);
  run ("openssl req -new " EC " -subj '/CN=Alice Client/emailAddress="
       "alice@example.org' -keyout alice.key -out alice.csr");
  run ("openssl x509 -req -in alice.csr -CA ca.pem -CAkey ca.key "
       "-set_serial 2 -days 2 -out alice.pem");
  run ("openssl req -new " EC " -subj '/CN=bob' -keyout bob.key -out bob.csr");
  run ("openssl x509 -req -in bob.csr -CA ca.pem -CAkey ca.key "
       "-set_serial 3 -days 2 -out bob.pem");
  self_signed ("mallory", "/CN=mallory/emailAddress=alice@example.org", EC);
}

/* ------------------------------------------------------------ naming */

/* The files found and loaded: what a server needs before it answers
 * STARTTLS.  tls_server_new only finds them (the load is lazy). */
static struct server_tls *strict_new (const struct tls_options *o,
				      const char *program, const char *ip,
				      const char **err)
{
  struct server_tls *t = tls_server_new (o, program, ip, err);
  if (t && tls_server_ready (t, err)) {
    tls_server_free (t);
    return NULL;
  }
  return t;
}

/* The load is lazy: an unusable file is found, and fails when loaded,
 * the same way each time. */
static void test_lazy_load (void)
{
  struct tls_options o = { .cert_dir = certs, .key_dir = keys };
  const char *err = NULL, *err2 = NULL;
  char *p = path_in ("lazy.pem");
  struct server_tls *t;
  FILE *f = fopen (p, "w");
  CHECK (f != NULL);
  if (f) {
    fputs ("-----BEGIN CERTIFICATE-----\nnot base64\n"
	   "-----END CERTIFICATE-----\n", f);
    fclose (f);
  }
  o.cert_file = p;
  o.key_file = p;
  t = tls_server_new (&o, "imapd", NULL, &err);
  CHECK (t != NULL && err == NULL);
  CHECK (tls_server_ready (t, &err) == -1 && err && strstr (err, p));
  CHECK (tls_server_ready (t, &err2) == -1 && err2 && !strcmp (err, err2));
  tls_server_free (t);
  CHECK (tls_server_ready (NULL, &err) == -1 && err);
  unlink (p);
  fs_give ((void **) &p);
}

static struct server_tls *named (const char *program, const char *ip,
				 const char **err)
{
  struct tls_options o = { .cert_dir = certs, .key_dir = keys };
  return strict_new (&o, program, ip, err);
}

static int ends_with (const char *s, const char *tail)
{
  size_t a = s ? strlen (s) : 0, b = strlen (tail);
  return s && a >= b && !strcmp (s + a - b, tail);
}

static void test_naming (void)
{
  const char *err = NULL;
  struct server_tls *t;
  struct tls_options o = { 0 };
  char *p, *k;

  printf ("# certificate names\n");
  /* the per-IP file wins over program.pem (key inside it) */
  t = named ("imapd", "127.0.0.1", &err);
  if (!CHECK (t != NULL)) printf ("  error: %s\n", err);
  CHECK (ends_with (tls_server_cert_path (t), "/certs/imapd-127.0.0.1.pem"));
  tls_server_free (t);
  /* IPv6 text as it is */
  t = named ("imapd", "::1", &err);
  CHECK (t != NULL);
  CHECK (ends_with (tls_server_cert_path (t), "/certs/imapd-::1.pem"));
  tls_server_free (t);
  /* no per-IP file, or no address known: program.pem, key in key_dir */
  t = named ("imapd", "10.9.8.7", &err);
  CHECK (t != NULL);
  CHECK (ends_with (tls_server_cert_path (t), "/certs/imapd.pem"));
  tls_server_free (t);
  t = named ("imapd", NULL, &err);
  CHECK (t != NULL);
  CHECK (ends_with (tls_server_cert_path (t), "/certs/imapd.pem"));
  tls_server_free (t);
  /* the key in the certificate file */
  t = named ("ipop3d", "127.0.0.1", &err);
  CHECK (t != NULL);
  CHECK (ends_with (tls_server_cert_path (t), "/certs/ipop3d.pem"));
  tls_server_free (t);
  /* no certificate: NULL, and the message names what was tried */
  err = NULL;
  t = named ("simapd", "127.0.0.1", &err);
  CHECK (t == NULL);
  CHECK (err && strstr (err, "/certs/simapd-127.0.0.1.pem"));
  CHECK (err && strstr (err, "/certs/simapd.pem"));
  /* a key of another certificate */
  err = NULL;
  t = named ("mismatch", NULL, &err);
  CHECK (t == NULL);
  CHECK (err && strstr (err, "/private/mismatch.pem"));
  CHECK (err && strstr (err, "/certs/mismatch.pem"));
  /* no key anywhere */
  err = NULL;
  t = named ("nokey", NULL, &err);
  CHECK (t == NULL);
  CHECK (err && strstr (err, "key") && strstr (err, "/certs/nokey.pem"));
  /* garbage: the OpenSSL reason comes along */
  err = NULL;
  t = named ("junk", NULL, &err);
  CHECK (t == NULL);
  CHECK (err && strstr (err, "/certs/junk.pem") && strstr (err, "error:"));
  /* the error queue was left empty */
  CHECK_INTEQ (ERR_peek_error (), 0);
  /* no program name, or one that is a path */
  err = NULL;
  CHECK (named (NULL, NULL, &err) == NULL && err);
  err = NULL;
  CHECK (named ("../imapd", NULL, &err) == NULL && err);
  /* a local address that would be a path is not looked up */
  t = named ("imapd", "../certs/imapd-127.0.0.1", &err);
  CHECK (t && ends_with (tls_server_cert_path (t), "/certs/imapd.pem"));
  tls_server_free (t);

  /* --tls-cert and --tls-key name the files */
  p = path_in ("rsa.pem");
  k = path_in ("rsa.key");
  o.cert_file = p;
  o.key_file = k;
  t = strict_new (&o, "imapd", "127.0.0.1", &err);
  CHECK (t != NULL);
  CHECK_STREQ (tls_server_cert_path (t), p);
  tls_server_free (t);
  /* --tls-cert alone: the key must be in it */
  o.key_file = NULL;
  err = NULL;
  CHECK (strict_new (&o, "imapd", NULL, &err) == NULL);
  CHECK (err && strstr (err, p));
  fs_give ((void **) &p);
  p = path_in ("certs/ipop3d.pem");
  o.cert_file = p;
  t = strict_new (&o, "imapd", NULL, &err);
  CHECK (t != NULL);
  tls_server_free (t);
  /* a named certificate with --tls-key */
  o.cert_file = NULL;
  o.cert_dir = certs;
  o.key_dir = keys;
  o.key_file = k;
  err = NULL;
  CHECK (strict_new (&o, "imapd", NULL, &err) == NULL);
  CHECK (err && strstr (err, k));
  fs_give ((void **) &p);
  fs_give ((void **) &k);
  /* a missing --tls-cert */
  o.cert_file = "/nonexistent/cert.pem";
  o.key_file = NULL;
  err = NULL;
  CHECK (strict_new (&o, "imapd", NULL, &err) == NULL);
  CHECK (err && strstr (err, "/nonexistent/cert.pem"));
  /* a bad cipher list, a missing client CA */
  o.cert_file = NULL;
  o.ciphers = "NO-SUCH-CIPHER";
  err = NULL;
  CHECK (strict_new (&o, "imapd", NULL, &err) == NULL);
  CHECK (err && strstr (err, "NO-SUCH-CIPHER"));
  o.ciphers = NULL;
  o.client_ca = "/nonexistent/ca.pem";
  err = NULL;
  CHECK (strict_new (&o, "imapd", NULL, &err) == NULL);
  CHECK (err && strstr (err, "/nonexistent/ca.pem"));
  /* the defaults are /etc/ssl/certs and /etc/ssl/private */
  err = NULL;
  CHECK (strict_new (&(struct tls_options) { 0 },
			 "no-such-bamboo-test-program", NULL, &err) == NULL);
  CHECK (err && strstr (err,
			"/etc/ssl/certs/no-such-bamboo-test-program.pem"));
}

/* ------------------------------------------------------------ the peer */

/* What the forked client does */
struct peer {
  const char *cert, *key;	/* its certificate (in topdir) */
  const char *sni;
  int max_version;		/* TLS1_1_VERSION...; 0: any */
  const char *ciphers;		/* its TLS 1.2 list */
  const char *verify;		/* the server certificate it trusts */
  /* plaintext first (and then the handshake, if it returns 0) */
  int (*before) (int rfd, int wfd);
  int no_handshake;		/* before() is all it does */
  int (*talk) (SSL *ssl);	/* after the handshake */
};

enum transport { PIPES, SOCKET, SOCKET_TWO_FDS };

struct conn {
  struct client *c;
  int in, out;			/* the server's fds */
  pid_t pid;
};

static int peer_main (const struct peer *p, int rfd, int wfd)
{
  SSL_CTX *ctx;
  SSL *ssl;
  int r;
  if (p->before && (r = p->before (rfd, wfd))) return r;
  if (p->no_handshake) return 0;
  ctx = SSL_CTX_new (TLS_client_method ());
  if (p->max_version) {
    SSL_CTX_set_max_proto_version (ctx, p->max_version);
    if (p->max_version < TLS1_2_VERSION) {
      /* OpenSSL 3 needs level 0 to speak TLS 1.1 at all */
      SSL_CTX_set_security_level (ctx, 0);
      SSL_CTX_set_cipher_list (ctx, "ALL:@SECLEVEL=0");
    }
  }
  if (p->ciphers && !SSL_CTX_set_cipher_list (ctx, p->ciphers)) return 20;
  if (p->cert) {
    char *c = path_in (p->cert), *k = path_in (p->key);
    r = SSL_CTX_use_certificate_file (ctx, c, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_use_PrivateKey_file (ctx, k, SSL_FILETYPE_PEM) != 1;
    fs_give ((void **) &c);
    fs_give ((void **) &k);
    if (r) return 21;
  }
  if (p->verify) {
    char *v = path_in (p->verify);
    r = SSL_CTX_load_verify_locations (ctx, v, NULL) != 1;
    fs_give ((void **) &v);
    if (r) return 22;
    SSL_CTX_set_verify (ctx, SSL_VERIFY_PEER, NULL);
  }
  ssl = SSL_new (ctx);
  SSL_set_rfd (ssl, rfd);
  SSL_set_wfd (ssl, wfd);
  if (p->sni) SSL_set_tlsext_host_name (ssl, p->sni);
  if (SSL_connect (ssl) != 1) return 10;
  return p->talk ? p->talk (ssl) : 0;
}

static void conn_open (struct conn *k, enum transport tr, const struct peer *p)
{
  int srv_in, srv_out, cl_in, cl_out;
  fflush (stdout);
  if (tr == PIPES) {
    int to_srv[2], to_cl[2];
    if (pipe (to_srv) || pipe (to_cl)) {
      perror ("pipe");
      exit (1);
    }
    srv_in = to_srv[0];
    cl_out = to_srv[1];
    cl_in = to_cl[0];
    srv_out = to_cl[1];
  }
  else {
    int sv[2];
    if (socketpair (AF_UNIX, SOCK_STREAM, 0, sv)) {
      perror ("socketpair");
      exit (1);
    }
    srv_in = sv[0];
    srv_out = tr == SOCKET ? sv[0] : dup (sv[0]);
    cl_in = cl_out = sv[1];
  }
  k->pid = fork ();
  if (k->pid < 0) {
    perror ("fork");
    exit (1);
  }
  if (!k->pid) {
    close (srv_in);
    if (srv_out != srv_in) close (srv_out);
    alarm (30);			/* a test that hangs ends anyway */
    _exit (peer_main (p, cl_in, cl_out));
  }
  close (cl_in);
  if (cl_out != cl_in) close (cl_out);
  k->in = srv_in;
  k->out = srv_out;
  k->c = client_new (srv_in, srv_out);
}

/* The client's exit status (-1 when it died of a signal) */
static int conn_close (struct conn *k)
{
  int status;
  client_free (k->c);
  close (k->in);
  if (k->out != k->in) close (k->out);
  if (waitpid (k->pid, &status, 0) != k->pid) return -2;
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* ----------------------------------------------------- peer helpers */

static int ssl_write_all (SSL *ssl, const void *data, size_t len)
{
  size_t done = 0;
  while (done < len) {
    size_t n = len - done > 100000 ? 100000 : len - done;
    int r = SSL_write (ssl, (const char *) data + done, (int) n);
    if (r <= 0) return -1;
    done += (size_t) r;
  }
  return 0;
}

static int ssl_puts (SSL *ssl, const char *s)
{
  return ssl_write_all (ssl, s, strlen (s));
}

/* One line through its LF into line (NUL-terminated); -1 on EOF/error */
static int ssl_line (SSL *ssl, char *line, size_t size)
{
  size_t n = 0;
  while (n + 1 < size) {
    if (SSL_read (ssl, line + n, 1) != 1) return -1;
    if (line[n++] == '\n') break;
  }
  line[n] = '\0';
  return 0;
}

/* 0 after the server's close_notify (nothing else may come) */
static int ssl_expect_close (SSL *ssl)
{
  char c;
  int r = SSL_read (ssl, &c, 1);
  return r == 0 && SSL_get_error (ssl, r) == SSL_ERROR_ZERO_RETURN ? 0 : 1;
}

static unsigned char pattern (size_t i, int seed)
{
  return (unsigned char) ((i * 31 + i / 4093 + (size_t) seed) % 251);
}

/* Lines, then BIG bytes each way, then the close */
static int talk_echo (SSL *ssl)
{
  char line[256];
  unsigned char *big = malloc (BIG);
  size_t got = 0, i;
  if (ssl_puts (ssl, "a1 HELLO there\r\n") || ssl_line (ssl, line, sizeof line))
    return 1;
  if (strcmp (line, "* echo a1 HELLO there\r\n")) return 2;
  /* several commands in one record */
  if (ssl_puts (ssl, "a2 ONE\r\na3 TWO\r\n") ||
      ssl_line (ssl, line, sizeof line) || strcmp (line, "* echo a2 ONE\r\n") ||
      ssl_line (ssl, line, sizeof line) || strcmp (line, "* echo a3 TWO\r\n"))
    return 3;
  /* the server's BIG bytes */
  while (got < BIG) {
    int r = SSL_read (ssl, big + got, (int) (BIG - got));
    if (r <= 0) return 4;
    got += (size_t) r;
  }
  for (i = 0; i < BIG; i++)
    if (big[i] != pattern (i, 1)) return 5;
  /* ours */
  for (i = 0; i < BIG; i++)
    big[i] = pattern (i, 2);
  if (ssl_write_all (ssl, big, BIG)) return 6;
  free (big);
  if (ssl_line (ssl, line, sizeof line) || strcmp (line, "* bye\r\n"))
    return 7;
  return ssl_expect_close (ssl) ? 8 : 0;
}

/* The server's half of talk_echo */
static void serve_echo (struct conn *k)
{
  struct buf line = BUF_INIT, b = BUF_INIT;
  const char *err;
  unsigned char *big = fs_get (BIG);
  size_t i, bad = 0;
  int n;
  for (n = 0; n < 3; n++) {
    CHECK_INTEQ (client_read_line (k->c, &line, 1000, 10000, &err),
		 CLIENT_COMMAND);
    client_printf (k->c, "* echo %s\r\n", buf_cstr (&line));
  }
  for (i = 0; i < BIG; i++)
    big[i] = pattern (i, 1);
  client_write (k->c, big, BIG);
  CHECK_INTEQ (client_flush (k->c), 0);
  CHECK_INTEQ (client_read_bytes (k->c, &b, BIG, 10000), 1);
  CHECK_INTEQ (b.len, BIG);
  for (i = 0; i < b.len && i < BIG; i++)
    bad += (unsigned char) b.data[i] != pattern (i, 2);
  CHECK_INTEQ (bad, 0);
  client_puts (k->c, "* bye\r\n");
  CHECK_INTEQ (client_flush (k->c), 0);
  CHECK (!client_failed (k->c));
  fs_give ((void **) &big);
  buf_free (&line);
  buf_free (&b);
}

static struct server_tls *server (const char *client_ca, const char *ciphers)
{
  char *cert = path_in ("server.pem"), *key = path_in ("server.key");
  char *ca = client_ca ? path_in (client_ca) : NULL;
  struct tls_options o = { .cert_file = cert, .key_file = key,
    .client_ca = ca, .ciphers = ciphers };
  const char *err = NULL;
  struct server_tls *t = strict_new (&o, "imapd", NULL, &err);
  if (!t) {
    printf ("cannot make the test server: %s\n", err);
    exit (1);
  }
  fs_give ((void **) &cert);
  fs_give ((void **) &key);
  if (ca) fs_give ((void **) &ca);
  return t;
}

/* ------------------------------------------------------- handshakes */

static void test_echo (struct server_tls *t, enum transport tr,
		       const char *what)
{
  struct peer p = { .verify = "server.pem", .talk = talk_echo };
  struct conn k;
  const char *err = NULL;
  printf ("# handshake and data over %s\n", what);
  conn_open (&k, tr, &p);
  CHECK_INTEQ (tls_start (NULL, k.c, 10000, &err), -1);
  CHECK (err != NULL);
  CHECK (!tls_active (k.c));
  CHECK (tls_description (k.c) == NULL);
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), 0);
  CHECK (err == NULL);
  CHECK (tls_active (k.c));
  CHECK (tls_description (k.c) && !strncmp (tls_description (k.c),
					    "TLSv1.3 TLS_", 12));
  CHECK (tls_sni (k.c) == NULL);
  CHECK (tls_peer_identity (k.c) == NULL);
  /* a second start changes nothing */
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), -1);
  CHECK (err && strstr (err, "already"));
  CHECK (tls_active (k.c));
  serve_echo (&k);
  CHECK_INTEQ (conn_close (&k), 0);
}

/* RSA certificate, TLS 1.2: an ECDHE-RSA AEAD suite */
static void test_rsa_tls12 (void)
{
  char *cert = path_in ("rsa.pem"), *key = path_in ("rsa.key");
  struct tls_options o = { .cert_file = cert, .key_file = key };
  const char *err = NULL;
  struct server_tls *t = strict_new (&o, "ipop3d", NULL, &err);
  struct peer p = { .verify = "rsa.pem", .max_version = TLS1_2_VERSION,
    .talk = talk_echo };
  struct conn k;
  printf ("# RSA and TLS 1.2\n");
  CHECK (t != NULL);
  if (!t) return;
  conn_open (&k, SOCKET, &p);
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), 0);
  CHECK (tls_description (k.c) &&
	 !strncmp (tls_description (k.c), "TLSv1.2 ECDHE-RSA-", 18));
  serve_echo (&k);
  CHECK_INTEQ (conn_close (&k), 0);
  tls_server_free (t);
  fs_give ((void **) &cert);
  fs_give ((void **) &key);
}

/* One handshake that must fail on the server (and so on the client) */
static void refused (struct server_tls *t, const struct peer *p,
		     const char *reason)
{
  struct conn k;
  const char *err = NULL;
  conn_open (&k, SOCKET, p);
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), -1);
  CHECK (err && strstr (err, reason));
  if (err && !strstr (err, reason)) printf ("  error: %s\n", err);
  CHECK (!tls_active (k.c));
  CHECK_INTEQ (conn_close (&k), 10);
}

/* The description after a handshake with p, and its client's status */
static void described (struct server_tls *t, const struct peer *p,
		       const char *want)
{
  struct conn k;
  const char *err = NULL;
  conn_open (&k, PIPES, p);
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), 0);
  CHECK_STREQ (tls_description (k.c), want);
  CHECK_INTEQ (conn_close (&k), 0);
}

static void test_policy (struct server_tls *t)
{
  struct peer p = { .max_version = TLS1_1_VERSION };
  struct server_tls *cbc;
  printf ("# protocol and cipher policy\n");
  refused (t, &p, "unsupported protocol");
  p.max_version = TLS1_VERSION;
  refused (t, &p, "unsupported protocol");
  /* TLS 1.2 without forward secrecy or AEAD: no shared cipher */
  p.max_version = TLS1_2_VERSION;
  p.ciphers = "ECDHE-ECDSA-AES128-SHA256";
  refused (t, &p, "no shared cipher");
  p.ciphers = "AES128-GCM-SHA256";
  refused (t, &p, "no shared cipher");
  /* ...unless --tls-ciphers says so */
  cbc = server (NULL, "ECDHE-ECDSA-AES128-SHA256");
  p.ciphers = "ECDHE-ECDSA-AES128-SHA256";
  described (cbc, &p, "TLSv1.2 ECDHE-ECDSA-AES128-SHA256");
  tls_server_free (cbc);
  /* the server's order wins over the client's */
  p.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384";
  described (t, &p, "TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384");
  p.ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305";
  described (t, &p, "TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305");
}

static void test_sni (struct server_tls *t)
{
  struct peer p = { .sni = "mail.example.org", .verify = "server.pem" };
  struct conn k;
  const char *err = NULL;
  printf ("# SNI\n");
  conn_open (&k, SOCKET, &p);
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), 0);
  CHECK_STREQ (tls_sni (k.c), "mail.example.org");
  CHECK_INTEQ (conn_close (&k), 0);
  /* any name: the one certificate, never a refusal */
  p.sni = "unknown.example.net";
  p.max_version = TLS1_2_VERSION;
  conn_open (&k, PIPES, &p);
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), 0);
  CHECK_STREQ (tls_sni (k.c), "unknown.example.net");
  CHECK_INTEQ (conn_close (&k), 0);
}

/* The identity the server sees for the client certificate cert */
static void identity (struct server_tls *t, const char *cert,
		      const char *key, const char *want)
{
  struct peer p = { .cert = cert, .key = key, .verify = "server.pem" };
  struct conn k;
  const char *err = NULL;
  conn_open (&k, SOCKET_TWO_FDS, &p);
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), 0);
  CHECK_STREQ (tls_peer_identity (k.c), want);
  CHECK_INTEQ (conn_close (&k), 0);
}

static void test_client_certs (struct server_tls *plain)
{
  struct server_tls *t = server ("ca.pem", NULL);
  printf ("# client certificates\n");
  identity (t, "alice.pem", "alice.key", "alice@example.org");
  identity (t, "bob.pem", "bob.key", "bob");
  identity (t, NULL, NULL, NULL);
  /* not from the CA: the handshake goes on, without an identity */
  identity (t, "mallory.pem", "mallory.key", NULL);
  /* without --tls-client-ca none is asked for */
  identity (plain, "alice.pem", "alice.key", NULL);
  tls_server_free (t);
}

/* ----------------------------------------------- the STARTTLS rule */

static int starttls_plain (int rfd, int wfd)
{
  const char cmd[] = "a STARTTLS\r\nb INJECTED\r\n";
  char reply[64];
  size_t n = 0;
  if (write (wfd, cmd, sizeof cmd - 1) != sizeof cmd - 1) return 30;
  while (n < sizeof reply - 1 && (n == 0 || reply[n - 1] != '\n'))
    if (read (rfd, reply + n, 1) != 1) return 31;
    else n++;
  reply[n] = '\0';
  return strcmp (reply, "a OK Begin TLS\r\n") ? 32 : 0;
}

static int starttls_after (SSL *ssl)
{
  char line[128];
  if (ssl_puts (ssl, "c AFTER\r\n") || ssl_line (ssl, line, sizeof line))
    return 33;
  if (strcmp (line, "* got c AFTER\r\n")) return 34;
  return 0;
}

static void test_injection (struct server_tls *t)
{
  struct peer p = { .before = starttls_plain, .talk = starttls_after,
    .verify = "server.pem" };
  struct conn k;
  struct buf line = BUF_INIT;
  const char *err = NULL;
  printf ("# plaintext after STARTTLS is dropped\n");
  conn_open (&k, PIPES, &p);
  CHECK_INTEQ (client_read_line (k.c, &line, 1000, 10000, &err),
	       CLIENT_COMMAND);
  CHECK_STREQ (buf_cstr (&line), "a STARTTLS");
  /* one write() of the client: the injected line came along */
  CHECK_INTEQ (client_input_pending (k.c), strlen ("b INJECTED\r\n"));
  client_puts (k.c, "a OK Begin TLS\r\n");	/* tls_start sends it */
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), 0);
  CHECK_INTEQ (client_input_pending (k.c), 0);
  CHECK_INTEQ (client_read_line (k.c, &line, 1000, 10000, &err),
	       CLIENT_COMMAND);
  CHECK_STREQ (buf_cstr (&line), "c AFTER");
  client_printf (k.c, "* got %s\r\n", buf_cstr (&line));
  CHECK_INTEQ (client_flush (k.c), 0);
  CHECK_INTEQ (conn_close (&k), 0);
  buf_free (&line);
}

/* ------------------------------------------------- bad clients */

/* Sends nothing; waits for the server to hang up */
static int silent (int rfd, int wfd)
{
  char c;
  (void) wfd;
  while (read (rfd, &c, 1) > 0)
    ;
  return 0;
}

static int http (int rfd, int wfd)
{
  const char req[] = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
  if (write (wfd, req, sizeof req - 1) != sizeof req - 1) return 40;
  return silent (rfd, wfd);
}

static int hang_up (int rfd, int wfd)
{
  (void) rfd;
  (void) wfd;
  return 0;
}

/* A ClientHello cut short, then nothing */
static int half_hello (int rfd, int wfd)
{
  const unsigned char rec[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00 };
  if (write (wfd, rec, sizeof rec) != sizeof rec) return 41;
  return silent (rfd, wfd);
}

static void bad_client (struct server_tls *t, int (*before) (int, int),
			enum transport tr, int timeout_ms, const char *reason)
{
  struct peer p = { .before = before, .no_handshake = 1 };
  struct conn k;
  const char *err = NULL;
  conn_open (&k, tr, &p);
  CHECK_INTEQ (tls_start (t, k.c, timeout_ms, &err), -1);
  CHECK (err && strstr (err, reason));
  if (err && !strstr (err, reason)) printf ("  error: %s\n", err);
  CHECK (!tls_active (k.c));
  CHECK_INTEQ (conn_close (&k), 0);
}

static void test_bad_clients (struct server_tls *t)
{
  printf ("# clients that do not speak TLS\n");
  bad_client (t, silent, SOCKET, 300, "timed out");
  bad_client (t, silent, PIPES, 300, "timed out");
  bad_client (t, half_hello, SOCKET, 300, "timed out");
  bad_client (t, http, SOCKET, 10000, "TLS handshake failed: error:");
  bad_client (t, http, PIPES, 10000, "TLS handshake failed: error:");
  bad_client (t, hang_up, SOCKET, 10000, "closed the connection");
  bad_client (t, hang_up, PIPES, 10000, "closed the connection");
}

/* ------------------------------------- the connection after the start */

/* A key update (a record with no data), a pause, then a line; then
 * closing without close_notify */
static int talk_key_update (SSL *ssl)
{
  char line[64];
  if (SSL_key_update (ssl, SSL_KEY_UPDATE_REQUESTED) != 1 ||
      SSL_do_handshake (ssl) != 1)
    return 50;
  usleep (100000);
  if (ssl_puts (ssl, "k1 NOOP\r\n") || ssl_line (ssl, line, sizeof line) ||
      strcmp (line, "k1 OK\r\n"))
    return 51;
  return 0;			/* exit: the fds close, no close_notify */
}

/* The record of one SSL_write, written to wfd in two pieces: first
 * bytes, a pause, then the rest */
static int split_record (SSL *ssl, int wfd, const char *text, size_t first)
{
  BIO *mem = BIO_new (BIO_s_mem ()), *fd = SSL_get_wbio (ssl);
  char *rec;
  long len;
  BIO_up_ref (fd);
  SSL_set0_wbio (ssl, mem);
  if (SSL_write (ssl, text, (int) strlen (text)) <= 0) return -1;
  len = BIO_get_mem_data (mem, &rec);
  if (len <= (long) first ||
      write (wfd, rec, first) != (ssize_t) first) return -1;
  usleep (100000);
  if (write (wfd, rec + first, (size_t) len - first) != len - (long) first)
    return -1;
  SSL_set0_wbio (ssl, fd);
  return 0;
}

/* Records that arrive in pieces: within the header, within the body */
static int talk_split (SSL *ssl)
{
  char line[64];
  int wfd = SSL_get_wfd (ssl);
  if (split_record (ssl, wfd, "s1 HEADER\r\n", 3) ||
      split_record (ssl, wfd, "s2 BODY\r\n", 9))
    return 55;
  if (ssl_line (ssl, line, sizeof line) || strcmp (line, "s OK\r\n"))
    return 56;
  return ssl_expect_close (ssl) ? 57 : 0;
}

static void test_split_records (struct server_tls *t, enum transport tr)
{
  struct peer p = { .talk = talk_split };
  struct conn k;
  struct buf line = BUF_INIT;
  const char *err = NULL;
  conn_open (&k, tr, &p);
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), 0);
  CHECK_INTEQ (client_read_line (k.c, &line, 1000, 10000, &err),
	       CLIENT_COMMAND);
  CHECK_STREQ (buf_cstr (&line), "s1 HEADER");
  CHECK_INTEQ (client_read_line (k.c, &line, 1000, 10000, &err),
	       CLIENT_COMMAND);
  CHECK_STREQ (buf_cstr (&line), "s2 BODY");
  client_puts (k.c, "s OK\r\n");
  CHECK_INTEQ (client_flush (k.c), 0);
  CHECK_INTEQ (conn_close (&k), 0);
  buf_free (&line);
}

static void test_session (struct server_tls *t)
{
  struct peer p = { .talk = talk_key_update };
  struct conn k;
  struct buf line = BUF_INIT;
  const char *err = NULL;
  printf ("# records without data, and an abrupt end\n");
  conn_open (&k, SOCKET, &p);
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), 0);
  CHECK_INTEQ (client_wait_input (k.c, 10000), 1);
  CHECK_INTEQ (client_read_line (k.c, &line, 1000, 10000, &err),
	       CLIENT_COMMAND);
  CHECK_STREQ (buf_cstr (&line), "k1 NOOP");
  client_puts (k.c, "k1 OK\r\n");
  CHECK_INTEQ (client_flush (k.c), 0);
  CHECK_INTEQ (client_read_line (k.c, &line, 1000, 10000, &err), CLIENT_EOF);
  /* writing to it fails, and is remembered */
  {
    char *big = fs_get (BIG);
    memset (big, 'x', BIG);
    client_write (k.c, big, BIG);
    CHECK_INTEQ (client_flush (k.c), -1);
    CHECK (client_failed (k.c));
    fs_give ((void **) &big);
  }
  CHECK_INTEQ (conn_close (&k), 0);
  test_split_records (t, SOCKET);
  test_split_records (t, PIPES);
  /* a client that leaves right after the handshake: EOF */
  p.talk = NULL;
  p.before = NULL;
  conn_open (&k, PIPES, &p);
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), 0);
  CHECK_INTEQ (client_read_line (k.c, &line, 1000, 10000, &err), CLIENT_EOF);
  CHECK_INTEQ (conn_close (&k), 0);
  buf_free (&line);
  /* a freed connection is forgotten (a new client may get its address) */
  k.c = client_new (-1, -1);
  CHECK (!tls_active (k.c));
  client_free (k.c);
}

/* Waits for the server's data (via the handshake), answers nothing */
static int talk_idle (SSL *ssl)
{
  char line[64];
  if (ssl_line (ssl, line, sizeof line) || strcmp (line, "* idle\r\n"))
    return 60;
  return ssl_expect_close (ssl) ? 61 : 0;
}

static void test_timeout_after_start (struct server_tls *t)
{
  struct peer p = { .talk = talk_idle };
  struct conn k;
  struct buf line = BUF_INIT;
  const char *err = NULL;
  printf ("# idle client after the handshake\n");
  conn_open (&k, SOCKET_TWO_FDS, &p);
  CHECK_INTEQ (tls_start (t, k.c, 10000, &err), 0);
  client_puts (k.c, "* idle\r\n");
  CHECK_INTEQ (client_read_line (k.c, &line, 1000, 200, &err),
	       CLIENT_TIMEOUT);
  CHECK_INTEQ (client_wait_input (k.c, 100), 0);
  CHECK_INTEQ (conn_close (&k), 0);
  buf_free (&line);
}

/* ----------------------------------------------------- implicit TLS */

/* A TCP socket bound to port on some loopback address, or -1 */
static int bound (int port)
{
  int i;
  for (i = 1; i < 20; i++) {
    struct sockaddr_in sa = { .sin_family = AF_INET,
      .sin_port = htons ((uint16_t) port) };
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    sa.sin_addr.s_addr = htonl (0x7f000000u + (uint32_t) i * 7);
    if (fd >= 0 && !bind (fd, (struct sockaddr *) &sa, sizeof sa)) return fd;
    if (fd >= 0) close (fd);
  }
  return -1;
}

static void test_implicit (void)
{
  struct tls_options o = { 0 };
  int fds[2], saved = dup (0), s993, s995, any, unix_fd;
  printf ("# implicit TLS\n");
  /* fd 0 a pipe: only names and options count */
  if (pipe (fds)) exit (1);
  dup2 (fds[0], 0);
  CHECK_INTEQ (tls_want_implicit (&o, "imapd"), 0);
  CHECK_INTEQ (tls_want_implicit (&o, "ipop3d"), 0);
  CHECK_INTEQ (tls_want_implicit (&o, "simapd"), 1);
  CHECK_INTEQ (tls_want_implicit (&o, "sipop3d"), 1);
  CHECK_INTEQ (tls_want_implicit (&o, "/usr/sbin/simapd"), 1);
  CHECK_INTEQ (tls_want_implicit (&o, "Simapd"), 0);
  CHECK_INTEQ (tls_want_implicit (&o, ""), 0);
  CHECK_INTEQ (tls_want_implicit (&o, NULL), 0);
  o.implicit = 1;
  CHECK_INTEQ (tls_want_implicit (&o, "imapd"), 1);
  o.no_implicit = 1;		/* --no-tls wins */
  CHECK_INTEQ (tls_want_implicit (&o, "imapd"), 0);
  o.implicit = 0;
  CHECK_INTEQ (tls_want_implicit (&o, "simapd"), 0);
  o.no_implicit = 0;
  CHECK_INTEQ (tls_implicit_port (0), 0);
  /* the port of fd 0 */
  s993 = bound (993);
  s995 = bound (995);
  any = bound (0);
  CHECK (s993 >= 0 && s995 >= 0 && any >= 0);
  CHECK_INTEQ (tls_implicit_port (s993), 1);
  CHECK_INTEQ (tls_implicit_port (s995), 1);
  CHECK_INTEQ (tls_implicit_port (any), 0);
  CHECK_INTEQ (tls_implicit_port (-1), 0);
  unix_fd = socket (AF_UNIX, SOCK_STREAM, 0);
  CHECK_INTEQ (tls_implicit_port (unix_fd), 0);
  dup2 (s993, 0);
  CHECK_INTEQ (tls_want_implicit (&o, "imapd"), 1);
  o.no_implicit = 1;
  CHECK_INTEQ (tls_want_implicit (&o, "imapd"), 0);
  o.no_implicit = 0;
  dup2 (any, 0);
  CHECK_INTEQ (tls_want_implicit (&o, "imapd"), 0);
  dup2 (s995, 0);
  CHECK_INTEQ (tls_want_implicit (&o, "ipop3d"), 1);
  dup2 (saved, 0);
  close (saved);
  close (fds[0]);
  close (fds[1]);
  close (s993);
  close (s995);
  close (any);
  close (unix_fd);
}

int main (void)
{
#include "linkage.c"
  struct server_tls *t;
  signal (SIGPIPE, SIG_IGN);	/* as the servers do */
  setup ();
  test_naming ();
  test_lazy_load ();
  t = server (NULL, NULL);
  test_echo (t, SOCKET, "one socket fd");
  test_echo (t, SOCKET_TWO_FDS, "a socket on two fds");
  test_echo (t, PIPES, "two pipes");
  test_rsa_tls12 ();
  test_policy (t);
  test_sni (t);
  test_client_certs (t);
  test_injection (t);
  test_bad_clients (t);
  test_session (t);
  test_timeout_after_start (t);
  test_implicit ();
  tls_server_free (t);
  if (!getenv ("KEEP")) run ("cd / && rm -rf %s", topdir);
  fs_give ((void **) &certs);
  fs_give ((void **) &keys);
  return unit_done ();
}

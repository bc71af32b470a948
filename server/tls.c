/*
 * tls.c: TLS for imapd and ipop3d through OpenSSL 3.  One SSL_CTX per
 * process (tls_server_new), one SSL per connection (tls_start), which then
 * becomes the connection's I/O layer (struct client_io).
 *
 * The SSL talks to the client's fds through a BIO of our own: the
 * connection may be one socket (inetd), a socket on two descriptors
 * (tcpserver) or two pipes (tests), and no read or write may block.  The
 * BIO never waits; when the SSL wants input or room, client.c waits (it
 * gets EAGAIN), or we do with poll() under a deadline: in the handshake,
 * for the rest of a record that has begun, and for close_notify.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <syslog.h>
#include "server.h"

#define TLS_CERT_DIR "/etc/ssl/certs"
#define TLS_KEY_DIR "/etc/ssl/private"
/* TLS 1.2: forward secrecy and AEAD only.  TLS 1.3 keeps OpenSSL's own
 * suites, which are all of that kind. */
#define TLS_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20"

struct server_tls {
  SSL_CTX *ctx;			/* made when first needed: tls_server_ready */
  char *cert_path;
  char *key_path;
  struct tls_options o;		/* a copy (options_copy) */
  char *program;
  char *ctx_error;		/* a failed tls_server_ready, kept */
  int per_address;		/* cert_path is <program>-<local IP>.pem */
  SSL_CTX *sni_ctx;		/* the certificate the client's SNI chose */
  char *sni_path;		/* its file */
};

/* One encrypted connection: the ctx of its struct client_io */
struct tls_conn {
  struct tls_conn *next;	/* the live ones, for tls_active() & co */
  const struct client *client;
  SSL *ssl;
  int fd_in, fd_out;
  int in_socket, out_socket;	/* recv/send with MSG_DONTWAIT work */
  int eof;			/* the client closed its side */
  int broken;			/* a fatal error: no close_notify */
  char *sni;
  char *identity;
  char *description;
};

static struct tls_conn *live;	/* one in a server; tests have more */

/* ----------------------------------------------------------- errors */

static struct buf tls_error = BUF_INIT;	/* *error_r lives until the next */

/* The message, with the first error OpenSSL queued (if any) appended;
 * the queue is left empty. */
static const char *fail (const char *fmt, ...) BAMBOO_PRINTF (1, 2);
static const char *fail (const char *fmt, ...)
{
  va_list ap;
  unsigned long e = ERR_get_error ();
  buf_reset (&tls_error);
  va_start (ap, fmt);
  buf_vprintf (&tls_error, fmt, ap);
  va_end (ap);
  if (e) {
    char text[256];
    ERR_error_string_n (e, text, sizeof text);
    buf_printf (&tls_error, ": %s", text);
  }
  ERR_clear_error ();
  return buf_cstr (&tls_error);
}

/* -------------------------------------------------------- waiting */

/* Wait until fd is ready for events or the deadline (client_now_ms())
 * passes: 1 ready, 0 timeout (errno ETIMEDOUT), -1 error.  A signal
 * ends the wait (-1, EINTR) when stop_on_signal is set, for client.c to
 * decide about it (client_set_interrupt). */
static int wait_until (int fd, short events, int64_t deadline,
		       int stop_on_signal)
{
  for (;;) {
    int64_t left = deadline - client_now_ms ();
    struct pollfd p = { .fd = fd, .events = events };
    int r;
    if (left < 0) left = 0;
    r = poll (&p, 1, left > INT_MAX ? INT_MAX : (int) left);
    if (r > 0) return 1;
    if (!r) {
      errno = ETIMEDOUT;
      return 0;
    }
    if (errno != EINTR || stop_on_signal) return -1;
  }
}

static int is_socket (int fd)
{
  int type;
  socklen_t len = sizeof type;
  return !getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &len);
}

/* ------------------------------------------------------------ the BIO */

/* Never blocks: on a socket MSG_DONTWAIT; on a pipe a poll() that does
 * not wait, then at most PIPE_BUF bytes, which then fit.  "Not now" is a
 * retry for the SSL, which then asks us to wait. */
static int bio_write (BIO *b, const char *data, int len)
{
  struct tls_conn *t = BIO_get_data (b);
  ssize_t n;
  BIO_clear_retry_flags (b);
  if (t->out_socket)
    n = send (t->fd_out, data, (size_t) len, MSG_DONTWAIT | MSG_NOSIGNAL);
  else {
    struct pollfd p = { .fd = t->fd_out, .events = POLLOUT };
    n = poll (&p, 1, 0);
    if (n > 0)
      n = write (t->fd_out, data, len < PIPE_BUF ? (size_t) len : PIPE_BUF);
    else if (!n) {
      errno = EAGAIN;
      n = -1;
    }
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    BIO_set_retry_write (b);
  return (int) n;
}

static int bio_read (BIO *b, char *data, int len)
{
  struct tls_conn *t = BIO_get_data (b);
  ssize_t n;
  BIO_clear_retry_flags (b);
  if (t->in_socket)
    n = recv (t->fd_in, data, (size_t) len, MSG_DONTWAIT);
  else {
    struct pollfd p = { .fd = t->fd_in, .events = POLLIN };
    n = poll (&p, 1, 0);
    if (n > 0)
      n = read (t->fd_in, data, (size_t) len);
    else if (!n) {
      errno = EAGAIN;
      n = -1;
    }
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    BIO_set_retry_read (b);
  if (!n) t->eof = 1;
  return (int) n;
}

static long bio_ctrl (BIO *b, int cmd, long num, void *ptr)
{
  struct tls_conn *t = BIO_get_data (b);
  (void) num;
  (void) ptr;
  if (cmd == BIO_CTRL_EOF)	/* the SSL tells EOF from an error by it */
    return t && t->eof;
  return cmd == BIO_CTRL_FLUSH;	/* writes are never held back */
}

static int bio_create (BIO *b)
{
  BIO_set_init (b, 1);
  return 1;
}

static BIO_METHOD *bio_fds (void)
{
  static BIO_METHOD *m;
  if (!m) {
    m = BIO_meth_new (BIO_get_new_index () | BIO_TYPE_SOURCE_SINK,
		      "bamboo client fds");
    if (!m || !BIO_meth_set_write (m, bio_write) ||
	!BIO_meth_set_read (m, bio_read) || !BIO_meth_set_ctrl (m, bio_ctrl) ||
	!BIO_meth_set_create (m, bio_create)) {
      BIO_meth_free (m);
      m = NULL;
    }
  }
  return m;
}

/* ------------------------------------------------ the server context */

static int file_exists (const char *path)
{
  struct stat st;
  return !stat (path, &st);
}

/* An encrypted key must not make the server ask for a passphrase on
 * whatever terminal it may have. */
static int no_passphrase (char *buf, int size, int rwflag, void *u)
{
  (void) buf;
  (void) size;
  (void) rwflag;
  (void) u;
  return 0;
}

static SSL_CTX *new_ctx (struct server_tls *t, const char *cert_path,
			 const char *key_path, const char **error_r);

/* A host name from SNI that may become part of a file name: DNS letters,
 * digits, hyphens and dots, no empty label (so no ".."), no '/'. */
static int sni_name_ok (const char *name)
{
  size_t i, n = strlen (name);
  if (!n || n > 253 || name[0] == '.' || name[0] == '-' || name[n - 1] == '.')
    return 0;
  for (i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	  (c >= '0' && c <= '9') || c == '-' || c == '.'))
      return 0;
    if (c == '.' && name[i + 1] == '.')
      return 0;
  }
  return 1;
}

/* SNI: a certificate named for the host the client asks for,
 * <cert_dir>/<program>-<name>.pem (the name in lower case; its key found
 * as for the others), is served instead of the address's one.  No such
 * file, or one that cannot be used (logged), leaves the default; the
 * handshake never fails over a name.  The name is kept for tls_sni(). */
static int on_servername (SSL *ssl, int *alert, void *arg)
{
  struct tls_conn *c = SSL_get_app_data (ssl);
  struct server_tls *t = arg;
  const char *name = SSL_get_servername (ssl, TLSEXT_NAMETYPE_host_name);
  struct buf cert = BUF_INIT, key = BUF_INIT;
  const char *error = NULL;
  size_t i;
  (void) alert;
  if (!name || !*name)
    return SSL_TLSEXT_ERR_OK;
  if (c && !c->sni) c->sni = cpystr (name);
  if (!t || t->o.cert_file || !t->program || !sni_name_ok (name))
    return SSL_TLSEXT_ERR_OK;
  buf_printf (&cert, "%s/%s-", t->o.cert_dir ? t->o.cert_dir : TLS_CERT_DIR,
	      t->program);
  for (i = 0; name[i]; i++)
    buf_putc (&cert, (name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32
	      : name[i]);
  buf_puts (&cert, ".pem");
  if (file_exists (buf_cstr (&cert))) {
    const char *base = strrchr (buf_cstr (&cert), '/') + 1;
    if (t->o.key_file)
      buf_puts (&key, t->o.key_file);
    else {
      buf_printf (&key, "%s/%s", t->o.key_dir ? t->o.key_dir : TLS_KEY_DIR,
		  base);
      if (!file_exists (buf_cstr (&key))) {
	buf_reset (&key);
	buf_puts (&key, buf_cstr (&cert));
      }
    }
    if (!t->sni_path || strcmp (t->sni_path, buf_cstr (&cert))) {
      SSL_CTX_free (t->sni_ctx);	/* another name than last time */
      if (t->sni_path) fs_give ((void **) &t->sni_path);
      t->sni_path = cpystr (buf_cstr (&cert));
      if (!(t->sni_ctx = new_ctx (t, buf_cstr (&cert), buf_cstr (&key),
				  &error)))
	syslog (LOG_ERR, "TLS certificate for SNI name %s not usable: %s",
		base, error ? error : "unknown error");
    }
    if (t->sni_ctx)
      SSL_set_SSL_CTX (ssl, t->sni_ctx);
  }
  buf_free (&cert);
  buf_free (&key);
  return SSL_TLSEXT_ERR_OK;
}

/* A client certificate that does not verify does not end the handshake:
 * it only gives no identity (tls_peer_identity() checks the result). */
static int on_verify (int ok, X509_STORE_CTX *store)
{
  (void) ok;
  (void) store;
  return 1;
}

/* The certificate and key files, UW's way (see server.h).  0, or -1 with
 * *error_r. */
static int find_files (struct server_tls *t, const struct tls_options *o,
		       const char *program, const char *local_ip,
		       const char **error_r)
{
  const char *cert_dir = o->cert_dir ? o->cert_dir : TLS_CERT_DIR;
  const char *key_dir = o->key_dir ? o->key_dir : TLS_KEY_DIR;
  struct buf name = BUF_INIT, path = BUF_INIT, tried = BUF_INIT;
  int found = 0;
  if (o->cert_file) {
    if (!file_exists (o->cert_file)) {
      *error_r = fail ("no TLS certificate %s: %s", o->cert_file,
		       strerror (errno));
      return -1;
    }
    t->cert_path = cpystr (o->cert_file);
    t->key_path = cpystr (o->key_file ? o->key_file : o->cert_file);
    return 0;
  }
  if (!program || !*program || strchr (program, '/')) {
    *error_r = fail ("no program name to name the TLS certificate by");
    return -1;
  }
  /* a local address is never a path, but a '/' would make it one */
  if (local_ip && *local_ip && !strchr (local_ip, '/')) {
    buf_printf (&name, "%s-%s.pem", program, local_ip);
    buf_printf (&path, "%s/%s", cert_dir, buf_cstr (&name));
    found = t->per_address = file_exists (buf_cstr (&path));
    buf_printf (&tried, "%s and ", buf_cstr (&path));
  }
  if (!found) {
    buf_reset (&name);
    buf_reset (&path);
    buf_printf (&name, "%s.pem", program);
    buf_printf (&path, "%s/%s", cert_dir, buf_cstr (&name));
    found = file_exists (buf_cstr (&path));
    buf_puts (&tried, buf_cstr (&path));
  }
  if (found) {
    t->cert_path = buf_detach (&path);
    if (o->key_file)
      t->key_path = cpystr (o->key_file);
    else {
      buf_printf (&path, "%s/%s", key_dir, buf_cstr (&name));
      t->key_path = buf_detach (&path);
      /* no key file of that name: the key is in the certificate file */
      if (!file_exists (t->key_path)) {
	fs_give ((void **) &t->key_path);
	t->key_path = cpystr (t->cert_path);
      }
    }
  }
  else
    *error_r = fail ("no TLS certificate: tried %s", buf_cstr (&tried));
  buf_free (&name);
  buf_free (&path);
  buf_free (&tried);
  return found ? 0 : -1;
}

/* The SSL_CTX's settings and files.  0, or -1 with *error_r. */
static int setup_ctx (SSL_CTX *ctx, struct server_tls *t,
		      const char *cert_path, const char *key_path,
		      const char **error_r)
{
  const struct tls_options *o = &t->o;
  const char *program = t->program;
  const char *sid = program ? program : "bamboo";
  SSL_CTX_set_min_proto_version (ctx, TLS1_2_VERSION);
  SSL_CTX_set_options (ctx, SSL_OP_CIPHER_SERVER_PREFERENCE |
		       SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
		       SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
  /* one process per connection: nothing would ever be resumed */
  SSL_CTX_set_session_cache_mode (ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets (ctx, 0);
  SSL_CTX_set_mode (ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
		    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_dh_auto (ctx, 1);	/* only if --tls-ciphers asks for DHE */
  SSL_CTX_set_default_passwd_cb (ctx, no_passphrase);
  SSL_CTX_set_tlsext_servername_callback (ctx, on_servername);
  SSL_CTX_set_tlsext_servername_arg (ctx, t);
  SSL_CTX_set_session_id_context (ctx, (const unsigned char *) sid,
				  (unsigned int) strlen (sid));
  if (!SSL_CTX_set_cipher_list (ctx, o->ciphers ? o->ciphers : TLS_CIPHERS)) {
    *error_r = fail ("bad TLS cipher list \"%s\"",
		     o->ciphers ? o->ciphers : TLS_CIPHERS);
    return -1;
  }
  if (SSL_CTX_use_certificate_chain_file (ctx, cert_path) != 1) {
    *error_r = fail ("cannot load the TLS certificate %s", cert_path);
    return -1;
  }
  if (SSL_CTX_use_PrivateKey_file (ctx, key_path, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key (ctx) != 1) {
    *error_r = fail ("cannot use the TLS key %s with the certificate %s",
		     key_path, cert_path);
    return -1;
  }
  if (o->client_ca) {
    STACK_OF (X509_NAME) * names;
    if (SSL_CTX_load_verify_locations (ctx, o->client_ca, NULL) != 1 ||
	!(names = SSL_load_client_CA_file (o->client_ca))) {
      *error_r = fail ("cannot load the TLS client CA file %s", o->client_ca);
      return -1;
    }
    /* tell clients which certificates we take */
    SSL_CTX_set_client_CA_list (ctx, names);
    SSL_CTX_set_verify (ctx, SSL_VERIFY_PEER, on_verify);
  }
  return 0;
}

/* The options outlive the caller's struct: the context is made later. */
static void options_copy (struct tls_options *to, const struct tls_options *o)
{
  *to = *o;
  to->cert_dir = o->cert_dir ? cpystr (o->cert_dir) : NULL;
  to->key_dir = o->key_dir ? cpystr (o->key_dir) : NULL;
  to->cert_file = o->cert_file ? cpystr (o->cert_file) : NULL;
  to->key_file = o->key_file ? cpystr (o->key_file) : NULL;
  to->client_ca = o->client_ca ? cpystr (o->client_ca) : NULL;
  to->ciphers = o->ciphers ? cpystr (o->ciphers) : NULL;
}

static void options_free (struct tls_options *o)
{
  const char **f[] = { &o->cert_dir, &o->key_dir, &o->cert_file,
    &o->key_file, &o->client_ca, &o->ciphers };
  size_t i;
  for (i = 0; i < sizeof f / sizeof f[0]; i++)
    if (*f[i])
      fs_give ((void **) f[i]);
}

struct server_tls *tls_server_new (const struct tls_options *o,
				   const char *program, const char *local_ip,
				   const char **error_r)
{
  struct server_tls *t = fs_get (sizeof *t);
  memset (t, 0, sizeof *t);
  *error_r = NULL;
  ERR_clear_error ();
  if (find_files (t, o, program, local_ip, error_r)) {
    tls_server_free (t);
    return NULL;
  }
  options_copy (&t->o, o);
  t->program = program ? cpystr (program) : NULL;
  return t;
}

/* A context serving cert_path/key_path, or NULL with *error_r */
static SSL_CTX *new_ctx (struct server_tls *t, const char *cert_path,
			 const char *key_path, const char **error_r)
{
  SSL_CTX *ctx = SSL_CTX_new (TLS_server_method ());
  if (!ctx)
    *error_r = fail ("cannot create a TLS context");
  else if (setup_ctx (ctx, t, cert_path, key_path, error_r)) {
    SSL_CTX_free (ctx);
    ctx = NULL;
  }
  return ctx;
}

/* OpenSSL 3's SSL_CTX_new alone costs about 3 ms, and the files another
 * one or two: most sessions never use TLS, so the context is made at the
 * first STARTTLS/STLS (or at once for implicit TLS), not at start. */
int tls_server_ready (struct server_tls *t, const char **error_r)
{
  *error_r = NULL;
  if (!t) {
    *error_r = "TLS is not available (no certificate)";
    return -1;
  }
  if (t->ctx)
    return 0;
  if (t->ctx_error) {
    *error_r = t->ctx_error;
    return -1;
  }
  ERR_clear_error ();
  t->ctx = new_ctx (t, t->cert_path, t->key_path, error_r);
  if (!t->ctx)
    t->ctx_error = cpystr (*error_r ? *error_r : "TLS context failed");
  return t->ctx ? 0 : -1;
}

void tls_server_free (struct server_tls *t)
{
  if (!t) return;
  SSL_CTX_free (t->ctx);
  SSL_CTX_free (t->sni_ctx);
  options_free (&t->o);
  if (t->sni_path) fs_give ((void **) &t->sni_path);
  if (t->program) fs_give ((void **) &t->program);
  if (t->ctx_error) fs_give ((void **) &t->ctx_error);
  if (t->cert_path) fs_give ((void **) &t->cert_path);
  if (t->key_path) fs_give ((void **) &t->key_path);
  fs_give ((void **) &t);
}

/* A name fit for a greeting: letters, digits, dots and hyphens only (no
 * wildcard, space or control byte from a certificate). */
static int greeting_name_ok (const char *name, size_t len)
{
  size_t i;
  if (!len || len > NETMAXHOST)
    return 0;
  for (i = 0; i < len; i++)
    if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' &&
	  name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9') ||
	  name[i] == '.' || name[i] == '-'))
      return 0;
  return 1;
}

char *tls_server_host_name (const struct server_tls *t)
{
  char *name = NULL, cn[NETMAXHOST + 2];
  GENERAL_NAMES *sans;
  X509 *x;
  FILE *f;
  int i, n;

  if (!t || !t->per_address || !(f = fopen (t->cert_path, "r")))
    return NULL;
  x = PEM_read_X509 (f, NULL, NULL, NULL);
  fclose (f);
  if (!x)
    return NULL;
  sans = X509_get_ext_d2i (x, NID_subject_alt_name, NULL, NULL);
  for (i = 0; sans && !name && i < sk_GENERAL_NAME_num (sans); i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value (sans, i);
    if (g->type == GEN_DNS &&
	greeting_name_ok ((const char *) ASN1_STRING_get0_data (g->d.dNSName),
			  (size_t) ASN1_STRING_length (g->d.dNSName)))
      name = cpystr ((const char *) ASN1_STRING_get0_data (g->d.dNSName));
  }
  GENERAL_NAMES_free (sans);
  if (!name && (n = X509_NAME_get_text_by_NID (X509_get_subject_name (x),
					       NID_commonName, cn,
					       sizeof cn)) > 0 &&
      greeting_name_ok (cn, (size_t) n))
    name = cpystr (cn);
  X509_free (x);
  return name;
}

const char *tls_server_cert_path (const struct server_tls *t)
{
  return t ? t->cert_path : NULL;
}

/* --------------------------------------------------- the I/O layer */

/* An SSL call failed for good: errno for client.c, and no close_notify
 * on a connection in that state. */
static ssize_t io_failed (struct tls_conn *t, int e)
{
  int err = errno;
  if (e == SSL_ERROR_SYSCALL && err && err != EAGAIN)
    errno = err;
  else
    errno = e == SSL_ERROR_SYSCALL ? ECONNRESET : EPROTO;
  t->broken = 1;
  ERR_clear_error ();
  return -1;
}

/* After client.c saw input.  EAGAIN sends it back to its own wait (with
 * its timeout and its rules for signals): when a record held no data for
 * it (a key update), or a signal came while we waited. */
static ssize_t io_read (void *ctx, void *buf, size_t len)
{
  struct tls_conn *t = ctx;
  int64_t now = client_now_ms ();
  int64_t read_deadline = now + LIM_TLS_IO_TIMEOUT * 1000;
  int64_t write_deadline = now + LIM_SERVER_WRITE_TIMEOUT * 1000;
  if (len > INT_MAX) len = INT_MAX;
  ERR_clear_error ();
  for (;;) {
    int n, e, w;
    errno = 0;
    n = SSL_read (t->ssl, buf, (int) len);
    if (n > 0) return n;
    e = SSL_get_error (t->ssl, n);
    if (e == SSL_ERROR_ZERO_RETURN) return 0;	/* close_notify or EOF */
    if (e == SSL_ERROR_WANT_READ) {
      if (!SSL_has_pending (t->ssl)) {
	errno = EAGAIN;
	return -1;
      }
      /* part of a record came: the rest is due now */
      w = wait_until (t->fd_in, POLLIN, read_deadline, 1);
    }
    else if (e == SSL_ERROR_WANT_WRITE)	/* answering a key update */
      w = wait_until (t->fd_out, POLLOUT, write_deadline, 1);
    else
      return io_failed (t, e);
    if (w < 0 && errno == EINTR) errno = EAGAIN;
    if (w <= 0) return -1;	/* errno: ETIMEDOUT, EAGAIN, or poll's */
  }
}

/* client.c waits for room itself (LIM_SERVER_WRITE_TIMEOUT, signals) on
 * EAGAIN, and then calls again with the same bytes, as SSL_write wants. */
static ssize_t io_write (void *ctx, const void *buf, size_t len)
{
  struct tls_conn *t = ctx;
  int n, e;
  if (len > INT_MAX) len = INT_MAX;
  ERR_clear_error ();
  errno = 0;
  n = SSL_write (t->ssl, buf, (int) len);
  if (n > 0) return n;
  e = SSL_get_error (t->ssl, n);
  if (e == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
    return -1;
  }
  /* without renegotiation a write never needs to read: no WANT_READ */
  return io_failed (t, e);
}

/* Decrypted bytes waiting inside the SSL: the reader must not poll the
 * fd for them. */
static int io_pending (void *ctx)
{
  struct tls_conn *t = ctx;
  return SSL_pending (t->ssl);
}

static void conn_unlink (struct tls_conn *t)
{
  struct tls_conn **p;
  for (p = &live; *p; p = &(*p)->next)
    if (*p == t) {
      *p = t->next;
      break;
    }
}

static void conn_free (struct tls_conn *t)
{
  conn_unlink (t);
  SSL_free (t->ssl);		/* and the BIO */
  if (t->sni) fs_give ((void **) &t->sni);
  if (t->identity) fs_give ((void **) &t->identity);
  if (t->description) fs_give ((void **) &t->description);
  fs_give ((void **) &t);
  ERR_clear_error ();
}

/* client_free(): a close_notify if it goes out soon, then the state */
static void io_free (void *ctx)
{
  struct tls_conn *t = ctx;
  if (!t->broken) {
    int64_t deadline = client_now_ms () + LIM_TLS_CLOSE_TIMEOUT * 1000;
    int r;
    /* 0: sent, and we do not wait for the client's */
    while ((r = SSL_shutdown (t->ssl)) < 0 &&
	   SSL_get_error (t->ssl, r) == SSL_ERROR_WANT_WRITE &&
	   wait_until (t->fd_out, POLLOUT, deadline, 0) > 0)
      ;
  }
  conn_free (t);
}

/* ------------------------------------------------- the handshake */

/* The entry nid of name as UTF-8: NULL when there is none, or more than
 * one (which would be ambiguous), or it holds a NUL.  *count_r gets how
 * many there are. */
static char *name_entry (X509_NAME *name, int nid, int *count_r)
{
  int i = X509_NAME_get_index_by_NID (name, nid, -1);
  unsigned char *u = NULL;
  char *ret = NULL;
  int len;
  *count_r = 0;
  if (i < 0) return NULL;
  *count_r = X509_NAME_get_index_by_NID (name, nid, i) < 0 ? 1 : 2;
  if (*count_r > 1) return NULL;
  len = ASN1_STRING_to_UTF8 (&u, X509_NAME_ENTRY_get_data
			     (X509_NAME_get_entry (name, i)));
  if (len > 0 && !memchr (u, '\0', (size_t) len))
    ret = cpystr ((char *) u);
  OPENSSL_free (u);
  return ret;
}

/* The verified client certificate's emailAddress, else its CN */
static char *peer_identity (SSL *ssl)
{
  X509 *x = SSL_get0_peer_certificate (ssl);
  X509_NAME *name;
  char *id;
  int count;
  if (!x || SSL_get_verify_result (ssl) != X509_V_OK) return NULL;
  name = X509_get_subject_name (x);
  id = name_entry (name, NID_pkcs9_emailAddress, &count);
  if (!id && !count) id = name_entry (name, NID_commonName, &count);
  return id;
}

/* SSL_accept until done or the deadline.  0, or -1 with *error_r. */
static int handshake (struct tls_conn *t, int64_t deadline, int timeout_ms,
		      const char **error_r)
{
  ERR_clear_error ();
  for (;;) {
    int r, e, w;
    errno = 0;			/* SSL_ERROR_SYSCALL without errno: EOF */
    r = SSL_accept (t->ssl);
    if (r == 1) return 0;
    e = SSL_get_error (t->ssl, r);
    if (e == SSL_ERROR_WANT_READ)
      w = wait_until (t->fd_in, POLLIN, deadline, 0);
    else if (e == SSL_ERROR_WANT_WRITE)
      w = wait_until (t->fd_out, POLLOUT, deadline, 0);
    else if (e == SSL_ERROR_SSL && !t->eof) {
      *error_r = fail ("TLS handshake failed");
      return -1;
    }
    else if (e == SSL_ERROR_SYSCALL && errno && ERR_peek_error () == 0) {
      *error_r = fail ("TLS handshake failed: %s", strerror (errno));
      return -1;
    }
    else {
      *error_r = fail ("the client closed the connection during the TLS "
		       "handshake");
      return -1;
    }
    if (!w) {
      *error_r = fail ("TLS handshake timed out after %d ms", timeout_ms);
      return -1;
    }
    if (w < 0) {
      *error_r = fail ("TLS handshake failed: poll: %s", strerror (errno));
      return -1;
    }
  }
}

int tls_start (struct server_tls *st, struct client *c, int timeout_ms,
	       const char **error_r)
{
  int64_t deadline = client_now_ms () + (timeout_ms < 0 ? 0 : timeout_ms);
  struct client_io io = { io_read, io_write, io_pending, NULL };
  struct tls_conn *t;
  BIO *bio;
  *error_r = NULL;
  if (tls_server_ready (st, error_r))
    return -1;
  if (tls_active (c)) {
    *error_r = "TLS is already active";
    return -1;
  }
  /* the STARTTLS reply goes out in the clear; whatever the client sent
   * after its command was sent in the clear too, and is no command */
  if (client_flush (c)) {
    *error_r = fail ("cannot write to the client before the TLS handshake");
    return -1;
  }
  client_discard_input (c);
  if (!bio_fds ()) {
    *error_r = fail ("cannot create the TLS BIO method");
    return -1;
  }
  t = fs_get (sizeof *t);
  memset (t, 0, sizeof *t);
  t->client = c;
  t->fd_in = client_fd_in (c);
  t->fd_out = client_fd_out (c);
  t->in_socket = is_socket (t->fd_in);
  t->out_socket = is_socket (t->fd_out);
  t->ssl = SSL_new (st->ctx);
  bio = t->ssl ? BIO_new (bio_fds ()) : NULL;
  if (!bio) {
    *error_r = fail ("cannot create a TLS connection");
    conn_free (t);
    return -1;
  }
  BIO_set_data (bio, t);
  SSL_set_bio (t->ssl, bio, bio);
  SSL_set_app_data (t->ssl, t);
  if (handshake (t, deadline, timeout_ms, error_r)) {
    conn_free (t);
    return -1;
  }
  t->identity = peer_identity (t->ssl);
  {
    struct buf d = BUF_INIT;
    buf_printf (&d, "%s %s", SSL_get_version (t->ssl),
		SSL_get_cipher_name (t->ssl));
    t->description = buf_detach (&d);
  }
  io.ctx = t;
  client_set_io (c, &io);
  client_set_io_free (c, io_free);
  t->next = live;
  live = t;
  return 0;
}

static struct tls_conn *conn_of (const struct client *c)
{
  struct tls_conn *t;
  for (t = live; t; t = t->next)
    if (t->client == c) return t;
  return NULL;
}

int tls_active (const struct client *c)
{
  return conn_of (c) != NULL;
}

const char *tls_description (const struct client *c)
{
  struct tls_conn *t = conn_of (c);
  return t ? t->description : NULL;
}

const char *tls_peer_identity (const struct client *c)
{
  struct tls_conn *t = conn_of (c);
  return t ? t->identity : NULL;
}

const char *tls_sni (const struct client *c)
{
  struct tls_conn *t = conn_of (c);
  return t ? t->sni : NULL;
}

/* ------------------------------------------------------ implicit TLS */

static int service_port (const char *name, int fallback)
{
  struct servent *s = getservbyname (name, "tcp");
  return s ? ntohs ((uint16_t) s->s_port) : fallback;
}

int tls_implicit_port (int fd)
{
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  int port;
  if (getsockname (fd, (struct sockaddr *) &sa, &len)) return 0;
  if (sa.ss_family == AF_INET)
    port = ntohs (((struct sockaddr_in *) &sa)->sin_port);
  else if (sa.ss_family == AF_INET6)
    port = ntohs (((struct sockaddr_in6 *) &sa)->sin6_port);
  else
    return 0;
  return port == service_port ("imaps", 993) ||
    port == service_port ("pop3s", 995);
}

int tls_want_implicit (const struct tls_options *o, const char *program)
{
  const char *base = program ? strrchr (program, '/') : NULL;
  base = base ? base + 1 : program;
  if (o && o->no_implicit) return 0;
  if (o && o->implicit) return 1;
  if (base && *base == 's') return 1;	/* UW: lower-case only */
  return tls_implicit_port (0);
}

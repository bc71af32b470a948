/*
 * tls-echo.c: the baseline of bench/run-login.sh, OpenSSL's own cost of a
 * server-side handshake in a process per connection (run under tcpserver,
 * the socket on fds 0 and 1), with nothing of ours around it.
 *
 *   tls-echo CERT KEY    load the certificate chain and key into a fresh
 *                        SSL_CTX set up like server/tls.c's (TLS >= 1.2, the
 *                        same cipher list, no tickets, no session cache),
 *                        SSL_accept, then the IMAP-shaped exchange below,
 *                        close_notify, exit
 *   tls-echo --plain     the same exchange without TLS
 *   tls-echo --ctx CERT KEY   the SSL_CTX made and loaded as for TLS, then
 *                        the exchange without TLS: what loading a
 *                        certificate costs a connection that never uses it
 *   tls-echo --crypt HASH PASSWORD   one crypt_r (PASSWORD, HASH), which must
 *                        match, then the exchange without TLS: the hash
 *                        as a fresh process per connection pays for it
 *
 * The exchange: write a greeting line "* OK ...", read one command line
 * "TAG ...", answer "* BYE ..." and "TAG OK ...", exit.  That is what the
 * benchmark client does against imapd for "greeting + LOGOUT", so the
 * client code is the same for the baseline and for imapd.
 *
 * Blocking I/O on the plain fd BIO: the least a server can do.  Exit
 * status 1 with a message on stderr when anything fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <crypt.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20"	/* as server/tls.c */
#define GREETING "* OK [CAPABILITY IMAP4rev1] tls-echo ready\r\n"

static SSL *ssl;		/* NULL: --plain */

static void die (const char *what)
{
  fprintf (stderr, "tls-echo: %s\n", what);
  ERR_print_errors_fp (stderr);
  exit (1);
}

static void put (const char *s, size_t len)
{
  while (len > 0) {
    ssize_t n = ssl ? SSL_write (ssl, s, (int) len) : write (1, s, len);
    if (n <= 0) die ("write failed");
    s += n;
    len -= (size_t) n;
  }
}

/* One line (up to LF) into buf, NUL-terminated; its length. */
static size_t get_line (char *buf, size_t size)
{
  size_t have = 0;
  while (have + 1 < size) {
    ssize_t n = ssl ? SSL_read (ssl, buf + have, 1) : read (0, buf + have, 1);
    if (n <= 0) die ("the client closed before a command line");
    if (buf[have++] == '\n') break;
  }
  buf[have] = '\0';
  return have;
}

static SSL_CTX *new_ctx (const char *cert, const char *key)
{
  SSL_CTX *ctx = SSL_CTX_new (TLS_server_method ());
  if (!ctx) die ("SSL_CTX_new");
  SSL_CTX_set_min_proto_version (ctx, TLS1_2_VERSION);
  SSL_CTX_set_options (ctx, SSL_OP_CIPHER_SERVER_PREFERENCE |
		       SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
		       SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode (ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets (ctx, 0);
  if (!SSL_CTX_set_cipher_list (ctx, CIPHERS)) die ("cipher list");
  if (SSL_CTX_use_certificate_chain_file (ctx, cert) != 1)
    die ("cannot load the certificate");
  if (SSL_CTX_use_PrivateKey_file (ctx, key, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key (ctx) != 1)
    die ("cannot load the key");
  return ctx;
}

/* The password check a LOGIN against the account file makes */
static void check_hash (const char *hash, const char *password)
{
  struct crypt_data *cd = calloc (1, sizeof *cd);
  const char *out;
  if (!cd) die ("out of memory");
  out = crypt_r (password, hash, cd);
  if (!out || strcmp (out, hash)) die ("crypt_r: the password does not match");
  explicit_bzero (cd, sizeof *cd);
  free (cd);
}

int main (int argc, char *argv[])
{
  char line[1024], reply[1200];
  size_t len, tag;
  SSL_CTX *ctx = NULL;
  if (argc == 3) {
    ctx = new_ctx (argv[1], argv[2]);
    if (!(ssl = SSL_new (ctx)) || !SSL_set_rfd (ssl, 0) || !SSL_set_wfd (ssl, 1))
      die ("SSL_new");
    if (SSL_accept (ssl) != 1) die ("handshake failed");
  }
  else if (argc == 4 && !strcmp (argv[1], "--ctx"))
    ctx = new_ctx (argv[2], argv[3]);
  else if (argc == 4 && !strcmp (argv[1], "--crypt"))
    check_hash (argv[2], argv[3]);
  else if (argc != 2 || strcmp (argv[1], "--plain")) {
    fprintf (stderr, "usage: tls-echo CERT KEY | tls-echo --plain | "
	     "tls-echo --ctx CERT KEY | tls-echo --crypt HASH PASSWORD\n");
    return 2;
  }
  put (GREETING, sizeof GREETING - 1);
  len = get_line (line, sizeof line);
  tag = strcspn (line, " \r\n");
  if (tag == 0 || tag == len) die ("no tagged command");
  len = (size_t) snprintf (reply, sizeof reply,
			   "* BYE tls-echo done\r\n%.*s OK LOGOUT completed\r\n",
			   (int) tag, line);
  put (reply, len);
  if (ssl) {
    SSL_shutdown (ssl);		/* our close_notify; not waiting for theirs */
    SSL_free (ssl);
  }
  SSL_CTX_free (ctx);		/* NULL: nothing */
  return 0;
}

/*
 * server/: what imapd and ipop3d share.  Both are started once per
 * connection (inetd, xinetd, tcpserver, systemd Accept=yes) and talk on
 * stdin/stdout; both log in against the same account file and drop to the
 * user in the same place.
 *
 *   client.c     the connection: buffered output, line input, timeouts on
 *                CLOCK_MONOTONIC, a swappable I/O layer (for TLS)
 *   login.c      the account file, password and secrets checks, the one
 *                privilege drop, --make-password
 *   sasl.c       base64 and the SASL mechanisms (PLAIN, LOGIN, CRAM-MD5,
 *                SCRAM-SHA-256, EXTERNAL, ANONYMOUS), protocol-free
 *   auth.c       the login policy and SASL exchanges on the wire
 *   tls.c        OpenSSL: certificates by UW's names, the TLS I/O layer
 *   pam.c        Linux-PAM logins
 *   process.c    the client's address, whether stdin is TCP
 *   clock.c      wall-clock jumps and file-system clock skew, logged
 *
 * Every limit is in c-client/bamboo/bamboo-limits.h.
 */
#ifndef BAMBOO_SERVER_H
#define BAMBOO_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>
#include "c-client.h"
#include "bamboo/buf.h"
#include "bamboo/bamboo-limits.h"

/* ----------------------------------------------------------- client.c */

struct client;			/* one connection; opaque */

/* What the connection reads and writes through.  TLS (the login issue)
 * replaces the plain fd functions with its own. */
struct client_io {
  ssize_t (*read) (void *ctx, void *buf, size_t len);
  ssize_t (*write) (void *ctx, const void *buf, size_t len);
  int (*pending) (void *ctx);	/* bytes buffered inside the layer (TLS) */
  void *ctx;
};

struct client *client_new (int fd_in, int fd_out);
void client_free (struct client *c);
void client_set_io (struct client *c, const struct client_io *io);
/* A flag for the protocol's own limits (imapd: literal sizes). */
void client_set_authenticated (struct client *c, int yes);
int client_is_authenticated (const struct client *c);

enum client_read {
  CLIENT_COMMAND = 1,		/* a whole line (or command) was read */
  CLIENT_EOF = 0,		/* peer closed */
  CLIENT_TIMEOUT = -1,		/* no input within the timeout */
  CLIENT_ERROR = -2,		/* read error, or interrupted */
  CLIENT_TOO_BIG = -3,		/* a limit was exceeded; *error_r says
				   which */
};

/* Read one plain line without its CRLF (a bare LF ends it too).
 * CLIENT_TOO_BIG when longer than max: the rest of the line is skipped
 * (up to 1 MiB) and line is left empty. */
enum client_read client_read_line (struct client *c, struct buf *line,
				   size_t max, int timeout_ms,
				   const char **error_r);
/* 1 when input is buffered or arrives within timeout_ms, 0 on timeout,
 * -1 on EOF or error. */
int client_wait_input (struct client *c, int timeout_ms);

/* Building blocks for a protocol's own reader (imapd's literals).  Each
 * returns 1, or a client_read code (<= 0, or CLIENT_TOO_BIG). */
/* Append input through the next LF to b, at most max bytes of it;
 * CLIENT_TOO_BIG when max bytes came without an LF (they are appended,
 * nothing more is consumed). */
int client_read_raw_line (struct client *c, struct buf *b, size_t max,
			  int timeout_ms);
/* Skip input through the next LF, at most 1 MiB.  tail/tail_len: the
 * line's bytes already read.  end_r gets the last two bytes of the line
 * before its CRLF/LF (NULs when shorter).  Returns 1 when the LF was
 * found, 0 when the 1 MiB ran out, or a negative client_read code. */
int client_discard_line (struct client *c, int timeout_ms, const char *tail,
			 size_t tail_len, char end_r[2]);
/* Move exactly n bytes of input into b (a literal's data). */
int client_read_bytes (struct client *c, struct buf *b, uint64_t n,
		       int timeout_ms);
/* The length of the line appended to b at line_start, CRLF/LF excluded */
size_t client_line_body (const struct buf *b, size_t line_start);

/* Output is buffered; client_flush() writes it out (the reader flushes
 * by itself before it waits for input).  A write failure is remembered:
 * client_failed() then returns 1 and later output is dropped.  No write
 * blocks longer than LIM_SERVER_WRITE_TIMEOUT. */
void client_write (struct client *c, const void *data, size_t len);
void client_puts (struct client *c, const char *s);
void client_printf (struct client *c, const char *fmt, ...) BAMBOO_PRINTF (2, 3);
int client_flush (struct client *c);
int client_failed (const struct client *c);
/* When *flag becomes non-zero (a signal handler sets it) every wait for
 * input or output gives up (read: CLIENT_ERROR; wait_input: -1), unless
 * check is set and returns 0: then the flag is taken as handled (check
 * clears it) and the wait goes on.  ipop3d uses check to ignore a kiss
 * of death while the session is busy. */
void client_set_interrupt (volatile sig_atomic_t *flag, int (*check) (void));
/* Milliseconds from the CLOCK_MONOTONIC clock; all timers use it. */
int64_t client_now_ms (void);

/* ------------------------------------------------------------ login.c */

struct server_options {
  const char *passwd_file;	/* --passwd: the account file; without
				   it (and without checkpassword) PAM
				   checks passwords and getpwnam() says
				   who the user is */
  const char *secrets_file;	/* --secrets: CRAM-MD5/APOP secrets,
				   used only while the file exists */
  int log_stderr;		/* --syslog-stderr */
  const char *checkpassword;	/* --checkpassword PROG: plaintext logins
				   go to it instead of the account file */
  const char *pam_service;	/* "imap" or "pop" (UW's names) */
  int pam_session;		/* --pam-session: also pam_setcred() and
				   pam_open_session() at login */
  const char *host;		/* the client, "[a.b.c.d]" or "UNKNOWN"
				   (server_process.host): PAM's rhost.
				   The servers set it after
				   server_start(); NULL: no rhost */
  const char *program;		/* argv[0]'s base name: certificate
				   names, and "s..." means implicit TLS */
  const char *anonymous_file;	/* --anonymous-file: ANONYMOUS is offered
				   (IMAP) while it exists; default
				   /etc/anonymous.newsgroups, as UW */
  int nopwd;			/* --nopwd: as "set disable-plaintext 2" */
  struct tls_options {
    const char *cert_dir;	/* --tls-cert-dir, "set tls-certificate-
				   directory"; default /etc/ssl/certs */
    const char *key_dir;	/* --tls-key-dir, "set tls-key-directory";
				   default /etc/ssl/private */
    const char *cert_file;	/* --tls-cert FILE: instead of the named
				   search */
    const char *key_file;	/* --tls-key FILE */
    const char *client_ca;	/* --tls-client-ca FILE: ask for client
				   certificates (SASL EXTERNAL) */
    const char *ciphers;	/* --tls-ciphers: TLS 1.2 cipher list */
    int implicit;		/* --tls: TLS from the first byte */
    int no_implicit;		/* --no-tls: never implicit, even on 993 */
  } tls;
};

#define SERVER_SECRETS_DEFAULT "/etc/cram-md5.pwd"
#define SERVER_ANONYMOUS_DEFAULT "/etc/anonymous.newsgroups"

struct server_account {
  char *user;
  char *home;
  uid_t uid;
  gid_t gid;
};

/* Check user/password, asking in this order:
 *   1. the checkpassword program, when configured (login_checkpassword:
 *      it decides and gives uid, gid and home);
 *   2. the secrets file, while it exists: the password must be the
 *      user's secret there (UW's rule), the account comes from the
 *      account file or getpwnam();
 *   3. the account file (--passwd): its crypt(3) hash;
 *   4. PAM (pam_service), with getpwnam() for the account.
 * Returns 1 and fills acct on success, 0 on a bad user or password (no
 * detail), -1 on a configuration error (*error_r says what, for syslog
 * only). */
int login_check (const struct server_options *opt, const char *user,
		 const char *password, struct server_account *acct,
		 const char **error_r);
/* ------------------------------------------------------------ checkpw.c */

/* Ask checkpassword program prog (the qmail protocol: fd 3 gets
 * user\0password\0timestamp\0) about user/password.  On success the
 * program has run this server's --checkpassword-reply as the user, which
 * tells us uid, gid and home: returns 1 with acct filled (uid 0 is
 * refused).  0: bad login (exit status 1).  -1 with *error_r: it could
 * not run, gave no answer in LIM_CHECKPASSWORD_TIME, or failed otherwise
 * (qmail's 111: temporary). */
int login_checkpassword (const char *prog, const char *user,
			 const char *password, const char *timestamp,
			 struct server_account *acct, const char **error_r);
/* The reply helper: prints who we are (uid, gid, HOME, USER) for the
 * server that ran the checkpassword program; returns the exit status. */
int login_checkpassword_reply (void);

/* The user's secret from the secrets file, for CRAM-MD5 and SCRAM:
 * 1 with secret and acct filled (the account from the account file, or
 * getpwnam() without one), 0 when the file does not exist, the user has
 * no secret or no account, -1 with *error_r. */
int login_secret (const struct server_options *opt, const char *user,
		  struct buf *secret, struct server_account *acct,
		  const char **error_r);
/* The account of user, without a password (SASL EXTERNAL, whose proof
 * is the TLS client certificate): 1, 0 no such user, -1 with *error_r. */
int login_account (const struct server_options *opt, const char *user,
		   struct server_account *acct, const char **error_r);

/* ------------------------------------------------------------ pam.c */

/* Linux-PAM: pam_authenticate + pam_acct_mgmt for service (rhost set to
 * host) then getpwnam(PAM_USER) for uid, gid and home; with
 * open_session, pam_setcred + pam_open_session too (closed by
 * login_pam_end).  Same returns as login_check (expired or locked
 * accounts are 0, and say why in syslog). */
int login_pam (const char *service, const char *user, const char *password,
	       const char *host, int open_session,
	       struct server_account *acct, const char **error_r);
/* At the end of the session: pam_close_session and pam_end, if open. */
void login_pam_end (void);

/* APOP (RFC 1939): digest is the hex MD5 of challenge + the user's
 * secret.  Same returns as login_check. */
int login_check_apop (const struct server_options *opt, const char *user,
		      const char *challenge, const char *digest,
		      struct server_account *acct, const char **error_r);
/* 1 when the secrets file exists (APOP/CRAM-MD5 are offered). */
int login_have_secrets (const struct server_options *opt);
void login_account_free (struct server_account *acct);
/* setgroups/setgid/setuid to acct, then verify root cannot come back;
 * fatal on any failure.  A no-op when already running as acct->uid.  The
 * only place either server changes its ids. */
void login_drop_privileges (const struct server_account *acct);
/* Not root: acct must be who we already are.  0, or -1 with syslog. */
int login_check_uid (const struct server_account *acct, const char *host,
		     const char *program);
/* --make-password: read a line on stdin, print its crypt(3) hash.
 * Returns the exit status. */
int login_make_password (const char *program);
/* A failed login: syslog (LOG_AUTH, UW's words) "Login failed user=...
 * auth=... host=...", names made safe, never the password; then a pause
 * of delay seconds to slow guessing. */
void login_failure (const char *user, const char *auth, const char *host,
		    unsigned int delay);
/* A successful login: the privilege drop, env_init for the user, and the
 * home directory as the working directory (a syslog warning if not). */
void login_enter (const struct server_account *acct);
/* A client-chosen name for syslog: printable ASCII, at most 80 bytes. */
void login_log_name (struct buf *b, const char *name);

/* ------------------------------------------------------------- tls.c */

struct server_tls;		/* a server's TLS context; opaque */

/* The certificate for program at local IP local_ip (text form, NULL when
 * unknown), found as UW finds it:
 *   <cert_dir>/<program>-<local_ip>.pem if it exists (virtual hosts),
 *   else <cert_dir>/<program>.pem;
 * the key is <key_dir>/ the same name if that exists, else it must be in
 * the certificate file.  --tls-cert/--tls-key name them directly.
 * TLS >= 1.2, modern ciphers, server cipher preference, no compression,
 * no renegotiation, session tickets off (one process per connection).
 * With client_ca, client certificates are requested (not required) and
 * verified against it.  NULL with *error_r when there is no certificate
 * (or key) file: then TLS is not offered at all (never STARTTLS that
 * would always fail, unlike UW).  The files are only found here; they
 * are loaded by tls_server_ready, since most sessions never use TLS. */
struct server_tls *tls_server_new (const struct tls_options *o,
				   const char *program, const char *local_ip,
				   const char **error_r);
void tls_server_free (struct server_tls *t);
/* Load the certificate and key into an OpenSSL context, once: done by
 * tls_start, and by STARTTLS/STLS before they answer OK, since a file
 * that exists may still be unusable.  0, or -1 with *error_r (and the
 * same error ever after). */
int tls_server_ready (struct server_tls *t, const char **error_r);
/* The certificate file tls_server_new chose (for syslog and tests). */
const char *tls_server_cert_path (const struct server_tls *t);
/* A virtual host (UW: one certificate per local address) is named by
 * its certificate: when the per-address file was chosen, its first DNS
 * name fit for a greeting (letters, digits, '.', '-'), else its CN; NULL
 * otherwise (then the host's own name is used).  fs_get'ed. */
char *tls_server_host_name (const struct server_tls *t);
/* Handshake with the client on c's fds and switch c's I/O to TLS.  No
 * wait longer than timeout_ms.  Plaintext input c had buffered is
 * discarded first (the STARTTLS command injection attack): callers check
 * client_input_pending() before and refuse.  0, or -1 with *error_r
 * (for syslog; the connection is then unusable). */
int tls_start (struct server_tls *t, struct client *c, int timeout_ms,
	       const char **error_r);
/* After tls_start: 1 while the connection is encrypted. */
int tls_active (const struct client *c);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" for syslog, or NULL without TLS. */
const char *tls_description (const struct client *c);
/* The verified client certificate's identity for SASL EXTERNAL: its
 * subject's emailAddress, else its CN; NULL without a verified
 * certificate.  Valid while c lives. */
const char *tls_peer_identity (const struct client *c);
/* The SNI name the client asked for, NULL if none. */
const char *tls_sni (const struct client *c);

/* Implicit TLS (UW's rule and ours): o->implicit, or the local port of fd
 * 0 is the imaps/pop3s service (993/995), or program starts with 's'
 * ("simapd", "sipop3d") -- unless o->no_implicit. */
int tls_want_implicit (const struct tls_options *o, const char *program);
/* tls_want_implicit's port test, apart so tests can give it a socket: 1
 * when fd is a TCP socket whose local port is imaps or pop3s. */
int tls_implicit_port (int fd);

/* client.c accessors TLS needs */
int client_fd_in (const struct client *c);
int client_fd_out (const struct client *c);
/* Bytes read from the client but not yet consumed. */
size_t client_input_pending (const struct client *c);
/* Drop them (before a TLS handshake). */
void client_discard_input (struct client *c);
/* Called by client_free so the I/O layer can free its state. */
void client_set_io_free (struct client *c, void (*io_free) (void *ctx));

/* ------------------------------------------------------------- sasl.c */

/* Strict base64 (RFC 4648, padding required) into out; 0, or -1. */
int sasl_base64_decode (const char *in, size_t len, struct buf *out);
/* RFC 4616: [authzid] NUL authcid NUL passwd, split in place (msg is
 * NUL-terminated by struct buf).  0, or -1 when malformed (a missing or
 * extra NUL, an empty authcid). */
int sasl_plain_split (struct buf *msg, const char **authz,
		      const char **authc, const char **pass);

/* The server side of SASL mechanisms, for IMAP AUTHENTICATE and POP3
 * AUTH alike.  Protocol-free: the caller moves base64 text over its
 * wire, decodes it (sasl_base64_decode) and feeds the bytes in here.
 *   PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login), CRAM-MD5
 *   (RFC 2195), SCRAM-SHA-256 (RFC 5802/7677, no channel binding:
 *   gs2 flag "p" is refused, "n" and "y" are accepted), EXTERNAL (RFC
 *   4422 appendix A; the identity is the TLS client certificate's),
 *   ANONYMOUS (RFC 4505). */
enum sasl_status {
  SASL_CONTINUE = 1,		/* send *out as the next challenge */
  SASL_OK = 0,			/* logged in: acct is filled (anonymous:
				   acct->user NULL, see sasl_anonymous) */
  SASL_FAIL = -1,		/* bad credentials: "Login failed" */
  SASL_MALFORMED = -2,		/* the client broke the mechanism's
				   syntax: a protocol error */
  SASL_ERROR = -3,		/* a server-side problem; *error_r for
				   syslog */
};
struct sasl_server_ops {
  /* PLAIN and LOGIN: like login_check */
  int (*plain) (void *ctx, const char *user, const char *password,
		struct server_account *acct, const char **error_r);
  /* CRAM-MD5 and SCRAM: like login_secret */
  int (*secret) (void *ctx, const char *user, struct buf *secret,
		 struct server_account *acct, const char **error_r);
  /* EXTERNAL: like login_account */
  int (*account) (void *ctx, const char *user, struct server_account *acct,
		  const char **error_r);
  /* n random bytes (nonces, salts); tests make them fixed */
  void (*random) (void *ctx, unsigned char *buf, size_t n);
  void *ctx;
  const char *hostname;		/* CRAM-MD5's <pid.time@hostname> */
  const char *peer_identity;	/* EXTERNAL: tls_peer_identity(), NULL
				   when there is none */
  int allow_anonymous;		/* ANONYMOUS is offered */
};
struct sasl_exchange;
/* NULL when mech (any case) is unknown. */
struct sasl_exchange *sasl_new (const char *mech,
				const struct sasl_server_ops *ops);
/* One step.  in/len: the client's decoded response; have_in 0 when the
 * client sent none (no initial response).  *out gets the next challenge
 * (raw bytes, possibly empty) on SASL_CONTINUE, or SCRAM's server-final
 * message on SASL_OK (IMAP sends it as a final "+" continuation, POP3 the
 * same; RFC 4422 "additional data with success").  Every step after the
 * result is SASL_MALFORMED. */
enum sasl_status sasl_step (struct sasl_exchange *x, const unsigned char *in,
			    size_t len, int have_in, struct buf *out,
			    struct server_account *acct,
			    const char **error_r);
/* The user name the client gave so far ("" before), for the failure
 * log; the anonymous trace for ANONYMOUS. */
const char *sasl_user (const struct sasl_exchange *x);
/* The mechanism's canonical upper-case name. */
const char *sasl_mech_name (const struct sasl_exchange *x);
/* 1 after SASL_OK of ANONYMOUS. */
int sasl_anonymous (const struct sasl_exchange *x);
/* Zero every secret and free. */
void sasl_free (struct sasl_exchange *x);
/* RFC 4648 base64 of data, appended to out. */
void sasl_base64_encode (const unsigned char *data, size_t len,
			 struct buf *out);
/* For tests only (replaying the RFCs' examples): CRAM-MD5's challenge
 * time (0: the clock) and SCRAM's server nonce (NULL: random). */
void sasl_test_fix (time_t cram_time, const char *scram_server_nonce);

/* ---------------------------------------------------------- process.c */

/* "[a.b.c.d]" from tcpserver's TCPREMOTEIP or the socket on fd 0;
 * "UNKNOWN" when stdin is not a network connection. */
char *server_client_address (void);
/* fd 0's peer (peer 1) or local (peer 0) address as text, and its port:
 * 0, or -1 when fd 0 is not an IPv4/IPv6 socket.  ip has
 * INET6_ADDRSTRLEN (46) bytes. */
int server_socket_address (int peer, char ip[46], unsigned *port);
/* Our address on the connection ("127.0.0.1", "::1"), NULL when stdin
 * is not a network socket */
char *server_local_address (void);
struct server_process;
/* The certificate for this program and local address (p->tls), and the
 * handshake when TLS is implicit (tls_want_implicit); exits when TLS is
 * required and impossible.  Called by server_start(). */
void server_tls_setup (struct server_options *o, struct server_process *p);
/* STARTTLS/STLS before their OK: 0 when the certificate can be used,
 * else -1 after syslog says why ("TLS not available host=..."). */
int server_tls_usable (struct server_tls *t, const char *host);
/* STARTTLS/STLS after their OK: the handshake, logged as "CMD host=H:
 * TLSv1.3 ..."; a failure is logged ("CMD failed host=H: ...") and ends
 * the process, since the connection is then in an unknown state. */
void server_tls_handshake (struct server_tls *t, struct client *c,
			   const char *host, const char *cmd);
/* stdin is a TCP socket (inetd, tcpserver, systemd) */
int server_stdin_is_tcp (void);
/* The signals that end (or may end) a session: SIGHUP, SIGTERM, SIGUSR2
 * (kiss of death) and SIGALRM.  The connection's waits unblock them only
 * inside ppoll(), so none is missed between a check and a wait. */
void server_session_signals (sigset_t *set);
/* Option codes above the ASCII range for the long-only options */
enum {
  SERVER_OPT_PAM_SESSION = 1000, SERVER_OPT_TLS, SERVER_OPT_NO_TLS,
  SERVER_OPT_TLS_CERT, SERVER_OPT_TLS_KEY, SERVER_OPT_TLS_CERT_DIR,
  SERVER_OPT_TLS_KEY_DIR, SERVER_OPT_TLS_CLIENT_CA, SERVER_OPT_TLS_CIPHERS,
  SERVER_OPT_NOPWD, SERVER_OPT_ANONYMOUS,
};
/* The options both servers take (getopt_long rows; the letters are what
 * server_common_option() handles). */
#define SERVER_LONG_OPTIONS \
  { "pam-session", no_argument, NULL, SERVER_OPT_PAM_SESSION }, \
  { "tls", no_argument, NULL, SERVER_OPT_TLS }, \
  { "no-tls", no_argument, NULL, SERVER_OPT_NO_TLS }, \
  { "tls-cert", required_argument, NULL, SERVER_OPT_TLS_CERT }, \
  { "tls-key", required_argument, NULL, SERVER_OPT_TLS_KEY }, \
  { "tls-cert-dir", required_argument, NULL, SERVER_OPT_TLS_CERT_DIR }, \
  { "tls-key-dir", required_argument, NULL, SERVER_OPT_TLS_KEY_DIR }, \
  { "tls-client-ca", required_argument, NULL, SERVER_OPT_TLS_CLIENT_CA }, \
  { "tls-ciphers", required_argument, NULL, SERVER_OPT_TLS_CIPHERS }, \
  { "nopwd", no_argument, NULL, SERVER_OPT_NOPWD }, \
  { "anonymous-file", required_argument, NULL, SERVER_OPT_ANONYMOUS }, \
  { "passwd", required_argument, NULL, 'p' }, \
  { "secrets", required_argument, NULL, 'S' }, \
  { "config", required_argument, NULL, 'c' }, \
  { "syslog-stderr", no_argument, NULL, 's' }, \
  { "make-password", no_argument, NULL, 'm' }, \
  { "version", no_argument, NULL, 'V' }, \
  { "help", no_argument, NULL, 'h' }, \
  { "checkpassword", required_argument, NULL, 'C' }, \
  { "checkpassword-reply", no_argument, NULL, 'R' }
/* The help text of the options above, for both servers' --help */
#define SERVER_USAGE_OPTIONS \
  "  --passwd FILE     account file (user:hash:uid:gid:gecos:home:shell);\n" \
  "                    without it (and --checkpassword), PAM and the system\n" \
  "  --checkpassword PROG  ask this checkpassword program (qmail protocol,\n" \
  "                    e.g. vpopmail's vchkpw) about passwords\n" \
  "  --secrets FILE    CRAM-MD5/SCRAM/APOP secrets, used while the file\n" \
  "                    exists (default " SERVER_SECRETS_DEFAULT ")\n" \
  "  --pam-session     also open a PAM session at login\n" \
  "  --config FILE     c-client configuration instead of " SYSCONFIG "\n" \
  "  --tls / --no-tls  TLS from the first byte / never (default: port\n" \
  "                    993/995, or a program name starting with 's')\n" \
  "  --tls-cert FILE, --tls-key FILE   the certificate and key\n" \
  "  --tls-cert-dir DIR, --tls-key-dir DIR   where <program>[-<ip>].pem\n" \
  "                    are (default /etc/ssl/certs, /etc/ssl/private)\n" \
  "  --tls-client-ca FILE  verify client certificates (SASL EXTERNAL)\n" \
  "  --tls-ciphers LIST  OpenSSL cipher list for TLS 1.2\n" \
  "  --nopwd           no plaintext passwords before STARTTLS/STLS\n" \
  "  --syslog-stderr   copy syslog lines to stderr\n" \
  "  --make-password   read a password on stdin, print its crypt(3) hash\n"
/* 1 when opt was --passwd, --secrets, --config, --syslog-stderr or
 * --checkpassword; --checkpassword-reply (the helper a checkpassword
 * program runs) exits here with its status. */
int server_common_option (int opt, const char *arg, struct server_options *o);
/* argv[0]'s base name, or fallback */
const char *server_program_name (int argc, char *argv[], const char *fallback);

/* The signal that asks the session to end (SIGHUP, SIGTERM, SIGUSR2), 0
 * while none came; the program decides when to act on it. */
extern volatile sig_atomic_t server_signal;
struct server_process {
  struct client *client;	/* on fds 0 and 1 */
  char *host;			/* "[a.b.c.d]" or "UNKNOWN" */
  char *localhost;		/* our name for greetings */
  char *local_ip;		/* our address on the connection, NULL
				   when stdin is not TCP */
  struct server_tls *tls;	/* NULL: no usable certificate, so no
				   STARTTLS/STLS and no implicit TLS */
};
/* After the options: syslog (ident, LOG_MAIL), SIGPIPE ignored, the
 * connection, the session signals caught into server_signal (check as in
 * client_set_interrupt), the client's address, the c-client
 * configuration (its "set checkpassword" fills o->checkpassword unless
 * the command line did) and our host name. */
void server_start (const char *ident, struct server_options *o,
		   int (*check) (void), struct server_process *p);

/* ------------------------------------------------------------- auth.c */

/* The login policy and SASL over the wire, the same for IMAP and POP3.
 * What a server offers depends on the connection:
 *   plaintext (LOGIN, USER/PASS, PLAIN, LOGIN mechanism): unless
 *     "set disable-plaintext 1", or 2 (UW's SSLTYPE=nopwd, --nopwd)
 *     while the connection is not encrypted;
 *   CRAM-MD5, SCRAM-SHA-256: while the secrets file exists;
 *   EXTERNAL: with a verified TLS client certificate;
 *   ANONYMOUS: IMAP only, while the anonymous file exists. */
struct server_auth {
  const struct server_options *opt;
  struct client *client;
  const char *localhost;	/* CRAM-MD5 challenges */
  int anonymous_ok;		/* the protocol allows ANONYMOUS */
};
int server_plaintext_allowed (const struct server_auth *a);
/* 1 when plaintext is refused now but would be allowed after TLS */
int server_plaintext_after_tls (const struct server_auth *a);
int server_anonymous_allowed (const struct server_auth *a);
/* The canonical (upper-case) name of a mechanism we know, NULL if none */
const char *server_mech_name (const char *mech);
/* 1 when mech (any case) is offered now */
int server_mech_offered (const struct server_auth *a, const char *mech);
/* The offered mechanisms, each preceded by prefix (" AUTH=" for IMAP,
 * " " for POP3's SASL line), appended to b. */
void server_mechs (const struct server_auth *a, const char *prefix,
		   struct buf *b);

enum server_auth_result {
  AUTH_OK,			/* acct filled (or anonymous) */
  AUTH_FAILED,			/* bad credentials */
  AUTH_CANCELLED,		/* the client sent "*" */
  AUTH_BAD_BASE64,
  AUTH_MALFORMED,		/* broke the mechanism's syntax */
  AUTH_TOO_LONG,		/* a response over the line limit */
  AUTH_UNSUPPORTED,		/* mech not offered */
  AUTH_SERVER_ERROR,		/* *error_r for syslog */
  AUTH_DISCONNECT,		/* EOF, read error or signal */
  AUTH_TIMEOUT,
};
/* Run mech's exchange: challenges go out as "+ <base64>" lines, responses
 * come back one line each (at most max_line bytes).  ir: the initial
 * response from the command ("=" is an empty one), NULL for none.  On
 * AUTH_OK and AUTH_FAILED *user_r is the user name for the log (the
 * trace for ANONYMOUS; freed by the caller) and *anonymous_r says which. */
enum server_auth_result server_sasl (const struct server_auth *a,
				     const char *mech, const char *ir,
				     size_t max_line, int timeout_ms,
				     struct server_account *acct,
				     char **user_r, int *anonymous_r,
				     const char **error_r);
/* The delay before answering the nth failed login: grows with n. */
unsigned int server_login_delay (unsigned int base, unsigned int n);
/* The account anonymous sessions run as (ANONYMOUSUSER) */
int server_anonymous_account (struct server_account *acct,
			      const char **error_r);

/* c-client callbacks both servers install as they are */
void server_cb_dlog (MAILSTREAM *stream, char *string);
void server_cb_login (NETMBX *mb, char *user, char *pwd, long trial);
void server_cb_critical (MAILSTREAM *stream);
void server_cb_nocritical (MAILSTREAM *stream);

/* The driver's mm_critical/mm_nocritical: while inside, SIGHUP, SIGTERM,
 * SIGUSR2 and SIGALRM are held, so a mailbox rewrite is never cut short. */
void server_critical_enter (void);
void server_critical_leave (void);

/* ------------------------------------------------------------ clock.c */

/* The wall clock is watched, never trusted for timers; what it does is
 * only logged (LOG_MAIL|LOG_WARNING), never an error.  See docs/time.md. */

/* Where the session waits for its client (once per wakeup): compares how
 * far CLOCK_REALTIME moved with how far CLOCK_BOOTTIME moved since the
 * last call.  A difference of LIM_CLOCK_JUMP seconds or more is a jump,
 * logged once per session and direction as "System clock jumped backward
 * by N seconds (from <old> to <new>); timers are unaffected".  Returns -1
 * or 1 when it logged a backward or forward jump now, else 0. */
int clock_check_jump (void);
/* The comparison itself: w holds the last reading (zeroed: none yet).
 * Returns how far (ms) the wall clock moved beyond the steady one when
 * that is at least LIM_CLOCK_JUMP seconds either way, else 0; *from_ms_r
 * gets where the wall clock would be without the jump. */
struct clock_watch {
  int started;
  int warned;			/* 1: backward logged, 2: forward */
  int64_t real_ms, steady_ms;
};
int64_t clock_watch_step (struct clock_watch *w, int64_t real_ms,
			  int64_t steady_ms, int64_t *from_ms_r);
void clock_jump_message (struct buf *b, int64_t from_ms, int64_t to_ms);
/* Tests: where clock_check_jump reads its clocks (NULL: the real ones);
 * forgets the last reading and what was logged. */
void clock_test_source (void (*source) (int64_t *real_ms,
					int64_t *steady_ms));

/* After login, in the user's mail directory (the home; "/" in a closed
 * box): creates a uniquely named empty file, reads its mtime (the file
 * system's clock) and removes it.  When that differs from now by more
 * than LIM_CLOCK_SKEW seconds, logs "Clock skew: this host says <now>,
 * the file system at DIR says <mtime> (N seconds ahead|behind)" and
 * returns 1; 0 when the clocks agree; -1, silently, when the file cannot
 * be made (a read-only home is legal).  No fsync: tens of microseconds. */
int clock_check_skew (const char *dir);
/* The same with "now" given (tests) */
int clock_check_skew_at (const char *dir, time_t now);
/* The file system's time in dir as above: 0 with *fs_r, or -1 */
int clock_fs_time (const char *dir, time_t *fs_r);
void clock_skew_message (struct buf *b, const char *dir, time_t now,
			 time_t fs);

#endif

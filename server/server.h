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
 *   sasl.c       base64 and the SASL PLAIN message (RFC 4616)
 *   process.c    the client's address, whether stdin is TCP
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
  const char *passwd_file;	/* --passwd: the account file */
  const char *secrets_file;	/* --secrets: CRAM-MD5/APOP secrets,
				   used only while the file exists */
  int log_stderr;		/* --syslog-stderr */
  const char *checkpassword;	/* --checkpassword PROG: plaintext logins
				   go to it instead of the account file */
};

#define SERVER_SECRETS_DEFAULT "/etc/cram-md5.pwd"

struct server_account {
  char *user;
  char *home;
  uid_t uid;
  gid_t gid;
};

/* Check user/password.  With a checkpassword program configured, it
 * decides and gives uid, gid and home (login_checkpassword).  Otherwise
 * the account file gives them, and the password is checked against its
 * crypt(3) hash or, while the secrets file exists, against the user's
 * secret there instead (UW's rule).  Returns 1 and fills acct on success, 0 on a bad user or
 * password (no detail), -1 on a configuration error (*error_r says what,
 * for syslog only). */
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

/* ------------------------------------------------------------- sasl.c */

/* Strict base64 (RFC 4648, padding required) into out; 0, or -1. */
int sasl_base64_decode (const char *in, size_t len, struct buf *out);
/* RFC 4616: [authzid] NUL authcid NUL passwd, split in place (msg is
 * NUL-terminated by struct buf).  0, or -1 when malformed (a missing or
 * extra NUL, an empty authcid). */
int sasl_plain_split (struct buf *msg, const char **authz,
		      const char **authc, const char **pass);

/* ---------------------------------------------------------- process.c */

/* "[a.b.c.d]" from tcpserver's TCPREMOTEIP or the socket on fd 0;
 * "UNKNOWN" when stdin is not a network connection. */
char *server_client_address (void);
/* stdin is a TCP socket (inetd, tcpserver, systemd) */
int server_stdin_is_tcp (void);
/* The signals that end (or may end) a session: SIGHUP, SIGTERM, SIGUSR2
 * (kiss of death) and SIGALRM.  The connection's waits unblock them only
 * inside ppoll(), so none is missed between a check and a wait. */
void server_session_signals (sigset_t *set);
/* The options both servers take (getopt_long rows; the letters are what
 * server_common_option() handles). */
#define SERVER_LONG_OPTIONS \
  { "passwd", required_argument, NULL, 'p' }, \
  { "secrets", required_argument, NULL, 'S' }, \
  { "config", required_argument, NULL, 'c' }, \
  { "syslog-stderr", no_argument, NULL, 's' }, \
  { "make-password", no_argument, NULL, 'm' }, \
  { "version", no_argument, NULL, 'V' }, \
  { "help", no_argument, NULL, 'h' }, \
  { "checkpassword", required_argument, NULL, 'C' }, \
  { "checkpassword-reply", no_argument, NULL, 'R' }
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
};
/* After the options: syslog (ident, LOG_MAIL), SIGPIPE ignored, the
 * connection, the session signals caught into server_signal (check as in
 * client_set_interrupt), the client's address, the c-client
 * configuration (its "set checkpassword" fills o->checkpassword unless
 * the command line did) and our host name. */
void server_start (const char *ident, struct server_options *o,
		   int (*check) (void), struct server_process *p);

/* c-client callbacks both servers install as they are */
void server_cb_dlog (MAILSTREAM *stream, char *string);
void server_cb_login (NETMBX *mb, char *user, char *pwd, long trial);
void server_cb_critical (MAILSTREAM *stream);
void server_cb_nocritical (MAILSTREAM *stream);

/* The driver's mm_critical/mm_nocritical: while inside, SIGHUP, SIGTERM,
 * SIGUSR2 and SIGALRM are held, so a mailbox rewrite is never cut short. */
void server_critical_enter (void);
void server_critical_leave (void);

#endif

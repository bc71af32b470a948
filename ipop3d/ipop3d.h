/*
 * ipop3d: the POP3 server (RFC 1939, RFC 2449 CAPA, RFC 5034 SASL).  One
 * process serves one connection on stdin/stdout, like imapd, and shares
 * its connection I/O, account check and privilege drop (server/).  This
 * header is the contract between the modules:
 *
 *   parse.c      one command line -> keyword and arguments, message
 *                numbers; the dot-stuffing writer (pure: no I/O; fuzzed
 *                through fuzz/fuzz-pop3-command.c)
 *   session.c    states, the command table, login, the maildrop view
 *                (message numbers fixed at login, DELE kept in the session
 *                until QUIT), the UPDATE state, c-client callbacks
 *   main.c       process start: options, greeting, the command loop,
 *                signals, autologout
 *
 * Every limit is in c-client/bamboo/bamboo-limits.h (LIM_POP3_*).
 */
#ifndef BAMBOO_IPOP3D_H
#define BAMBOO_IPOP3D_H

#include <stddef.h>
#include <stdint.h>
#include "c-client.h"
#include "bamboo/buf.h"
#include "bamboo/bamboo-limits.h"
#include "server.h"

/* ------------------------------------------------------------ parse.c */

struct pop3_command {
  char name[LIM_POP3_KEYWORD + 1];	/* upper-cased keyword */
  char *rest;			/* everything after the keyword and one
				   space, unchanged (PASS takes it whole);
				   "" when there is none */
  char *args[LIM_POP3_ARGS];	/* rest split at runs of spaces (and
				   TABs), each NUL-terminated */
  size_t nargs;
  char argbuf_[LIM_POP3_LINE + 1];	/* private: the split copy of rest */
};

/* Parse one command line (without its CRLF; line[len] must be writable,
 * it becomes a NUL; rest points into line, which must outlive cmd).
 * Leading spaces are skipped.  Returns 0, or -1 with *error_r the text
 * for "-ERR <text>": "Command line too long" (len > LIM_POP3_LINE),
 * "Invalid character in command" (NUL, CR, LF, another control byte
 * but TAB, DEL), "Null command" (empty or only spaces), "Unknown command"
 * (a keyword that is not 1..LIM_POP3_KEYWORD ASCII letters), "Too many
 * arguments" (more than LIM_POP3_ARGS).  PASS is not split into args (a
 * password may hold any number of spaces): it has rest only. */
int pop3_parse_line (char *line, size_t len, struct pop3_command *cmd,
		     const char **error_r);

/* A message number or line count: 1..10 decimal digits, nothing else, no
 * sign.  0 on success, -1 if s is not one. */
int pop3_parse_number (const char *s, unsigned long *n);

/* The dot-stuffing writer.  Takes message text in pieces (any line-end
 * convention), writes it in POP3 form: every line ends CRLF (a bare LF
 * gets its CR, a CR already before LF is kept, a lone CR is data), a line
 * starting with '.' gets another '.' before it.  Bytes are otherwise
 * passed unchanged (NUL and 8-bit included).  lines >= 0 limits how many
 * lines are written (TOP); -1 writes everything.  emit() gets the output
 * in as few pieces as possible. */
struct pop3_stuffer {
  void (*emit) (void *ctx, const char *data, size_t len);
  void *ctx;
  long lines;			/* lines still to write; -1: no limit */
  int at_line_start;		/* the next byte starts a line */
  int pending_cr;		/* the last byte given was a CR not yet
				   written */
  uint64_t written;		/* bytes emitted */
};
void pop3_stuffer_init (struct pop3_stuffer *st, long lines,
			void (*emit) (void *ctx, const char *data, size_t len),
			void *ctx);
/* Returns 1 while more text is wanted, 0 once the line limit is reached. */
int pop3_stuff (struct pop3_stuffer *st, const char *data, size_t len);
/* Ends the text: a CRLF if the last line had none, then ".\r\n". */
void pop3_stuff_end (struct pop3_stuffer *st);

/* The UIDL of a message: UIDVALIDITY and UID as two 8-digit lower-case
 * hex numbers, as UW's ipop3d writes it, so imapd and ipop3d agree and
 * clients moving from UW keep their state.  out must hold 17 bytes. */
void pop3_uidl (unsigned long uidvalidity, unsigned long uid, char out[17]);

/* ---------------------------------------------------------- session.c */

enum pop3_state {
  POP3_AUTHORIZATION,
  POP3_TRANSACTION,
  POP3_UPDATE,			/* QUIT received after login */
  POP3_LOGOUT			/* the session is over */
};

/* One message as the client sees it: POP3 numbers are fixed at login. */
struct pop3_msg {
  unsigned long uid;
  unsigned long size;		/* RFC822.SIZE (CRLF form) */
  unsigned int deleted : 1;	/* DELE in this session */
  unsigned int retrieved : 1;	/* RETR in this session: \Seen at UPDATE */
  unsigned int gone : 1;	/* expunged by another session */
};

struct pop3d {
  struct client *client;
  enum pop3_state state;
  char *user;			/* after USER: the name given; after login:
				   the account */
  char *host;			/* client address for syslog */
  char *localhost;		/* our host name */
  const char *program;
  char challenge[128];		/* APOP timestamp "<pid.time@host>", or "" */

  MAILSTREAM *stream;
  struct pop3_msg *msgs;	/* msgs[0 .. nmsgs-1] are messages 1..nmsgs */
  unsigned long nmsgs;
  unsigned long uidvalidity;
  int expunged;			/* another session expunged since the last
				   refresh */
  unsigned long last;		/* highest message number accessed (LAST) */
  unsigned long last_at_login;

  unsigned int errors;		/* consecutive -ERR replies */
  unsigned int login_failures;
  int64_t idle_since_ms;	/* waiting for a command since then */
  char *last_error;		/* the library's last mm_log(ERROR) */

  /* options (main.c) */
  struct server_options opt;
  struct server_auth auth;	/* what may log in on this connection */
  struct server_tls *tls;	/* NULL: no certificate, no STLS */
  const char *expire;		/* --expire: "NEVER" or a number of days */
};

/* Run one command line.  Writes the reply (and any multi-line data). */
void pop3_dispatch (struct pop3d *s, char *line, size_t len);
/* The CAPA list for the state s is in, each line CRLF-terminated. */
void pop3_capabilities (struct pop3d *s, struct buf *b);
void pop3_install_callbacks (struct pop3d *s);
/* server_signal's meaning for a session: SIGHUP, SIGTERM always end it;
 * a kiss of death (SIGUSR2) only after LIM_POP3_KOD_IDLE of waiting for
 * the client, else it is dropped (returns 0; the check server_start()
 * gives the connection's waits). */
int pop3_obey_signal (void);
/* End the session if a signal asks for it (UW's replies and syslog). */
void pop3_end_if_signalled (struct pop3d *s);
/* End the session: reply (NULL: none), syslog "<reason> user=... host=...",
 * close the mailbox without deleting anything (UPDATE state aside), exit. */
void pop3_end (struct pop3d *s, const char *reply, const char *reason,
	       int status) __attribute__ ((noreturn));

#endif

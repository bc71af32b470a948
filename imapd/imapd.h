/*
 * imapd: the IMAP4rev1 server.  One process serves one connection on
 * stdin/stdout.  This header is the contract between the modules:
 *
 *   parse.c      bytes of one whole command -> tag, name, argument tree
 *                (pure: no I/O; fuzzed through fuzz/fuzz-imap-command.c)
 *   reader.c     reading one command with its literals under the limits
 *                (the connection itself, output and timeouts are shared
 *                with ipop3d: server/client.c, server/server.h)
 *   out.c        IMAP output syntax: strings, literals, flags, envelopes,
 *                body structures
 *   session.c    the session: states, dispatch through the command table,
 *                tagged replies, untagged updates, c-client callbacks
 *   commands.c   the command table (one row per command)
 *   main.c       process start: arguments, client address, syslog,
 *                greeting, the command loop
 *   (server/login.c: account lookup, password check, privilege drop)
 *   cmd-*.c      one file per command group
 *
 * Every limit is in c-client/bamboo/bamboo-limits.h (LIM_IMAP_*).
 */
#ifndef BAMBOO_IMAPD_H
#define BAMBOO_IMAPD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <signal.h>
#include "c-client.h"
#include "bamboo/buf.h"
#include "bamboo/bamboo-limits.h"
#include "server.h"

/* ------------------------------------------------------------ parse.c */

enum imap_arg_type {
  IMAP_ARG_END = 0,		/* terminates every argument array */
  IMAP_ARG_ATOM,		/* includes NIL, numbers, sequence sets, \Flags,
				   and BODY[...]<...> fetch atoms */
  IMAP_ARG_QUOTED,
  IMAP_ARG_LITERAL,		/* {n}, {n+}, ~{n} or ~{n+} */
  IMAP_ARG_LIST			/* ( ... ) */
};

struct imap_arg {
  enum imap_arg_type type;
  unsigned int literal8 : 1;	/* LITERAL written as ~{n} (RFC 3516) */
  char *str;			/* ATOM/QUOTED/LITERAL: NUL-terminated; a
				   literal may hold NULs, len is the truth */
  size_t len;
  struct imap_arg *list;	/* LIST: children, IMAP_ARG_END-terminated */
  size_t count;			/* LIST: number of children */
};

struct imap_command_line {
  char *tag;			/* NUL-terminated, within LIM_IMAP_TAG */
  char *name;			/* command name as sent (case kept) */
  struct imap_arg *args;	/* IMAP_ARG_END-terminated */
  size_t nargs;
  /* private to parse.c: storage freed by imap_command_line_free() */
  struct imap_arg *pool_;
  size_t pool_used_, pool_size_;
};

/* Parse one whole command: raw holds the line(s) exactly as received,
 * literals inline after their "{n}\r\n" (or "{n+}\r\n", "~{n}\r\n"), and
 * the final CRLF (a bare LF is accepted in its place).  raw is modified in
 * place (strings are NUL-terminated and unescaped there) and must outlive
 * the result.  Returns 0, or -1 with *error_r set to a short reason for a
 * BAD reply; on -1 cl->tag is still set when a valid tag was read (else
 * NULL, and the reply is "* BAD").  Enforces LIM_IMAP_TAG, LIM_IMAP_ARGS,
 * LIM_IMAP_DEPTH. */
int imap_parse_command (char *raw, size_t len, struct imap_command_line *cl,
			const char **error_r);
void imap_command_line_free (struct imap_command_line *cl);

/* Scan the end of one received line (without its CRLF) for a literal
 * announcement.  Returns 1 and sets *size, *nonsync (LITERAL+) and *binary
 * (~{n}) when the line ends with one; 0 when it does not; -1 when it ends
 * with a malformed one (e.g. "{12x}" or a size beyond 2^63). */
int imap_literal_at_end (const char *line, size_t len, uint64_t *size,
			 int *nonsync, int *binary);

/* Argument accessors: NULL/0 when the argument has another type. */
const char *imap_arg_atom (const struct imap_arg *a);	/* ATOM only */
/* astring and string refuse (NULL) a string holding a NUL byte, so a name
 * or password is never silently cut short; binary data (APPEND) uses
 * a->str and a->len. */
const char *imap_arg_astring (const struct imap_arg *a); /* ATOM/QUOTED/LITERAL */
const char *imap_arg_string (const struct imap_arg *a);	/* QUOTED/LITERAL */
int imap_arg_is_nil (const struct imap_arg *a);		/* atom NIL, any case */
/* nstring: NIL -> *s = NULL, returns 1; string -> returns 1; else 0 */
int imap_arg_nstring (const struct imap_arg *a, const char **s, size_t *len);
/* What a flag a client sends is: one of the five system flags a client
 * may set, \Recent (which it may not), a keyword (an atom), or invalid
 * (another \Flag, an empty name, or atom-specials). */
enum imap_flag_kind {
  IMAP_FLAG_INVALID, IMAP_FLAG_SYSTEM, IMAP_FLAG_RECENT, IMAP_FLAG_KEYWORD
};
enum imap_flag_kind imap_flag_kind (const char *f);
/* Unsigned 32-bit number (RFC 3501 number); 0 on success, -1 if not one. */
int imap_arg_number (const struct imap_arg *a, unsigned long *n);

/* ----------------------------------------------------------- reader.c */

/* The connection is server/client.c (server.h).  Read one whole command
 * into raw (replacing it), sending "+ Ready for literal data" for each
 * synchronising literal.  timeout_ms bounds the wait for the first byte
 * and for each later chunk; -1 waits forever.  Limits: LIM_IMAP_LINE, and
 * the literal and command sizes for the client's authenticated state.
 * CLIENT_TOO_BIG: *error_r says which limit; *tag_r is the tag when one
 * was read; the input is resynchronised (rest of the command discarded)
 * when *resync is set, otherwise the session must end with BYE. */
enum client_read client_read_command (struct client *c, struct buf *raw,
				      int timeout_ms, char *tag_r,
				      size_t tag_size, int *resync,
				      const char **error_r);

/* -------------------------------------------------------------- out.c */

/* Strings as IMAP wants them: a quoted string when that is possible and
 * short, otherwise a literal; never a bare 8-bit or CR/LF in quotes. */
void out_string (struct client *c, const char *s, size_t len);
void out_cstring (struct client *c, const char *s);	/* s may be NULL: NIL */
void out_nstring (struct client *c, const char *s, size_t len); /* NULL: NIL */
void out_astring (struct client *c, const char *s);	/* atom when safe */
void out_literal (struct client *c, const char *s, size_t len);
void out_literal8 (struct client *c, const char *s, size_t len); /* ~{n} */
/* A sequence set as IMAP writes it ("1:3,7"), built from numbers or runs
 * added in ascending order (COPYUID, APPENDUID, ESEARCH ALL).  Start from
 * SET_WRITER_INIT; count is how many numbers were added. */
struct set_writer {
  struct buf text;
  unsigned long first, last;	/* the open run */
  int open;
  unsigned long count;
};
#define SET_WRITER_INIT { BUF_INIT, 0, 0, 0, 0 }
void set_writer_add (struct set_writer *w, unsigned long n, unsigned long m);
void set_writer_add_set (struct set_writer *w, const SEARCHSET *set);
const char *set_writer_text (struct set_writer *w);	/* "" when empty */
void set_writer_free (struct set_writer *w);

/* "(\Seen \Answered kw ...)" for elt; \Recent included when set */
void out_flags (struct client *c, MAILSTREAM *stream, MESSAGECACHE *elt);
/* PERMANENTFLAGS list "(\Answered ... \*)" for the stream */
void out_permanentflags (struct client *c, MAILSTREAM *stream);
void out_envelope (struct client *c, ENVELOPE *env);
void out_address_list (struct client *c, ADDRESS *adr);
/* BODY (ext = 0) or BODYSTRUCTURE (ext = 1) of body */
void out_body_structure (struct client *c, BODY *body, int ext);
/* "dd-Mmm-yyyy hh:mm:ss +zzzz" in quotes, from the elt's internal date */
void out_internaldate (struct client *c, MESSAGECACHE *elt);

/* ---------------------------------------------------------- session.c */

enum imapd_state {
  STATE_NOT_AUTHENTICATED,
  STATE_AUTHENTICATED,
  STATE_SELECTED,
  STATE_LOGOUT
};

/* The reply a command handler leaves; session.c sends untagged updates
 * first and then the tagged line. */
enum imapd_status { REPLY_NONE = 0, REPLY_OK, REPLY_NO, REPLY_BAD };

struct imapd {
  struct client *client;
  enum imapd_state state;
  char *user;			/* logged-in user, NULL before */
  char *home;
  char *host;			/* client address for syslog, "[a.b.c.d]" */
  char *localhost;		/* our host name for the greeting */
  const char *program;		/* argv[0] basename */

  MAILSTREAM *stream;		/* selected mailbox, NULL when none */
  int readonly;			/* EXAMINE, or read-only open */
  unsigned long exists;		/* EXISTS the client was last told */
  unsigned long recent;		/* RECENT the client was last told */
  unsigned long uidvalidity;
  unsigned long uidnext;	/* last UIDNEXT reported */

  /* current command */
  const char *tag;
  int in_command;		/* inside a handler */
  int quiet_expunge;		/* CLOSE: expunges are not reported */
  int no_expunge_now;		/* non-UID FETCH/STORE/SEARCH... (7.4.1) */
  int suppress_flags;		/* STORE: its own FETCH replies cover it */
  enum imapd_status status;
  struct buf reply;		/* text after "tag STATUS " */
  char *last_error;		/* from mm_log(ERROR) during the command */

  /* session counters */
  unsigned int bad_count;	/* consecutive BADs */
  unsigned int login_failures;
  int enabled_utf8;		/* reserved (ENABLE UTF8=ACCEPT: not yet) */
  int64_t last_activity_ms;
  int test_mode;		/* preauthenticated over a pipe */

  /* options (main.c) */
  struct server_options opt;	/* account file, secrets file */
  struct server_auth auth;	/* what may log in on this connection */
  struct server_tls *tls;	/* NULL: no certificate, no STARTTLS */
  int starttls_pending;		/* STARTTLS was answered OK: handshake */
  int anonymous;		/* logged in with SASL ANONYMOUS: read-only,
				   #public/ #ftp/ #news. only */
  const char *alert_file;	/* /etc/imapd.alert */
};

/* Set the tagged reply.  fmt may begin with a response code "[...]". */
void reply_ok (struct imapd *s, const char *fmt, ...) BAMBOO_PRINTF (2, 3);
void reply_no (struct imapd *s, const char *fmt, ...) BAMBOO_PRINTF (2, 3);
void reply_bad (struct imapd *s, const char *fmt, ...) BAMBOO_PRINTF (2, 3);
/* NO with the library's last error (or fallback when there is none) */
void reply_no_lasterror (struct imapd *s, const char *fallback);

/* Run one parsed command: state checks, UID prefix, dispatch, updates,
 * tagged reply. */
void session_dispatch (struct imapd *s, struct imap_command_line *cl);
/* Untagged EXISTS/RECENT/EXPUNGE/FETCH FLAGS the client has not seen.
 * ping = 1 asks the driver for news first (only where 7.4.1 allows). */
void session_send_updates (struct imapd *s, int ping);
/* Install the c-client callbacks that route events to s. */
void session_install_callbacks (struct imapd *s);
/* Select mailbox (NULL to deselect); sends the SELECT/EXAMINE untagged
 * data.  Returns 0 or -1 (reply set). */
int session_select (struct imapd *s, const char *mailbox, int readonly);
void session_deselect (struct imapd *s, int expunge);
/* End a session that was not a LOGOUT: "* BYE bye" unless bye is NULL
 * (the client is gone), the syslog line "reason user=... host=..." that
 * administrators know (UW wording), close the mailbox (saving it), exit
 * with status. */
void session_end (struct imapd *s, const char *bye, const char *reason,
		  int status) __attribute__ ((noreturn));
/* No command for too long (UW's BYE and "Autologout" syslog line) */
void session_autologout (struct imapd *s) __attribute__ ((noreturn));
/* session_end (s, text, text, 0) */
void session_bye (struct imapd *s, const char *text) __attribute__ ((noreturn));
/* Mark elt's FLAGS as needing an untagged FETCH at the next update. */
void session_flags_dirty (struct imapd *s, unsigned long msgno);

/* Sequence set argument: marks elt->sequence on the selected stream.
 * Returns 0, or -1 with a BAD reply set (syntax, or a message number out
 * of range); UID sets outside the mailbox select nothing, as RFC 3501
 * wants. */
int session_sequence (struct imapd *s, const char *set, int uid);

/* The capability list (without "CAPABILITY"), for the state s is in. */
void session_capabilities (struct imapd *s, struct buf *b);

/* Callbacks into command modules */
void cmd_list_reply (struct imapd *s, int delimiter, char *name, long attr,
		     int lsub);
void cmd_status_reply (struct imapd *s, char *mailbox, MAILSTATUS *st);

/* ---------------------------------------------------------- commands.c */

typedef void imapd_cmd_fn (struct imapd *s, const struct imap_arg *args,
			   int uid);

#define CMD_NOAUTH	0x01	/* allowed before login */
#define CMD_AUTH	0x02	/* allowed once logged in */
#define CMD_SELECTED	0x04	/* needs a selected mailbox */
#define CMD_UID		0x08	/* has a UID form */
#define CMD_SEQNUMS	0x10	/* the non-UID form uses message numbers:
				   no EXPUNGE while it runs (RFC 3501
				   7.4.1) */
#define CMD_UNSELECTED	0x20	/* only while no mailbox is selected
				   (ENABLE, RFC 5161 3.1) */
#define CMD_WRITES	0x40	/* changes mailboxes or subscriptions:
				   refused to anonymous sessions */
#define CMD_ANY		(CMD_NOAUTH | CMD_AUTH)

struct imapd_command {
  const char *name;
  imapd_cmd_fn *fn;
  unsigned int flags;
};

const struct imapd_command *imapd_command_find (const char *name);

/* ---------------------------------------------------------- cmd-auth.c */

/* After a successful check: drop privileges, env_init, chdir home, set
 * state AUTHENTICATED, syslog "Login user=... host=...". */
/* s->auth from s's options and connection (before the first command) */
void session_auth_init (struct imapd *s);
/* STARTTLS's handshake, after its OK went out; exits on failure */
void session_start_tls (struct imapd *s);
/* The privilege drop, the state change and the OK; how: the SASL
 * mechanism for the syslog line, NULL for the LOGIN command */
void login_complete (struct imapd *s, const struct server_account *acct,
		     const char *how);

/* ----------------------------------------------------------- handlers */

/* cmd-any.c */
imapd_cmd_fn cmd_capability, cmd_noop, cmd_logout, cmd_id, cmd_enable;
/* cmd-auth.c */
imapd_cmd_fn cmd_login, cmd_authenticate, cmd_starttls;
/* cmd-mailbox.c; its argument helpers are shared with cmd-append.c:
 * the number of arguments; a mailbox name argument checked and made
 * canonical ("INBOX" in any case), or NULL with the reply set; whether a
 * name is the selected mailbox */
size_t cmd_mailbox_nargs (const struct imap_arg *args);
const char *cmd_mailbox_name (struct imapd *s, const struct imap_arg *a,
			      const char *cmd);
int cmd_mailbox_is_selected (struct imapd *s, const char *name);
imapd_cmd_fn cmd_select, cmd_examine, cmd_create, cmd_delete, cmd_rename,
  cmd_subscribe, cmd_unsubscribe, cmd_list, cmd_lsub, cmd_status,
  cmd_namespace, cmd_scan;
/* cmd-append.c */
imapd_cmd_fn cmd_append;
/* cmd-message.c */
imapd_cmd_fn cmd_check, cmd_close, cmd_unselect, cmd_expunge, cmd_store,
  cmd_copy, cmd_move;
/* cmd-fetch.c */
imapd_cmd_fn cmd_fetch;
/* cmd-search.c */
imapd_cmd_fn cmd_search, cmd_sort, cmd_thread;
/* cmd-idle.c */
imapd_cmd_fn cmd_idle;

#endif

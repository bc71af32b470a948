/*
 * session.c: the POP3 session.  The command table, login (USER/PASS, APOP,
 * AUTH PLAIN), the maildrop view and the UPDATE state.
 *
 * The maildrop view: at login the messages not already \Deleted become
 * POP messages 1..N, each remembered by UID.  DELE and RETR only mark the
 * session's own table; the mailbox is touched at QUIT alone (UPDATE),
 * where exactly the DELE'd UIDs get \Deleted and are expunged by UID and
 * the RETR'd ones get \Seen.  Every other way out (a dropped connection,
 * a signal, an autologout) closes the mailbox without deleting anything,
 * and RSET only has to clear the table.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "ipop3d.h"
#include "bamboo-config.h"

static struct pop3d *cur;	/* for the c-client callbacks */

/* ------------------------------------------------------------ replies */

static void
reply_ok (struct pop3d *s, const char *fmt, ...) BAMBOO_PRINTF (2, 3);
static void
reply_err (struct pop3d *s, const char *fmt, ...) BAMBOO_PRINTF (2, 3);

static void
reply_v (struct pop3d *s, const char *status, const char *fmt, va_list ap)
{
  struct buf b = BUF_INIT;
  buf_vprintf (&b, fmt, ap);
  client_printf (s->client, "%s %s\r\n", status, buf_cstr (&b));
  buf_free (&b);
}

static void
reply_ok (struct pop3d *s, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  reply_v (s, "+OK", fmt, ap);
  va_end (ap);
  s->errors = 0;
}

/* Every -ERR counts towards LIM_POP3_ERRORS but a failed login, which has
 * its own count and delay (login_failed). */
static void
reply_err (struct pop3d *s, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  reply_v (s, "-ERR", fmt, ap);
  va_end (ap);
  s->errors++;
}

void
pop3_end (struct pop3d *s, const char *reply, const char *reason, int status)
{
  /* the reply of the command that ended it (a third bad login, a
   * twentieth error) goes out first */
  if (reply)
    client_printf (s->client, "%s\r\n", reply);
  client_flush (s->client);
  syslog (LOG_INFO, "%s user=%s host=%s", reason, s->user ? s->user : "???",
	  s->host);
  if (s->stream) {		/* nothing deleted: DELEs live in s->msgs */
    MAILSTREAM *stream = s->stream;
    s->stream = NIL;
    mail_close (stream);
  }
  exit (status);
}

/* ------------------------------------------------------------- signals */

/* SIGHUP, SIGTERM and SIGUSR2 end the session only between commands or
 * while waiting for the client, and never inside a mailbox rewrite (the
 * driver's critical sections hold them): server_start() catches them.
 *
 * A kiss of death (SIGUSR2: another session wants the mailbox) is obeyed
 * only after LIM_POP3_KOD_IDLE of waiting for the client, as UW did, so
 * a POP client in the middle of a download is not cut off: ignoring it
 * here lets the wait go on.  Other signals always end the wait. */
int
pop3_obey_signal (void)
{
  if (server_signal != SIGUSR2)
    return 1;
  if (cur && cur->idle_since_ms &&
      client_now_ms () - cur->idle_since_ms >=
      (int64_t) LIM_POP3_KOD_IDLE * 1000)
    return 1;
  server_signal = 0;
  return 0;
}

/* UW's words: a hangup has nobody left to tell; a kiss of death is
 * "Killed (lost mailbox lock)".  Nothing is deleted in either case. */
void
pop3_end_if_signalled (struct pop3d *s)
{
  if (!server_signal || !pop3_obey_signal ())
    return;
  switch (server_signal) {
  case SIGHUP:
    pop3_end (s, NULL, "Hangup", 0);
  case SIGUSR2:
    pop3_end (s, "-ERR Received Kiss of Death",
	      "Killed (lost mailbox lock)", 0);
  default:
    pop3_end (s, "-ERR Killed", "Killed", 0);
  }
}

/* ------------------------------------------------------------ capabilities */

void
pop3_capabilities (struct pop3d *s, struct buf *b)
{
  buf_puts (b, "TOP\r\nLOGIN-DELAY 180\r\nUIDL\r\n");
  if (s->state == POP3_AUTHORIZATION) {
    struct buf mechs = BUF_INIT;
    if (server_plaintext_allowed (&s->auth))
      buf_puts (b, "USER\r\n");	/* RFC 2595: not without TLS (nopwd) */
    server_mechs (&s->auth, " ", &mechs);
    if (mechs.len)
      buf_printf (b, "SASL%s\r\n", buf_cstr (&mechs));
    buf_free (&mechs);
    if (s->tls && !tls_active (s->client))
      buf_puts (b, "STLS\r\n");
  }
  buf_puts (b, "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n");
  if (s->expire)
    buf_printf (b, "EXPIRE %s\r\n", s->expire);
  buf_printf (b, "IMPLEMENTATION Bamboo-%s\r\n", BAMBOO_VERSION);
}

static void
cmd_capa (struct pop3d *s, struct pop3_command *c)
{
  struct buf b = BUF_INIT;
  pop3_capabilities (s, &b);
  reply_ok (s, "Capability list follows:");
  client_write (s->client, b.data, b.len);
  client_puts (s->client, ".\r\n");
  buf_free (&b);
}

/* ---------------------------------------------------------------- login */

static void
login_failed (struct pop3d *s, const char *user, const char *auth)
{
  s->login_failures++;
  login_failure (user, auth, s->host,
		 server_login_delay (LIM_POP3_LOGIN_DELAY, s->login_failures));
  client_puts (s->client, "-ERR [AUTH] Bad login\r\n");
  if (s->login_failures >= LIM_POP3_LOGIN_FAILURES)
    pop3_end (s, NULL, "Too many login failures", 0);
}

/* A login's outcome from login_check*(): 1 go on with acct, else the
 * failure was handled. */
static int
login_result (struct pop3d *s, int r, struct server_account *acct,
	      const char *user, const char *error)
{
  if (r < 0)
    syslog (LOG_ERR, "Login configuration error host=%s: %s", s->host,
	    error ? error : "unknown");
  else if (r > 0 && !login_check_uid (acct, s->host, "ipop3d"))
    return 1;
  if (r > 0)
    login_account_free (acct);
  login_failed (s, user, user);
  return 0;
}

/* Messages 1..N: the mailbox's messages not already \Deleted. */
static void
build_view (struct pop3d *s)
{
  MAILSTREAM *st = s->stream;
  unsigned long i;
  /* UIDs the driver has just assigned (new mail, or a mailbox never
   * opened read/write) go to disk before any UIDL is handed out: a
   * session killed before its close would otherwise leave them unsaved,
   * and the next one would number the messages anew (new UIDLs: the
   * client downloads everything again), as would an imapd opening the
   * mailbox meanwhile.  A checkpoint with nothing new writes nothing. */
  mail_check (st);
  if (st->nmsgs)
    mail_fetch_fast (st, "1:*", NIL);
  s->msgs = fs_get ((st->nmsgs + 1) * sizeof *s->msgs);
  s->nmsgs = 0;
  s->last = 0;
  for (i = 1; i <= st->nmsgs; i++) {
    MESSAGECACHE *elt = mail_elt (st, i);
    struct pop3_msg *m;
    if (elt->deleted)
      continue;
    m = &s->msgs[s->nmsgs++];
    memset (m, 0, sizeof *m);
    m->uid = mail_uid (st, i);
    m->size = elt->rfc822_size;
    if (elt->seen)		/* LAST starts at the last seen message */
      s->last = s->nmsgs;
  }
  s->last_at_login = s->last;
  s->uidvalidity = st->uid_validity;
}

/* After a good password: become the user, open INBOX, say how many. */
static void
login_complete (struct pop3d *s, struct server_account *acct, const char *how)
{
  login_enter (acct);
  client_set_authenticated (s->client, 1);
  if (s->user)
    fs_give ((void **) &s->user);
  s->user = cpystr (acct->user);
  login_account_free (acct);

  s->stream = mail_open (NIL, "INBOX", NIL);
  if (!s->stream || s->stream->rdonly) {
    syslog (LOG_INFO, "Error opening or locking INBOX user=%s host=%s%s%s",
	    s->user, s->host, s->last_error ? ": " : "",
	    s->last_error ? s->last_error : "");
    pop3_end (s, s->stream ? "-ERR [IN-USE] Can't get lock.  Mailbox in use"
	      : "-ERR [SYS/TEMP] Unable to open user's INBOX", "Logout", 0);
  }
  build_view (s);
  s->state = POP3_TRANSACTION;
  reply_ok (s, "Mailbox open, %lu messages", s->nmsgs);
  syslog (LOG_INFO, "%s user=%s host=%s nmsgs=%lu/%lu", how, s->user,
	  s->host, s->nmsgs, s->stream->nmsgs);
}

static void
try_password (struct pop3d *s, const char *user, const char *pass,
	      const char *how)
{
  struct server_account acct;
  const char *error = NULL;
  int r = login_check (&s->opt, user, pass, &acct, &error);
  if (login_result (s, r, &acct, user, error))
    login_complete (s, &acct, how);
}

/* 1, or 0 after refusing a plaintext password ("set disable-plaintext",
 * or --nopwd before STLS) */
static int
plaintext_ok (struct pop3d *s)
{
  if (server_plaintext_allowed (&s->auth))
    return 1;
  if (s->tls && server_plaintext_after_tls (&s->auth))
    reply_err (s, "[AUTH] Plaintext authentication disallowed on non-secure "
	       "connection; use STLS first");
  else
    reply_err (s, "[AUTH] Plaintext authentication is disabled on this "
	       "server");
  return 0;
}

static void
cmd_user (struct pop3d *s, struct pop3_command *c)
{
  if (!plaintext_ok (s))
    return;
  if (s->user)
    fs_give ((void **) &s->user);
  if (c->nargs != 1) {
    reply_err (s, c->nargs ? "Too many arguments"
	       : "Missing username argument");
    return;
  }
  s->user = cpystr (c->args[0]);
  reply_ok (s, "User name accepted, password please");
}

static void
cmd_pass (struct pop3d *s, struct pop3_command *c)
{
  if (!plaintext_ok (s))
    return;
  if (!s->user)
    reply_err (s, "USER first");
  else if (!*c->rest)
    reply_err (s, "Missing password argument");
  else
    try_password (s, s->user, c->rest, "Login");
}

static void
cmd_apop (struct pop3d *s, struct pop3_command *c)
{
  struct server_account acct;
  const char *error = NULL;
  int r;
  if (!s->challenge[0]) {
    reply_err (s, "Not supported");
    return;
  }
  if (c->nargs != 2) {
    reply_err (s, c->nargs > 2 ? "Too many arguments"
	       : "Missing APOP argument");
    return;
  }
  if (s->user)
    fs_give ((void **) &s->user);
  s->user = cpystr (c->args[0]);
  r = login_check_apop (&s->opt, c->args[0], s->challenge, c->args[1], &acct,
			&error);
  if (login_result (s, r, &acct, c->args[0], error))
    login_complete (s, &acct, "APOP");
}

static void
cmd_auth (struct pop3d *s, struct pop3_command *c)
{
  struct server_account acct;
  const char *error = NULL;
  char *user = NULL;
  int anonymous = 0;
  if (!c->nargs) {		/* the RFC 1734 listing some clients ask */
    struct buf b = BUF_INIT;
    const char *p;
    size_t n;
    server_mechs (&s->auth, " ", &b);
    reply_ok (s, "Supported authentication mechanisms:");
    for (p = buf_cstr (&b); *p; p += n) {
      p += strspn (p, " ");
      n = strcspn (p, " ");
      client_printf (s->client, "%.*s\r\n", (int) n, p);
    }
    client_puts (s->client, ".\r\n");
    buf_free (&b);
    return;
  }
  if (c->nargs > 2) {
    reply_err (s, "Too many arguments");
    return;
  }
  if ((!strcasecmp (c->args[0], "PLAIN") || !strcasecmp (c->args[0], "LOGIN"))
      && !plaintext_ok (s))
    return;
  switch (server_sasl (&s->auth, c->args[0], c->nargs == 2 ? c->args[1] : NULL,
		       LIM_POP3_AUTH_RESPONSE, LIM_POP3_TIMEOUT_NOAUTH * 1000,
		       &acct, &user, &anonymous, &error)) {
  case AUTH_OK:
    if (s->user)
      fs_give ((void **) &s->user);
    s->user = cpystr (user);
    if (!login_check_uid (&acct, s->host, "ipop3d"))
      login_complete (s, &acct, "Auth");
    else {
      login_account_free (&acct);
      login_failed (s, user, user);
    }
    break;
  case AUTH_FAILED:
    login_failed (s, user ? user : "", user ? user : "");
    break;
  case AUTH_CANCELLED:
    reply_err (s, "Authentication cancelled");
    break;
  case AUTH_BAD_BASE64:
    reply_err (s, "Invalid base64 data");
    break;
  case AUTH_MALFORMED:
    reply_err (s, "[AUTH] Bad authentication");
    break;
  case AUTH_TOO_LONG:
    reply_err (s, "Authentication response too long");
    break;
  case AUTH_UNSUPPORTED:
    reply_err (s, "Unsupported authentication mechanism");
    break;
  case AUTH_SERVER_ERROR:
    syslog (LOG_ERR, "Login configuration error host=%s: %s", s->host,
	    error ? error : "unknown");
    login_failed (s, "", c->args[0]);
    break;
  case AUTH_TIMEOUT:
    pop3_end (s, "-ERR Autologout; idle for too long", "Autologout", 0);
  case AUTH_DISCONNECT:
    pop3_end_if_signalled (s);	/* SIGTERM etc. say so */
    pop3_end (s, NULL, "Unexpected client disconnect, while reading "
	      "authentication", 0);
  }
  if (user)
    fs_give ((void **) &user);
}

/* RFC 2595 4: "+OK" in plaintext, then the handshake.  Input pipelined
 * behind STLS would be taken as if it came through TLS, so it is
 * refused. */
static void
cmd_stls (struct pop3d *s, struct pop3_command *c)
{
  if (!s->tls) {
    reply_err (s, "STLS not available");
    return;
  }
  if (tls_active (s->client)) {
    reply_err (s, "Already in TLS");
    return;
  }
  if (c->nargs) {
    reply_err (s, "Too many arguments");
    return;
  }
  if (client_input_pending (s->client)) {
    client_discard_input (s->client);
    reply_err (s, "Commands may not follow STLS before the handshake");
    return;
  }
  if (server_tls_usable (s->tls, s->host)) {	/* the files exist: usable? */
    reply_err (s, "[SYS/PERM] STLS not available");
    return;
  }
  reply_ok (s, "Begin TLS negotiation");	/* tls_start flushes it */
  server_tls_handshake (s->tls, s->client, s->host, "STLS");
}

static void
cmd_quit_auth (struct pop3d *s, struct pop3_command *c)
{
  client_puts (s->client, "+OK Sayonara\r\n");
  client_flush (s->client);
  s->state = POP3_LOGOUT;
}

/* ------------------------------------------------------- the maildrop */

/* Catch up with the mailbox file before using what we know of it: the
 * session may not be its only writer (an imapd may have expunged, which
 * moves every later message), and reading at stale offsets would send the
 * wrong bytes.  A stat() when nothing changed.  Messages gone since are
 * marked so; the POP numbering never changes. */
static void
refresh (struct pop3d *s)
{
  unsigned long n;
  if (!mail_ping (s->stream))
    pop3_end (s, "-ERR [SYS/TEMP] Mailbox lost", "Mailbox lost", 1);
  if (s->stream->uid_validity != s->uidvalidity) {
    /* rewritten without its UIDs by some other program: our UIDs may
     * name other messages now, so none of them is touched again */
    for (n = 0; n < s->nmsgs; n++)
      s->msgs[n].gone = 1;
    return;
  }
  if (!s->expunged)
    return;
  for (n = 0; n < s->nmsgs; n++)
    if (!s->msgs[n].gone && !mail_msgno (s->stream, s->msgs[n].uid))
      s->msgs[n].gone = 1;
  s->expunged = 0;
}

/* The message argument args[i] (required): its table entry and current
 * message number, or NULL with the -ERR sent. */
static struct pop3_msg *
message_arg (struct pop3d *s, struct pop3_command *c, size_t i,
	     size_t max_args, unsigned long *msgno_r)
{
  unsigned long n, msgno;
  struct pop3_msg *m;
  if (c->nargs <= i) {
    reply_err (s, "Missing message number argument");
    return NULL;
  }
  if (c->nargs > max_args) {
    reply_err (s, "Too many arguments");
    return NULL;
  }
  if (pop3_parse_number (c->args[i], &n)) {
    reply_err (s, "Invalid message number");
    return NULL;
  }
  if (!n || n > s->nmsgs) {
    reply_err (s, "No such message");
    return NULL;
  }
  refresh (s);
  m = &s->msgs[n - 1];
  if (m->deleted) {
    reply_err (s, "Message %lu already deleted", n);
    return NULL;
  }
  if (m->gone || !(msgno = mail_msgno (s->stream, m->uid))) {
    m->gone = 1;
    reply_err (s, "Message %lu was removed by another session", n);
    return NULL;
  }
  if (msgno_r)
    *msgno_r = msgno;
  if (n > s->last)
    s->last = n;
  return m;
}

/* A listing of every message not deleted (LIST and UIDL without an
 * argument), or one message's line. */
static void
listing (struct pop3d *s, struct pop3_command *c, const char *intro,
	 void (*line) (struct pop3d *s, struct buf *b, unsigned long n))
{
  struct buf b = BUF_INIT;
  unsigned long n;
  if (c->nargs) {
    unsigned long last = s->last;
    struct pop3_msg *m = message_arg (s, c, 0, 1, NULL);
    s->last = last;		/* listing is not access (LAST) */
    if (m) {
      line (s, &b, (unsigned long) (m - s->msgs) + 1);
      reply_ok (s, "%s", buf_cstr (&b));
    }
    buf_free (&b);
    return;
  }
  refresh (s);
  reply_ok (s, "%s", intro);
  for (n = 1; n <= s->nmsgs; n++)
    if (!s->msgs[n - 1].deleted && !s->msgs[n - 1].gone) {
      buf_reset (&b);
      line (s, &b, n);
      buf_puts (&b, "\r\n");
      client_write (s->client, b.data, b.len);
    }
  client_puts (s->client, ".\r\n");
  buf_free (&b);
}

static void
list_line (struct pop3d *s, struct buf *b, unsigned long n)
{
  buf_printf (b, "%lu %lu", n, s->msgs[n - 1].size);
}

static void
uidl_line (struct pop3d *s, struct buf *b, unsigned long n)
{
  char id[17];
  pop3_uidl (s->uidvalidity, s->msgs[n - 1].uid, id);
  buf_printf (b, "%lu %s", n, id);
}

static void
cmd_list (struct pop3d *s, struct pop3_command *c)
{
  listing (s, c, "Mailbox scan listing follows", list_line);
}

static void
cmd_uidl (struct pop3d *s, struct pop3_command *c)
{
  listing (s, c, "Unique-ID listing follows", uidl_line);
}

static void
cmd_stat (struct pop3d *s, struct pop3_command *c)
{
  unsigned long n, count = 0, size = 0;
  if (c->nargs) {
    reply_err (s, "Too many arguments");
    return;
  }
  refresh (s);
  for (n = 0; n < s->nmsgs; n++)
    if (!s->msgs[n].deleted && !s->msgs[n].gone) {
      count++;
      size += s->msgs[n].size;
    }
  reply_ok (s, "%lu %lu", count, size);
}

static void
emit_client (void *ctx, const char *data, size_t len)
{
  client_write (ctx, data, len);
}

/* The message's header, then (lines < 0) all of its body or the first
 * lines lines, dot-stuffed and terminated.  RETR (ok_size) first says how
 * many octets follow: the header and body as fetched (CRLF text), plus
 * the CRLF pop3_stuff_end() adds to a message not ending in one. */
static void
send_message (struct pop3d *s, unsigned long msgno, long lines, int ok_size)
{
  struct pop3_stuffer st;
  unsigned long hlen = 0, tlen = 0;
  /* both stay valid together: they are the current message's texts */
  char *h = mail_fetch_header (s->stream, msgno, NIL, NIL, &hlen, FT_PEEK);
  char *t = lines ? mail_fetch_text (s->stream, msgno, NIL, &tlen, FT_PEEK)
    : "";
  if (ok_size) {
    const char *tail = tlen ? t + tlen - 1 : hlen ? h + hlen - 1 : NULL;
    reply_ok (s, "%lu octets", hlen + tlen +
	      ((tail && *tail != '\n') ? 2 : 0));
  }
  else
    reply_ok (s, "Top of message follows");
  pop3_stuffer_init (&st, -1, emit_client, s->client);
  pop3_stuff (&st, h, hlen);
  st.lines = lines;
  pop3_stuff (&st, t, tlen);
  pop3_stuff_end (&st);
}

static void
cmd_retr (struct pop3d *s, struct pop3_command *c)
{
  unsigned long msgno;
  struct pop3_msg *m = message_arg (s, c, 0, 1, &msgno);
  if (!m)
    return;
  send_message (s, msgno, -1, 1);
  m->retrieved = 1;
}

static void
cmd_top (struct pop3d *s, struct pop3_command *c)
{
  unsigned long msgno, lines;
  struct pop3_msg *m = message_arg (s, c, 0, 2, &msgno);
  if (!m)
    return;
  if (c->nargs < 2 || pop3_parse_number (c->args[1], &lines)) {
    reply_err (s, "Bad line count argument");
    return;
  }
  send_message (s, msgno, (long) lines, 0);
}

static void
cmd_dele (struct pop3d *s, struct pop3_command *c)
{
  struct pop3_msg *m = message_arg (s, c, 0, 1, NULL);
  if (!m)
    return;
  m->deleted = 1;
  reply_ok (s, "Message deleted");
}

static void
cmd_noop (struct pop3d *s, struct pop3_command *c)
{
  reply_ok (s, "No-op to you too!");
}

static void
cmd_rset (struct pop3d *s, struct pop3_command *c)
{
  unsigned long n;
  for (n = 0; n < s->nmsgs; n++)
    s->msgs[n].deleted = s->msgs[n].retrieved = 0;
  s->last = s->last_at_login;
  reply_ok (s, "Reset state");
}

static void
cmd_last (struct pop3d *s, struct pop3_command *c)
{
  reply_ok (s, "%lu", s->last);
}

/* "uid,uid:uid,..." of the messages with the bit set; NULL when none */
static char *
uid_set (struct pop3d *s, int retrieved, unsigned long *count)
{
  struct buf b = BUF_INIT;
  unsigned long n, run_start = 0, run_end = 0;
  *count = 0;
  for (n = 0; n <= s->nmsgs; n++) {
    struct pop3_msg *m = n < s->nmsgs ? &s->msgs[n] : NULL;
    int want = m && !m->gone && (retrieved ? m->retrieved && !m->deleted
				 : m->deleted);
    if (want && run_start && m->uid == run_end + 1) {
      run_end = m->uid;
      (*count)++;
      continue;
    }
    if (run_start) {		/* close the open run */
      buf_printf (&b, "%s%lu", b.len ? "," : "", run_start);
      if (run_end > run_start)
	buf_printf (&b, ":%lu", run_end);
      run_start = 0;
    }
    if (want) {
      run_start = run_end = m->uid;
      (*count)++;
    }
  }
  return b.len ? buf_detach (&b) : (buf_free (&b), NULL);
}

/* QUIT after login: the UPDATE state (RFC 1939 6). */
static void
cmd_quit (struct pop3d *s, struct pop3_command *c)
{
  unsigned long ndele, nseen;
  char *dele, *seen;
  long ok = T;

  s->state = POP3_UPDATE;
  if (s->last_error)
    fs_give ((void **) &s->last_error);
  refresh (s);			/* never flag by stale UIDs */
  if (s->stream->uid_validity != s->uidvalidity) {
    syslog (LOG_WARNING, "Update refused user=%s host=%s: UIDVALIDITY "
	    "changed during the session (mailbox rewritten by another "
	    "program)", s->user, s->host);
    pop3_end (s, "-ERR [SYS/TEMP] Mailbox changed by another program, "
	      "nothing deleted", "Logout", 0);
  }
  dele = uid_set (s, 0, &ndele);
  seen = uid_set (s, 1, &nseen);
  if (seen)
    mail_flag (s->stream, seen, "\\Seen", ST_UID | ST_SET);
  if (dele) {
    mail_flag (s->stream, dele, "\\Deleted", ST_UID | ST_SET);
    /* by UID: \Deleted that others set is theirs to expunge */
    ok = mail_expunge_full (s->stream, dele, EX_UID);
  }
  syslog (LOG_INFO, "Update user=%s host=%s nmsgs=%lu ndele=%lu nseen=%lu",
	  s->user, s->host, s->stream->nmsgs, ok ? ndele : 0, nseen);
  if (ok)
    client_puts (s->client, "+OK Sayonara\r\n");
  else
    client_printf (s->client, "-ERR [SYS/TEMP] Some deleted messages not "
		   "removed: %s\r\n", s->last_error ? s->last_error
		   : "expunge failed");
  if (dele)
    fs_give ((void **) &dele);
  if (seen)
    fs_give ((void **) &seen);
  {
    MAILSTREAM *stream = s->stream;
    s->stream = NIL;
    mail_close (stream);
  }
  client_flush (s->client);
  s->state = POP3_LOGOUT;
}

/* ------------------------------------------------------------- dispatch */

#define IN_AUTHORIZATION 0x1
#define IN_TRANSACTION 0x2

static const struct {
  const char *name;
  void (*fn) (struct pop3d *s, struct pop3_command *c);
  unsigned int states;
} commands[] = {
  { "CAPA", cmd_capa, IN_AUTHORIZATION | IN_TRANSACTION },
  { "USER", cmd_user, IN_AUTHORIZATION },
  { "PASS", cmd_pass, IN_AUTHORIZATION },
  { "APOP", cmd_apop, IN_AUTHORIZATION },
  { "AUTH", cmd_auth, IN_AUTHORIZATION },
  { "STLS", cmd_stls, IN_AUTHORIZATION },
  { "QUIT", cmd_quit_auth, IN_AUTHORIZATION },
  { "QUIT", cmd_quit, IN_TRANSACTION },
  { "STAT", cmd_stat, IN_TRANSACTION },
  { "LIST", cmd_list, IN_TRANSACTION },
  { "UIDL", cmd_uidl, IN_TRANSACTION },
  { "RETR", cmd_retr, IN_TRANSACTION },
  { "TOP", cmd_top, IN_TRANSACTION },
  { "DELE", cmd_dele, IN_TRANSACTION },
  { "NOOP", cmd_noop, IN_TRANSACTION },
  { "RSET", cmd_rset, IN_TRANSACTION },
  { "LAST", cmd_last, IN_TRANSACTION },
};

void
pop3_dispatch (struct pop3d *s, char *line, size_t len)
{
  struct pop3_command c;
  const char *error = NULL;
  unsigned int state = s->state == POP3_AUTHORIZATION ? IN_AUTHORIZATION
    : IN_TRANSACTION;
  size_t i;

  if (pop3_parse_line (line, len, &c, &error)) {
    /* a keyword no command can have reads as any unknown one */
    if (c.name[0] || strcmp (error, "Unknown command")) {
      reply_err (s, "%s", error);
      return;
    }
  }
  else
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
      if (!strcmp (c.name, commands[i].name) &&
	  (commands[i].states & state)) {
	commands[i].fn (s, &c);
	return;
      }
  reply_err (s, "Unknown %s state command", state == IN_AUTHORIZATION ?
	     "AUTHORIZATION" : "TRANSACTION");
}

/* ------------------------------------------------------------ callbacks */

static void
cb_log (MAILSTREAM *stream, char *string, long errflg)
{
  if (!string || errflg == NIL || errflg == PARSE)
    return;			/* chatter */
  if (errflg == ERROR && cur) {
    if (cur->last_error)
      fs_give ((void **) &cur->last_error);
    cur->last_error = cpystr (string);
    cur->last_error[strcspn (cur->last_error, "\r\n")] = '\0';
  }
  syslog (errflg == ERROR ? LOG_NOTICE : LOG_DEBUG, "%s", string);
}

static void
cb_notify (MAILSTREAM *stream, char *string, long errflg)
{
  cb_log (stream, string, errflg);
}

static long
cb_diskerror (MAILSTREAM *stream, long errcode, long serious)
{
  syslog (LOG_ALERT, "Disk error user=%s host=%s mbx=%s: %s%s",
	  (cur && cur->user) ? cur->user : "???", cur ? cur->host : "???",
	  (stream && stream->mailbox) ? stream->mailbox : "???",
	  strerror ((int) errcode), serious ? " (mailbox may be damaged)" : "");
  return T;			/* abort the operation (c-client's meaning) */
}

static void
cb_fatal (char *string)
{
  syslog (LOG_ALERT, "Fatal error user=%s host=%s: %s",
	  (cur && cur->user) ? cur->user : "???", cur ? cur->host : "???",
	  string ? string : "?");
  if (cur) {
    client_puts (cur->client, "-ERR [SYS/TEMP] Server crashing\r\n");
    client_flush (cur->client);
  }
  _exit (1);			/* no cleanup: the process state is suspect */
}

/* New mail and flag changes: POP shows the maildrop as it was at login.
 * POP lists no mailboxes either. */
static void
cb_ignore (MAILSTREAM *stream, unsigned long number)
{
}

/* Another session expunged: refresh() marks what went. */
static void
cb_expunged (MAILSTREAM *stream, unsigned long number)
{
  if (cur)
    cur->expunged = 1;
}

static void
cb_list (MAILSTREAM *stream, int delimiter, char *name, long attributes)
{
}

static void
cb_status (MAILSTREAM *stream, char *mailbox, MAILSTATUS *status)
{
}

static const struct mail_callbacks session_callbacks = {
  .searched = cb_ignore,
  .exists = cb_ignore,
  .expunged = cb_expunged,
  .flags = cb_ignore,
  .notify = cb_notify,
  .list = cb_list,
  .lsub = cb_list,
  .status = cb_status,
  .log = cb_log,
  .dlog = server_cb_dlog,
  .login = server_cb_login,
  .critical = server_cb_critical,
  .nocritical = server_cb_nocritical,
  .diskerror = cb_diskerror,
  .fatal = cb_fatal,
};

void
pop3_install_callbacks (struct pop3d *s)
{
  cur = s;
  mail_parameters (NIL, SET_CALLBACKS, (void *) &session_callbacks);
}

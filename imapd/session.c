/*
 * imapd session: the tagged reply a handler leaves, dispatch through the
 * command table, the untagged updates sent before every tagged reply, the
 * SELECT/EXAMINE data, and the c-client callbacks.
 *
 * One process serves one connection, so the callbacks reach the session
 * through one file-static pointer (set by session_install_callbacks).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "imapd.h"

static struct imapd *cur;	/* the session the callbacks report to */
static int cur_uid;		/* current command is a UID command */

/* Messages with elt->spare set lie within [dirty_lo, dirty_hi]; 0 = none.
 * A bound, not a count, so an expunge only has to shift it: the scan at
 * update time then costs nothing when no flags changed (100k mailboxes). */
static unsigned long dirty_lo, dirty_hi;

/* Untagged OK/NO lines from the library (warnings, parse problems),
 * queued so they never land inside a half-written FETCH response.  Bounded
 * by LIM_IMAP_LINE bytes; beyond that they are dropped. */
static struct buf notices;
static char *last_info;		/* mm_log(NIL) text: the OK text UW gives */
static int keywords_known;	/* stream keywords the client was told of */
static int alert_done;		/* /etc/imapd.alert shown once per session */

/* ------------------------------------------------------------- replies */

static void
reply_set (struct imapd *s, enum imapd_status st, const char *fmt,
	   va_list ap)
{
  s->status = st;
  buf_reset (&s->reply);
  buf_vprintf (&s->reply, fmt, ap);
}

void
reply_ok (struct imapd *s, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  reply_set (s, REPLY_OK, fmt, ap);
  va_end (ap);
}

void
reply_no (struct imapd *s, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  reply_set (s, REPLY_NO, fmt, ap);
  va_end (ap);
}

void
reply_bad (struct imapd *s, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  reply_set (s, REPLY_BAD, fmt, ap);
  va_end (ap);
}

void
reply_no_lasterror (struct imapd *s, const char *fallback)
{
  if (s->last_error && *s->last_error)
    reply_no (s, "%s", s->last_error);
  else
    reply_no (s, "%s", fallback);
}

/* Text from the library or a client may hold CR/LF: it ends at the first. */
static size_t
line_len (const char *t)
{
  return strcspn (t, "\r\n");
}

static void
notice_add (const char *prefix, const char *text)
{
  size_t n = line_len (text);
  if (notices.len + strlen (prefix) + n + 2 > LIM_IMAP_LINE)
    return;			/* a flood of parse warnings: keep the first */
  buf_puts (&notices, prefix);
  buf_append (&notices, text, n);
  buf_puts (&notices, "\r\n");
}

static void
notices_flush (struct imapd *s)
{
  if (notices.len)
    client_write (s->client, notices.data, notices.len);
  buf_reset (&notices);
}

/* ------------------------------------------------------------ updates */

void
session_flags_dirty (struct imapd *s, unsigned long msgno)
{
  if (!s->stream || !msgno || msgno > s->stream->nmsgs)
    return;
  mail_elt (s->stream, msgno)->spare = T;
  if (!dirty_lo || msgno < dirty_lo)
    dirty_lo = msgno;
  if (msgno > dirty_hi)
    dirty_hi = msgno;
}

static void
dirty_forget (void)
{
  dirty_lo = dirty_hi = 0;
}

/* The message numbered msgno went away: keep the bound covering the
 * messages that moved down by one. */
static void
dirty_expunged (unsigned long msgno)
{
  if (!dirty_lo)
    return;
  if (msgno < dirty_lo)
    dirty_lo--;
  if (msgno <= dirty_hi)
    dirty_hi--;
  if (!dirty_hi || dirty_hi < dirty_lo)
    dirty_forget ();
}

static void
send_flag_updates (struct imapd *s)
{
  MAILSTREAM *stream = s->stream;
  unsigned long i, hi;
  if (!dirty_lo)
    return;
  hi = dirty_hi < stream->nmsgs ? dirty_hi : stream->nmsgs;
  for (i = dirty_lo; i <= hi; i++) {
    MESSAGECACHE *elt = mail_elt (stream, i);
    if (!elt->spare)
      continue;
    elt->spare = NIL;
    client_printf (s->client, "* %lu FETCH (FLAGS ", i);
    out_flags (s->client, stream, elt);
    if (cur_uid)
      client_printf (s->client, " UID %lu", mail_uid (stream, i));
    client_puts (s->client, ")\r\n");
  }
  dirty_forget ();
}

static int
keyword_count (MAILSTREAM *stream)
{
  int i;
  for (i = 0; i < NUSERFLAGS && stream->user_flags[i]; i++);
  return i;
}

static void
send_flags_list (struct imapd *s)
{
  MAILSTREAM *stream = s->stream;
  int i;
  client_puts (s->client, "* FLAGS (\\Answered \\Flagged \\Deleted \\Draft "
	       "\\Seen");
  for (i = 0; i < NUSERFLAGS; i++)
    if (stream->user_flags[i]) {
      client_puts (s->client, " ");
      client_puts (s->client, stream->user_flags[i]);
    }
  client_puts (s->client, ")\r\n");
  keywords_known = keyword_count (stream);
}

static void
send_permanentflags (struct imapd *s)
{
  if (s->readonly || s->stream->rdonly) {
    client_puts (s->client, "* OK [PERMANENTFLAGS ()] No permanent flags "
		 "permitted\r\n");
    return;
  }
  client_puts (s->client, "* OK [PERMANENTFLAGS ");
  out_permanentflags (s->client, s->stream);
  client_puts (s->client, "] Permanent flags\r\n");
}

/* The mailbox went away under us (file deleted, lock lost): say so, log,
 * and end the session; nothing sensible can follow. */
static void __attribute__ ((noreturn))
mailbox_lost (struct imapd *s)
{
  const char *why = s->last_error ? s->last_error : "mailbox lost";
  client_printf (s->client, "* BYE %s Fatal mailbox error: %.*s\r\n",
		 s->localhost, (int) line_len (why), why);
  client_flush (s->client);
  syslog (LOG_INFO, "Fatal mailbox error user=%s host=%s mbx=%s: %.*s",
	  s->user ? s->user : "???", s->host,
	  s->stream->mailbox ? s->stream->mailbox : "???",
	  (int) line_len (why), why);
  s->stream = NIL;		/* unusable: do not close it */
  exit (1);
}

static void
send_alert (struct imapd *s)
{
  FILE *f;
  struct buf line = BUF_INIT;
  size_t total = 0;
  int r;
  alert_done = 1;
  if (!s->alert_file || !(f = fopen (s->alert_file, "r")))
    return;
  while ((r = buf_getline (f, &line, LIM_IMAP_LINE)) == 1) {
    size_t i, n = 0;
    for (i = 0; i < line.len; i++)	/* drop CR, LF and NUL */
      if (line.data[i] != '\r' && line.data[i] != '\n' && line.data[i])
	line.data[n++] = line.data[i];
    total += n;
    if (total > LIM_IMAP_LINE)
      break;
    client_puts (s->client, "* OK [ALERT] ");
    client_write (s->client, line.data, n);
    client_puts (s->client, "\r\n");
  }
  buf_free (&line);
  fclose (f);
}

void
session_send_updates (struct imapd *s, int ping)
{
  MAILSTREAM *stream = s->stream;
  if (stream && s->state == STATE_SELECTED) {
    if (ping && !mail_ping (stream))
      mailbox_lost (s);
    if (stream->uid_validity != s->uidvalidity) {
      s->uidvalidity = stream->uid_validity;
      client_printf (s->client, "* OK [UIDVALIDITY %lu] UID validity "
		     "status\r\n", s->uidvalidity);
    }
    if (keyword_count (stream) != keywords_known) {
      send_flags_list (s);
      send_permanentflags (s);
    }
    if (stream->nmsgs != s->exists) {
      s->exists = stream->nmsgs;
      client_printf (s->client, "* %lu EXISTS\r\n", s->exists);
    }
    if (stream->recent != s->recent) {
      s->recent = stream->recent;
      client_printf (s->client, "* %lu RECENT\r\n", s->recent);
    }
    send_flag_updates (s);
  }
  notices_flush (s);
  if (!alert_done && s->state != STATE_NOT_AUTHENTICATED &&
      s->state != STATE_LOGOUT)
    send_alert (s);
}

/* ----------------------------------------------------------- dispatch */

static const char *
status_word (enum imapd_status st)
{
  switch (st) {
  case REPLY_NO: return "NO";
  case REPLY_BAD: return "BAD";
  default: return "OK";
  }
}

/* "tag OK text": the handler's text, else the library's, else
 * "<NAME> completed" / "<NAME> failed" as UW says it. */
static void
send_tagged (struct imapd *s, const char *name)
{
  const char *text = buf_cstr (&s->reply);
  struct buf fallback = BUF_INIT;
  if (!*text) {
    if (s->status == REPLY_OK && last_info)
      text = last_info;
    else if (s->status != REPLY_OK && s->last_error)
      text = s->last_error;
    else {
      buf_printf (&fallback, "%s%s %s", cur_uid ? "UID " : "", name,
		  s->status == REPLY_OK ? "completed" : "failed");
      text = buf_cstr (&fallback);
    }
  }
  notices_flush (s);
  client_printf (s->client, "%s %s %.*s\r\n", s->tag ? s->tag : "*",
		 status_word (s->status), (int) line_len (text), text);
  buf_free (&fallback);
}

static void
command_reset (struct imapd *s)
{
  s->status = REPLY_NONE;
  buf_reset (&s->reply);
  if (s->last_error)
    fs_give ((void **) &s->last_error);
  if (last_info)
    fs_give ((void **) &last_info);
  s->quiet_expunge = 0;
  s->suppress_flags = 0;
  s->no_expunge_now = 0;
}

static int
state_allows (const struct imapd *s, unsigned int flags)
{
  switch (s->state) {
  case STATE_NOT_AUTHENTICATED:
    return (flags & CMD_NOAUTH) != 0;
  case STATE_AUTHENTICATED:
    return (flags & CMD_AUTH) && !(flags & CMD_SELECTED);
  case STATE_SELECTED:
    return (flags & CMD_AUTH) && !(flags & CMD_UNSELECTED);
  default:
    return 0;
  }
}

static void
name_upper (struct buf *b, const char *name)
{
  buf_reset (b);
  for (; *name && b->len < 64; name++)
    buf_putc (b, (*name >= 'a' && *name <= 'z') ? *name - 'a' + 'A' : *name);
}

/* The command named by cl (with "UID" taken off, *args and *uid then set
 * for the UID form) if it exists and the state allows it; otherwise NULL
 * with a BAD reply.  name gets the upper-case name for the reply text. */
static const struct imapd_command *
command_lookup (struct imapd *s, struct imap_command_line *cl,
		const struct imap_arg **args, int *uid, struct buf *name)
{
  const struct imapd_command *cmd;
  name_upper (name, cl->name ? cl->name : "");
  if (!strcmp (buf_cstr (name), "UID")) {
    const char *sub = imap_arg_atom (&(*args)[0]);
    if (!sub) {
      reply_bad (s, "Missing or invalid argument to UID");
      return NIL;
    }
    if (!(cmd = imapd_command_find (sub)) || !(cmd->flags & CMD_UID)) {
      reply_bad (s, "Command unrecognized: UID %.80s", sub);
      return NIL;
    }
    *uid = 1;
    (*args)++;
    name_upper (name, cmd->name);
  }
  else if (!(cmd = imapd_command_find (buf_cstr (name)))) {
    reply_bad (s, "Command unrecognized: %.80s", buf_cstr (name));
    return NIL;
  }
  if (state_allows (s, cmd->flags))
    return cmd;
  if (s->state == STATE_AUTHENTICATED && (cmd->flags & CMD_SELECTED))
    reply_bad (s, "No mailbox selected");
  else if (s->state == STATE_SELECTED && (cmd->flags & CMD_UNSELECTED))
    reply_bad (s, "%s is not valid with a mailbox selected",
	       buf_cstr (name));
  else if (s->state != STATE_NOT_AUTHENTICATED && (cmd->flags & CMD_NOAUTH))
    reply_bad (s, "Already logged in");
  else
    reply_bad (s, "Command not valid in this state: %s", buf_cstr (name));
  return NIL;
}

void
session_dispatch (struct imapd *s, struct imap_command_line *cl)
{
  const struct imapd_command *cmd;
  const struct imap_arg *args = cl->args;
  struct buf name = BUF_INIT;
  int ping;

  command_reset (s);
  s->tag = cl->tag;
  cur_uid = 0;
  if ((cmd = command_lookup (s, cl, &args, &cur_uid, &name))) {
    s->no_expunge_now = !cur_uid && (cmd->flags & CMD_SEQNUMS);
    s->in_command = 1;
    if (s->anonymous && (cmd->flags & CMD_WRITES))
      reply_no (s, "Anonymous users may not %s", buf_cstr (&name));
    else
      (*cmd->fn) (s, args, cur_uid);
    s->in_command = 0;
    if (s->status == REPLY_NONE)	/* UW: a logged error makes it NO */
      s->status = s->last_error ? REPLY_NO : REPLY_OK;
  }
  /* RFC 3501 7.4.1: no EXPUNGE (so no ping) while message numbers are in
   * use; nothing new after a BAD either */
  ping = !s->no_expunge_now && s->state == STATE_SELECTED &&
    s->status != REPLY_BAD;
  session_send_updates (s, ping);
  send_tagged (s, buf_cstr (&name));
  client_flush (s->client);
  if (s->starttls_pending)
    session_start_tls (s);
  if (s->status == REPLY_BAD)
    s->bad_count++;
  else
    s->bad_count = 0;
  s->no_expunge_now = 0;
  s->tag = NIL;
  buf_free (&name);
}

/* ------------------------------------------------------------- select */

static void
session_reset_mailbox (struct imapd *s)
{
  s->stream = NIL;
  s->readonly = 0;
  s->exists = s->recent = s->uidvalidity = s->uidnext = 0;
  keywords_known = 0;
  dirty_forget ();
  if (s->state == STATE_SELECTED)
    s->state = STATE_AUTHENTICATED;
}

static void
send_select_data (struct imapd *s)
{
  MAILSTREAM *stream = s->stream;
  unsigned long i;
  send_flags_list (s);
  client_printf (s->client, "* %lu EXISTS\r\n* %lu RECENT\r\n", s->exists,
		 s->recent);
  for (i = 1; i <= stream->nmsgs; i++)
    if (!mail_elt (stream, i)->seen) {
      client_printf (s->client, "* OK [UNSEEN %lu] first unseen message in "
		     "%s\r\n", i, stream->mailbox);
      break;
    }
  send_permanentflags (s);
  client_printf (s->client, "* OK [UIDVALIDITY %lu] UID validity status\r\n"
		 "* OK [UIDNEXT %lu] Predicted next UID\r\n", s->uidvalidity,
		 s->uidnext);
  if (stream->uid_nosticky)
    client_printf (s->client, "* NO [UIDNOTSTICKY] Non-permanent unique "
		   "identifiers: %s\r\n", stream->mailbox);
}

int
session_select (struct imapd *s, const char *mailbox, int readonly)
{
  MAILSTREAM *old = s->stream, *stream;
  const char *what = readonly ? "EXAMINE" : "SELECT";

  /* RFC 3501: selecting closes the current mailbox (without expunge) even
   * when the new one cannot be opened.  It is closed here rather than
   * recycled through mail_open(), which leaves it open when the new name
   * is invalid; once detached, its closing events are not reported. */
  session_reset_mailbox (s);
  if (old)
    mail_close (old);
  if (!mailbox)
    return 0;
  stream = mail_open (NIL, (char *) mailbox, readonly ? OP_READONLY : NIL);
  if (!stream) {
    reply_no_lasterror (s, "Can't open mailbox");
    return -1;
  }
  s->stream = stream;
  s->state = STATE_SELECTED;
  s->readonly = readonly || stream->rdonly;
  s->exists = stream->nmsgs;
  s->recent = stream->recent;
  s->uidvalidity = stream->uid_validity;
  s->uidnext = stream->uid_last + 1;
  send_select_data (s);
  reply_ok (s, "[%s] %s completed", s->readonly ? "READ-ONLY" : "READ-WRITE",
	    what);
  return 0;
}

void
session_deselect (struct imapd *s, int expunge)
{
  MAILSTREAM *stream = s->stream;
  if (!stream)
    return;
  s->quiet_expunge = 1;		/* CLOSE: expunges are not reported */
  mail_close_full (stream, (expunge && !s->readonly) ? CL_EXPUNGE : NIL);
  s->quiet_expunge = 0;
  session_reset_mailbox (s);
}

void
session_end (struct imapd *s, const char *bye, const char *reason,
	     int status)
{
  /* the mailbox first: its flags are saved and its lock given up before a
   * slow client can hold us up (a kiss-of-death sender is waiting) */
  session_deselect (s, 0);
  if (bye) {
    client_printf (s->client, "* BYE %.*s\r\n", (int) line_len (bye), bye);
    client_flush (s->client);
  }
  syslog (LOG_INFO, "%.*s user=%s host=%s", (int) line_len (reason), reason,
	  s->user ? s->user : "???", s->host);
  exit (status);
}

void
session_autologout (struct imapd *s)
{
  session_end (s, "Autologout; idle for too long", "Autologout", 0);
}

void
session_bye (struct imapd *s, const char *text)
{
  session_end (s, text, text, 0);
}

int
session_sequence (struct imapd *s, const char *set, int uid)
{
  long ok;
  if (!s->stream) {
    reply_bad (s, "No mailbox selected");
    return -1;
  }
  if (s->last_error)
    fs_give ((void **) &s->last_error);
  ok = uid ? mail_uid_sequence (s->stream, (unsigned char *) set)
    : mail_sequence (s->stream, (unsigned char *) set);
  if (ok)
    return 0;
  reply_bad (s, "%s", s->last_error ? s->last_error : "Invalid sequence");
  fs_give ((void **) &s->last_error);	/* spent on the BAD */
  return -1;
}

void
session_auth_init (struct imapd *s)
{
  s->auth.opt = &s->opt;
  s->auth.client = s->client;
  s->auth.localhost = s->localhost;
  s->auth.anonymous_ok = 1;	/* IMAP only, as UW */
}

void
session_capabilities (struct imapd *s, struct buf *b)
{
  buf_puts (b, "IMAP4REV1 I18NLEVEL=1 LITERAL+ IDLE UIDPLUS NAMESPACE "
	    "CHILDREN BINARY UNSELECT ESEARCH WITHIN SCAN SORT "
	    "THREAD=REFERENCES THREAD=ORDEREDSUBJECT MULTIAPPEND SASL-IR MOVE "
	    "ID ENABLE");
  if (s->state != STATE_NOT_AUTHENTICATED)
    return;
  /* never STARTTLS without a usable certificate (UW did, FAQ 7.28) */
  if (s->tls && !tls_active (s->client))
    buf_puts (b, " STARTTLS");
  if (!server_plaintext_allowed (&s->auth))
    buf_puts (b, " LOGINDISABLED");
  server_mechs (&s->auth, " AUTH=", b);
}

/* ---------------------------------------------------------- callbacks */

static int
ours (MAILSTREAM *stream)
{
  return cur && stream && stream == cur->stream;
}

static void
cb_searched (MAILSTREAM *stream, unsigned long number)
{
  /* handlers read elt->searched */
}

static void
cb_exists (MAILSTREAM *stream, unsigned long number)
{
  /* reported by session_send_updates, which compares counts */
}

static void
cb_expunged (MAILSTREAM *stream, unsigned long number)
{
  if (!ours (stream))
    return;
  dirty_expunged (number);
  if (cur->exists)
    cur->exists--;
  /* Written at once: message numbers shift under the client with it. */
  if (!cur->quiet_expunge)
    client_printf (cur->client, "* %lu EXPUNGE\r\n", number);
}

static void
cb_flags (MAILSTREAM *stream, unsigned long number)
{
  if (ours (stream) && !cur->suppress_flags)
    session_flags_dirty (cur, number);
}

static void
report (long errflg, const char *string, int notify)
{
  if (!cur || !string)
    return;
  switch (errflg) {
  case NIL:			/* information: the OK text, as UW has it */
    if (notify)
      notice_add ("* OK ", string);
    else if (cur->in_command) {
      if (last_info) {		/* UW: a previous one goes out untagged */
	notice_add ("* OK ", last_info);
	fs_give ((void **) &last_info);
      }
      last_info = cpystr (string);
      last_info[line_len (last_info)] = '\0';
    }
    break;
  case PARSE:
    notice_add ("* OK [PARSE] ", string);
    break;
  case WARN:
    notice_add ("* NO ", string);
    break;
  case BYE:
    notice_add ("* OK ", string);
    break;
  case ERROR:
  default:
    if (notify)
      notice_add ("* BAD ", string);
    else {
      if (cur->last_error)
	fs_give ((void **) &cur->last_error);
      cur->last_error = cpystr (string);
      cur->last_error[line_len (cur->last_error)] = '\0';
    }
    break;
  }
}

static void
cb_notify (MAILSTREAM *stream, char *string, long errflg)
{
  report (errflg, string, 1);
}

static void
cb_log (MAILSTREAM *stream, char *string, long errflg)
{
  report (errflg, string, 0);
}

static void
cb_list (MAILSTREAM *stream, int delimiter, char *name, long attributes)
{
  if (cur)
    cmd_list_reply (cur, delimiter, name, attributes, 0);
}

static void
cb_lsub (MAILSTREAM *stream, int delimiter, char *name, long attributes)
{
  if (cur)
    cmd_list_reply (cur, delimiter, name, attributes, 1);
}

static void
cb_status (MAILSTREAM *stream, char *mailbox, MAILSTATUS *status)
{
  if (cur)
    cmd_status_reply (cur, mailbox, status);
}

static long
cb_diskerror (MAILSTREAM *stream, long errcode, long serious)
{
  const char *mbx = (stream && stream->mailbox) ? stream->mailbox : "???";
  syslog (LOG_ALERT, "Disk error user=%s host=%s mbx=%s: %s%s",
	  (cur && cur->user) ? cur->user : "???", cur ? cur->host : "???", mbx,
	  strerror ((int) errcode), serious ? " (mailbox may be damaged)" : "");
  if (cur) {
    struct buf b = BUF_INIT;
    buf_printf (&b, "Disk error: %s", strerror ((int) errcode));
    notice_add ("* NO ", buf_cstr (&b));
    buf_free (&b);
  }
  return T;			/* abort the operation (c-client's meaning) */
}

static void
cb_fatal (char *string)
{
  const char *t = string ? string : "?";
  syslog (LOG_ALERT, "Fatal error user=%s host=%s mbx=%s: %s",
	  (cur && cur->user) ? cur->user : "???", cur ? cur->host : "???",
	  (cur && cur->stream && cur->stream->mailbox) ? cur->stream->mailbox
	  : "???", t);
  if (cur) {
    client_printf (cur->client, "* BYE [ALERT] IMAP4rev1 server crashing: "
		   "%.*s\r\n", (int) line_len (t), t);
    client_flush (cur->client);
  }
  _exit (1);			/* no cleanup: the process state is suspect */
}

static const struct mail_callbacks session_callbacks = {
  .searched = cb_searched,
  .exists = cb_exists,
  .expunged = cb_expunged,
  .flags = cb_flags,
  .notify = cb_notify,
  .list = cb_list,
  .lsub = cb_lsub,
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
session_install_callbacks (struct imapd *s)
{
  cur = s;
  mail_parameters (NIL, SET_CALLBACKS, (void *) &session_callbacks);
}

/*
 * imapd main: options, the client's address, syslog, the greeting and the
 * command loop.  Everything a command does happens in session.c and the
 * cmd-*.c handlers; this file only starts and ends the session.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>

#include "imapd.h"
#include "bamboo-config.h"
#include "env-int.h"
#include "linkage.h"

#define DEFAULT_ALERT_FILE "/etc/imapd.alert"

static void
usage (FILE *out, const char *program)
{
  fprintf (out,
	   "usage: %s [OPTION...]\n"
	   "       %s --make-password | --version | --help\n"
	   "IMAP4rev1 server on stdin/stdout (see imapd(8)).\n"
	   SERVER_USAGE_OPTIONS
	   "  --alert FILE      alert text shown after login (default %s)\n"
	   "  --anonymous-file FILE  offer SASL ANONYMOUS while it exists\n"
	   "                    (default %s)\n",
	   program, program, DEFAULT_ALERT_FILE, SERVER_ANONYMOUS_DEFAULT);
}

static int
is_dir (const char *path)
{
  struct stat st;
  return path && *path && !stat (path, &st) && S_ISDIR (st.st_mode);
}

/* Test mode and ssh "rimap": not root and not on a TCP socket, so whoever
 * started us is already the user.  A remote client cannot get here. */
static void
preauthenticate (struct imapd *s)
{
  struct passwd *pw = getpwuid (geteuid ());
  const char *home = getenv ("HOME");
  if (!pw) {
    syslog (LOG_ERR, "Unable to look up user name for uid %lu",
	    (unsigned long) geteuid ());
    fprintf (stdout, "* BYE Unable to look up user name\r\n");
    exit (1);
  }
  if (!is_dir (home))
    home = pw->pw_dir;
  s->user = cpystr (pw->pw_name);
  s->home = cpystr (home ? home : "/");
  env_init (s->user, s->home);
  if (chdir (s->home))
    syslog (LOG_WARNING, "Cannot enter home user=%s home=%s: %s", s->user,
	    s->home, strerror (errno));
  client_set_authenticated (s->client, 1);
  s->state = STATE_AUTHENTICATED;
  s->test_mode = 1;
}

static void
greet (struct imapd *s)
{
  struct buf caps = BUF_INIT;
  char date[MAILTMPLEN];
  rfc822_date (date);
  session_capabilities (s, &caps);
  if (s->test_mode)
    client_printf (s->client, "* PREAUTH [CAPABILITY %s] Pre-authenticated "
		   "user %s %s IMAP4rev1 Bamboo %s at %s\r\n", buf_cstr (&caps),
		   s->user, s->localhost, BAMBOO_VERSION, date);
  else
    client_printf (s->client, "* OK [CAPABILITY %s] %s IMAP4rev1 Bamboo %s "
		   "at %s\r\n", buf_cstr (&caps), s->localhost,
		   BAMBOO_VERSION, date);
  buf_free (&caps);
  if (s->test_mode) {
    syslog (LOG_INFO, "Preauthenticated user=%s host=%s", s->user, s->host);
    session_send_updates (s, 0);	/* the alert */
  }
  client_flush (s->client);
}


/* UW's wording: a hangup has nobody left to say goodbye to; the kiss of
 * death (another session wants the mailbox) is "Killed (lost mailbox
 * lock)".  Closing the mailbox on the way out saves its flags. */
static void
end_if_signalled (struct imapd *s)
{
  switch (server_signal) {
  case 0:
    return;
  case SIGHUP:
    session_end (s, NULL, "Hangup", 0);
  case SIGUSR2:
    session_end (s, "Killed (lost mailbox lock)",
		 "Killed (lost mailbox lock)", 0);
  default:
    session_end (s, "Server shutting down", "Killed (terminated)", 0);
  }
}

/* One line from the client did not parse or broke a limit. */
static void
protocol_error (struct imapd *s, const char *tag, const char *error)
{
  client_printf (s->client, "%s BAD %s\r\n", (tag && *tag) ? tag : "*",
		 error ? error : "Invalid command");
  client_flush (s->client);
  s->bad_count++;
  if (s->state == STATE_NOT_AUTHENTICATED)
    syslog (LOG_INFO, "Protocol error before authentication host=%s: %s",
	    s->host, error ? error : "invalid command");
}

static void
serve_one (struct imapd *s, struct buf *raw)
{
  struct imap_command_line cl;
  const char *error = NULL;
  memset (&cl, 0, sizeof cl);
  if (imap_parse_command (raw->data, raw->len, &cl, &error))
    protocol_error (s, cl.tag, error);
  else
    session_dispatch (s, &cl);
  imap_command_line_free (&cl);
}

/* A read that brought no command: end the session, or (a limit broken but
 * the input resynchronised) answer BAD and go on. */
static void
read_failed (struct imapd *s, enum client_read r, const char *tag,
	     int resync, const char *error)
{
  struct buf why = BUF_INIT;
  switch (r) {
  case CLIENT_TIMEOUT:
    session_autologout (s);
  case CLIENT_EOF:
    session_end (s, NULL, "Unexpected client disconnect, while reading "
		 "line", 0);
  case CLIENT_TOO_BIG:
    if (!error)
      error = "Command too long";
    if (!resync)
      session_end (s, error, error, 1);
    protocol_error (s, tag, error);
    return;
  default:			/* UW: "<error>, while reading line" */
    buf_printf (&why, "%s, while reading line", error ? error : "Read error");
    session_end (s, NULL, buf_cstr (&why), 1);
  }
}

static void __attribute__ ((noreturn))
command_loop (struct imapd *s)
{
  struct buf raw = BUF_INIT;
  char tag[LIM_IMAP_TAG + 1];
  for (;;) {
    const char *error = NULL;
    int resync = 0;
    int timeout = (s->state == STATE_NOT_AUTHENTICATED)
      ? LIM_IMAP_TIMEOUT_NOAUTH * 1000 : LIM_IMAP_TIMEOUT_AUTH * 1000;
    enum client_read r;
    tag[0] = '\0';
    end_if_signalled (s);
    r = client_read_command (s->client, &raw, timeout, tag, sizeof tag,
			     &resync, &error);
    end_if_signalled (s);
    if (r == CLIENT_COMMAND)
      serve_one (s, &raw);
    else
      read_failed (s, r, tag, resync, error);
    s->last_activity_ms = client_now_ms ();
    if (s->state == STATE_LOGOUT)
      session_end (s, NULL, "Logout", 0);
    if (client_failed (s->client))
      session_end (s, NULL, "Write error, while writing text", 1);
    if (s->bad_count >= LIM_IMAP_BAD_COMMANDS)
      session_bye (s, "Too many protocol errors");
    if (s->login_failures >= LIM_IMAP_LOGIN_FAILURES)
      session_bye (s, "Too many login failures");
  }
}

int
main (int argc, char *argv[])
{
  static const struct option options[] = {
    SERVER_LONG_OPTIONS,
    { "alert", required_argument, NULL, 'a' },
    { NULL, 0, NULL, 0 }
  };
  static struct imapd session;
  struct imapd *s = &session;
  struct server_process proc;
  int opt;

  s->program = server_program_name (argc, argv, "imapd");
  s->alert_file = DEFAULT_ALERT_FILE;
  s->opt.secrets_file = SERVER_SECRETS_DEFAULT;
  s->opt.anonymous_file = SERVER_ANONYMOUS_DEFAULT;
  s->opt.program = s->program;
  s->opt.pam_service = "imap";
  while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1)
    if (!server_common_option (opt, optarg, &s->opt))
    switch (opt) {
    case 'a': s->alert_file = optarg; break;
    case 'm': return login_make_password ("imapd");
    case 'V': printf ("imapd (Bamboo IMAP) %s\n", BAMBOO_VERSION); return 0;
    case 'h': usage (stdout, s->program); return 0;
    default: usage (stderr, s->program); return 2;
    }
  if (optind < argc) {
    usage (stderr, s->program);
    return 2;
  }

#include "linkage.c"
  /* as UW: library notes (new mail moved to ~/mbox) go to syslog */
  mail_parameters (NIL, SET_SERVICENAME, (void *) "IMAP");
  server_start ("imapd", &s->opt, NULL, &proc);
  s->client = proc.client;
  s->host = proc.host;
  s->localhost = proc.localhost;
  s->tls = proc.tls;
  s->state = STATE_NOT_AUTHENTICATED;
  buf_init (&s->reply);
  session_install_callbacks (s);
  session_auth_init (s);
  if (geteuid () != 0 && !server_stdin_is_tcp ())
    preauthenticate (s);
  greet (s);
  s->last_activity_ms = client_now_ms ();
  command_loop (s);
}

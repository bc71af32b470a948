/*
 * ipop3d main: options, the greeting, the command loop, timers and
 * signals.  What a command does is in session.c.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ipop3d.h"
#include "bamboo-config.h"
#include "env-int.h"
#include "linkage.h"

static void
usage (FILE *out, const char *program)
{
  fprintf (out,
	   "usage: %s [OPTION...]\n"
	   "       %s --make-password | --version | --help\n"
	   "POP3 server on stdin/stdout (see ipop3d(8)).\n"
	   SERVER_USAGE_OPTIONS
	   "  --expire X        advertise the site's EXPIRE policy (RFC 2449): "
	   "NEVER or days\n",
	   program, program);
}

/* --expire: NEVER, or a number of days (RFC 2449 says 0 is allowed) */
static int
expire_ok (const char *v)
{
  unsigned long n;
  return !strcmp (v, "NEVER") || !pop3_parse_number (v, &n);
}

/* ------------------------------------------------------------- signals */

/* --------------------------------------------------------------- loop */

static void
greet (struct pop3d *s)
{
  if (login_have_secrets (&s->opt)) {
    /* RFC 1939's APOP timestamp; UW leaves the host name out before the
     * version then, as some clients choke on text after "+OK" */
    snprintf (s->challenge, sizeof s->challenge, "<%lx.%lx@%.64s>",
	      (unsigned long) getpid (), (unsigned long) time (NULL),
	      s->localhost);
    client_printf (s->client, "+OK POP3 Bamboo %s server ready %s\r\n",
		   BAMBOO_VERSION, s->challenge);
  }
  else
    client_printf (s->client, "+OK POP3 %s Bamboo %s server ready\r\n",
		   s->localhost, BAMBOO_VERSION);
}

/* How long the next command may take to come: the idle timeout, and
 * before login no more than what is left of LIM_POP3_TIMEOUT_NOAUTH
 * since the connection began (a trickle of commands does not keep an
 * unauthenticated connection alive). */
static int
read_timeout (struct pop3d *s, int64_t login_deadline)
{
  int64_t left;
  if (s->state != POP3_AUTHORIZATION)
    return LIM_POP3_TIMEOUT * 1000;
  left = login_deadline - client_now_ms ();
  return left < 0 ? 0 : (int) left;
}

static void __attribute__ ((noreturn))
command_loop (struct pop3d *s)
{
  struct buf line = BUF_INIT;
  int64_t login_deadline = client_now_ms () +
    (int64_t) LIM_POP3_TIMEOUT_NOAUTH * 1000;
  for (;;) {
    const char *error = NULL;
    enum client_read r;
    pop3_end_if_signalled (s);
    s->idle_since_ms = client_now_ms ();
    r = client_read_line (s->client, &line, LIM_POP3_LINE,
			  read_timeout (s, login_deadline), &error);
    pop3_end_if_signalled (s);	/* still idle: a kiss of death may count */
    s->idle_since_ms = 0;
    switch (r) {
    case CLIENT_COMMAND:
      pop3_dispatch (s, line.data, line.len);
      break;
    case CLIENT_TOO_BIG:
      client_puts (s->client, "-ERR Command line too long\r\n");
      s->errors++;
      break;
    case CLIENT_TIMEOUT:
      pop3_end (s, "-ERR Autologout; idle for too long", "Autologout", 0);
    case CLIENT_EOF:
      pop3_end (s, NULL, "Unexpected client disconnect, while reading line",
		0);
    default:
      {
	struct buf why = BUF_INIT;
	buf_printf (&why, "%s, while reading line", error ? error :
		    strerror (errno));
	pop3_end (s, NULL, buf_cstr (&why), 1);
      }
    }
    buf_zero (&line);		/* it may have held a password */
    if (s->state == POP3_LOGOUT)
      pop3_end (s, NULL, "Logout", 0);
    if (client_failed (s->client))
      pop3_end (s, NULL, "Write error, while writing text", 1);
    if (s->errors >= LIM_POP3_ERRORS)
      pop3_end (s, NULL, "Too many protocol errors", 0);
  }
}

int
main (int argc, char *argv[])
{
  static const struct option options[] = {
    SERVER_LONG_OPTIONS,
    { "expire", required_argument, NULL, 'e' },
    { NULL, 0, NULL, 0 }
  };
  static struct pop3d state;
  struct pop3d *s = &state;
  struct server_process proc;
  int opt;

  s->program = server_program_name (argc, argv, "ipop3d");
  s->opt.secrets_file = SERVER_SECRETS_DEFAULT;
  s->opt.anonymous_file = SERVER_ANONYMOUS_DEFAULT;
  s->opt.program = s->program;
  s->opt.pam_service = "pop";
  while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1)
    if (!server_common_option (opt, optarg, &s->opt))
    switch (opt) {
    case 'e':
      if (!expire_ok (optarg)) {
	fprintf (stderr, "%s: --expire wants NEVER or a number of days, "
		 "not \"%s\"\n", s->program, optarg);
	return 2;
      }
      s->expire = optarg;
      break;
    case 'm': return login_make_password ("ipop3d");
    case 'V': printf ("ipop3d (Bamboo IMAP) %s\n", BAMBOO_VERSION); return 0;
    case 'h': usage (stdout, s->program); return 0;
    default: usage (stderr, s->program); return 2;
    }
  if (optind < argc) {
    usage (stderr, s->program);
    return 2;
  }

#include "linkage.c"
  /* as UW: library notes (new mail moved to ~/mbox) go to syslog */
  mail_parameters (NIL, SET_SERVICENAME, (void *) "POP3");
  pop3_install_callbacks (s);
  server_start ("ipop3d", &s->opt, pop3_obey_signal, &proc);
  s->client = proc.client;
  s->host = proc.host;
  s->localhost = proc.localhost;
  s->tls = proc.tls;
  s->auth.opt = &s->opt;
  s->auth.client = s->client;
  s->auth.localhost = s->localhost;
  s->state = POP3_AUTHORIZATION;
  greet (s);
  command_loop (s);
}

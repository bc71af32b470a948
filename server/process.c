/*
 * process.c: facts about the connection a server was started on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <syslog.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "server.h"
#include "env-int.h"

char *
server_client_address (void)
{
  const char *env = getenv ("TCPREMOTEIP");
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  char text[INET6_ADDRSTRLEN] = "";
  struct buf b = BUF_INIT;

  if (env && *env && strlen (env) < INET6_ADDRSTRLEN)
    snprintf (text, sizeof text, "%s", env);
  else if (!getpeername (0, (struct sockaddr *) &sa, &len)) {
    if (sa.ss_family == AF_INET)
      inet_ntop (AF_INET, &((struct sockaddr_in *) &sa)->sin_addr, text,
		 sizeof text);
    else if (sa.ss_family == AF_INET6)
      inet_ntop (AF_INET6, &((struct sockaddr_in6 *) &sa)->sin6_addr, text,
		 sizeof text);
  }
  if (!*text)
    return cpystr ("UNKNOWN");
  buf_printf (&b, "[%s]", text);
  return buf_detach (&b);
}

int
server_stdin_is_tcp (void)
{
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  if (getsockname (0, (struct sockaddr *) &sa, &len))
    return 0;
  return sa.ss_family == AF_INET || sa.ss_family == AF_INET6;
}

/* A mailbox rewrite must not be cut short by a signal: the driver's
 * critical sections hold the ones that end a session (and the kiss of
 * death) until the rewrite is over.  Nested sections count. */
static int critical_depth;
static sigset_t critical_saved;

void
server_critical_enter (void)
{
  sigset_t set;
  if (critical_depth++)
    return;
  server_session_signals (&set);
  sigprocmask (SIG_BLOCK, &set, &critical_saved);
}

void
server_critical_leave (void)
{
  if (critical_depth > 0 && !--critical_depth)
    sigprocmask (SIG_SETMASK, &critical_saved, NULL);
}

/* ------------------------------------------------------- program start */

volatile sig_atomic_t server_signal;

static void
on_signal (int sig)
{
  server_signal = sig;
}

const char *
server_program_name (int argc, char *argv[], const char *fallback)
{
  const char *slash;
  if (argc < 1 || !argv[0] || !*argv[0])
    return fallback;
  return (slash = strrchr (argv[0], '/')) ? slash + 1 : argv[0];
}

int
server_common_option (int opt, const char *arg, struct server_options *o)
{
  switch (opt) {
  case 'p': o->passwd_file = arg; return 1;
  case 'S': o->secrets_file = arg; return 1;
  case 'c': env_config_path (arg); return 1;
  case 's': o->log_stderr = 1; return 1;
  case 'C': o->checkpassword = arg; return 1;
  case 'R': exit (login_checkpassword_reply ());
  default: return 0;
  }
}

void
server_start (const char *ident, struct server_options *o,
	      int (*check) (void), struct server_process *p)
{
  struct sigaction sa;
  openlog (ident, LOG_PID | (o->log_stderr ? LOG_PERROR : 0), LOG_MAIL);
  signal (SIGPIPE, SIG_IGN);	/* a dead client is a write error */
  p->client = client_new (0, 1);
  /* SIGHUP, SIGTERM and SIGUSR2 end the session, but only between
   * commands or while waiting for the client, never half-way through a
   * mailbox update (the driver's critical sections hold them) */
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;	/* no SA_RESTART: waits must see EINTR */
  sigemptyset (&sa.sa_mask);
  sigaction (SIGHUP, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGUSR2, &sa, NULL);
  client_set_interrupt (&server_signal, check);
  p->host = server_client_address ();
  env_config_load_once ();	/* the configured host name, if any */
  p->localhost = cpystr (mylocalhost ());
  /* --checkpassword wins over "set checkpassword" */
  if (!o->checkpassword)
    o->checkpassword = env_parameters (GET_CHECKPASSWORD, NIL);
}

/* -------------------------------------------------- c-client callbacks */

void
server_cb_dlog (MAILSTREAM *stream, char *string)
{
  if (string)
    syslog (LOG_DEBUG, "%s", string);
}

void
server_cb_login (NETMBX *mb, char *user, char *pwd, long trial)
{
  /* the servers open no remote mailboxes: give the driver nothing */
  if (user)
    *user = '\0';
  if (pwd)
    *pwd = '\0';
}

void
server_cb_critical (MAILSTREAM *stream)
{
  server_critical_enter ();
}

void
server_cb_nocritical (MAILSTREAM *stream)
{
  server_critical_leave ();
}

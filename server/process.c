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

int
server_socket_address (int peer, char ip[INET6_ADDRSTRLEN], unsigned *port)
{
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  const void *addr;
  if (peer ? getpeername (0, (struct sockaddr *) &sa, &len)
      : getsockname (0, (struct sockaddr *) &sa, &len))
    return -1;
  if (sa.ss_family == AF_INET) {
    addr = &((struct sockaddr_in *) &sa)->sin_addr;
    *port = ntohs (((struct sockaddr_in *) &sa)->sin_port);
  }
  else if (sa.ss_family == AF_INET6) {
    addr = &((struct sockaddr_in6 *) &sa)->sin6_addr;
    *port = ntohs (((struct sockaddr_in6 *) &sa)->sin6_port);
  }
  else
    return -1;
  return inet_ntop (sa.ss_family, addr, ip, INET6_ADDRSTRLEN) ? 0 : -1;
}

char *
server_client_address (void)
{
  const char *env = getenv ("TCPREMOTEIP");
  char text[INET6_ADDRSTRLEN] = "";
  unsigned port;
  struct buf b = BUF_INIT;

  if (env && *env && strlen (env) < INET6_ADDRSTRLEN)
    snprintf (text, sizeof text, "%s", env);
  else if (server_socket_address (1, text, &port))
    *text = '\0';
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
  case SERVER_OPT_PAM_SESSION: o->pam_session = 1; return 1;
  case SERVER_OPT_TLS: o->tls.implicit = 1; return 1;
  case SERVER_OPT_NO_TLS: o->tls.no_implicit = 1; return 1;
  case SERVER_OPT_TLS_CERT: o->tls.cert_file = arg; return 1;
  case SERVER_OPT_TLS_KEY: o->tls.key_file = arg; return 1;
  case SERVER_OPT_TLS_CERT_DIR: o->tls.cert_dir = arg; return 1;
  case SERVER_OPT_TLS_KEY_DIR: o->tls.key_dir = arg; return 1;
  case SERVER_OPT_TLS_CLIENT_CA: o->tls.client_ca = arg; return 1;
  case SERVER_OPT_TLS_CIPHERS: o->tls.ciphers = arg; return 1;
  case SERVER_OPT_NOPWD: o->nopwd = 1; return 1;
  case SERVER_OPT_ANONYMOUS: o->anonymous_file = arg; return 1;
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
  o->host = p->host;		/* PAM's rhost */
  atexit (login_pam_end);	/* --pam-session: closed however we end */
  p->local_ip = server_local_address ();
  env_config_load_once ();	/* the configured host name, if any */
  p->localhost = cpystr (mylocalhost ());
  /* --checkpassword wins over "set checkpassword" */
  if (!o->checkpassword)
    o->checkpassword = env_parameters (GET_CHECKPASSWORD, NIL);
  if (!o->tls.cert_dir)		/* the same for the certificate places */
    o->tls.cert_dir = env_parameters (GET_TLSCERTDIR, NIL);
  if (!o->tls.key_dir)
    o->tls.key_dir = env_parameters (GET_TLSKEYDIR, NIL);
  server_tls_setup (o, p);
}

char *
server_local_address (void)
{
  char text[INET6_ADDRSTRLEN];
  unsigned port;
  return server_socket_address (0, text, &port) ? NULL : cpystr (text);
}

int
server_tls_usable (struct server_tls *t, const char *host)
{
  const char *error = NULL;
  if (!tls_server_ready (t, &error))
    return 0;
  syslog (LOG_ERR, "TLS not available host=%s: %s", host, error);
  return -1;
}

void
server_tls_handshake (struct server_tls *t, struct client *c,
		      const char *host, const char *cmd)
{
  const char *error = NULL;
  if (tls_start (t, c, LIM_SERVER_TLS_HANDSHAKE * 1000, &error)) {
    syslog (LOG_INFO, "%s failed host=%s: %s", cmd, host,
	    error ? error : "unknown error");
    exit (1);			/* the connection is in an unknown state */
  }
  syslog (LOG_INFO, "%s host=%s: %s", cmd, host,
	  tls_description (c) ? tls_description (c) : "");
}

/* The certificate, and TLS from the first byte when that is wanted.  A
 * server that must speak TLS and cannot ends here: falling back to
 * plaintext on the imaps port would hand passwords to the network. */
void
server_tls_setup (struct server_options *o, struct server_process *p)
{
  const char *error = NULL;
  char *vhost;
  int implicit = tls_want_implicit (&o->tls, o->program);
  p->tls = tls_server_new (&o->tls, o->program, p->local_ip, &error);
  if (!p->tls) {
    if (implicit || o->tls.cert_file)
      syslog (LOG_ERR, "TLS not available host=%s: %s", p->host,
	      error ? error : "no certificate");
    if (implicit) {
      client_flush (p->client);
      exit (1);
    }
    return;
  }
  if ((vhost = tls_server_host_name (p->tls))) {
    fs_give ((void **) &p->localhost);
    p->localhost = vhost;
  }
  if (implicit && tls_start (p->tls, p->client,
			     LIM_SERVER_TLS_HANDSHAKE * 1000, &error)) {
    syslog (LOG_INFO, "Implicit TLS host=%s: %s", p->host,
	    error ? error : "unknown error");
    exit (1);
  }
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

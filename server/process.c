/*
 * process.c: facts about the connection a server was started on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "server.h"

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
server_session_signals (sigset_t *set)
{
  sigemptyset (set);
  sigaddset (set, SIGUSR2);
  sigaddset (set, SIGHUP);
  sigaddset (set, SIGTERM);
  sigaddset (set, SIGALRM);
}

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

/*
 * checkpw.c: login through a checkpassword program (the qmail protocol,
 * e.g. vpopmail's vchkpw).
 *
 * The program gets "user\0password\0timestamp\0" on fd 3 and, when the
 * password is good, becomes the user (uid, gid, HOME) and runs the
 * command named by its arguments.  That command is this server again,
 * "--checkpassword-reply": it only prints who it now is on its standard
 * output, a pipe back to us.  The session itself (and a TLS state) never
 * leaves this process: we take uid, gid and home from the reply and drop
 * privileges through the one privilege-drop function like any login.
 *
 * Exit status 1 means a bad login, anything else but 0 a temporary
 * failure (qmail: 111) that is logged.  The program gets TCPREMOTEIP,
 * TCPLOCALIP and TCPLOCALPORT even under inetd (vchkpw needs them for
 * roaming users and to tell POP from IMAP), and LIM_CHECKPASSWORD_TIME
 * seconds to answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "server.h"

#define REPLY_TAG "bamboo-checkpassword-reply"

/* TCPLOCALIP/TCPLOCALPORT/TCPREMOTEIP from fd 0 when tcpserver did not
 * set them (inetd, xinetd, systemd). */
static void
export_tcp_env (void)
{
  char ip[INET6_ADDRSTRLEN], port[16];
  unsigned n;
  int i;
  for (i = 0; i < 2; i++) {
    const char *ipvar = i ? "TCPREMOTEIP" : "TCPLOCALIP";
    if (getenv (ipvar) || server_socket_address (i, ip, &n))
      continue;
    snprintf (port, sizeof port, "%u", n);
    setenv (ipvar, ip, 0);
    setenv (i ? "TCPREMOTEPORT" : "TCPLOCALPORT", port, 0);
  }
}

/* The reply helper's path: the running program itself. */
static int
self_path (struct buf *b)
{
  char path[4096];
  ssize_t n = readlink ("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0)
    return -1;
  buf_append (b, path, (size_t) n);
  return 0;
}

/* In the child: fd 3 <- the secrets pipe, stdout -> the reply pipe,
 * stdin /dev/null; then the program. */
static void __attribute__ ((noreturn))
run_program (const char *prog, const char *helper, const char *helper_arg,
	     int secrets_fd, int reply_fd)
{
  int devnull = open ("/dev/null", O_RDWR);
  if (devnull < 0 || dup2 (devnull, 0) < 0 || dup2 (reply_fd, 1) < 0 ||
      dup2 (secrets_fd, 3) < 0)
    _exit (111);
  if (devnull > 3)
    close (devnull);
  if (reply_fd > 3)
    close (reply_fd);
  if (secrets_fd > 3)
    close (secrets_fd);
  signal (SIGPIPE, SIG_DFL);
  execl (prog, prog, helper, helper_arg, (char *) NULL);
  _exit (111);
}

/* Read the child's reply (at most LIM_ACCOUNT_LINE bytes) until EOF or
 * the deadline: 0, or -1 on timeout. */
static int
read_reply (int fd, struct buf *reply, int64_t deadline)
{
  char chunk[512];
  for (;;) {
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int64_t left = deadline - client_now_ms ();
    ssize_t n;
    if (left <= 0)
      return -1;
    if (poll (&pfd, 1, (int) left) < 0 && errno != EINTR)
      return -1;
    n = read (fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0)
      return 0;
    if (reply->len + (size_t) n <= LIM_ACCOUNT_LINE)
      buf_append (reply, chunk, (size_t) n);
  }
}

/* The helper's line "TAG uid gid home user" (TAB-separated), anywhere in
 * the reply: 0 with acct filled, or -1. */
static int
parse_reply (struct buf *reply, const char *login, struct server_account *acct)
{
  char *p = reply->data ? strstr (reply->data, REPLY_TAG "\t") : NULL;
  char *f[5], *end;
  unsigned long uid, gid;
  int n = 0;
  if (!p)
    return -1;
  p[strcspn (p, "\n")] = '\0';
  for (f[n++] = p; n < 5 && (p = strchr (p, '\t')); f[n++] = ++p)
    *p = '\0';
  if (n != 5)
    return -1;
  errno = 0;
  uid = strtoul (f[1], &end, 10);
  if (errno || *end || !*f[1])
    return -1;
  gid = strtoul (f[2], &end, 10);
  if (errno || *end || !*f[2] || f[3][0] != '/')
    return -1;
  acct->uid = (uid_t) uid;
  acct->gid = (gid_t) gid;
  acct->home = cpystr (f[3]);
  acct->user = cpystr (*f[4] ? f[4] : login);
  return 0;
}

int
login_checkpassword (const char *prog, const char *user, const char *password,
		     const char *timestamp, struct server_account *acct,
		     const char **error_r)
{
  static struct buf err = BUF_INIT;
  struct buf helper = BUF_INIT, reply = BUF_INIT, secrets = BUF_INIT;
  int sp[2] = { -1, -1 }, rp[2] = { -1, -1 }, status = 0, r = -1;
  int64_t deadline = client_now_ms () + (int64_t) LIM_CHECKPASSWORD_TIME * 1000;
  pid_t pid;

  memset (acct, 0, sizeof *acct);
  buf_reset (&err);
  if (self_path (&helper) || pipe (sp) || pipe (rp)) {
    buf_printf (&err, "checkpassword %s: cannot start: %s", prog,
		strerror (errno));
    goto done;
  }
  export_tcp_env ();
  if ((pid = fork ()) < 0) {
    buf_printf (&err, "checkpassword %s: fork: %s", prog, strerror (errno));
    goto done;
  }
  if (!pid) {
    close (sp[1]);
    close (rp[0]);
    run_program (prog, buf_cstr (&helper), "--checkpassword-reply", sp[0],
		 rp[1]);
  }
  close (sp[0]);
  close (rp[1]);
  sp[0] = rp[1] = -1;
  /* one write well under PIPE_BUF: the program reads it when it likes;
   * one that exits unread must not kill us with SIGPIPE */
  buf_append (&secrets, user, strlen (user) + 1);
  buf_append (&secrets, password, strlen (password) + 1);
  buf_append (&secrets, timestamp, strlen (timestamp) + 1);
  {
    struct sigaction ign, old;
    memset (&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction (SIGPIPE, &ign, &old);
    if (write (sp[1], secrets.data, secrets.len) < 0 && errno != EPIPE)
      syslog (LOG_WARNING, "checkpassword %s: write: %s", prog,
	      strerror (errno));
    sigaction (SIGPIPE, &old, NULL);
  }
  close (sp[1]);
  sp[1] = -1;
  if (read_reply (rp[0], &reply, deadline)) {
    kill (pid, SIGKILL);
    buf_printf (&err, "checkpassword %s: no answer within %d s", prog,
		LIM_CHECKPASSWORD_TIME);
  }
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (err.len)
    goto done;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 1)
    r = 0;			/* bad user or password */
  else if (!WIFEXITED (status) || WEXITSTATUS (status))
    buf_printf (&err, "checkpassword %s: %s %d (temporary failure)", prog,
		WIFEXITED (status) ? "exit status" : "killed by signal",
		WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status));
  else if (parse_reply (&reply, user, acct))
    buf_printf (&err, "checkpassword %s: succeeded but its command gave no "
		"account (does it run its arguments?)", prog);
  else if (!acct->uid) {
    buf_printf (&err, "checkpassword %s: account %s has uid 0: refusing to "
		"serve a session as root", prog, acct->user);
    login_account_free (acct);
  }
  else
    r = 1;
 done:
  if (sp[1] >= 0) close (sp[1]);
  if (sp[0] >= 0) close (sp[0]);
  if (rp[0] >= 0) close (rp[0]);
  if (rp[1] >= 0) close (rp[1]);
  buf_zero (&secrets);
  buf_free (&secrets);
  buf_free (&helper);
  buf_free (&reply);
  *error_r = err.len ? buf_cstr (&err) : NULL;
  return err.len ? -1 : r;
}

int
login_checkpassword_reply (void)
{
  const char *home = getenv ("HOME"), *user = getenv ("USER");
  char cwd[4096];
  /* some programs chdir to the home and set no HOME */
  if (!home || *home != '/')
    home = getcwd (cwd, sizeof cwd);
  if (!home)
    return 111;
  printf ("%s\t%lu\t%lu\t%s\t%s\n", REPLY_TAG, (unsigned long) getuid (),
	  (unsigned long) getgid (), home, user ? user : "");
  return fflush (stdout) ? 111 : 0;
}

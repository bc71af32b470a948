/*
 * client.c: the connection of imapd and ipop3d.  Reads lines (and the
 * pieces a protocol's own reader needs), buffers output, and keeps every
 * wait bounded: input by the caller's timeout, output by
 * LIM_SERVER_WRITE_TIMEOUT.
 *
 * Writes never block for long: on a socket the default layer uses
 * send(MSG_DONTWAIT) and on anything else it writes at most PIPE_BUF bytes
 * after poll() reported room, so a client that stops reading is caught by
 * the write timeout.  (O_NONBLOCK is not used: it belongs to the open file,
 * which the parent of a pipe shares.)
 *
 * A layer (TLS) may answer a read with EAGAIN when what arrived held no
 * data for us (a record of its own): the wait then goes on, within the
 * caller's timeout.  client_free() calls the layer's io_free hook.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "server.h"

#define CLIENT_READ_CHUNK 16384
#define CLIENT_OUT_FLUSH 65536		/* flush output beyond this much */
#define CLIENT_DISCARD_MAX (1UL << 20)	/* a too long line's rest we skip */

struct client {
  int fd_in, fd_out;
  int out_is_socket;
  struct client_io io;
  void (*io_free) (void *ctx);	/* frees io.ctx (the TLS state) */
  int authenticated;
  int failed;			/* a write failed: output is dropped */
  struct buf out;
  char *in;			/* input read but not consumed: in[start..end) */
  size_t in_start, in_end, in_cap;
};

/* ------------------------------------------------------ the plain layer */

static ssize_t plain_read (void *ctx, void *buf, size_t len)
{
  struct client *c = ctx;
  return read (c->fd_in, buf, len);
}

static int wait_fd (int fd, short events, int timeout_ms);

static ssize_t plain_write (void *ctx, const void *buf, size_t len)
{
  struct client *c = ctx;
  int r;
  if (c->out_is_socket)
    return send (c->fd_out, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  /* a pipe: with room reported, PIPE_BUF bytes go without blocking */
  r = wait_fd (c->fd_out, POLLOUT, LIM_SERVER_WRITE_TIMEOUT * 1000);
  if (r <= 0) {
    if (!r) errno = ETIMEDOUT;
    return -1;
  }
  return write (c->fd_out, buf, len < PIPE_BUF ? len : PIPE_BUF);
}

static int plain_pending (void *ctx)
{
  (void) ctx;
  return 0;
}

static int is_socket (int fd, int *tcp)
{
  int type;
  socklen_t len = sizeof type;
  struct sockaddr_storage sa;
  socklen_t salen = sizeof sa;
  *tcp = 0;
  if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &len)) return 0;
  if (type == SOCK_STREAM && !getsockname (fd, (struct sockaddr *) &sa, &salen) &&
      (sa.ss_family == AF_INET || sa.ss_family == AF_INET6))
    *tcp = 1;
  return 1;
}

struct client *client_new (int fd_in, int fd_out)
{
  struct client *c = fs_get (sizeof *c);
  int tcp, one = 1;
  memset (c, 0, sizeof *c);
  c->fd_in = fd_in;
  c->fd_out = fd_out;
  c->io.read = plain_read;
  c->io.write = plain_write;
  c->io.pending = plain_pending;
  c->io.ctx = c;
  buf_init (&c->out);
  c->in_cap = CLIENT_READ_CHUNK;
  c->in = fs_get (c->in_cap);
  /* replies are small and interactive: don't let Nagle hold them back */
  if (is_socket (fd_in, &tcp) && tcp)
    (void) setsockopt (fd_in, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->out_is_socket = is_socket (fd_out, &tcp);
  if (c->out_is_socket && tcp && fd_out != fd_in)
    (void) setsockopt (fd_out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return c;
}

void client_free (struct client *c)
{
  if (!c) return;
  if (c->io_free) c->io_free (c->io.ctx);
  buf_free (&c->out);
  if (c->in) fs_give ((void **) &c->in);
  fs_give ((void **) &c);
}

/* A layer replaced is done with: its hook frees it */
void client_set_io (struct client *c, const struct client_io *io)
{
  if (c->io_free) c->io_free (c->io.ctx);
  c->io_free = NULL;
  c->io = *io;
}

void client_set_io_free (struct client *c, void (*io_free) (void *ctx))
{
  c->io_free = io_free;
}

int client_fd_in (const struct client *c)
{
  return c->fd_in;
}

int client_fd_out (const struct client *c)
{
  return c->fd_out;
}

void client_set_authenticated (struct client *c, int yes)
{
  c->authenticated = yes ? 1 : 0;
}

int client_is_authenticated (const struct client *c)
{
  return c->authenticated;
}

int64_t client_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* -------------------------------------------------------------- output */

int client_failed (const struct client *c)
{
  return c->failed;
}

/* Wait until fd is ready for events; 1 ready, 0 timeout, -1 error */
/* Set by client_set_interrupt(): a signal that must end the session
 * (SIGHUP, SIGTERM) stops every wait instead of being retried. */
static volatile sig_atomic_t *interrupt_flag;
static int (*interrupt_check) (void);

void client_set_interrupt (volatile sig_atomic_t *flag, int (*check) (void))
{
  interrupt_flag = flag;
  interrupt_check = check;
}

/* An EINTR: give up the wait, or (no flag, or check says so) go on */
static int interrupted (void)
{
  if (!interrupt_flag || !*interrupt_flag) return 0;
  return !interrupt_check || interrupt_check ();
}

void
server_session_signals (sigset_t *set)
{
  sigemptyset (set);
  sigaddset (set, SIGUSR2);
  sigaddset (set, SIGHUP);
  sigaddset (set, SIGTERM);
  sigaddset (set, SIGALRM);
}

/* The session signals are blocked except inside ppoll(), so one that
 * comes after the flag was looked at (say, just after a reply went out)
 * still interrupts a wait for input instead of waiting for its timeout. */
static int wait_fd (int fd, short events, int timeout_ms)
{
  int64_t deadline = timeout_ms < 0 ? 0 : client_now_ms () + timeout_ms;
  sigset_t block, old;
  server_session_signals (&block);
  for (;;) {
    struct pollfd pfd = { .fd = fd, .events = events };
    struct timespec ts, *tsp = NULL;
    int r, err;
    if (timeout_ms >= 0) {
      int64_t d = deadline - client_now_ms ();
      if (d < 0) d = 0;
      ts.tv_sec = (time_t) (d / 1000);
      ts.tv_nsec = (long) (d % 1000) * 1000000L;
      tsp = &ts;
    }
    sigprocmask (SIG_BLOCK, &block, &old);
    /* only a wait for input gives up on a flag already set: the goodbye
     * that follows a signal must still be written */
    if ((events & POLLIN) && interrupted ()) {
      sigprocmask (SIG_SETMASK, &old, NULL);
      return -1;
    }
    r = ppoll (&pfd, 1, tsp, &old);
    err = errno;
    sigprocmask (SIG_SETMASK, &old, NULL);
    if (r > 0) return 1;
    if (!r) return 0;
    if (err != EINTR || interrupted ()) {
      errno = err;
      return -1;
    }
  }
}

int client_flush (struct client *c)
{
  size_t done = 0;
  while (!c->failed && done < c->out.len) {
    ssize_t n = c->io.write (c->io.ctx, c->out.data + done, c->out.len - done);
    if (n > 0) {
      done += (size_t) n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if ((!n || errno == EAGAIN || errno == EWOULDBLOCK) &&
	wait_fd (c->fd_out, POLLOUT, LIM_SERVER_WRITE_TIMEOUT * 1000) > 0)
      continue;
    c->failed = 1;		/* EPIPE, ECONNRESET, timeout: the peer is gone */
  }
  buf_reset (&c->out);
  return c->failed ? -1 : 0;
}

void client_write (struct client *c, const void *data, size_t len)
{
  if (c->failed) return;
  buf_append (&c->out, data, len);
  if (c->out.len > CLIENT_OUT_FLUSH) client_flush (c);
}

void client_puts (struct client *c, const char *s)
{
  client_write (c, s, strlen (s));
}

void client_printf (struct client *c, const char *fmt, ...)
{
  va_list ap;
  if (c->failed) return;
  va_start (ap, fmt);
  buf_vprintf (&c->out, fmt, ap);
  va_end (ap);
  if (c->out.len > CLIENT_OUT_FLUSH) client_flush (c);
}

/* --------------------------------------------------------------- input */

static size_t in_avail (const struct client *c)
{
  return c->in_end - c->in_start;
}

/* One read from the layer into dst, after waiting for input unless the
 * layer holds some.  Returns bytes read (> 0), or a client_read code. */
static ssize_t read_input (struct client *c, void *dst, size_t len,
			   int timeout_ms)
{
  int64_t deadline = timeout_ms < 0 ? 0 : client_now_ms () + timeout_ms;
  for (;;) {
    ssize_t n;
    if (!c->io.pending || c->io.pending (c->io.ctx) <= 0) {
      int r, left = timeout_ms;
      /* the client may be waiting for what we have said so far */
      if (c->out.len) client_flush (c);
      if (timeout_ms >= 0) {
	int64_t d = deadline - client_now_ms ();
	left = d < 0 ? 0 : (int) d;
      }
      r = wait_fd (c->fd_in, POLLIN, left);
      (void) clock_check_jump ();	/* a log line at most, never an error */
      if (!r) return CLIENT_TIMEOUT;
      if (r < 0) return CLIENT_ERROR;
    }
    do n = c->io.read (c->io.ctx, dst, len);
    while (n < 0 && errno == EINTR);
    if (n > 0) return n;
    if (!n) return CLIENT_EOF;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return CLIENT_ERROR;
    /* nothing for us after all (a TLS record of the layer's own) */
  }
}

/* Read more input.  Returns bytes read (> 0), or a client_read code. */
static ssize_t fill (struct client *c, int timeout_ms)
{
  ssize_t n;
  if (c->in_start == c->in_end) c->in_start = c->in_end = 0;
  if (c->in_cap - c->in_end < CLIENT_READ_CHUNK) {
    /* slide the unread part down, grow only if it really fills the buffer */
    if (c->in_start) {
      memmove (c->in, c->in + c->in_start, in_avail (c));
      c->in_end -= c->in_start;
      c->in_start = 0;
    }
    if (c->in_cap - c->in_end < CLIENT_READ_CHUNK) {
      c->in_cap = c->in_end + CLIENT_READ_CHUNK;
      fs_resize ((void **) &c->in, c->in_cap);
    }
  }
  n = read_input (c, c->in + c->in_end, c->in_cap - c->in_end, timeout_ms);
  if (n > 0) c->in_end += (size_t) n;
  return n;
}

int client_read_raw_line (struct client *c, struct buf *b, size_t max,
			  int timeout_ms)
{
  size_t got = 0;
  for (;;) {
    size_t avail = in_avail (c), take;
    char *lf = avail ? memchr (c->in + c->in_start, '\n', avail) : NULL;
    take = lf ? (size_t) (lf - (c->in + c->in_start)) + 1 : avail;
    if (take > max - got) {
      take = max - got;
      lf = NULL;
    }
    buf_append (b, c->in + c->in_start, take);
    c->in_start += take;
    got += take;
    if (lf) return 1;
    if (got >= max) return CLIENT_TOO_BIG;
    ssize_t r = fill (c, timeout_ms);
    if (r <= 0) return (int) r;
  }
}

int client_discard_line (struct client *c, int timeout_ms, const char *tail,
			 size_t tail_len, char end_r[2])
{
  size_t skipped = 0, i;
  char last[3] = { 0, 0, 0 };	/* the line's last 3 bytes before LF */
  end_r[0] = end_r[1] = '\0';
  for (i = tail_len > 3 ? tail_len - 3 : 0; i < tail_len; i++) {
    memmove (last, last + 1, 2);
    last[2] = tail[i];
  }
  for (;;) {
    size_t avail = in_avail (c), take;
    const char *from = c->in + c->in_start;
    char *lf = avail ? memchr (from, '\n', avail) : NULL;
    take = lf ? (size_t) (lf - from) : avail;
    for (i = take > 3 ? take - 3 : 0; i < take; i++) {
      memmove (last, last + 1, 2);
      last[2] = from[i];
    }
    c->in_start += take + (lf ? 1 : 0);
    skipped += take;
    if (lf) {
      /* the line's last two bytes before its CR, if it has one */
      const char *end = last + (last[2] == '\r' ? 2 : 3);
      end_r[0] = end[-2];
      end_r[1] = end[-1];
      return 1;
    }
    if (skipped >= CLIENT_DISCARD_MAX) return 0;
    ssize_t r = fill (c, timeout_ms);
    if (r <= 0) return (int) r;
  }
}

int client_read_bytes (struct client *c, struct buf *b, uint64_t n,
		       int timeout_ms)
{
  buf_reserve (b, (size_t) n);
  while (n) {
    size_t avail = in_avail (c);
    if (!avail) {
      /* big literals go straight into b, not through the input buffer */
      if (n >= CLIENT_READ_CHUNK &&
	  (!c->io.pending || c->io.pending (c->io.ctx) <= 0)) {
	ssize_t r = read_input (c, b->data + b->len, (size_t) n, timeout_ms);
	if (r <= 0) return (int) r;
	b->len += (size_t) r;
	b->data[b->len] = '\0';
	n -= (uint64_t) r;
	continue;
      }
      ssize_t r = fill (c, timeout_ms);
      if (r <= 0) return (int) r;
      avail = in_avail (c);
    }
    if (avail > n) avail = (size_t) n;
    buf_append (b, c->in + c->in_start, avail);
    c->in_start += avail;
    n -= avail;
  }
  return 1;
}

/* The line just appended to raw from offset line_start: its length
 * without CRLF */
size_t client_line_body (const struct buf *raw, size_t line_start)
{
  size_t n = raw->len - line_start;
  if (n && raw->data[raw->len - 1] == '\n') n--;
  if (n && raw->data[line_start + n - 1] == '\r') n--;
  return n;
}

enum client_read client_read_line (struct client *c, struct buf *line,
				   size_t max, int timeout_ms,
				   const char **error_r)
{
  int r;
  char end[2];
  buf_reset (line);
  *error_r = NULL;
  /* +1: room for the LF that ends a line of exactly max bytes (+2: CRLF) */
  r = client_read_raw_line (c, line, max + 2, timeout_ms);
  if (r == 1) {
    buf_truncate (line, client_line_body (line, 0));
    if (line->len <= max) return CLIENT_COMMAND;
    *error_r = "Line too long";
    return CLIENT_TOO_BIG;
  }
  if (r == CLIENT_TOO_BIG) {
    *error_r = "Line too long";
    r = client_discard_line (c, timeout_ms, line->data, line->len, end);
    buf_reset (line);
    if (r < 0) return (enum client_read) r;
    return CLIENT_TOO_BIG;
  }
  return (enum client_read) r;
}

int client_wait_input (struct client *c, int timeout_ms)
{
  ssize_t r;
  if (in_avail (c)) return 1;
  if (c->io.pending && c->io.pending (c->io.ctx) > 0) return 1;
  r = fill (c, timeout_ms);
  if (r > 0) return 1;
  return r == CLIENT_TIMEOUT ? 0 : -1;
}

size_t client_input_pending (const struct client *c)
{
  return in_avail (c);
}

void client_discard_input (struct client *c)
{
  c->in_start = c->in_end = 0;
}

/*
 * Unit tests for server/client.c and imapd/reader.c (reading commands with literals under the
 * limits, timeouts, EOF, buffered output, write failures) and imapd/out.c
 * (IMAP string syntax), over pipes and a socketpair.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "imapd.h"
#include "unit.h"

/* One connection: we write to to_client, read what it said on from_client */
struct conn {
  struct client *c;
  int to_client, from_client;	/* our ends */
  int in_fd, out_fd;		/* the client's ends */
};

static void conn_pipes (struct conn *k)
{
  int in[2], out[2];
  if (pipe (in) || pipe (out)) {
    perror ("pipe");
    exit (2);
  }
  k->in_fd = in[0];
  k->to_client = in[1];
  k->out_fd = out[1];
  k->from_client = out[0];
  k->c = client_new (k->in_fd, k->out_fd);
}

static void conn_socket (struct conn *k)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_STREAM, 0, sv)) {
    perror ("socketpair");
    exit (2);
  }
  k->in_fd = k->out_fd = sv[0];
  k->to_client = k->from_client = sv[1];
  k->c = client_new (sv[0], sv[0]);
}

static void conn_close (struct conn *k)
{
  client_free (k->c);
  close (k->in_fd);
  if (k->out_fd != k->in_fd) close (k->out_fd);
  if (k->to_client >= 0) close (k->to_client);
  if (k->from_client != k->to_client && k->from_client >= 0) close (k->from_client);
}

/* Send data to the client; big inputs through a child, as a pipe holds
 * only 64 KB */
static void feed (struct conn *k, const void *data, size_t len)
{
  if (len <= 32768) {
    if (write (k->to_client, data, len) != (ssize_t) len) {
      perror ("write");
      exit (2);
    }
    return;
  }
  pid_t pid = fork ();
  if (pid < 0) {
    perror ("fork");
    exit (2);
  }
  if (!pid) {
    const char *p = data;
    while (len) {
      ssize_t n = write (k->to_client, p, len);
      if (n <= 0) _exit (1);
      p += n;
      len -= (size_t) n;
    }
    _exit (0);
  }
}

static void feeds (struct conn *k, const char *s)
{
  feed (k, s, strlen (s));
}

/* Everything the client has written so far (nothing blocks); its length
 * in *len when len is given (output may hold NULs) */
static char *said_len (struct conn *k, size_t *len)
{
  struct buf b = BUF_INIT;
  char tmp[4096];
  struct pollfd pfd = { .fd = k->from_client, .events = POLLIN };
  while (poll (&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) {
    ssize_t n = read (k->from_client, tmp, sizeof tmp);
    if (n <= 0) break;
    buf_append (&b, tmp, (size_t) n);
  }
  if (len) *len = b.len;
  buf_cstr (&b);
  return buf_detach (&b);
}

static char *said (struct conn *k)
{
  return said_len (k, NULL);
}

static void reap (void)
{
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
}

struct readres {
  enum client_read r;
  char tag[LIM_IMAP_TAG + 1];
  int resync;
  const char *error;
};

static enum client_read rd (struct conn *k, struct buf *raw, struct readres *res,
			    int timeout_ms)
{
  memset (res, 'x', sizeof res->tag);
  res->resync = 7;
  res->r = client_read_command (k->c, raw, timeout_ms, res->tag, sizeof res->tag,
				&res->resync, &res->error);
  return res->r;
}

#define READS(k, raw, res, want) do { \
  if (CHECK_INTEQ (rd (k, raw, res, 2000), CLIENT_COMMAND)) \
    CHECK_MEMEQ ((raw)->data, (raw)->len, want, sizeof want - 1); \
} while (0)

static void test_commands (struct conn *k, const char *what)
{
  struct buf raw = BUF_INIT;
  struct readres res;
  char *out;

  printf ("# commands over %s\n", what);
  feeds (k, "a NOOP\r\nb NOOP\n");
  READS (k, &raw, &res, "a NOOP\r\n");
  READS (k, &raw, &res, "b NOOP\n");
  out = said (k);
  CHECK_STREQ (out, "");
  free (out);

  /* a synchronising literal: "+" first; the data may already be there */
  feeds (k, "c LOGIN {4}\r\nfred {2}\r\npw\r\n");
  READS (k, &raw, &res, "c LOGIN {4}\r\nfred {2}\r\npw\r\n");
  out = said (k);
  CHECK_STREQ (out, "+ Ready for literal data\r\n+ Ready for literal data\r\n");
  free (out);

  /* LITERAL+ and literal8: no "+"; data with CRLF, NUL and "{9}\r\n" */
  {
    static const char d[] = "d APPEND x ~{9+}\r\n\0{9}\r\n\r\nz {0+}\r\n\r\n";
    feed (k, d, sizeof d - 1);
  }
  READS (k, &raw, &res, "d APPEND x ~{9+}\r\n\0{9}\r\n\r\nz {0+}\r\n\r\n");
  out = said (k);
  CHECK_STREQ (out, "");
  free (out);

  /* output queued before a read is flushed while the read waits */
  client_puts (k->c, "* OK hello\r\n");
  feeds (k, "e NOOP\r\n");
  READS (k, &raw, &res, "e NOOP\r\n");
  out = said (k);
  CHECK_STREQ (out, "* OK hello\r\n");
  free (out);

  /* a too big synchronising literal before login: the client gets no "+",
     so the next line is a new command */
  feeds (k, "f LOGIN {8193}\r\ng NOOP\r\n");
  CHECK_INTEQ (rd (k, &raw, &res, 2000), CLIENT_TOO_BIG);
  CHECK_STREQ (res.tag, "f");
  CHECK_INTEQ (res.resync, 1);
  CHECK_STREQ (res.error, "Literal too big");
  READS (k, &raw, &res, "g NOOP\r\n");
  out = said (k);
  CHECK_STREQ (out, "");
  free (out);

  /* at the limit it is fine */
  {
    static char lit[8192 + 40];
    size_t n = (size_t) snprintf (lit, sizeof lit, "h LOGIN {8192}\r\n");
    memset (lit + n, 'p', 8192);
    memcpy (lit + n + 8192, "\r\n", 2);
    feed (k, lit, n + 8194);
    if (CHECK_INTEQ (rd (k, &raw, &res, 2000), CLIENT_COMMAND))
      CHECK_MEMEQ (raw.data, raw.len, lit, n + 8194);
    out = said (k);
    CHECK_STREQ (out, "+ Ready for literal data\r\n");
    free (out);
  }

  /* a too big LITERAL+: its data are on the way, the session must end */
  feeds (k, "i LOGIN {9000+}\r\n");
  CHECK_INTEQ (rd (k, &raw, &res, 2000), CLIENT_TOO_BIG);
  CHECK_STREQ (res.tag, "i");
  CHECK_INTEQ (res.resync, 0);

  buf_free (&raw);
  reap ();
}

static void test_limits (void)
{
  struct conn k;
  struct buf raw = BUF_INIT, big = BUF_INIT;
  struct readres res;
  size_t i;
  char *out;

  printf ("# limits\n");
  conn_pipes (&k);
  /* the whole command before login: 16 KB with literals */
  buf_puts (&big, "a LOGIN {8000}\r\n");
  for (i = 0; i < 8000; i++) buf_putc (&big, 'u');
  buf_puts (&big, " ");
  for (i = 0; i < 8000; i++) buf_putc (&big, 'v');
  buf_puts (&big, " {400}\r\n");
  feed (&k, big.data, big.len);
  CHECK_INTEQ (rd (&k, &raw, &res, 2000), CLIENT_TOO_BIG);
  CHECK_STREQ (res.error, "Command too long");
  CHECK_STREQ (res.tag, "a");
  CHECK_INTEQ (res.resync, 1);
  out = said (&k);
  CHECK_STREQ (out, "+ Ready for literal data\r\n");
  free (out);
  /* a line alone beyond the limit */
  buf_reset (&big);
  buf_puts (&big, "a2 LOGIN ");
  for (i = 0; i < 17000; i++) buf_putc (&big, 'w');
  buf_puts (&big, "\r\n");
  feed (&k, big.data, big.len);
  CHECK_INTEQ (rd (&k, &raw, &res, 2000), CLIENT_TOO_BIG);
  CHECK_STREQ (res.error, "Command too long");
  CHECK_STREQ (res.tag, "a2");
  CHECK_INTEQ (res.resync, 1);
  reap ();
  feeds (&k, "b NOOP\r\n");
  READS (&k, &raw, &res, "b NOOP\r\n");

  /* after login the big limits hold */
  client_set_authenticated (k.c, 1);
  buf_reset (&big);
  buf_puts (&big, "c APPEND x {100000+}\r\n");
  for (i = 0; i < 100000; i++) buf_putc (&big, (char) i);
  buf_puts (&big, "\r\n");
  feed (&k, big.data, big.len);
  if (CHECK_INTEQ (rd (&k, &raw, &res, 5000), CLIENT_COMMAND))
    CHECK_MEMEQ (raw.data, raw.len, big.data, big.len);
  reap ();

  /* literal count */
  buf_reset (&big);
  buf_puts (&big, "d X");
  for (i = 0; i <= LIM_IMAP_LITERALS; i++) buf_puts (&big, " {1+}\r\nx");
  buf_puts (&big, "\r\n");
  feed (&k, big.data, big.len);
  CHECK_INTEQ (rd (&k, &raw, &res, 5000), CLIENT_TOO_BIG);
  CHECK_STREQ (res.error, "Too many literals");
  CHECK_STREQ (res.tag, "d");
  CHECK_INTEQ (res.resync, 0);
  reap ();
  conn_close (&k);

  /* a too long line is skipped through its end */
  conn_pipes (&k);
  buf_reset (&big);
  buf_puts (&big, "e1 SEARCH ");
  for (i = 0; i < 3 * LIM_IMAP_LINE; i++) buf_putc (&big, 'x');
  buf_puts (&big, "\r\nf NOOP\r\n");
  feed (&k, big.data, big.len);
  CHECK_INTEQ (rd (&k, &raw, &res, 5000), CLIENT_TOO_BIG);
  CHECK_STREQ (res.tag, "e1");
  CHECK_STREQ (res.error, "Command line too long");
  CHECK_INTEQ (res.resync, 1);
  READS (&k, &raw, &res, "f NOOP\r\n");
  reap ();

  /* ... unless it announced a LITERAL+ whose data follow */
  buf_truncate (&big, big.len - 10);
  buf_puts (&big, " {5+}\r\nhello\r\n");
  feed (&k, big.data, big.len);
  CHECK_INTEQ (rd (&k, &raw, &res, 5000), CLIENT_TOO_BIG);
  CHECK_INTEQ (res.resync, 0);
  reap ();

  /* no valid tag: none is reported (a new connection: the last one
     cannot go on) */
  conn_close (&k);
  conn_pipes (&k);
  buf_reset (&big);
  for (i = 0; i < LIM_IMAP_LINE + 10; i++) buf_putc (&big, '*');
  buf_puts (&big, "\r\n");
  feed (&k, big.data, big.len);
  CHECK_INTEQ (rd (&k, &raw, &res, 5000), CLIENT_TOO_BIG);
  CHECK_STREQ (res.tag, "");
  CHECK_INTEQ (res.resync, 1);
  reap ();

  /* a line without end beyond the bounded skip: no resync */
  buf_reset (&big);
  for (i = 0; i < (1UL << 20) + 2 * LIM_IMAP_LINE; i++) buf_putc (&big, 'y');
  feed (&k, big.data, big.len);
  CHECK_INTEQ (rd (&k, &raw, &res, 5000), CLIENT_TOO_BIG);
  CHECK_INTEQ (res.resync, 0);
  reap ();
  conn_close (&k);

  buf_free (&raw);
  buf_free (&big);
}

static void test_timeouts_eof (void)
{
  struct conn k;
  struct buf raw = BUF_INIT, line = BUF_INIT;
  struct readres res;
  const char *error;
  int64_t t0;

  printf ("# timeouts and EOF\n");
  conn_pipes (&k);
  t0 = client_now_ms ();
  CHECK_INTEQ (rd (&k, &raw, &res, 200), CLIENT_TIMEOUT);
  CHECK (client_now_ms () - t0 >= 190);
  CHECK (client_now_ms () - t0 < 2000);
  CHECK_INTEQ (client_wait_input (k.c, 50), 0);

  /* a timeout inside a literal, after the "+" */
  feeds (&k, "a LOGIN {5}\r\nab");
  CHECK_INTEQ (rd (&k, &raw, &res, 100), CLIENT_TIMEOUT);

  feeds (&k, "DONE\r\n");
  CHECK_INTEQ (client_wait_input (k.c, 0), 1);
  CHECK_INTEQ (client_read_line (k.c, &line, 100, 1000, &error), CLIENT_COMMAND);
  CHECK_STREQ (line.data, "DONE");
  feeds (&k, "x\n");
  CHECK_INTEQ (client_read_line (k.c, &line, 100, 1000, &error), CLIENT_COMMAND);
  CHECK_STREQ (line.data, "x");
  feeds (&k, "12345\r\n123456\r\n1234567890\r\n");
  CHECK_INTEQ (client_read_line (k.c, &line, 5, 1000, &error), CLIENT_COMMAND);
  CHECK_STREQ (line.data, "12345");
  CHECK_INTEQ (client_read_line (k.c, &line, 5, 1000, &error), CLIENT_TOO_BIG);
  CHECK_INTEQ (client_read_line (k.c, &line, 5, 1000, &error), CLIENT_TOO_BIG);
  CHECK_STREQ (error, "Line too long");
  feeds (&k, "ok\r\n");
  CHECK_INTEQ (client_read_line (k.c, &line, 5, 1000, &error), CLIENT_COMMAND);
  CHECK_STREQ (line.data, "ok");
  CHECK_INTEQ (client_read_line (k.c, &line, 5, 100, &error), CLIENT_TIMEOUT);

  /* EOF in the middle of a literal, then at a command's start */
  feeds (&k, "b LOGIN {5}\r\nab");
  close (k.to_client);
  k.to_client = -1;
  CHECK_INTEQ (rd (&k, &raw, &res, 1000), CLIENT_EOF);
  CHECK_INTEQ (rd (&k, &raw, &res, 1000), CLIENT_EOF);
  CHECK_INTEQ (client_wait_input (k.c, 1000), -1);
  CHECK_INTEQ (client_read_line (k.c, &line, 5, 1000, &error), CLIENT_EOF);
  conn_close (&k);
  buf_free (&raw);
  buf_free (&line);
}

static void test_output (void)
{
  struct conn k;
  int report[2];
  pid_t pid;
  size_t i, got = 0;
  char *out;

  printf ("# output\n");
  conn_pipes (&k);
  client_printf (k.c, "* %d %s\r\n", 3, "EXISTS");
  out = said (&k);
  CHECK_STREQ (out, "");	/* buffered */
  free (out);
  CHECK_INTEQ (client_flush (k.c), 0);
  out = said (&k);
  CHECK_STREQ (out, "* 3 EXISTS\r\n");
  free (out);

  /* more than 64 KB goes out without waiting for a flush (a child drains
     the pipe and reports how much came within a second) */
  if (pipe (report)) exit (2);
  pid = fork ();
  if (!pid) {
    size_t total = 0;
    char tmp[8192];
    struct pollfd pfd = { .fd = k.from_client, .events = POLLIN };
    while (poll (&pfd, 1, 1000) > 0) {
      ssize_t n = read (k.from_client, tmp, sizeof tmp);
      if (n <= 0) break;
      total += (size_t) n;
    }
    if (write (report[1], &total, sizeof total) != sizeof total) _exit (1);
    _exit (0);
  }
  for (i = 0; i < 100; i++) {
    char chunk[1000];
    memset (chunk, 'a' + i % 26, sizeof chunk);
    client_write (k.c, chunk, sizeof chunk);
  }
  if (read (report[0], &got, sizeof got) != sizeof got) got = 0;
  CHECK (got > 65536 && got < 100000);
  waitpid (pid, NULL, 0);
  close (report[0]);
  close (report[1]);
  client_flush (k.c);
  out = said (&k);
  CHECK_INTEQ (strlen (out), 100000 - got);
  free (out);

  /* the peer is gone: failed, later output dropped, no SIGPIPE death */
  close (k.from_client);
  k.from_client = -1;
  CHECK_INTEQ (client_failed (k.c), 0);
  client_puts (k.c, "* BYE\r\n");
  CHECK_INTEQ (client_flush (k.c), -1);
  CHECK_INTEQ (client_failed (k.c), 1);
  client_puts (k.c, "more\r\n");
  client_printf (k.c, "%s", "and more");
  CHECK_INTEQ (client_flush (k.c), -1);
  conn_close (&k);

  /* the same over a socket */
  conn_socket (&k);
  client_puts (k.c, "* OK\r\n");
  CHECK_INTEQ (client_flush (k.c), 0);
  out = said (&k);
  CHECK_STREQ (out, "* OK\r\n");
  free (out);
  close (k.to_client);
  k.to_client = k.from_client = -1;
  client_puts (k.c, "* BYE\r\n");
  CHECK_INTEQ (client_flush (k.c), -1);
  CHECK_INTEQ (client_failed (k.c), 1);
  conn_close (&k);
}

/* A different I/O layer: reads come from a string, one byte at a time */
struct fake {
  const char *data;
  size_t len, pos;
  struct buf written;
};

static ssize_t fake_read (void *ctx, void *buf, size_t len)
{
  struct fake *f = ctx;
  if (f->pos == f->len) return 0;
  (void) len;
  *(char *) buf = f->data[f->pos++];
  return 1;
}

static ssize_t fake_write (void *ctx, const void *buf, size_t len)
{
  struct fake *f = ctx;
  buf_append (&f->written, buf, len > 3 ? 3 : len);	/* short writes */
  return len > 3 ? 3 : (ssize_t) len;
}

static int fake_pending (void *ctx)
{
  struct fake *f = ctx;
  return (int) (f->len - f->pos);
}

static void test_io_layer (void)
{
  struct conn k;
  struct fake f = { "a LOGIN {3}\r\nabc \"x\"\r\n", 22, 0, BUF_INIT };
  struct client_io io = { fake_read, fake_write, fake_pending, &f };
  struct buf raw = BUF_INIT;
  struct readres res;

  printf ("# another I/O layer\n");
  conn_pipes (&k);
  client_set_io (k.c, &io);
  READS (&k, &raw, &res, "a LOGIN {3}\r\nabc \"x\"\r\n");
  CHECK_STREQ (buf_cstr (&f.written), "+ Ready for literal data\r\n");
  /* the layer has nothing pending: the fd is polled, then the layer read */
  close (k.to_client);
  k.to_client = -1;
  CHECK_INTEQ (rd (&k, &raw, &res, 1000), CLIENT_EOF);
  conn_close (&k);
  buf_free (&raw);
  buf_free (&f.written);
}

/* out.c through a pipe */
static char *outs (struct conn *k, size_t *len)
{
  client_flush (k->c);
  return said_len (k, len);
}

static void test_out (void)
{
  struct conn k;
  char *o;
  struct buf want = BUF_INIT;
  size_t i, len;

  printf ("# out.c\n");
  conn_pipes (&k);
#define OUT_IS(call, expect) do { call; o = outs (&k, &len); \
    CHECK_MEMEQ (o, len, expect, sizeof expect - 1); free (o); } while (0)
  OUT_IS (out_string (k.c, "abc", 3), "\"abc\"");
  OUT_IS (out_string (k.c, "", 0), "\"\"");
  OUT_IS (out_string (k.c, NULL, 0), "\"\"");
  OUT_IS (out_string (k.c, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
  OUT_IS (out_string (k.c, "\"\"", 2), "\"\\\"\\\"\"");
  OUT_IS (out_string (k.c, "abcdef", 3), "\"abc\"");
  OUT_IS (out_string (k.c, "a\r\nb", 4), "{4}\r\na\r\nb");
  OUT_IS (out_string (k.c, "caf\xc3\xa9", 5), "{5}\r\ncaf\xc3\xa9");
  OUT_IS (out_string (k.c, "a\0b", 3), "{3}\r\na\0b");
  OUT_IS (out_cstring (k.c, NULL), "NIL");
  OUT_IS (out_cstring (k.c, "NIL"), "\"NIL\"");
  OUT_IS (out_nstring (k.c, NULL, 5), "NIL");
  OUT_IS (out_nstring (k.c, "xy", 2), "\"xy\"");
  OUT_IS (out_astring (k.c, "INBOX"), "INBOX");
  OUT_IS (out_astring (k.c, "a]b.c/d~e"), "a]b.c/d~e");
  OUT_IS (out_astring (k.c, "nil"), "\"nil\"");
  OUT_IS (out_astring (k.c, "NILE"), "NILE");
  OUT_IS (out_astring (k.c, ""), "\"\"");
  OUT_IS (out_astring (k.c, NULL), "NIL");
  OUT_IS (out_astring (k.c, "a b"), "\"a b\"");
  OUT_IS (out_astring (k.c, "a%"), "\"a%\"");
  OUT_IS (out_astring (k.c, "a*"), "\"a*\"");
  OUT_IS (out_astring (k.c, "(a)"), "\"(a)\"");
  OUT_IS (out_astring (k.c, "a{1}"), "\"a{1}\"");
  OUT_IS (out_astring (k.c, "a\\b"), "\"a\\\\b\"");
  OUT_IS (out_astring (k.c, "\xc3\xa9"), "{2}\r\n\xc3\xa9");
  OUT_IS (out_literal (k.c, "xyz", 3), "{3}\r\nxyz");
  OUT_IS (out_literal (k.c, "", 0), "{0}\r\n");
  OUT_IS (out_literal8 (k.c, "a\0", 2), "~{2}\r\na\0");

  /* 1024 bytes go quoted, 1025 as a literal */
  for (i = 0; i < 1025; i++) buf_putc (&want, 'q');
  out_string (k.c, want.data, 1024);
  o = outs (&k, &len);
  CHECK (len == 1026 && o[0] == '"' && o[1025] == '"');
  free (o);
  out_string (k.c, want.data, 1025);
  o = outs (&k, &len);
  CHECK (len == 1025 + 8 && !strncmp (o, "{1025}\r\nqq", 10));
  free (o);
  buf_free (&want);
  conn_close (&k);
}

/* set_writer: the sets of COPYUID, APPENDUID and ESEARCH ALL */
static void test_set_writer (void)
{
  struct set_writer w = SET_WRITER_INIT;
  SEARCHSET a = { 0 }, b = { 0 }, c = { 0 };

  CHECK_STREQ (set_writer_text (&w), "");
  CHECK_INTEQ (w.count, 0);
  set_writer_add (&w, 1, 1);
  set_writer_add (&w, 2, 2);
  set_writer_add (&w, 3, 5);
  set_writer_add (&w, 7, 7);
  set_writer_add (&w, 9, 8);		/* reversed: 8:9, joins 7 */
  set_writer_add (&w, 4294967295UL, 4294967295UL);
  CHECK_STREQ (set_writer_text (&w), "1:5,7:9,4294967295");
  CHECK_INTEQ (w.count, 9);
  set_writer_add (&w, 4294967296UL, 4294967296UL);	/* after text(): a new run */
  CHECK_STREQ (set_writer_text (&w), "1:5,7:9,4294967295,4294967296");
  set_writer_free (&w);
  CHECK_STREQ (set_writer_text (&w), "");
  /* SEARCHSET: last 0 is the single number first; adjacent ones join */
  a.first = 10; a.last = 0; a.next = &b;
  b.first = 11; b.last = 12; b.next = &c;
  c.first = 20; c.last = 14;
  set_writer_add_set (&w, &a);
  CHECK_STREQ (set_writer_text (&w), "10:12,14:20");
  CHECK_INTEQ (w.count, 10);
  set_writer_free (&w);
}

int main (void)
{
  struct conn k;
  signal (SIGPIPE, SIG_IGN);	/* as main.c does */
  conn_pipes (&k);
  test_commands (&k, "pipes");
  conn_close (&k);
  conn_socket (&k);
  test_commands (&k, "a socket");
  conn_close (&k);
  test_limits ();
  test_timeouts_eof ();
  test_output ();
  test_io_layer ();
  test_out ();
  test_set_writer ();
  return unit_done ();
}

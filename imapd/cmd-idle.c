/*
 * IDLE (RFC 2177): report mailbox changes as they happen until the client
 * sends DONE.
 *
 * As UW's imapd: the continuation is "+ Waiting for DONE"; every two
 * minutes a "* OK Timeout in N minutes" line keeps NAT boxes from
 * dropping the connection; at LIM_IMAP_IDLE_NUDGE (29 minutes) a fake
 * "* n+1 EXISTS" / "* r+1 RECENT" wakes clients that would otherwise sit
 * in IDLE until the autologout (UW FAQ 7.37), and after DONE the fake
 * message is taken back with "* n+1 EXPUNGE" and the true counts.  With
 * no client activity for LIM_IMAP_TIMEOUT_AUTH the session ends with
 * "Autologout", as the command loop does.  All timers run on the
 * CLOCK_MONOTONIC clock.  New mail is looked for every IDLE_POLL_MS, and
 * not at all once the fake message is out: the counts must stay as told.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include "imapd.h"

/* How often IDLE asks the driver for news.  A ping of an mbox file is one
 * stat(), so a few seconds cost nothing and new mail shows up promptly. */
#define IDLE_POLL_MS 5000
/* UW's keepalive period for "* OK Timeout in N minutes" */
#define IDLE_KEEPALIVE_MS (2 * 60 * 1000)

struct idle_state {
  int64_t start;
  int64_t next_poll;
  int64_t next_keepalive;
  int64_t nudge_at;
  int64_t logout_at;
  unsigned long fake;		/* message number of the fake nudge, 0 if none */
};

static int64_t earliest (int64_t a, int64_t b)
{
  return a < b ? a : b;
}

/* Ping the mailbox and send what changed, unless the client has been
 * shown the fake message: from then on the counts must stay as told. */
static void idle_poll (struct imapd *s, struct idle_state *st, int64_t now)
{
  if (!st->fake) session_send_updates (s, s->stream != NULL);
  st->next_poll = now + IDLE_POLL_MS;
}

static void idle_keepalive (struct imapd *s, struct idle_state *st,
			    int64_t now)
{
  int64_t left = st->logout_at - now;
  client_printf (s->client, "* OK Timeout in %ld minutes\r\n",
		 (long) ((left + 59999) / 60000));
  st->next_keepalive = now + IDLE_KEEPALIVE_MS;
}

/* The FAQ 7.37 nudge: a new message that is not there */
static void idle_nudge (struct imapd *s, struct idle_state *st)
{
  st->fake = s->exists + 1;
  client_printf (s->client, "* %lu EXISTS\r\n* %lu RECENT\r\n", st->fake,
		 s->recent + 1);
}

/* After DONE: take the fake message back and give the true counts */
static void idle_unnudge (struct imapd *s, struct idle_state *st)
{
  if (!st->fake) return;
  client_printf (s->client, "* %lu EXPUNGE\r\n* %lu EXISTS\r\n"
		 "* %lu RECENT\r\n", st->fake, s->exists, s->recent);
  st->fake = 0;
}

/* Wait until the client sends something.  Returns 1 when input is there,
 * 0 at the autologout time, -1 when the client went away. */
static int idle_wait (struct imapd *s, struct idle_state *st)
{
  int64_t now, until;
  int r;
  for (;;) {
    now = client_now_ms ();
    if (now >= st->logout_at) return 0;
    if (now >= st->next_poll) idle_poll (s, st, now);
    if (now >= st->next_keepalive) idle_keepalive (s, st, now);
    if (!st->fake && s->stream && now >= st->nudge_at) idle_nudge (s, st);
    if (client_flush (s->client) || client_failed (s->client)) return -1;
    until = earliest (st->next_poll, st->next_keepalive);
    until = earliest (until, st->logout_at);
    if (!st->fake && s->stream) until = earliest (until, st->nudge_at);
    r = client_wait_input (s->client, until > now ? (int) (until - now) : 0);
    if (r) return r;
  }
}


/* The client went away during IDLE.  The command loop's next read sees
 * the EOF and ends the session with the usual syslog line; the tagged
 * reply it writes first must not claim that IDLE completed. */
static void idle_gone (struct imapd *s)
{
  reply_bad (s, "IDLE ended without DONE");
}

void cmd_idle (struct imapd *s, const struct imap_arg *args, int uid)
{
  struct idle_state st;
  struct buf line = BUF_INIT;
  const char *error;
  enum client_read r;
  int64_t now;

  (void) uid;
  if (args[0].type != IMAP_ARG_END) {
    reply_bad (s, "Argument given to IDLE when none expected");
    return;
  }
  client_puts (s->client, "+ Waiting for DONE\r\n");
  memset (&st, 0, sizeof st);
  st.start = client_now_ms ();
  st.next_poll = st.start;	/* report pending changes at once */
  st.next_keepalive = st.start + IDLE_KEEPALIVE_MS;
  st.nudge_at = st.start + (int64_t) LIM_IMAP_IDLE_NUDGE * 1000;
  st.logout_at = st.start + (int64_t) LIM_IMAP_TIMEOUT_AUTH * 1000;

  switch (idle_wait (s, &st)) {
  case 0:
    session_autologout (s);
  case -1:
    idle_gone (s);
    return;
  }
  now = client_now_ms ();
  r = client_read_line (s->client, &line, LIM_IMAP_IDLE_LINE,
			st.logout_at > now ? (int) (st.logout_at - now) : 0,
			&error);
  s->last_activity_ms = client_now_ms ();
  if (r == CLIENT_EOF || r == CLIENT_ERROR) {
    idle_gone (s);
    buf_free (&line);
    return;
  }
  if (r == CLIENT_TIMEOUT) session_autologout (s);
  idle_unnudge (s, &st);
  if (r == CLIENT_COMMAND && !strcasecmp (buf_cstr (&line), "DONE"))
    reply_ok (s, "IDLE completed");
  else reply_bad (s, "Bogus IDLE continuation");
  buf_free (&line);
}

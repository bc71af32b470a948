/*
 * Commands on the messages of the selected mailbox: CHECK, CLOSE,
 * UNSELECT (RFC 3691), EXPUNGE and UID EXPUNGE (RFC 4315), STORE, COPY
 * (with COPYUID, RFC 4315) and MOVE (RFC 6851).
 *
 * Every handler checks all of its arguments before it changes anything,
 * so a bad flag or a bad sequence set never half-applies a command.
 * Untagged EXPUNGE and pending FETCH FLAGS updates are session.c's job;
 * STORE writes its own FETCH replies and MOVE its own COPYUID line.
 */
#include <string.h>
#include <strings.h>
#include "imapd.h"
#include "bamboo/internal.h"

/* ------------------------------------------------------------ helpers */

/* BAD unless the command has no arguments */
static int check_no_args (struct imapd *s, const struct imap_arg *args,
			  const char *name)
{
  if (args[0].type == IMAP_ARG_END) return 0;
  reply_bad (s, "Argument given to %s when none expected", name);
  return -1;
}

/* UIDs of the messages marked elt->sequence, exactly (for COPYUID) */
static void marked_uids_exact (MAILSTREAM *stream, struct set_writer *r)
{
  unsigned long i, uid;
  for (i = 1; i <= stream->nmsgs; i++)
    if (mail_elt (stream, i)->sequence) {
      uid = mail_uid (stream, i);
      set_writer_add (r, uid, uid);
    }
}

/* A UID set selecting exactly the marked messages, as few ranges as
 * runs of marked message numbers: "uid(i):uid(j)" covers no other
 * existing message, and mail that arrives later has higher UIDs, so the
 * set keeps meaning these messages after a ping.  The number of runs is
 * at most the number of ranges the client sent, so the set stays within
 * LIM_SEQSET_RANGES. */
static unsigned long marked_uids_runs (MAILSTREAM *stream, struct buf *b)
{
  unsigned long i, start = 0, n = 0;
  for (i = 1; i <= stream->nmsgs + 1; i++) {
    int in = i <= stream->nmsgs && mail_elt (stream, i)->sequence;
    if (in) {
      n++;
      if (!start) start = i;
    }
    else if (start) {
      if (b->len) buf_putc (b, ',');
      buf_printf (b, "%lu:%lu", mail_uid (stream, start),
		  mail_uid (stream, i - 1));
      start = 0;
    }
  }
  return n;
}

static unsigned long count_marked (MAILSTREAM *stream)
{
  unsigned long i, n = 0;
  for (i = 1; i <= stream->nmsgs; i++)
    if (mail_elt (stream, i)->sequence) n++;
  return n;
}

/* ------------------------------------------------- CHECK, CLOSE, UNSELECT */

void cmd_check (struct imapd *s, const struct imap_arg *args, int uid)
{
  (void) uid;
  if (check_no_args (s, args, "CHECK") < 0) return;
  /* no reply text: the session uses the driver's ("Checkpoint
   * completed"), as UW does, or "CHECK completed" */
  mail_check (s->stream);
}

void cmd_close (struct imapd *s, const struct imap_arg *args, int uid)
{
  (void) uid;
  if (check_no_args (s, args, "CLOSE") < 0) return;
  /* RFC 3501: CLOSE expunges without untagged EXPUNGE replies
   * (session_deselect keeps them quiet) */
  session_deselect (s, !s->readonly);
  reply_ok (s, "CLOSE completed");
}

void cmd_unselect (struct imapd *s, const struct imap_arg *args, int uid)
{
  (void) uid;
  if (check_no_args (s, args, "UNSELECT") < 0) return;
  session_deselect (s, 0);
  reply_ok (s, "UNSELECT completed");
}

/* ------------------------------------------------------------- EXPUNGE */

void cmd_expunge (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *set = NULL;
  struct buf uids = BUF_INIT;
  long ok;

  if (uid) {			/* UID EXPUNGE sequence-set (RFC 4315) */
    if (!(set = imap_arg_atom (&args[0])) || args[1].type != IMAP_ARG_END) {
      reply_bad (s, "Missing or invalid argument to UID EXPUNGE");
      return;
    }
    if (session_sequence (s, set, 1) < 0) return;
  }
  else if (check_no_args (s, args, "EXPUNGE") < 0) return;
  if (s->readonly || s->stream->rdonly) {
    reply_no (s, "Expunge ignored on readonly mailbox");
    return;
  }
  if (set) {
    /* name exactly the messages selected now: "*" must not grow to take
     * in mail that the driver's ping finds first */
    if (!marked_uids_runs (s->stream, &uids)) {
      buf_free (&uids);
      return;			/* nothing selected: OK */
    }
    ok = mail_expunge_full (s->stream, uids.data, EX_UID);
  }
  else ok = mail_expunge_full (s->stream, NIL, NIL);
  buf_free (&uids);
  /* on success no text: the session uses the driver's ("Expunged 2
   * messages"), as UW does, or "EXPUNGE completed" */
  if (!ok) reply_no_lasterror (s, "Expunge failed");
}

/* --------------------------------------------------------------- STORE */

enum store_mode { STORE_REPLACE, STORE_ADD, STORE_REMOVE };

/* Parse "FLAGS", "+FLAGS", "-FLAGS", each with an optional ".SILENT" */
static int store_item (const char *item, enum store_mode *mode, int *silent)
{
  size_t len;
  if (!item) return -1;
  *mode = STORE_REPLACE;
  if (*item == '+') *mode = STORE_ADD, item++;
  else if (*item == '-') *mode = STORE_REMOVE, item++;
  len = strlen (item);
  *silent = len > 7 && !strcasecmp (item + len - 7, ".SILENT");
  if (*silent) len -= 7;
  return len == 5 && !strncasecmp (item, "FLAGS", 5) ? 0 : -1;
}

/* Check one flag and append it to list; \Recent is dropped (clients may
 * not change it; old clients send it back with FLAGS). */
static int store_flag (struct imapd *s, const struct imap_arg *a,
		       struct buf *list)
{
  const char *f = imap_arg_atom (a);
  if (!f) {
    reply_bad (s, "Invalid flag list in STORE");
    return -1;
  }
  switch (imap_flag_kind (f)) {
  case IMAP_FLAG_RECENT:
    return 0;
  case IMAP_FLAG_INVALID:
    reply_bad (s, *f == '\\' ? "Unsupported system flag in STORE: %.80s"
	       : "Invalid flag in STORE: %.80s", f);
    return -1;
  default:
    break;
  }
  if (strlen (f) > LIM_KEYWORD_LEN) {
    reply_bad (s, "Invalid flag in STORE: %.80s... (keywords are at most "
	       "%d bytes)", f, LIM_KEYWORD_LEN);
    return -1;
  }
  if (list->len) buf_putc (list, ' ');
  buf_puts (list, f);
  return 0;
}

/* The flag argument(s): one parenthesised list, or flags one by one */
static int store_flags (struct imapd *s, const struct imap_arg *a,
			struct buf *list)
{
  size_t i;
  if (a->type == IMAP_ARG_END) {
    reply_bad (s, "Missing flag list in STORE");
    return -1;
  }
  if (a->type == IMAP_ARG_LIST) {
    if (a[1].type != IMAP_ARG_END) {
      reply_bad (s, "Junk after flag list in STORE");
      return -1;
    }
    for (i = 0; i < a->count; i++)
      if (store_flag (s, &a->list[i], list) < 0) return -1;
    return 0;
  }
  for (; a->type != IMAP_ARG_END; a++)
    if (store_flag (s, a, list) < 0) return -1;
  return 0;
}

/* FLAGS replacement: the flags to clear are all those not in the list */
static void complement_flags (MAILSTREAM *stream, long sys, unsigned long uf,
			      struct buf *b)
{
  static const struct { const char *name; long bit; } sysflags[] = {
    { "\\Seen", fSEEN }, { "\\Deleted", fDELETED }, { "\\Flagged", fFLAGGED },
    { "\\Answered", fANSWERED }, { "\\Draft", fDRAFT }
  };
  size_t i;
  int k;
  for (i = 0; i < sizeof sysflags / sizeof sysflags[0]; i++)
    if (!(sys & sysflags[i].bit)) {
      if (b->len) buf_putc (b, ' ');
      buf_puts (b, sysflags[i].name);
    }
  for (k = 0; k < NUSERFLAGS; k++)
    if (stream->user_flags[k] && !(uf & (1UL << k))) {
      if (b->len) buf_putc (b, ' ');
      buf_puts (b, stream->user_flags[k]);
    }
}

/* "* n FETCH (FLAGS (...) [UID u])" for every message in the set; their
 * pending FLAGS update (elt->spare, session.c) is covered by it */
static void store_replies (struct imapd *s, int uid)
{
  MAILSTREAM *stream = s->stream;
  unsigned long i;
  MESSAGECACHE *elt;
  for (i = 1; i <= stream->nmsgs; i++)
    if ((elt = mail_elt (stream, i))->sequence) {
      client_printf (s->client, "* %lu FETCH (FLAGS ", i);
      out_flags (s->client, stream, elt);
      if (uid) client_printf (s->client, " UID %lu", mail_uid (stream, i));
      client_puts (s->client, ")\r\n");
      elt->spare = NIL;
    }
}

void cmd_store (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *set = imap_arg_atom (&args[0]);
  enum store_mode mode;
  int silent;
  struct buf list = BUF_INIT, clear = BUF_INIT;
  long sys, opt = (uid ? ST_UID : 0) | ST_SILENT;
  unsigned long uf;

  /* check everything first */
  if (!set || args[1].type == IMAP_ARG_END) {
    reply_bad (s, "Missing or invalid argument to STORE");
    return;
  }
  if (session_sequence (s, set, uid) < 0) return;
  if (store_item (imap_arg_atom (&args[1]), &mode, &silent) < 0) {
    reply_bad (s, "Bogus attribute list in STORE");
    return;
  }
  if (store_flags (s, &args[2], &list) < 0) goto done;
  if (s->readonly || s->stream->rdonly) {
    reply_no (s, "Mailbox is read-only, flags not stored");
    goto done;
  }
  /* creates new keywords only when the whole list is acceptable */
  if (mail_flags_parse (s->stream, list.data, &sys, &uf) < 0) {
    reply_no_lasterror (s, "STORE failed: invalid flags");
    goto done;
  }
  /* new keywords: the client hears of them (FLAGS, PERMANENTFLAGS)
   * before a FETCH below uses them; the session sends them only when the
   * keyword list changed */
  session_send_updates (s, 0);

  /* act: the library's own FLAGS callbacks are not wanted, this command
   * reports the result itself */
  s->suppress_flags = 1;
  if (mode == STORE_REPLACE) {
    complement_flags (s->stream, sys, uf, &clear);
    if (clear.len) mail_flag (s->stream, (char *) set, clear.data, opt);
  }
  if (list.len)
    mail_flag (s->stream, (char *) set, list.data,
	       mode == STORE_REMOVE ? opt : opt | ST_SET);
  s->suppress_flags = 0;
  /* mail_flag set the marks again from the same set: they still name
   * exactly the messages of this command */
  if (!silent) store_replies (s, uid);
  reply_ok (s, "%sSTORE completed", uid ? "UID " : "");
done:
  buf_free (&list);
  buf_free (&clear);
}

/* ---------------------------------------------------------- COPY, MOVE */

/* COPYUID data collected while a copy runs.  The library's callbacks
 * carry no context pointer, hence this one static slot, set only for the
 * duration of one copy. */
struct copyuid_capture {
  int got;
  unsigned long validity;
  struct set_writer src, dst;
};
static struct copyuid_capture *capture;


/* A driver that knows both sides reports them here */
static void copyuid_cb (MAILSTREAM *stream, char *mailbox,
			unsigned long uidvalidity, SEARCHSET *sourceset,
			SEARCHSET *destset)
{
  (void) stream;
  (void) mailbox;
  if (!capture || capture->got) return;
  capture->validity = uidvalidity;
  set_writer_add_set (&capture->src, sourceset);
  set_writer_add_set (&capture->dst, destset);
  capture->got = 2;
}

/* A copy done as an append (the unix driver) reports the new UIDs as an
 * APPENDUID; the source side is the marked messages */
static void appenduid_cb (char *mailbox, unsigned long uidvalidity,
			  SEARCHSET *set)
{
  (void) mailbox;
  if (!capture || capture->got) return;
  capture->validity = uidvalidity;
  set_writer_add_set (&capture->dst, set);
  capture->got = 1;
}

/* Run the copy with the capture armed.  Returns the library's result. */
static long copy_with_uids (struct imapd *s, const char *set,
			    const char *mailbox, int uid,
			    struct copyuid_capture *cap)
{
  void *old_copy = mail_parameters (NIL, GET_COPYUID, NIL);
  void *old_append = mail_parameters (NIL, GET_APPENDUID, NIL);
  long ok;
  memset (cap, 0, sizeof *cap);	/* both set writers empty */
  capture = cap;
  mail_parameters (NIL, SET_COPYUID, (void *) copyuid_cb);
  mail_parameters (NIL, SET_APPENDUID, (void *) appenduid_cb);
  ok = mail_copy_full (s->stream, (char *) set, (char *) mailbox,
		       uid ? CP_UID : 0);
  mail_parameters (NIL, SET_COPYUID, old_copy);
  mail_parameters (NIL, SET_APPENDUID, old_append);
  capture = NULL;
  if (ok && cap->got == 1)	/* the driver left the marks in place */
    marked_uids_exact (s->stream, &cap->src);
  return ok;
}

/* "COPYUID v src dst" when both sides are known and of equal size */
static const char *copyuid_code (struct copyuid_capture *cap, struct buf *b)
{
  unsigned long ns = cap->src.count, nd = cap->dst.count;
  const char *src, *dst;
  if (!cap->got || !ns || ns != nd || !cap->validity) return NULL;
  src = set_writer_text (&cap->src);
  dst = set_writer_text (&cap->dst);
  buf_printf (b, "COPYUID %lu %s %s", cap->validity, src, dst);
  return b->data;
}

static void capture_free (struct copyuid_capture *cap)
{
  set_writer_free (&cap->src);
  set_writer_free (&cap->dst);
}

/* Arguments of COPY and MOVE: sequence-set mailbox.  0 or -1 (BAD) */
static int copy_args (struct imapd *s, const struct imap_arg *args, int uid,
		      const char *name, const char **set,
		      const char **mailbox)
{
  if (!(*set = imap_arg_atom (&args[0])) ||
      !(*mailbox = imap_arg_astring (&args[1])) ||
      args[2].type != IMAP_ARG_END) {
    reply_bad (s, "Missing or invalid argument to %s", name);
    return -1;
  }
  if (args[1].type != IMAP_ARG_ATOM && strlen (*mailbox) != args[1].len) {
    reply_bad (s, "NUL in mailbox name in %s", name);
    return -1;
  }
  return session_sequence (s, *set, uid);
}

void cmd_copy (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *set, *mailbox, *code;
  struct copyuid_capture cap;
  struct buf b = BUF_INIT;

  if (copy_args (s, args, uid, "COPY", &set, &mailbox) < 0) return;
  if (!count_marked (s->stream)) {	/* e.g. UID COPY of gone UIDs */
    reply_ok (s, "%sCOPY completed (no messages)", uid ? "UID " : "");
    return;
  }
  if (!copy_with_uids (s, set, mailbox, uid, &cap))
    reply_no_lasterror (s, "COPY failed");
  else if ((code = copyuid_code (&cap, &b)))
    reply_ok (s, "[%s] %sCOPY completed", code, uid ? "UID " : "");
  else reply_ok (s, "%sCOPY completed", uid ? "UID " : "");
  capture_free (&cap);
  buf_free (&b);
}

/* Mark the moved messages \Deleted, remembering in spare2 which were not
 * (so a failed expunge can put them back) */
static void move_mark_deleted (struct imapd *s, const char *uids)
{
  MAILSTREAM *stream = s->stream;
  unsigned long i;
  MESSAGECACHE *elt;
  for (i = 1; i <= stream->nmsgs; i++)
    if ((elt = mail_elt (stream, i))->sequence) elt->spare2 = !elt->deleted;
  mail_flag (stream, (char *) uids, "\\Deleted", ST_SET | ST_UID | ST_SILENT);
}

/* The expunge failed: clear the \Deleted that MOVE set (elt->spare2).
 * Those messages may lie scattered, so the UID set goes to the library
 * in pieces that stay well inside LIM_SEQSET_RANGES. */
#define UNMARK_RANGES 1000

static void move_unmark (struct imapd *s)
{
  MAILSTREAM *stream = s->stream;
  struct buf b = BUF_INIT;
  unsigned long i, start = 0, runs = 0;
  for (i = 1; i <= stream->nmsgs + 1; i++) {
    int in = i <= stream->nmsgs && mail_elt (stream, i)->spare2;
    if (in && !start) start = i;
    else if (!in && start) {
      if (b.len) buf_putc (&b, ',');
      buf_printf (&b, "%lu:%lu", mail_uid (stream, start),
		  mail_uid (stream, i - 1));
      start = 0;
      if (++runs == UNMARK_RANGES) {
	mail_flag (stream, b.data, "\\Deleted", ST_UID | ST_SILENT);
	buf_reset (&b);
	runs = 0;
      }
    }
  }
  if (b.len) mail_flag (stream, b.data, "\\Deleted", ST_UID | ST_SILENT);
  buf_free (&b);
}

static void clear_spare2 (MAILSTREAM *stream)
{
  unsigned long i;
  for (i = 1; i <= stream->nmsgs; i++) mail_elt (stream, i)->spare2 = 0;
}

void cmd_move (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *set, *mailbox, *code;
  struct copyuid_capture cap;
  struct buf b = BUF_INIT, uids = BUF_INIT;
  int no_expunge;
  long ok;

  if (copy_args (s, args, uid, "MOVE", &set, &mailbox) < 0) return;
  if (s->readonly || s->stream->rdonly) {
    reply_no (s, "Can't move from a read-only mailbox");
    return;
  }
  /* the UIDs of exactly these messages, for the expunge below */
  if (!marked_uids_runs (s->stream, &uids)) {
    reply_ok (s, "%sMOVE completed (no messages)", uid ? "UID " : "");
    return;
  }
  if (!copy_with_uids (s, set, mailbox, uid, &cap)) {
    reply_no_lasterror (s, "MOVE failed");	/* nothing expunged */
    goto done;
  }
  /* RFC 6851: COPYUID untagged, before the EXPUNGEs */
  if ((code = copyuid_code (&cap, &b)))
    client_printf (s->client, "* OK [%s] Moved UIDs.\r\n", code);
  s->suppress_flags = 1;	/* no FETCH \Deleted for vanishing messages */
  move_mark_deleted (s, uids.data);
  /* the EXPUNGEs are this command's result, even for the message-number
   * form (RFC 6851 section 3.3) */
  no_expunge = s->no_expunge_now;
  s->no_expunge_now = 0;
  ok = mail_expunge_full (s->stream, uids.data, EX_UID);
  s->no_expunge_now = no_expunge;
  if (!ok) {
    move_unmark (s);
    /* say that copies exist: a client retrying the MOVE makes more */
    reply_no (s, "Messages copied but not removed from this mailbox: %s",
	      s->last_error ? s->last_error : "expunge failed");
  }
  else reply_ok (s, "%sMOVE completed", uid ? "UID " : "");
  clear_spare2 (s->stream);
  s->suppress_flags = 0;
done:
  capture_free (&cap);
  buf_free (&b);
  buf_free (&uids);
}

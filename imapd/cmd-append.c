/*
 * APPEND (RFC 3501 6.3.11) with MULTIAPPEND (RFC 3502), UIDPLUS's
 * APPENDUID (RFC 4315) and binary literals (RFC 3516).
 *
 *   APPEND mailbox [flag-list] [date-time] literal
 *                  *( [flag-list] [date-time] literal )     MULTIAPPEND
 *
 * Every group is checked first (flags, date, literal); only then is
 * mail_append_multiple() called, and the library writes all the messages
 * or none of them.
 */
#include <string.h>
#include <strings.h>
#include "imapd.h"
#include "internal.h"


struct append_msg {
  char *flags;			/* "\\Seen kw ..." (fs_get'ed) or NULL */
  char *date;			/* date-time text or NULL: now */
  const char *text;		/* the literal, as sent */
  size_t len;
};

struct append_ctx {
  struct append_msg *msgs;
  size_t count;
  size_t next;			/* next message to hand to the library */
  STRING st;
};

/* APPENDUID data: the appenduid_t callback has no context pointer */
static struct {
  int got;
  unsigned long validity;
  struct set_writer set;
} auid;

/* ---------------------------------------------------------------- flags */

/* flag-list -> "\\Seen kw ..." in *out.  0, or -1 with a BAD reply. */
static int append_flags (struct imapd *s, const struct imap_arg *a,
			 char **out)
{
  struct buf b = BUF_INIT;
  size_t i;
  const char *f;
  *out = NULL;
  for (i = 0; i < a->count; i++) {
    if (!(f = imap_arg_atom (&a->list[i])) || !*f) {
      reply_bad (s, "Invalid flag list in APPEND");
      goto bad;
    }
    switch (imap_flag_kind (f)) {
    case IMAP_FLAG_SYSTEM:
    case IMAP_FLAG_KEYWORD:
      break;
    default:			/* \Recent too: a client may not set it */
      reply_bad (s, *f == '\\' ? "Invalid system flag in APPEND: %.80s"
		 : "Invalid keyword in APPEND: %.80s", f);
      goto bad;
    }
    if (b.len) buf_putc (&b, ' ');
    buf_puts (&b, f);
  }
  if (b.len) *out = buf_detach (&b);
  return 0;
 bad:
  buf_free (&b);
  return -1;
}

/* ---------------------------------------------------------------- dates */

static int two_digits (const char *p, int *v)
{
  if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return 0;
  *v = (p[0] - '0') * 10 + (p[1] - '0');
  return 1;
}

/* RFC 3501 date-time without its quotes: "dd-Mmm-yyyy hh:mm:ss +zzzz",
 * the day as " d", "dd" or (leniently, as many clients send it) "d". */
static int append_date_valid (const char *d)
{
  int day, month, y1, y2, hh, mm, ss, zh, zm;
  const char *p = d;
  if (p[0] == ' ' && p[1] >= '1' && p[1] <= '9') {
    day = p[1] - '0';
    p += 2;
  }
  else if (two_digits (p, &day)) p += 2;
  else if (p[0] >= '1' && p[0] <= '9' && p[1] == '-') day = *p++ - '0';
  else return 0;
  if (*p++ != '-') return 0;
  for (month = 0; month < 12 && strncasecmp (p, months[month], 3);
       month++);
  if (month == 12) return 0;
  month++;
  p += 3;
  if (*p++ != '-' || !two_digits (p, &y1) || !two_digits (p + 2, &y2))
    return 0;
  p += 4;
  if (*p++ != ' ' || !two_digits (p, &hh) || p[2] != ':' ||
      !two_digits (p + 3, &mm) || p[5] != ':' || !two_digits (p + 6, &ss))
    return 0;
  p += 8;
  if (*p++ != ' ' || (*p != '+' && *p != '-') || !two_digits (p + 1, &zh) ||
      !two_digits (p + 3, &zm) || p[5])
    return 0;
  /* zones beyond 15 hours do not fit MESSAGECACHE; none exist anyway */
  return day >= 1 && day <= date_month_days (y1 * 100 + y2, month) &&
    hh < 24 && mm < 60 && ss <= 60 && zh <= 15 && zm < 60;
}

/* The optional date-time: a quoted string only (RFC 3501), checked
 * strictly and then against what the library can store.  0, or -1 with
 * a reply set. */
static int append_date (struct imapd *s, const struct imap_arg *a,
			char **out)
{
  MESSAGECACHE elt;
  if (!append_date_valid (a->str)) {
    reply_bad (s, "Invalid date-time in APPEND: %.80s", a->str);
    return -1;
  }
  memset (&elt, 0, sizeof elt);
  if (!mail_parse_date (&elt, (unsigned char *) a->str)) {
    reply_no (s, "Can't store date-time %.80s (years %d to %d only)",
	      a->str, BASEYEAR, BASEYEAR + 127);
    return -1;
  }
  *out = cpystr (a->str);
  return 0;
}

/* -------------------------------------------------------------- parsing */

static void append_ctx_free (struct append_ctx *ctx)
{
  size_t i;
  for (i = 0; i < ctx->count; i++) {
    if (ctx->msgs[i].flags) fs_give ((void **) &ctx->msgs[i].flags);
    if (ctx->msgs[i].date) fs_give ((void **) &ctx->msgs[i].date);
  }
  if (ctx->msgs) fs_give ((void **) &ctx->msgs);
  ctx->count = 0;
}

/* The message literal of one group.  0, or -1 with a reply set. */
static int append_literal (struct imapd *s, const struct imap_arg *a,
			   struct append_msg *m)
{
  if (a->type != IMAP_ARG_LITERAL) {
    reply_bad (s, "Missing message literal in APPEND");
    return -1;
  }
  if (!a->len) {		/* UW's reply */
    reply_no (s, "Empty message to APPEND");
    return -1;
  }
  if (memchr (a->str, '\0', a->len)) {
    /* RFC 3501 literals are CHAR8 (no NUL); RFC 3516 lets ~{n} carry
     * NULs, but an mbox file cannot keep them safely */
    if (a->literal8)
      reply_no (s, "[UNKNOWN-CTE] This mailbox can't store messages "
		"containing NUL octets");
    else reply_bad (s, "NUL octet in a non-binary literal; use ~{n}");
    return -1;
  }
  m->text = a->str;
  m->len = a->len;
  return 0;
}

/* All groups after the mailbox name.  0, or -1 with a reply set. */
static int append_parse (struct imapd *s, const struct imap_arg *args,
			 struct append_ctx *ctx)
{
  size_t n = cmd_mailbox_nargs (args), i = 0;
  ctx->msgs = fs_get (n * sizeof *ctx->msgs);
  memset (ctx->msgs, 0, n * sizeof *ctx->msgs);
  while (i < n) {
    struct append_msg *m = &ctx->msgs[ctx->count++];
    if (args[i].type == IMAP_ARG_LIST) {
      if (append_flags (s, &args[i], &m->flags) < 0) return -1;
      i++;
    }
    if (i < n && args[i].type == IMAP_ARG_QUOTED) {
      if (append_date (s, &args[i], &m->date) < 0) return -1;
      i++;
    }
    if (i >= n) {
      reply_bad (s, "Missing message literal in APPEND");
      return -1;
    }
    if (append_literal (s, &args[i++], m) < 0) return -1;
  }
  if (!ctx->count) {
    reply_bad (s, "Missing message to APPEND");
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------ callbacks */

/* append_t: hand the library the next message, or none to stop */
static long append_next (MAILSTREAM *stream, void *data, char **flags,
			 char **date, STRING **message)
{
  struct append_ctx *ctx = data;
  struct append_msg *m;
  (void) stream;
  *flags = *date = NIL;
  *message = NIL;
  if (ctx->next >= ctx->count) return LONGT;
  m = &ctx->msgs[ctx->next++];
  *flags = m->flags;
  *date = m->date;
  INIT (&ctx->st, mail_string, (void *) m->text, m->len);
  *message = &ctx->st;
  return LONGT;
}

static void append_uid (char *mailbox, unsigned long uidvalidity,
			SEARCHSET *set)
{
  (void) mailbox;
  auid.got = 1;
  auid.validity = uidvalidity;
  set_writer_add_set (&auid.set, set);
}

/* -------------------------------------------------------------- command */

void cmd_append (struct imapd *s, const struct imap_arg *args, int uid)
{
  struct append_ctx ctx;
  const char *name;
  void *old;
  long ok;
  (void) uid;
  memset (&ctx, 0, sizeof ctx);
  if (cmd_mailbox_nargs (args) < 2) {
    reply_bad (s, "Missing or invalid argument to APPEND");
    return;
  }
  if (!(name = cmd_mailbox_name (s, &args[0], "APPEND"))) return;
  if (append_parse (s, args + 1, &ctx) < 0) {
    append_ctx_free (&ctx);
    return;
  }
  auid.got = 0;
  set_writer_free (&auid.set);
  old = mail_parameters (NIL, GET_APPENDUID, NIL);
  mail_parameters (NIL, SET_APPENDUID, (void *) append_uid);
  ok = mail_append_multiple (NIL, (char *) name, append_next, &ctx);
  mail_parameters (NIL, SET_APPENDUID, old);
  append_ctx_free (&ctx);
  if (!ok) {
    /* the library may have said TRYCREATE untagged (mm_notify) only */
    if (!s->last_error && !mail_valid (NIL, (char *) name, NIL))
      reply_no (s, "[TRYCREATE] Must create mailbox before append");
    else reply_no_lasterror (s, "APPEND failed");
  }
  else if (auid.got && auid.set.count)
    reply_ok (s, "[APPENDUID %lu %s] APPEND completed", auid.validity,
	      set_writer_text (&auid.set));
  else reply_ok (s, "APPEND completed");
}

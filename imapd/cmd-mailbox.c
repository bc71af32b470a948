/*
 * Mailbox commands: SELECT, EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE,
 * UNSUBSCRIBE, LIST, LSUB, STATUS, NAMESPACE and UW's SCAN.
 *
 * The library owns path policy (restrictBox, "..", hidden files) and the
 * mailbox formats; here we check the IMAP syntax of every argument, refuse
 * what the protocol forbids, call c-client and turn its answer into the
 * tagged reply.  Library errors arrive through mm_log -> s->last_error.
 */
#include <string.h>
#include <strings.h>
#include "imapd.h"
#include "utf8.h"

/* State shared with the callbacks cmd_list_reply/cmd_status_reply while one
 * command runs.  One process serves one connection, so a static is enough. */
enum { STATUS_ITEMS = 5 };

static struct {
  unsigned long listed;		/* LIST/LSUB/SCAN replies sent */
  long status_items[STATUS_ITEMS];	/* STATUS: SA_* in the asked order */
  size_t nstatus;
  int status_active;
} mbx;

/* ------------------------------------------------------------ arguments */


size_t cmd_mailbox_nargs (const struct imap_arg *args)
{
  size_t n = 0;
  while (args && args[n].type != IMAP_ARG_END) n++;
  return n;
}

/* An astring without NULs (a literal may carry them); NULL if it is not.
 * A ~{n} literal is only for APPEND's message (RFC 3516). */
static const char *arg_text (const struct imap_arg *a)
{
  const char *t = imap_arg_astring (a);
  if (!t || a->literal8 || strlen (t) != a->len) return NULL;
  return t;
}

/* The mailbox argument of cmd, with "INBOX" in any case made "INBOX".
 * Returns NULL with a BAD/NO reply set when it cannot name a mailbox. */
const char *cmd_mailbox_name (struct imapd *s, const struct imap_arg *a,
			      const char *cmd)
{
  const char *name = arg_text (a);
  if (!name) {
    reply_bad (s, "Missing or invalid mailbox name in %s", cmd);
    return NULL;
  }
  if (!*name) {
    reply_no (s, "%s failed: empty mailbox name", cmd);
    return NULL;
  }
  if (strlen (name) > LIM_MAILBOX_NAME) {
    reply_no (s, "%s failed: mailbox name longer than %d bytes", cmd,
	      LIM_MAILBOX_NAME);
    return NULL;
  }
  if (strpbrk (name, "\r\n")) {
    reply_no (s, "%s failed: mailbox name with a line break", cmd);
    return NULL;
  }
  /* the server is no proxy: a client must not make it connect elsewhere */
  if (*name == '{') {
    reply_no (s, "%s failed: remote mailbox names are not supported", cmd);
    return NULL;
  }
  if (!strcasecmp (name, "INBOX")) return "INBOX";
  return name;
}

/* 1 when name is the mailbox the session has selected (UW compares names
 * the same way: the name as given and the stream's own name). */
int cmd_mailbox_is_selected (struct imapd *s, const char *name)
{
  MAILSTREAM *st = s->stream;
  if (!st || !name) return 0;
  if (st->mailbox && (!strcmp (name, st->mailbox) ||
		      (!strcasecmp (name, "INBOX") &&
		       !strcasecmp (st->mailbox, "INBOX"))))
    return 1;
  return st->original_mailbox && !strcmp (name, st->original_mailbox);
}

/* 1 if the UTF-8 text holds a C0 or C1 control character or DEL. */
static int utf8_has_control (const unsigned char *u)
{
  for (; *u; u++) {
    if (*u < 0x20 || *u == 0x7f) return 1;
    if (u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f) return 1;
  }
  return 0;
}

/* Why name cannot be a new mailbox's hierarchy, or NULL: no "." or ".."
 * levels and no empty level (a single trailing delimiter is allowed: it
 * asks for a directory), as the dummy driver's CREATE wants for every
 * format; no wildcards, which no LIST pattern could name exactly. */
static const char *new_name_levels (const char *name)
{
  const char *p = name, *e;
  size_t n;
  if (strpbrk (name, "%*")) return "mailbox name with a LIST wildcard";
  if (*p == '/') p++;		/* an absolute name */
  for (; *p; p = *e ? e + 1 : e) {
    e = strchr (p, '/');
    if (!e) e = p + strlen (p);
    n = (size_t) (e - p);
    if (!n && *e) return "empty hierarchy level (\"//\")";
    if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
      return "\".\" and \"..\" are not mailbox names";
  }
  return NULL;
}

/* A name we will create: modified UTF-7 in its canonical form (RFC 3501
 * 5.1.3) that decodes to no control characters, in sane levels.  NO reply
 * when not. */
static int new_name_valid (struct imapd *s, const char *name, const char *cmd)
{
  const char *why = mail_utf7_valid ((char *) name);
  unsigned char *u;
  if (!why) why = new_name_levels (name);
  if (!why) {
    if (!(u = utf8_from_mutf7 ((unsigned char *) name)))
      why = "invalid modified UTF-7 name";
    else {
      if (utf8_has_control (u)) why = "mailbox name with control character";
      fs_give ((void **) &u);
    }
  }
  if (why) {
    reply_no (s, "%s failed: %s", cmd, why);
    return 0;
  }
  return 1;
}

/* ------------------------------------------------------- SELECT/EXAMINE */

static void select_common (struct imapd *s, const struct imap_arg *args,
			   int readonly)
{
  const char *cmd = readonly ? "EXAMINE" : "SELECT";
  const char *name;
  int ro;
  if (cmd_mailbox_nargs (args) != 1) {
    reply_bad (s, "%s takes one argument: the mailbox name", cmd);
    return;
  }
  if (!(name = cmd_mailbox_name (s, &args[0], cmd))) {
    /* RFC 3501 6.3.1: a failed SELECT leaves no mailbox selected */
    if (s->stream) session_deselect (s, 0);
    return;
  }
  if (session_select (s, name, readonly) < 0) {
    if (s->status == REPLY_NONE) reply_no_lasterror (s, "SELECT failed");
    return;
  }
  if (s->status != REPLY_NONE) return;
  ro = s->readonly || !s->stream || s->stream->rdonly;
  reply_ok (s, "[READ-%s] %s completed", ro ? "ONLY" : "WRITE", cmd);
}

void cmd_select (struct imapd *s, const struct imap_arg *args, int uid)
{
  (void) uid;
  select_common (s, args, s->anonymous);	/* anonymous: read-only */
}

void cmd_examine (struct imapd *s, const struct imap_arg *args, int uid)
{
  (void) uid;
  select_common (s, args, 1);
}

/* ------------------------------------------------ CREATE/DELETE/RENAME */

void cmd_create (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *name;
  (void) uid;
  if (cmd_mailbox_nargs (args) != 1) {
    reply_bad (s, "CREATE takes one argument: the mailbox name");
    return;
  }
  if (!(name = cmd_mailbox_name (s, &args[0], "CREATE"))) return;
  if (!strcmp (name, "INBOX")) {	/* RFC 3501 6.3.3 */
    reply_no (s, "Can't create INBOX: it always exists");
    return;
  }
  if (!new_name_valid (s, name, "CREATE")) return;
  if (mail_create (NIL, (char *) name)) reply_ok (s, "CREATE completed");
  else reply_no_lasterror (s, "CREATE failed");
}

void cmd_delete (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *name;
  (void) uid;
  if (cmd_mailbox_nargs (args) != 1) {
    reply_bad (s, "DELETE takes one argument: the mailbox name");
    return;
  }
  if (!(name = cmd_mailbox_name (s, &args[0], "DELETE"))) return;
  if (!strcmp (name, "INBOX")) {	/* RFC 3501 6.3.4 */
    reply_no (s, "Can't delete INBOX");
    return;
  }
  /* our own stream would lose its file underneath it */
  if (cmd_mailbox_is_selected (s, name)) {
    reply_no (s, "Can not DELETE the selected mailbox");
    return;
  }
  if (mail_delete (NIL, (char *) name)) reply_ok (s, "DELETE completed");
  else reply_no_lasterror (s, "DELETE failed");
}

void cmd_rename (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *from, *to;
  (void) uid;
  if (cmd_mailbox_nargs (args) != 2) {
    reply_bad (s, "RENAME takes two arguments: old and new mailbox names");
    return;
  }
  if (!(from = cmd_mailbox_name (s, &args[0], "RENAME")) ||
      !(to = cmd_mailbox_name (s, &args[1], "RENAME")))
    return;
  if (!strcmp (to, "INBOX")) {
    reply_no (s, "Can't rename %.80s to INBOX: INBOX already exists", from);
    return;
  }
  if (!new_name_valid (s, to, "RENAME")) return;
  /* RENAME INBOX moves its messages: that must not happen to the stream we
   * have open, nor may a selected mailbox change its name under us */
  if (cmd_mailbox_is_selected (s, from)) {
    reply_no (s, "Can not RENAME the selected mailbox");
    return;
  }
  if (mail_rename (NIL, (char *) from, (char *) to))
    reply_ok (s, "RENAME completed");
  else reply_no_lasterror (s, "RENAME failed");
}

/* -------------------------------------------------- SUBSCRIBE/UNSUBSCRIBE */

static void subscription (struct imapd *s, const struct imap_arg *args,
			  int on)
{
  const char *cmd = on ? "SUBSCRIBE" : "UNSUBSCRIBE";
  const char *name;
  long ok;
  if (cmd_mailbox_nargs (args) != 1) {
    reply_bad (s, "%s takes one argument: the mailbox name", cmd);
    return;
  }
  if (!(name = cmd_mailbox_name (s, &args[0], cmd))) return;
  ok = on ? mail_subscribe (NIL, (char *) name)
    : mail_unsubscribe (NIL, (char *) name);
  if (ok) reply_ok (s, "%s completed", cmd);
  else reply_no_lasterror (s, on ? "SUBSCRIBE failed" : "UNSUBSCRIBE failed");
}

void cmd_subscribe (struct imapd *s, const struct imap_arg *args, int uid)
{
  (void) uid;
  subscription (s, args, 1);
}

void cmd_unsubscribe (struct imapd *s, const struct imap_arg *args, int uid)
{
  (void) uid;
  subscription (s, args, 0);
}

/* ------------------------------------------------------ LIST/LSUB/SCAN */

enum list_kind { LIST_LIST, LIST_LSUB, LIST_SCAN };

/* Reference and pattern: astrings (the parser gives "%" and "*" as atoms),
 * no NULs, no line breaks, not remote.  NULL with a reply set if bad. */
static const char *list_arg (struct imapd *s, const struct imap_arg *a,
			     const char *cmd, const char *what)
{
  const char *t = arg_text (a);
  if (!t) {
    reply_bad (s, "Missing or invalid %s in %s", what, cmd);
    return NULL;
  }
  if (strpbrk (t, "\r\n")) {
    reply_bad (s, "Line break in %s %s", cmd, what);
    return NULL;
  }
  if (*t == '{') {
    reply_no (s, "%s failed: remote mailbox names are not supported", cmd);
    return NULL;
  }
  return t;
}

static void list_common (struct imapd *s, const struct imap_arg *args,
			 enum list_kind kind)
{
  static const char *const names[] = { "LIST", "LSUB", "SCAN" };
  const char *cmd = names[kind], *ref, *pat, *contents = NULL;
  size_t want = kind == LIST_SCAN ? 3 : 2;
  if (cmd_mailbox_nargs (args) != want) {
    reply_bad (s, kind == LIST_SCAN
	       ? "SCAN takes three arguments: reference, pattern, text"
	       : "%s takes two arguments: reference and mailbox pattern", cmd);
    return;
  }
  if (!(ref = list_arg (s, &args[0], cmd, "reference")) ||
      !(pat = list_arg (s, &args[1], cmd, "mailbox pattern")))
    return;
  if (kind == LIST_SCAN && !(contents = arg_text (&args[2]))) {
    reply_bad (s, "Missing or invalid search text in SCAN");
    return;
  }
  mbx.listed = 0;
  switch (kind) {
  case LIST_LIST: mail_list (NIL, (char *) ref, (char *) pat); break;
  case LIST_LSUB: mail_lsub (NIL, (char *) ref, (char *) pat); break;
  case LIST_SCAN:
    mail_scan (NIL, (char *) ref, (char *) pat, (char *) contents);
    break;
  }
  /* the library says why it refused a pattern; a failure part way through
   * a walk still lists what it found, so that is OK, as UW does */
  if (s->last_error && !mbx.listed)
    reply_no_lasterror (s, kind == LIST_LIST ? "LIST failed"
			: kind == LIST_LSUB ? "LSUB failed" : "SCAN failed");
  else reply_ok (s, "%s completed", cmd);
}

void cmd_list (struct imapd *s, const struct imap_arg *args, int uid)
{
  (void) uid;
  list_common (s, args, LIST_LIST);
}

void cmd_lsub (struct imapd *s, const struct imap_arg *args, int uid)
{
  (void) uid;
  list_common (s, args, LIST_LSUB);
}

void cmd_scan (struct imapd *s, const struct imap_arg *args, int uid)
{
  (void) uid;
  list_common (s, args, LIST_SCAN);
}

/* A hierarchy delimiter: a quoted character, escaped where IMAP needs it,
 * or NIL for none. */
static void put_delimiter (struct client *c, int delimiter)
{
  if (!delimiter) {
    client_puts (c, "NIL");
    return;
  }
  if (delimiter == '"' || delimiter == '\\')
    client_printf (c, "\"\\%c\"", delimiter);
  else client_printf (c, "\"%c\"", delimiter);
}

void cmd_list_reply (struct imapd *s, int delimiter, char *name, long attr,
		     int lsub)
{
  static const struct { long bit; const char *text; } atts[] = {
    { LATT_NOINFERIORS, "\\NoInferiors" },
    { LATT_NOSELECT, "\\Noselect" },
    { LATT_MARKED, "\\Marked" },
    { LATT_UNMARKED, "\\Unmarked" },
    { LATT_HASCHILDREN, "\\HasChildren" },
    { LATT_HASNOCHILDREN, "\\HasNoChildren" },
  };
  size_t i;
  int first = 1;
  if (!name) return;
  /* a referral needs a referral-aware client (RLIST), which we lack */
  if (attr & LATT_REFERRAL) return;
  client_puts (s->client, lsub ? "* LSUB (" : "* LIST (");
  for (i = 0; i < sizeof atts / sizeof atts[0]; i++)
    if (attr & atts[i].bit) {
      if (!first) client_puts (s->client, " ");
      client_puts (s->client, atts[i].text);
      first = 0;
    }
  client_puts (s->client, ") ");
  put_delimiter (s->client, delimiter);
  client_puts (s->client, " ");
  out_astring (s->client, name);
  client_puts (s->client, "\r\n");
  mbx.listed++;
}

/* --------------------------------------------------------------- STATUS */

static const struct {
  const char *name;
  long bit;
} status_atts[STATUS_ITEMS] = {
  { "MESSAGES", SA_MESSAGES },
  { "RECENT", SA_RECENT },
  { "UIDNEXT", SA_UIDNEXT },
  { "UIDVALIDITY", SA_UIDVALIDITY },
  { "UNSEEN", SA_UNSEEN },
};

/* Parse the STATUS item list into the SA_* mask and the asked order.
 * Returns the mask, or 0 with a BAD reply set. */
static long status_parse (struct imapd *s, const struct imap_arg *a)
{
  long flags = 0;
  size_t i, j;
  const char *t;
  if (a->type != IMAP_ARG_LIST || !a->count) {
    reply_bad (s, "STATUS needs a non-empty list of status items");
    return 0;
  }
  mbx.nstatus = 0;
  for (i = 0; i < a->count; i++) {
    if (!(t = imap_arg_atom (&a->list[i]))) {
      reply_bad (s, "Invalid status item in STATUS");
      return 0;
    }
    for (j = 0; j < STATUS_ITEMS && strcasecmp (t, status_atts[j].name); j++);
    if (j == STATUS_ITEMS) {
      reply_bad (s, "Unknown status item: %.80s", t);
      return 0;
    }
    if (!(flags & status_atts[j].bit))	/* each item once in the reply */
      mbx.status_items[mbx.nstatus++] = status_atts[j].bit;
    flags |= status_atts[j].bit;
  }
  return flags;
}

void cmd_status (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *name;
  long flags;
  MAILSTREAM *st;
  (void) uid;
  if (cmd_mailbox_nargs (args) != 2) {
    reply_bad (s, "STATUS takes two arguments: mailbox and item list");
    return;
  }
  if (!(name = cmd_mailbox_name (s, &args[0], "STATUS"))) return;
  if (!(flags = status_parse (s, &args[1]))) return;
  /* the selected mailbox answers from our own stream: a second open would
   * count as \Recent what this session has already claimed */
  st = cmd_mailbox_is_selected (s, name) ? s->stream : NIL;
  mbx.status_active = 1;
  if (mail_status (st, (char *) name, flags)) reply_ok (s, "STATUS completed");
  else reply_no_lasterror (s, "STATUS failed");
  mbx.status_active = 0;
}

static unsigned long status_value (const MAILSTATUS *st, long bit)
{
  switch (bit) {
  case SA_MESSAGES: return st->messages;
  case SA_RECENT: return st->recent;
  case SA_UIDNEXT: return st->uidnext;
  case SA_UIDVALIDITY: return st->uidvalidity;
  default: return st->unseen;
  }
}

static const char *status_name (long bit)
{
  size_t j;
  for (j = 0; j < STATUS_ITEMS && status_atts[j].bit != bit; j++);
  return j < STATUS_ITEMS ? status_atts[j].name : "UNSEEN";
}

void cmd_status_reply (struct imapd *s, char *mailbox, MAILSTATUS *st)
{
  long order[STATUS_ITEMS];
  size_t i, n = 0;
  int first = 1;
  if (!mailbox || !st) return;
  if (mbx.status_active)
    for (i = 0; i < mbx.nstatus && n < STATUS_ITEMS; i++)
      order[n++] = mbx.status_items[i];
  else				/* not from our STATUS: UW's fixed order */
    for (i = 0; i < STATUS_ITEMS; i++) order[n++] = status_atts[i].bit;
  client_puts (s->client, "* STATUS ");
  out_astring (s->client, mailbox);
  client_puts (s->client, " (");
  for (i = 0; i < n; i++)
    if (st->flags & order[i]) {
      client_printf (s->client, "%s%s %lu", first ? "" : " ",
		     status_name (order[i]), status_value (st, order[i]));
      first = 0;
    }
  client_puts (s->client, ")\r\n");
}

/* ------------------------------------------------------------ NAMESPACE */

static void put_namespace (struct client *c, NAMESPACE *n)
{
  if (!n) {
    client_puts (c, " NIL");
    return;
  }
  client_puts (c, " (");
  for (; n; n = n->next) {
    client_puts (c, "(");
    out_cstring (c, n->name ? n->name : "");
    client_puts (c, " ");
    put_delimiter (c, n->delimiter);
    client_puts (c, ")");
  }
  client_puts (c, ")");
}

void cmd_namespace (struct imapd *s, const struct imap_arg *args, int uid)
{
  NAMESPACE **ns;
  int i;
  (void) uid;
  if (cmd_mailbox_nargs (args)) {
    reply_bad (s, "NAMESPACE takes no arguments");
    return;
  }
  /* the library lists the namespaces that work in this configuration */
  ns = (NAMESPACE **) mail_parameters (NIL, GET_NAMESPACE, NIL);
  client_puts (s->client, "* NAMESPACE");
  for (i = 0; i < 3; i++) put_namespace (s->client, ns ? ns[i] : NIL);
  client_puts (s->client, "\r\n");
  reply_ok (s, "NAMESPACE completed");
}

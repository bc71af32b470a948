/*
 * Streams and driver dispatch: the driver registry, mailbox name
 * validation, network name parsing, open/close/recycle, handles, ping,
 * check, expunge, copy, append, UID mapping and the stream lock.
 * Folder operations (list, create, ...) are in folders.c; fetching in
 * fetch.c; flags in flags.c.
 */
#include <string.h>
#include <time.h>
#include "core.h"

/* ---------------------------------------------------------------------- */
/* Driver registry                                                         */

static int is_dummy (DRIVER *d)
{
  return d && d->name && !strcmp (d->name, "dummy");
}

/* Append in link order (UW), except that the dummy driver, which accepts
 * any directory or empty file, stays last so it never hides a real one. */
void mail_link (DRIVER *driver)
{
  DRIVER **d;
  if (!driver) return;
  for (d = &core_state ()->drivers; *d; d = &(*d)->next)
    if (*d == driver) return;	/* linking twice would make a loop */
  for (d = &core_state ()->drivers; *d && !(is_dummy (*d) && !(*d)->next);
       d = &(*d)->next);
  driver->next = *d;		/* NIL, or the dummy driver */
  *d = driver;
}

void mail_versioncheck (char *version)
{
  if (!version || strcmp (version, CCLIENTVERSION))
    mail_fatal ("c-client library version skew, app=%.100s library=%.100s",
		version ? version : "(none)", CCLIENTVERSION);
}

/* "#driver.NAME/rest" names a driver explicitly. */
DRIVER *core_driver_prefix (char *name, char **rest)
{
  char *s, *slash;
  DRIVER *d;
  *rest = NIL;
  if (!name || strncasecmp (name, "#driver.", 8)) return NIL;
  s = name + 8;
  if (!(slash = strchr (s, '/')) || slash == s) return NIL;
  *rest = slash + 1;
  for (d = core_state ()->drivers; d; d = d->next)
    if (!(d->flags & DR_DISABLE) && strlen (d->name) == (size_t) (slash - s) &&
	!strncasecmp (d->name, s, slash - s))
      return d;
  return NIL;
}

static int bad_name_chars (const char *name)
{
  return strpbrk (name, "\r\n") != NULL;
}

DRIVER *mail_valid (MAILSTREAM *stream, char *mailbox, char *purpose)
{
  DRIVER *factory = NIL;
  NETMBX mb;
  char *rest;
  const char *why = "no such mailbox";

  if (!mailbox || !*mailbox) {
    if (purpose) mail_log (stream, ERROR, "Can't %s: empty mailbox name", purpose);
    return NIL;
  }
  if (bad_name_chars (mailbox)) {
    if (purpose) mail_log (stream, ERROR, "Can't %s with such a name", purpose);
    return NIL;
  }
  if (strlen (mailbox) > CORE_MAXNAME) {
    if (purpose) mail_log (stream, ERROR, "Can't %s: mailbox name longer "
			   "than %d bytes", purpose, CORE_MAXNAME);
    return NIL;
  }
  if (!strncasecmp (mailbox, "#driver.", 8)) {
    if (!(factory = core_driver_prefix (mailbox, &rest)))
      why = rest ? "unknown driver" : "bad #driver. name (want #driver.NAME/mailbox)";
  }
  else if (*mailbox == '{') {
    /* only non-local drivers may take a network name */
    if (!mail_valid_net_parse (mailbox, &mb)) why = "invalid remote specification";
    else {
      for (factory = core_state ()->drivers; factory &&
	     ((factory->flags & (DR_DISABLE | DR_LOCAL)) || !factory->valid ||
	      !(*factory->valid) (mailbox)); factory = factory->next);
      if (!factory) why = "no driver for remote mailboxes in this build";
    }
  }
  else for (factory = core_state ()->drivers; factory &&
	      ((factory->flags & DR_DISABLE) || !factory->valid ||
	       !(*factory->valid) (mailbox)); factory = factory->next);

  /* with a stream, the name must suit that stream's driver; "dummy" means
   * "exists as a directory/empty file", which any driver may create into */
  if (factory && stream && stream->dtb && stream->dtb != factory &&
      !is_dummy (stream->dtb))
    factory = is_dummy (factory) ? stream->dtb : NIL;
  if (!factory && purpose)
    mail_log (stream, ERROR, "Can't %s %.80s: %s", purpose, mailbox, why);
  return factory;
}

DRIVER *mail_valid_net (char *name, DRIVER *drv, char *host, char *mailbox)
{
  NETMBX mb;
  if (!drv || !mail_valid_net_parse (name, &mb) ||
      strcmp (mb.service, drv->name)) return NIL;
  if (host) strcpy (host, mb.host);	/* bounded: < NETMAXHOST */
  if (mailbox) strcpy (mailbox, mb.mailbox);	/* bounded: < NETMAXMBX */
  return drv;
}

long mail_valid_net_parse (char *name, NETMBX *mb)
{
  return mail_valid_net_parse_work (name, mb, "imap");
}

/* ---------------------------------------------------------------------- */
/* {host[:port][/flag[=value]]...}mailbox                                 */

/* Copy [s,e) into dst[size] if it fits; 0 if not. */
static int netcopy (char *dst, size_t size, const char *s, const char *e)
{
  if ((size_t) (e - s) >= size) return 0;
  memcpy (dst, s, e - s);
  dst[e - s] = '\0';
  return 1;
}

/* A flag value: "quoted \"string\"" or text up to the next '/'.  Returns
 * the end of the value in the spec, or NIL if malformed or too long. */
static const char *netvalue (const char *s, const char *end, char *dst,
			     size_t size)
{
  size_t n = 0;
  if (s < end && *s == '"') {
    for (s++; s < end && *s != '"'; s++) {
      if (*s == '\\' && s + 1 < end) s++;
      if (n + 1 >= size) return NIL;
      dst[n++] = *s;
    }
    if (s >= end) return NIL;	/* unterminated quote */
    s++;
    if (s < end && *s != '/') return NIL;
  }
  else for (; s < end && *s != '/'; s++) {
    if (*s == '"' || (unsigned char) *s < ' ') return NIL;
    if (n + 1 >= size) return NIL;
    dst[n++] = *s;
  }
  dst[n] = '\0';
  return s;
}

static int hostchar (int c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

long mail_valid_net_parse_work (char *name, NETMBX *mb, char *service)
{
  const char *s, *end, *h, *f, *v;
  char flag[32];
  size_t n;

  memset (mb, 0, sizeof (NETMBX));
  if (!name || *name != '{' || !(end = strchr (name, '}'))) return NIL;
  s = name + 1;
  /* host: [literal] or a DNS-style name */
  h = s;
  if (*s == '[') {
    while (s < end && *s != ']') {
      if ((unsigned char) *s <= ' ' || *s == '/') return NIL;
      s++;
    }
    if (s >= end) return NIL;
    s++;			/* keep the brackets, as UW does */
  }
  else while (s < end && hostchar ((unsigned char) *s)) s++;
  if (s == h || !netcopy (mb->host, NETMAXHOST, h, s)) return NIL;
  strcpy (mb->orighost, mb->host);
  if (s < end && *s == ':') {	/* port */
    unsigned long port = 0;
    for (n = 0, s++; s < end && *s >= '0' && *s <= '9'; s++, n++)
      if ((port = port * 10 + (*s - '0')) > 65535) return NIL;
    if (!n || !port) return NIL;
    mb->port = port;
  }
  while (s < end) {		/* flags */
    char value[NETMAXMBX];
    int hasval;
    if (*s++ != '/') return NIL;
    for (f = s; s < end && *s != '/' && *s != '='; s++);
    if (s == f || !netcopy (flag, sizeof flag, f, s)) return NIL;
    if ((hasval = (s < end && *s == '='))) {
      if (!(v = netvalue (s + 1, end, value, sizeof value))) return NIL;
      s = v;
    }
    if (!compare_cstring ((unsigned char *) flag, (unsigned char *) "service")
	|| !compare_cstring ((unsigned char *) flag, (unsigned char *) "user")
	|| !compare_cstring ((unsigned char *) flag, (unsigned char *) "authuser")) {
      if (!hasval) return NIL;
      if (!compare_cstring ((unsigned char *) flag, (unsigned char *) "service")) {
	if (!*value || !netcopy (mb->service, NETMAXSRV, value, value + strlen (value)))
	  return NIL;
	lcase (mb->service);
      }
      else if (!netcopy ((flag[0] == 'u' || flag[0] == 'U') ? mb->user : mb->authuser,
			 NETMAXUSER, value, value + strlen (value))) return NIL;
      continue;
    }
    if (hasval) return NIL;	/* the other flags take no value */
#define IS(x) (!compare_cstring ((unsigned char *) flag, (unsigned char *) (x)))
    if (IS ("anonymous")) mb->anoflag = T;
    else if (IS ("debug")) mb->dbgflag = T;
    else if (IS ("readonly")) mb->readonlyflag = T;
    else if (IS ("secure")) mb->secflag = T;
    else if (IS ("norsh")) mb->norsh = T;
    else if (IS ("loser")) mb->loser = T;
    else if (IS ("ssl")) mb->sslflag = mb->notlsflag = T;
    else if (IS ("tls")) mb->tlsflag = T;
    else if (IS ("notls")) mb->notlsflag = T;
    else if (IS ("tryssl")) mb->trysslflag = mb->sslflag = T;
    else if (IS ("novalidate-cert")) mb->novalidate = T;
    else if (IS ("validate-cert")) mb->novalidate = NIL;
    else if (IS ("tls-sslv23")) mb->tlssslv23 = T;
    else if (IS ("imap") || IS ("imap2") || IS ("imap2bis") || IS ("imap4") ||
	     IS ("imap4rev1")) strcpy (mb->service, "imap");
    else if (IS ("pop3")) strcpy (mb->service, "pop3");
    else if (IS ("nntp")) strcpy (mb->service, "nntp");
    else if (IS ("smtp")) strcpy (mb->service, "smtp");
    else return NIL;		/* unknown flag */
#undef IS
  }
  if (mb->tlsflag && mb->notlsflag) return NIL;	/* contradictory */
  if (!*mb->service && service &&
      !netcopy (mb->service, NETMAXSRV, service, service + strlen (service)))
    return NIL;
  /* mailbox: the rest; none means INBOX (UW) */
  s = end + 1;
  if (!*s) strcpy (mb->mailbox, "INBOX");
  else {
    if (bad_name_chars (s) || !netcopy (mb->mailbox, NETMAXMBX, s, s + strlen (s)))
      return NIL;
  }
  return T;
}

/* ---------------------------------------------------------------------- */
/* Open and close                                                          */

MAILSTREAM *mail_open (MAILSTREAM *stream, char *name, long options)
{
  DRIVER *d;
  if (!name || !*name) {
    mail_log (stream, ERROR, "Can't open mailbox: no name given");
    return NIL;
  }
  if (!(d = mail_valid (NIL, name, (options & OP_SILENT) ? NIL : "open mailbox")))
    return NIL;
  return mail_open_work (d, stream, name, options);
}

static void stream_free_names (MAILSTREAM *stream)
{
  int i;
  if (stream->mailbox) fs_give ((void **) &stream->mailbox);
  if (stream->original_mailbox) fs_give ((void **) &stream->original_mailbox);
  for (i = 0; i < NUSERFLAGS; i++)
    if (stream->user_flags[i]) fs_give ((void **) &stream->user_flags[i]);
}

MAILSTREAM *mail_open_work (DRIVER *d, MAILSTREAM *stream, char *name,
			    long options)
{
  char *rest;
  const struct mail_callbacks *cb = NIL;
  void *cbdata = NIL;
  DRIVER *named;

  if (!d || !name) return NIL;
  if (options & OP_PROTOTYPE) return d->open ? (*d->open) (NIL) : NIL;
  /* "#driver.NAME/mailbox": the driver sees only the mailbox part */
  if ((named = core_driver_prefix (name, &rest)) && named == d) name = rest;
  if ((options & OP_HALFOPEN) && !(d->flags & DR_HALFOPEN)) {
    if (!(options & OP_SILENT))
      mail_log (stream, ERROR, "Can't half-open %.80s: the %s driver has no "
		"half-open state", name, d->name);
    return NIL;
  }
  if (!d->open) {
    mail_log (stream, ERROR, "Can't open %.80s: the %s driver cannot open "
	      "mailboxes", name, d->name);
    return NIL;
  }
  if (stream) {			/* recycle the application's stream */
    /* Local drivers have no connection worth keeping (DR_RECYCLE is for
     * network drivers, none yet): close the old mailbox and start afresh,
     * keeping the application's callback table. */
    cb = stream->callbacks;
    cbdata = stream->callback_data;
    stream = mail_close_full (stream, (options & OP_EXPUNGE) ? CL_EXPUNGE : NIL);
  }
  if (!stream) {
    stream = (MAILSTREAM *) memset (fs_get (sizeof (MAILSTREAM)), 0,
				    sizeof (MAILSTREAM));
    CORE_CACHE (stream, 0, CH_INIT);
  }
  stream->callbacks = cb ? cb : core_state ()->callbacks;
  stream->callback_data = cbdata;
  stream->dtb = d;
  stream->original_mailbox = cpystr (name);
  stream->mailbox = cpystr (name);
  stream->inbox = !compare_cstring ((unsigned char *) name,
				    (unsigned char *) "INBOX");
  stream->lock = NIL;
  stream->debug = (options & OP_DEBUG) ? T : NIL;
  stream->rdonly = ((options & OP_READONLY) || (d->flags & DR_READONLY)) ? T : NIL;
  stream->anonymous = (options & OP_ANONYMOUS) ? T : NIL;
  stream->scache = (options & OP_SHORTCACHE) ? T : NIL;
  stream->silent = (options & OP_SILENT) ? T : NIL;
  stream->halfopen = (options & OP_HALFOPEN) ? T : NIL;
  stream->secure = (options & OP_SECURE) ? T : NIL;
  stream->tryssl = (options & OP_TRYSSL) ? T : NIL;
  stream->mulnewsrc = (options & OP_MULNEWSRC) ? T : NIL;
  stream->nokod = (options & OP_NOKOD) ? T : NIL;
  stream->sniff = (options & OP_SNIFF) ? T : NIL;
  stream->perm_seen = stream->perm_deleted = stream->perm_flagged =
    stream->perm_answered = stream->perm_draft = stream->kwd_create = NIL;
  stream->perm_user_flags = 0;
  stream->uid_nosticky = (d->flags & DR_NOSTICKY) ? T : NIL;
  stream->uid_last = 0;
  stream->uid_validity = (unsigned long) time (0);
  stream->nmsgs = stream->recent = 0;
  if ((*d->open) (stream)) return stream;
  /* the driver logged why; a failed open leaves nothing behind */
  return mail_close_full (stream, NIL);
}

MAILSTREAM *mail_close_full (MAILSTREAM *stream, long options)
{
  if (!stream) return NIL;
  if (stream->dtb && stream->dtb->close) {
    stream->lock = NIL;		/* a dying stream must be closable */
    (*stream->dtb->close) (stream, options);
  }
  stream->dtb = NIL;		/* handles now see a dead stream */
  stream_free_names (stream);
  if (stream->snarf.name) fs_give ((void **) &stream->snarf.name);
  stream->sequence++;		/* invalidates outstanding handles */
  mail_free_cache (stream);
  stream->nmsgs = stream->recent = 0;
  if (stream->private.search.text) fs_give ((void **) &stream->private.search.text);
  mail_free_stringlist (&stream->private.search.string);
  if (stream->sparep && core_state ()->free_stream_sparep)
    (*core_state ()->free_stream_sparep) (&stream->sparep);
  if (!stream->use) fs_give ((void **) &stream);	/* else last handle frees */
  return NIL;
}

MAILHANDLE *mail_makehandle (MAILSTREAM *stream)
{
  MAILHANDLE *handle = (MAILHANDLE *) fs_get (sizeof (MAILHANDLE));
  handle->stream = stream;
  handle->sequence = stream->sequence;
  stream->use++;
  return handle;
}

void mail_free_handle (MAILHANDLE **handle)
{
  MAILSTREAM *s;
  if (!handle || !*handle) return;
  if ((s = (*handle)->stream) && !--s->use && !s->dtb)
    fs_give ((void **) &s);	/* closed while we held it */
  fs_give ((void **) handle);
}

MAILSTREAM *mail_stream (MAILHANDLE *handle)
{
  MAILSTREAM *s = handle ? handle->stream : NIL;
  return (s && s->dtb && s->sequence == handle->sequence) ? s : NIL;
}

/* ---------------------------------------------------------------------- */
/* Operations on an open stream                                            */

long mail_ping (MAILSTREAM *stream)
{
  if (!stream || !stream->dtb || !stream->dtb->ping) return NIL;
  /* NIL from the driver means the stream is dead (lost lock, dropped
   * connection); the application should close it. */
  return (*stream->dtb->ping) (stream);
}

void mail_check (MAILSTREAM *stream)
{
  if (stream && stream->dtb && stream->dtb->check) (*stream->dtb->check) (stream);
}

long mail_expunge_full (MAILSTREAM *stream, char *sequence, long options)
{
  if (!stream || !stream->dtb) return NIL;
  if (!stream->dtb->expunge) {
    mail_log (stream, ERROR, "Expunge not supported by the %s driver",
	      stream->dtb->name);
    return NIL;
  }
  return (*stream->dtb->expunge) (stream, sequence, options);
}

/* Generic copy: append each message to the destination, then (CP_MOVE)
 * mark the originals \Deleted.  Validates the whole sequence first. */
struct copy_state {
  MAILSTREAM *stream;
  unsigned long msgno;		/* last one handed out */
  struct buf flags;
  char date[64];
  STRING msg;
};

static long copy_next (MAILSTREAM *dst, void *data, char **flags, char **date,
		       STRING **message)
{
  struct copy_state *cs = (struct copy_state *) data;
  MAILSTREAM *stream = cs->stream;
  MESSAGECACHE *elt;
  unsigned long len;
  char *text;
  struct buf *b = &cs->flags;
  mailgets_t gets = core_state ()->gets;
  *message = NIL;
  while (++cs->msgno <= stream->nmsgs)
    if (mail_elt (stream, cs->msgno)->sequence) break;
  if (cs->msgno > stream->nmsgs) return T;	/* done */
  core_state ()->gets = NIL;	/* we want the text, not the app's copy */
  text = mail_fetch_message (stream, cs->msgno, &len, FT_PEEK);
  core_state ()->gets = gets;
  elt = mail_elt (stream, cs->msgno);
  buf_reset (b);
  mail_elt_flags_text (stream, elt, b);
  *flags = b->len ? b->data + 1 : NIL;
  *date = (elt->day && mail_date (cs->date, elt)) ? cs->date : NIL;
  INIT (&cs->msg, mail_string, text, len);
  *message = &cs->msg;
  return T;
}

static long copy_generic (MAILSTREAM *stream, char *sequence, char *mailbox,
			  long options)
{
  struct copy_state cs;
  unsigned long i;
  long ret;
  if (!((options & CP_UID) ? mail_uid_sequence (stream, (unsigned char *) sequence)
	: mail_sequence (stream, (unsigned char *) sequence))) return NIL;
  memset (&cs, 0, sizeof cs);
  cs.stream = stream;
  buf_init (&cs.flags);
  ret = mail_append_multiple (NIL, mailbox, copy_next, &cs);
  buf_free (&cs.flags);
  if (!ret) return NIL;
  if (options & CP_MOVE) {	/* one mail_flag call: it resets sequences */
    struct buf set = BUF_INIT;
    unsigned long first = 0;
    for (i = 1; i <= stream->nmsgs + 1; i++) {
      int in = i <= stream->nmsgs && mail_elt (stream, i)->sequence;
      if (in && !first) first = i;
      else if (!in && first) {
	buf_printf (&set, "%s%lu:%lu", set.len ? "," : "", first, i - 1);
	first = 0;
      }
    }
    if (set.len) mail_flag (stream, set.data, "\\Deleted", ST_SET);
    buf_free (&set);
  }
  return ret;
}

long mail_copy_full (MAILSTREAM *stream, char *sequence, char *mailbox,
		     long options)
{
  if (!stream || !stream->dtb || !sequence || !mailbox) return NIL;
  if (bad_name_chars (mailbox)) {
    mail_log (stream, ERROR, "Can't copy to mailbox with such a name");
    return NIL;
  }
  if ((options & CP_MOVE) && stream->rdonly) {
    mail_log (stream, ERROR, "Can't move from a read-only mailbox");
    return NIL;
  }
  if (stream->dtb->copy)
    return (*stream->dtb->copy) (stream, sequence, mailbox, options);
  return copy_generic (stream, sequence, mailbox, options);
}

/* mail_append_full() as a one-message mail_append_multiple() */
struct append_one {
  char *flags;
  char *date;
  STRING *message;
  int done;
};

static long append_one_next (MAILSTREAM *stream, void *data, char **flags,
			     char **date, STRING **message)
{
  struct append_one *a = (struct append_one *) data;
  if (a->done) *message = NIL;	/* end of the list */
  else {
    *flags = a->flags;
    *date = a->date;
    *message = a->message;
    a->done = 1;
  }
  return T;
}

long mail_append_full (MAILSTREAM *stream, char *mailbox, char *flags,
		       char *date, STRING *message)
{
  struct append_one a = { flags, date, message, 0 };
  return mail_append_multiple (stream, mailbox, append_one_next, &a);
}

long mail_append_multiple (MAILSTREAM *stream, char *mailbox, append_t af,
			   void *data)
{
  DRIVER *d;
  MAILSTREAM *proto;
  char *rest;
  if (!mailbox || !af) return NIL;
  if (bad_name_chars (mailbox)) {
    mail_log (stream, ERROR, "Can't append to mailbox with such a name");
    return NIL;
  }
  if (strlen (mailbox) > CORE_MAXNAME) {
    mail_log (stream, ERROR, "Can't append to %.80s: name too long", mailbox);
    return NIL;
  }
  if (!strncasecmp (mailbox, "#driver.", 8)) {
    if (!(d = core_driver_prefix (mailbox, &rest))) {
      mail_log (stream, ERROR, "Can't append to %.80s: unknown driver", mailbox);
      return NIL;
    }
    mailbox = rest;
  }
  else d = mail_valid (stream, mailbox, NIL);
  if (d) {
    if (!d->append) {
      mail_log (stream, ERROR, "Can't append to %.80s: the %s driver does "
		"not support append", mailbox, d->name);
      return NIL;
    }
    return (*d->append) (stream, mailbox, af, data);
  }
  /* No driver recognises the name: the default format's driver decides
   * (it creates INBOX, or says TRYCREATE), as UW does. */
  if (!stream && *mailbox != '{' && (proto = default_proto (NIL)) &&
      proto->dtb && proto->dtb->append)
    return (*proto->dtb->append) (proto, mailbox, af, data);
  if (*mailbox == '{' || *mailbox == '#') {
    mail_valid (stream, mailbox, "append to mailbox");	/* logs why */
    return NIL;
  }
  mail_notify (stream, NIL, "[TRYCREATE] Must create mailbox before append");
  return NIL;
}

/* ---------------------------------------------------------------------- */
/* UIDs                                                                    */

unsigned long mail_uid (MAILSTREAM *stream, unsigned long msgno)
{
  if (stream->dtb && stream->dtb->uid) return (*stream->dtb->uid) (stream, msgno);
  return mail_elt (stream, msgno)->private.uid;
}

unsigned long mail_msgno (MAILSTREAM *stream, unsigned long uid)
{
  unsigned long lo, hi, mid, u;
  if (!stream || !stream->dtb || !uid) return 0;
  if (stream->dtb->msgno) return (*stream->dtb->msgno) (stream, uid);
  if (stream->dtb->uid) {	/* driver owns the map: ask it in order */
    for (lo = 1; lo <= stream->nmsgs; lo++)
      if ((*stream->dtb->uid) (stream, lo) == uid) return lo;
    return 0;
  }
  /* UIDs strictly ascend with msgno: binary search the cache */
  for (lo = 1, hi = stream->nmsgs; lo <= hi && hi;) {
    mid = lo + (hi - lo) / 2;
    u = mail_elt (stream, mid)->private.uid;
    if (u == uid) return mid;
    if (u < uid) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Stream lock and debugging                                                */

void mail_lock (MAILSTREAM *stream)
{
  /* re-entering c-client from a callback is a bug in the application */
  if (stream->lock)
    mail_fatal ("Lock when already locked, mbx=%.80s",
		stream->mailbox ? stream->mailbox : "???");
  stream->lock = T;
}

void mail_unlock (MAILSTREAM *stream)
{
  if (!stream->lock)
    mail_fatal ("Unlock when not locked, mbx=%.80s",
		stream->mailbox ? stream->mailbox : "???");
  stream->lock = NIL;
}

void mail_debug (MAILSTREAM *stream)
{
  stream->debug = T;
  if (stream->dtb && stream->dtb->parameters)
    (*stream->dtb->parameters) (ENABLE_DEBUG, stream);
}

void mail_nodebug (MAILSTREAM *stream)
{
  stream->debug = NIL;
  if (stream->dtb && stream->dtb->parameters)
    (*stream->dtb->parameters) (DISABLE_DEBUG, stream);
}

/* NIL if the name is acceptable modified UTF-7 (RFC 3501 5.1.3), else why
 * not, for "Can't create %s: %s" messages. */
char *mail_utf7_valid (char *mailbox)
{
  unsigned char *s, *u;
  int amp = 0;
  if (!mailbox) return "missing mailbox name";
  for (s = (unsigned char *) mailbox; *s; s++) {
    if (*s & 0x80) return "mailbox name with 8-bit octet";
    if (*s < ' ' || *s == 0x7f) return "mailbox name with control character";
    if (*s == '&') amp = 1;
  }
  if (!amp) return NIL;		/* plain ASCII: nothing to decode */
  if (!(u = utf8_from_mutf7 ((unsigned char *) mailbox)))
    return "invalid modified UTF-7 name";
  fs_give ((void **) &u);
  return NIL;
}

/*
 * Mailbox-level operations: list, lsub, scan, subscribe, create, delete,
 * rename, status.  Dispatch follows UW: a stream's own driver when one is
 * given, else every enabled driver (list/scan/lsub) or the driver that
 * mail_valid() picks.  Names are checked here before any driver sees them.
 */
#include <string.h>
#include "core.h"

/* Reference and pattern limits, as UW (NETMAXMBX each) */
static int list_args_ok (MAILSTREAM *stream, char *ref, char *pat)
{
  if (!pat) return 0;
  if (ref && strlen (ref) > NETMAXMBX) {
    mail_log (stream, ERROR, "Invalid LIST reference specification: %.80s", ref);
    return 0;
  }
  if (strlen (pat) > NETMAXMBX) {
    mail_log (stream, ERROR, "Invalid LIST pattern specification: %.80s", pat);
    return 0;
  }
  if (strpbrk (pat, "\r\n") || (ref && strpbrk (ref, "\r\n"))) {
    mail_log (stream, ERROR, "Invalid LIST pattern with a line break");
    return 0;
  }
  return 1;
}

enum list_kind { LK_LIST, LK_LSUB, LK_SCAN };

/* Run the operation on the stream's driver or on every enabled driver.
 * Returns how many drivers were asked. */
static int list_dispatch (MAILSTREAM *stream, char *ref, char *pat,
			  char *contents, enum list_kind kind)
{
  int remote, n = 0;
  DRIVER *d;
  if (!list_args_ok (stream, ref, pat)) return -1;
  remote = (*pat == '{') || (ref && *ref == '{');
  if (*pat == '{') ref = NIL;	/* a remote pattern ignores the reference */
  for (d = (stream && stream->dtb) ? stream->dtb : core_state ()->drivers; d;
       d = (stream && stream->dtb) ? NIL : d->next) {
    if (!(stream && stream->dtb) && (d->flags & DR_DISABLE)) continue;
    if ((d->flags & DR_LOCAL) && remote) continue;
    switch (kind) {
    case LK_LIST:
      if (d->list) { (*d->list) (stream, ref, pat); n++; }
      break;
    case LK_LSUB:
      if (d->lsub) { (*d->lsub) (stream, ref, pat); n++; }
      break;
    case LK_SCAN:
      if (d->scan) { (*d->scan) (stream, ref, pat, contents); n++; }
      break;
    }
  }
  return n;
}

void mail_scan (MAILSTREAM *stream, char *ref, char *pat, char *contents)
{
  list_dispatch (stream, ref, pat, contents, LK_SCAN);
}

void mail_list (MAILSTREAM *stream, char *ref, char *pat)
{
  list_dispatch (stream, ref, pat, NIL, LK_LIST);
}

/* Without a driver lsub, walk the subscription list ourselves. */
void mail_lsub (MAILSTREAM *stream, char *ref, char *pat)
{
  void *sdb = NIL;
  char *name;
  struct buf full = BUF_INIT;
  if (list_dispatch (stream, ref, pat, NIL, LK_LSUB) != 0) return;
  /* reference + pattern, unless the pattern is absolute */
  if (ref && *ref && *pat != '#' && *pat != '{' && *pat != '/' && *pat != '~')
    buf_puts (&full, ref);
  buf_puts (&full, pat);
  while ((name = sm_read (&sdb)))
    if (pmatch_full ((unsigned char *) name, (unsigned char *) full.data, '/'))
      mail_lsub_cb (stream, '/', name, NIL);
  buf_free (&full);
}

long mail_subscribe (MAILSTREAM *stream, char *mailbox)
{
  DRIVER *d = mail_valid (stream, mailbox, "subscribe to mailbox");
  if (!d) return NIL;
  return d->subscribe ? (*d->subscribe) (stream, mailbox) : sm_subscribe (mailbox);
}

/* A name that no longer exists can still be unsubscribed. */
long mail_unsubscribe (MAILSTREAM *stream, char *mailbox)
{
  DRIVER *d;
  if (!mailbox || strpbrk (mailbox, "\r\n")) {
    mail_log (stream, ERROR, "Can't unsubscribe from mailbox with such a name");
    return NIL;
  }
  d = mail_valid (stream, mailbox, NIL);
  return (d && d->unsubscribe) ? (*d->unsubscribe) (stream, mailbox)
    : sm_unsubscribe (mailbox);
}

static int is_inbox (const char *name)
{
  return name && !compare_cstring ((unsigned char *) name,
				   (unsigned char *) "INBOX");
}

/* Checks common to names an operation will create. */
static int new_name_ok (MAILSTREAM *stream, char *name, const char *what)
{
  char *why;
  if (!name || !*name) {
    mail_log (stream, ERROR, "Can't %s: empty mailbox name", what);
    return 0;
  }
  if (strpbrk (name, "\r\n")) {
    mail_log (stream, ERROR, "Can't %s mailbox with such a name", what);
    return 0;
  }
  if (strlen (name) > CORE_MAXNAME) {
    mail_log (stream, ERROR, "Can't %s %.80s: name longer than %d bytes",
	      what, name, CORE_MAXNAME);
    return 0;
  }
  if ((why = mail_utf7_valid (name))) {
    mail_log (stream, ERROR, "Can't %s %.80s: %s", what, name, why);
    return 0;
  }
  return 1;
}

long mail_create (MAILSTREAM *stream, char *mailbox)
{
  MAILSTREAM *proto = NIL;
  DRIVER *d = NIL;
  char *rest;
  long ret;
  if (!new_name_ok (stream, mailbox, "create")) return NIL;
  if (is_inbox (mailbox)) {
    mail_log (stream, ERROR, "Can't create INBOX: it always exists");
    return NIL;
  }
  if (!strncasecmp (mailbox, "#driver.", 8)) {
    if (!(d = core_driver_prefix (mailbox, &rest))) {
      mail_log (stream, ERROR, "Can't create mailbox %.80s: %s", mailbox,
		rest ? "unknown driver" : "bad #driver. name");
      return NIL;
    }
    mailbox = rest;
    if (!*mailbox || is_inbox (mailbox)) {
      mail_log (stream, ERROR, "Can't create mailbox %.80s", mailbox);
      return NIL;
    }
  }
  else if (stream && stream->dtb) d = stream->dtb;
  else if ((*mailbox == '{' || *mailbox == '#') &&
	   (proto = mail_open (NIL, mailbox, OP_PROTOTYPE | OP_SILENT)))
    d = proto->dtb;
  else if (*mailbox != '{' && (proto = default_proto (NIL))) d = proto->dtb;
  if (!d || !d->create) {
    mail_log (stream, ERROR, "Can't create mailbox %.80s: indeterminate format",
	      mailbox);
    return NIL;
  }
  /* UW hands the driver the prototype only for '{' and '#' names */
  ret = (*d->create) (stream ? stream
		      : (*mailbox == '{' || *mailbox == '#') ? proto : NIL,
		      mailbox);
  return ret;
}

long mail_delete (MAILSTREAM *stream, char *mailbox)
{
  DRIVER *d = mail_valid (stream, mailbox, "delete mailbox");
  if (!d) return NIL;
  if (is_inbox (mailbox)) {	/* RFC 3501 6.3.4 */
    mail_log (stream, ERROR, "Can't delete INBOX");
    return NIL;
  }
  if (!d->mbxdel) {
    mail_log (stream, ERROR, "Can't delete %.80s: the %s driver does not "
	      "support it", mailbox, d->name);
    return NIL;
  }
  return (*d->mbxdel) (stream, mailbox);
}

/* RENAME INBOX without driver support (RFC 3501 6.3.5): move every message
 * to the new mailbox and leave INBOX empty. */
static long rename_inbox_generic (MAILSTREAM *stream, char *old,
				  char *newname)
{
  MAILSTREAM *in;
  long ret = NIL;
  if (!mail_create (stream, newname)) return NIL;
  if (!(in = mail_open (NIL, old, NIL))) return NIL;
  if (!in->nmsgs) ret = T;
  else if (mail_copy_full (in, "1:*", newname, CP_MOVE))
    ret = mail_expunge_full (in, NIL, NIL) ? T : NIL;
  mail_close_full (in, NIL);
  return ret;
}

long mail_rename (MAILSTREAM *stream, char *old, char *newname)
{
  DRIVER *d = mail_valid (stream, old, "rename mailbox");
  if (!d) return NIL;
  if (!new_name_ok (stream, newname, "rename to")) return NIL;
  if (is_inbox (newname)) {
    mail_log (stream, ERROR, "Can't rename %.80s to INBOX: INBOX already "
	      "exists", old);
    return NIL;
  }
  if (*old != '{' && *old != '#' && mail_valid (NIL, newname, NIL)) {
    mail_log (stream, ERROR, "Can't rename %.80s: mailbox %.80s already exists",
	      old, newname);
    return NIL;
  }
  if (d->mbxren) return (*d->mbxren) (stream, old, newname);
  if (is_inbox (old)) return rename_inbox_generic (stream, old, newname);
  mail_log (stream, ERROR, "Can't rename %.80s: the %s driver does not "
	    "support it", old, d->name);
  return NIL;
}

long mail_status (MAILSTREAM *stream, char *mbx, long flags)
{
  DRIVER *d = mail_valid (stream, mbx, "get status of mailbox");
  if (!d) return NIL;
  /* the stream is only usable if it has this very mailbox open */
  if (stream && (d != stream->dtb ||
		 ((d->flags & DR_LOCAL) &&
		  (!stream->mailbox || strcmp (mbx, stream->mailbox)) &&
		  (!stream->original_mailbox ||
		   strcmp (mbx, stream->original_mailbox)))))
    stream = NIL;
  return d->status ? (*d->status) (stream, mbx, flags)
    : mail_status_default (stream, mbx, flags);
}

long mail_status_default (MAILSTREAM *stream, char *mbx, long flags)
{
  MAILSTATUS status;
  MAILSTREAM *tstream = NIL;
  unsigned long i;
  if (!stream && !(stream = tstream = mail_open (NIL, mbx, OP_READONLY | OP_SILENT)))
    return NIL;
  memset (&status, 0, sizeof status);
  status.flags = flags & (SA_MESSAGES | SA_RECENT | SA_UNSEEN | SA_UIDNEXT |
			  SA_UIDVALIDITY);
  status.messages = stream->nmsgs;
  status.recent = stream->recent;
  if (flags & SA_UNSEEN)
    for (i = 1; i <= stream->nmsgs; i++)
      if (!mail_elt (stream, i)->seen) status.unseen++;
  status.uidnext = stream->uid_last + 1;
  status.uidvalidity = stream->uid_validity;
  mail_status_cb (stream, mbx, &status);	/* UW passes the temporary one */
  if (tstream) mail_close_full (tstream, NIL);
  return T;
}

/*
 * unix.c - the traditional UNIX mailbox driver ("unix": mbox files).
 *
 * Byte-compatible with UW c-client's unix driver: same From_ line rules,
 * same pseudo-message and X-IMAP/X-IMAPbase data, same per-message
 * Status/X-Status/X-Keywords/X-UID headers with UW's padding, same CRLF
 * view of messages.  What differs is how we write: in place through a redo
 * journal (unix-write.c), never a truncated mailbox after a crash or a full
 * disk.  The format is documented in docs/formats.md ("## mbox").
 *
 * This file: driver table, valid/create/delete/rename/status, open, close,
 * ping/check/expunge, header/text, copy; the index itself is built by
 * unix-scan.c and kept in stream->local (struct unix_local), not in elts.
 * Moving spool mail into ~/mbox is unix-snarf.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "lock.h"
#include "unix-int.h"

static DRIVER *unix_valid (char *name);
static void *unix_parameters (long function, void *value);
static long unix_create (MAILSTREAM *stream, char *mailbox);
static long unix_delete (MAILSTREAM *stream, char *mailbox);
static long unix_rename (MAILSTREAM *stream, char *old, char *newname);
static long unix_status (MAILSTREAM *stream, char *mbx, long flags);
static MAILSTREAM *unix_open (MAILSTREAM *stream);
static void unix_close (MAILSTREAM *stream, long options);
static char *unix_header (MAILSTREAM *stream, unsigned long msgno,
			  unsigned long *length, long flags);
static long unix_text (MAILSTREAM *stream, unsigned long msgno, STRING *bs,
		       long flags);
static void unix_flagmsg (MAILSTREAM *stream, MESSAGECACHE *elt);
static long unix_ping (MAILSTREAM *stream);
static void unix_check (MAILSTREAM *stream);
static long unix_expunge (MAILSTREAM *stream, char *sequence, long options);
static long unix_copy (MAILSTREAM *stream, char *sequence, char *mailbox,
		       long options);
static long unix_append (MAILSTREAM *stream, char *mailbox, append_t af,
			 void *data);

DRIVER unixdriver = {
  .name = "unix",
  .flags = DR_LOCAL | DR_MAIL | DR_LOCKING | DR_NONEWMAILRONLY | DR_XPOINT
  | DR_SESSIONLOCK,
  .next = NIL,
  .valid = unix_valid,
  .parameters = unix_parameters,
  .create = unix_create,
  .mbxdel = unix_delete,
  .mbxren = unix_rename,
  .status = unix_status,
  .open = unix_open,
  .close = unix_close,
  .header = unix_header,
  .text = unix_text,
  .flagmsg = unix_flagmsg,
  .ping = unix_ping,
  .check = unix_check,
  .expunge = unix_expunge,
  .copy = unix_copy,
  .append = unix_append,
};

MAILSTREAM unixproto = { .dtb = &unixdriver };

long unix_timeout (void)
{
  long t = (long) (intptr_t) mail_parameters (NIL, GET_LOCKTIMEOUT, NIL);
  return t > 0 ? t * 60 : 300;	/* minutes in UW's setting */
}

/* ---------------------------------------------------------------------- */
/* Names and validity                                                     */

/* The file behind a mailbox name; "" from mailboxfile() is the spool. */
static int unix_file (char *dst, char *name)
{
  if (!name || !mailboxfile (dst, name))
    return 0;
  if (!*dst) {
    const char *s = sysinbox ();
    size_t n = s ? strlen (s) : 0;
    if (!n || n >= MAILTMPLEN)
      return 0;
    memcpy (dst, s, n + 1);
  }
  return 1;
}

/* 1 if fd's file starts with a From_ line (or is empty, when empty_ok) */
static int unix_fd_is_mbox (int fd, int empty_ok)
{
  char tmp[LIM_MBOX_FROM_LINE + 2];
  ssize_t n;
  struct stat sb;
  struct mbox_from mf;
  if (fstat (fd, &sb) < 0 || !S_ISREG (sb.st_mode))
    return 0;
  if (sb.st_size == 0)
    return empty_ok;
  do
    n = pread (fd, tmp, sizeof tmp, 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return 0;
  return mbox_from_scan (tmp, (size_t) n, &mf);
}

static int unix_path_is_mbox (const char *path, int empty_ok)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), r;
  if (fd < 0)
    return 0;
  r = unix_fd_is_mbox (fd, empty_ok);
  close (fd);
  return r;
}

/* ~/mbox, when it exists and is an mbox (or empty): then it is INBOX --
 * but only while INBOX means the spool file; when the environment names
 * INBOX's file itself (chroot-server: ~/INBOX), that file is INBOX. */
static int unix_home_mbox (char *dst)
{
  const char *home = myhomedir ();
  char inbox[MAILTMPLEN];
  if (!mailboxfile (inbox, "INBOX") || *inbox)
    return 0;
  if (!home || !*home || strlen (home) + 6 >= MAILTMPLEN)
    return 0;
  snprintf (dst, MAILTMPLEN, "%s/mbox", home);
  return unix_path_is_mbox (dst, 1);
}

static int is_inbox (const char *name)
{
  return name && strcasecmp (name, "INBOX") == 0;
}

static DRIVER *unix_valid (char *name)
{
  char tmp[MAILTMPLEN];
  if (!unix_file (tmp, name))
    return NIL;
  if (is_inbox (name)) {
    char hm[MAILTMPLEN];
    struct stat sb;
    if (unix_home_mbox (hm))
      return &unixdriver;
    /* a missing spool file is an empty INBOX */
    if (stat (tmp, &sb) < 0 && errno == ENOENT)
      return &unixdriver;
  }
  /* An empty file is an empty mbox: SELECT of a file made by touch works
   * (UW leaves those to its dummy driver, which opens them read-only). */
  return unix_path_is_mbox (tmp, 1) ? &unixdriver : NIL;
}

static void *unix_parameters (long function, void *value)
{
  return NIL;
}

/* ---------------------------------------------------------------------- */
/* Parsing                                                                */

struct parse_ctx {
  MAILSTREAM *stream;
  struct unix_local *L;
  const char *map;		/* bytes mapped ... */
  off_t mapbase;		/* ... starting at this file offset */
  unsigned long idx;		/* next index into L->msgs (0-based) */
  unsigned long refresh_until;	/* indexes below this: existing elts */
  unsigned long prevuid;
  unsigned long nnew, nrecent;
  int open;			/* first parse: take the uid data */
  int have_data;		/* X-IMAP/X-IMAPbase seen */
  int reassigned;
  mailcache_t cache;
  struct buf blk;
};

/* The keywords listed after the two numbers of an X-IMAP/X-IMAPbase value
 * become the stream's keywords (in order, duplicates and overlong ones
 * skipped) */
static void take_keywords (MAILSTREAM *stream, const char *v, size_t len)
{
  const char *s = v, *e = v + len, *w;
  size_t n;
  int k = 0;
  /* skip the two numbers */
  while (s < e && k < 2) {
    while (s < e && (*s == ' ' || *s == '\t'))
      s++;
    while (s < e && *s != ' ' && *s != '\t')
      s++;
    k++;
  }
  while ((w = unix_scan_word (&s, e, &n)))
    if (n <= MAXUSERFLAG) {
      char kw[MAXUSERFLAG + 1];
      int i, dup = 0;
      memcpy (kw, w, n);
      kw[n] = '\0';
      for (i = 0; i < NUSERFLAGS && stream->user_flags[i]; i++)
	if (strcmp (stream->user_flags[i], kw) == 0)
	  dup = 1;
      if (!dup && i < NUSERFLAGS)
	stream->user_flags[i] = cpystr (kw);
    }
}

/* The uid data of the first message (pseudo-message or X-IMAPbase): taken
 * as the stream's at open, and remembered as what is on disk */
static void take_uid_data (struct parse_ctx *c, struct unix_scan_msg *sm,
			   unsigned long validity, unsigned long last)
{
  MAILSTREAM *stream = c->stream;
  struct unix_local *L = c->L;
  if (c->open) {
    stream->uid_validity = validity;
    stream->uid_last = last;
    take_keywords (stream, sm->imap, sm->imap_len);
    L->disk_validity = validity;
    L->disk_last = last;
    unix_set_disk_keywords (stream, L);
  }
  c->have_data = 1;
}

/* X-Keywords value -> stream keyword bits (unknown keywords are created) */
static unsigned long kw_bits (MAILSTREAM *stream, const char *v, size_t len)
{
  const char *s = v, *e = v + len, *w;
  unsigned long bits = 0;
  size_t n;
  while ((w = unix_scan_word (&s, e, &n)))
    if (n <= MAXUSERFLAG) {
      char kw[MAXUSERFLAG + 1];
      int i;
      memcpy (kw, w, n);
      kw[n] = '\0';
      /* a read-only open shows the keywords the file holds, too */
      i = mail_keyword_index (stream, kw, KW_ADOPT);
      if (i >= 0)
	bits |= 1UL << i;
    }
  return bits;
}

static int parse_cb (void *vctx, struct unix_scan_msg *sm)
{
  struct parse_ctx *c = vctx;
  MAILSTREAM *stream = c->stream;
  struct unix_local *L = c->L;
  struct unix_msg *m;
  MESSAGECACHE *elt;
  unsigned long idx, uid = 0;
  int base = 0;

  /* the pseudo-message: first in the file, with valid X-IMAP data */
  if (sm->m.from == 0 && sm->imap_kind == 1) {
    unsigned long v, l;
    if (unix_scan_imap_value (sm->imap, sm->imap_len, &v, &l)) {
      L->pseudo = 1;
      L->first = sm->m.next;
      take_uid_data (c, sm, v, l);
      return 1;
    }
  }
  idx = c->idx++;
  if (idx == 0 && !L->pseudo && sm->imap_kind == 2) {
    unsigned long v, l;
    if (unix_scan_imap_value (sm->imap, sm->imap_len, &v, &l)) {
      base = 1;
      take_uid_data (c, sm, v, l);
    }
  }
  if (idx == 0 && sm->m.from == 0 && !L->pseudo)
    L->first = 0;
  if (c->open && idx == 0 && !c->have_data) {
    /* no uid data anywhere: a new UID validity, all UIDs new */
    stream->uid_validity = env_uidvalidity_for_file (L->fd);
    stream->uid_last = 0;
    c->have_data = 1;
  }
  if (idx >= L->nalloc) {
    L->nalloc = L->nalloc ? L->nalloc * 2 : 1024;
    fs_resize ((void **) &L->msgs, L->nalloc * sizeof (struct unix_msg));
  }
  m = &L->msgs[idx];
  *m = sm->m;
  m->base = (unsigned) base;
  m->fl = (unsigned char) sm->flags;
  m->kw = sm->kw ? kw_bits (stream, sm->kw, sm->kw_len) : 0;
  /* UW's rule: an X-UID counts only if it is above the previous message's
   * and not above the mailbox's last assigned UID */
  if (sm->uid && sm->uid > c->prevuid && sm->uid <= stream->uid_last)
    uid = sm->uid;
  m->uid = uid;
  if (!uid) {
    uid = ++stream->uid_last;
    c->reassigned = 1;
  }
  c->prevuid = uid;
  /* is the block on disk exactly what we would write for this state? */
  m->blockok = 0;
  if (m->canonical && m->st_off >= 0 && m->uid && (m->fl & fOLD)) {
    buf_reset (&c->blk);
    unix_status_block (&c->blk, stream, m->fl & ~fOLD, m->kw, m->uid, base,
		       1);
    m->blockok = (c->blk.len == m->st_len
		  && memcmp (c->blk.data, c->map + (m->st_off - c->mapbase),
			     c->blk.len) == 0);
  }
  if (idx < c->refresh_until) {	/* layout refresh of a known message */
    elt = mail_elt (stream, idx + 1);
    elt->rfc822_size = m->hdr_crlf + m->body_crlf;
    return 1;
  }
  elt = (MESSAGECACHE *) (*c->cache) (stream, idx + 1, CH_MAKEELT);
  elt->private.uid = uid;
  elt->seen = (sm->flags & fSEEN) != 0;
  elt->deleted = (sm->flags & fDELETED) != 0;
  elt->flagged = (sm->flags & fFLAGGED) != 0;
  elt->answered = (sm->flags & fANSWERED) != 0;
  elt->draft = (sm->flags & fDRAFT) != 0;
  elt->user_flags = m->kw;
  elt->valid = T;
  elt->rfc822_size = m->hdr_crlf + m->body_crlf;
  mbox_from_set_elt (&sm->mf, elt);
  if (!(sm->flags & fOLD)) {
    elt->recent = T;
    c->nrecent++;
  }
  if (sm->dup_status)
    mail_log (stream, WARN, "Discarding bogus status header in message %lu",
	      idx + 1);
  if (sm->dup_uid)
    mail_log (stream, WARN, "Discarding bogus X-UID header in message %lu",
	      idx + 1);
  c->nnew++;
  return 1;
}

/* Scan what we have not scanned yet.  mode 1: first open (takes the uid
 * data); 0: new mail at the end; -k: after a rewrite, the file from
 * L->parsed on holds messages k, k+1, ... whose elts exist.  Caller holds a
 * lock.  Returns the number of new messages, or -1 if the file is not what
 * we thought (not an mbox, or shrank). */
long unix_parse (MAILSTREAM *stream, int mode)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  struct parse_ctx c;
  struct stat sb;
  off_t start, aligned;
  size_t maplen;
  char *map;
  long pg = sysconf (_SC_PAGESIZE);
  unsigned long oldn = stream->nmsgs;

  if (L->fd < 0)
    return 0;
  if (fstat (L->fd, &sb) < 0)
    return -1;
  L->mtime = sb.st_mtim;
  if (sb.st_size < L->parsed)
    return -1;
  memset (&c, 0, sizeof c);
  c.stream = stream;
  c.L = L;
  c.open = (mode == 1);
  c.cache = (mailcache_t) mail_parameters (NIL, GET_CACHE, NIL);
  if (mode < 0) {
    c.idx = (unsigned long) (-mode) - 1;
    c.refresh_until = stream->nmsgs;
  }
  else
    c.idx = stream->nmsgs;
  if (c.idx > 0 && c.idx <= stream->nmsgs)
    c.prevuid = mail_elt (stream, c.idx)->private.uid;
  if (sb.st_size == L->parsed)
    return 0;
  start = L->parsed;
  aligned = start - (start % pg);
  maplen = (size_t) (sb.st_size - aligned);
  map = mmap (NULL, maplen, PROT_READ, MAP_SHARED | MAP_POPULATE, L->fd,
	      aligned);
  if (map == MAP_FAILED) {
    mail_log (stream, ERROR, "Can't read %s: %s", L->path, strerror (errno));
    return -1;
  }
  madvise (map, maplen, MADV_SEQUENTIAL);
  c.map = map + (start - aligned);
  c.mapbase = start;
  {
    struct mbox_from mf;
    size_t avail = (size_t) (sb.st_size - start);
    const char *nl = memchr (c.map, '\n', avail);
    if (!mbox_from_scan (c.map, nl ? (size_t) (nl - c.map) + 1 : avail,
			 &mf)) {
      munmap (map, maplen);
      if (nl == NULL && start > 0)
	return 0;		/* a From_ line still being written */
      return -1;
    }
  }
  if (c.cache && c.idx + 1 > stream->nmsgs)
    (*c.cache) (stream, stream->nmsgs + 1, CH_SIZE);
  buf_init (&c.blk);
  unix_scan_buffer (c.map, (size_t) (sb.st_size - start), start, parse_cb,
		    &c);
  buf_free (&c.blk);
  if (c.idx > 0)
    L->parsed = L->msgs[c.idx - 1].next;
  else if (L->pseudo)
    L->parsed = L->first;
  munmap (map, maplen);
  if (mode == 1 && c.reassigned && c.nnew && !L->disk_validity)
    mail_log (stream, NIL, "Assigning new unique identifiers to all messages");
  if (c.nnew) {
    mail_exists (stream, oldn + c.nnew);
    mail_recent (stream, stream->recent + c.nrecent);
  }
  return (long) c.nnew;
}

/* ---------------------------------------------------------------------- */
/* Open and close                                                         */

static int lock_sh (MAILSTREAM *stream, DOTLOCK *dl)
{
  return unix_lock (stream, dl, LOCK_SH);
}

static void unix_free_local (MAILSTREAM *stream)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  if (!L)
    return;
  if (L->fd >= 0)
    close (L->fd);
  if (L->ls)
    lock_session_release (&L->ls);
  if (L->path)
    fs_give ((void **) &L->path);
  if (L->msgs)
    fs_give ((void **) &L->msgs);
  if (L->disk_keywords)
    fs_give ((void **) &L->disk_keywords);
  buf_free (&L->hbuf);
  buf_free (&L->tbuf);
  buf_free (&L->scratch);
  fs_give ((void **) &stream->local);
}

/* Open the mailbox file; journal recovery first, under the locks */
static int unix_open_file (MAILSTREAM *stream)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  struct stat sb;
  int fd = -1;

  if (!stream->rdonly) {
    fd = open (L->path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
      stream->rdonly = T;
      fd = -1;
    }
  }
  if (fd < 0)
    fd = open (L->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return -1;
  fcntl (fd, F_SETFL, 0);	/* O_NONBLOCK only guarded against FIFOs */
  if (fstat (fd, &sb) < 0 || !S_ISREG (sb.st_mode)) {
    close (fd);
    errno = EINVAL;
    return -1;
  }
  L->fd = fd;
  L->dev = sb.st_dev;
  L->ino = sb.st_ino;
  /* a rewrite that a crash interrupted is finished before anything else,
   * even for a read-only open when we may write the file: until then the
   * file may be half old, half new */
  if (unix_journal_pending (L->path, L->dev, L->ino)) {
    DOTLOCK dl;
    int rfd = -1, keep = L->fd;
    if (stream->rdonly) {
      rfd = open (L->path, O_RDWR | O_CLOEXEC);
      if (rfd < 0) {
	mail_log (stream, WARN, "%s has an unfinished rewrite that only a "
		  "read/write open can finish", L->path);
	return 0;
      }
      L->fd = rfd;
    }
    if (unix_lock_ex (stream, &dl) < 0) {
      if (rfd >= 0) {
	L->fd = keep;
	close (rfd);
      }
      return -2;
    }
    unix_unlock (stream, &dl);
    if (rfd >= 0) {
      L->fd = keep;
      close (rfd);
    }
  }
  return 0;
}

static MAILSTREAM *unix_open (MAILSTREAM *stream)
{
  struct unix_local *L;
  char tmp[MAILTMPLEN], hm[MAILTMPLEN];
  DOTLOCK dl;
  int r;
  long n;

  if (!stream)
    return user_flags (&unixproto);
  if (stream->local)
    unix_free_local (stream);
  if (!unix_file (tmp, stream->mailbox)) {
    mail_log (stream, ERROR, "Can't open mailbox %s: invalid name",
	      stream->mailbox);
    return NIL;
  }
  stream->local = L = fs_get (sizeof *L);
  memset (L, 0, sizeof *L);
  L->fd = -1;
  buf_init (&L->hbuf);
  buf_init (&L->tbuf);
  buf_init (&L->scratch);
  stream->inbox = is_inbox (stream->mailbox) ? T : NIL;
  if (stream->inbox && unix_home_mbox (hm)) {
    L->path = cpystr (hm);
    L->inbox_snarf = 1;
  }
  else
    L->path = cpystr (tmp);

  r = unix_open_file (stream);
  if (r == -2) {
    unix_free_local (stream);
    return NIL;
  }
  if (r < 0) {
    if (!(stream->inbox && errno == ENOENT)) {
      mail_log (stream, ERROR, "Can't open mailbox %s: %s", stream->mailbox,
		errno == EINVAL ? "not a selectable mailbox"
		: strerror (errno));
      unix_free_local (stream);
      return NIL;
    }
    /* no spool file yet: an empty INBOX until mail arrives */
    stream->uid_validity = env_uidvalidity_next ();
    stream->uid_last = 0;
    mail_exists (stream, 0);
    mail_recent (stream, 0);
    return stream;
  }
  if (!unix_fd_is_mbox (L->fd, 1)) {
    mail_log (stream, ERROR, "Can't open mailbox %s: %s is not in UNIX "
	      "mailbox format", stream->mailbox, L->path);
    unix_free_local (stream);
    return NIL;
  }
  /* another session has it read/write and would not go: we may read it */
  if (!stream->rdonly && lock_session_acquire (stream, L->fd, 1, &L->ls) < 0)
    stream->rdonly = T;
  /* the owner we waited for may have died in mid-rewrite (killed while
   * it saved its flags on the way out): finish that before reading */
  if (!stream->rdonly && unix_journal_pending (L->path, L->dev, L->ino)) {
    if (unix_lock_ex (stream, &dl) < 0) {
      unix_free_local (stream);
      return NIL;
    }
    unix_unlock (stream, &dl);
  }
  stream->perm_seen = stream->perm_deleted = stream->perm_flagged =
    stream->perm_answered = stream->perm_draft = stream->rdonly ? NIL : T;
  stream->perm_user_flags = stream->rdonly ? 0 : 0xffffffffUL;
  stream->kwd_create = stream->rdonly ? NIL : T;
  if (lock_sh (stream, &dl) < 0) {
    unix_free_local (stream);
    return NIL;
  }
  n = unix_parse (stream, 1);
  lock_funlock (L->fd);
  lock_undot (&dl);
  if (n < 0) {
    mail_log (stream, ERROR, "Can't open mailbox %s: %s is not in UNIX "
	      "mailbox format", stream->mailbox, L->path);
    unix_free_local (stream);
    return NIL;
  }
  if (!L->parsed && !L->pseudo && stream->nmsgs == 0) {
    stream->uid_validity = env_uidvalidity_for_file (L->fd);
    stream->uid_last = 0;
  }
  {
    int i;
    for (i = 0; i < NUSERFLAGS && stream->user_flags[i]; i++);
    if (i >= NUSERFLAGS)
      stream->kwd_create = NIL;
  }
  if (n == 0) {
    mail_exists (stream, stream->nmsgs);
    mail_recent (stream, stream->recent);
  }
  if (L->inbox_snarf)
    unix_snarf (stream);
  if (!stream->nmsgs && !stream->silent)
    mail_log (stream, NIL, "Mailbox is empty");
  return stream;
}

static void unix_close (MAILSTREAM *stream, long options)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  if (!L)
    return;
  if (!stream->rdonly && L->fd >= 0) {
    unsigned long nx;
    int silent = stream->silent;
    stream->silent = T;		/* no events while closing */
    unix_rewrite (stream, (options & CL_EXPUNGE) ? 1 : 0, 0, &nx);
    stream->silent = silent;
  }
  unix_free_local (stream);
}

/* ---------------------------------------------------------------------- */
/* Texts                                                                  */

static int read_range (struct unix_local *L, struct buf *b, off_t from,
		       off_t to)
{
  size_t n = (size_t) (to - from);
  buf_reset (b);
  buf_reserve (b, n + 1);
  if (os_pread_all (L->fd, b->data, n, from) < 0)
    return -1;
  b->len = n;
  b->data[n] = '\0';
  return 0;
}

/* LF -> CRLF (existing CRLF kept), into out */
static void to_crlf (struct buf *out, const char *s, size_t n)
{
  const char *e = s + n, *q;
  buf_reserve (out, n + n / 16 + 2);
  while (s < e && (q = memchr (s, '\n', (size_t) (e - s)))) {
    if (q > s && q[-1] == '\r')
      buf_append (out, s, (size_t) (q - s) + 1);
    else {
      buf_append (out, s, (size_t) (q - s));
      buf_append (out, "\r\n", 2);
    }
    s = q + 1;
  }
  if (s < e)
    buf_append (out, s, (size_t) (e - s));
}

static long unix_reread (MAILSTREAM *stream, int defer);
static int unix_prefix_moved (MAILSTREAM *stream);

/* A reader's offsets go stale when a writer rewrites the file (expunge,
 * or flags that change a status block's length).  The writer's session
 * lock keeps other writers out, never readers, and a reader learns of the
 * rewrite only at its next ping; its FETCH in between would read another
 * message's bytes.  So before reading the file, a read-only stream checks
 * it (one fstat) and, if it was rewritten, re-reads it at once but keeps
 * the messages that went as ghosts, reported expunged at the next ping
 * (RFC 3501 7.4.1: not during FETCH, STORE or SEARCH).  The read itself
 * is then done under a shared flock(), which a rewrite (exclusive) waits
 * for. */

/* Has the file changed in a way that moves what we know (not only grown)? */
static int unix_moved (MAILSTREAM *stream)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  struct stat sb;
  return !L->stale && fstat (L->fd, &sb) == 0
    && (sb.st_size != L->parsed || sb.st_mtim.tv_sec != L->mtime.tv_sec
	|| sb.st_mtim.tv_nsec != L->mtime.tv_nsec)
    && (sb.st_size <= L->parsed || unix_prefix_moved (stream));
}

/* 0 when message msgno can be read (a read-only stream then holds the
 * shared flock: unix_read_done gives it back), else -1 after logging why */
static int unix_fresh (MAILSTREAM *stream, unsigned long msgno)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  int tries;

  for (tries = 0; stream->rdonly && tries < 3; tries++) {
    if (L->stale || L->msgs[msgno - 1].ghost
	|| lock_flock (L->fd, LOCK_SH, unix_timeout ()) < 0)
      break;
    if (!unix_moved (stream))
      return 0;			/* and nobody can move it now */
    lock_funlock (L->fd);	/* the re-read may replay a journal: */
    unix_reread (stream, 1);	/* not under our shared flock */
  }
  if (L->stale) {
    mail_log (stream, ERROR, "Mailbox %s was rewritten by another session: "
	      "message %lu can be read after the next NOOP", stream->mailbox,
	      msgno);
    return -1;
  }
  if (L->msgs[msgno - 1].ghost) {
    mail_log (stream, ERROR, "Message %lu was expunged by another session",
	      msgno);
    return -1;
  }
  return 0;			/* a writer, or no flock: read as before */
}

static void unix_read_done (MAILSTREAM *stream)
{
  if (stream->rdonly)
    lock_funlock (UNIX_LOCAL (stream)->fd);
}

static char *unix_header (MAILSTREAM *stream, unsigned long msgno,
			  unsigned long *length, long flags)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  struct unix_msg *m;

  *length = 0;
  if (flags & FT_UID)
    return "";			/* UW: UID form is not supported here */
  if (!L || msgno < 1 || msgno > stream->nmsgs || L->fd < 0)
    return "";
  if (L->hmsg == msgno && L->hbuf.data) {
    *length = L->hbuf.len;
    return L->hbuf.data;
  }
  if (unix_fresh (stream, msgno) < 0)
    return "";
  m = &L->msgs[msgno - 1];
  if (read_range (L, &L->scratch, m->hdr, m->body) < 0) {
    mail_log (stream, ERROR, "Can't read message %lu of %s: %s", msgno,
	      L->path, strerror (errno));
    unix_read_done (stream);
    return "";
  }
  unix_read_done (stream);
  buf_reset (&L->hbuf);
  unix_scan_visible (L->scratch.data, L->scratch.data + L->scratch.len, 1,
		     to_crlf, &L->hbuf);
  if (m->hdr_open) {		/* see unix-scan.c: the missing empty line */
    if (L->hbuf.len && L->hbuf.data[L->hbuf.len - 1] != '\n')
      buf_append (&L->hbuf, "\r\n", 2);
    buf_append (&L->hbuf, "\r\n", 2);
  }
  L->hmsg = msgno;
  *length = L->hbuf.len;
  return L->hbuf.data ? L->hbuf.data : "";
}

static long unix_text (MAILSTREAM *stream, unsigned long msgno, STRING *bs,
		       long flags)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  struct unix_msg *m;

  if (flags & FT_UID)
    return NIL;
  if (!L || msgno < 1 || msgno > stream->nmsgs || L->fd < 0)
    return NIL;
  if (L->tmsg != msgno || !L->tbuf.data) {
    if (unix_fresh (stream, msgno) < 0)
      return NIL;
    m = &L->msgs[msgno - 1];
    if (read_range (L, &L->scratch, m->body, m->end) < 0) {
      mail_log (stream, ERROR, "Can't read message %lu of %s: %s", msgno,
		L->path, strerror (errno));
      unix_read_done (stream);
      return NIL;
    }
    unix_read_done (stream);
    buf_reset (&L->tbuf);
    to_crlf (&L->tbuf, L->scratch.data, L->scratch.len);
    buf_reserve (&L->tbuf, 1);
    L->tmsg = msgno;
  }
  INIT (bs, mail_string, (void *) (L->tbuf.data ? L->tbuf.data : ""),
	L->tbuf.len);
  return T;
}

static void unix_flagmsg (MAILSTREAM *stream, MESSAGECACHE *elt)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  if (L && elt->valid) {
    L->dirty = 1;		/* written at the next checkpoint */
    elt->private.dirty = T;	/* kept across a re-read (unix_reread) */
  }
}

/* ---------------------------------------------------------------------- */
/* Ping, check, expunge                                                   */

/* \Seen \Deleted \Flagged \Answered \Draft of src to dst */
static void copy_sysflags (MESSAGECACHE *dst, const MESSAGECACHE *src)
{
  dst->seen = src->seen;
  dst->deleted = src->deleted;
  dst->flagged = src->flagged;
  dst->answered = src->answered;
  dst->draft = src->draft;
}

static int elt_flags_differ (const MESSAGECACHE *a, const MESSAGECACHE *b)
{
  return a->seen != b->seen || a->deleted != b->deleted
    || a->flagged != b->flagged || a->answered != b->answered
    || a->draft != b->draft;
}

/* The file was rewritten behind our back: drop everything and read it
 * again, keeping flags we changed and did not write (matched by UID). */
static long unix_reread_all (MAILSTREAM *stream)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  unsigned long n = stream->nmsgs, i, k;
  unsigned long *uids = fs_get ((n + 1) * sizeof *uids);
  MESSAGECACHE *saved = fs_get ((n + 1) * sizeof *saved);
  unsigned long validity = stream->uid_validity;
  DOTLOCK dl;
  long r;

  for (i = 1; i <= n; i++) {
    MESSAGECACHE *elt = mail_elt (stream, i);
    uids[i] = elt->private.uid;
    saved[i] = *elt;
  }
  for (i = n; i >= 1; i--)
    mail_expunged (stream, i);
  L->parsed = 0;
  L->pseudo = 0;
  L->first = 0;
  L->disk_validity = L->disk_last = 0;
  for (i = 0; i < NUSERFLAGS; i++)
    if (stream->user_flags[i])
      fs_give ((void **) &stream->user_flags[i]);
  stream->recent = 0;
  if (lock_sh (stream, &dl) < 0) {
    fs_give ((void **) &uids);
    fs_give ((void **) &saved);
    return NIL;
  }
  r = unix_parse (stream, 1);
  lock_funlock (L->fd);
  lock_undot (&dl);
  if (r >= 0 && stream->uid_validity == validity)
    for (i = 1, k = 1; i <= stream->nmsgs; i++) {
      MESSAGECACHE *elt = mail_elt (stream, i);
      while (k <= n && uids[k] < elt->private.uid)
	k++;
      if (k <= n && uids[k] == elt->private.uid && saved[k].private.dirty) {
	copy_sysflags (elt, &saved[k]);
	elt->private.dirty = T;
      }
    }
  fs_give ((void **) &uids);
  fs_give ((void **) &saved);
  if (r < 0) {
    mail_log (stream, ERROR, "Mailbox %s is no longer in UNIX mailbox format",
	      L->path);
    return NIL;
  }
  return T;
}

/* Someone else rewrote the file (expunged, or replaced it).  Read it in a
 * scratch stream, then bring ours in line by UID: messages that are gone
 * are reported expunged, the rest keep their numbers and any flags we
 * changed but did not write yet, new ones are added at the end.  When that
 * is impossible (new UID validity, different keywords, a UID we never had
 * in the middle) everything is read again.  defer (unix_fresh, in the
 * middle of a command): nothing is expunged; messages that went stay as
 * ghosts, and where everything would be read again the stream is only
 * marked stale; the next ping finishes the job. */
static long unix_reread (MAILSTREAM *stream, int defer)
{
  struct unix_local *L = UNIX_LOCAL (stream), *TL;
  MAILSTREAM *t;
  mailcache_t cache = (mailcache_t) mail_parameters (NIL, GET_CACHE, NIL);
  unsigned long n = stream->nmsgs, tn, i, j, kept = 0, *map = NIL;
  char *gone;
  struct stat sb;
  int f;

  if (stat (L->path, &sb) == 0 && (sb.st_ino != L->ino
				   || sb.st_dev != L->dev)) {
    /* replaced by rename: follow the name */
    int fd = open (L->path, (stream->rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0)
      return NIL;
    close (L->fd);
    L->fd = fd;
    L->dev = sb.st_dev;
    L->ino = sb.st_ino;
    if (L->ls)
      lock_session_release (&L->ls);
    if (!stream->rdonly && lock_session_acquire (stream, L->fd, 1, &L->ls)
	< 0)
      stream->rdonly = T;
  }
  t = mail_open (NIL, stream->mailbox, OP_READONLY | OP_SILENT);
  if (!t || t->dtb != &unixdriver || !(TL = UNIX_LOCAL (t))
      || TL->dev != L->dev || TL->ino != L->ino) {
    if (t)
      mail_close (t);
    if (defer) {
      L->stale = 1;
      return T;
    }
    return unix_reread_all (stream);
  }
  tn = t->nmsgs;
  if (t->uid_validity != stream->uid_validity)
    goto all;
  for (f = 0; f < NUSERFLAGS; f++)
    if (stream->user_flags[f] && (!t->user_flags[f]
				  || strcmp (stream->user_flags[f],
					     t->user_flags[f])))
      goto all;
  gone = fs_get (n + 1);
  memset (gone, 0, n + 1);
  for (i = 1, j = 1; i <= n; i++) {
    unsigned long u = mail_elt (stream, i)->private.uid;
    while (j <= tn && mail_elt (t, j)->private.uid < u) {
      fs_give ((void **) &gone);	/* a UID we never had, in the middle */
      goto all;
    }
    if (j <= tn && mail_elt (t, j)->private.uid == u) {
      kept++;
      j++;
    }
    else
      gone[i] = 1;
  }
  if (defer) {			/* the gone stay as ghosts, numbers keep */
    map = fs_get ((tn + 1) * sizeof *map);
    for (i = 1, j = 1; i <= n; i++)
      if (!gone[i])
	map[j++] = i;
    for (; j <= tn; j++)
      map[j] = n + j - kept;
  }
  else				/* report what went away, renumbering */
    mail_expunged_many (stream, gone);
  /* survivors: new offsets; flags from the file unless we changed them */
  for (i = 1; i <= tn; i++) {
    MESSAGECACHE *te = mail_elt (t, i), *elt;
    unsigned long at = map ? map[i] : i;	/* our number for it */
    if (i <= kept) {
      elt = mail_elt (stream, at);
      if (!elt->private.dirty && (elt_flags_differ (elt, te)
				  || elt->user_flags != te->user_flags)) {
	copy_sysflags (elt, te);
	elt->user_flags = te->user_flags;
	mail_flags_changed (stream, at);	/* another session's STORE */
      }
      elt->rfc822_size = te->rfc822_size;
    }
    else {			/* new mail */
      elt = (MESSAGECACHE *) (*cache) (stream, at, CH_MAKEELT);
      elt->private.uid = te->private.uid;
      copy_sysflags (elt, te);
      elt->recent = te->recent;
      elt->user_flags = te->user_flags;
      elt->rfc822_size = te->rfc822_size;
      elt->day = te->day; elt->month = te->month; elt->year = te->year;
      elt->hours = te->hours; elt->minutes = te->minutes;
      elt->seconds = te->seconds; elt->zoccident = te->zoccident;
      elt->zhours = te->zhours; elt->zminutes = te->zminutes;
      elt->valid = T;
      if (te->recent)
	stream->recent++;
    }
  }
  /* take over the scratch stream's index (with the ghosts in place) */
  if (map) {
    struct unix_msg *all = fs_get ((n + tn - kept + 1) * sizeof *all);
    L->nghost = 0;
    for (i = 1; i <= n; i++)
      if (gone[i]) {
	all[i - 1] = L->msgs[i - 1];
	all[i - 1].ghost = 1;
	L->nghost++;
      }
    for (j = 1; j <= tn; j++)
      all[map[j] - 1] = TL->msgs[j - 1];
    fs_give ((void **) &TL->msgs);
    TL->msgs = all;
    TL->nalloc = n + tn - kept + 1;
  }
  if (L->msgs)
    fs_give ((void **) &L->msgs);
  L->msgs = TL->msgs;
  L->nalloc = TL->nalloc;
  TL->msgs = NIL;
  TL->nalloc = 0;
  fs_give ((void **) &gone);
  L->parsed = TL->parsed;
  L->mtime = TL->mtime;
  L->pseudo = TL->pseudo;
  L->first = TL->first;
  L->disk_validity = TL->disk_validity;
  L->disk_last = TL->disk_last;
  if (L->disk_keywords)
    fs_give ((void **) &L->disk_keywords);
  L->disk_keywords = TL->disk_keywords;
  TL->disk_keywords = NIL;
  for (f = 0; f < NUSERFLAGS; f++)
    if (!stream->user_flags[f] && t->user_flags[f])
      stream->user_flags[f] = cpystr (t->user_flags[f]);
  if (t->uid_last > stream->uid_last)
    stream->uid_last = t->uid_last;
  L->hmsg = L->tmsg = 0;
  mail_close (t);
  if (tn > kept)
    mail_exists (stream, map ? n + tn - kept : tn);
  if (map)
    fs_give ((void **) &map);
  return T;
all:
  mail_close (t);
  if (defer) {
    L->stale = 1;
    return T;
  }
  return unix_reread_all (stream);
}

/* Did someone rewrite what we already know (rather than only append)?  A
 * different UID validity on disk, or no From_ line where our last message
 * starts. */
static int unix_prefix_moved (MAILSTREAM *stream)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  unsigned long i = stream->nmsgs;
  char tmp[8];

  if (L->disk_validity && unix_head_validity (L->fd) != L->disk_validity)
    return 1;
  while (i && L->msgs[i - 1].ghost)
    i--;
  return i && (pread (L->fd, tmp, 5, L->msgs[i - 1].from) != 5
	       || memcmp (tmp, "From ", 5));
}

static long unix_ping (MAILSTREAM *stream)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  struct stat sb;
  DOTLOCK dl;
  long r;

  if (!L)
    return NIL;
  if (L->nghost || L->stale) {	/* a re-read put off in mid-command */
    L->nghost = 0;
    L->stale = 0;
    return unix_reread (stream, 0);
  }
  if (L->inbox_snarf)
    unix_snarf (stream);
  if (L->fd < 0) {		/* INBOX spool that did not exist */
    if (unix_open_file (stream) < 0)
      return T;
    if (!stream->rdonly && lock_session_acquire (stream, L->fd, 1, &L->ls)
	< 0)
      stream->rdonly = T;
    stream->perm_seen = stream->perm_deleted = stream->perm_flagged =
      stream->perm_answered = stream->perm_draft = stream->rdonly ? NIL : T;
    stream->kwd_create = stream->rdonly ? NIL : T;
    if (lock_sh (stream, &dl) < 0)
      return T;
    unix_parse (stream, 1);
    lock_funlock (L->fd);
    lock_undot (&dl);
    return T;
  }
  if (stat (L->path, &sb) < 0) {
    mail_log (stream, ERROR, "Mailbox %s vanished: %s", L->path,
	      strerror (errno));
    return NIL;
  }
  if (sb.st_ino != L->ino || sb.st_dev != L->dev)
    return unix_reread (stream, 0);	/* replaced by rename */
  if (sb.st_size == L->parsed
      && sb.st_mtim.tv_sec == L->mtime.tv_sec
      && sb.st_mtim.tv_nsec == L->mtime.tv_nsec)
    return T;			/* nothing new */
  if (sb.st_size < L->parsed)
    return unix_reread (stream, 0);
  if (!stream->rdonly && unix_journal_pending (L->path, L->dev, L->ino)) {
    if (unix_lock_ex (stream, &dl) < 0)	/* recovers under the lock */
      return T;
    unix_unlock (stream, &dl);
  }
  /* Same size, new mtime: rewritten in place (another session's flag
   * update fits UW's padding), so only a re-read shows its flags. */
  if (sb.st_size == L->parsed)
    return unix_reread (stream, 0);
  if (lock_sh (stream, &dl) < 0)
    return T;
  if (unix_prefix_moved (stream)) {
    lock_funlock (L->fd);
    lock_undot (&dl);
    return unix_reread (stream, 0);
  }
  r = unix_parse (stream, 0);
  lock_funlock (L->fd);
  lock_undot (&dl);
  if (r < 0)
    return unix_reread (stream, 0);
  return T;
}

static void unix_check (MAILSTREAM *stream)
{
  if (unix_ping (stream) && !stream->rdonly) {
    if (unix_rewrite (stream, 0, 0, NIL))
      mail_log (stream, NIL, "Checkpoint completed");
  }
}

static long unix_expunge (MAILSTREAM *stream, char *sequence, long options)
{
  unsigned long n = 0, i, del = 0;
  if (!unix_ping (stream) || stream->rdonly) {
    if (stream->rdonly)
      mail_log (stream, WARN, "Expunge ignored on readonly mailbox");
    return NIL;
  }
  if (sequence) {
    if (!((options & EX_UID) ? mail_uid_sequence (stream,
						  (unsigned char *) sequence)
	  : mail_sequence (stream, (unsigned char *) sequence)))
      return NIL;
  }
  for (i = 1; i <= stream->nmsgs; i++) {
    MESSAGECACHE *elt = mail_elt (stream, i);
    if (elt->deleted && (!sequence || elt->sequence))
      del++;
  }
  if (!unix_rewrite (stream, 1, sequence ? 1 : 0, &n))
    return NIL;
  if (del)
    mail_log (stream, NIL, "Expunged %lu messages", n);
  else
    mail_log (stream, NIL, "No messages deleted, so no update needed");
  return LONGT;
}

/* ---------------------------------------------------------------------- */
/* Copy: through the destination's append, so any format works           */

struct copy_ctx {
  MAILSTREAM *stream;
  unsigned long i;		/* last message handed out */
  struct buf msg;
  STRING s;
  struct buf flags;		/* up to NUSERFLAGS * MAXUSERFLAG bytes: more
				   than a MAILTMPLEN buffer holds */
  char date[64];
};

static long copy_next (MAILSTREAM *dst, void *data, char **flags,
		       char **date, STRING **message)
{
  struct copy_ctx *c = data;
  MAILSTREAM *stream = c->stream;
  unsigned long len;
  char *h;
  STRING bs;

  *message = NIL;
  while (++c->i <= stream->nmsgs && !mail_elt (stream, c->i)->sequence);
  if (c->i > stream->nmsgs)
    return LONGT;		/* no more */
  {
    MESSAGECACHE *elt = mail_elt (stream, c->i);
    struct buf *fb = &c->flags;
    buf_reset (fb);
    mail_elt_flags_text (stream, elt, fb);
    mail_date (c->date, elt);
  }
  h = unix_header (stream, c->i, &len, NIL);
  buf_reset (&c->msg);
  buf_append (&c->msg, h, len);
  if (!unix_text (stream, c->i, &bs, FT_PEEK))
    return NIL;
  buf_append (&c->msg, bs.chunk, bs.size);
  INIT (&c->s, mail_string, c->msg.data, c->msg.len);
  *flags = c->flags.len ? c->flags.data + 1 : "";
  *date = c->date;
  *message = &c->s;
  return LONGT;
}

static long unix_copy (MAILSTREAM *stream, char *sequence, char *mailbox,
		       long options)
{
  struct copy_ctx c;
  long r;
  unsigned long i;

  if (!((options & CP_UID) ? mail_uid_sequence (stream,
						(unsigned char *) sequence)
	: mail_sequence (stream, (unsigned char *) sequence)))
    return NIL;
  memset (&c, 0, sizeof c);
  c.stream = stream;
  buf_init (&c.msg);
  buf_init (&c.flags);
  r = mail_append_multiple (NIL, mailbox, copy_next, &c);
  buf_free (&c.msg);
  buf_free (&c.flags);
  if (r && (options & CP_MOVE) && !stream->rdonly)
    for (i = 1; i <= stream->nmsgs; i++) {
      MESSAGECACHE *elt = mail_elt (stream, i);
      if (elt->sequence && !elt->deleted) {
	elt->deleted = T;
	mail_flags_changed (stream, i);
      }
    }
  return r;
}

static long unix_append (MAILSTREAM *stream, char *mailbox, append_t af,
			 void *data)
{
  return unix_append_work (stream, mailbox, af, data);
}

/* ---------------------------------------------------------------------- */
/* Create, delete, rename, status                                         */

static long unix_create (MAILSTREAM *stream, char *mailbox)
{
  char tmp[MAILTMPLEN];
  size_t n;
  if (!unix_file (tmp, mailbox)) {
    mail_log (stream, ERROR, "Can't create mailbox %s: invalid name",
	      mailbox ? mailbox : "");
    return NIL;
  }
  n = strlen (tmp);
  if (!path_create (stream, tmp))
    return NIL;			/* path_create said why */
  if (n && tmp[n - 1] == '/')
    return LONGT;		/* a directory: that was all */
  return unix_create_file (stream, tmp);
}

static long unix_delete (MAILSTREAM *stream, char *mailbox)
{
  char tmp[MAILTMPLEN];
  if (!unix_file (tmp, mailbox)) {
    mail_log (stream, ERROR, "Can't delete mailbox %s: invalid name",
	      mailbox ? mailbox : "");
    return NIL;
  }
  if (!unix_path_is_mbox (tmp, 1)) {
    mail_log (stream, ERROR, "Can't delete mailbox %s: not a UNIX mailbox",
	      mailbox);
    return NIL;
  }
  if (unlink (tmp) < 0) {
    mail_log (stream, ERROR, "Can't delete mailbox %s: %s", mailbox,
	      strerror (errno));
    return NIL;
  }
  return LONGT;
}

static long unix_rename (MAILSTREAM *stream, char *old, char *newname)
{
  char from[MAILTMPLEN], to[MAILTMPLEN];
  struct stat sb;
  if (!unix_file (from, old) || !unix_file (to, newname)) {
    mail_log (stream, ERROR, "Can't rename mailbox %s to %s: invalid name",
	      old ? old : "", newname ? newname : "");
    return NIL;
  }
  if (stat (to, &sb) == 0) {
    mail_log (stream, ERROR, "Can't rename mailbox %s to %s: destination "
	      "already exists", old, newname);
    return NIL;
  }
  if (is_inbox (old)) {
    /* RFC 3501: renaming INBOX moves its messages and leaves it empty */
    MAILSTREAM *s = mail_open (NIL, old, OP_SILENT);
    long r;
    if (!s)
      return NIL;
    if (!unix_create (s, newname)) {
      mail_close (s);
      return NIL;
    }
    r = s->nmsgs ? mail_copy_full (s, "1:*", newname, 0) : LONGT;
    if (r && s->nmsgs) {
      mail_flag (s, "1:*", "\\Deleted", ST_SET);
      r = mail_expunge (s);
    }
    mail_close (s);
    return r;
  }
  if (!path_create (stream, to))
    return NIL;
  if (rename (from, to) < 0) {
    mail_log (stream, ERROR, "Can't rename mailbox %s to %s: %s", old,
	      newname, strerror (errno));
    return NIL;
  }
  return LONGT;
}

static long unix_status (MAILSTREAM *stream, char *mbx, long flags)
{
  MAILSTATUS st;
  MAILSTREAM *s = NIL;
  unsigned long i;
  int mine = 0;

  if (stream && stream->dtb == &unixdriver && stream->mailbox
      && !strcmp (stream->mailbox, mbx))
    s = stream;
  else {
    s = mail_open (NIL, mbx, OP_READONLY | OP_SILENT);
    mine = 1;
  }
  if (!s)
    return NIL;
  memset (&st, 0, sizeof st);
  st.flags = flags;
  st.messages = s->nmsgs;
  st.recent = s->recent;
  for (i = 1; i <= s->nmsgs; i++)
    if (!mail_elt (s, i)->seen)
      st.unseen++;
  st.uidnext = s->uid_last + 1;
  st.uidvalidity = s->uid_validity;
  mail_status_cb (stream ? stream : s, mbx, &st);
  if (mine)
    mail_close (s);
  return LONGT;
}

/*
 * Bamboo IMAP c-client: the subscription list, ~/.mailboxlist (UW format:
 * one mailbox name per line, in subscription order).
 *
 * Changes rewrite the whole file: the new list goes to ~/.mlbxlsttmp,
 * which is fsync'ed and renamed over ~/.mailboxlist, so a crash leaves
 * either the old or the new list, never half of one.  The temporary file
 * is also the lock that serialises concurrent writers (flock, then check
 * that the locked file is still the one at that name).
 */

#include "internal.h"

#include <sys/file.h>

#define SM_FILE ".mailboxlist"
#define SM_TMP ".mlbxlsttmp"

struct sm_list {
  char **names;
  size_t n, cap;
  int dropped;			/* unusable lines skipped while reading */
};

struct sm_reader {
  FILE *f;
  struct buf line;
  unsigned long lines;
};

static char *
sm_path (const char *name)
{
  struct buf b = BUF_INIT;

  buf_printf (&b, "%s/%s", myhomedir (), name);
  return buf_detach (&b);
}

/* Read the next usable line: a name without NUL bytes, not empty, not over
 * the length limit.  Returns NIL at EOF or after LIM_SUBSCRIPTIONS lines. */
static const char *
sm_next (struct sm_reader *r, int *dropped)
{
  int got;

  while (r->lines < LIM_SUBSCRIPTIONS &&
	 (got = buf_getline (r->f, &r->line, LIM_MAILBOX_NAME + 2)) != 0) {
    size_t len = r->line.len;

    r->lines++;
    if (got < 0) {
      (*dropped)++;
      continue;
    }
    if (len && r->line.data[len - 1] == '\n')
      len--;
    if (len && r->line.data[len - 1] == '\r')
      len--;
    buf_truncate (&r->line, len);
    if (!len || memchr (r->line.data, '\0', len) || len > LIM_MAILBOX_NAME) {
      if (len)
	(*dropped)++;
      continue;
    }
    return r->line.data;
  }
  return NIL;
}

static void
sm_list_add (struct sm_list *l, const char *name)
{
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 16;
    fs_resize ((void **) &l->names, l->cap * sizeof *l->names);
  }
  l->names[l->n++] = cpystr (name);
}

static void
sm_list_free (struct sm_list *l)
{
  size_t i;

  for (i = 0; i < l->n; i++)
    fs_give ((void **) &l->names[i]);
  if (l->names)
    fs_give ((void **) &l->names);
  l->n = l->cap = 0;
}

static void
sm_load (struct sm_list *l, const char *db)
{
  struct sm_reader r = { NIL, BUF_INIT, 0 };
  const char *name;

  if (!(r.f = fopen (db, "re")))
    return;
  while ((name = sm_next (&r, &l->dropped)) != NIL)
    sm_list_add (l, name);
  buf_free (&r.line);
  fclose (r.f);
}

/* A name we can store: one line, bounded */
static int
sm_name_ok (const char *name)
{
  return name && *name && strlen (name) <= LIM_MAILBOX_NAME &&
    !strpbrk (name, "\r\n");
}

/* Open and lock the temporary file; -1 (with a message logged) on failure */
static int
sm_lock (const char *tmp)
{
  struct timespec start, now;

  /* Every failed round means another writer finished, so this only loops
   * under heavy contention; give up after a generous time. */
  clock_gettime (CLOCK_MONOTONIC, &start);
  for (;;) {
    struct stat fsb, lsb;
    int fd = open (tmp, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

    if (fd < 0) {
      mail_log (NIL, ERROR, "Can't create subscription temporary file %.200s: %s",
		tmp, strerror (errno));
      return -1;
    }
    if (flock (fd, LOCK_EX) == 0 && !fstat (fd, &fsb) && !lstat (tmp, &lsb) &&
	fsb.st_dev == lsb.st_dev && fsb.st_ino == lsb.st_ino)
      return fd;
    close (fd);			/* renamed away under us: try again */
    clock_gettime (CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 30)
      break;
  }
  mail_log (NIL, ERROR, "Can't lock subscription temporary file %.200s", tmp);
  return -1;
}

/* Write l as the new subscription list through the locked tmp file */
static long
sm_store (const struct sm_list *l, int fd, const char *tmp, const char *db)
{
  struct buf b = BUF_INIT;
  struct stat sbuf;
  size_t i;
  long ret = NIL;

  for (i = 0; i < l->n; i++) {
    buf_puts (&b, l->names[i]);
    buf_putc (&b, '\n');
  }
  if (ftruncate (fd, 0) || os_write_all (fd, b.data ? b.data : "", b.len) < 0
      || fsync (fd))
    mail_log (NIL, ERROR, "Can't write subscription temporary file: %s",
	      strerror (errno));
  else {
    /* keep the protection the list had */
    if (!stat (db, &sbuf))
      (void) fchmod (fd, sbuf.st_mode & 07777);
    if (rename (tmp, db))
      mail_log (NIL, ERROR, "Can't update subscription database %.200s: %s",
		db, strerror (errno));
    else {
      (void) os_fsync_path_dir (db);
      ret = LONGT;
    }
  }
  if (!ret)
    unlink (tmp);		/* we hold the lock, so it is ours to remove */
  buf_free (&b);
  return ret;
}

/* Add (subscribe) or remove a name; T on success */
static long
sm_change (char *mailbox, int add)
{
  struct sm_list l = { NIL, 0, 0, 0 };
  char *db, *tmp;
  const char *name;
  size_t i, found = (size_t) -1;
  long ret = NIL;
  int fd;

  if (!sm_name_ok (mailbox)) {
    mail_log (NIL, ERROR, "Can't %s %.80s: invalid mailbox name",
	      add ? "subscribe to" : "unsubscribe from",
	      mailbox ? mailbox : "(null)");
    return NIL;
  }
  if (!*myhomedir ()) {
    mail_log (NIL, ERROR, "No home directory for the subscription list");
    return NIL;
  }
  name = strcasecmp (mailbox, "INBOX") ? mailbox : "INBOX";
  db = sm_path (SM_FILE);
  tmp = sm_path (SM_TMP);
  if ((fd = sm_lock (tmp)) >= 0) {
    sm_load (&l, db);
    for (i = 0; i < l.n && found == (size_t) -1; i++)
      if (!strcmp (l.names[i], name))
	found = i;
    if (l.dropped)
      mail_log (NIL, WARN, "Dropped %d unusable line(s) from %.200s",
		l.dropped, db);
    if (add && found != (size_t) -1)
      mail_log (NIL, ERROR, "Already subscribed to mailbox %.80s", name);
    else if (!add && found == (size_t) -1)
      mail_log (NIL, ERROR, "Not subscribed to mailbox %.80s", name);
    else if (add && l.n >= LIM_SUBSCRIPTIONS)
      mail_log (NIL, ERROR, "Too many subscriptions (limit %d)",
		LIM_SUBSCRIPTIONS);
    else {
      if (add)
	sm_list_add (&l, name);
      else {
	fs_give ((void **) &l.names[found]);
	memmove (l.names + found, l.names + found + 1,
		 (l.n - found - 1) * sizeof *l.names);
	l.n--;
      }
      ret = sm_store (&l, fd, tmp, db);
      close (fd);
      fd = -1;
    }
    if (fd >= 0) {
      /* nothing changed: drop the (empty) lock file we created */
      unlink (tmp);
      close (fd);
    }
    sm_list_free (&l);
  }
  fs_give ((void **) &db);
  fs_give ((void **) &tmp);
  return ret;
}

long
sm_subscribe (char *mailbox)
{
  return sm_change (mailbox, 1);
}

long
sm_unsubscribe (char *mailbox)
{
  return sm_change (mailbox, 0);
}

/* Iterate over the subscriptions: call with *sdb == NIL first, then until
 * it returns NIL (which also frees the iterator).  The returned string is
 * valid until the next call.  Unusable lines (NUL bytes, too long) are
 * skipped. */
char *
sm_read (void **sdb)
{
  struct sm_reader *r = *sdb;
  const char *name;
  int dropped = 0;

  if (!r) {
    char *db = sm_path (SM_FILE);
    FILE *f = fopen (db, "re");

    fs_give ((void **) &db);
    if (!f)
      return NIL;
    r = fs_get (sizeof *r);
    memset (r, 0, sizeof *r);
    r->f = f;
    *sdb = r;
  }
  if ((name = sm_next (r, &dropped)) != NIL)
    return (char *) name;
  fclose (r->f);
  buf_free (&r->line);
  fs_give ((void **) &r);
  *sdb = NIL;
  return NIL;
}

/*
 * Bamboo IMAP c-client: the dummy driver (directories, and names no real
 * driver claims).
 *
 * It is linked last, so it only sees what the format drivers refused:
 *   - directories: listed as \NoSelect, can be created, renamed, deleted;
 *   - an INBOX that does not exist yet: opens as an empty mailbox, and on
 *     ping switches to the real driver once mail has been delivered;
 *   - an empty (0-byte) file: opens as an empty mailbox (normally the unix
 *     driver claims these first);
 *   - any other file: refused with "not in valid mailbox format".
 * LIST/LSUB/SCAN of local names is done here for every local format, with
 * '/' as the hierarchy delimiter.  New mailboxes are created by the default
 * format driver (unix, or "set new-folder-format").  See docs/formats.md.
 */

#include "env-int.h"
#include "linkage.h"

#include <dirent.h>
#include <stdio.h>

#define DUMMY_PING_INTERVAL 30	/* seconds between "has mail arrived?" */
#define DUMMY_SCAN_CHUNK 65536	/* bytes read at a time for SCAN */

struct dummy_local {
  struct timespec checked;	/* CLOCK_MONOTONIC of the last driver test */
};

static DRIVER *dummy_valid (char *name);
static void *dummy_parameters (long function, void *value);
static void dummy_scan (MAILSTREAM *stream, char *ref, char *pat,
			char *contents);
static void dummy_list (MAILSTREAM *stream, char *ref, char *pat);
static void dummy_lsub (MAILSTREAM *stream, char *ref, char *pat);
static long dummy_subscribe (MAILSTREAM *stream, char *mailbox);
static long dummy_create (MAILSTREAM *stream, char *mailbox);
static long dummy_delete (MAILSTREAM *stream, char *mailbox);
static long dummy_rename (MAILSTREAM *stream, char *old, char *newname);
static MAILSTREAM *dummy_open (MAILSTREAM *stream);
static void dummy_close (MAILSTREAM *stream, long options);
static long dummy_ping (MAILSTREAM *stream);
static void dummy_check (MAILSTREAM *stream);
static long dummy_expunge (MAILSTREAM *stream, char *sequence, long options);
static long dummy_copy (MAILSTREAM *stream, char *sequence, char *mailbox,
			long options);
static long dummy_append (MAILSTREAM *stream, char *mailbox, append_t af,
			  void *data);

DRIVER dummydriver = {
  .name = "dummy",
  .flags = DR_LOCAL | DR_MAIL,
  .next = NIL,
  .valid = dummy_valid,
  .parameters = dummy_parameters,
  .scan = dummy_scan,
  .list = dummy_list,
  .lsub = dummy_lsub,
  .subscribe = dummy_subscribe,
  .unsubscribe = NIL,		/* core falls back to sm_unsubscribe */
  .create = dummy_create,
  .mbxdel = dummy_delete,
  .mbxren = dummy_rename,
  .status = NIL,		/* core's mail_status_default */
  .open = dummy_open,
  .close = dummy_close,
  .ping = dummy_ping,
  .check = dummy_check,
  .expunge = dummy_expunge,
  .copy = dummy_copy,
  .append = dummy_append,
};

static MAILSTREAM dummyproto = { .dtb = &dummydriver };

/* ---------------------------------------------------------------- names */

static int
is_inbox (const char *name)
{
  return name && !strcasecmp (name, "INBOX");
}

/* The file for a mailbox name, the spool file for INBOX; fs_get'ed, or NIL
 * with *error_r */
static char *
dummy_file (const char *name, const char **error_r)
{
  char *path = env_mailbox_path (name, error_r);

  if (path && !*path) {
    fs_give ((void **) &path);
    path = cpystr (sysinbox ());
  }
  return path;
}

/* A name we are willing to create: no empty, "." or ".." components
 * (a single trailing '/' is allowed and means "a directory"). */
static int
dummy_name_ok (const char *name, const char **error_r)
{
  const char *s = name, *e;

  if (!name || !*name) {
    *error_r = "empty name";
    return 0;
  }
  if (strlen (name) > LIM_MAILBOX_NAME) {
    *error_r = "name too long";
    return 0;
  }
  if (*s == '/')
    s++;			/* absolute names start with one '/' */
  for (; *s; s = *e ? e + 1 : e) {
    size_t n;

    e = strchr (s, '/');
    if (!e)
      e = s + strlen (s);
    n = (size_t) (e - s);
    if (!n && *e) {
      *error_r = "empty hierarchy level (\"//\")";
      return 0;
    }
    if ((n == 1 && *s == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
      *error_r = "\".\" and \"..\" are not mailbox names";
      return 0;
    }
  }
  return 1;
}

static DRIVER *
dummy_valid (char *name)
{
  const char *error;
  char *path;
  struct stat sbuf;
  DRIVER *ret = NIL;

  if (!name || !*name || *name == '{')
    return NIL;
  if (!(path = env_mailbox_path (name, &error)))
    return NIL;
  if (!*path)			/* spool INBOX: nobody else wanted it */
    ret = &dummydriver;
  else if (!stat (path, &sbuf))
    ret = (S_ISREG (sbuf.st_mode) || S_ISDIR (sbuf.st_mode)) ? &dummydriver
      : NIL;
  else if (is_inbox (name))
    ret = &dummydriver;
  fs_give ((void **) &path);
  return ret;
}

static void *
dummy_parameters (long function, void *value)
{
  return NIL;
}

/* ---------------------------------------------------------------- list */

struct dummy_walk {
  MAILSTREAM *stream;
  const char *pat;
  const char *contents;
  size_t csize;
  long maxlevel;
  int hide;			/* hide-dot-files */
  unsigned long count;		/* names reported */
  int stopped;			/* LIM_LIST_ENTRIES reached */
  size_t depth;			/* directories open on the descent */
  struct { dev_t dev; ino_t ino; } seen[LIM_LIST_DEPTH + 2];
};

/* An entry LIST shows at all: not "." or "..", no dot files if hidden */
static int
dummy_visible (const char *name, int hide)
{
  if (name[0] != '.')
    return 1;
  /* our own bookkeeping (the UIDVALIDITY mark, rewrite journals) is never
   * a mailbox */
  if (hide || !strncmp (name, ".bamboo-", 8))
    return 0;
  return name[1] && (name[1] != '.' || name[2]);
}

/* Does directory path have a visible entry? */
static int
dummy_has_children (const char *path, int hide)
{
  DIR *dp = opendir (path);
  struct dirent *d;
  int ret = 0;

  if (!dp)
    return 0;
  while (!ret && (d = readdir (dp)) != NIL)
    ret = dummy_visible (d->d_name, hide);
  closedir (dp);
  return ret;
}

/* Does the file contain the SCAN string (case-insensitive)? */
static int
dummy_contains (const char *path, const char *contents, size_t csize)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  char *buf;
  size_t keep = 0;
  ssize_t n;
  int found = 0;

  if (fd < 0)
    return 0;
  buf = fs_get (DUMMY_SCAN_CHUNK + csize);
  /* keep csize-1 bytes of overlap so a match across chunks is found */
  while (!found && (n = read (fd, buf + keep, DUMMY_SCAN_CHUNK)) > 0) {
    size_t have = keep + (size_t) n;

    found = search ((unsigned char *) buf, (long) have,
		    (unsigned char *) contents, (long) csize) ? 1 : 0;
    keep = csize > 1 ? Min ((long) have, (long) csize - 1) : 0;
    memmove (buf, buf + have - keep, keep);
  }
  fs_give ((void **) &buf);
  close (fd);
  return found;
}

/* Report one name (UW dummy_listed): directories get HAS(NO)CHILDREN,
 * SCAN filters selectable names by content.  0 once the limit is hit. */
static int
dummy_listed (struct dummy_walk *w, int delim, const char *name, long attr,
	      const char *path)
{
  if (w->stopped)
    return 0;
  if (!(attr & LATT_NOINFERIORS) && path)
    attr |= dummy_has_children (path, w->hide) ? LATT_HASCHILDREN
      : LATT_HASNOCHILDREN;
  if (w->contents && !(attr & LATT_NOSELECT) &&
      (!path || !dummy_contains (path, w->contents, w->csize)))
    return 1;
  if (++w->count > LIM_LIST_ENTRIES) {
    mail_log (w->stream, WARN, "LIST stopped after %d names", LIM_LIST_ENTRIES);
    w->stopped = 1;
    return 0;
  }
  mail_list_cb (w->stream, delim, (char *) name, attr);
  return 1;
}

static int
pm (const char *s, const char *pat)
{
  return pmatch_full ((unsigned char *) s, (unsigned char *) pat, '/') != NIL;
}

static int
dm (const char *s, const char *pat)
{
  return dmatch ((unsigned char *) s, (unsigned char *) pat, '/') != NIL;
}

static int
dummy_name_cmp (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* List the entries of directory dir ("" = the mailbox root; otherwise a
 * name ending in '/'), descending where the pattern could match deeper. */
static void
dummy_list_dir (struct dummy_walk *w, const char *dir, const char *path,
		long level)
{
  DIR *dp;
  struct dirent *d;
  struct stat sbuf;
  struct buf name = BUF_INIT, file = BUF_INIT, slash = BUF_INIT;
  char **ent = NIL;
  size_t nent = 0, capent = 0, k;

  if (!(dp = opendir (path)))
    return;
  if (!fstat (dirfd (dp), &sbuf)) {
    size_t i;

    /* a symlink back to a directory we are already in: a loop */
    for (i = 0; i < w->depth; i++)
      if (w->seen[i].dev == sbuf.st_dev && w->seen[i].ino == sbuf.st_ino) {
	closedir (dp);
	return;
      }
    w->seen[w->depth].dev = sbuf.st_dev;
    w->seen[w->depth].ino = sbuf.st_ino;
  }
  else
    memset (&w->seen[w->depth], 0, sizeof w->seen[0]);
  w->depth++;
  /* read the whole directory, then list it in byte order: readdir order
   * depends on the file system and on its history, and users and
   * transcripts both want the same answer every time */
  while ((d = readdir (dp)) != NIL)
    if (dummy_visible (d->d_name, w->hide)) {
      if (nent == capent) {
	capent = capent ? capent * 2 : 32;
	fs_resize ((void **) &ent, capent * sizeof *ent);
      }
      ent[nent++] = cpystr (d->d_name);
    }
  if (nent)
    qsort (ent, nent, sizeof *ent, dummy_name_cmp);
  for (k = 0; k < nent && !w->stopped; k++) {
    int match, match_slash, descend;
    const char *dname = ent[k];

    buf_reset (&name);
    buf_printf (&name, "%s%s", dir, dname);
    if (name.len > LIM_MAILBOX_NAME)
      continue;
    buf_reset (&slash);
    buf_printf (&slash, "%s/", name.data);
    match = pm (name.data, w->pat);
    match_slash = pm (slash.data, w->pat);
    descend = dm (name.data, w->pat);
    if (!match && !match_slash && !descend)
      continue;
    buf_reset (&file);
    buf_printf (&file, "%s/%s", path, dname);
    if (stat (file.data, &sbuf))
      continue;			/* dangling symlink, vanished, ... */
    if (S_ISDIR (sbuf.st_mode)) {
      if (!level && is_inbox (name.data))
	;			/* INBOX is listed on its own */
      else if (match)
	dummy_listed (w, '/', name.data, LATT_NOSELECT, file.data);
      else if (match_slash)
	dummy_listed (w, '/', slash.data, LATT_NOSELECT, file.data);
      if (descend && level < w->maxlevel && w->depth <= LIM_LIST_DEPTH)
	dummy_list_dir (w, slash.data, file.data, level + 1);
    }
    else if (S_ISREG (sbuf.st_mode) && match && !(!level && is_inbox (name.data))) {
      /* \Marked: written since last read (ctime, because some systems
       * do not update mtime properly), as UW */
      long attr = LATT_NOINFERIORS |
	((sbuf.st_size && sbuf.st_atime < sbuf.st_ctime) ? LATT_MARKED
	 : LATT_UNMARKED);

      dummy_listed (w, '/', name.data, attr, file.data);
    }
  }
  w->depth--;
  closedir (dp);
  for (k = 0; k < nent; k++)
    fs_give ((void **) &ent[k]);
  if (ent)
    fs_give ((void **) &ent);
  buf_free (&name);
  buf_free (&file);
  buf_free (&slash);
}

/* Combine reference and pattern (UW dummy_canonicalize).  fs_get'ed, or
 * NIL (with an error logged where the user should hear about it). */
static char *
dummy_canonicalize (MAILSTREAM *stream, const char *ref, const char *pat)
{
  struct buf b = BUF_INIT;
  const char *error, *s;
  char *path;
  int wild = 0;

  if (ref && *ref == '{')
    return NIL;
  if (ref && !*ref)
    ref = NIL;
  if (!pat || *pat == '{')
    return NIL;
  if (*pat == '#' || ((*pat == '/' || *pat == '~') && !(ref && *ref == '#')))
    ref = NIL;			/* pattern is complete by itself */
  if (ref && *ref == '#') {
    if (!(path = env_mailbox_path (ref, &error)))
      return NIL;		/* unknown namespace */
    fs_give ((void **) &path);
  }
  if (ref && *pat == '/' && (s = strchr (ref, '/')) != NIL)
    buf_append (&b, ref, (size_t) (s - ref));	/* root of the namespace */
  else if (ref)
    buf_puts (&b, ref);
  buf_puts (&b, pat);
  if (*b.data == '#' && !(path = env_mailbox_path (b.data, &error))) {
    buf_free (&b);
    return NIL;
  }
  else if (*b.data == '#')
    fs_give ((void **) &path);
  for (s = b.data; *s; s++)
    wild += (*s == '*' || *s == '%');
  if (wild > MAXWILDCARDS || b.len > LIM_MAILBOX_NAME) {
    mail_log (stream, ERROR, wild > MAXWILDCARDS ?
	      "Excessive wildcards in LIST/LSUB" : "LIST/LSUB pattern too long");
    buf_free (&b);
    return NIL;
  }
  return buf_detach (&b);
}

/* May this session use INBOX at all?  (Anonymous sessions may not.) */
static int
dummy_inbox_allowed (void)
{
  const char *error;
  char *path = env_mailbox_path ("INBOX", &error);
  if (!path)
    return 0;
  fs_give ((void **) &path);
  return 1;
}

/* Does the pattern match INBOX?  As UW, the pattern is upper-cased for
 * this test, so "in%" finds INBOX too. */
static int
dummy_inbox_matches (const char *pat)
{
  char *up = ucase (cpystr (pat));
  int r = pm ("INBOX", up);

  fs_give ((void **) &up);
  return r;
}

/* Is there a directory-format driver (mix, mh, maildir) claiming INBOX?
 * Then INBOX may have children. */
static int
dummy_inbox_dirfmt (void)
{
  DRIVER *d = mail_parameters (NIL, GET_DRIVERS, NIL);

  for (; d; d = d->next)
    if (!(d->flags & DR_DISABLE) && (d->flags & DR_DIRFMT) && d->valid &&
	(*d->valid) ("INBOX"))
      return 1;
  return 0;
}

static void
dummy_scan (MAILSTREAM *stream, char *ref, char *pat, char *contents)
{
  struct dummy_walk w;
  char *test, *s, *start;
  const char *error;

  memset (&w, 0, sizeof w);
  w.stream = stream;
  w.contents = contents && *contents ? contents : NIL;
  w.csize = w.contents ? strlen (w.contents) : 0;
  w.hide = env_parameters (GET_HIDEDOTFILES, NIL) != NIL;
  w.maxlevel = (long) env_parameters (GET_LISTMAXLEVEL, NIL);
  if (w.maxlevel < 0)
    w.maxlevel = 0;
  if (w.maxlevel > LIM_LIST_DEPTH)
    w.maxlevel = LIM_LIST_DEPTH;

  if (!pat || !*pat) {		/* LIST ref "": the delimiter and root */
    if ((test = dummy_canonicalize (stream, ref, "*")) != NIL) {
      char *dir;
      struct stat sbuf;

      if ((s = strchr (test, '/')) != NIL)
	s[1] = '\0';
      else
	*test = '\0';
      /* like UW, a real directory also gets \Has(No)Children */
      if (*test && (dir = env_mailbox_path (test, &error)) != NIL) {
	if (!stat (dir, &sbuf) && S_ISDIR (sbuf.st_mode))
	  dummy_listed (&w, '/', test, LATT_NOSELECT, dir);
	else
	  mail_list_cb (stream, '/', test, LATT_NOSELECT);
	fs_give ((void **) &dir);
      }
      else
	mail_list_cb (stream, '/', test, LATT_NOSELECT);
      fs_give ((void **) &test);
    }
    return;
  }
  if (!(test = dummy_canonicalize (stream, ref, pat)))
    return;
  w.pat = test;

  /* Start at the directory before the first wildcard */
  start = cpystr (test);
  if ((s = strpbrk (start, "%*")) != NIL)
    *s = '\0';
  if ((s = strrchr (start, '/')) != NIL)
    s[1] = '\0';
  else if (*start != '~' && *start != '#')
    *start = '\0';
  {
    char *dir = *start ? env_mailbox_path (start, &error)
      : cpystr (env_mailbox_root ());

    if (dir && *start && start[strlen (start) - 1] != '/') {
      /* "~user" or "#ftp" with no slash: only the name itself can match */
      struct stat sbuf;

      if (pm (start, test) && !stat (dir, &sbuf) && S_ISDIR (sbuf.st_mode))
	dummy_listed (&w, '/', start, LATT_NOSELECT, dir);
    }
    else if (dir && *dir) {
      struct stat sbuf;

      /* the start directory itself, e.g. LIST "" "Mail/" */
      if (*start && pm (start, test) && !is_inbox (start) &&
	  !stat (dir, &sbuf) && S_ISDIR (sbuf.st_mode))
	dummy_listed (&w, '/', start, LATT_NOSELECT, dir);
      dummy_list_dir (&w, start, dir, 0);
    }
    if (dir)
      fs_give ((void **) &dir);
  }
  /* INBOX is always there, whether or not the spool file exists yet --
   * unless the session may not have one (anonymous) */
  if (!w.stopped && dummy_inbox_matches (test) && dummy_inbox_allowed ()) {
    char *spool = cpystr (sysinbox ());

    dummy_listed (&w, NIL, "INBOX", dummy_inbox_dirfmt () ? NIL
		  : LATT_NOINFERIORS, spool);
    fs_give ((void **) &spool);
  }
  fs_give ((void **) &start);
  fs_give ((void **) &test);
}

static void
dummy_list (MAILSTREAM *stream, char *ref, char *pat)
{
  dummy_scan (stream, ref, pat, NIL);
}

/* LSUB: subscriptions matching the pattern; with a trailing '%', the
 * superiors of deeper subscriptions are shown as \NoSelect (UW). */
static void
dummy_lsub (MAILSTREAM *stream, char *ref, char *pat)
{
  void *sdb = NIL;
  char *test, *s, *t;
  int uppers;
  unsigned long count = 0;

  if (!pat || !*pat || !(test = dummy_canonicalize (stream, ref, pat)))
    return;
  uppers = test[strlen (test) - 1] == '%';
  while ((s = sm_read (&sdb)) != NIL) {
    if (*s == '{' || count >= LIM_LIST_ENTRIES)
      continue;			/* remote names belong to other drivers */
    if (is_inbox (s)) {
      if (dummy_inbox_matches (test)) {
	mail_lsub_cb (stream, NIL, s, LATT_NOINFERIORS);
	count++;
      }
    }
    else if (pm (s, test)) {
      mail_lsub_cb (stream, '/', s, NIL);
      count++;
    }
    else if (uppers) {
      char *copy = cpystr (s);

      while ((t = strrchr (copy, '/')) != NIL) {
	*t = '\0';
	if (*copy && pm (copy, test)) {
	  mail_lsub_cb (stream, '/', copy, LATT_NOSELECT);
	  count++;
	  break;
	}
      }
      fs_give ((void **) &copy);
    }
  }
  fs_give ((void **) &test);
}

static long
dummy_subscribe (MAILSTREAM *stream, char *mailbox)
{
  const char *error = "no such mailbox";
  char *path = dummy_file (mailbox, &error);
  struct stat sbuf;
  long ret = NIL;

  if (path && !stat (path, &sbuf) && S_ISDIR (sbuf.st_mode)) {
    mail_log (stream, WARN,
	      "CLIENT BUG DETECTED: subscribe of non-mailbox directory %.80s",
	      mailbox);
    ret = sm_subscribe (mailbox);
  }
  else if (path && (is_inbox (mailbox) ||
		    (!stat (path, &sbuf) && S_ISREG (sbuf.st_mode))))
    ret = sm_subscribe (mailbox);
  else
    mail_log (stream, ERROR, "Can't subscribe %.80s: not a mailbox", mailbox);
  if (path)
    fs_give ((void **) &path);
  return ret;
}

/* ---------------------------------------------------------------- create */

static long
dummy_create (MAILSTREAM *stream, char *mailbox)
{
  const char *error;
  char *path;
  size_t n;
  struct stat sbuf;
  long ret = NIL;

  if (is_inbox (mailbox)) {
    mail_log (stream, ERROR, "Can't create %.80s: invalid name", mailbox);
    return NIL;
  }
  if (!dummy_name_ok (mailbox, &error) ||
      !(path = dummy_file (mailbox, &error))) {
    mail_log (stream, ERROR, "Can't create %.80s: %s", mailbox, error);
    return NIL;
  }
  n = strlen (path);
  if (n > 1 && path[n - 1] == '/') {	/* "dir/": a directory */
    path[n - 1] = '\0';
    if (!stat (path, &sbuf))
      mail_log (stream, ERROR, "Can't create mailbox %.80s: %s", mailbox,
		S_ISDIR (sbuf.st_mode) ? "directory already exists"
		: "a mailbox of that name exists");
    else {
      path[n - 1] = '/';
      if ((ret = path_create (stream, path)) != NIL) {
	path[n - 1] = '\0';
	set_mbx_protections (mailbox, path);
      }
    }
  }
  else if (!lstat (path, &sbuf))
    mail_log (stream, ERROR, "Can't create mailbox %.80s: mailbox already exists",
	      mailbox);
  else if (path_create (stream, path)) {
    DRIVER *d = env_create_driver ();

    ret = (*d->create) (stream, mailbox);
  }
  fs_give ((void **) &path);
  return ret;
}

/* The dummy driver owns directories and names no format driver claims.
 * It may remove or rename a directory, a symbolic link (not its target) or
 * an empty file, but never a file with contents: those are not mailboxes
 * of any format we know, so they are somebody's data. */
static int
dummy_deletable (const struct stat *sbuf)
{
  return S_ISDIR (sbuf->st_mode) || S_ISLNK (sbuf->st_mode) ||
    (S_ISREG (sbuf->st_mode) && sbuf->st_size == 0);
}

static long
dummy_delete (MAILSTREAM *stream, char *mailbox)
{
  const char *error;
  char *path = dummy_file (mailbox, &error);
  struct stat sbuf;
  size_t n;
  int r;

  if (!path) {
    mail_log (stream, ERROR, "Can't delete - invalid name: %.80s", mailbox);
    return NIL;
  }
  if (is_inbox (mailbox)) {	/* RFC 3501: deleting INBOX is an error */
    mail_log (stream, ERROR, "Can't delete INBOX");
    fs_give ((void **) &path);
    return NIL;
  }
  n = strlen (path);
  while (n > 1 && path[n - 1] == '/')
    path[--n] = '\0';
  if (lstat (path, &sbuf))
    r = -1;
  else if (!dummy_deletable (&sbuf)) {
    /* a file no mailbox driver recognised: DELETE must never destroy data
     * that is not mail (UW would unlink it; think of a typo as root) */
    mail_log (stream, ERROR, "Can't delete mailbox %.80s: not a mailbox",
	      mailbox);
    fs_give ((void **) &path);
    return NIL;
  }
  else
    r = S_ISDIR (sbuf.st_mode) ? rmdir (path) : unlink (path);
  if (r) {
    mail_log (stream, ERROR, "Can't delete mailbox %.80s: %s", mailbox,
	      errno == ENOTEMPTY || errno == EEXIST ? "directory not empty"
	      : strerror (errno));
    fs_give ((void **) &path);
    return NIL;
  }
  fs_give ((void **) &path);
  return LONGT;
}

static long
dummy_rename (MAILSTREAM *stream, char *old, char *newname)
{
  const char *error = NIL;
  char *from = NIL, *to = NIL, *s;
  struct stat sbuf;
  long ret = NIL;
  size_t n;

  if (!(from = dummy_file (old, &error)) || !dummy_name_ok (newname, &error) ||
      is_inbox (newname) || !(to = dummy_file (newname, &error))) {
    mail_log (stream, ERROR, "Can't rename %.80s to %.80s: %s", old,
	      newname ? newname : "", error ? error : "invalid name");
    goto done;
  }
  n = strlen (from);
  while (n > 1 && from[n - 1] == '/')
    from[--n] = '\0';
  if (lstat (from, &sbuf)) {
    if (is_inbox (old) && errno == ENOENT) {	/* nothing to move */
      ret = dummy_create (stream, newname);
      goto done;
    }
    mail_log (stream, ERROR, "Can't rename mailbox %.80s: %s", old,
	      strerror (errno));
    goto done;
  }
  if (!dummy_deletable (&sbuf)) {	/* same reason as in dummy_delete */
    mail_log (stream, ERROR, "Can't rename %.80s: not a mailbox", old);
    goto done;
  }
  n = strlen (to);
  if (n > 1 && to[n - 1] == '/') {
    if (!S_ISDIR (sbuf.st_mode)) {
      mail_log (stream, ERROR, "Can't rename %.80s to %.80s: not a directory",
		old, newname);
      goto done;
    }
    to[--n] = '\0';
  }
  if (!lstat (to, &sbuf)) {
    mail_log (stream, ERROR, "Can't rename %.80s to %.80s: destination "
	      "already exists", old, newname);
    goto done;
  }
  /* create the superiors of the new name (to has no trailing '/' now) */
  if ((s = strrchr (to, '/')) != NIL && s != to && !path_create (stream, to))
    goto done;
  if (renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) &&
      ((errno != EINVAL && errno != ENOSYS) || rename (from, to)))
    mail_log (stream, ERROR, "Can't rename mailbox %.80s to %.80s: %s", old,
	      newname, strerror (errno));
  else
    ret = LONGT;
done:
  if (from)
    fs_give ((void **) &from);
  if (to)
    fs_give ((void **) &to);
  return ret;
}

/* ---------------------------------------------------------------- stream */

static MAILSTREAM *
dummy_open (MAILSTREAM *stream)
{
  const char *error;
  char *path;
  struct stat sbuf;
  struct dummy_local *local;

  if (!stream)
    return &dummyproto;
  if (!(path = dummy_file (stream->mailbox, &error))) {
    mail_log (stream, ERROR, "Can't open this name: %.80s", stream->mailbox);
    return NIL;
  }
  if (stat (path, &sbuf)) {
    if (!is_inbox (stream->mailbox)) {
      mail_log (stream, ERROR, "%s: %.80s", strerror (errno), stream->mailbox);
      fs_give ((void **) &path);
      return NIL;
    }
  }
  else if (!S_ISREG (sbuf.st_mode)) {
    mail_log (stream, ERROR, "Can't open %.80s: not a selectable mailbox",
	      stream->mailbox);
    fs_give ((void **) &path);
    return NIL;
  }
  else if (sbuf.st_size) {
    mail_log (stream, ERROR,
	      "Can't open %.80s (file %.80s): not in valid mailbox format",
	      stream->mailbox, path);
    fs_give ((void **) &path);
    return NIL;
  }
  fs_give ((void **) &path);
  if (stream->local)
    fs_give (&stream->local);
  local = fs_get (sizeof *local);
  clock_gettime (CLOCK_MONOTONIC, &local->checked);
  stream->local = local;
  stream->inbox = is_inbox (stream->mailbox) ? 1 : 0;
  stream->nmsgs = stream->recent = 0;
  if (!stream->uid_validity)
    stream->uid_validity = (unsigned long) time (0);
  stream->uid_last = 0;
  if (!stream->silent) {
    mail_exists (stream, 0);
    mail_recent (stream, 0);
  }
  return stream;
}

static void
dummy_close (MAILSTREAM *stream, long options)
{
  if (stream && stream->local)
    fs_give (&stream->local);
}

/* If a real driver now claims the name (mail was delivered to INBOX, or
 * an empty file got a first message), become that driver's stream, as UW
 * does: open it, then swap the stream contents. */
static long
dummy_ping (MAILSTREAM *stream)
{
  struct dummy_local *local = stream->local;
  struct timespec now;
  DRIVER *d;
  MAILSTREAM *test, *old;

  clock_gettime (CLOCK_MONOTONIC, &now);
  if (local && now.tv_sec - local->checked.tv_sec < DUMMY_PING_INTERVAL)
    return LONGT;
  if (local)
    local->checked = now;
  d = mail_valid (NIL, stream->mailbox, NIL);
  if (!d || d == &dummydriver || !(d->flags & DR_LOCAL))
    return LONGT;
  test = mail_open (NIL, stream->mailbox,
		    (stream->rdonly ? OP_READONLY : 0) |
		    (stream->debug ? OP_DEBUG : 0));
  if (!test)
    return LONGT;
  if (test->dtb == &dummydriver) {
    mail_close (test);
    return LONGT;
  }
  /* keep what the application holds on to */
  if (stream->original_mailbox) {
    if (test->original_mailbox)
      fs_give ((void **) &test->original_mailbox);
    test->original_mailbox = stream->original_mailbox;
    stream->original_mailbox = NIL;
  }
  if (stream->sparep && !test->sparep) {
    test->sparep = stream->sparep;
    stream->sparep = NIL;
  }
  test->sequence = stream->sequence;
  test->use = stream->use;
  test->callbacks = stream->callbacks;
  test->callback_data = stream->callback_data;
  /* close the dummy state through a copy, then take over the new stream */
  old = fs_get (sizeof *old);
  memcpy (old, stream, sizeof *old);
  old->use = 0;
  old->lock = 0;
  mail_close (old);
  memcpy (stream, test, sizeof *stream);
  fs_give ((void **) &test);
  mail_exists (stream, stream->nmsgs);
  mail_recent (stream, stream->recent);
  return LONGT;
}

static void
dummy_check (MAILSTREAM *stream)
{
  dummy_ping (stream);
}

static long
dummy_expunge (MAILSTREAM *stream, char *sequence, long options)
{
  return LONGT;			/* nothing to expunge */
}

static long
dummy_copy (MAILSTREAM *stream, char *sequence, char *mailbox, long options)
{
  /* A dummy stream has no messages, so any sequence is invalid; core's
   * sequence check normally stops a copy before it gets here. */
  mail_log (stream, ERROR, "Can't copy: mailbox %.80s is empty",
	    stream && stream->mailbox ? stream->mailbox : "");
  return NIL;
}

/* Append to a name no real driver claims: INBOX that does not exist yet
 * or an empty file get the default format; a missing name needs CREATE
 * first (TRYCREATE); anything else is not a mailbox we understand. */
static long
dummy_append (MAILSTREAM *stream, char *mailbox, append_t af, void *data)
{
  const char *error;
  char *path;
  struct stat sbuf;
  DRIVER *d = env_create_driver ();
  long ret = NIL;

  if (!(path = dummy_file (mailbox, &error))) {
    mail_log (stream, ERROR, "Can't append to %.80s: %s", mailbox, error);
    return NIL;
  }
  if (stat (path, &sbuf)) {
    if (is_inbox (mailbox) && errno == ENOENT)
      ret = d->append ? (*d->append) (stream, mailbox, af, data) : NIL;
    else if (errno == ENOENT)
      mail_log (stream, ERROR, "[TRYCREATE] Must create mailbox before append");
    else
      mail_log (stream, ERROR, "%s: %.80s", strerror (errno), mailbox);
  }
  else if (S_ISDIR (sbuf.st_mode))
    mail_log (stream, ERROR, "Can't append to %.80s: not a selectable mailbox",
	      mailbox);
  else if (S_ISREG (sbuf.st_mode) && !sbuf.st_size && d->append)
    ret = (*d->append) (stream, mailbox, af, data);
  else
    mail_log (stream, ERROR, "Indeterminate mailbox format: %.80s", mailbox);
  fs_give ((void **) &path);
  return ret;
}

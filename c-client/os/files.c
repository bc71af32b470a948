/*
 * Bamboo IMAP c-client: small file helpers shared by the mailbox drivers.
 *
 *   os_write_all, safe_write   write everything or fail (EINTR/short writes)
 *   os_pread_all, os_pwrite_all  the same at a file offset
 *   os_fsync_path_dir          make a file and its directory entry durable
 *   os_fsync_dir               make a directory's entries durable
 *   path_create                create the directories leading to a path
 *   chk_notsymlink             refuse symlinked/hard-linked lock names
 *   set_mbx_protections        chmod a new mailbox per namespace policy
 *   get_dir_protection         directory mode for a mailbox's namespace
 */

#include "internal.h"

#include <libgen.h>

/* Write all of buf; returns len, or -1 with errno set (never a short count) */
long
os_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  size_t left = len;

  while (left > 0) {
    ssize_t n = write (fd, p, left);

    if (n < 0) {
      if (errno == EINTR)
	continue;
      return -1;
    }
    if (n == 0) {		/* should not happen for regular files */
      errno = ENOSPC;
      return -1;
    }
    p += n;
    left -= (size_t) n;
  }
  return (long) len;
}

/* UW's name for the same thing: nbytes on success, -1 on error */
long
safe_write (int fd, char *buf, long nbytes)
{
  if (nbytes < 0) {
    errno = EINVAL;
    return -1;
  }
  return os_write_all (fd, buf, (size_t) nbytes);
}

/* pread or pwrite all of len bytes at off, retrying EINTR and short
 * counts.  A count of 0 is the end of the file (EIO) or a full disk
 * (ENOSPC). */
static int
prw_all (int fd, char *p, size_t len, off_t off, int writing)
{
  while (len > 0) {
    ssize_t n = writing ? pwrite (fd, p, len, off) : pread (fd, p, len, off);

    if (n < 0) {
      if (errno == EINTR)
	continue;
      return -1;
    }
    if (n == 0) {
      errno = writing ? ENOSPC : EIO;
      return -1;
    }
    p += n;
    len -= (size_t) n;
    off += n;
  }
  return 0;
}

/* Read exactly len bytes at off; 0, or -1 with errno (EIO: the file ends
 * before off + len) */
int
os_pread_all (int fd, void *buf, size_t len, off_t off)
{
  return prw_all (fd, buf, len, off, 0);
}

/* Write all of buf at off; 0, or -1 with errno */
int
os_pwrite_all (int fd, const void *buf, size_t len, off_t off)
{
  return prw_all (fd, (char *) buf, len, off, 1);	/* only read from */
}

static int
fsync_one (const char *path, int flags)
{
  int fd, ret, save;

  do
    fd = open (path, flags | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return -1;
  ret = fsync (fd);
  /* Some filesystems refuse fsync on directories; that is not our failure */
  if (ret < 0 && (flags & O_DIRECTORY) && (errno == EINVAL || errno == EROFS))
    ret = 0;
  save = errno;
  close (fd);
  errno = save;
  return ret;
}

/* fsync a directory, so that the names created or removed in it are
 * durable.  0 on success (or when the filesystem cannot fsync directories),
 * -1 with errno. */
int
os_fsync_dir (const char *dir)
{
  return fsync_one (dir, O_RDONLY | O_DIRECTORY);
}

/* fsync the file at path and then its directory, so that a rename or a
 * create is durable.  0 on success, -1 with errno. */
int
os_fsync_path_dir (const char *path)
{
  char *copy;
  int ret;

  if (!path || !*path) {
    errno = EINVAL;
    return -1;
  }
  if (fsync_one (path, O_RDONLY) < 0)
    return -1;
  copy = cpystr (path);		/* dirname() may modify its argument */
  ret = os_fsync_dir (dirname (copy));
  fs_give ((void **) &copy);
  return ret;
}

/* Which namespace a mailbox name or file path belongs to, for protections */
enum ns_kind { NS_HOME, NS_FTP, NS_PUBLIC, NS_SHARED };

static int
under_dir (const char *path, const char *dir)
{
  size_t n;

  if (!dir || !*dir)
    return 0;
  n = strlen (dir);
  while (n > 1 && dir[n - 1] == '/')
    n--;
  return !strncmp (path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

static enum ns_kind
ns_kind_of (const char *name)
{
  if (!name)
    return NS_HOME;
  if (!strncasecmp (name, "#ftp/", 5))
    return NS_FTP;
  if (!strncasecmp (name, "#public/", 8))
    return NS_PUBLIC;
  if (!strncasecmp (name, "#shared/", 8))
    return NS_SHARED;
  /* A file path inside one of the namespace homes counts as that namespace */
  if (*name == '/') {
    if (under_dir (name, env_parameters (GET_FTPHOME, NIL)))
      return NS_FTP;
    if (under_dir (name, env_parameters (GET_PUBLICHOME, NIL)))
      return NS_PUBLIC;
    if (under_dir (name, env_parameters (GET_SHAREDHOME, NIL)))
      return NS_SHARED;
  }
  return NS_HOME;
}

/* The env_parameters() value for mailbox's namespace; codes[] is indexed
 * by enum ns_kind */
static long
ns_parameter (char *mailbox, const long codes[4])
{
  return (long) env_parameters (codes[ns_kind_of (mailbox)], NIL);
}

long
get_dir_protection (char *mailbox)
{
  static const long codes[4] = {
    [NS_HOME] = GET_DIRPROTECTION, [NS_FTP] = GET_FTPDIRPROTECTION,
    [NS_PUBLIC] = GET_PUBLICDIRPROTECTION,
    [NS_SHARED] = GET_SHAREDDIRPROTECTION,
  };
  return ns_parameter (mailbox, codes);
}

static long
get_mbx_protection (char *mailbox)
{
  static const long codes[4] = {
    [NS_HOME] = GET_MBXPROTECTION, [NS_FTP] = GET_FTPPROTECTION,
    [NS_PUBLIC] = GET_PUBLICPROTECTION, [NS_SHARED] = GET_SHAREDPROTECTION,
  };
  return ns_parameter (mailbox, codes);
}

/* Give a newly created mailbox (file or directory) at path the protection
 * its namespace calls for.  A directory also gets the search bit wherever
 * the mode grants read or write, and keeps its set-group-ID bit.  chmod
 * failure is not fatal (the file may belong to someone else), as in UW. */
long
set_mbx_protections (char *mailbox, char *path)
{
  struct stat sbuf;
  mode_t mode = (mode_t) get_mbx_protection (mailbox) & 07777;

  if (!path || !*path)
    return NIL;
  if (!stat (path, &sbuf) && S_ISDIR (sbuf.st_mode)) {
    if (mode & 0600)
      mode |= 0100;
    if (mode & 060)
      mode |= 010;
    if (mode & 06)
      mode |= 01;
    if (sbuf.st_mode & S_ISGID)
      mode |= S_ISGID;
  }
  (void) chmod (path, mode);
  return LONGT;
}

/* Create every missing directory leading to path: for "a/b/c" that is a and
 * a/b; for "a/b/c/" also a/b/c, which (as in UW) must not exist yet.  Never
 * creates a file: callers create the final file themselves (O_CREAT|O_EXCL).
 * The mode is get_dir_protection() of the path.  T on success; NIL with an
 * error logged otherwise ("//" in the path is refused: it would make two
 * mailbox names for one file). */
long
path_create (MAILSTREAM *stream, char *path)
{
  char *copy, *s;
  mode_t mode;
  long ret = LONGT;

  if (!path || !*path) {
    mail_log (stream, ERROR, "Can't create directory: empty path");
    return NIL;
  }
  if (strlen (path) > LIM_MAILBOX_NAME * 4) {
    mail_log (stream, ERROR, "Can't create directory: path too long");
    return NIL;
  }
  if (strstr (path, "//")) {
    mail_log (stream, ERROR, "Can't create %.200s: invalid name (empty "
	      "hierarchy level)", path);
    return NIL;
  }
  mode = (mode_t) get_dir_protection (path) & 07777;
  copy = cpystr (path);
  for (s = copy + 1; ret && (s = strchr (s, '/')) != NULL; s++) {
    struct stat sbuf;
    int last = !s[1];		/* the trailing '/' of "a/b/c/" */

    *s = '\0';
    if (mkdir (copy, mode) == 0)
      set_mbx_protections (copy, copy);
    else if (errno != EEXIST || last || stat (copy, &sbuf) ||
	     !S_ISDIR (sbuf.st_mode)) {
      mail_log (stream, ERROR, "Can't create mailbox node %.200s: %s", copy,
		errno != EEXIST ? strerror (errno) : last && !stat (copy, &sbuf)
		&& S_ISDIR (sbuf.st_mode) ? "directory already exists"
		: "a file is in the way");
      ret = NIL;
    }
    *s = '/';
  }
  fs_give ((void **) &copy);
  return ret;
}

/* Check that a lock name is not a symbolic or hard link, so that a hostile
 * user cannot make us open or truncate some other file through it.
 * Returns -1 if name does not exist, NIL (with a security alert logged) if
 * it is a link, T otherwise.  sbuf (struct stat *) receives lstat(). */
long
chk_notsymlink (char *name, void *sbuf)
{
  struct stat *sb = sbuf;

  if (lstat (name, sb))
    return -1;
  if (S_ISLNK (sb->st_mode)) {
    mail_log (NIL, ERROR, "SECURITY ALERT: symbolic link on lock name %.200s",
	      name);
    return NIL;
  }
  if (!S_ISDIR (sb->st_mode) && sb->st_nlink != 1) {
    mail_log (NIL, ERROR, "SECURITY ALERT: hard link to lock name %.200s",
	      name);
    return NIL;
  }
  return LONGT;
}

void os_host_name_part (struct buf *b)
{
  char host[256];
  size_t i;

  if (gethostname (host, sizeof host) < 0)
    host[0] = '\0';
  host[sizeof host - 1] = '\0';
  for (i = 0; host[i]; i++)	/* a name, not a path or shell words */
    if (host[i] == '/' || (unsigned char) host[i] <= ' '
	|| (unsigned char) host[i] >= 0x7f)
      host[i] = '_';
  buf_puts (b, host[0] ? host : "localhost");
}

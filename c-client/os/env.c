/*
 * Bamboo IMAP c-client: the process environment.
 *
 * Who we are (user, home), where the spool INBOX is, the local host name,
 * how a mailbox name maps to a file (mailboxfile), the namespaces, and the
 * 200/500-block mail_parameters() codes.  All state is in one static struct
 * so it is easy to see what a process carries around.  See CONFIG.
 */

#include "env-int.h"
#include "linkage.h"

#include <pwd.h>
#include <netdb.h>
#include <sys/socket.h>

#if defined __has_include
# if __has_include("bamboo-config.h")
#  include "bamboo-config.h"
# endif
#endif
#ifndef BAMBOO_MAILSPOOL
# ifdef MAILSPOOL
#  define BAMBOO_MAILSPOOL MAILSPOOL
# else
#  define BAMBOO_MAILSPOOL "/var/mail"
# endif
#endif

enum { NS_HOME, NS_MHINBOX, NS_MH, NS_OTHER, NS_FTP, NS_PUBLIC, NS_SHARED,
  NS_NEWS, NS_COUNT };

static struct env_state {
  /* identity */
  char *user;			/* logged-in user, NIL before */
  char *home;			/* home directory, NIL if unknown */
  int looked_up;		/* tried getpwuid(geteuid()) */
  int anonymous;
  char *mbxroot;		/* cache: home[/mailsubdir] */
  char *localhost;		/* cache or SET_LOCALHOST */
  char *sysinbox_set;		/* SET_SYSINBOX / "set system-inbox" */
  char *sysinbox_cache;		/* MAILSPOOL/user */
  char *spooldir;		/* SET_MAILSPOOLDIR / "set mail-spool-directory" */
  char *checkpassword;		/* SET_CHECKPASSWORD / "set checkpassword" */
  char *tlscertdir, *tlskeydir;	/* "set tls-certificate-directory" ... */
  char *mlockpath;		/* "set mlock-path" (os/dotlock.c) */
  /* places */
  char *mailsubdir;
  char *ftphome, *publichome, *sharedhome, *anonymoushome;
  int homes_looked_up;		/* tried getpwnam("ftp") etc. */
  char *snarfname;
  char *inboxpath;
  char *newfolderformat;
  char *keywords[NUSERFLAGS];
  /* protections */
  long mbxprot, dirprot, lockprot;
  long ftpprot, publicprot, sharedprot;
  long ftpdirprot, publicdirprot, shareddirprot;
  /* switches and numbers */
  long listmaxlevel, hidedotfiles, disableplaintext, userhasnolife;
  long snarfinterval, snarfpreserve, locktimeout, disablefcntllock;
  long lockeaccesserror, netfsstatbug, advertisetheworld, limitedadvertise;
  long disableautosharedns, disable822tztext, chrootserver;
  long restrictbox, allowuserconfig;
  /* namespaces: a fixed pool relinked on change, so pointers handed out by
   * GET_NAMESPACE stay valid for the life of the process */
  NAMESPACE ns[NS_COUNT];
  NAMESPACE *nslist[3];
  int ns_valid;
} env = {
  .mbxprot = 0600, .dirprot = 0700, .lockprot = 0666,
  .ftpprot = 0644, .publicprot = 0666, .sharedprot = 0660,
  .ftpdirprot = 0755, .publicdirprot = 0777, .shareddirprot = 0770,
  .listmaxlevel = 20, .snarfinterval = 60, .locktimeout = 5,
  .lockeaccesserror = 1,
};

static int driver_linked (const char *name);
static void join_path (struct buf *b, const char *dir, const char *name);
static int env_closed (void);

/* ---------------------------------------------------------------- helpers */

static void
setstr (char **slot, const char *value)
{
  if (*slot)
    fs_give ((void **) slot);
  if (value)
    *slot = cpystr (value);
}

static void
env_changed (void)
{
  if (env.mbxroot)
    fs_give ((void **) &env.mbxroot);
  if (env.sysinbox_cache)
    fs_give ((void **) &env.sysinbox_cache);
  env.ns_valid = 0;
}

/* A copy of dir without trailing slashes ("/" stays "/") */
static char *
strip_slashes (const char *dir)
{
  char *s = cpystr (dir);
  size_t n = strlen (s);

  while (n > 1 && s[n - 1] == '/')
    s[--n] = '\0';
  return s;
}

static int
is_dir (const char *path)
{
  struct stat sbuf;

  return path && *path && !stat (path, &sbuf) && S_ISDIR (sbuf.st_mode);
}

/* Who runs us, when nobody called env_init(): an ordinary user is logged in
 * as themselves; root is "not logged in" (a server before login) but still
 * gets a home directory so local tools work. */
static void
env_lookup_self (void)
{
  uid_t euid = geteuid ();
  struct passwd *pw;
  const char *h;
  char *home = NIL;

  if (env.looked_up)
    return;
  env.looked_up = 1;
  if (!(pw = getpwuid (euid))) {
    mail_log (NIL, ERROR, "Unable to look up user id %lu in the password file",
	      (unsigned long) euid);
    env_config_load_once ();
    return;
  }
  /* $HOME wins when it names a directory, as for any Unix tool */
  h = getenv ("HOME");
  if (h && *h == '/' && strlen (h) < NETMAXMBX && is_dir (h))
    home = strip_slashes (h);
  else if (pw->pw_dir && *pw->pw_dir)
    home = strip_slashes (pw->pw_dir);
  if (euid)
    env_init (pw->pw_name, home);
  else {
    if (!env.home && home)
      env.home = cpystr (home);
    env_changed ();
    env_config_load_once ();
  }
  if (home)
    fs_give ((void **) &home);
}

/* getpwnam("ftp") etc. for the shared namespaces, once, unless configured */
static void
env_lookup_homes (void)
{
  struct passwd *pw;

  if (env.homes_looked_up)
    return;
  env.homes_looked_up = 1;
  /* a chroot-server session has no shared namespaces (and probably no
   * password file to look them up in) */
  if (env.disableautosharedns || env_closed ())
    return;
  if (!env.ftphome && (pw = getpwnam ("ftp")) && is_dir (pw->pw_dir))
    env.ftphome = strip_slashes (pw->pw_dir);
  if (!env.publichome && (pw = getpwnam ("imappublic")) && is_dir (pw->pw_dir))
    env.publichome = strip_slashes (pw->pw_dir);
  if (!env.anonymous && !env.sharedhome && (pw = getpwnam ("imapshared")) &&
      is_dir (pw->pw_dir))
    env.sharedhome = strip_slashes (pw->pw_dir);
}

/* ---------------------------------------------------------------- identity */

long
env_init (char *user, char *home)
{
  env_config_load_once ();
  env.looked_up = 1;		/* explicit init beats getpwuid() */
  env.anonymous = !user;
  setstr (&env.user, user ? user : ANONYMOUSUSER);
  if (!home && env.anonymous)
    home = env.anonymoushome ? env.anonymoushome
      : BAMBOO_MAILSPOOL "/anonymous";
  if (home) {
    char *h = strip_slashes (home);

    setstr (&env.home, h);
    fs_give ((void **) &h);
  }
  else if (env.home)
    fs_give ((void **) &env.home);
  env_changed ();
  /* the shared namespaces' homes are looked up when first needed: three
   * password-file lookups (through NSS modules) would cost every login */
  env.homes_looked_up = 0;
  /* per-user files only when the administrator allows them */
  if (env.allowuserconfig && !env.anonymous && env.home) {
    struct buf b = BUF_INIT;

    buf_printf (&b, "%s/.mminit", env.home);
    dorc ((char *) buf_cstr (&b), LONGT);
    buf_reset (&b);
    buf_printf (&b, "%s/.imaprc", env.home);
    dorc ((char *) buf_cstr (&b), LONGT);
    buf_free (&b);
  }
  return LONGT;
}

char *
myusername_full (unsigned long *flags)
{
  if (!env.user)
    env_lookup_self ();
  if (env.user) {
    if (flags)
      *flags = env.anonymous ? MU_ANONYMOUS : MU_LOGGEDIN;
    return env.user;
  }
  if (flags)
    *flags = MU_NOTLOGGEDIN;
  return UNLOGGEDUSER;
}

char *
myhomedir (void)
{
  if (!env.home)
    env_lookup_self ();
  return env.home ? env.home : "";
}

char *
mylocalhost (void)
{
  char name[NETMAXHOST + 1];
  struct addrinfo hints, *ai = NIL;

  if (env.localhost)
    return env.localhost;
  if (gethostname (name, sizeof name - 1) || !*name)
    snprintf (name, sizeof name, "%s", "localhost");
  name[sizeof name - 1] = '\0';
  memset (&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_CANONNAME;
  if (!getaddrinfo (name, NIL, &hints, &ai) && ai && ai->ai_canonname &&
      *ai->ai_canonname && strlen (ai->ai_canonname) < NETMAXHOST)
    env.localhost = cpystr (ai->ai_canonname);
  else
    env.localhost = cpystr (name);
  if (ai)
    freeaddrinfo (ai);
  return env.localhost;
}

/* The INBOX file: ~/INBOX under chroot-server (the spool is outside the
 * chroot, so this beats "set system-inbox" too), else "set system-inbox",
 * else the spool directory's file named after the user. */
char *
sysinbox (void)
{
  struct buf b = BUF_INIT;
  const char *user = myusername ();	/* loads the configuration */

  if (env_closed () && *myhomedir ()) {
    if (!env.sysinbox_cache) {
      join_path (&b, myhomedir (), "INBOX");
      env.sysinbox_cache = buf_detach (&b);
    }
    return env.sysinbox_cache;
  }
  if (env.sysinbox_set)
    return env.sysinbox_set;
  if (!env.sysinbox_cache) {
    buf_printf (&b, "%s/%s", env.spooldir ? env.spooldir : BAMBOO_MAILSPOOL,
		user);
    env.sysinbox_cache = buf_detach (&b);
  }
  return env.sysinbox_cache;
}

const char *
env_mailbox_root (void)
{
  const char *home = myhomedir ();
  struct buf b = BUF_INIT;

  /* anonymous sessions have no mailboxes of their own: nothing to list */
  if (!*home || env.anonymous)
    return "";
  if (!env.mbxroot) {
    if (env.mailsubdir && *env.mailsubdir) {
      join_path (&b, home, env.mailsubdir);
      while (b.len > 1 && b.data[b.len - 1] == '/')
	buf_truncate (&b, b.len - 1);
    }
    else
      buf_puts (&b, home);
    env.mbxroot = buf_detach (&b);
  }
  return env.mbxroot;
}

/* ---------------------------------------------------------------- names */

/* The policy that applies to a name.  Three modes narrow what a session
 * may name (CONFIG, "Mailbox name policy"):
 *   restrict-mailbox-access (env.restrictbox): RESTRICTROOT limits
 *     absolute names to the spool INBOX and the home directory,
 *     RESTRICTOTHERUSER refuses ~user;
 *   chroot-server (env.chrootserver): the session lives in its home
 *     directory, INBOX is ~/INBOX, no shared namespaces, no ~user;
 *   anonymous: only #public/, #ftp/ and #news. (no INBOX, no own names).
 * Anonymous rules win over chroot-server: an anonymous session has no
 * home of its own to be closed into. */
static int
env_closed (void)
{
  return env.chrootserver && !env.anonymous;
}

/* dir + "/" + name, without doubling the slash when dir is "/" */
static void
join_path (struct buf *b, const char *dir, const char *name)
{
  buf_puts (b, dir);
  if (!(dir[0] == '/' && !dir[1]))
    buf_putc (b, '/');
  buf_puts (b, name);
}

/* Is the absolute name the home directory or inside it?  Textual: the
 * caller has already refused "..", "//" and "/~" for restricted sessions.
 * A home of "/" covers everything only in a chroot, where "/" is home. */
static int
env_under_home (const char *name)
{
  const char *home = myhomedir ();
  size_t n = strlen (home);

  if (!n || *home != '/')
    return 0;
  if (n == 1)
    return env_closed ();
  return !strncmp (name, home, n) && (name[n] == '/' || !name[n]);
}

int
env_name_allowed (const char *name, const char **error_r)
{
  /* UW's rule: a name that can climb out of its tree ("..", an empty
   * level "//", or "/~" which some code reads as a home) is refused in
   * the #namespaces and whenever the session is restricted at all. */
  if ((env.anonymous || env.restrictbox || env.chrootserver || *name == '#')
      && (strstr (name, "..") || strstr (name, "//") || strstr (name, "/~"))) {
    *error_r = "mailbox names may not contain \"..\", \"//\" or \"/~\" "
      "on this server";
    return 0;
  }
  return 1;
}

static int
prefix_ci (const char *s, const char *prefix)
{
  return !strncasecmp (s, prefix, strlen (prefix));
}

/* "INBOX" in any case becomes "INBOX"; anything else is kept */
static const char *
canon_inbox (const char *name)
{
  return strcasecmp (name, "INBOX") ? name : "INBOX";
}

/* #ftp/, #public/, #shared/ (and the refusals for #news. and the rest) */
static int
path_namespace (struct buf *b, const char *name, const char **error_r)
{
  if (env_closed ()) {
    *error_r = "shared namespaces are not available on this server "
      "(chroot-server)";
    return -1;
  }
  env_lookup_homes ();
  if (prefix_ci (name, "#ftp/")) {
    if (!env.ftphome) {
      *error_r = "#ftp/ is not configured on this server";
      return -1;
    }
    join_path (b, env.ftphome, name + 5);
  }
  else if (prefix_ci (name, "#public/")) {
    if (!env.publichome) {
      *error_r = "#public/ is not configured on this server";
      return -1;
    }
    join_path (b, env.publichome, canon_inbox (name + 8));
  }
  else if (prefix_ci (name, "#shared/")) {
    if (env.anonymous) {
      *error_r = "#shared/ is not available to anonymous sessions";
      return -1;
    }
    if (!env.sharedhome) {
      *error_r = "#shared/ is not configured on this server";
      return -1;
    }
    join_path (b, env.sharedhome, canon_inbox (name + 8));
  }
  else if (prefix_ci (name, "#news.")) {
    *error_r = driver_linked ("news") ? "#news. names are not local files"
      : "no news service on this server (#news. names are not available)";
    return -1;
  }
  else {
    *error_r = "unknown namespace (the NAMESPACE command lists this "
      "server's namespaces)";
    return -1;
  }
  return 0;
}

/* "/..." names */
static int
path_absolute (struct buf *b, const char *name, const char **error_r)
{
  if (env.anonymous) {
    *error_r = "anonymous sessions may not use absolute names";
    return -1;
  }
  if (env_closed () && !env_under_home (name)) {
    *error_r = "absolute names outside your home directory are not "
      "available on this server (chroot-server)";
    return -1;
  }
  if ((env.restrictbox & RESTRICTROOT) && strcmp (name, sysinbox ()) &&
      !env_under_home (name)) {
    *error_r = "absolute names are restricted on this server: use your "
      "INBOX or names under your home directory";
    return -1;
  }
  buf_puts (b, name);
  return 0;
}

/* ~user[/name]: another user's mailbox directory */
static int
path_other_user (struct buf *b, const char *name, const char **error_r)
{
  char user[NETMAXUSER + 1];
  const char *s = strchr (name, '/');
  size_t ulen = s ? (size_t) (s - name) : strlen (name);
  struct passwd *pw;
  char *dir;

  if (ulen > NETMAXUSER) {
    *error_r = "user name too long";
    return -1;
  }
  memcpy (user, name, ulen);
  user[ulen] = '\0';
  if (!(pw = getpwnam (user)) || !pw->pw_dir) {
    *error_r = "no such user";
    return -1;
  }
  s = s ? s + 1 : "";
  dir = strip_slashes (pw->pw_dir);
  if ((env.restrictbox & RESTRICTROOT) && !strcmp (dir, "/")) {
    fs_give ((void **) &dir);
    *error_r = "that user's home is the root directory, which is "
      "restricted on this server";
    return -1;
  }
  if (!strcmp (dir, "/"))
    dir[0] = '\0';
  if (env.mailsubdir && *env.mailsubdir)
    buf_printf (b, "%s/%s/%s", dir, env.mailsubdir, canon_inbox (s));
  else
    buf_printf (b, "%s/%s", dir, canon_inbox (s));
  fs_give ((void **) &dir);
  return 0;
}

/* "~/name" and "~user/name" */
static int
path_tilde (struct buf *b, const char *name, const char **error_r)
{
  if (env.anonymous) {
    *error_r = "anonymous sessions may only use #public/, #ftp/ and "
      "#news. names";
    return -1;
  }
  if (!name[1]) {
    *error_r = "invalid name \"~\": use ~/name for your own mailboxes";
    return -1;
  }
  if (name[1] == '/') {		/* ~/x is the same as x */
    if (!*env_mailbox_root ()) {
      *error_r = "no home directory";
      return -1;
    }
    join_path (b, env_mailbox_root (), name + 2);
    return 0;
  }
  if (env_closed () || (env.restrictbox & RESTRICTOTHERUSER)) {
    *error_r = "other users' mailboxes (~user) are not available on this "
      "server";
    return -1;
  }
  return path_other_user (b, name + 1, error_r);
}

/* INBOX and the ordinary, relative names */
static int
path_plain (struct buf *b, const char *name, const char **error_r)
{
  if (env.anonymous) {
    *error_r = !strcasecmp (name, "INBOX")
      ? "anonymous sessions have no INBOX: use #public/ or #ftp/ names"
      : "anonymous sessions may only use #public/, #ftp/ and #news. names";
    return -1;
  }
  if (!strcasecmp (name, "INBOX")) {
    /* Closed into the home directory, INBOX is the file ~/INBOX.
     * Otherwise "": the driver picks the spool file (or ~/mbox). */
    if (env_closed ())
      buf_puts (b, sysinbox ());
    return 0;
  }
  if (!*env_mailbox_root ()) {
    *error_r = "no home directory";
    return -1;
  }
  join_path (b, env_mailbox_root (), name);
  return 0;
}

char *
env_mailbox_path (const char *name, const char **error_r)
{
  struct buf b = BUF_INIT;
  int r;

  if (!name || !*name) {
    *error_r = "empty mailbox name";
    return NIL;
  }
  if (*name == '{') {
    *error_r = "network mailbox names have no local file";
    return NIL;
  }
  if (strlen (name) > LIM_MAILBOX_NAME) {
    *error_r = "mailbox name too long";
    return NIL;
  }
  /* identity and configuration must be known before the policy is */
  myusername ();
  if (!env_name_allowed (name, error_r))
    return NIL;
  switch (*name) {
  case '#':
    r = path_namespace (&b, name, error_r);
    break;
  case '/':
    r = path_absolute (&b, name, error_r);
    break;
  case '~':
    r = path_tilde (&b, name, error_r);
    break;
  default:
    r = path_plain (&b, name, error_r);
    break;
  }
  if (r < 0) {
    buf_free (&b);
    return NIL;
  }
  return buf_detach (&b);
}

/* UW's API: path into dst (MAILTMPLEN); "" = spool INBOX; NIL if the name
 * is not allowed or the path would not fit. */
char *
mailboxfile (char *dst, char *name)
{
  const char *error;
  char *path = env_mailbox_path (name, &error);
  size_t n;

  if (!path)
    return NIL;
  n = strlen (path);
  if (n >= MAILTMPLEN) {
    fs_give ((void **) &path);
    return NIL;
  }
  memcpy (dst, path, n + 1);
  fs_give ((void **) &path);
  return dst;
}

/* The directory to list for dir+name ("" + "" means the mailbox root). */
char *
mailboxdir (char *dst, char *dir, char *name)
{
  struct buf b = BUF_INIT;
  char *ret;

  if (!dir && !name) {
    const char *root = env_mailbox_root ();
    size_t n = strlen (root);

    if (n >= MAILTMPLEN)
      return NIL;
    memcpy (dst, root, n + 1);
    return dst;
  }
  if ((dir && strlen (dir) > NETMAXMBX) || (name && strlen (name) > NETMAXMBX))
    return NIL;
  if (dir)
    buf_puts (&b, dir);
  if (name)
    buf_puts (&b, name);
  ret = mailboxfile (dst, (char *) buf_cstr (&b));
  buf_free (&b);
  return ret;
}

/* ---------------------------------------------------------------- keywords */

int
env_set_keywords (const char *list, const char **error_r)
{
  char *kw[NUSERFLAGS];
  int n = 0, i;
  const char *s = list, *e;

  memset (kw, 0, sizeof kw);
  while (s && *s) {
    while (*s == ' ' || *s == ',')
      s++;
    if (!*s)
      break;
    for (e = s; *e && *e != ','; e++)
      ;
    {
      size_t len = (size_t) (e - s);

      while (len && s[len - 1] == ' ')
	len--;
      if (len > MAXUSERFLAG || n >= NUSERFLAGS ||
	  strcspn (s, " (){]%*\"\\") < len) {
	*error_r = len > MAXUSERFLAG ? "keyword too long"
	  : n >= NUSERFLAGS ? "too many keywords" : "invalid keyword";
	for (i = 0; i < n; i++)
	  fs_give ((void **) &kw[i]);
	return -1;
      }
      kw[n] = fs_get (len + 1);
      memcpy (kw[n], s, len);
      kw[n++][len] = '\0';
    }
    s = e;
  }
  for (i = 0; i < NUSERFLAGS; i++) {
    if (env.keywords[i])
      fs_give ((void **) &env.keywords[i]);
    env.keywords[i] = kw[i];
  }
  return 0;
}

char *
default_user_flag (unsigned long i)
{
  myusername ();
  return i < NUSERFLAGS ? env.keywords[i] : NIL;
}

/* Preset the stream's keywords from "set keywords" (UW semantics). */
MAILSTREAM *
user_flags (MAILSTREAM *stream)
{
  int i;

  myusername ();
  for (i = 0; i < NUSERFLAGS && env.keywords[i]; i++)
    if (!stream->user_flags[i])
      stream->user_flags[i] = cpystr (env.keywords[i]);
  return stream;
}

/* ---------------------------------------------------------------- settings */

void env_set_restrictbox (long bits) { env.restrictbox = bits; env.ns_valid = 0; }
long env_get_restrictbox (void) { return env.restrictbox; }
void env_set_allow_user_config (int on) { env.allowuserconfig = on; }
int env_get_allow_user_config (void) { return (int) env.allowuserconfig; }
void env_set_new_folder_format (const char *d) { setstr (&env.newfolderformat, d); }
const char *env_get_new_folder_format (void) { return env.newfolderformat; }

long
env_parse_mode (const char *s)
{
  char *end;
  long v;

  if (!s || !*s)
    return -1;
  errno = 0;
  v = strtol (s, &end, 0);	/* "0600" octal, "384" decimal, as UW */
  while (*end == ' ' || *end == '\t')
    end++;
  if (errno || *end || v < 0 || v > 07777)
    return -1;
  return v;
}

/* ---------------------------------------------------------------- formats */

/* The driver that makes new mailboxes: "set new-folder-format NAME" (or
 * "same-as-inbox"), else the unix (mbox) driver, as UW. */
DRIVER *
env_create_driver (void)
{
  const char *fmt = env.newfolderformat;
  DRIVER *d = NIL;

  if (fmt && !strcasecmp (fmt, "same-as-inbox"))
    d = mail_valid (NIL, "INBOX", NIL);
  else if (fmt)
    d = mail_parameters (NIL, GET_DRIVER, (void *) fmt);
  if (!d || !d->create || !(d->flags & DR_LOCAL) || (d->flags & DR_DISABLE)
      || !strcmp (d->name, "dummy"))
    d = &unixdriver;
  return d;
}

/* UW: the prototype stream of the default format, for create (NIL) and
 * for appending to an empty file (T); both are the same driver here. */
MAILSTREAM *
default_proto (long type)
{
  DRIVER *d;

  myusername ();		/* loads the configuration */
  d = env_create_driver ();
  return d->open ? (*d->open) (NIL) : NIL;
}

/* ---------------------------------------------------------------- namespaces */

static int
driver_linked (const char *name)
{
  return mail_parameters (NIL, GET_DRIVER, (void *) name) != NIL;
}

static void
ns_set (int i, const char *name, int delim, NAMESPACE *next)
{
  env.ns[i].name = (char *) name;
  env.ns[i].delimiter = delim;
  env.ns[i].param = NIL;
  env.ns[i].next = next;
}

/* Personal: "" (plus "#mhinbox" and "#mh/" when an MH driver is linked
 * and the user has ~/.mh_profile); other users: "~" */
static void
ns_personal (void)
{
  struct buf b = BUF_INIT;
  struct stat sbuf;

  ns_set (NS_HOME, "", '/', NIL);
  env.nslist[0] = &env.ns[NS_HOME];
  buf_printf (&b, "%s/.mh_profile", myhomedir ());
  if (*myhomedir () && !stat (buf_cstr (&b), &sbuf) && S_ISREG (sbuf.st_mode)
      && driver_linked ("mh")) {
    ns_set (NS_MH, "#mh/", '/', NIL);
    ns_set (NS_MHINBOX, "#mhinbox", NIL, &env.ns[NS_MH]);
    env.ns[NS_HOME].next = &env.ns[NS_MHINBOX];
  }
  buf_free (&b);
  if (!env_closed () && !(env.restrictbox & RESTRICTOTHERUSER)) {
    ns_set (NS_OTHER, "~", '/', NIL);
    env.nslist[1] = &env.ns[NS_OTHER];
  }
}

/* Shared, in UW's order: #shared/, #ftp/, #news., #public/ */
static void
ns_shared (void)
{
  NAMESPACE **tail = &env.nslist[2];

  if (env.sharedhome && !env.anonymous) {
    ns_set (NS_SHARED, "#shared/", '/', NIL);
    *tail = &env.ns[NS_SHARED];
    tail = &env.ns[NS_SHARED].next;
  }
  if (env.ftphome) {
    ns_set (NS_FTP, "#ftp/", '/', NIL);
    *tail = &env.ns[NS_FTP];
    tail = &env.ns[NS_FTP].next;
  }
  if (driver_linked ("news")) {
    ns_set (NS_NEWS, "#news.", '.', NIL);
    *tail = &env.ns[NS_NEWS];
    tail = &env.ns[NS_NEWS].next;
  }
  if (env.publichome) {
    ns_set (NS_PUBLIC, "#public/", '/', NIL);
    *tail = &env.ns[NS_PUBLIC];
  }
}

/* UW advertises a fixed set; we advertise only what env_mailbox_path()
 * accepts (or a linked driver serves): anonymous sessions get the shared
 * namespaces without #shared/; chroot-server sessions only the personal
 * one; "~" is hidden by restrict-mailbox-access otherusers; a shared
 * namespace appears when its home directory is known. */
static void
env_build_namespaces (void)
{
  if (env.ns_valid)
    return;
  myusername ();
  env_lookup_homes ();
  memset (env.nslist, 0, sizeof env.nslist);
  if (!env.anonymous)
    ns_personal ();
  if (!env_closed ())
    ns_shared ();
  env.ns_valid = 1;
}

/* ---------------------------------------------------------------- parameters */

#define STR_PARAM(GET, SET, field, extra)			\
  case GET: ret = (void *) env.field; break;			\
  case SET: setstr (&env.field, (char *) value); extra;		\
    ret = (void *) env.field; break;

#define BOOL_PARAM(GET, SET, field, extra)			\
  case GET: ret = (void *) env.field; break;			\
  case SET: env.field = value ? 1 : 0; extra;			\
    ret = (void *) env.field; break;

#define LONG_PARAM(GET, SET, field, extra)			\
  case GET: ret = (void *) env.field; break;			\
  case SET: env.field = (long) value; extra;			\
    ret = (void *) env.field; break;

void *
env_parameters (long function, void *value)
{
  void *ret = NIL;

  /* The system file first, so that an application's own settings, made
   * after this, win over it (the file is read only once). */
  env_config_load_once ();
  switch (function) {
  case GET_NAMESPACE:
    env_build_namespaces ();
    ret = (void *) env.nslist;
    break;
  case SET_NAMESPACE:
    mail_log (NIL, ERROR, "SET_NAMESPACE is not supported: namespaces follow "
	      "from the configuration");
    break;
  case GET_USERNAME:
    ret = (void *) myusername ();
    break;
  case SET_USERNAME:
    setstr (&env.user, (char *) value);
    env.looked_up = 1;
    env_changed ();
    ret = (void *) env.user;
    break;
  case GET_HOMEDIR:
    ret = (void *) myhomedir ();
    break;
  case SET_HOMEDIR:
    if (value) {
      char *h = strip_slashes ((char *) value);

      setstr (&env.home, h);
      fs_give ((void **) &h);
    }
    else
      setstr (&env.home, NIL);
    env_changed ();
    ret = (void *) env.home;
    break;
  case GET_LOCALHOST:
    ret = (void *) mylocalhost ();
    break;
  case SET_LOCALHOST:
    setstr (&env.localhost, (char *) value);
    ret = (void *) env.localhost;
    break;
  case GET_SYSINBOX:
    ret = (void *) sysinbox ();
    break;
  case SET_SYSINBOX:
    setstr (&env.sysinbox_set, (char *) value);
    ret = (void *) sysinbox ();
    break;
  STR_PARAM (GET_MAILSUBDIR, SET_MAILSUBDIR, mailsubdir, env_changed ())
  STR_PARAM (GET_MAILSPOOLDIR, SET_MAILSPOOLDIR, spooldir, env_changed ())
  STR_PARAM (GET_CHECKPASSWORD, SET_CHECKPASSWORD, checkpassword,)
  STR_PARAM (GET_TLSCERTDIR, SET_TLSCERTDIR, tlscertdir,)
  STR_PARAM (GET_TLSKEYDIR, SET_TLSKEYDIR, tlskeydir,)
  STR_PARAM (GET_MLOCKPATH, SET_MLOCKPATH, mlockpath,)
  STR_PARAM (GET_ANONYMOUSHOME, SET_ANONYMOUSHOME, anonymoushome,)
  case GET_FTPHOME:
  case GET_PUBLICHOME:
  case GET_SHAREDHOME:
    env_lookup_homes ();	/* they are looked up lazily */
    ret = (void *) (function == GET_FTPHOME ? env.ftphome
		    : function == GET_PUBLICHOME ? env.publichome
		    : env.sharedhome);
    break;
  case SET_FTPHOME:
    setstr (&env.ftphome, (char *) value);
    env.ns_valid = 0;
    ret = (void *) env.ftphome;
    break;
  case SET_PUBLICHOME:
    setstr (&env.publichome, (char *) value);
    env.ns_valid = 0;
    ret = (void *) env.publichome;
    break;
  case SET_SHAREDHOME:
    setstr (&env.sharedhome, (char *) value);
    env.ns_valid = 0;
    ret = (void *) env.sharedhome;
    break;
  STR_PARAM (GET_SNARFMAILBOXNAME, SET_SNARFMAILBOXNAME, snarfname,)
  STR_PARAM (GET_INBOXPATH, SET_INBOXPATH, inboxpath,)
  LONG_PARAM (GET_MBXPROTECTION, SET_MBXPROTECTION, mbxprot,)
  LONG_PARAM (GET_DIRPROTECTION, SET_DIRPROTECTION, dirprot,)
  LONG_PARAM (GET_LOCKPROTECTION, SET_LOCKPROTECTION, lockprot,)
  LONG_PARAM (GET_FTPPROTECTION, SET_FTPPROTECTION, ftpprot,)
  LONG_PARAM (GET_PUBLICPROTECTION, SET_PUBLICPROTECTION, publicprot,)
  LONG_PARAM (GET_SHAREDPROTECTION, SET_SHAREDPROTECTION, sharedprot,)
  LONG_PARAM (GET_FTPDIRPROTECTION, SET_FTPDIRPROTECTION, ftpdirprot,)
  LONG_PARAM (GET_PUBLICDIRPROTECTION, SET_PUBLICDIRPROTECTION, publicdirprot,)
  LONG_PARAM (GET_SHAREDDIRPROTECTION, SET_SHAREDDIRPROTECTION, shareddirprot,)
  LONG_PARAM (GET_LISTMAXLEVEL, SET_LISTMAXLEVEL, listmaxlevel,)
  BOOL_PARAM (GET_HIDEDOTFILES, SET_HIDEDOTFILES, hidedotfiles,)
  LONG_PARAM (GET_DISABLEPLAINTEXT, SET_DISABLEPLAINTEXT, disableplaintext,)
  BOOL_PARAM (GET_USERHASNOLIFE, SET_USERHASNOLIFE, userhasnolife,)
  LONG_PARAM (GET_SNARFINTERVAL, SET_SNARFINTERVAL, snarfinterval,)
  BOOL_PARAM (GET_SNARFPRESERVE, SET_SNARFPRESERVE, snarfpreserve,)
  LONG_PARAM (GET_LOCKTIMEOUT, SET_LOCKTIMEOUT, locktimeout,)
  BOOL_PARAM (GET_DISABLEFCNTLLOCK, SET_DISABLEFCNTLLOCK, disablefcntllock,)
  BOOL_PARAM (GET_LOCKEACCESERROR, SET_LOCKEACCESERROR, lockeaccesserror,)
  BOOL_PARAM (GET_NETFSSTATBUG, SET_NETFSSTATBUG, netfsstatbug,)
  BOOL_PARAM (GET_ADVERTISETHEWORLD, SET_ADVERTISETHEWORLD, advertisetheworld,)
  BOOL_PARAM (GET_LIMITEDADVERTISE, SET_LIMITEDADVERTISE, limitedadvertise,)
  BOOL_PARAM (GET_DISABLEAUTOSHAREDNS, SET_DISABLEAUTOSHAREDNS,
	      disableautosharedns, env.ns_valid = 0)
  BOOL_PARAM (GET_DISABLE822TZTEXT, SET_DISABLE822TZTEXT, disable822tztext,)
  BOOL_PARAM (GET_CHROOTSERVER, SET_CHROOTSERVER, chrootserver,
	      env_changed (); env.homes_looked_up = 0)
  default:
    break;
  }
  return ret;
}

/* Free everything (for leak checkers at exit; tests call it). */
void
env_free_all (void)
{
  char **strs[] = { &env.user, &env.home, &env.mbxroot, &env.localhost,
    &env.sysinbox_set, &env.sysinbox_cache, &env.spooldir, &env.mailsubdir, &env.ftphome,
    &env.publichome, &env.sharedhome, &env.anonymoushome, &env.snarfname,
    &env.inboxpath, &env.newfolderformat };
  size_t i;

  for (i = 0; i < sizeof strs / sizeof strs[0]; i++)
    if (*strs[i])
      fs_give ((void **) strs[i]);
  for (i = 0; i < NUSERFLAGS; i++)
    if (env.keywords[i])
      fs_give ((void **) &env.keywords[i]);
  env.looked_up = env.homes_looked_up = 0;
  env.ns_valid = 0;
}

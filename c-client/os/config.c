/*
 * Bamboo IMAP c-client: /etc/c-client.cf (UW's dorc()).
 *
 * The file is a list of lines; blank lines and lines starting with '#' are
 * ignored, "I accept the risk for IMAP toolkit ..." (older UW releases
 * required it as the first line) is accepted and ignored, and every other
 * line is "set NAME VALUE".  An unknown or bad line is a warning, never
 * fatal: a typo in the configuration must not stop mail service.
 * CONFIG lists the directives.
 */

#include "env-int.h"

enum cf_type {
  CF_STR,			/* string value */
  CF_LONG,			/* non-negative number */
  CF_BOOL,			/* 0/1, yes/no, true/false, on/off */
  CF_NOTBOOL,			/* boolean stored inverted */
  CF_LEVEL,			/* a number, or yes/no for 1/0 */
  CF_MODE,			/* protection, octal */
  CF_KEYWORDS,
  CF_FORMAT,			/* new-folder-format */
  CF_RESTRICT,			/* restrict-mailbox-access */
  CF_USERCONFIG,		/* allow-user-config */
  CF_IGNORED			/* known UW directive we do not support */
};

#define CF_ENV 0x1		/* code handled by env_parameters() */
#define CF_USER 0x2		/* allowed in per-user files */

struct cf_directive {
  const char *name;
  enum cf_type type;
  long code;			/* SET_* code, 0 if none */
  int flags;
};

static const struct cf_directive cf_table[] = {
  /* the environment: homes, spool, names */
  { "system-inbox", CF_STR, SET_SYSINBOX, CF_ENV },
  { "mail-spool-directory", CF_STR, SET_MAILSPOOLDIR, CF_ENV },
  /* the servers' login program (never from a user's own .mminit) */
  { "checkpassword", CF_STR, SET_CHECKPASSWORD, CF_ENV },
  { "tls-certificate-directory", CF_STR, SET_TLSCERTDIR, CF_ENV },
  { "tls-key-directory", CF_STR, SET_TLSKEYDIR, CF_ENV },
  { "mlock-path", CF_STR, SET_MLOCKPATH, CF_ENV },
  { "mail-subdirectory", CF_STR, SET_MAILSUBDIR, CF_ENV },
  { "local-host", CF_STR, SET_LOCALHOST, CF_ENV },
  { "ftp-export-directory", CF_STR, SET_FTPHOME, CF_ENV },
  { "public-home-directory", CF_STR, SET_PUBLICHOME, CF_ENV },
  { "shared-home-directory", CF_STR, SET_SHAREDHOME, CF_ENV },
  { "anonymous-home-directory", CF_STR, SET_ANONYMOUSHOME, CF_ENV },
  { "snarf-mailbox-name", CF_STR, SET_SNARFMAILBOXNAME, CF_ENV },
  { "snarf-interval", CF_LONG, SET_SNARFINTERVAL, CF_ENV | CF_USER },
  { "disable-automatic-shared-namespaces", CF_BOOL, SET_DISABLEAUTOSHAREDNS,
    CF_ENV },
  { "keywords", CF_KEYWORDS, 0, CF_USER },
  { "new-mailbox-format", CF_FORMAT, 0, CF_USER },
  { "new-folder-format", CF_FORMAT, 0, CF_USER },
  /* protections */
  { "mailbox-protection", CF_MODE, SET_MBXPROTECTION, CF_ENV },
  { "directory-protection", CF_MODE, SET_DIRPROTECTION, CF_ENV },
  { "lock-protection", CF_MODE, SET_LOCKPROTECTION, CF_ENV },
  { "ftp-protection", CF_MODE, SET_FTPPROTECTION, CF_ENV },
  { "public-protection", CF_MODE, SET_PUBLICPROTECTION, CF_ENV },
  { "shared-protection", CF_MODE, SET_SHAREDPROTECTION, CF_ENV },
  { "ftp-directory-protection", CF_MODE, SET_FTPDIRPROTECTION, CF_ENV },
  { "public-directory-protection", CF_MODE, SET_PUBLICDIRPROTECTION, CF_ENV },
  { "shared-directory-protection", CF_MODE, SET_SHAREDDIRPROTECTION, CF_ENV },
  /* locking */
  { "dot-lock-file-timeout", CF_LONG, SET_LOCKTIMEOUT, CF_ENV },
  { "disable-fcntl-locking", CF_BOOL, SET_DISABLEFCNTLLOCK, CF_ENV },
  { "disable-lock-warning", CF_NOTBOOL, SET_LOCKEACCESERROR, CF_ENV },
  { "network-filesystem-stat-bug", CF_BOOL, SET_NETFSSTATBUG, CF_ENV },
  /* listing */
  { "hide-dot-files", CF_BOOL, SET_HIDEDOTFILES, CF_ENV | CF_USER },
  { "list-maximum-level", CF_LONG, SET_LISTMAXLEVEL, CF_ENV | CF_USER },
  /* policy */
  { "restrict-mailbox-access", CF_RESTRICT, 0, 0 },
  { "disable-plaintext", CF_LEVEL, SET_DISABLEPLAINTEXT, CF_ENV },
  { "chroot-server", CF_BOOL, SET_CHROOTSERVER, CF_ENV },
  { "advertise-the-world", CF_BOOL, SET_ADVERTISETHEWORLD, CF_ENV },
  { "limited-advertise", CF_BOOL, SET_LIMITEDADVERTISE, CF_ENV },
  { "allow-user-config", CF_USERCONFIG, 0, 0 },
  { "user-has-no-life", CF_BOOL, SET_USERHASNOLIFE, CF_ENV | CF_USER },
  { "disable-unix-UIDs-and-keywords", CF_BOOL, SET_USERHASNOLIFE,
    CF_ENV | CF_USER },
  /* the rest of the library, through mail_parameters() */
  { "allow-reverse-dns", CF_BOOL, SET_ALLOWREVERSEDNS, 0 },
  { "trust-dns", CF_BOOL, SET_TRUSTDNS, 0 },
  { "sasl-uses-ptr-name", CF_BOOL, SET_SASLUSESPTRNAME, 0 },
  { "from-widget", CF_BOOL, SET_FROMWIDGET, CF_USER },
  { "mh-path", CF_STR, SET_MHPATH, 0 },
  { "mh-allow-inbox", CF_BOOL, SET_MHALLOWINBOX, 0 },
  { "news-active-file", CF_STR, SET_NEWSACTIVE, 0 },
  { "news-spool-directory", CF_STR, SET_NEWSSPOOL, 0 },
  { "news-state-file", CF_STR, SET_NEWSRC, 0 },
  { "rsh-command", CF_STR, SET_RSHCOMMAND, 0 },
  { "rsh-path", CF_STR, SET_RSHPATH, 0 },
  { "ssh-command", CF_STR, SET_SSHCOMMAND, 0 },
  { "ssh-path", CF_STR, SET_SSHPATH, 0 },
  { "tcp-open-timeout", CF_LONG, SET_OPENTIMEOUT, CF_USER },
  { "tcp-read-timeout", CF_LONG, SET_READTIMEOUT, CF_USER },
  { "tcp-write-timeout", CF_LONG, SET_WRITETIMEOUT, CF_USER },
  { "rsh-timeout", CF_LONG, SET_RSHTIMEOUT, CF_USER },
  { "ssh-timeout", CF_LONG, SET_SSHTIMEOUT, CF_USER },
  { "maximum-login-trials", CF_LONG, SET_MAXLOGINTRIALS, 0 },
  { "allowed-login-attempts", CF_LONG, SET_MAXLOGINTRIALS, 0 },
  { "lookahead", CF_LONG, SET_LOOKAHEAD, CF_USER },
  { "prefetch", CF_LONG, SET_PREFETCH, CF_USER },
  { "close-on-error", CF_BOOL, SET_CLOSEONERROR, CF_USER },
  { "imap-port", CF_LONG, SET_IMAPPORT, 0 },
  { "pop3-port", CF_LONG, SET_POP3PORT, 0 },
  { "uid-lookahead", CF_LONG, SET_UIDLOOKAHEAD, CF_USER },
  { "try-ssl-first", CF_BOOL, SET_TRYSSLFIRST, CF_USER },
  { "nntp-range", CF_LONG, SET_NNTPRANGE, 0 },
  { "CA-certificate-path", CF_STR, SET_SSLCAPATH, 0 },
  /* UW directives Bamboo does not implement (yet): warned about */
  { "black-box-directory", CF_IGNORED, 0, 0 },
  { "black-box-default-home-directory", CF_IGNORED, 0, 0 },
  { "empty-mailbox-format", CF_IGNORED, 0, 0 },
  { "empty-folder-format", CF_IGNORED, 0, 0 },
  { "k5-cp-uses-service-name", CF_IGNORED, 0, 0 },
  { "plaintext-allowed-clients", CF_IGNORED, 0, 0 },
};

static int cf_loaded;		/* SYSCONFIG read (or being read) */
static char *cf_path;		/* env_config_path(): beats SYSCONFIG */

int
cf_parse_line (const char *line, size_t len, const char **name,
	       size_t *namelen, const char **value, size_t *valuelen,
	       const char **error_r)
{
  const char *p = line, *end = line + len;

  while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' ||
		     end[-1] == '\t'))
    end--;
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  if (p == end || *p == '#')
    return 0;
  if (memchr (p, '\0', (size_t) (end - p))) {
    *error_r = "NUL byte in line";
    return -1;
  }
  if ((size_t) (end - p) >= 17 && !strncasecmp (p, "I accept the risk", 17))
    return 0;
  if ((size_t) (end - p) < 4 || strncasecmp (p, "set", 3) ||
      (p[3] != ' ' && p[3] != '\t')) {
    *error_r = "not a \"set NAME VALUE\" line";
    return -1;
  }
  for (p += 4; p < end && (*p == ' ' || *p == '\t'); p++)
    ;
  *name = p;
  while (p < end && *p != ' ' && *p != '\t')
    p++;
  *namelen = (size_t) (p - *name);
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  *value = p;
  *valuelen = (size_t) (end - p);
  if (!*namelen) {
    *error_r = "missing directive name";
    return -1;
  }
  if (!*valuelen) {
    *error_r = "missing value";
    return -1;
  }
  return 1;
}

static int
parse_bool (const char *v)
{
  static const char *yes[] = { "1", "yes", "true", "on", "T" };
  static const char *no[] = { "0", "no", "false", "off", "NIL" };
  size_t i;

  for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
    if (!strcasecmp (v, yes[i]))
      return 1;
  for (i = 0; i < sizeof no / sizeof no[0]; i++)
    if (!strcasecmp (v, no[i]))
      return 0;
  /* UW used atoi(): any other number is its truth value */
  if (*v >= '0' && *v <= '9' && strspn (v, "0123456789") == strlen (v))
    return strspn (v, "0") != strlen (v);
  return -1;
}

static long
parse_long (const char *v)
{
  char *end;
  long n;

  errno = 0;
  n = strtol (v, &end, 10);
  if (errno || *end || n < 0 || end == v)
    return -1;
  return n;
}

static void
cf_set (const struct cf_directive *d, void *value)
{
  if (d->flags & CF_ENV)
    env_parameters (d->code, value);
  else
    mail_parameters (NIL, d->code, value);
}

/* restrict-mailbox-access: words "root", "otherusers", "all", "none" */
static long
parse_restrict (const char *v)
{
  long bits = 0;
  const char *s = v, *e;

  while (*s) {
    size_t n;

    while (*s == ' ' || *s == ',' || *s == '\t')
      s++;
    if (!*s)
      break;
    for (e = s; *e && *e != ' ' && *e != ',' && *e != '\t'; e++)
      ;
    n = (size_t) (e - s);
    if (n == 4 && !strncasecmp (s, "root", 4))
      bits |= RESTRICTROOT;
    else if (n == 10 && !strncasecmp (s, "otherusers", 10))
      bits |= RESTRICTOTHERUSER;
    else if (n == 3 && !strncasecmp (s, "all", 3))
      bits |= RESTRICTROOT | RESTRICTOTHERUSER;
    else if (n == 4 && !strncasecmp (s, "none", 4))
      ;
    else
      return -1;
    s = e;
  }
  return bits;
}

/* Apply one directive; a message in *error_r and -1 if the value is bad */
static int
cf_apply (const char *name, const char *value, int userfile,
	  const char **error_r)
{
  const struct cf_directive *d = NIL;
  size_t i;
  long n;
  int b;

  for (i = 0; i < sizeof cf_table / sizeof cf_table[0]; i++)
    if (!strcasecmp (name, cf_table[i].name)) {
      d = &cf_table[i];
      break;
    }
  if (!d) {
    *error_r = "unknown directive, ignored";
    return -1;
  }
  if (userfile && !(d->flags & CF_USER)) {
    *error_r = "only allowed in the system configuration file, ignored";
    return -1;
  }
  switch (d->type) {
  case CF_STR:
    cf_set (d, (void *) value);
    break;
  case CF_LONG:
    if ((n = parse_long (value)) < 0) {
      *error_r = "value must be a non-negative decimal number";
      return -1;
    }
    cf_set (d, (void *) n);
    break;
  case CF_BOOL:
  case CF_NOTBOOL:
    if ((b = parse_bool (value)) < 0) {
      *error_r = "value must be 1/0, yes/no, true/false or on/off";
      return -1;
    }
    if (d->type == CF_NOTBOOL)
      b = !b;
    cf_set (d, (void *) (long) b);
    break;
  case CF_LEVEL:
    if ((n = parse_long (value)) < 0 && (n = parse_bool (value)) < 0) {
      *error_r = "value must be a number or yes/no";
      return -1;
    }
    cf_set (d, (void *) n);
    break;
  case CF_MODE:
    if ((n = env_parse_mode (value)) < 0) {
      *error_r = "value must be a protection such as 0600";
      return -1;
    }
    cf_set (d, (void *) n);
    break;
  case CF_KEYWORDS:
    if (env_set_keywords (value, error_r) < 0)
      return -1;
    break;
  case CF_FORMAT:
    env_set_new_folder_format (value);
    break;
  case CF_RESTRICT:
    if ((n = parse_restrict (value)) < 0) {
      *error_r = "value must be root, otherusers, all or none";
      return -1;
    }
    env_set_restrictbox (n);
    break;
  case CF_USERCONFIG:
    if ((b = parse_bool (value)) < 0) {
      *error_r = "value must be 1/0, yes/no, true/false or on/off";
      return -1;
    }
    env_set_allow_user_config (b);
    break;
  case CF_IGNORED:
    *error_r = "not supported by Bamboo, ignored";
    return -1;
  }
  return 0;
}

/* Read a configuration file.  flag NIL: the system file (file NIL means
 * SYSCONFIG); flag T: a user's file, where only harmless directives are
 * accepted.  A missing file is silently fine; everything else is a warning. */
void
dorc (char *file, long flag)
{
  FILE *f;
  struct buf line = BUF_INIT;
  struct stat sbuf;
  unsigned long lineno = 0;
  int r;

  if (!file)
    file = SYSCONFIG;
  if (!(f = fopen (file, "re")))
    return;
  if (!fstat (fileno (f), &sbuf)) {
    if (!S_ISREG (sbuf.st_mode)) {
      mail_log (NIL, WARN, "%.200s: not a regular file, ignored", file);
      fclose (f);
      return;
    }
    /* Anyone who can write this file can read every user's mail */
    if (!flag && (sbuf.st_mode & S_IWOTH)) {
      mail_log (NIL, WARN, "%.200s: writable by everyone, ignored", file);
      fclose (f);
      return;
    }
  }
  while ((r = buf_getline (f, &line, LIM_CONFIG_LINE)) != 0) {
    const char *name, *value, *error = NIL;
    size_t namelen, valuelen;
    char *n, *v;

    if (++lineno > LIM_CONFIG_LINES) {
      mail_log (NIL, WARN, "%.200s: more than %d lines, rest ignored", file,
		LIM_CONFIG_LINES);
      break;
    }
    if (r < 0) {
      mail_log (NIL, WARN, "%.200s line %lu: longer than %d bytes, ignored",
		file, lineno, LIM_CONFIG_LINE);
      continue;
    }
    r = cf_parse_line (line.data, line.len, &name, &namelen, &value,
		       &valuelen, &error);
    if (r == 0)
      continue;
    if (r < 0) {
      mail_log (NIL, WARN, "%.200s line %lu: %s", file, lineno, error);
      continue;
    }
    n = fs_get (namelen + 1);
    memcpy (n, name, namelen);
    n[namelen] = '\0';
    v = fs_get (valuelen + 1);
    memcpy (v, value, valuelen);
    v[valuelen] = '\0';
    if (cf_apply (n, v, flag != NIL, &error) < 0)
      mail_log (NIL, WARN, "%.200s line %lu: set %.100s: %s", file, lineno, n,
		error);
    fs_give ((void **) &n);
    fs_give ((void **) &v);
  }
  buf_free (&line);
  fclose (f);
}

void
env_config_load_once (void)
{
  const char *path;

  if (cf_loaded)
    return;
  cf_loaded = 1;
  if (cf_path) {		/* a server's --config option */
    dorc (cf_path, NIL);
    return;
  }
  path = getenv (ENV_CF_VARIABLE);
  if (path && !*path)
    return;			/* explicitly no system file */
  dorc ((char *) (path ? path : SYSCONFIG), NIL);
}

/* Programs given a configuration file on their command line (imapd
 * --config) name it here before anything reads the configuration; unlike
 * the environment variable this cannot come from a less trusted parent. */
void
env_config_path (const char *path)
{
  if (cf_path)
    fs_give ((void **) &cf_path);
  if (path)
    cf_path = cpystr (path);
  cf_loaded = 0;
}

void
env_config_reset (void)
{
  cf_loaded = 0;
}

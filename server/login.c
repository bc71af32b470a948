/*
 * login.c: the account file (passwd(5)-like, crypt(3) hashes), the
 * secrets file (UW's md5.txt format, for APOP and CRAM-MD5), the password
 * checks, and the one privilege drop of both servers.
 *
 * Account file, one account a line, '#' starts a comment line:
 *   user:hash:uid:gid:gecos:home[:shell]
 * hash is any crypt(3) hash libxcrypt knows ("imapd --make-password" makes
 * one); an empty hash or one starting with '!' or '*' never matches.
 *
 * Secrets file: "user<TAB>secret" a line, '#' starts a comment line.  While
 * it exists, plaintext passwords are checked against it instead of the
 * hashes or PAM (UW's rule: one password per user, usable by every
 * mechanism); the account file, or getpwnam() without one, still says who
 * the user is (uid, gid, home).
 *
 * A plaintext login asks, in this order: the checkpassword program; the
 * secrets file while it exists; the account file's hash; PAM (pam.c).
 * System accounts (getpwnam) are held to the account file's rules: uid 0
 * never gets a session and the home must be an absolute path.
 */
#include <crypt.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sys/stat.h>

#include "server.h"

#define ACCOUNT_FIELDS 7

/* Compare without an early exit, so the time taken does not say how much
 * of a hash matched. */
static int
equal_ct (const char *a, const char *b)
{
  size_t la = strlen (a), lb = strlen (b), i;
  volatile unsigned char diff = la != lb;
  for (i = 0; i < la && i < lb; i++)
    diff |= (unsigned char) a[i] ^ (unsigned char) b[i];
  return !diff;
}

/* crypt(3) the password against hash; 1 on a match. */
static int
hash_matches (const char *password, const char *hash)
{
  struct crypt_data *cd;
  const char *out;
  int ok;
  if (!*hash || *hash == '!' || *hash == '*')
    return 0;			/* locked or disabled account */
  cd = fs_get (sizeof *cd);
  memset (cd, 0, sizeof *cd);
  out = crypt_r (password, hash, cd);
  /* libxcrypt fails with NULL or a string starting with '*' */
  ok = out && *out != '*' && equal_ct (out, hash);
  explicit_bzero (cd, sizeof *cd);
  fs_give ((void **) &cd);
  return ok;
}

/* An unknown user costs one hash too, so timing does not tell which user
 * names exist. */
static void
hash_dummy (const char *password)
{
  char *salt = crypt_gensalt_ra (NULL, 0, NULL, 0);
  if (salt) {
    hash_matches (password, salt);
    free (salt);
  }
}

static int
parse_id (const char *s, unsigned long *v)
{
  char *end;
  if (!*s || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  *v = strtoul (s, &end, 10);
  return (errno || *end || *v > 0x7fffffffUL) ? -1 : 0;
}

/* Split line in place at ':' into f; returns the number of fields. */
static int
split_fields (char *line, char **f, int max)
{
  int n = 0;
  f[n++] = line;
  for (; *line && n < max; line++)
    if (*line == ':') {
      *line = '\0';
      f[n++] = line + 1;
    }
  return n;
}

/* 1 with acct filled, 0 no such user, -1 with *error_r for a bad line. */
static int
account_line (char *line, const char *user, char **hash,
	      struct server_account *acct, const char **error_r)
{
  char *f[ACCOUNT_FIELDS];
  unsigned long uid, gid;
  int n;
  line[strcspn (line, "\r\n")] = '\0';
  if (!*line || *line == '#')
    return 0;
  n = split_fields (line, f, ACCOUNT_FIELDS);
  if (strcmp (f[0], user))
    return 0;
  if (n < 6) {
    *error_r = "account line has fewer than 6 fields";
    return -1;
  }
  if (parse_id (f[2], &uid) || parse_id (f[3], &gid)) {
    *error_r = "account line has a bad uid or gid";
    return -1;
  }
  if (f[5][0] != '/') {
    *error_r = "account home is not an absolute path";
    return -1;
  }
  if (!uid) {
    *error_r = "account has uid 0: refusing to serve a session as root";
    return -1;
  }
  *hash = f[1];
  acct->user = cpystr (f[0]);
  acct->home = cpystr (f[5]);
  acct->uid = (uid_t) uid;
  acct->gid = (gid_t) gid;
  return 1;
}

static struct buf login_err = BUF_INIT;	/* *error_r lives until next call */

static const char *
set_error (const char *file, const char *what, int err)
{
  buf_reset (&login_err);
  buf_printf (&login_err, "%s: %s%s%s", file, what, err ? ": " : "",
	      err ? strerror (err) : "");
  return buf_cstr (&login_err);
}

/* user's line in the account file: 1 with acct and hash (a copy) filled,
 * 0 when there is none, -1 with *error_r. */
static int
account_lookup (const char *file, const char *user,
		struct server_account *acct, struct buf *hash,
		const char **error_r)
{
  struct buf line = BUF_INIT;
  FILE *f;
  char *h = NULL;
  int r = 0, got;

  if (!file) {
    *error_r = "no account source configured (--passwd FILE, "
      "--checkpassword PROG or a PAM service)";
    return -1;
  }
  if (!(f = fopen (file, "r"))) {
    *error_r = set_error (file, "cannot open account file", errno);
    return -1;
  }
  while (!r && (got = buf_getline (f, &line, LIM_ACCOUNT_LINE)) != 0)
    if (got == 1)		/* an overlong line is nobody's account */
      r = account_line (line.data, user, &h, acct, error_r);
  fclose (f);
  if (r == 1)
    buf_puts (hash, h);
  else if (r < 0)
    *error_r = set_error (file, *error_r, 0);
  buf_zero (&line);	/* the line held the hash */
  buf_free (&line);
  return r;
}

int
login_have_secrets (const struct server_options *opt)
{
  return opt->secrets_file && !access (opt->secrets_file, F_OK);
}

/* user's secret: 1 with secret filled, 0 none, -1 with *error_r */
static int
secret_lookup (const char *file, const char *user, struct buf *secret,
	       const char **error_r)
{
  struct buf line = BUF_INIT;
  struct stat st;
  FILE *f;
  int r = 0, got;

  if (!(f = fopen (file, "r"))) {
    *error_r = set_error (file, "cannot open secrets file", errno);
    return -1;
  }
  if (fstat (fileno (f), &st) || !S_ISREG (st.st_mode)) {
    fclose (f);
    *error_r = set_error (file, "secrets file is not a regular file", 0);
    return -1;
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    syslog (LOG_WARNING, "%s is readable or writable by others than its "
	    "owner: chmod 0400 it", file);
  while (!r && (got = buf_getline (f, &line, LIM_ACCOUNT_LINE)) != 0) {
    char *tab;
    if (got != 1 || line.data[0] == '#')
      continue;
    line.data[strcspn (line.data, "\r\n")] = '\0';
    if ((tab = strchr (line.data, '\t')) && (size_t) (tab - line.data) ==
	strlen (user) && !memcmp (line.data, user, strlen (user))) {
      buf_puts (secret, tab + 1);
      r = 1;
    }
  }
  fclose (f);
  buf_zero (&line);
  buf_free (&line);
  return r;
}

/* A system account from getpwnam_r(): 1 with acct filled, 0 no such
 * user (or uid 0: root never gets a session, which is said in syslog,
 * not to the client), -1 with *error_r. */
static int
system_account (const char *user, struct server_account *acct,
		const char **error_r)
{
  struct passwd pw, *res = NULL;
  long hint = sysconf (_SC_GETPW_R_SIZE_MAX);
  size_t size = hint > 0 ? (size_t) hint : 4096;
  char *mem = NULL;
  int err, r = 0;

  for (;;) {			/* a big group of NSS data may need more */
    mem = fs_get (size);
    err = getpwnam_r (user, &pw, mem, size, &res);
    if (err != ERANGE || size >= LIM_SERVER_PASSWD_BUFFER)
      break;
    fs_give ((void **) &mem);
    size *= 2;
  }
  if (err && err != ENOENT && err != ESRCH) {
    *error_r = set_error ("getpwnam", "system account lookup failed", err);
    r = -1;
  }
  else if (!res)
    r = 0;
  else if (!res->pw_uid) {
    struct buf u = BUF_INIT;
    login_log_name (&u, user);
    syslog (LOG_AUTH | LOG_WARNING, "Login refused user=%s: uid 0 never "
	    "gets a session", buf_cstr (&u));
    buf_free (&u);
  }
  else if (!res->pw_dir || res->pw_dir[0] != '/') {
    *error_r = set_error ("getpwnam", "system account home is not an "
			  "absolute path", 0);
    r = -1;
  }
  else {
    acct->user = cpystr (res->pw_name);
    acct->home = cpystr (res->pw_dir);
    acct->uid = res->pw_uid;
    acct->gid = res->pw_gid;
    r = 1;
  }
  /* the buffer may hold a shadow-less system's hash */
  explicit_bzero (mem, size);
  fs_give ((void **) &mem);
  return r;
}

/* Who user is: the account file when one is configured (hash, if not
 * NULL, gets its hash), else the system's accounts. */
static int
find_account (const struct server_options *opt, const char *user,
	      struct server_account *acct, struct buf *hash,
	      const char **error_r)
{
  struct buf scratch = BUF_INIT;
  int r;
  if (!opt->passwd_file)
    return system_account (user, acct, error_r);
  r = account_lookup (opt->passwd_file, user, acct, hash ? hash : &scratch,
		      error_r);
  buf_zero (&scratch);
  buf_free (&scratch);
  return r;
}

/* The common part of the checks: the account, then the secret when the
 * secrets file exists (secret_ok decides), else the account file's
 * hash. */
static int
check_account (const struct server_options *opt, const char *user,
	       const char *password,
	       int (*secret_ok) (const char *secret, const void *arg),
	       const void *arg, struct server_account *acct,
	       const char **error_r)
{
  struct buf hash = BUF_INIT, secret = BUF_INIT;
  int r, have;

  memset (acct, 0, sizeof *acct);
  *error_r = NULL;
  r = secret_ok ? find_account (opt, user, acct, NULL, error_r)
    : account_lookup (opt->passwd_file, user, acct, &hash, error_r);
  if (r >= 0 && secret_ok) {
    have = secret_lookup (opt->secrets_file, user, &secret, error_r);
    if (have < 0)
      r = -1;
    else if (r == 1 && !(have == 1 && secret_ok (buf_cstr (&secret), arg)))
      r = 0;
  }
  else if (r == 1 && !hash_matches (password, buf_cstr (&hash)))
    r = 0;
  else if (r == 0)
    hash_dummy (password);
  if (r != 1)
    login_account_free (acct);
  buf_zero (&hash);
  buf_zero (&secret);
  buf_free (&hash);
  buf_free (&secret);
  return r;
}

static int
plain_secret_ok (const char *secret, const void *password)
{
  return equal_ct (secret, password);
}

int
login_check (const struct server_options *opt, const char *user,
	     const char *password, struct server_account *acct,
	     const char **error_r)
{
  if (opt->checkpassword) {
    char stamp[64];
    snprintf (stamp, sizeof stamp, "<%lu.%lu@bamboo>",
	      (unsigned long) getpid (), (unsigned long) time (NULL));
    return login_checkpassword (opt->checkpassword, user, password, stamp,
				acct, error_r);
  }
  if (login_have_secrets (opt))	/* instead of the system's passwords */
    return check_account (opt, user, password, plain_secret_ok, password,
			  acct, error_r);
  if (opt->passwd_file || !opt->pam_service)
    return check_account (opt, user, password, NULL, NULL, acct, error_r);
  return login_pam (opt->pam_service, user, password, opt->host,
		    opt->pam_session, acct, error_r);
}

int
login_secret (const struct server_options *opt, const char *user,
	      struct buf *secret, struct server_account *acct,
	      const char **error_r)
{
  int r;
  memset (acct, 0, sizeof *acct);
  *error_r = NULL;
  if (!login_have_secrets (opt))
    return 0;
  r = secret_lookup (opt->secrets_file, user, secret, error_r);
  if (r == 1)
    r = find_account (opt, user, acct, NULL, error_r);
  if (r != 1) {			/* no account: no secret either */
    buf_zero (secret);
    buf_reset (secret);
    login_account_free (acct);
  }
  return r;
}

int
login_account (const struct server_options *opt, const char *user,
	       struct server_account *acct, const char **error_r)
{
  int r;
  memset (acct, 0, sizeof *acct);
  *error_r = NULL;
  r = find_account (opt, user, acct, NULL, error_r);
  if (r != 1)
    login_account_free (acct);
  return r;
}

struct apop_arg {
  const char *challenge, *digest;
};

static int
apop_secret_ok (const char *secret, const void *arg)
{
  const struct apop_arg *a = arg;
  struct buf text = BUF_INIT, hex = BUF_INIT, given = BUF_INIT;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0, i;
  const char *d;
  int ok;
  buf_printf (&text, "%s%s", a->challenge, secret);
  ok = EVP_Digest (text.data, text.len, md, &mdlen, EVP_md5 (), NULL);
  for (i = 0; ok && i < mdlen; i++)
    buf_printf (&hex, "%02x", md[i]);
  for (d = a->digest; *d; d++)	/* RFC 1939 says lower case; be kind */
    buf_putc (&given, (*d >= 'A' && *d <= 'F') ? *d - 'A' + 'a' : *d);
  ok = ok && equal_ct (buf_cstr (&given), buf_cstr (&hex));
  buf_zero (&text);
  buf_free (&text);
  buf_free (&hex);
  buf_free (&given);
  return ok;
}

int
login_check_apop (const struct server_options *opt, const char *user,
		  const char *challenge, const char *digest,
		  struct server_account *acct, const char **error_r)
{
  struct apop_arg a = { challenge, digest };
  if (!login_have_secrets (opt)) {
    memset (acct, 0, sizeof *acct);
    *error_r = NULL;
    return 0;
  }
  return check_account (opt, user, "", apop_secret_ok, &a, acct, error_r);
}

static void __attribute__ ((noreturn))
drop_failed (const char *what, const struct server_account *acct)
{
  syslog (LOG_ERR, "Privilege drop failed (%s) user=%s uid=%lu gid=%lu: %s",
	  what, acct->user ? acct->user : "???", (unsigned long) acct->uid,
	  (unsigned long) acct->gid, strerror (errno));
  exit (1);
}

void
login_drop_privileges (const struct server_account *acct)
{
  gid_t gid = acct->gid;
  if (!acct->uid) {
    errno = EPERM;
    drop_failed ("refuses to serve a session as root", acct);
  }
  if (getuid () == acct->uid && geteuid () == acct->uid)
    return;			/* already the user (non-root test setups) */
  if (setgroups (1, &gid))
    drop_failed ("setgroups", acct);
  if (setgid (acct->gid))
    drop_failed ("setgid", acct);
  if (setuid (acct->uid))
    drop_failed ("setuid", acct);
  if (getuid () != acct->uid || geteuid () != acct->uid ||
      getgid () != acct->gid || getegid () != acct->gid) {
    errno = EPERM;
    drop_failed ("ids not as set", acct);
  }
  if (!setuid (0)) {		/* root must be gone for good */
    errno = EPERM;
    drop_failed ("root could be regained", acct);
  }
}

int
login_check_uid (const struct server_account *acct, const char *host,
		 const char *program)
{
  if (geteuid () == 0 || acct->uid == geteuid ())
    return 0;
  syslog (LOG_ERR, "Login configuration error host=%s: account %s has uid "
	  "%lu but %s runs as uid %lu without root", host, acct->user,
	  (unsigned long) acct->uid, program, (unsigned long) geteuid ());
  return -1;
}

void
login_log_name (struct buf *b, const char *name)
{
  size_t i;
  buf_reset (b);
  for (i = 0; name[i] && i < 80; i++) {
    unsigned char c = (unsigned char) name[i];
    buf_putc (b, (c >= 0x20 && c < 0x7f) ? c : '?');
  }
}

int
login_make_password (const char *program)
{
  struct buf line = BUF_INIT;
  char *salt, *hash;
  void *data = NULL;
  int size = 0, r;

  r = buf_getline (stdin, &line, LIM_ACCOUNT_LINE);
  if (r != 1) {
    fprintf (stderr, "%s: --make-password: %s\n", program,
	     r ? "password too long" : "no password on stdin");
    buf_free (&line);
    return 1;
  }
  buf_truncate (&line, strcspn (buf_cstr (&line), "\r\n"));
  if (!(salt = crypt_gensalt_ra (NULL, 0, NULL, 0)) ||
      !(hash = crypt_ra (buf_cstr (&line), salt, &data, &size)) ||
      *hash == '*') {
    fprintf (stderr, "%s: --make-password: crypt failed: %s\n", program,
	     strerror (errno));
    return 1;
  }
  printf ("%s\n", hash);
  buf_zero (&line);
  buf_free (&line);
  free (salt);
  free (data);
  return fflush (stdout) ? 1 : 0;
}

void
login_failure (const char *user, const char *auth, const char *host,
	       unsigned int delay)
{
  struct buf u = BUF_INIT, a = BUF_INIT;
  login_log_name (&u, user);
  login_log_name (&a, auth);
  syslog (LOG_AUTH | LOG_INFO, "Login failed user=%s auth=%s host=%s",
	  buf_cstr (&u), buf_cstr (&a), host);
  buf_free (&u);
  buf_free (&a);
  sleep (delay);		/* slow down guessing */
}

static void __attribute__ ((noreturn))
closed_box_failed (const struct server_account *acct, const char *what)
{
  syslog (LOG_ERR, "chroot-server: %s user=%s home=%s: %s; ending the "
	  "session", what, acct->user, acct->home, strerror (errno));
  exit (1);
}

/* UW's closedBox ("set chroot-server T"): the session sees only the
 * home directory, as its "/".  Never a session outside it instead. */
static void
enter_closed_box (const struct server_account *acct)
{
  if (geteuid ()) {
    errno = EPERM;
    closed_box_failed (acct, "cannot chroot without root");
  }
  if (chroot (acct->home))
    closed_box_failed (acct, "chroot to the home directory failed");
  if (chdir ("/"))
    closed_box_failed (acct, "chdir to the new root failed");
}

void
login_enter (const struct server_account *acct)
{
  if (env_parameters (GET_CHROOTSERVER, NIL)) {
    enter_closed_box (acct);	/* needs root: before the drop */
    login_drop_privileges (acct);
    env_init (acct->user, "/");
    (void) clock_check_skew ("/");	/* the mail directory, as the user */
    return;
  }
  login_drop_privileges (acct);
  env_init (acct->user, acct->home);
  if (chdir (acct->home))
    syslog (LOG_WARNING, "Cannot enter home user=%s home=%s: %s", acct->user,
	    acct->home, strerror (errno));
  (void) clock_check_skew (acct->home);
}

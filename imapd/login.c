/*
 * imapd login: the account file (passwd(5)-like, crypt(3) hashes), the
 * password check, and the privilege drop after a successful login.
 *
 * Account file, one account a line, '#' starts a comment line:
 *   user:hash:uid:gid:gecos:home[:shell]
 * hash is any crypt(3) hash libxcrypt knows ("imapd --make-password" makes
 * one); an empty hash or one starting with '!' or '*' never matches.
 */
#include <crypt.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "imapd.h"

#define ACCOUNT_FIELDS 7

void
login_account_free (struct imapd_account *acct)
{
  if (acct->user)
    fs_give ((void **) &acct->user);
  if (acct->home)
    fs_give ((void **) &acct->home);
  acct->uid = 0;
  acct->gid = 0;
}

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
	      struct imapd_account *acct, const char **error_r)
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

int
login_check (const char *passwd_file, const char *user, const char *password,
	     struct imapd_account *acct, const char **error_r)
{
  static struct buf err = BUF_INIT;	/* message lives until next call */
  struct buf line = BUF_INIT;
  FILE *f;
  char *hash = NULL;
  int r = 0, got;

  memset (acct, 0, sizeof *acct);
  *error_r = NULL;
  if (!passwd_file) {
    *error_r = "no account file configured (imapd --passwd FILE)";
    return -1;
  }
  if (!(f = fopen (passwd_file, "r"))) {
    buf_reset (&err);
    buf_printf (&err, "cannot open account file %s: %s", passwd_file,
		strerror (errno));
    *error_r = buf_cstr (&err);
    return -1;
  }
  while (!r && (got = buf_getline (f, &line, LIM_IMAP_LINE)) != 0)
    if (got == 1)		/* an overlong line is nobody's account */
      r = account_line (line.data, user, &hash, acct, error_r);
  fclose (f);
  if (r == 1 && !hash_matches (password, hash)) {
    login_account_free (acct);
    r = 0;
  }
  else if (r == 0)
    hash_dummy (password);
  explicit_bzero (line.data, line.len);	/* the line held the hash */
  buf_free (&line);
  if (r < 0) {
    buf_reset (&err);
    buf_printf (&err, "%s: %s", passwd_file, *error_r);
    *error_r = buf_cstr (&err);
  }
  return r;
}

static void __attribute__ ((noreturn))
drop_failed (const char *what, const struct imapd_account *acct)
{
  syslog (LOG_ERR, "Privilege drop failed (%s) user=%s uid=%lu gid=%lu: %s",
	  what, acct->user ? acct->user : "???", (unsigned long) acct->uid,
	  (unsigned long) acct->gid, strerror (errno));
  exit (1);
}

void
login_drop_privileges (const struct imapd_account *acct)
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

void
login_complete (struct imapd *s, const struct imapd_account *acct,
		const char *how)
{
  struct buf caps = BUF_INIT;
  login_drop_privileges (acct);
  env_init (acct->user, acct->home);
  if (chdir (acct->home))
    syslog (LOG_WARNING, "Cannot enter home user=%s home=%s: %s", acct->user,
	    acct->home, strerror (errno));
  client_set_authenticated (s->client, 1);
  s->user = cpystr (acct->user);
  s->home = cpystr (acct->home);
  s->state = STATE_AUTHENTICATED;
  if (!how || !strcmp (how, "LOGIN"))
    syslog (LOG_INFO, "Login user=%s host=%s", s->user, s->host);
  else
    syslog (LOG_INFO, "Authenticated user=%s host=%s mech=%s", s->user,
	    s->host, how);
  session_capabilities (s, &caps);
  reply_ok (s, "[CAPABILITY %s] User %s authenticated", buf_cstr (&caps),
	    s->user);
  buf_free (&caps);
}

/*
 * test-login-sources.c - server/login.c's account sources and pam.c:
 * login_secret and login_account from the account file and from the
 * system's accounts (getpwnam), the order of login_check's sources (the
 * secrets file instead of PAM, no source at all), and login_pam itself.
 *
 * The system accounts and PAM are Debian's nss_wrapper and pam_wrapper
 * (pam_matrix, pam_debug): the program runs itself again with them
 * preloaded, so no real account or /etc/pam.d file is touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "unit.h"
#include "test-fs.h"
#include "server.h"
#include "linkage.h"

#if defined __x86_64__
#define BAMBOO_MULTIARCH "x86_64-linux-gnu"
#elif defined __aarch64__
#define BAMBOO_MULTIARCH "aarch64-linux-gnu"
#else
#error "set BAMBOO_MULTIARCH to gcc -print-multiarch"
#endif
#define LIBDIR "/usr/lib/" BAMBOO_MULTIARCH
#define NSS_WRAPPER LIBDIR "/libnss_wrapper.so"
#define PAM_WRAPPER LIBDIR "/libpam_wrapper.so"
#define PAM_MATRIX LIBDIR "/pam_wrapper/pam_matrix.so"

static char topdir[] = "/tmp/test-login-sources.XXXXXX";

static char *
path_in (const char *name)
{
  return test_path (topdir, name);
}

/* name in the scratch directory holds text, mode 0600 */
static void
write_file (const char *name, const char *text)
{
  char *path = path_in (name);
  test_write_file (path, text, 0600);
  fs_give ((void **) &path);
}

/* The scratch accounts, PAM services and secrets; then run ourselves
 * again with the wrappers preloaded (argv[1] is the scratch dir). */
static void
setup_and_reexec (char *argv0)
{
  struct buf b = BUF_INIT;
  char *dir;
  if (access (NSS_WRAPPER, R_OK) || access (PAM_WRAPPER, R_OK)) {
    printf ("nss_wrapper/pam_wrapper missing (Debian packages "
	    "libnss-wrapper, libpam-wrapper; scripts/deps.sh)\n");
    CHECK (0);
    exit (unit_done ());
  }
  if (!mkdtemp (topdir)) {
    perror ("mkdtemp");
    exit (1);
  }
  write_file ("passwd",
	      "walter:x:54321:54322:Walter:/home/walter:/bin/sh\n"
	      "rooty:x:0:0:Root alias:/root:/bin/sh\n"
	      "relhome:x:54323:54322:Relative:home/relhome:/bin/sh\n"
	      "nohome:x:54324:54322:No home::/bin/sh\n");
  write_file ("group", "walters:x:54322:\nroot:x:0:\n");
  write_file ("matrix", "walter:pw-walter:imap\n"
	      "ghost:pw-ghost:imap\n"
	      "popper:pw-popper:pop\n");
  write_file ("accounts", "filed:*:2000:2001::/home/filed\n"
	      "walter:*:3000:3001::/srv/walter\n");
  write_file ("secrets", "walter\twalter-secret\n"
	      "filed\tfiled-secret\n"
	      "ghost\tghost-secret\n"
	      "rooty\troot-secret\n");
  dir = path_in ("pam.d");
  mkdir (dir, 0700);
  fs_give ((void **) &dir);
  buf_printf (&b, "auth required %s\naccount required %s\n"
	      "session required %s\n", PAM_MATRIX, PAM_MATRIX, PAM_MATRIX);
  write_file ("pam.d/imap", buf_cstr (&b));
  write_file ("pam.d/pop", buf_cstr (&b));
  buf_reset (&b);
  buf_printf (&b, "auth required %s\naccount required %s/security/"
	      "pam_debug.so acct=new_authtok_reqd\n", PAM_MATRIX,
	      "/lib/" BAMBOO_MULTIARCH);
  write_file ("pam.d/expired", buf_cstr (&b));
  buf_reset (&b);
  buf_printf (&b, "auth required %s\naccount required %s/security/"
	      "pam_permit.so\nsession required %s/security/pam_debug.so "
	      "open_session=session_err\n", PAM_MATRIX,
	      "/lib/" BAMBOO_MULTIARCH, "/lib/" BAMBOO_MULTIARCH);
  write_file ("pam.d/nosession", buf_cstr (&b));
  write_file ("pam.d/other", "auth required /lib/" BAMBOO_MULTIARCH
	      "/security/pam_deny.so\naccount required /lib/" BAMBOO_MULTIARCH
	      "/security/pam_deny.so\n");

  buf_reset (&b);
  buf_printf (&b, "%s:%s", NSS_WRAPPER, PAM_WRAPPER);
  setenv ("LD_PRELOAD", buf_cstr (&b), 1);
  setenv ("PAM_WRAPPER", "1", 1);
  setenv ("NSS_WRAPPER_PASSWD", path_in ("passwd"), 1);
  setenv ("NSS_WRAPPER_GROUP", path_in ("group"), 1);
  setenv ("PAM_WRAPPER_SERVICE_DIR", path_in ("pam.d"), 1);
  setenv ("PAM_MATRIX_PASSWD", path_in ("matrix"), 1);
  /* under ASan: the wrappers come first, and without RTLD_DEEPBIND */
  buf_reset (&b);
  buf_printf (&b, "%s%sverify_asan_link_order=0",
	      getenv ("ASAN_OPTIONS") ? getenv ("ASAN_OPTIONS") : "",
	      getenv ("ASAN_OPTIONS") ? ":" : "");
  setenv ("ASAN_OPTIONS", buf_cstr (&b), 1);
  setenv ("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1);
  /* Debian 12's pam_wrapper (1.1.4) reads this name instead */
  setenv ("UID_WRAPPER_DISABLE_DEEPBIND", "1", 1);
  setenv ("NSS_WRAPPER_DISABLE_DEEPBIND", "1", 1);
  buf_free (&b);
  execl ("/proc/self/exe", argv0, topdir, (char *) NULL);
  perror ("re-exec");
  exit (1);
}

static void
test_account_sources (void)
{
  struct server_options o = { 0 };
  struct server_account a;
  const char *err = NULL;

  /* no account file: the system's accounts */
  CHECK_INTEQ (login_account (&o, "walter", &a, &err), 1);
  CHECK_STREQ (a.user, "walter");
  CHECK_STREQ (a.home, "/home/walter");
  CHECK_INTEQ (a.uid, 54321);
  CHECK_INTEQ (a.gid, 54322);
  login_account_free (&a);
  CHECK_INTEQ (login_account (&o, "nosuchuser", &a, &err), 0);
  CHECK (a.user == NULL && a.home == NULL);
  CHECK_INTEQ (login_account (&o, "Walter", &a, &err), 0);
  /* uid 0 is refused as a bad login: root exists everywhere */
  CHECK_INTEQ (login_account (&o, "rooty", &a, &err), 0);
  CHECK (a.user == NULL);
  CHECK_INTEQ (login_account (&o, "relhome", &a, &err), -1);
  CHECK (err && strstr (err, "absolute"));
  CHECK_INTEQ (login_account (&o, "nohome", &a, &err), -1);
  CHECK (err && strstr (err, "absolute"));
  CHECK (a.user == NULL);

  /* an account file replaces the system's accounts entirely */
  o.passwd_file = path_in ("accounts");
  CHECK_INTEQ (login_account (&o, "walter", &a, &err), 1);
  CHECK_STREQ (a.home, "/srv/walter");
  CHECK_INTEQ (a.uid, 3000);
  login_account_free (&a);
  CHECK_INTEQ (login_account (&o, "filed", &a, &err), 1);
  CHECK_INTEQ (a.gid, 2001);
  login_account_free (&a);
  CHECK_INTEQ (login_account (&o, "relhome", &a, &err), 0);
  fs_give ((void **) &o.passwd_file);
  o.passwd_file = path_in ("missing");
  CHECK_INTEQ (login_account (&o, "walter", &a, &err), -1);
  CHECK (err && strstr (err, "missing"));
  fs_give ((void **) &o.passwd_file);
}

static void
test_secret_sources (void)
{
  struct server_options o = { 0 };
  struct server_account a;
  struct buf s = BUF_INIT;
  const char *err = NULL;

  /* no secrets file configured, or none on disk: no secret */
  CHECK_INTEQ (login_secret (&o, "walter", &s, &a, &err), 0);
  o.secrets_file = path_in ("missing");
  CHECK_INTEQ (login_secret (&o, "walter", &s, &a, &err), 0);
  CHECK_INTEQ (s.len, 0);
  fs_give ((void **) &o.secrets_file);

  o.secrets_file = path_in ("secrets");
  CHECK_INTEQ (login_secret (&o, "walter", &s, &a, &err), 1);
  CHECK_STREQ (buf_cstr (&s), "walter-secret");
  CHECK_INTEQ (a.uid, 54321);	/* getpwnam */
  CHECK_STREQ (a.home, "/home/walter");
  login_account_free (&a);
  buf_reset (&s);
  /* a secret without an account is no secret */
  CHECK_INTEQ (login_secret (&o, "ghost", &s, &a, &err), 0);
  CHECK_INTEQ (s.len, 0);
  CHECK (a.user == NULL);
  CHECK_INTEQ (login_secret (&o, "rooty", &s, &a, &err), 0);
  CHECK_INTEQ (s.len, 0);
  /* an account without a secret neither */
  CHECK_INTEQ (login_secret (&o, "relhome", &s, &a, &err), 0);
  CHECK_INTEQ (login_secret (&o, "nobody-at-all", &s, &a, &err), 0);

  /* with an account file, the account comes from it */
  o.passwd_file = path_in ("accounts");
  CHECK_INTEQ (login_secret (&o, "walter", &s, &a, &err), 1);
  CHECK_STREQ (buf_cstr (&s), "walter-secret");
  CHECK_INTEQ (a.uid, 3000);
  login_account_free (&a);
  buf_reset (&s);
  CHECK_INTEQ (login_secret (&o, "filed", &s, &a, &err), 1);
  CHECK_STREQ (buf_cstr (&s), "filed-secret");
  login_account_free (&a);
  buf_reset (&s);
  fs_give ((void **) &o.passwd_file);

  /* an unreadable secrets file is an error, not "no secret" */
  fs_give ((void **) &o.secrets_file);
  o.secrets_file = path_in ("pam.d");	/* a directory */
  CHECK_INTEQ (login_secret (&o, "walter", &s, &a, &err), -1);
  CHECK (err && strstr (err, "secrets"));
  CHECK_INTEQ (s.len, 0);
  fs_give ((void **) &o.secrets_file);
  buf_free (&s);
}

static void
test_check_order (void)
{
  struct server_options o = { 0 };
  struct server_account a;
  const char *err = NULL;

  /* nothing configured: an error naming the choices */
  CHECK_INTEQ (login_check (&o, "walter", "pw-walter", &a, &err), -1);
  CHECK (err && strstr (err, "--passwd") && strstr (err, "PAM"));

  /* PAM, with the system's account */
  o.pam_service = "imap";
  CHECK_INTEQ (login_check (&o, "walter", "pw-walter", &a, &err), 1);
  CHECK_INTEQ (a.uid, 54321);
  login_account_free (&a);
  CHECK_INTEQ (login_check (&o, "walter", "walter-secret", &a, &err), 0);

  /* while the secrets file exists it is asked instead of PAM */
  o.secrets_file = path_in ("secrets");
  CHECK_INTEQ (login_check (&o, "walter", "walter-secret", &a, &err), 1);
  CHECK_STREQ (a.home, "/home/walter");
  login_account_free (&a);
  CHECK_INTEQ (login_check (&o, "walter", "pw-walter", &a, &err), 0);
  CHECK_INTEQ (login_check (&o, "walter", "walter-secre", &a, &err), 0);
  CHECK_INTEQ (login_check (&o, "ghost", "ghost-secret", &a, &err), 0);
  fs_give ((void **) &o.secrets_file);

  /* an account file beats PAM (its "*" hashes match nothing) */
  o.passwd_file = path_in ("accounts");
  CHECK_INTEQ (login_check (&o, "walter", "pw-walter", &a, &err), 0);
  fs_give ((void **) &o.passwd_file);
}

static void
test_pam (void)
{
  struct server_account a;
  const char *err = NULL;

  CHECK_INTEQ (login_pam ("imap", "walter", "pw-walter", "[127.0.0.1]", 0,
			  &a, &err), 1);
  CHECK_STREQ (a.user, "walter");
  CHECK_STREQ (a.home, "/home/walter");
  CHECK_INTEQ (a.uid, 54321);
  CHECK_INTEQ (a.gid, 54322);
  login_account_free (&a);
  CHECK_INTEQ (login_pam ("imap", "walter", "pw-Walter", NULL, 0, &a, &err),
	       0);
  CHECK (a.user == NULL);
  CHECK_INTEQ (login_pam ("imap", "walter", "", NULL, 0, &a, &err), 0);
  CHECK_INTEQ (login_pam ("imap", "nosuchuser", "pw-walter", NULL, 0, &a,
			  &err), 0);
  /* pam_matrix lets popper use "pop" only */
  CHECK_INTEQ (login_pam ("imap", "popper", "pw-popper", NULL, 0, &a, &err),
	       0);
  /* PAM says yes, the system has no such account: an error to log */
  CHECK_INTEQ (login_pam ("imap", "ghost", "pw-ghost", NULL, 0, &a, &err),
	       -1);
  CHECK (err && strstr (err, "ghost") && strstr (err, "no such account"));
  CHECK (a.user == NULL);
  /* an expired password is a refused login */
  CHECK_INTEQ (login_pam ("expired", "walter", "pw-walter", NULL, 0, &a,
			  &err), 0);
  /* a service without its own file falls to "other" (deny here) */
  CHECK_INTEQ (login_pam ("unknown-service", "walter", "pw-walter", NULL, 0,
			  &a, &err), 0);
  /* sessions: opened, then closed by login_pam_end; a failing session
   * module fails the login */
  CHECK_INTEQ (login_pam ("imap", "walter", "pw-walter", "UNKNOWN", 1, &a,
			  &err), 1);
  login_account_free (&a);
  login_pam_end ();
  login_pam_end ();		/* twice is harmless */
  CHECK_INTEQ (login_pam ("nosession", "walter", "pw-walter", NULL, 1, &a,
			  &err), -1);
  CHECK (err && strstr (err, "pam_open_session"));
  CHECK (a.user == NULL);
  CHECK_INTEQ (login_pam ("nosession", "walter", "pw-walter", NULL, 0, &a,
			  &err), 1);
  login_account_free (&a);
}

int
main (int argc, char *argv[])
{
#include "linkage.c"
  if (argc < 2 || !getenv ("PAM_WRAPPER"))
    setup_and_reexec (argv[0]);
  if (strlen (argv[1]) != strlen (topdir)) {
    printf ("bad scratch dir argument\n");
    return 1;
  }
  memcpy (topdir, argv[1], strlen (topdir));
  openlog ("test-login-sources", LOG_PERROR, LOG_MAIL);
  test_account_sources ();
  test_secret_sources ();
  test_check_order ();
  test_pam ();
  test_rm_rf (topdir);
  return unit_done ();
}

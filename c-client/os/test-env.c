/*
 * test-env.c - os/env.c (names -> files, parameters, namespaces),
 * os/config.c (c-client.cf), os/files.c and os/subscribe.c.
 *
 * Runs in a scratch directory under /tmp; BAMBOO_CCLIENT_CF points the
 * library at a test configuration so /etc/c-client.cf is never read.
 */
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "unit.h"
#include "test-fs.h"
#include "env-int.h"
#include "lock.h"

static char topdir[] = "/tmp/test-env.XXXXXX";
static struct buf logged = BUF_INIT;	/* every log line, "<level> <text>\n" */
static struct mail_callbacks t_callbacks;

static void
t_log (MAILSTREAM *stream, char *string, long errflg)
{
  buf_printf (&logged, "%ld %s\n", errflg, string);
}

static char *
path_in (const char *name)
{
  struct buf b = BUF_INIT;

  buf_printf (&b, "%s/%s", topdir, name);
  return buf_detach (&b);
}

static void
write_file (const char *path, const void *data, size_t len)
{
  FILE *f = fopen (path, "w");

  if (!f) {
    perror (path);
    return;
  }
  fwrite (data, 1, len, f);
  fclose (f);
}

static char *
read_file (const char *path)
{
  struct buf b = BUF_INIT;
  char tmp[4096];
  size_t n;
  FILE *f = fopen (path, "r");

  if (!f)
    return NIL;
  while ((n = fread (tmp, 1, sizeof tmp, f)) > 0)
    buf_append (&b, tmp, n);
  fclose (f);
  return buf_detach (&b);
}

static int
logged_has (const char *s)
{
  return strstr (buf_cstr (&logged), s) != NIL;
}

/* ---------------------------------------------------------------- names */

struct name_case {
  const char *name;
  const char *expect;		/* NIL = refused; "" = spool INBOX;
				   "H/" prefix = home, "F/" = ftp home */
};

static void
expand (struct buf *b, const char *expect, const char *home, const char *ftp)
{
  buf_reset (b);
  if (!strncmp (expect, "H/", 2))
    buf_printf (b, "%s/%s", home, expect + 2);
  else if (!strncmp (expect, "F/", 2))
    buf_printf (b, "%s/%s", ftp, expect + 2);
  else
    buf_puts (b, expect);
}

static void
test_mailboxfile (void)
{
  char *home = path_in ("home");
  char *ftp = path_in ("ftp");
  char *pub = path_in ("public");
  char dst[MAILTMPLEN];
  struct buf exp = BUF_INIT;
  struct passwd *pw = getpwuid (0);
  char rootx[MAILTMPLEN];
  static const struct name_case cases[] = {
    { "INBOX", "" },
    { "inbox", "" },
    { "InBoX", "" },
    { "INBOXx", "H/INBOXx" },
    { "foo", "H/foo" },
    { "a/b/c", "H/a/b/c" },
    { "~/x", "H/x" },
    { "~/a/b", "H/a/b" },
    { "/tmp/abs", "/tmp/abs" },
    { "/", "/" },
    { "#ftp/x", "F/x" },
    { "#FTP/dir/y", "F/dir/y" },
    { "#ftp/../etc/passwd", NIL },
    { "#ftp/a//b", NIL },
    { "#ftp/a/~b", NIL },
    { "#shared/x", NIL },	/* no shared home configured */
    { "#news.comp", NIL },
    { "#mh/x", NIL },
    { "#bogus/x", NIL },
    { "{host}INBOX", NIL },
    { "", NIL },
    { "~", NIL },
    { "~no-such-user-bamboo/x", NIL },
    { "a/../b", "H/a/../b" },	/* allowed: restrictBox is off */
  };
  size_t i;

  mkdir (home, 0700);
  mkdir (ftp, 0755);
  mkdir (pub, 0777);
  env_init ("tester", home);
  env_parameters (SET_FTPHOME, ftp);
  env_parameters (SET_PUBLICHOME, pub);
  env_parameters (SET_SHAREDHOME, NIL);

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *r = mailboxfile (dst, (char *) cases[i].name);

    if (!cases[i].expect) {
      if (!CHECK (r == NIL))
	printf ("  name %s gave %s\n", cases[i].name, r);
      continue;
    }
    expand (&exp, cases[i].expect, home, ftp);
    if (!CHECK (r == dst))
      printf ("  name %s refused\n", cases[i].name);
    else
      CHECK_STREQ (dst, buf_cstr (&exp));
  }

  /* #public/ canonicalizes INBOX */
  buf_reset (&exp);
  buf_printf (&exp, "%s/INBOX", pub);
  CHECK (mailboxfile (dst, "#public/inbox") == dst);
  CHECK_STREQ (dst, buf_cstr (&exp));

  /* ~user/x: other user's home */
  if (pw && pw->pw_dir) {
    snprintf (rootx, sizeof rootx, "%s/x",
	      strcmp (pw->pw_dir, "/") ? pw->pw_dir : "");
    CHECK (mailboxfile (dst, "~root/x") == dst);
    CHECK_STREQ (dst, rootx);
    snprintf (rootx, sizeof rootx, "%s/INBOX",
	      strcmp (pw->pw_dir, "/") ? pw->pw_dir : "");
    CHECK (mailboxfile (dst, "~root/inbox") == dst);
    CHECK_STREQ (dst, rootx);
  }

  /* too long: name over the limit, and a path that does not fit dst */
  {
    char *big = fs_get (LIM_MAILBOX_NAME + 2);
    const char *error = NIL;
    char *p;

    memset (big, 'x', LIM_MAILBOX_NAME + 1);
    big[LIM_MAILBOX_NAME + 1] = '\0';
    CHECK (mailboxfile (dst, big) == NIL);
    CHECK (env_mailbox_path (big, &error) == NIL);
    CHECK (error != NIL);
    big[LIM_MAILBOX_NAME] = '\0';	/* allowed name, but path > MAILTMPLEN */
    CHECK (mailboxfile (dst, big) == NIL);
    p = env_mailbox_path (big, &error);
    CHECK (p != NIL && strlen (p) == strlen (home) + 1 + LIM_MAILBOX_NAME);
    if (p)
      fs_give ((void **) &p);
    /* exactly fitting: home + "/" + name == MAILTMPLEN - 1 */
    big[MAILTMPLEN - 2 - strlen (home)] = '\0';
    CHECK (mailboxfile (dst, big) == dst);
    CHECK_INTEQ (strlen (dst), MAILTMPLEN - 1);
    big[MAILTMPLEN - 2 - strlen (home)] = 'x';
    big[MAILTMPLEN - 1 - strlen (home)] = 'x';
    big[MAILTMPLEN - 1 - strlen (home) + 1] = '\0';
    CHECK (mailboxfile (dst, big) == NIL);
    fs_give ((void **) &big);
  }

  /* mail-subdirectory */
  env_parameters (SET_MAILSUBDIR, "Mail");
  buf_reset (&exp);
  buf_printf (&exp, "%s/Mail/foo", home);
  CHECK (mailboxfile (dst, "foo") == dst);
  CHECK_STREQ (dst, buf_cstr (&exp));
  CHECK (mailboxfile (dst, "~/foo") == dst);
  CHECK_STREQ (dst, buf_cstr (&exp));
  CHECK (mailboxfile (dst, "INBOX") == dst);
  CHECK_STREQ (dst, "");
  buf_reset (&exp);
  buf_printf (&exp, "%s/Mail", home);
  CHECK (mailboxdir (dst, NIL, NIL) == dst);
  CHECK_STREQ (dst, buf_cstr (&exp));
  env_parameters (SET_MAILSUBDIR, "Mail//");	/* trailing slashes ignored */
  CHECK (mailboxdir (dst, NIL, NIL) == dst);
  CHECK_STREQ (dst, buf_cstr (&exp));
  env_parameters (SET_MAILSUBDIR, NIL);

  /* mailboxdir joins dir and name */
  buf_reset (&exp);
  buf_printf (&exp, "%s/a/b", home);
  CHECK (mailboxdir (dst, "a/", "b") == dst);
  CHECK_STREQ (dst, buf_cstr (&exp));
  CHECK (mailboxdir (dst, NIL, NIL) == dst);
  CHECK_STREQ (dst, home);

  /* restrict-mailbox-access hook */
  env_set_restrictbox (RESTRICTROOT | RESTRICTOTHERUSER);
  CHECK (mailboxfile (dst, "/tmp/abs") == NIL);
  CHECK (mailboxfile (dst, "~root/x") == NIL);
  CHECK (mailboxfile (dst, "a/../b") == NIL);
  CHECK (mailboxfile (dst, "foo") == dst);
  env_parameters (SET_SYSINBOX, "/var/spool/mail/special");
  CHECK (mailboxfile (dst, "/var/spool/mail/special") == dst);
  env_parameters (SET_SYSINBOX, NIL);
  env_set_restrictbox (0);

  buf_free (&exp);
  fs_give ((void **) &home);
  fs_give ((void **) &ftp);
  fs_give ((void **) &pub);
}

static void
test_identity (void)
{
  unsigned long flags = 99;
  char *home = path_in ("home");
  NAMESPACE **ns;

  env_init ("tester", home);
  CHECK_STREQ (myusername_full (&flags), "tester");
  CHECK_INTEQ (flags, MU_LOGGEDIN);
  CHECK_STREQ (myhomedir (), home);
  CHECK_STREQ (env_parameters (GET_USERNAME, NIL), "tester");
  CHECK_STREQ (env_parameters (GET_HOMEDIR, NIL), home);

  /* sysinbox follows the user until overridden */
  CHECK (!strcmp (sysinbox () + strlen (sysinbox ()) - 7, "/tester"));
  env_parameters (SET_USERNAME, "other");
  CHECK (!strcmp (sysinbox () + strlen (sysinbox ()) - 6, "/other"));
  env_parameters (SET_SYSINBOX, "/x/y/spool");
  CHECK_STREQ (sysinbox (), "/x/y/spool");
  CHECK_STREQ (env_parameters (GET_SYSINBOX, NIL), "/x/y/spool");
  env_parameters (SET_SYSINBOX, NIL);
  env_parameters (SET_USERNAME, "tester");
  /* a spool directory other than the built-in one (demo, tests) */
  env_parameters (SET_MAILSPOOLDIR, "/srv/spool/");
  CHECK_STREQ (sysinbox (), "/srv/spool//tester");
  CHECK_STREQ (env_parameters (GET_MAILSPOOLDIR, NIL), "/srv/spool/");
  env_parameters (SET_MAILSPOOLDIR, "/srv/spool");
  CHECK_STREQ (sysinbox (), "/srv/spool/tester");
  env_parameters (SET_MAILSPOOLDIR, NIL);
  CHECK (strcmp (sysinbox (), "/srv/spool/tester"));

  /* SET_HOMEDIR strips trailing slashes and moves relative names */
  {
    char dst[MAILTMPLEN];

    env_parameters (SET_HOMEDIR, "/some/where//");
    CHECK_STREQ (myhomedir (), "/some/where");
    CHECK (mailboxfile (dst, "box") == dst);
    CHECK_STREQ (dst, "/some/where/box");
    env_parameters (SET_HOMEDIR, home);
  }

  /* defaults */
  CHECK_INTEQ ((long) env_parameters (GET_MBXPROTECTION, NIL), 0600);
  CHECK_INTEQ ((long) env_parameters (GET_DIRPROTECTION, NIL), 0700);
  CHECK_INTEQ ((long) env_parameters (GET_LOCKPROTECTION, NIL), 0666);
  CHECK_INTEQ ((long) env_parameters (GET_SNARFINTERVAL, NIL), 60);
  CHECK_INTEQ ((long) env_parameters (GET_LISTMAXLEVEL, NIL), 20);
  env_parameters (SET_LISTMAXLEVEL, (void *) 3);
  CHECK_INTEQ ((long) env_parameters (GET_LISTMAXLEVEL, NIL), 3);
  env_parameters (SET_LISTMAXLEVEL, (void *) 20);

  /* local host: cached, and SET_LOCALHOST overrides */
  CHECK (mylocalhost () != NIL && *mylocalhost ());
  CHECK (mylocalhost () == mylocalhost ());
  env_parameters (SET_LOCALHOST, "mail.example.org");
  CHECK_STREQ (mylocalhost (), "mail.example.org");
  CHECK_STREQ (env_parameters (GET_LOCALHOST, NIL), "mail.example.org");

  /* namespaces: personal "", other "~", shared as configured */
  env_parameters (SET_SHAREDHOME, NIL);
  env_parameters (SET_FTPHOME, "/nonexistent-ftp");
  env_parameters (SET_PUBLICHOME, NIL);
  ns = env_parameters (GET_NAMESPACE, NIL);
  if (CHECK (ns != NIL)) {
    CHECK (ns[0] && !strcmp (ns[0]->name, "") && ns[0]->delimiter == '/');
    CHECK (ns[1] && !strcmp (ns[1]->name, "~") && ns[1]->delimiter == '/');
    CHECK (ns[2] && !strcmp (ns[2]->name, "#ftp/") && !ns[2]->next);
  }
  env_parameters (SET_SHAREDHOME, "/nonexistent-shared");
  env_parameters (SET_PUBLICHOME, "/nonexistent-public");
  ns = env_parameters (GET_NAMESPACE, NIL);
  if (CHECK (ns && ns[2] && ns[2]->next && ns[2]->next->next)) {
    CHECK_STREQ (ns[2]->name, "#shared/");	/* UW's order */
    CHECK_STREQ (ns[2]->next->name, "#ftp/");
    CHECK_STREQ (ns[2]->next->next->name, "#public/");
    CHECK (ns[2]->next->next->next == NIL);
  }
  env_set_restrictbox (RESTRICTOTHERUSER);
  env_parameters (SET_FTPHOME, NIL);	/* rebuilds */
  ns = env_parameters (GET_NAMESPACE, NIL);
  CHECK (ns && ns[1] == NIL);
  env_set_restrictbox (0);
  env_parameters (SET_SHAREDHOME, NIL);
  env_parameters (SET_PUBLICHOME, NIL);

  /* anonymous */
  env_parameters (SET_ANONYMOUSHOME, "/var/anon");
  env_init (NIL, NIL);
  CHECK_STREQ (myusername_full (&flags), ANONYMOUSUSER);
  CHECK_INTEQ (flags, MU_ANONYMOUS);
  CHECK_STREQ (myhomedir (), "/var/anon");
  {
    char dst[MAILTMPLEN];

    CHECK (mailboxfile (dst, "INBOX") == NIL);	/* test_policy: more */
    CHECK (mailboxfile (dst, "/etc/passwd") == NIL);
    CHECK (mailboxfile (dst, "~root/x") == NIL);
    CHECK (mailboxfile (dst, "a/../../etc") == NIL);
  }
  ns = env_parameters (GET_NAMESPACE, NIL);
  CHECK (ns && ns[0] == NIL && ns[1] == NIL);
  env_init ("tester", home);
  fs_give ((void **) &home);
}

/* ---------------------------------------------------------------- config */

static void
test_config (void)
{
  char *cf = path_in ("test.cf");
  char *home = path_in ("home");
  static const char good[] =
    "I accept the risk for IMAP toolkit 4.1.\n"
    "# a comment\n"
    "\n"
    "   # indented comment\n"
    "set mailbox-protection 0640\n"
    "set directory-protection 0750\r\n"
    "SET list-maximum-level 7\n"
    "set hide-dot-files 1\n"
    "set mail-subdirectory Mail   \n"
    "set snarf-interval 120\n"
    "set disable-plaintext yes\n"
    "set keywords Work, Personal ,Todo\n"
    "set restrict-mailbox-access root\n"
    "set new-folder-format mbx\n"
    "set local-host imap.example.com\n"
    "set mail-spool-directory /srv/mail\n"
    "set checkpassword /home/vpopmail/bin/vchkpw\n"
    "set tls-certificate-directory /etc/bamboo/certs\n"
    "set tls-key-directory /etc/bamboo/private\n"
    "set mlock-path /usr/local/sbin/mlock\n";
  static const char bad[] =
    "set no-such-directive 1\n"
    "bogus line here\n"
    "set mailbox-protection 9999\n"
    "set list-maximum-level -3\n"
    "set hide-dot-files maybe\n"
    "set lock-protection\n"
    "set restrict-mailbox-access everybody\n"
    "set black-box-directory /blackbox\n"
    "set snarf-interval 30\n";	/* the one good line */

  write_file (cf, good, sizeof good - 1);
  buf_reset (&logged);
  dorc (cf, NIL);
  CHECK_INTEQ (logged.len, 0);
  if (logged.len)
    printf ("  logged: %s", buf_cstr (&logged));
  CHECK_INTEQ ((long) env_parameters (GET_MBXPROTECTION, NIL), 0640);
  CHECK_INTEQ ((long) env_parameters (GET_DIRPROTECTION, NIL), 0750);
  CHECK_INTEQ ((long) env_parameters (GET_LISTMAXLEVEL, NIL), 7);
  CHECK_INTEQ ((long) env_parameters (GET_HIDEDOTFILES, NIL), 1);
  CHECK_STREQ (env_parameters (GET_MAILSUBDIR, NIL), "Mail");
  CHECK_INTEQ ((long) env_parameters (GET_SNARFINTERVAL, NIL), 120);
  CHECK_INTEQ ((long) env_parameters (GET_DISABLEPLAINTEXT, NIL), 1);
  CHECK_STREQ (default_user_flag (0), "Work");
  CHECK_STREQ (default_user_flag (1), "Personal");
  CHECK_STREQ (default_user_flag (2), "Todo");
  CHECK (default_user_flag (3) == NIL);
  CHECK_INTEQ (env_get_restrictbox (), RESTRICTROOT);
  CHECK_STREQ (env_get_new_folder_format (), "mbx");
  CHECK_STREQ (mylocalhost (), "imap.example.com");
  CHECK_STREQ (env_parameters (GET_MAILSPOOLDIR, NIL), "/srv/mail");
  env_parameters (SET_MAILSPOOLDIR, NIL);
  CHECK_STREQ (env_parameters (GET_CHECKPASSWORD, NIL),
	       "/home/vpopmail/bin/vchkpw");
  env_parameters (SET_CHECKPASSWORD, NIL);
  CHECK (env_parameters (GET_CHECKPASSWORD, NIL) == NIL);
  CHECK_STREQ (env_parameters (GET_TLSCERTDIR, NIL), "/etc/bamboo/certs");
  CHECK_STREQ (env_parameters (GET_TLSKEYDIR, NIL), "/etc/bamboo/private");
  env_parameters (SET_TLSCERTDIR, NIL);
  env_parameters (SET_TLSKEYDIR, NIL);
  CHECK (env_parameters (GET_TLSCERTDIR, NIL) == NIL);
  CHECK_STREQ (env_parameters (GET_MLOCKPATH, NIL), "/usr/local/sbin/mlock");
  /* the setgid helper a user's own file names would run with group mail */
  write_file (cf, "set mlock-path /tmp/evil\n", 25);
  buf_reset (&logged);
  dorc (cf, LONGT);
  CHECK (logged_has ("set mlock-path: only allowed in the system"));
  CHECK_STREQ (env_parameters (GET_MLOCKPATH, NIL), "/usr/local/sbin/mlock");
  env_parameters (SET_MLOCKPATH, NIL);
  CHECK (env_parameters (GET_MLOCKPATH, NIL) == NIL);

  /* bad lines: each a warning naming the line, none fatal */
  write_file (cf, bad, sizeof bad - 1);
  buf_reset (&logged);
  dorc (cf, NIL);
  CHECK (logged_has ("line 1: set no-such-directive: unknown directive"));
  CHECK (logged_has ("line 2: not a \"set NAME VALUE\" line"));
  CHECK (logged_has ("line 3: set mailbox-protection"));
  CHECK (logged_has ("line 4: set list-maximum-level"));
  CHECK (logged_has ("line 5: set hide-dot-files"));
  CHECK (logged_has ("line 6: missing value"));
  CHECK (logged_has ("line 7: set restrict-mailbox-access"));
  CHECK (logged_has ("line 8: set black-box-directory: not supported"));
  CHECK (!logged_has ("line 9"));
  CHECK_INTEQ ((long) env_parameters (GET_MBXPROTECTION, NIL), 0640);
  CHECK_INTEQ ((long) env_parameters (GET_LISTMAXLEVEL, NIL), 7);
  CHECK_INTEQ ((long) env_parameters (GET_SNARFINTERVAL, NIL), 30);
  CHECK_INTEQ (env_get_restrictbox (), RESTRICTROOT);

  /* a user file may not change security settings */
  write_file (cf, "set mailbox-protection 0666\nset hide-dot-files 0\n", 49);
  buf_reset (&logged);
  dorc (cf, LONGT);
  CHECK (logged_has ("only allowed in the system configuration"));
  CHECK_INTEQ ((long) env_parameters (GET_MBXPROTECTION, NIL), 0640);
  CHECK_INTEQ ((long) env_parameters (GET_HIDEDOTFILES, NIL), 0);

  /* missing file: silence */
  buf_reset (&logged);
  dorc ("/nonexistent/c-client.cf", NIL);
  CHECK_INTEQ (logged.len, 0);

  /* a directory, and a world-writable system file, are refused */
  buf_reset (&logged);
  dorc (topdir, NIL);
  CHECK (logged_has ("not a regular file"));
  write_file (cf, "set lock-protection 0600\n", 25);
  chmod (cf, 0666);
  buf_reset (&logged);
  dorc (cf, NIL);
  CHECK (logged_has ("writable by everyone"));
  CHECK_INTEQ ((long) env_parameters (GET_LOCKPROTECTION, NIL), 0666);
  chmod (cf, 0644);

  /* hostile: huge line, NUL byte, endless file */
  {
    struct buf b = BUF_INIT;
    int i;

    for (i = 0; i < 5000; i++)
      buf_putc (&b, 'x');
    buf_puts (&b, "\nset lock-protection 0\n");
    write_file (cf, b.data, b.len);
    buf_reset (&logged);
    dorc (cf, NIL);
    CHECK (logged_has ("line 1: longer than"));
    CHECK_INTEQ ((long) env_parameters (GET_LOCKPROTECTION, NIL), 0);
    buf_reset (&b);
    buf_append (&b, "x\nset lock-protection 0\0 644\nset lock-protection 0660\n",
		54);
    write_file (cf, b.data, b.len);
    buf_reset (&logged);
    dorc (cf, NIL);
    CHECK (logged_has ("line 2: NUL byte"));
    CHECK_INTEQ ((long) env_parameters (GET_LOCKPROTECTION, NIL), 0660);
    buf_reset (&b);
    for (i = 0; i < LIM_CONFIG_LINES + 50; i++)
      buf_puts (&b, "set lock-protection 0644\n");
    buf_puts (&b, "set lock-protection 0600\n");
    write_file (cf, b.data, b.len);
    buf_reset (&logged);
    dorc (cf, NIL);
    CHECK (logged_has ("rest ignored"));
    CHECK_INTEQ ((long) env_parameters (GET_LOCKPROTECTION, NIL), 0644);
    env_parameters (SET_LOCKPROTECTION, (void *) 0666);
    buf_free (&b);
  }

  /* per-user files, only with allow-user-config, and only harmless
   * directives */
  {
    char *uhome = path_in ("uhome");
    char *mminit = path_in ("uhome/.mminit");
    char *imaprc = path_in ("uhome/.imaprc");
    static const char user_cf[] =
      "set hide-dot-files 1\nset mailbox-protection 0666\n";

    mkdir (uhome, 0700);
    write_file (mminit, user_cf, sizeof user_cf - 1);
    write_file (imaprc, "set list-maximum-level 4\n", 25);
    env_parameters (SET_HIDEDOTFILES, NIL);
    buf_reset (&logged);
    env_init ("tester", uhome);		/* not allowed yet: not read */
    CHECK_INTEQ ((long) env_parameters (GET_HIDEDOTFILES, NIL), 0);
    write_file (cf, "set allow-user-config yes\n", 26);
    dorc (cf, NIL);
    CHECK (env_get_allow_user_config ());
    env_init ("tester", uhome);
    CHECK_INTEQ ((long) env_parameters (GET_HIDEDOTFILES, NIL), 1);
    CHECK_INTEQ ((long) env_parameters (GET_LISTMAXLEVEL, NIL), 4);
    CHECK_INTEQ ((long) env_parameters (GET_MBXPROTECTION, NIL), 0640);
    CHECK (logged_has (".mminit line 2: set mailbox-protection: only allowed"));
    env_set_allow_user_config (0);
    env_parameters (SET_HIDEDOTFILES, NIL);
    env_parameters (SET_LISTMAXLEVEL, (void *) 20);
    fs_give ((void **) &uhome);
    fs_give ((void **) &mminit);
    fs_give ((void **) &imaprc);
  }

  /* the pure line parser */
  {
    const char *n, *v, *e = NIL;
    size_t nl, vl;

    CHECK_INTEQ (cf_parse_line ("set a b c", 9, &n, &nl, &v, &vl, &e), 1);
    CHECK_MEMEQ (n, nl, "a", 1);
    CHECK_MEMEQ (v, vl, "b c", 3);
    CHECK_INTEQ (cf_parse_line ("set\ta\t b \r\n", 11, &n, &nl, &v, &vl, &e), 1);
    CHECK_MEMEQ (v, vl, "b", 1);
    CHECK_INTEQ (cf_parse_line ("", 0, &n, &nl, &v, &vl, &e), 0);
    CHECK_INTEQ (cf_parse_line ("#set a b", 8, &n, &nl, &v, &vl, &e), 0);
    CHECK_INTEQ (cf_parse_line ("setx a b", 8, &n, &nl, &v, &vl, &e), -1);
    CHECK_INTEQ (cf_parse_line ("set ", 4, &n, &nl, &v, &vl, &e), -1);
    CHECK_INTEQ (cf_parse_line ("set a", 5, &n, &nl, &v, &vl, &e), -1);
  }
  CHECK_INTEQ (env_parse_mode ("0600"), 0600);
  CHECK_INTEQ (env_parse_mode ("384"), 0600);
  CHECK_INTEQ (env_parse_mode ("010000"), -1);
  CHECK_INTEQ (env_parse_mode ("06x0"), -1);
  CHECK_INTEQ (env_parse_mode (""), -1);

  /* restore what later tests rely on */
  env_parameters (SET_MBXPROTECTION, (void *) 0600);
  env_parameters (SET_DIRPROTECTION, (void *) 0700);
  env_parameters (SET_MAILSUBDIR, NIL);
  env_parameters (SET_HIDEDOTFILES, NIL);
  env_parameters (SET_LISTMAXLEVEL, (void *) 20);
  env_set_restrictbox (0);
  env_init ("tester", home);
  fs_give ((void **) &cf);
  fs_give ((void **) &home);
}

/* Random names: every answer is NIL or a NUL-terminated path that fits */
static void
test_mailboxfile_random (void)
{
  char *home = path_in ("home");
  char dst[MAILTMPLEN + 16];
  int n, bad = 0;

  env_init ("tester", home);
  srand (4242);
  for (n = 0; n < 20000; n++) {
    char name[1200];
    size_t len = (size_t) rand () % (n % 10 ? 40 : sizeof name - 1), i;
    static const char alphabet[] = "/~#.aI*%{} NBOXinbox";
    const char *error = NIL;
    char *p;

    for (i = 0; i < len; i++)
      name[i] = rand () % 4 ? alphabet[rand () % (sizeof alphabet - 1)]
	: (char) (1 + rand () % 255);
    name[len] = '\0';
    memset (dst, 'Z', sizeof dst);
    if (mailboxfile (dst, name)) {
      if (!memchr (dst, '\0', MAILTMPLEN))
	bad++;
    }
    else if (dst[MAILTMPLEN] != 'Z')
      bad++;
    if (dst[MAILTMPLEN + 1] != 'Z')	/* never written past the buffer */
      bad++;
    p = env_mailbox_path (name, &error);
    if (p)
      fs_give ((void **) &p);
    else if (!error)
      bad++;
  }
  CHECK_INTEQ (bad, 0);
  fs_give ((void **) &home);
}

/* ---------------------------------------------------------------- policy */

/* restrict-mailbox-access, chroot-server and anonymous sessions: a table
 * of names per mode.  expect: NIL = refused, and error (if not NIL) must
 * be part of the message; else a path, where a leading "H/" is the home
 * directory, "F/" #ftp's, "P/" #public's, "S/" #shared's, "Q/" the spool
 * directory and "T/" the scratch directory (names may use "Q/" and "T/"
 * too). */
struct policy_case {
  const char *name;
  const char *expect;
  const char *error;
};

struct policy_dirs {
  const char *home, *ftp, *pub, *shared, *spool;
};

static void
policy_expand (struct buf *b, const char *expect, const struct policy_dirs *d)
{
  static const char keys[] = "HFPSQT";
  const char *dirs[6];
  const char *k;

  dirs[0] = d->home;
  dirs[1] = d->ftp;
  dirs[2] = d->pub;
  dirs[3] = d->shared;
  dirs[4] = d->spool;
  dirs[5] = topdir;
  buf_reset (b);
  if (expect[0] && expect[1] == '/' && (k = strchr (keys, expect[0])))
    buf_printf (b, "%s/%s", dirs[k - keys], expect + 2);
  else
    buf_puts (b, expect);
}

static void
policy_check (const char *mode, const struct policy_case *c, size_t n,
	      const struct policy_dirs *d)
{
  struct buf exp = BUF_INIT, nm = BUF_INIT;
  char dst[MAILTMPLEN];
  size_t i;

  for (i = 0; i < n; i++) {
    const char *error = NIL, *name = c[i].name;
    char *got, *mf;

    if ((name[0] == 'T' || name[0] == 'Q') && name[1] == '/') {
      policy_expand (&nm, name, d);
      name = buf_cstr (&nm);
    }
    got = env_mailbox_path (name, &error);
    mf = mailboxfile (dst, (char *) name);

    if (!c[i].expect) {
      if (!CHECK (got == NIL && mf == NIL))
	printf ("  %s: %s gave %s\n", mode, name, got ? got : dst);
      else if (c[i].error && !CHECK (error && strstr (error, c[i].error)))
	printf ("  %s: %s: error \"%s\" lacks \"%s\"\n", mode, name,
		error ? error : "(none)", c[i].error);
    }
    else {
      policy_expand (&exp, c[i].expect, d);
      if (!CHECK (got != NIL && mf == dst))
	printf ("  %s: %s refused: %s\n", mode, name,
		error ? error : "(no error)");
      else if (!CHECK (!strcmp (got, buf_cstr (&exp)) && !strcmp (dst, got)))
	printf ("  %s: %s gave %s, expected %s\n", mode, name, got,
		buf_cstr (&exp));
    }
    if (got)
      fs_give ((void **) &got);
  }
  buf_free (&exp);
  buf_free (&nm);
}

/* The namespaces as one string: "personal|other|shared", names joined by
 * spaces, e.g. " ~|#ftp/ #public/" (the personal one is "") */
static char *
policy_namespaces (void)
{
  NAMESPACE **ns = env_parameters (GET_NAMESPACE, NIL);
  struct buf b = BUF_INIT;
  int i;

  for (i = 0; ns && i < 3; i++) {
    NAMESPACE *n;

    if (i)
      buf_putc (&b, '|');
    for (n = ns[i]; n; n = n->next)
      buf_printf (&b, "%s%s", n == ns[i] ? "" : " ", n->name);
  }
  return buf_detach (&b);
}

static void
check_namespaces (const char *expect, int line)
{
  char *got = policy_namespaces ();

  if (!CHECK (!strcmp (got, expect)))
    printf ("%s:%d: namespaces \"%s\", expected \"%s\"\n", __FILE__, line,
	    got, expect);
  fs_give ((void **) &got);
}

static const struct policy_case restrict_root[] = {
  { "../x", NIL, "\"..\", \"//\" or \"/~\"" },
  { "a//b", NIL, "\"..\"" },
  { "a/~b", NIL, "\"..\"" },
  { "a/../b", NIL, NIL },
  { "..", NIL, NIL },
  { "/etc/passwd", NIL, "your home directory" },
  { "/", NIL, NIL },
  { "T/home/../etc", NIL, "\"..\"" },
  { "T/home//x", NIL, NIL },
  { "T/homeevil/x", NIL, "restricted" },	/* a prefix, not a parent */
  { "T/hom", NIL, NIL },
  { "T/home/mail/x", "H/mail/x", NIL },
  { "T/home/", "H/", NIL },
  { "T/home", "T/home", NIL },
  { "Q/tester", "Q/tester", NIL },	/* the spool INBOX itself */
  { "Q/testerx", NIL, NIL },
  { "Q/other", NIL, NIL },
  { "INBOX", "", NIL },
  { "foo", "H/foo", NIL },
  { "~/x", "H/x", NIL },
  { "~", NIL, "~/name" },
  { "#ftp/x", "F/x", NIL },
  { "#ftp/../x", NIL, NIL },
  { "#news.comp.lang.c", NIL, "no news service" },
  { "#bogus/x", NIL, "unknown namespace" },
};

static const struct policy_case restrict_other[] = {
  { "~root/x", NIL, "other users' mailboxes" },
  { "~root", NIL, "other users' mailboxes" },
  { "~no-such-user-bamboo/x", NIL, "other users' mailboxes" },
  { "~/x", "H/x", NIL },
  { "/etc/passwd", "/etc/passwd", NIL },	/* root is not restricted */
  { "../x", NIL, "\"..\"" },		/* any restriction refuses these */
  { "#shared/x", "S/x", NIL },		/* an administrator's shared tree */
  { "#shared/inbox", "S/INBOX", NIL },
  { "INBOX", "", NIL },
};

static const struct policy_case restrict_all[] = {
  { "~root/x", NIL, "other users' mailboxes" },
  { "/etc/passwd", NIL, "restricted" },
  { "Q/tester", "Q/tester", NIL },
  { "T/home/x", "H/x", NIL },
  { "x/../../y", NIL, NIL },
  { "x", "H/x", NIL },
};

static const struct policy_case restrict_none[] = {
  { "/etc/passwd", "/etc/passwd", NIL },
  { "a/../b", "H/a/../b", NIL },
  { "#ftp/a/../b", NIL, NIL },		/* namespaces always refuse them */
  { "~root/x", "/root/x", NIL },
};

/* chroot-server, after the server's chroot: home is "/" */
static const struct policy_case closed_root[] = {
  { "INBOX", "/INBOX", NIL },
  { "inbox", "/INBOX", NIL },
  { "foo", "/foo", NIL },
  { "a/b", "/a/b", NIL },
  { "~/foo", "/foo", NIL },
  { "/foo", "/foo", NIL },
  { "/", "/", NIL },
  { "../x", NIL, "\"..\"" },
  { "a//b", NIL, "\"..\"" },
  { "a/~b", NIL, "\"..\"" },
  { "/a/../b", NIL, NIL },
  { "#ftp/x", NIL, "chroot-server" },
  { "#public/x", NIL, "chroot-server" },
  { "#shared/x", NIL, "chroot-server" },
  { "#news.comp", NIL, "chroot-server" },
  { "~root/x", NIL, "other users' mailboxes" },
  { "~", NIL, NIL },
};

/* chroot-server when env_init got the real home (no chroot happened) */
static const struct policy_case closed_home[] = {
  { "INBOX", "H/INBOX", NIL },
  { "foo", "H/foo", NIL },
  { "T/home/x", "H/x", NIL },
  { "/etc/passwd", NIL, "outside your home directory" },
  { "T/homeevil/x", NIL, "outside your home directory" },
  { "Q/tester", NIL, NIL },		/* the spool is outside the box */
};

static const struct policy_case anonymous_names[] = {
  { "#public/x", "P/x", NIL },
  { "#PUBLIC/inbox", "P/INBOX", NIL },
  { "#ftp/x", "F/x", NIL },
  { "#ftp/pub/README", "F/pub/README", NIL },
  { "#news.comp", NIL, "no news service" },
  { "#shared/x", NIL, "anonymous" },
  { "#public/../x", NIL, "\"..\"" },
  { "#ftp/a//b", NIL, NIL },
  { "#ftp/a/~b", NIL, NIL },
  { "INBOX", NIL, "no INBOX" },
  { "inbox", NIL, "no INBOX" },
  { "x", NIL, "#public/, #ftp/ and #news." },
  { "a/b", NIL, "#public/, #ftp/ and #news." },
  { "/x", NIL, "absolute" },
  { "/etc/passwd", NIL, "absolute" },
  { "~x", NIL, "#public/, #ftp/ and #news." },
  { "~/x", NIL, NIL },
  { "~root/x", NIL, NIL },
  { "../x", NIL, NIL },
};

#define POLICY(mode, table, dirs) \
  policy_check (mode, table, sizeof table / sizeof table[0], dirs)

static void
test_policy_restrict (const struct policy_dirs *d)
{
  struct buf b = BUF_INIT;
  const char *error = NIL;
  char *p;

  env_init ("tester", (char *) d->home);
  env_parameters (SET_MAILSPOOLDIR, (void *) d->spool);
  CHECK_STREQ (sysinbox (), buf_cstr ((buf_printf (&b, "%s/tester", d->spool),
				       &b)));
  env_set_restrictbox (RESTRICTROOT);
  POLICY ("root", restrict_root, d);
  check_namespaces ("|~|#shared/ #ftp/ #public/", __LINE__);
  /* a configured system-inbox is the one absolute name allowed */
  env_parameters (SET_SYSINBOX, "/var/spool/mail/special");
  CHECK ((p = env_mailbox_path ("/var/spool/mail/special", &error)) != NIL);
  if (p)
    fs_give ((void **) &p);
  CHECK (env_mailbox_path ("/var/spool/mail/other", &error) == NIL);
  env_parameters (SET_SYSINBOX, NIL);
  /* ~user whose home is "/" would open the whole file system */
  if (getpwnam ("bin") && !strcmp (getpwnam ("bin")->pw_dir, "/bin")) {
    CHECK ((p = env_mailbox_path ("~bin/x", &error)) != NIL &&
	   !strcmp (p, "/bin/x"));
    if (p)
      fs_give ((void **) &p);
  }

  env_set_restrictbox (RESTRICTOTHERUSER);
  POLICY ("otherusers", restrict_other, d);
  check_namespaces ("||#shared/ #ftp/ #public/", __LINE__);
  env_set_restrictbox (RESTRICTROOT | RESTRICTOTHERUSER);
  POLICY ("all", restrict_all, d);
  check_namespaces ("||#shared/ #ftp/ #public/", __LINE__);
  env_set_restrictbox (0);
  POLICY ("none", restrict_none, d);
  check_namespaces ("|~|#shared/ #ftp/ #public/", __LINE__);
  /* the configuration words */
  {
    char *cf = path_in ("restrict.cf");
    static const char *words[] = { "root", "otherusers", "all", "none",
      "root otherusers", "none, root" };
    static const long bits[] = { RESTRICTROOT, RESTRICTOTHERUSER,
      RESTRICTROOT | RESTRICTOTHERUSER, 0, RESTRICTROOT | RESTRICTOTHERUSER,
      RESTRICTROOT };
    size_t i;

    for (i = 0; i < sizeof words / sizeof words[0]; i++) {
      buf_reset (&b);
      buf_printf (&b, "set restrict-mailbox-access %s\n", words[i]);
      write_file (cf, b.data, b.len);
      env_set_restrictbox (-1L & ~(RESTRICTROOT | RESTRICTOTHERUSER));
      buf_reset (&logged);
      dorc (cf, NIL);
      CHECK_INTEQ (env_get_restrictbox (), bits[i]);
      CHECK_INTEQ (logged.len, 0);
    }
    /* never from a user's own file */
    env_set_restrictbox (RESTRICTROOT);
    write_file (cf, "set restrict-mailbox-access none\n", 33);
    buf_reset (&logged);
    dorc (cf, LONGT);
    CHECK_INTEQ (env_get_restrictbox (), RESTRICTROOT);
    CHECK (logged_has ("only allowed in the system configuration"));
    fs_give ((void **) &cf);
  }
  env_set_restrictbox (0);
  env_parameters (SET_MAILSPOOLDIR, NIL);
  buf_free (&b);
}

static void
test_policy_closed (const struct policy_dirs *d)
{
  struct buf b = BUF_INIT;
  char dst[MAILTMPLEN];
  char *cf = path_in ("chroot.cf");

  /* "set chroot-server" reaches the environment */
  write_file (cf, "set chroot-server yes\n", 22);
  dorc (cf, NIL);
  CHECK (env_parameters (GET_CHROOTSERVER, NIL) != NIL);
  env_parameters (SET_MAILSPOOLDIR, (void *) d->spool);

  /* after the chroot the server calls env_init (user, "/") */
  env_init ("tester", "/");
  CHECK_STREQ (sysinbox (), "/INBOX");
  CHECK_STREQ (env_parameters (GET_SYSINBOX, NIL), "/INBOX");
  POLICY ("chroot /", closed_root, d);
  check_namespaces ("||", __LINE__);
  CHECK (mailboxdir (dst, NIL, NIL) == dst);
  CHECK_STREQ (dst, "/");
  /* system-inbox names a file outside the box: ~/INBOX wins */
  env_parameters (SET_SYSINBOX, "/var/mail/tester");
  CHECK_STREQ (sysinbox (), "/INBOX");
  env_parameters (SET_SYSINBOX, NIL);
  /* mail-subdirectory moves the names but not INBOX */
  env_parameters (SET_MAILSUBDIR, "Mail");
  CHECK (mailboxfile (dst, "foo") == dst);
  CHECK_STREQ (dst, "/Mail/foo");
  CHECK (mailboxfile (dst, "INBOX") == dst);
  CHECK_STREQ (dst, "/INBOX");
  env_parameters (SET_MAILSUBDIR, NIL);
  /* restrict-mailbox-access on top changes nothing inside the box */
  env_set_restrictbox (RESTRICTROOT | RESTRICTOTHERUSER);
  POLICY ("chroot / + all", closed_root, d);
  env_set_restrictbox (0);

  /* not chrooted (a real home): the box is still the home directory */
  env_init ("tester", (char *) d->home);
  buf_printf (&b, "%s/INBOX", d->home);
  CHECK_STREQ (sysinbox (), buf_cstr (&b));
  POLICY ("chroot home", closed_home, d);
  check_namespaces ("||", __LINE__);

  /* off again: the spool INBOX and the namespaces come back */
  env_parameters (SET_CHROOTSERVER, NIL);
  buf_reset (&b);
  buf_printf (&b, "%s/tester", d->spool);
  CHECK_STREQ (sysinbox (), buf_cstr (&b));
  CHECK (mailboxfile (dst, "INBOX") == dst);
  CHECK_STREQ (dst, "");
  check_namespaces ("|~|#shared/ #ftp/ #public/", __LINE__);
  env_parameters (SET_MAILSPOOLDIR, NIL);
  fs_give ((void **) &cf);
  buf_free (&b);
}

static void
test_policy_anonymous (const struct policy_dirs *d)
{
  char *anon = path_in ("anon");
  char dst[MAILTMPLEN];

  mkdir (anon, 0755);
  env_parameters (SET_ANONYMOUSHOME, anon);
  env_init (NIL, NIL);
  POLICY ("anonymous", anonymous_names, d);
  check_namespaces ("||#ftp/ #public/", __LINE__);
  /* nothing of its own to list */
  CHECK (mailboxdir (dst, NIL, NIL) == dst);
  CHECK_STREQ (dst, "");
  CHECK (mailboxdir (dst, "", "%") == NIL);
  /* only what is configured */
  env_parameters (SET_FTPHOME, NIL);
  check_namespaces ("||#public/", __LINE__);
  CHECK (mailboxfile (dst, "#ftp/x") == NIL);
  env_parameters (SET_FTPHOME, (void *) d->ftp);
  /* anonymous rules win over chroot-server (no home to close into) */
  env_parameters (SET_CHROOTSERVER, (void *) 1);
  POLICY ("anonymous + chroot", anonymous_names, d);
  check_namespaces ("||#ftp/ #public/", __LINE__);
  env_parameters (SET_CHROOTSERVER, NIL);
  /* and over restrict-mailbox-access none */
  env_set_restrictbox (0);
  POLICY ("anonymous + none", anonymous_names, d);
  env_parameters (SET_ANONYMOUSHOME, NIL);
  env_init ("tester", (char *) d->home);
  fs_give ((void **) &anon);
}

/* Random names under every mode: whatever is accepted never climbs, and
 * whatever is refused says why */
static void
test_policy_random (const struct policy_dirs *d)
{
  static const char alphabet[] = "/~#.aI*%NBOXftpublic";
  int mode, n, bad = 0;

  srand (777);
  for (mode = 0; mode < 4; mode++) {
    switch (mode) {
    case 0: env_init ("tester", (char *) d->home);
      env_set_restrictbox (RESTRICTROOT | RESTRICTOTHERUSER); break;
    case 1: env_set_restrictbox (0);
      env_parameters (SET_CHROOTSERVER, (void *) 1);
      env_init ("tester", "/"); break;
    case 2: env_init ("tester", (char *) d->home); break;
    case 3: env_parameters (SET_CHROOTSERVER, NIL); env_init (NIL, NIL); break;
    }
    for (n = 0; n < 5000; n++) {
      char name[64];
      size_t len = 1 + (size_t) rand () % (sizeof name - 2), i;
      const char *error = NIL;
      char *p;

      for (i = 0; i < len; i++)
	name[i] = alphabet[rand () % (sizeof alphabet - 1)];
      name[len] = '\0';
      if (n % 3 == 0 && mode != 3)
	memcpy (name, "#public/", 8 < len ? 8 : len);
      if (!(p = env_mailbox_path (name, &error))) {
	bad += !error || !*error;
	continue;
      }
      if (strstr (p, "/../") || strstr (p, "//") || strstr (p, "/~") ||
	  (mode != 2 && *p && *p != '/') ||
	  (mode == 3 && strncmp (p, d->pub, strlen (d->pub)) &&
	   strncmp (p, d->ftp, strlen (d->ftp)))) {
	if (bad++ < 5)
	  printf ("  mode %d: %s -> %s\n", mode, name, p);
      }
      fs_give ((void **) &p);
    }
  }
  CHECK_INTEQ (bad, 0);
  env_set_restrictbox (0);
  env_parameters (SET_CHROOTSERVER, NIL);
  env_init ("tester", (char *) d->home);
}

/* dotlock: under chroot-server the mlock helper is never run.  Needs a
 * directory the process cannot write, so it runs as nobody when root. */
static const char policy_mlock_text[] =
  "#!/bin/sh\n"
  "touch \"$(dirname \"$0\")/log/ran\"\n"
  "printf +\n"
  "c=$(dd bs=1 count=1 2>/dev/null)\n";

static int
policy_mlock_child (const char *spool, const char *helper, int chroot_on)
{
  char *mbox = path_in ("lockspool/box");
  const char *err = NIL;
  DOTLOCK dl;
  int fd, rc, ret;

  if (geteuid () == 0) {
    gid_t g = 65534;

    if (setgroups (1, &g) < 0 || setgid (65534) < 0 || setuid (65534) < 0)
      return 10;
  }
  if (!access (spool, W_OK))
    return 11;			/* the case cannot be made */
  env_parameters (SET_CHROOTSERVER, (void *) (long) chroot_on);
  lock_set_mlock_path (helper);
  fd = open (mbox, O_RDONLY);
  rc = lock_dot (NIL, mbox, fd, &dl, &err);
  /* 0: no helper pipes (chroot); 1: the helper holds the lock */
  ret = rc ? 12 : dl.pipei >= 0;
  lock_undot (&dl);
  if (fd >= 0)
    close (fd);
  fs_give ((void **) &mbox);
  return ret;
}

static int
policy_mlock_run (const char *spool, const char *helper, int chroot_on)
{
  int status;
  pid_t pid;

  fflush (stdout);
  if ((pid = fork ()) == 0)
    _exit (policy_mlock_child (spool, helper, chroot_on));
  if (pid < 0 || waitpid (pid, &status, 0) != pid || !WIFEXITED (status))
    return -1;
  return WEXITSTATUS (status);
}

static void
test_policy_mlock (void)
{
  char *spool = path_in ("lockspool");
  char *mbox = path_in ("lockspool/box");
  char *hdir = path_in ("mlockhelper");
  char *logdir = path_in ("mlockhelper/log");
  char *helper = path_in ("mlockhelper/mlock");
  char *ran = path_in ("mlockhelper/log/ran");
  struct stat sbuf;
  int r;

  chmod (topdir, 0755);		/* nobody must get in */
  mkdir (spool, 0755);
  write_file (mbox, "", 0);
  chmod (mbox, 0644);
  chmod (spool, 0555);
  mkdir (hdir, 0755);
  mkdir (logdir, 0777);
  chmod (logdir, 0777);
  write_file (helper, policy_mlock_text, sizeof policy_mlock_text - 1);
  chmod (helper, 0755);

  r = policy_mlock_run (spool, helper, 1);
  CHECK_INTEQ (r, 0);		/* no helper pipes */
  CHECK (stat (ran, &sbuf) < 0);	/* and the helper never ran */
  /* the same without chroot-server: the helper is used (so the case
   * above really reached the point where it would have been) */
  r = policy_mlock_run (spool, helper, 0);
  CHECK_INTEQ (r, 1);
  CHECK (stat (ran, &sbuf) == 0);
  chmod (spool, 0755);
  chmod (topdir, 0700);
  fs_give ((void **) &spool);
  fs_give ((void **) &mbox);
  fs_give ((void **) &hdir);
  fs_give ((void **) &logdir);
  fs_give ((void **) &helper);
  fs_give ((void **) &ran);
}

static void
test_policy (void)
{
  char *home = path_in ("home");
  char *evil = path_in ("homeevil");
  char *ftp = path_in ("ftp");
  char *pub = path_in ("public");
  char *shared = path_in ("shared");
  char *spool = path_in ("spool");
  struct policy_dirs d;

  mkdir (home, 0700);
  mkdir (evil, 0700);
  mkdir (ftp, 0755);
  mkdir (pub, 0777);
  mkdir (shared, 0770);
  mkdir (spool, 0775);
  d.home = home;
  d.ftp = ftp;
  d.pub = pub;
  d.shared = shared;
  d.spool = spool;
  env_parameters (SET_FTPHOME, ftp);
  env_parameters (SET_PUBLICHOME, pub);
  env_parameters (SET_SHAREDHOME, shared);

  test_policy_restrict (&d);
  test_policy_closed (&d);
  test_policy_anonymous (&d);
  test_policy_random (&d);
  test_policy_mlock ();

  env_parameters (SET_FTPHOME, NIL);
  env_parameters (SET_PUBLICHOME, NIL);
  env_parameters (SET_SHAREDHOME, NIL);
  env_init ("tester", home);
  fs_give ((void **) &home);
  fs_give ((void **) &evil);
  fs_give ((void **) &ftp);
  fs_give ((void **) &pub);
  fs_give ((void **) &shared);
  fs_give ((void **) &spool);
}

/* ---------------------------------------------------------------- files */

static void
test_files (void)
{
  char *p = path_in ("files");
  char *deep = path_in ("files/a/b/c/");
  char *file = path_in ("files/x/y/box");
  char *lnk = path_in ("files/link");
  char *hard = path_in ("files/hard");
  char *data;
  struct stat sbuf;
  int fd;

  mkdir (p, 0700);
  /* path_create: directories only, with the directory protection */
  CHECK (path_create (NIL, deep) == LONGT);
  CHECK (!stat (deep, &sbuf) && S_ISDIR (sbuf.st_mode));
  CHECK_INTEQ (sbuf.st_mode & 07777, 0700);
  CHECK (path_create (NIL, file) == LONGT);
  CHECK (stat (file, &sbuf) < 0);	/* no file created */
  file[strlen (file) - 4] = '\0';
  CHECK (!stat (file, &sbuf) && S_ISDIR (sbuf.st_mode));
  /* as in UW, the final directory of "a/b/c/" must be new ... */
  buf_reset (&logged);
  CHECK (path_create (NIL, deep) == NIL);
  CHECK (logged_has ("directory already exists"));
  /* ... but existing superiors of a file path are fine */
  file[strlen (file)] = '/';
  CHECK (path_create (NIL, file) == LONGT);
  /* "//" would give one file two mailbox names */
  {
    char *dbl = path_in ("files/q//r");

    buf_reset (&logged);
    CHECK (path_create (NIL, dbl) == NIL);
    CHECK (logged_has ("empty hierarchy level"));
    fs_give ((void **) &dbl);
  }
  /* a file in the way */
  {
    char *blocker = path_in ("files/blk");
    char *under = path_in ("files/blk/z/w");

    write_file (blocker, "x", 1);
    buf_reset (&logged);
    CHECK (path_create (NIL, under) == NIL);
    CHECK (logged_has ("a file is in the way"));
    fs_give ((void **) &blocker);
    fs_give ((void **) &under);
  }

  /* os_write_all / safe_write / os_fsync_path_dir */
  fd = open (lnk, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (CHECK (fd >= 0)) {
    char big[200000];

    memset (big, 'q', sizeof big);
    CHECK_INTEQ (os_write_all (fd, big, sizeof big), sizeof big);
    CHECK_INTEQ (safe_write (fd, "end", 3), 3);
    CHECK_INTEQ (safe_write (fd, "x", -1), -1);
    close (fd);
    CHECK_INTEQ (os_fsync_path_dir (lnk), 0);
    data = read_file (lnk);
    CHECK (data && strlen (data) == sizeof big + 3);
    if (data)
      fs_give ((void **) &data);
  }
  CHECK_INTEQ (os_write_all (-1, "x", 1), -1);
  CHECK_INTEQ (os_fsync_path_dir ("/nonexistent/dir/file"), -1);

  /* os_pwrite_all / os_pread_all / os_fsync_dir */
  fd = open (lnk, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (CHECK (fd >= 0)) {
    char got[8];

    CHECK_INTEQ (os_pwrite_all (fd, "abcdef", 6, 0), 0);
    CHECK_INTEQ (os_pwrite_all (fd, "XY", 2, 2), 0);
    CHECK_INTEQ (os_pread_all (fd, got, 6, 0), 0);
    CHECK_MEMEQ (got, 6, "abXYef", 6);
    CHECK_INTEQ (os_pread_all (fd, got, 3, 4), -1);	/* past the end */
    CHECK_INTEQ (errno, EIO);
    CHECK_INTEQ (os_pread_all (fd, got, 0, 100), 0);
    close (fd);
    CHECK_INTEQ (os_pread_all (-1, got, 1, 0), -1);
  }
  CHECK_INTEQ (os_pwrite_all (-1, "x", 1, 0), -1);
  CHECK_INTEQ (os_fsync_dir (topdir), 0);
  CHECK_INTEQ (os_fsync_dir ("/nonexistent/dir"), -1);

  /* chk_notsymlink */
  CHECK_INTEQ (chk_notsymlink (lnk, &sbuf), LONGT);
  CHECK (link (lnk, hard) == 0);
  buf_reset (&logged);
  CHECK_INTEQ (chk_notsymlink (lnk, &sbuf), NIL);
  CHECK (logged_has ("hard link"));
  unlink (hard);
  CHECK (symlink (lnk, hard) == 0);
  buf_reset (&logged);
  CHECK_INTEQ (chk_notsymlink (hard, &sbuf), NIL);
  CHECK (logged_has ("symbolic link"));
  CHECK_INTEQ (chk_notsymlink ("/nonexistent/x", &sbuf), -1);

  /* protections */
  CHECK_INTEQ (get_dir_protection ("foo"), 0700);
  CHECK_INTEQ (get_dir_protection ("#ftp/foo"), 0755);
  CHECK_INTEQ (get_dir_protection ("#public/foo"), 0777);
  CHECK_INTEQ (get_dir_protection ("#shared/foo"), 0770);
  chmod (lnk, 0777);
  CHECK (set_mbx_protections ("box", lnk) == LONGT);
  CHECK (!stat (lnk, &sbuf) && (sbuf.st_mode & 07777) == 0600);
  CHECK (set_mbx_protections ("#public/box", lnk) == LONGT);
  CHECK (!stat (lnk, &sbuf) && (sbuf.st_mode & 07777) == 0666);
  CHECK (set_mbx_protections ("#shared/dir", deep) == LONGT);
  CHECK (!stat (deep, &sbuf) && (sbuf.st_mode & 07777) == 0770);
  CHECK (set_mbx_protections ("dir", deep) == LONGT);
  CHECK (!stat (deep, &sbuf) && (sbuf.st_mode & 07777) == 0700);

  fs_give ((void **) &p);
  fs_give ((void **) &deep);
  fs_give ((void **) &file);
  fs_give ((void **) &lnk);
  fs_give ((void **) &hard);
}

/* ---------------------------------------------------------------- subscriptions */

/* All names sm_read() gives, one per line */
static char *
read_subs (void)
{
  struct buf b = BUF_INIT;
  void *sdb = NIL;
  char *s;

  while ((s = sm_read (&sdb)) != NIL) {
    buf_puts (&b, s);
    buf_putc (&b, '\n');
  }
  CHECK (sdb == NIL);
  return buf_detach (&b);
}

static void
check_subs (const char *expect, int line)
{
  char *got = read_subs ();

  if (strcmp (got, expect)) {
    printf ("%s:%d: subscriptions differ\n", __FILE__, line);
    CHECK_STREQ (got, expect);
  }
  else
    CHECK (1);
  fs_give ((void **) &got);
}

static void
test_subscribe (void)
{
  char *home = path_in ("subhome");
  char *db = path_in ("subhome/.mailboxlist");
  char *tmp = path_in ("subhome/.mlbxlsttmp");
  char *data;
  struct stat sbuf;

  mkdir (home, 0700);
  env_init ("tester", home);
  check_subs ("", __LINE__);	/* no file yet */

  buf_reset (&logged);
  CHECK_INTEQ (sm_subscribe ("foo"), LONGT);
  CHECK_INTEQ (sm_subscribe ("bar/baz"), LONGT);
  CHECK_INTEQ (sm_subscribe ("inbox"), LONGT);	/* stored as INBOX */
  CHECK_INTEQ (logged.len, 0);
  check_subs ("foo\nbar/baz\nINBOX\n", __LINE__);
  data = read_file (db);
  CHECK_STREQ (data, "foo\nbar/baz\nINBOX\n");
  if (data)
    fs_give ((void **) &data);
  CHECK (stat (tmp, &sbuf) < 0);	/* renamed away */

  /* duplicates and missing names: UW's messages */
  buf_reset (&logged);
  CHECK_INTEQ (sm_subscribe ("foo"), NIL);
  CHECK (logged_has ("Already subscribed to mailbox foo"));
  CHECK_INTEQ (sm_subscribe ("INBOX"), NIL);
  CHECK (logged_has ("Already subscribed to mailbox INBOX"));
  CHECK_INTEQ (sm_unsubscribe ("nothere"), NIL);
  CHECK (logged_has ("Not subscribed to mailbox nothere"));
  CHECK_INTEQ (sm_unsubscribe ("Foo"), NIL);	/* case matters */
  CHECK (stat (tmp, &sbuf) < 0);
  check_subs ("foo\nbar/baz\nINBOX\n", __LINE__);

  CHECK_INTEQ (sm_unsubscribe ("bar/baz"), LONGT);
  check_subs ("foo\nINBOX\n", __LINE__);
  CHECK_INTEQ (sm_unsubscribe ("INBOX"), LONGT);
  CHECK_INTEQ (sm_unsubscribe ("foo"), LONGT);
  check_subs ("", __LINE__);
  CHECK (!stat (db, &sbuf) && sbuf.st_size == 0);

  /* bad names are refused, never written */
  buf_reset (&logged);
  CHECK_INTEQ (sm_subscribe ("two\nlines"), NIL);
  CHECK_INTEQ (sm_subscribe (""), NIL);
  CHECK_INTEQ (sm_subscribe (NIL), NIL);
  CHECK (logged_has ("invalid mailbox name"));
  check_subs ("", __LINE__);

  /* a corrupt file: very long line, NUL bytes, CRLF, blank lines */
  {
    struct buf b = BUF_INIT;
    int i;

    buf_puts (&b, "good1\n");
    for (i = 0; i < 100000; i++)
      buf_putc (&b, 'L');
    buf_puts (&b, "\n\n\r\n");
    buf_append (&b, "nul\0byte\n", 9);
    buf_puts (&b, "good2\r\n");
    buf_puts (&b, "last-no-newline");
    write_file (db, b.data, b.len);
    buf_free (&b);
  }
  check_subs ("good1\ngood2\nlast-no-newline\n", __LINE__);
  buf_reset (&logged);
  CHECK_INTEQ (sm_subscribe ("good3"), LONGT);
  CHECK (logged_has ("Dropped 2 unusable line(s)"));
  data = read_file (db);
  CHECK_STREQ (data, "good1\ngood2\nlast-no-newline\ngood3\n");
  if (data)
    fs_give ((void **) &data);

  /* the mode of an existing list is kept */
  chmod (db, 0640);
  CHECK_INTEQ (sm_unsubscribe ("good1"), LONGT);
  CHECK (!stat (db, &sbuf) && (sbuf.st_mode & 07777) == 0640);

  /* a stale temporary file from a crash does not matter */
  write_file (tmp, "junk\n", 5);
  CHECK_INTEQ (sm_subscribe ("after-crash"), LONGT);
  check_subs ("good2\nlast-no-newline\ngood3\nafter-crash\n", __LINE__);

  /* a symlink planted at the temporary name is not followed */
  {
    char *victim = path_in ("victim");

    write_file (victim, "precious\n", 9);
    unlink (tmp);
    CHECK (symlink (victim, tmp) == 0);
    buf_reset (&logged);
    CHECK_INTEQ (sm_subscribe ("x"), NIL);
    data = read_file (victim);
    CHECK_STREQ (data, "precious\n");
    if (data)
      fs_give ((void **) &data);
    unlink (tmp);
    fs_give ((void **) &victim);
  }

  /* abandoning sm_read early is not supported by UW's API either, but
   * running it to the end twice in a row must work */
  check_subs ("good2\nlast-no-newline\ngood3\nafter-crash\n", __LINE__);
  check_subs ("good2\nlast-no-newline\ngood3\nafter-crash\n", __LINE__);

  /* many concurrent writers: nothing lost, nothing torn */
  {
    int k, status, ok = 1;
    pid_t pids[8];

    unlink (db);
    buf_reset (&logged);
    fflush (stdout);
    for (k = 0; k < 8; k++) {
      if ((pids[k] = fork ()) == 0) {
	char name[32];
	int j;

	for (j = 0; j < 20; j++) {
	  snprintf (name, sizeof name, "p%d-%d", k, j);
	  if (!sm_subscribe (name)) {
	    printf ("  child %d: %s", k, buf_cstr (&logged));
	    fflush (stdout);
	    _exit (1);
	  }
	}
	_exit (0);
      }
    }
    for (k = 0; k < 8; k++) {
      if (pids[k] < 0 || waitpid (pids[k], &status, 0) < 0 ||
	  !WIFEXITED (status) || WEXITSTATUS (status))
	ok = 0;
    }
    CHECK (ok);
    data = read_subs ();
    {
      int lines = 0;
      char *s;

      for (s = data; *s; s++)
	lines += *s == '\n';
      CHECK_INTEQ (lines, 160);
    }
    CHECK (strstr (data, "p7-19\n") != NIL);
    fs_give ((void **) &data);
  }

  env_init ("tester", NIL);
  buf_reset (&logged);
  CHECK_INTEQ (sm_subscribe ("nohome"), NIL);
  CHECK (logged_has ("No home directory"));

  fs_give ((void **) &home);
  fs_give ((void **) &db);
  fs_give ((void **) &tmp);
}

/* os/clock-date.c: "now" in the two fixed forms (shape only: the values
 * are the clock's) */
static void
test_clock_dates (void)
{
  char d[64];
  const char *p;
  int i;

  memset (d, 'x', sizeof d);
  internal_date (d);
  /* "dd-Mmm-yyyy hh:mm:ss +zzzz" */
  CHECK_INTEQ (strlen (d), 26);
  CHECK (d[2] == '-' && d[6] == '-' && d[11] == ' ' && d[14] == ':' &&
	 d[17] == ':' && d[20] == ' ' && (d[21] == '+' || d[21] == '-'));
  for (i = 0; i < 12 && strncmp (d + 3, months[i], 3); i++);
  CHECK (i < 12);
  memset (d, 'x', sizeof d);
  rfc822_fixed_date (d);
  /* "d Mmm yyyy hh:mm:ss +zzzz" */
  p = strchr (d, ' ');
  CHECK (p && (p - d == 1 || p - d == 2) && strlen (p) == 24);
  if (p)
    CHECK (p[4] == ' ' && p[9] == ' ' && p[12] == ':' && p[15] == ':' &&
	   p[18] == ' ' && (p[19] == '+' || p[19] == '-'));
}

int
main (void)
{
  char *cf;

  if (!mkdtemp (topdir)) {
    perror ("mkdtemp");
    return 1;
  }
  t_callbacks = mail_callbacks_mm;
  t_callbacks.log = t_log;
  mail_parameters (NIL, SET_CALLBACKS, (void *) &t_callbacks);
  /* an empty system configuration: never read /etc/c-client.cf */
  cf = path_in ("system.cf");
  write_file (cf, "# empty\n", 8);
  setenv (ENV_CF_VARIABLE, cf, 1);

  test_mailboxfile ();
  test_identity ();
  test_config ();
  test_mailboxfile_random ();
  test_policy ();
  test_files ();
  test_subscribe ();
  test_clock_dates ();

  test_rm_rf (topdir);
  fs_give ((void **) &cf);
  env_free_all ();
  buf_free (&logged);
  return unit_done ();
}

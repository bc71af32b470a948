/*
 * test-server.c - server/: the secrets file (UW md5.txt) and APOP,
 * plaintext logins while a secrets file exists, SASL base64 and PLAIN,
 * syslog-safe names, and the interrupt check the connection's waits ask.
 * (The account file and the privilege drop are covered through imapd in
 * imapd/test-login.c.)
 */
#include <crypt.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "unit.h"
#include "test-fs.h"
#include "server.h"
#include "linkage.h"

static char topdir[] = "/tmp/test-server.XXXXXX";
static char *passwd_path, *secrets_path;

static char *
path_in (const char *name)
{
  return test_path (topdir, name);
}


static char *
make_hash (const char *password)
{
  char *salt = crypt_gensalt_ra (NULL, 0, NULL, 0);
  void *data = NULL;
  int size = 0;
  char *h = salt ? crypt_ra (password, salt, &data, &size) : NULL;
  char *ret = cpystr (h ? h : "*");
  free (salt);
  free (data);
  return ret;
}

static void
md5_hex (const char *text, char out[33])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0, i;
  EVP_Digest (text, strlen (text), md, &len, EVP_md5 (), NULL);
  for (i = 0; i < len && i < 16; i++)
    snprintf (out + 2 * i, 3, "%02x", md[i]);
}

static void
setup (void)
{
  struct buf b = BUF_INIT;
  char *h = make_hash ("hashpass");
  if (!mkdtemp (topdir)) {
    perror ("mkdtemp");
    exit (1);
  }
  passwd_path = path_in ("passwd");
  secrets_path = path_in ("cram-md5.pwd");
  buf_printf (&b, "alice:%s:1000:1000::/home/alice\n"
	      "bob:%s:1001:1001::/home/bob\n"
	      "carol:%s:1002:1002::/home/carol\n", h, h, h);
  test_write_file (passwd_path, buf_cstr (&b), 0600);
  /* UW md5.txt: user TAB secret; bob has none; a secret may hold spaces */
  test_write_file (secrets_path, "# secrets\n"
	      "alice\ttanstaaf\n"
	      "carol\twith space\n"
	      "ghost\tboo\n", 0400);
  buf_free (&b);
  fs_give ((void **) &h);
}

static void
test_without_secrets (void)
{
  struct server_options o = { .passwd_file = passwd_path, .secrets_file = secrets_path };
  struct server_account a;
  const char *err;
  char *missing = path_in ("no-such-file");
  o.secrets_file = missing;
  CHECK (!login_have_secrets (&o));
  CHECK_INTEQ (login_check (&o, "alice", "hashpass", &a, &err), 1);
  CHECK_STREQ (a.user, "alice");
  CHECK_STREQ (a.home, "/home/alice");
  CHECK_INTEQ (a.uid, 1000);
  login_account_free (&a);
  CHECK_INTEQ (login_check (&o, "alice", "tanstaaf", &a, &err), 0);
  /* no secrets file: APOP is refused whatever the digest */
  CHECK_INTEQ (login_check_apop (&o, "alice", "<1.2@h>", "00", &a, &err), 0);
  fs_give ((void **) &missing);
}

static void
test_with_secrets (void)
{
  struct server_options o = { .passwd_file = passwd_path, .secrets_file = secrets_path };
  struct server_account a;
  const char *err;
  CHECK (login_have_secrets (&o));
  /* UW's rule: the secret replaces the hash for plaintext logins */
  CHECK_INTEQ (login_check (&o, "alice", "tanstaaf", &a, &err), 1);
  CHECK_STREQ (a.user, "alice");
  CHECK_INTEQ (a.gid, 1000);
  login_account_free (&a);
  CHECK_INTEQ (login_check (&o, "alice", "hashpass", &a, &err), 0);
  CHECK (a.user == NULL);
  CHECK_INTEQ (login_check (&o, "carol", "with space", &a, &err), 1);
  login_account_free (&a);
  CHECK_INTEQ (login_check (&o, "carol", "with", &a, &err), 0);
  /* an account without a secret cannot log in at all then */
  CHECK_INTEQ (login_check (&o, "bob", "hashpass", &a, &err), 0);
  CHECK_INTEQ (login_check (&o, "bob", "", &a, &err), 0);
  /* a secret without an account is nobody */
  CHECK_INTEQ (login_check (&o, "ghost", "boo", &a, &err), 0);
  /* a comment line is not an account */
  CHECK_INTEQ (login_check (&o, "# secrets", "", &a, &err), 0);
}

static void
test_apop (void)
{
  struct server_options o = { .passwd_file = passwd_path, .secrets_file = secrets_path };
  struct server_account a;
  const char *err, *chal = "<1896.697170952@dbc.mtview.ca.us>";
  char good[33], upper[33];
  size_t i;
  struct buf t = BUF_INIT;

  /* RFC 1939's own example */
  md5_hex ("<1896.697170952@dbc.mtview.ca.us>tanstaaf", good);
  CHECK_STREQ (good, "c4c9334bac560ecc979e58001b3e22fb");
  CHECK_INTEQ (login_check_apop (&o, "alice", chal, good, &a, &err), 1);
  CHECK_STREQ (a.user, "alice");
  login_account_free (&a);
  for (i = 0; i < 33; i++)
    upper[i] = (good[i] >= 'a' && good[i] <= 'f') ? good[i] - 32 : good[i];
  CHECK_INTEQ (login_check_apop (&o, "alice", chal, upper, &a, &err), 1);
  login_account_free (&a);
  /* another challenge, a truncated or extended digest, another user */
  CHECK_INTEQ (login_check_apop (&o, "alice", "<1.2@x>", good, &a, &err), 0);
  good[31] = '\0';
  CHECK_INTEQ (login_check_apop (&o, "alice", chal, good, &a, &err), 0);
  md5_hex ("<1896.697170952@dbc.mtview.ca.us>tanstaaf", good);
  buf_printf (&t, "%s0", good);
  CHECK_INTEQ (login_check_apop (&o, "alice", chal, buf_cstr (&t), &a, &err),
	       0);
  CHECK_INTEQ (login_check_apop (&o, "carol", chal, good, &a, &err), 0);
  CHECK_INTEQ (login_check_apop (&o, "bob", chal, good, &a, &err), 0);
  CHECK_INTEQ (login_check_apop (&o, "alice", chal, "", &a, &err), 0);
  buf_free (&t);
}

static void
test_secrets_errors (void)
{
  struct server_options o = { .passwd_file = passwd_path };
  struct server_account a;
  const char *err = NULL;
  char *dir = path_in ("a-directory");
  mkdir (dir, 0700);
  o.secrets_file = dir;		/* exists, but cannot be read as a file */
  CHECK (login_have_secrets (&o));
  CHECK_INTEQ (login_check (&o, "alice", "tanstaaf", &a, &err), -1);
  CHECK (err && strstr (err, "secrets"));
  rmdir (dir);
  fs_give ((void **) &dir);
}

static void
test_sasl (void)
{
  struct buf out = BUF_INIT;
  const char *z, *c, *p;
  CHECK_INTEQ (sasl_base64_decode ("", 0, &out), 0);
  CHECK_INTEQ (out.len, 0);
  CHECK_INTEQ (sasl_base64_decode ("AGFsaWNlAHNlY3JldA==", 20, &out), 0);
  CHECK_MEMEQ (out.data, out.len, "\0alice\0secret", 13);
  CHECK_INTEQ (sasl_plain_split (&out, &z, &c, &p), 0);
  CHECK_STREQ (z, "");
  CHECK_STREQ (c, "alice");
  CHECK_STREQ (p, "secret");
  CHECK_INTEQ (sasl_base64_decode ("YQ==", 4, &out), 0);
  CHECK_MEMEQ (out.data, out.len, "a", 1);
  CHECK_INTEQ (sasl_base64_decode ("YWI=", 4, &out), 0);
  CHECK_MEMEQ (out.data, out.len, "ab", 2);
  /* not a multiple of 4, bad characters, padding in the middle, spaces */
  CHECK_INTEQ (sasl_base64_decode ("YQ=", 3, &out), -1);
  CHECK_INTEQ (sasl_base64_decode ("Y!==", 4, &out), -1);
  CHECK_INTEQ (sasl_base64_decode ("YQ==YQ==", 8, &out), -1);
  CHECK_INTEQ (sasl_base64_decode ("Y===", 4, &out), -1);
  CHECK_INTEQ (sasl_base64_decode ("YW I", 4, &out), -1);
  /* PLAIN messages: too few NULs, too many, an empty authcid */
  buf_reset (&out);
  buf_append (&out, "alice\0secret", 12);
  CHECK_INTEQ (sasl_plain_split (&out, &z, &c, &p), -1);
  buf_reset (&out);
  buf_append (&out, "a\0b\0c\0d", 7);
  CHECK_INTEQ (sasl_plain_split (&out, &z, &c, &p), -1);
  buf_reset (&out);
  buf_append (&out, "a\0\0pw", 5);
  CHECK_INTEQ (sasl_plain_split (&out, &z, &c, &p), -1);
  buf_reset (&out);
  buf_append (&out, "admin\0bob\0", 10);	/* an empty password is one */
  CHECK_INTEQ (sasl_plain_split (&out, &z, &c, &p), 0);
  CHECK_STREQ (z, "admin");
  CHECK_STREQ (c, "bob");
  CHECK_STREQ (p, "");
  buf_free (&out);
}

static void
test_log_name (void)
{
  struct buf b = BUF_INIT;
  char longname[200];
  login_log_name (&b, "bob\r\nForged: line\x01\xff");
  CHECK_STREQ (buf_cstr (&b), "bob??Forged: line??");
  memset (longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  login_log_name (&b, longname);
  CHECK_INTEQ (b.len, 80);
  buf_free (&b);
}

/* ---------------------------------------------- interrupt and its check */

static volatile sig_atomic_t flag;
static int check_calls, check_answer;

static int
check (void)
{
  check_calls++;
  if (!check_answer)
    flag = 0;			/* taken as handled: the wait goes on */
  return check_answer;
}

static void
on_alarm (int sig)
{
  flag = sig;
}

/* A wait interrupted by a signal: 1 when it gave up early, 0 when it ran
 * its whole timeout. */
static int
wait_interrupted (int answer)
{
  int fds[2], r;
  struct client *c;
  struct sigaction sa;
  struct itimerval it = { { 0, 0 }, { 0, 50000 } };	/* 50 ms */
  int64_t t0;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction (SIGALRM, &sa, NULL);
  if (pipe (fds))
    return -1;
  c = client_new (fds[0], fds[1]);
  flag = 0;
  check_calls = 0;
  check_answer = answer;
  client_set_interrupt (&flag, check);
  setitimer (ITIMER_REAL, &it, NULL);
  t0 = client_now_ms ();
  r = client_wait_input (c, 400);
  client_set_interrupt (NULL, NULL);
  client_free (c);
  close (fds[0]);
  close (fds[1]);
  /* given up: -1 well before the timeout; ignored: 0 at the timeout */
  return r == -1 && client_now_ms () - t0 < 300 ? 1
    : (r == 0 && client_now_ms () - t0 >= 350 ? 0 : -1);
}

static void
test_interrupt_check (void)
{
  CHECK_INTEQ (wait_interrupted (1), 1);
  CHECK_INTEQ (check_calls, 1);
  CHECK_INTEQ (wait_interrupted (0), 0);
  CHECK_INTEQ (check_calls, 1);
  CHECK_INTEQ (flag, 0);
}

/* ------------------------------------------------------ checkpassword */

/* A checkpassword program for a virtual domain: alice@example.org with
 * password "wonder"; temp@example.org fails temporarily (111); mute@...
 * succeeds without running its command; root@... claims uid 0.  As root
 * it becomes nobody before running its command, as vchkpw becomes the
 * vpopmail user. */
static const char checkpw_script[] =
  "#!/usr/bin/python3\n"
  "import os, sys\n"
  "data = b''\n"
  "while True:\n"
  "    chunk = os.read(3, 4096)\n"
  "    if not chunk: break\n"
  "    data += chunk\n"
  "user, pw, stamp = data.split(b'\\0')[:3]\n"
  "assert stamp.startswith(b'<') and stamp.endswith(b'>'), stamp\n"
  "if user == b'temp@example.org': sys.exit(111)\n"
  "if user == b'mute@example.org': sys.exit(0)\n"
  "if pw != b'wonder' or user not in (b'alice@example.org', b'root@example.org'):\n"
  "    sys.exit(1)\n"
  "if user != b'root@example.org' and os.getuid() == 0:\n"
  "    os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
  "os.environ['HOME'] = '/var/vpopmail/domains/example.org/alice'\n"
  "os.environ['USER'] = user.decode()\n"
  "os.execv(sys.argv[1], sys.argv[1:])\n";

static void
test_checkpassword (void)
{
  struct server_account a;
  const char *err = NULL;
  char *prog = path_in ("checkpw"), *missing = path_in ("no-such-program");
  unsigned long uid = geteuid () ? (unsigned long) geteuid () : 65534UL;
  struct server_options o = { .checkpassword = prog };

  test_write_file (prog, checkpw_script, 0755);
  CHECK_INTEQ (login_check (&o, "alice@example.org", "wonder", &a, &err), 1);
  CHECK_STREQ (a.user, "alice@example.org");
  CHECK_STREQ (a.home, "/var/vpopmail/domains/example.org/alice");
  CHECK_INTEQ (a.uid, uid);
  login_account_free (&a);
  CHECK_INTEQ (login_check (&o, "alice@example.org", "wonde", &a, &err), 0);
  CHECK (a.user == NULL);
  CHECK_INTEQ (login_check (&o, "bob@example.org", "wonder", &a, &err), 0);
  /* temporary failures and misbehaving programs are errors, not logins */
  CHECK_INTEQ (login_check (&o, "temp@example.org", "x", &a, &err), -1);
  CHECK (err && strstr (err, "exit status 111"));
  CHECK_INTEQ (login_check (&o, "mute@example.org", "x", &a, &err), -1);
  CHECK (err && strstr (err, "gave no account"));
  CHECK_INTEQ (login_check (&o, "root@example.org", "wonder", &a, &err),
	       geteuid () ? 1 : -1);
  if (geteuid ())
    login_account_free (&a);
  else
    CHECK (err && strstr (err, "uid 0"));
  o.checkpassword = missing;
  CHECK_INTEQ (login_check (&o, "alice@example.org", "wonder", &a, &err), -1);
  unlink (prog);
  fs_give ((void **) &prog);
  fs_give ((void **) &missing);
}

int
main (int argc, char *argv[])
{
#include "linkage.c"
  /* this program is the reply helper the checkpassword program runs */
  if (argc > 1 && !strcmp (argv[1], "--checkpassword-reply"))
    return login_checkpassword_reply ();
  setup ();
  test_without_secrets ();
  test_with_secrets ();
  test_apop ();
  test_secrets_errors ();
  test_sasl ();
  test_log_name ();
  test_interrupt_check ();
  test_checkpassword ();
  unlink (passwd_path);
  unlink (secrets_path);
  rmdir (topdir);
  fs_give ((void **) &passwd_path);
  fs_give ((void **) &secrets_path);
  return unit_done ();
}

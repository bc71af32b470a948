/*
 * test-login.c - imapd login.c (account file, password check, privilege
 * drop), cmd-auth.c (LOGIN, AUTHENTICATE PLAIN), cmd-any.c and session.c
 * (dispatch, state checks, replies, SELECT data, untagged updates).
 *
 * Commands run through the real parser and session_dispatch() with the
 * client on a pair of pipes.  Whatever logs in or changes the process's
 * ids runs in a child process, which reports its failure count back.
 */
#include <crypt.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "test-fs.h"
#include "imapd.h"
#include "linkage.h"

static char topdir[] = "/tmp/test-login.XXXXXX";
static char *passwd_path;
static char *home_path;

/* ------------------------------------------------------------ helpers */

/* options naming only an account file (no secrets file) */
static const struct server_options *
opts (const char *passwd_file)
{
  static struct server_options o;
  o.passwd_file = passwd_file;
  o.secrets_file = NULL;
  return &o;
}

static char *
path_in (const char *name)
{
  struct buf b = BUF_INIT;
  buf_printf (&b, "%s/%s", topdir, name);
  return buf_detach (&b);
}

static void
write_file (const char *path, const char *text)
{
  FILE *f = fopen (path, "w");
  if (!f) {
    perror (path);
    return;
  }
  fputs (text, f);
  fclose (f);
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

/* The uid a login in a child may switch to: ours when not root, else
 * nobody's (65534). */
static unsigned long
test_uid (void)
{
  return geteuid () ? (unsigned long) geteuid () : 65534UL;
}

static unsigned long
test_gid (void)
{
  return geteuid () ? (unsigned long) getegid () : 65534UL;
}

/* ----------------------------------------------------------- harness */

struct harness {
  int in[2];			/* test -> server */
  int out[2];			/* server -> test */
  struct imapd s;
  struct buf got;		/* server output of the last command */
};

static void
h_init (struct harness *h)
{
  memset (h, 0, sizeof *h);
  if (pipe (h->in) || pipe (h->out)) {
    perror ("pipe");
    exit (1);
  }
  fcntl (h->out[0], F_SETFL, O_NONBLOCK);
  h->s.client = client_new (h->in[0], h->out[1]);
  h->s.state = STATE_NOT_AUTHENTICATED;
  h->s.host = "[test]";
  h->s.localhost = "test.example";
  h->s.program = "imapd";
  h->s.opt.passwd_file = passwd_path;
  buf_init (&h->s.reply);
  session_install_callbacks (&h->s);
  session_auth_init (&h->s);
}

static void
h_free (struct harness *h)
{
  client_free (h->s.client);
  buf_free (&h->s.reply);
  buf_free (&h->got);
  if (h->s.last_error)
    fs_give ((void **) &h->s.last_error);
  close (h->in[0]);
  close (h->in[1]);
  close (h->out[0]);
  close (h->out[1]);
}

/* Input the server will read during the next command (continuations). */
static void
h_feed (struct harness *h, const char *text)
{
  if (write (h->in[1], text, strlen (text)) != (ssize_t) strlen (text))
    perror ("write");
}

/* Run one command line (CRLF added); the output lands in h->got. */
static const char *
h_cmd (struct harness *h, const char *line)
{
  struct imap_command_line cl;
  struct buf raw = BUF_INIT;
  const char *error = NULL;
  char tmp[4096];
  ssize_t n;

  buf_printf (&raw, "%s\r\n", line);
  memset (&cl, 0, sizeof cl);
  buf_reset (&h->got);
  if (imap_parse_command (raw.data, raw.len, &cl, &error))
    buf_printf (&h->got, "PARSE ERROR %s\r\n", error ? error : "?");
  else
    session_dispatch (&h->s, &cl);
  imap_command_line_free (&cl);
  buf_free (&raw);
  client_flush (h->s.client);
  while ((n = read (h->out[0], tmp, sizeof tmp)) > 0)
    buf_append (&h->got, tmp, (size_t) n);
  return buf_cstr (&h->got);
}

static int
has (const char *hay, const char *needle)
{
  if (strstr (hay, needle))
    return 1;
  printf ("  missing \"%s\" in:\n%s", needle, hay);
  return 0;
}

/* Run fn in a child; CHECK that it ran without failures. */
static void
in_child (void (*fn) (void), const char *what)
{
  int status = 0;
  pid_t pid;
  fflush (stdout);
  if ((pid = fork ()) == 0) {
    fn ();
    fflush (stdout);
    _exit (unit_nfailed > 100 ? 100 : (int) unit_nfailed);
  }
  if (!CHECK (pid > 0 && waitpid (pid, &status, 0) == pid))
    return;
  if (!CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0))
    printf ("  child \"%s\": status %d\n", what, status);
}

/* ------------------------------------------------------ account file */

static void
setup_accounts (void)
{
  struct buf b = BUF_INIT;
  char *good = make_hash ("secret");
  passwd_path = path_in ("passwd");
  home_path = path_in ("home");
  mkdir (home_path, 0755);
  if (!geteuid ())
    chown (home_path, (uid_t) test_uid (), (gid_t) test_gid ());
  buf_printf (&b,
	      "# accounts for test-login\n"
	      "\n"
	      "user:%s:%lu:%lu:Test User:%s:/bin/sh\n"
	      "noshell:%s:%lu:%lu::%s\n"
	      "locked:!%s:%lu:%lu::%s:\n"
	      "empty::%lu:%lu::%s:\n"
	      "star:*:%lu:%lu::%s:\n"
	      "rootish:%s:0:0::/root:/bin/sh\n"
	      "baduid:%s:12x:1::/tmp:\n"
	      "relhome:%s:1000:1000::home:\n"
	      "short:%s:1000\n",
	      good, test_uid (), test_gid (), home_path,
	      good, test_uid (), test_gid (), home_path,
	      good, test_uid (), test_gid (), home_path,
	      test_uid (), test_gid (), home_path,
	      test_uid (), test_gid (), home_path,
	      good, good, good, good);
  write_file (passwd_path, buf_cstr (&b));
  buf_free (&b);
  fs_give ((void **) &good);
}

static void
test_login_check (void)
{
  struct server_account a;
  const char *err = NULL;
  char *missing = path_in ("no-such-file");

  CHECK_INTEQ (login_check (opts (passwd_path), "user", "secret", &a, &err), 1);
  CHECK_STREQ (a.user, "user");
  CHECK_STREQ (a.home, home_path);
  CHECK_INTEQ (a.uid, test_uid ());
  CHECK_INTEQ (a.gid, test_gid ());
  login_account_free (&a);
  CHECK (a.user == NULL && a.home == NULL);

  CHECK_INTEQ (login_check (opts (passwd_path), "noshell", "secret", &a, &err), 1);
  login_account_free (&a);
  CHECK_INTEQ (login_check (opts (passwd_path), "user", "Secret", &a, &err), 0);
  CHECK (a.user == NULL);
  CHECK_INTEQ (login_check (opts (passwd_path), "user", "", &a, &err), 0);
  CHECK_INTEQ (login_check (opts (passwd_path), "User", "secret", &a, &err), 0);
  CHECK_INTEQ (login_check (opts (passwd_path), "use", "secret", &a, &err), 0);
  CHECK_INTEQ (login_check (opts (passwd_path), "nobody-here", "secret", &a, &err),
	       0);
  CHECK_INTEQ (login_check (opts (passwd_path), "# accounts for test-login", "x",
			    &a, &err), 0);
  /* locked, empty and "*" hashes never match, whatever is typed */
  CHECK_INTEQ (login_check (opts (passwd_path), "locked", "secret", &a, &err), 0);
  CHECK_INTEQ (login_check (opts (passwd_path), "empty", "", &a, &err), 0);
  CHECK_INTEQ (login_check (opts (passwd_path), "star", "*", &a, &err), 0);
  /* configuration errors name the problem, for syslog */
  CHECK_INTEQ (login_check (opts (passwd_path), "rootish", "secret", &a, &err), -1);
  CHECK (err && strstr (err, "root"));
  CHECK_INTEQ (login_check (opts (passwd_path), "baduid", "secret", &a, &err), -1);
  CHECK (err && strstr (err, "uid"));
  CHECK_INTEQ (login_check (opts (passwd_path), "relhome", "secret", &a, &err), -1);
  CHECK (err && strstr (err, "absolute"));
  CHECK_INTEQ (login_check (opts (passwd_path), "short", "secret", &a, &err), -1);
  CHECK (err && strstr (err, "fields"));
  CHECK_INTEQ (login_check (opts (missing), "user", "secret", &a, &err), -1);
  CHECK (err && strstr (err, "no-such-file"));
  CHECK_INTEQ (login_check (opts (NULL), "user", "secret", &a, &err), -1);
  CHECK (err && strstr (err, "--passwd"));
  fs_give ((void **) &missing);
}

/* ------------------------------------------------------ privileges */

static void
child_drop (void)
{
  struct server_account a = { "user", "/", (uid_t) test_uid (),
			     (gid_t) test_gid () };
  login_drop_privileges (&a);
  CHECK_INTEQ (getuid (), test_uid ());
  CHECK_INTEQ (geteuid (), test_uid ());
  if (test_uid () != 0)
    CHECK (setuid (0) != 0);	/* root is gone for good */
}

static void
child_drop_root (void)
{
  struct server_account a = { "root", "/", 0, 0 };
  login_drop_privileges (&a);	/* must not return */
  CHECK (!"login_drop_privileges returned for uid 0");
}

static void
test_privileges (void)
{
  int status = 0;
  pid_t pid;
  in_child (child_drop, "drop to the account");
  fflush (stdout);
  if ((pid = fork ()) == 0) {
    child_drop_root ();
    _exit (0);
  }
  CHECK (pid > 0 && waitpid (pid, &status, 0) == pid);
  CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 1);
}

/* ------------------------------------------------ dispatch before login */

static void
test_dispatch_noauth (void)
{
  struct harness h;
  struct buf big = BUF_INIT;
  int i;

  h_init (&h);
  CHECK_STREQ (h_cmd (&h, "a1 FOO"), "a1 BAD Command unrecognized: FOO\r\n");
  CHECK_INTEQ (h.s.bad_count, 1);
  CHECK (has (h_cmd (&h, "a2 SELECT INBOX"), "a2 BAD Command not valid in "
	      "this state: SELECT\r\n"));
  CHECK (has (h_cmd (&h, "a3 uid fetch 1 FLAGS"), "a3 BAD Command not valid "
	      "in this state: FETCH\r\n"));
  CHECK (has (h_cmd (&h, "a4 UID LOGIN a b"), "a4 BAD Command unrecognized: "
	      "UID LOGIN\r\n"));
  CHECK (has (h_cmd (&h, "a5 UID"), "a5 BAD"));
  CHECK_INTEQ (h.s.bad_count, 5);
  h_cmd (&h, "a6 capability");
  CHECK (has (buf_cstr (&h.got), "* CAPABILITY IMAP4REV1 "));
  CHECK (has (buf_cstr (&h.got), " AUTH=PLAIN AUTH=LOGIN\r\n"));
  CHECK (has (buf_cstr (&h.got), " SASL-IR "));
  CHECK (!strstr (buf_cstr (&h.got), "STARTTLS"));
  CHECK (has (buf_cstr (&h.got), "a6 OK CAPABILITY completed\r\n"));
  CHECK_INTEQ (h.s.bad_count, 0);
  CHECK (has (h_cmd (&h, "a7 CAPABILITY X"), "a7 BAD Argument given to "
	      "CAPABILITY when none expected\r\n"));
  CHECK_STREQ (h_cmd (&h, "a8 NOOP"), "a8 OK NOOP completed\r\n");
  CHECK (has (h_cmd (&h, "a9 ENABLE UTF8=ACCEPT"), "a9 BAD"));
  CHECK (has (h_cmd (&h, "b1 STARTTLS"), "b1 NO STARTTLS not available"));

  /* ID: NIL or field/value pairs, bounded */
  h_cmd (&h, "b2 ID NIL");
  CHECK (has (buf_cstr (&h.got), "* ID (\"name\" \"Bamboo IMAP\" "
	      "\"version\" "));
  CHECK (has (buf_cstr (&h.got), "b2 OK ID completed\r\n"));
  CHECK (has (h_cmd (&h, "b3 ID (\"name\" \"x\" \"os\" NIL)"), "b3 OK"));
  CHECK (has (h_cmd (&h, "b4 ID (\"name\")"), "b4 BAD"));
  CHECK (has (h_cmd (&h, "b5 ID"), "b5 BAD"));
  CHECK (has (h_cmd (&h, "b6 ID NIL NIL"), "b6 BAD"));
  CHECK (has (h_cmd (&h, "b7 ID (name \"x\")"), "b7 BAD"));
  buf_puts (&big, "b8 ID (");
  for (i = 0; i <= LIM_IMAP_ID_PARAMS; i++)
    buf_printf (&big, "%s\"f%d\" \"v\"", i ? " " : "", i);
  buf_puts (&big, ")");
  CHECK (has (h_cmd (&h, buf_cstr (&big)), "b8 BAD"));
  buf_reset (&big);
  buf_puts (&big, "b9 ID (\"name\" \"");
  for (i = 0; i <= LIM_IMAP_ID_STRING; i++)
    buf_putc (&big, 'x');
  buf_puts (&big, "\")");
  CHECK (has (h_cmd (&h, buf_cstr (&big)), "b9 BAD"));
  buf_free (&big);

  /* AUTHENTICATE: mechanisms, bad base64, cancel, malformed PLAIN */
  CHECK (has (h_cmd (&h, "c1 AUTHENTICATE CRAM-MD5"), "c1 NO Unsupported "
	      "authentication mechanism\r\n"));
  CHECK (has (h_cmd (&h, "c2 AUTHENTICATE PLAIN !!!!"), "c2 BAD Invalid "
	      "base64"));
  CHECK (has (h_cmd (&h, "c3 AUTHENTICATE PLAIN AAA"), "c3 BAD Invalid "
	      "base64"));
  h_feed (&h, "*\r\n");
  h_cmd (&h, "c4 AUTHENTICATE PLAIN");
  CHECK (has (buf_cstr (&h.got), "+ \r\n"));
  CHECK (has (buf_cstr (&h.got), "c4 BAD AUTHENTICATE aborted\r\n"));
  /* "user" alone, no NULs */
  CHECK (has (h_cmd (&h, "c5 AUTHENTICATE PLAIN dXNlcg=="), "c5 BAD Invalid "
	      "PLAIN"));
  /* "=": an empty initial response */
  CHECK (has (h_cmd (&h, "c6 AUTHENTICATE PLAIN ="), "c6 BAD Invalid PLAIN"));
  CHECK (has (h_cmd (&h, "c7 LOGIN onlyuser"), "c7 BAD Missing or invalid "
	      "argument to LOGIN\r\n"));
  CHECK_INTEQ (h.s.login_failures, 0);
  CHECK_INTEQ (h.s.state, STATE_NOT_AUTHENTICATED);

  /* a wrong password: NO with no detail (after the delay) */
  CHECK_STREQ (h_cmd (&h, "d1 LOGIN user wrong"), "d1 NO Login failed.\r\n");
  CHECK_INTEQ (h.s.login_failures, 1);
  CHECK_INTEQ (h.s.state, STATE_NOT_AUTHENTICATED);
  CHECK (h.s.user == NULL);
  h_free (&h);
}

/* ------------------------------------------------- logging in (child) */

static struct harness *child_h;

static void
child_login (void)
{
  struct harness *h = child_h;
  h_cmd (h, "e1 LOGIN user secret");
  CHECK (has (buf_cstr (&h->got), "e1 OK [CAPABILITY IMAP4REV1 "));
  CHECK (has (buf_cstr (&h->got), "] User user authenticated\r\n"));
  CHECK (!strstr (buf_cstr (&h->got), "AUTH=PLAIN"));
  CHECK_INTEQ (h->s.state, STATE_AUTHENTICATED);
  CHECK_STREQ (h->s.user, "user");
  CHECK_INTEQ (geteuid (), test_uid ());
  h_cmd (h, "e2 CAPABILITY");
  CHECK (has (buf_cstr (&h->got), "* CAPABILITY IMAP4REV1 "));
  CHECK (!strstr (buf_cstr (&h->got), "AUTH=PLAIN"));
  CHECK (has (h_cmd (h, "e3 LOGIN user secret"), "e3 BAD Already logged "
	      "in\r\n"));
  CHECK_STREQ (h_cmd (h, "e4 ENABLE CONDSTORE X-FOO"),
	       "* ENABLED\r\ne4 OK ENABLE completed\r\n");
  CHECK (has (h_cmd (h, "e5 ENABLE"), "e5 BAD"));
  CHECK (has (h_cmd (h, "e6 FETCH 1 FLAGS"), "e6 BAD No mailbox selected"));
  h_cmd (h, "e7 LOGOUT");
  CHECK_STREQ (buf_cstr (&h->got), "* BYE test.example IMAP4rev1 server "
	       "terminating connection\r\ne7 OK LOGOUT completed\r\n");
  CHECK_INTEQ (h->s.state, STATE_LOGOUT);
}

static void
child_plain_ir (void)
{
  /* base64 of "\0user\0secret" */
  h_cmd (child_h, "f1 AUTHENTICATE PLAIN AHVzZXIAc2VjcmV0");
  CHECK (has (buf_cstr (&child_h->got), "f1 OK [CAPABILITY "));
  CHECK_INTEQ (child_h->s.state, STATE_AUTHENTICATED);
}

static void
child_plain_continuation (void)
{
  /* base64 of "user\0user\0secret": authzid = authcid is fine */
  h_feed (child_h, "dXNlcgB1c2VyAHNlY3JldA==\r\n");
  h_cmd (child_h, "g1 AUTHENTICATE PLAIN");
  CHECK (has (buf_cstr (&child_h->got), "+ \r\ng1 OK [CAPABILITY "));
  CHECK_INTEQ (child_h->s.state, STATE_AUTHENTICATED);
}

static void
test_login_children (void)
{
  struct harness h;
  child_h = &h;
  h_init (&h);
  in_child (child_login, "LOGIN");
  h_free (&h);
  h_init (&h);
  in_child (child_plain_ir, "AUTHENTICATE PLAIN with SASL-IR");
  h_free (&h);
  h_init (&h);
  in_child (child_plain_continuation, "AUTHENTICATE PLAIN with +");
  h_free (&h);
}

/* --------------------------------------------- a mailbox (child, preauth) */

static const char mbox_text[] =
  "From a@example.com Wed Dec  2 10:00:00 2026\n"
  "From: a@example.com\nSubject: one\n\nbody one\n\n"
  "From b@example.com Wed Dec  2 11:00:00 2026\n"
  "From: b@example.com\nSubject: two\nStatus: RO\n\nbody two\n\n"
  "From c@example.com Wed Dec  2 12:00:00 2026\n"
  "From: c@example.com\nSubject: three\n\nbody three\n\n";

static void
child_mailbox (void)
{
  struct harness *h = child_h;
  struct server_account a = { "user", home_path, (uid_t) test_uid (),
			     (gid_t) test_gid () };
  char *box = path_in ("home/box");
  const char *out;

  login_drop_privileges (&a);
  write_file (box, mbox_text);
  env_init ("user", home_path);
  h->s.state = STATE_AUTHENTICATED;

  out = h_cmd (h, "s1 SELECT box");
  CHECK (has (out, "* FLAGS (\\Answered \\Flagged \\Deleted \\Draft "
	      "\\Seen)\r\n"));
  CHECK (has (out, "* 3 EXISTS\r\n"));
  CHECK (has (out, "* 2 RECENT\r\n"));	/* Status: RO is old */
  CHECK (has (out, "* OK [UNSEEN 1] "));
  CHECK (has (out, "* OK [PERMANENTFLAGS ("));
  CHECK (has (out, "* OK [UIDVALIDITY "));
  CHECK (has (out, "* OK [UIDNEXT 4] "));
  CHECK (has (out, "s1 OK [READ-WRITE] SELECT completed\r\n"));
  CHECK_INTEQ (h->s.state, STATE_SELECTED);
  CHECK_INTEQ (h->s.exists, 3);

  /* a flag change reported by the library shows at the next command */
  session_flags_dirty (&h->s, 2);
  CHECK (has (h_cmd (h, "s2 NOOP"), "* 2 FETCH (FLAGS ("));
  CHECK (!strstr (h_cmd (h, "s3 NOOP"), "FETCH"));	/* once only */
  session_flags_dirty (&h->s, 3);
  CHECK (has (h_cmd (h, "s4 UID FETCH 99 UID"), "* 3 FETCH (FLAGS (\\Recent) "
	      "UID 3)\r\n"));

  /* sequence sets: range errors are BAD with the library's words */
  CHECK (has (h_cmd (h, "s5 FETCH 4 FLAGS"), "s5 BAD Sequence out of "
	      "range"));
  CHECK (has (h_cmd (h, "s6 FETCH 1:x FLAGS"), "s6 BAD"));
  CHECK_INTEQ (session_sequence (&h->s, "2:3", 0), 0);
  CHECK (!mail_elt (h->s.stream, 1)->sequence);
  CHECK (mail_elt (h->s.stream, 2)->sequence);
  CHECK_INTEQ (session_sequence (&h->s, "99:100", 1), 0);	/* no error */
  CHECK (!mail_elt (h->s.stream, 3)->sequence);

  /* EXPUNGE responses come from the library's callback */
  h_cmd (h, "s7 STORE 1:2 +FLAGS.SILENT (\\Deleted)");
  CHECK (has (buf_cstr (&h->got), "s7 OK"));
  out = h_cmd (h, "s8 EXPUNGE");
  CHECK (has (out, "* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n"));
  CHECK (!strstr (out, "EXISTS"));	/* implied by the EXPUNGEs */
  CHECK_INTEQ (h->s.exists, 1);

  /* EXAMINE: read-only, no permanent flags */
  out = h_cmd (h, "s9 EXAMINE box");
  CHECK (has (out, "* 1 EXISTS\r\n"));
  CHECK (has (out, "* OK [PERMANENTFLAGS ()] "));
  CHECK (has (out, "s9 OK [READ-ONLY] EXAMINE completed\r\n"));
  CHECK_INTEQ (h->s.readonly, 1);

  /* a failed SELECT leaves no mailbox selected */
  out = h_cmd (h, "t1 SELECT nonexistent");
  CHECK (has (out, "t1 NO "));
  CHECK_INTEQ (h->s.state, STATE_AUTHENTICATED);
  CHECK (h->s.stream == NULL);
  CHECK (has (h_cmd (h, "t2 FETCH 1 FLAGS"), "t2 BAD No mailbox selected"));
  fs_give ((void **) &box);
}

static void
test_mailbox (void)
{
  struct harness h;
  child_h = &h;
  h_init (&h);
  in_child (child_mailbox, "SELECT and updates");
  h_free (&h);
}

int
main (void)
{
#include "linkage.c"
  signal (SIGPIPE, SIG_IGN);
  setenv ("BAMBOO_CCLIENT_CF", "", 1);	/* never read /etc/c-client.cf */
  if (!mkdtemp (topdir)) {
    perror (topdir);
    return 1;
  }
  if (!geteuid ())
    chmod (topdir, 0755);
  setup_accounts ();
  test_login_check ();
  test_privileges ();
  test_dispatch_noauth ();
  test_login_children ();
  test_mailbox ();
  test_rm_rf (topdir);
  return unit_done ();
}

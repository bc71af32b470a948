/*
 * test-dummy.c - the dummy (directory) driver: LIST/LSUB/SCAN over a
 * scratch tree (with symlink loops, deep nesting, dot files), create,
 * delete, rename, valid, open and append.  The driver's entry points are
 * called through dummydriver directly; list results are caught with a
 * callback table.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>

#include "unit.h"
#include "test-fs.h"
#include "env-int.h"
#include "linkage.h"

static char topdir[] = "/tmp/test-dummy.XXXXXX";
static char *home;
static struct buf logged = BUF_INIT;
static struct mail_callbacks t_callbacks;

/* listed names: "<delim> <name> <attr-hex>" */
#define MAXLISTED 20000
static char *listed[MAXLISTED];
static size_t nlisted;

/* A stand-in default format ("set new-folder-format testfmt") so that
 * create and append can be checked without depending on the unix driver */
static long tf_creates, tf_appends;

static DRIVER *
tf_valid (char *name)
{
  return NIL;
}

static long
tf_create (MAILSTREAM *stream, char *mailbox)
{
  char tmp[MAILTMPLEN];
  int fd;

  tf_creates++;
  if (!mailboxfile (tmp, mailbox) || !*tmp ||
      (fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
    return NIL;
  close (fd);
  return LONGT;
}

static long
tf_append (MAILSTREAM *stream, char *mailbox, append_t af, void *data)
{
  tf_appends++;
  return LONGT;
}

static DRIVER testfmt = {
  .name = "testfmt",
  .flags = DR_LOCAL | DR_MAIL,
  .valid = tf_valid,
  .create = tf_create,
  .append = tf_append,
};

static void
t_log (MAILSTREAM *stream, char *string, long errflg)
{
  buf_printf (&logged, "%ld %s\n", errflg, string);
}

static void
t_record (int delim, char *name, long attr)
{
  struct buf b = BUF_INIT;

  buf_printf (&b, "%c %s %lx", delim ? delim : '0', name, (unsigned long) attr);
  if (nlisted < MAXLISTED)
    listed[nlisted++] = buf_detach (&b);
  else
    buf_free (&b);
}

static void
t_list (MAILSTREAM *stream, int delim, char *name, long attr)
{
  t_record (delim, name, attr);
}

static void
t_lsub (MAILSTREAM *stream, int delim, char *name, long attr)
{
  t_record (delim, name, attr);
}

static void
clear_listed (void)
{
  while (nlisted)
    fs_give ((void **) &listed[--nlisted]);
  buf_reset (&logged);
}

/* attr of name in the last listing, -1 if not listed; dupes count */
static long
attr_of (const char *name, int *count)
{
  size_t i, n = strlen (name);
  long attr = -1;

  *count = 0;
  for (i = 0; i < nlisted; i++)
    if (!strncmp (listed[i] + 2, name, n) && listed[i][2 + n] == ' ') {
      attr = strtol (listed[i] + 3 + n, NIL, 16);
      (*count)++;
    }
  return attr;
}

static int
listed_with (const char *name, long want)
{
  int count;
  long attr = attr_of (name, &count);

  if (attr < 0 || count != 1 || attr != want) {
    printf ("  %s: listed %d times, attr %lx, want %lx\n", name, count,
	    (unsigned long) attr, (unsigned long) want);
    return 0;
  }
  return 1;
}

static int
not_listed (const char *name)
{
  int count;

  attr_of (name, &count);
  if (count)
    printf ("  %s: listed but should not be\n", name);
  return !count;
}

static char *
path_in (const char *name)
{
  struct buf b = BUF_INIT;

  buf_printf (&b, "%s/%s", home, name);
  return buf_detach (&b);
}

static void
put (const char *name, const char *data)
{
  char *p = path_in (name);
  FILE *f = fopen (p, "w");

  if (f) {
    fputs (data, f);
    fclose (f);
  }
  else
    perror (p);
  fs_give ((void **) &p);
}

static void
mk (const char *name)
{
  char *p = path_in (name);

  if (mkdir (p, 0700))
    perror (p);
  fs_give ((void **) &p);
}

static void
ln (const char *target, const char *name)
{
  char *p = path_in (name);

  if (symlink (target, p))
    perror (p);
  fs_give ((void **) &p);
}

static int
exists (const char *name, int want_dir)
{
  char *p = path_in (name);
  struct stat sbuf;
  int r = !stat (p, &sbuf) && (want_dir ? S_ISDIR (sbuf.st_mode)
			       : S_ISREG (sbuf.st_mode));

  fs_give ((void **) &p);
  return r;
}

static int
logged_has (const char *s)
{
  if (strstr (buf_cstr (&logged), s))
    return 1;
  printf ("  log lacks \"%s\"; log is: %s\n", s, buf_cstr (&logged));
  return 0;
}

#define FILEATTR (LATT_NOINFERIORS | LATT_UNMARKED)
#define DIRKIDS (LATT_NOSELECT | LATT_HASCHILDREN)
#define DIRNOKIDS (LATT_NOSELECT | LATT_HASNOCHILDREN)

static void
build_tree (void)
{
  int i;
  struct buf b = BUF_INIT;

  put ("box1", "From a@b Mon Jan  1 00:00:00 2024\nhello world\n\n");
  put ("empty", "");
  put (".hidden", "x");
  mk ("Mail");
  put ("Mail/a", "x");
  mk ("Mail/sub");
  put ("Mail/sub/deep", "x");
  mk ("emptydir");
  ln (".", "loop");		/* loop to the root */
  ln ("../..", "Mail/sub/up");	/* loop to an ancestor, two levels */
  ln ("nonexistent", "dangling");
  mk ("fifo-dir");
  {
    char *p = path_in ("fifo-dir/fifo");

    mkfifo (p, 0600);
    fs_give ((void **) &p);
  }
  /* d0/d1/.../d29/leaf */
  buf_puts (&b, "d0");
  mk (b.data);
  for (i = 1; i < 30; i++) {
    buf_printf (&b, "/d%d", i);
    mk (b.data);
  }
  buf_puts (&b, "/leaf");
  put (b.data, "x");
  buf_free (&b);
  /* a file exactly at the SCAN chunk boundary */
  {
    char *big = fs_get (70000);
    char *p = path_in ("bigscan");
    FILE *f = fopen (p, "w");

    memset (big, 'z', 70000);
    memcpy (big + 65533, "NeEdLe", 6);	/* spans the 64 KiB boundary */
    if (f) {
      fwrite (big, 1, 70000, f);
      fclose (f);
    }
    fs_give ((void **) &big);
    fs_give ((void **) &p);
  }
}

static void
test_list (void)
{
  struct buf b = BUF_INIT;
  int i;

  clear_listed ();
  dummydriver.list (NIL, "", "%");
  CHECK (listed_with ("box1", LATT_NOINFERIORS | LATT_UNMARKED) ||
	 listed_with ("box1", LATT_NOINFERIORS | LATT_MARKED));
  CHECK (listed_with ("empty", FILEATTR));
  CHECK (listed_with (".hidden", FILEATTR) || listed_with (".hidden",
		      LATT_NOINFERIORS | LATT_MARKED));
  CHECK (listed_with ("Mail", DIRKIDS));
  CHECK (listed_with ("emptydir", DIRNOKIDS));
  CHECK (listed_with ("loop", DIRKIDS));
  /* \Marked is "changed since last read": atime before ctime (UW's rule,
   * in whole seconds).  Fix the times so the answer is certain: setting
   * times makes ctime "now". */
  {
    char *p = path_in ("box1");
    struct timespec ts[2];
    clock_gettime (CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= 3600;		/* read an hour ago */
    ts[1] = ts[0];
    CHECK (utimensat (AT_FDCWD, p, ts, 0) == 0);
    clear_listed ();
    dummydriver.list (NIL, "", "box1");
    CHECK (listed_with ("box1", LATT_NOINFERIORS | LATT_MARKED));
    clock_gettime (CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec += 3600;		/* "read" after the change */
    CHECK (utimensat (AT_FDCWD, p, ts, 0) == 0);
    clear_listed ();
    dummydriver.list (NIL, "", "box1");
    CHECK (listed_with ("box1", LATT_NOINFERIORS | LATT_UNMARKED));
    fs_give ((void **) &p);
    clear_listed ();
    dummydriver.list (NIL, "", "%");
  }
  CHECK (listed_with ("d0", DIRKIDS));
  CHECK (listed_with ("fifo-dir", DIRKIDS));
  CHECK (not_listed ("fifo-dir/fifo"));
  CHECK (not_listed ("dangling"));
  CHECK (not_listed ("Mail/a"));
  CHECK (not_listed ("."));
  CHECK (not_listed (".."));
  /* INBOX is always listed, without a delimiter */
  {
    int count;

    CHECK (attr_of ("INBOX", &count) == LATT_NOINFERIORS && count == 1);
    for (i = 0; i < (int) nlisted; i++)
      if (!strncmp (listed[i], "0 INBOX ", 8))
	break;
    CHECK (i < (int) nlisted);
  }

  /* hide-dot-files */
  env_parameters (SET_HIDEDOTFILES, VOIDT);
  clear_listed ();
  dummydriver.list (NIL, "", "%");
  CHECK (not_listed (".hidden"));
  CHECK (listed_with ("box1", FILEATTR) || listed_with ("box1",
		      LATT_NOINFERIORS | LATT_MARKED));
  env_parameters (SET_HIDEDOTFILES, NIL);

  /* one level down */
  clear_listed ();
  dummydriver.list (NIL, "", "Mail/%");
  CHECK (listed_with ("Mail/a", FILEATTR));
  CHECK (listed_with ("Mail/sub", DIRKIDS));
  CHECK (not_listed ("Mail/sub/deep"));
  CHECK (not_listed ("Mail"));
  /* '%' matches the empty string, so "Mail/" itself matches too (UW) */
  CHECK (listed_with ("Mail/", DIRKIDS));
  CHECK_INTEQ (nlisted, 3);
  clear_listed ();
  dummydriver.list (NIL, "Mail/", "%");
  CHECK (listed_with ("Mail/a", FILEATTR));
  CHECK (listed_with ("Mail/sub", DIRKIDS));
  CHECK (listed_with ("Mail/", DIRKIDS));
  CHECK_INTEQ (nlisted, 3);

  /* the directory itself, with and without the trailing delimiter */
  clear_listed ();
  dummydriver.list (NIL, "", "Mail");
  CHECK (listed_with ("Mail", DIRKIDS));
  CHECK_INTEQ (nlisted, 1);
  clear_listed ();
  dummydriver.list (NIL, "", "Mail/");
  CHECK (listed_with ("Mail/", DIRKIDS));
  CHECK_INTEQ (nlisted, 1);
  clear_listed ();
  dummydriver.list (NIL, "", "M%");
  CHECK (listed_with ("Mail", DIRKIDS));
  CHECK_INTEQ (nlisted, 1);

  /* LIST "" "": the delimiter */
  clear_listed ();
  dummydriver.list (NIL, "", "");
  CHECK_INTEQ (nlisted, 1);
  if (nlisted)
    CHECK_STREQ (listed[0], "/  2");
  clear_listed ();
  dummydriver.list (NIL, "Mail/sub", "");
  CHECK_INTEQ (nlisted, 1);
  if (nlisted)
    CHECK_STREQ (listed[0], "/ Mail/ 22");	/* NoSelect HasChildren */
  clear_listed ();
  dummydriver.list (NIL, "nodir/x", "");
  CHECK_INTEQ (nlisted, 1);
  if (nlisted)
    CHECK_STREQ (listed[0], "/ nodir/ 2");

  /* INBOX in any case */
  clear_listed ();
  dummydriver.list (NIL, "", "inbox");
  CHECK (listed_with ("INBOX", LATT_NOINFERIORS));
  CHECK_INTEQ (nlisted, 1);
  clear_listed ();
  dummydriver.list (NIL, "", "IN*");
  CHECK (listed_with ("INBOX", LATT_NOINFERIORS));
  clear_listed ();
  dummydriver.list (NIL, "", "in%");	/* UW upper-cases for this test */
  CHECK (listed_with ("INBOX", LATT_NOINFERIORS));
  clear_listed ();
  dummydriver.list (NIL, "", "Mail/INBOX");
  CHECK (not_listed ("INBOX"));

  /* "*" walks everything, but not through the loops */
  clear_listed ();
  {
    clock_t t0 = clock ();

    dummydriver.list (NIL, "", "*");
    CHECK ((clock () - t0) / CLOCKS_PER_SEC < 10);
  }
  CHECK (listed_with ("Mail/sub/deep", FILEATTR));
  CHECK (listed_with ("Mail/sub/up", DIRKIDS));
  CHECK (not_listed ("Mail/sub/up/Mail"));
  CHECK (not_listed ("loop/box1"));
  CHECK (listed_with ("bigscan", FILEATTR) || listed_with ("bigscan",
		     LATT_NOINFERIORS | LATT_MARKED));
  /* depth: entries at levels 0..20 (UW list-maximum-level 20) */
  buf_reset (&b);
  buf_puts (&b, "d0");
  for (i = 1; i <= 20; i++)
    buf_printf (&b, "/d%d", i);
  CHECK (listed_with (b.data, DIRKIDS));
  buf_puts (&b, "/d21");
  CHECK (not_listed (b.data));
  CHECK (nlisted < 100);

  env_parameters (SET_LISTMAXLEVEL, (void *) 1);
  clear_listed ();
  dummydriver.list (NIL, "", "*");
  CHECK (listed_with ("Mail/sub", DIRKIDS));
  CHECK (not_listed ("Mail/sub/deep"));
  CHECK (listed_with ("d0/d1", DIRKIDS));
  CHECK (not_listed ("d0/d1/d2"));
  env_parameters (SET_LISTMAXLEVEL, (void *) 20);

  /* "~/" names */
  clear_listed ();
  dummydriver.list (NIL, "", "~/Mail/%");
  CHECK (listed_with ("~/Mail/a", FILEATTR));
  CHECK (listed_with ("~/Mail/sub", DIRKIDS));
  CHECK (listed_with ("~/Mail/", DIRKIDS));
  CHECK_INTEQ (nlisted, 3);

  /* absolute names */
  clear_listed ();
  buf_reset (&b);
  buf_printf (&b, "%s/Mail/", home);
  dummydriver.list (NIL, b.data, "%");
  buf_puts (&b, "a");
  CHECK (listed_with (b.data, FILEATTR));

  /* #ftp/ namespace */
  {
    char *ftp = path_in ("Mail");	/* any directory will do */

    env_parameters (SET_FTPHOME, ftp);
    clear_listed ();
    dummydriver.list (NIL, "", "#ftp/%");
    CHECK (listed_with ("#ftp/a", FILEATTR));
    CHECK (listed_with ("#ftp/sub", DIRKIDS));
    clear_listed ();
    dummydriver.list (NIL, "#ftp/", "sub/%");
    CHECK (listed_with ("#ftp/sub/deep", FILEATTR));
    clear_listed ();
    dummydriver.list (NIL, "#ftp/sub/", "/%");	/* root of the namespace */
    CHECK (listed_with ("#ftp/a", FILEATTR));
    clear_listed ();
    dummydriver.list (NIL, "", "#ftp/../%");	/* no climbing out */
    CHECK_INTEQ (nlisted, 0);
    env_parameters (SET_FTPHOME, NIL);
    clear_listed ();
    dummydriver.list (NIL, "", "#ftp/%");	/* namespace gone */
    CHECK_INTEQ (nlisted, 0);
    fs_give ((void **) &ftp);
  }

  /* hostile patterns */
  clear_listed ();
  dummydriver.list (NIL, "", "%%%%%%%%%%%");	/* 11 wildcards */
  CHECK_INTEQ (nlisted, 0);
  CHECK (logged_has ("Excessive wildcards"));
  clear_listed ();
  dummydriver.list (NIL, "", "*a*a*a*a*a*b");
  CHECK (not_listed ("box1"));
  clear_listed ();
  dummydriver.list (NIL, "{remote}", "*");
  CHECK_INTEQ (nlisted, 0);
  clear_listed ();
  dummydriver.list (NIL, "", "#bogus/*");
  CHECK_INTEQ (nlisted, 0);
  clear_listed ();
  buf_reset (&b);
  for (i = 0; i < LIM_MAILBOX_NAME + 10; i++)
    buf_putc (&b, 'x');
  dummydriver.list (NIL, "", b.data);
  CHECK_INTEQ (nlisted, 0);
  buf_free (&b);
  clear_listed ();
}

static void
test_scan (void)
{
  clear_listed ();
  dummydriver.scan (NIL, "", "%", "hello");
  CHECK (listed_with ("box1", FILEATTR) || listed_with ("box1",
		     LATT_NOINFERIORS | LATT_MARKED));
  CHECK (not_listed ("empty"));
  CHECK (not_listed ("bigscan"));
  CHECK (listed_with ("Mail", DIRKIDS));	/* \NoSelect: no contents */
  clear_listed ();
  dummydriver.scan (NIL, "", "%", "needle");	/* across the 64 KiB chunk */
  CHECK (listed_with ("bigscan", FILEATTR) || listed_with ("bigscan",
		     LATT_NOINFERIORS | LATT_MARKED));
  CHECK (not_listed ("box1"));
  clear_listed ();
}

static void
test_lsub (void)
{
  clear_listed ();
  CHECK (sm_subscribe ("box1"));
  CHECK (sm_subscribe ("Mail/sub/deep"));
  CHECK (sm_subscribe ("INBOX"));
  CHECK (sm_subscribe ("{remote}INBOX"));
  dummydriver.lsub (NIL, "", "*");
  CHECK (listed_with ("box1", 0));
  CHECK (listed_with ("Mail/sub/deep", 0));
  CHECK (listed_with ("INBOX", LATT_NOINFERIORS));
  CHECK (not_listed ("{remote}INBOX"));
  clear_listed ();
  dummydriver.lsub (NIL, "", "Mail/%");
  CHECK (listed_with ("Mail/sub", LATT_NOSELECT));
  CHECK_INTEQ (nlisted, 1);
  clear_listed ();
  dummydriver.lsub (NIL, "", "inbox");
  CHECK (listed_with ("INBOX", LATT_NOINFERIORS));
  CHECK_INTEQ (nlisted, 1);
  clear_listed ();

  /* subscribe through the driver: directories draw a warning */
  CHECK (dummydriver.subscribe (NIL, "Mail"));
  CHECK (logged_has ("CLIENT BUG DETECTED"));
  clear_listed ();
  CHECK (!dummydriver.subscribe (NIL, "no-such-box"));
  CHECK (logged_has ("Can't subscribe no-such-box: not a mailbox"));
  clear_listed ();
}

static void
test_create_delete_rename (void)
{
  clear_listed ();
  /* plain name: the default format driver creates the file */
  tf_creates = 0;
  CHECK (dummydriver.create (NIL, "new1"));
  CHECK (exists ("new1", 0));
  CHECK_INTEQ (tf_creates, 1);
  /* nested: superiors made as directories */
  CHECK (dummydriver.create (NIL, "x/y/z"));
  CHECK (exists ("x", 1) && exists ("x/y", 1) && exists ("x/y/z", 0));
  /* trailing '/': a directory */
  CHECK (dummydriver.create (NIL, "dir1/"));
  CHECK (exists ("dir1", 1));
  CHECK (dummydriver.create (NIL, "p/q/r/"));
  CHECK (exists ("p/q/r", 1));
  {
    char *p = path_in ("dir1");
    struct stat sbuf;

    CHECK (!stat (p, &sbuf) && (sbuf.st_mode & 07777) == 0700);
    fs_give ((void **) &p);
  }
  /* refusals */
  buf_reset (&logged);
  CHECK (!dummydriver.create (NIL, "dir1/"));
  CHECK (logged_has ("directory already exists"));
  CHECK (!dummydriver.create (NIL, "x/y/z"));
  CHECK (logged_has ("mailbox already exists"));
  CHECK (!dummydriver.create (NIL, "a//b"));
  CHECK (logged_has ("empty hierarchy level"));
  CHECK (!exists ("a", 1));
  CHECK (!dummydriver.create (NIL, "../evil"));
  CHECK (!dummydriver.create (NIL, "ok/./x"));
  CHECK (!dummydriver.create (NIL, "INBOX"));
  CHECK (!dummydriver.create (NIL, "inbox"));
  CHECK (!dummydriver.create (NIL, ""));
  CHECK (!dummydriver.create (NIL, "#bogus/x"));
  CHECK (!dummydriver.create (NIL, "box1/inside"));	/* a file is in the way */
  CHECK (logged_has ("a file is in the way"));

  /* delete */
  buf_reset (&logged);
  CHECK (!dummydriver.mbxdel (NIL, "Mail"));
  CHECK (logged_has ("Can't delete mailbox Mail: directory not empty"));
  CHECK (exists ("Mail", 1));
  CHECK (dummydriver.mbxdel (NIL, "emptydir"));
  CHECK (!exists ("emptydir", 1));
  CHECK (dummydriver.mbxdel (NIL, "new1"));
  CHECK (!exists ("new1", 0));
  CHECK (!dummydriver.mbxdel (NIL, "new1"));
  CHECK (!dummydriver.mbxdel (NIL, "INBOX"));
  CHECK (dummydriver.mbxdel (NIL, "dir1/"));	/* trailing slash ok */
  CHECK (!exists ("dir1", 1));
  CHECK (dummydriver.mbxdel (NIL, "loop"));	/* the link, not the target */
  CHECK (exists ("Mail", 1));

  /* rename */
  CHECK (dummydriver.create (NIL, "dir2/"));
  CHECK (dummydriver.mbxren (NIL, "dir2", "moved/deeper/dir2"));
  CHECK (exists ("moved/deeper/dir2", 1));
  CHECK (!exists ("dir2", 1));
  buf_reset (&logged);
  CHECK (!dummydriver.mbxren (NIL, "x/y/z", "box1"));
  CHECK (logged_has ("destination already exists"));
  CHECK (exists ("x/y/z", 0));
  CHECK (!dummydriver.mbxren (NIL, "nothere", "whatever"));
  CHECK (!dummydriver.mbxren (NIL, "box1", "a//b"));
  CHECK (!dummydriver.mbxren (NIL, "box1", "INBOX"));
  CHECK (!dummydriver.mbxren (NIL, "box1", "newdir/"));	/* file -> dir */
  CHECK (exists ("box1", 0));
  CHECK (dummydriver.mbxren (NIL, "x/y/z", "x/z"));
  CHECK (exists ("x/z", 0));
  /* renaming an INBOX that does not exist creates the destination */
  CHECK (dummydriver.mbxren (NIL, "INBOX", "fromInbox"));
  CHECK (exists ("fromInbox", 0));
  clear_listed ();
}

static void
test_valid_open_append (void)
{
  MAILSTREAM *st = fs_get (sizeof *st);

  CHECK (dummydriver.valid ("Mail") == &dummydriver);
  CHECK (dummydriver.valid ("box1") == &dummydriver);
  CHECK (dummydriver.valid ("empty") == &dummydriver);
  CHECK (dummydriver.valid ("INBOX") == &dummydriver);
  CHECK (dummydriver.valid ("inbox") == &dummydriver);
  CHECK (dummydriver.valid ("nothere") == NIL);
  CHECK (dummydriver.valid ("{host}INBOX") == NIL);
  CHECK (dummydriver.valid ("") == NIL);
  CHECK (dummydriver.valid ("fifo-dir/fifo") == NIL);
  CHECK (dummydriver.open (NIL) != NIL);
  CHECK (dummydriver.open (NIL)->dtb == &dummydriver);

  memset (st, 0, sizeof *st);
  st->dtb = &dummydriver;
  st->mailbox = "INBOX";
  clear_listed ();
  CHECK (dummydriver.open (st) == st);
  CHECK_INTEQ (st->nmsgs, 0);
  CHECK (st->inbox);
  CHECK (st->uid_validity != 0);
  CHECK (dummydriver.ping (st));
  CHECK (dummydriver.expunge (st, NIL, 0));
  dummydriver.close (st, 0);
  CHECK (st->local == NIL);

  memset (st, 0, sizeof *st);
  st->mailbox = "empty";
  CHECK (dummydriver.open (st) == st);
  CHECK (!st->inbox);
  dummydriver.close (st, 0);

  memset (st, 0, sizeof *st);
  st->mailbox = "Mail";
  CHECK (dummydriver.open (st) == NIL);
  CHECK (logged_has ("Can't open Mail: not a selectable mailbox"));
  st->mailbox = "box1";
  CHECK (dummydriver.open (st) == NIL);
  CHECK (logged_has ("not in valid mailbox format"));
  st->mailbox = "nothere";
  CHECK (dummydriver.open (st) == NIL);
  st->mailbox = "#bogus/x";
  CHECK (dummydriver.open (st) == NIL);
  CHECK (logged_has ("Can't open this name"));

  /* append */
  clear_listed ();
  tf_appends = 0;
  CHECK (!dummydriver.append (NIL, "nothere", NIL, NIL));
  CHECK (logged_has ("[TRYCREATE]"));
  CHECK (!dummydriver.append (NIL, "Mail", NIL, NIL));
  CHECK (logged_has ("not a selectable mailbox"));
  CHECK (!dummydriver.append (NIL, "box1", NIL, NIL));
  CHECK (logged_has ("Indeterminate mailbox format"));
  CHECK_INTEQ (tf_appends, 0);
  CHECK (dummydriver.append (NIL, "empty", NIL, NIL));
  CHECK (dummydriver.append (NIL, "INBOX", NIL, NIL));
  CHECK_INTEQ (tf_appends, 2);
  fs_give ((void **) &st);
  clear_listed ();
}

/* Through the public API with the real unix driver linked: dispatch,
 * duplicates, and the INBOX hand-over from dummy to unix on ping. */
static void
test_integration (void)
{
  MAILSTREAM *st;
  char *spool = cpystr (sysinbox ());
  FILE *f;

  env_set_new_folder_format (NIL);	/* the real default: unix */
  mail_link (&unixdriver);
  mail_link (&dummydriver);
  clear_listed ();
  CHECK (mail_create (NIL, "int/a/b"));
  CHECK (exists ("int/a/b", 0));
  CHECK (mail_create (NIL, "intdir/"));
  CHECK (exists ("intdir", 1));
  CHECK (!mail_create (NIL, "int/a/b"));
  clear_listed ();
  mail_list (NIL, "", "int*");
  CHECK (listed_with ("int", DIRKIDS));
  CHECK (listed_with ("int/a", DIRKIDS));
  CHECK (listed_with ("int/a/b", FILEATTR) || listed_with ("int/a/b",
		     LATT_NOINFERIORS | LATT_MARKED));
  CHECK (listed_with ("intdir", DIRNOKIDS));
  CHECK_INTEQ (nlisted, 4);
  clear_listed ();
  CHECK (!mail_delete (NIL, "int"));
  CHECK (logged_has ("directory not empty"));
  CHECK (mail_delete (NIL, "intdir"));
  CHECK (!exists ("intdir", 1));
  /* a file that is no mailbox is somebody's data: DELETE and RENAME refuse
   * it and leave it as it was */
  {
    char *np = path_in ("notmail.txt");
    if ((f = fopen (np, "w")) != NIL) {
      fputs ("just some notes\n", f);
      fclose (f);
    }
    fs_give ((void **) &np);
  }
  clear_listed ();
  CHECK (!mail_delete (NIL, "notmail.txt"));
  CHECK (logged_has ("not a mailbox"));
  CHECK (exists ("notmail.txt", 0));
  clear_listed ();
  CHECK (!mail_rename (NIL, "notmail.txt", "moved.txt"));
  CHECK (logged_has ("not a mailbox"));
  CHECK (exists ("notmail.txt", 0));
  CHECK (!exists ("moved.txt", 0));

  /* INBOX while the unix driver is disabled: dummy opens it empty */
  unlink (spool);
  mail_parameters (NIL, DISABLE_DRIVER, "unix");
  st = mail_open (NIL, "INBOX", 0);
  if (CHECK (st != NIL) && CHECK (st->dtb == &dummydriver)) {
    CHECK_INTEQ (st->nmsgs, 0);
    mail_parameters (NIL, ENABLE_DRIVER, "unix");
    /* mail arrives */
    if ((f = fopen (spool, "w")) != NIL) {
      fputs ("From sender@example.org Mon Jan  1 00:00:00 2024\n"
	     "Subject: hi\n\nbody\n", f);
      fclose (f);
    }
    /* pretend the 30-second re-check interval has passed (the driver's
     * private state begins with that timestamp) */
    ((struct timespec *) st->local)->tv_sec -= 3600;
    CHECK (mail_ping (st));
    CHECK (st->dtb == &unixdriver);
    CHECK_INTEQ (st->nmsgs, 1);
    CHECK_STREQ (st->mailbox, "INBOX");
    mail_close (st);
  }
  mail_parameters (NIL, ENABLE_DRIVER, "unix");
  unlink (spool);
  fs_give ((void **) &spool);
  clear_listed ();
}

int
main (void)
{
  struct buf b = BUF_INIT;

  if (!mkdtemp (topdir)) {
    perror ("mkdtemp");
    return 1;
  }
  setenv (ENV_CF_VARIABLE, "", 1);	/* no system configuration */
  t_callbacks = mail_callbacks_mm;
  t_callbacks.log = t_log;
  t_callbacks.list = t_list;
  t_callbacks.lsub = t_lsub;
  mail_parameters (NIL, SET_CALLBACKS, (void *) &t_callbacks);

  buf_printf (&b, "%s/home", topdir);
  home = buf_detach (&b);
  mkdir (home, 0700);
  env_init ("tester", home);
  buf_printf (&b, "%s/spool-tester", topdir);	/* does not exist */
  env_parameters (SET_SYSINBOX, (void *) buf_cstr (&b));
  buf_free (&b);
  env_parameters (SET_FTPHOME, NIL);
  env_parameters (SET_PUBLICHOME, NIL);
  env_parameters (SET_SHAREDHOME, NIL);
  mail_link (&testfmt);
  env_set_new_folder_format ("testfmt");

  build_tree ();
  test_list ();
  test_scan ();
  test_lsub ();
  test_create_delete_rename ();
  test_valid_open_append ();
  test_integration ();

  test_rm_rf (topdir);
  fs_give ((void **) &home);
  env_free_all ();
  buf_free (&logged);
  return unit_done ();
}

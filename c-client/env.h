/*
 * Bamboo IMAP c-client: the process environment (user, home, spool INBOX,
 * local host name, mailbox name -> file mapping, /etc/c-client.cf).
 * Names follow UW's env.h/env_unix.h.
 */
#ifndef BAMBOO_ENV_H
#define BAMBOO_ENV_H

#include "mail.h"

#define SYSCONFIG "/etc/c-client.cf"	/* system-wide configuration */
#define ANONYMOUSUSER "nobody"
#define UNLOGGEDUSER "root"
#define ADMINGROUP "mailadm"

/* myusername_full() flags */
#define MU_LOGGEDIN 0
#define MU_NOTLOGGEDIN 1
#define MU_ANONYMOUS 2

/* restrictBox bits */
#define RESTRICTROOT 0x1
#define RESTRICTOTHERUSER 0x2

typedef struct dotlock_base {	/* a held <file>.lock */
  char lock[MAILTMPLEN];
  int pipei;			/* mlock helper pipes, -1 if none */
  int pipeo;
  /* Bamboo: identity of the lock file we created, so unlocking never
   * removes a lock someone else made after overriding ours */
  unsigned long long lockdev;
  unsigned long long lockino;
  long long lockmtime;		/* ns; inode numbers get reused at once */
} DOTLOCK;

long pmatch_full (unsigned char *s, unsigned char *pat, unsigned char delim);
#define pmatch(s,pat) pmatch_full (s,pat,NIL)
long dmatch (unsigned char *s, unsigned char *pat, unsigned char delim);
void *env_parameters (long function, void *value);
long env_init (char *user, char *home);
char *myusername_full (unsigned long *flags);
#define myusername() myusername_full (NIL)
char *myhomedir (void);
char *mylocalhost (void);
char *sysinbox (void);
/* Map a mailbox name to a file path in dst (MAILTMPLEN).  Returns dst, an
 * empty string for "the spool INBOX", or NIL if the name is not allowed. */
char *mailboxfile (char *dst, char *name);
char *mailboxdir (char *dst, char *dir, char *name);
/* Create the missing directories leading to a file path ("a/b/c" makes a
 * and a/b; "a/b/c/" also a/b/c); never the file itself.  NIL if failed. */
long path_create (MAILSTREAM *stream, char *mailbox);
long dotlock_lock (char *file, DOTLOCK *base, int fd);
long dotlock_unlock (DOTLOCK *base);
long chk_notsymlink (char *name, void *sbuf);
long set_mbx_protections (char *mailbox, char *path);
long get_dir_protection (char *mailbox);
MAILSTREAM *user_flags (MAILSTREAM *stream);
char *default_user_flag (unsigned long i);
void dorc (char *file, long flag);
long safe_write (int fd, char *buf, long nbytes);
MAILSTREAM *default_proto (long type);

#endif

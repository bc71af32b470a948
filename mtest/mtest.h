/*
 * mtest: the Bamboo IMAP demonstration client for the c-client API.
 * Shared between mtest.c (main, input, callbacks) and mtest-*.c (commands).
 */
#ifndef MTEST_H
#define MTEST_H

#include <stddef.h>
#include "c-client.h"

#define MTEST_PRINTF(f,a) __attribute__ ((format (printf, f, a)))

/* mtest's own limits (it is an application, so they live here) */
#define MTEST_LINE_MAX 8192		/* bytes in one command line */
#define MTEST_ARGS_MAX 32		/* words in one command line */
#define MTEST_FILE_MAX (64UL << 20)	/* bytes in a file given to append */
#define MTEST_BODY_DEPTH 60		/* levels printed by "body" */
#define MTEST_FROM_WIDTH 20		/* columns of From in "headers" */
#define MTEST_SUBJECT_WIDTH 40		/* columns of Subject in "headers" */

/* One interactive session.  The mm_* callbacks have no context argument,
 * so they reach it through mtest_session (set once in main). */
struct mtest {
  MAILSTREAM *stream;		/* the open mailbox, or NIL */
  int script;			/* no prompts, deterministic output */
  int echo;			/* print each command before running it */
  int debug;			/* open with OP_DEBUG, show mm_dlog */
  int quit;
  int opening;			/* inside mail_open: mm_exists is quiet */
  unsigned long exists;		/* last message count we reported */
  unsigned long expunged;	/* mm_expunged calls in this command */
  unsigned long *hits;		/* mm_searched numbers */
  size_t nhits, hitcap;
  int collecting;		/* mm_list/mm_lsub lines are kept and sorted */
  char **lines;
  size_t nlines, linecap;
  int critical;			/* mm_critical nesting */
};

extern struct mtest *mtest_session;

/* A command: argv[0] is its name, rest[i] is the raw text from argv[i] on
 * (quotes kept), for commands whose last argument is free text. */
struct mtest_cmd {
  const char *name;
  const char *alias;		/* one-letter UW-style name, or NULL */
  int min_args, max_args;	/* not counting argv[0]; max -1 = any */
  int need_stream;
  int (*run) (struct mtest *m, int argc, char **argv, char **rest);
  const char *args;		/* for help and usage errors */
  const char *help;
};

extern const struct mtest_cmd mtest_commands[];

/* output helpers (mtest.c) */
void mtest_clean (const char *s, size_t max);	/* print, controls as '?' */
void mtest_clean_str (const char *s);
void mtest_error (const char *fmt, ...) MTEST_PRINTF (1, 2);	/* "?..." */
void mtest_collect (struct mtest *m, const char *line);
void mtest_collect_flush (struct mtest *m);
int mtest_open (struct mtest *m, char *name, long options);
int mtest_msgno (struct mtest *m, const char *s, unsigned long *msgno);
int mtest_sequence (struct mtest *m, char *seq);
char *mtest_decode (const char *s);	/* RFC 2047 -> UTF-8, malloc'ed */

/* command handlers */
int cmd_open (struct mtest *m, int argc, char **argv, char **rest);
int cmd_close (struct mtest *m, int argc, char **argv, char **rest);
int cmd_quit (struct mtest *m, int argc, char **argv, char **rest);
int cmd_help (struct mtest *m, int argc, char **argv, char **rest);
int cmd_list (struct mtest *m, int argc, char **argv, char **rest);
int cmd_lsub (struct mtest *m, int argc, char **argv, char **rest);
int cmd_status (struct mtest *m, int argc, char **argv, char **rest);
int cmd_create (struct mtest *m, int argc, char **argv, char **rest);
int cmd_delete (struct mtest *m, int argc, char **argv, char **rest);
int cmd_rename (struct mtest *m, int argc, char **argv, char **rest);
int cmd_subscribe (struct mtest *m, int argc, char **argv, char **rest);
int cmd_unsubscribe (struct mtest *m, int argc, char **argv, char **rest);
int cmd_append (struct mtest *m, int argc, char **argv, char **rest);
int cmd_copy (struct mtest *m, int argc, char **argv, char **rest);
int cmd_move (struct mtest *m, int argc, char **argv, char **rest);
int cmd_check (struct mtest *m, int argc, char **argv, char **rest);
int cmd_ping (struct mtest *m, int argc, char **argv, char **rest);
int cmd_expunge (struct mtest *m, int argc, char **argv, char **rest);
int cmd_set (struct mtest *m, int argc, char **argv, char **rest);
int cmd_clear (struct mtest *m, int argc, char **argv, char **rest);
int cmd_search (struct mtest *m, int argc, char **argv, char **rest);
int cmd_sort (struct mtest *m, int argc, char **argv, char **rest);
int cmd_thread (struct mtest *m, int argc, char **argv, char **rest);
int cmd_headers (struct mtest *m, int argc, char **argv, char **rest);
int cmd_body (struct mtest *m, int argc, char **argv, char **rest);
int cmd_text (struct mtest *m, int argc, char **argv, char **rest);
int cmd_part (struct mtest *m, int argc, char **argv, char **rest);
int cmd_flags (struct mtest *m, int argc, char **argv, char **rest);
int cmd_uid (struct mtest *m, int argc, char **argv, char **rest);

#endif

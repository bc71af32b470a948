/*
 * Bamboo IMAP c-client internals shared by core, proto, drivers and os.
 * Not installed; applications use c-client.h.
 */
#ifndef BAMBOO_INTERNAL_H
#define BAMBOO_INTERNAL_H

#include "c-client.h"
#include "buf.h"
#include "bamboo-limits.h"

/* ---- events, routed through stream->callbacks (stream may be NIL: then
 * the process default table from SET_CALLBACKS is used) ---- */
void mail_log (MAILSTREAM *stream, long errflg, const char *fmt, ...)
  BAMBOO_PRINTF (3, 4);
void mail_notify (MAILSTREAM *stream, long errflg, const char *fmt, ...)
  BAMBOO_PRINTF (3, 4);
void mail_debug_log (MAILSTREAM *stream, const char *fmt, ...)
  BAMBOO_PRINTF (2, 3);
void mail_flags_changed (MAILSTREAM *stream, unsigned long msgno);
/* Expunge all k with gone[k] (1..nmsgs) in one pass; see core/callbacks.c */
void mail_expunged_many (MAILSTREAM *stream, const char *gone);
void mail_searched_msg (MAILSTREAM *stream, unsigned long msgno);
void mail_list_cb (MAILSTREAM *stream, int delimiter, char *name, long attr);
void mail_lsub_cb (MAILSTREAM *stream, int delimiter, char *name, long attr);
void mail_status_cb (MAILSTREAM *stream, char *mailbox, MAILSTATUS *status);
void mail_critical (MAILSTREAM *stream);
void mail_nocritical (MAILSTREAM *stream);
long mail_diskerror (MAILSTREAM *stream, long errcode, long serious);
void mail_fatal (const char *fmt, ...) BAMBOO_PRINTF (1, 2)
  __attribute__ ((noreturn));
const struct mail_callbacks *mail_callbacks_for (MAILSTREAM *stream);

/* ---- helpers core offers drivers ---- */
/* Parse a message from its header and text into elt->private.msg.env/body
 * (generic .structure).  Text offsets in BODY are relative to the start of
 * the text STRING given to rfc822_parse_content. */
ENVELOPE *mail_structure_generic (MAILSTREAM *stream, unsigned long msgno,
				  BODY **body, long flags);
/* Apply a flag list (mail_parse_flags) to one elt; returns 1 if changed */
int mail_elt_apply_flags (MESSAGECACHE *elt, long sysflags,
			  unsigned long userflags, long set);
/* Parse a flag list ("\\Seen kw" or "(...)") into system flag bits and
 * keyword bits, creating keywords where stream->kwd_create allows.  -1 with
 * the reason logged if any flag is invalid (then nothing is created);
 * unlike mail_parse_flags, "no flags" and "bad flags" differ. */
int mail_flags_parse (MAILSTREAM *stream, char *flag, long *sys,
		      unsigned long *uf);
/* Append elt's flags to b as " \\Seen \\Flagged kw ..." (each with a
 * leading space, so b->data + 1 is the list when b->len > 0); the form
 * mail_flags_parse() reads back, for COPY done as an APPEND */
void mail_elt_flags_text (MAILSTREAM *stream, MESSAGECACHE *elt,
			  struct buf *b);
/* Find or create keyword name in stream->user_flags; -1 if full/invalid.
 * create: 0 find only; 1 create when the stream allows new keywords;
 * KW_ADOPT create even on a read-only stream (a keyword already in the
 * mailbox file, which the session must be able to see). */
#define KW_ADOPT 2
int mail_keyword_index (MAILSTREAM *stream, const char *name, int create);

/* ---- dates (proto/date.c) ---- */
/* Days in month (1..12) of year, Gregorian; 0 for a month out of range.
 * For strict date checks (IMAP date-time, SEARCH dates). */
int date_month_days (unsigned int year, unsigned int month);

/* ---- sequence sets (core/seqset.c) ---- */
/* Parse an IMAP sequence set ("1:4,7,9:*") against max ("*" = max).
 * Returns NIL and sets *error_r on syntax error or too many ranges. */
SEARCHSET *seqset_parse (const char *s, unsigned long max,
			 const char **error_r);
/* Is n in set?  0xffffffff in set means "*" (= max), as in SEARCHPGM sets;
 * seqset_parse() output never holds that marker, so the two combine. */
int seqset_contains (const SEARCHSET *set, unsigned long n, unsigned long max);

/* ---- mailbox file helpers (os/) ---- */
/* Write all of buf or fail; retries EINTR/short writes.  -1 with errno. */
long os_write_all (int fd, const void *buf, size_t len);
/* The same at a file offset (EINTR and short counts retried): 0, or -1
 * with errno; a read past the end of the file is EIO. */
int os_pread_all (int fd, void *buf, size_t len, off_t off);
int os_pwrite_all (int fd, const void *buf, size_t len, off_t off);
/* fsync file and its directory; -1 with errno */
int os_fsync_path_dir (const char *path);
/* fsync a directory (a filesystem that refuses to is not an error); -1
 * with errno */
int os_fsync_dir (const char *dir);
/* Append this host's name to b for use inside a file name (hitching posts,
 * scratch files shared over NFS): '/', blanks, controls and non-ASCII
 * bytes become '_'; "localhost" when there is no name. */
void os_host_name_part (struct buf *b);

/* ---- UIDVALIDITY (os/uidvalidity.c) ---- */
/* A UIDVALIDITY for a mailbox that starts a new UID series: max(time(0),
 * the user's high-water mark + 1), recorded as the new mark in
 * ~/.bamboo-uidvalidity under flock() before it is returned.  Never the
 * same value twice for one user, even after the clock moved back; never
 * fails (without a usable home the process keeps its own mark).  See
 * docs/time.md. */
unsigned long env_uidvalidity_next (void);
/* The same for a UID series that lives only in memory until the mailbox
 * is written: the mailbox file on fd has no UID data, and its messages
 * are numbered 1..n.  Every session that finds the file in the same state
 * (device, inode, size, mtime) gets the same value, since its UIDs are the
 * same; any other state gets a new one.  fd < 0: as env_uidvalidity_next. */
unsigned long env_uidvalidity_for_file (int fd);
/* Tests: the time source (NULL: time()); also forgets the process's own
 * mark, so each case starts from the file alone */
void env_uidvalidity_test_clock (time_t (*now) (void));

#endif

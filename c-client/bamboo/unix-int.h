/*
 * Traditional UNIX mailbox ("unix" driver, mbox) internals:
 * proto/mbox-from.c, drivers/unix.c, drivers/unix-scan.c,
 * drivers/unix-write.c, drivers/unix-snarf.c.  The on-disk format, the
 * journal and the snarf marker are documented in docs/formats.md
 * ("## mbox").  Not installed.
 */
#ifndef BAMBOO_UNIX_INT_H
#define BAMBOO_UNIX_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "internal.h"
#include "env.h"

/* ---- From_ lines (proto/mbox-from.c, pure) ---- */
struct mbox_from {
  const char *sender;		/* the envelope sender, as written */
  size_t sender_len;
  const char *date_start;	/* "Www Mmm dd ..." up to date_end */
  const char *date_end;
  int date_ok;			/* the fields below hold a real date */
  int has_zone, has_seconds;
  int year, month, day, hours, minutes, seconds;
  int zone_minutes;		/* east of UTC */
};

/* 1 if line (len bytes, with or without its "\n"/"\r\n") is a From_ line
 * that starts a message; fills *mf.  0 otherwise. */
int mbox_from_scan (const char *line, size_t len, struct mbox_from *mf);
/* The entry point: 1 valid / 0 not; fills elt's internal date
 * (local zone when the line has none) when elt is not NIL. */
int mbox_from_parse (const char *line, size_t len, MESSAGECACHE *elt);
void mbox_from_set_elt (const struct mbox_from *mf, MESSAGECACHE *elt);
int mbox_from_local_zone (int year, int month, int day, int hh, int mm,
			  int ss);

/* ---- scanner (drivers/unix-scan.c): bytes in, message layout out ---- */

/* One message as laid out in the file.  Offsets are absolute. */
struct unix_msg {
  off_t from;			/* the From_ line */
  off_t hdr;			/* first header line */
  off_t body;			/* first body byte (after the blank line) */
  off_t end;			/* end of the text (the separator excluded) */
  off_t next;			/* next From_ line or end of file */
  off_t st_off;			/* our status block (Status..X-UID), or -1 */
  uint32_t st_len;
  uint32_t hdr_crlf;		/* visible header, CRLF form, blank line incl. */
  unsigned long body_crlf;	/* body, CRLF form */
  unsigned long uid;		/* X-UID as on disk (0: none or refused) */
  unsigned long kw;		/* keywords as on disk (stream bit numbers) */
  unsigned char fl;		/* fSEEN.. fOLD as on disk */
  unsigned int canonical : 1;	/* laid out as we write (LF, one trailing
				   status block, one separator) */
  unsigned int blockok : 1;	/* status block == what we would write for
				   the on-disk state (uid/fl/kw above) */
  unsigned int base : 1;	/* status block carries X-IMAPbase */
  unsigned int hidden : 1;	/* header has lines hidden from clients */
  unsigned int crlf : 1;	/* some line ends in CR LF */
  unsigned int hdr_open : 1;	/* header runs to the end of the file with
				   no empty line: shown with one added, as
				   every rewrite writes one */
  unsigned int ghost : 1;	/* expunged by another session, not yet
				   reported (a reader's deferred re-read):
				   its offsets are void */
};

/* What the scanner found in one message's header, beyond the layout */
struct unix_scan_msg {
  struct unix_msg m;
  const char *fromline;		/* the From_ line, without its newline */
  size_t fromline_len;
  struct mbox_from mf;
  unsigned int flags;		/* fSEEN|fDELETED|fFLAGGED|fANSWERED|fDRAFT|fOLD */
  unsigned long uid;		/* X-UID value, 0 if absent/bad */
  const char *kw;		/* X-Keywords value (may be NIL) */
  size_t kw_len;
  const char *imap;		/* X-IMAP / X-IMAPbase value (may be NIL) */
  size_t imap_len;
  int imap_kind;		/* 0 none, 1 X-IMAP, 2 X-IMAPbase */
  int st_ok;			/* status lines form one trailing block */
  int dup_status, dup_uid, bad_cont;	/* UW's "bogus" header warnings */
};

/* Called for each complete message; return 0 to stop the scan. */
typedef int (*unix_scan_fn) (void *ctx, struct unix_scan_msg *sm);

/* Scan len bytes that sit at file offset base; p must start with a From_
 * line (callers check).  Returns the number of messages reported. */
unsigned long unix_scan_buffer (const char *p, size_t len, off_t base,
				unix_scan_fn fn, void *ctx);
/* Parse "uidvalidity uidlast kw kw..." (X-IMAP/X-IMAPbase values);
 * 1 if both numbers are present and uidvalidity != 0. */
int unix_scan_imap_value (const char *v, size_t len,
			  unsigned long *validity, unsigned long *last);
/* The next word of *sp..e (words are split by space, tab and CR, as in
 * X-Keywords and the keyword list of X-IMAP/X-IMAPbase): its start, with
 * *len its length and *sp moved past it; NIL when only separators are
 * left. */
const char *unix_scan_word (const char **sp, const char *e, size_t *len);
/* Header line kinds the driver cares about */
enum unix_hdr_kind {
  UHK_OTHER = 0, UHK_STATUS, UHK_XSTATUS, UHK_XKEYWORDS, UHK_XUID,
  UHK_XIMAP, UHK_XIMAPBASE, UHK_CLENGTH
};
enum unix_hdr_kind unix_scan_hdr_kind (const char *line, size_t len,
				       size_t *valoff);
/* Does a header of this kind get hidden from clients? */
int unix_scan_hidden (enum unix_hdr_kind k);
/* Hand each header line of h..he that clients see to put (with its line
 * ending): lines of hidden headers, continuations included, are left out.
 * The empty line that ends the header is passed on when keep_empty, else
 * the walk stops there. */
typedef void (*unix_put_fn) (struct buf *b, const char *s, size_t n);
void unix_scan_visible (const char *h, const char *he, int keep_empty,
			unix_put_fn put, struct buf *b);

/* ---- stream state (drivers/unix.c) ---- */
/* The prototype stream (UW's CREATEPROTO/EMPTYPROTO for default_proto) */
extern MAILSTREAM unixproto;

struct lock_session;

struct unix_local {
  int fd;			/* mailbox, O_RDWR or O_RDONLY */
  char *path;			/* file name */
  dev_t dev;
  ino_t ino;
  off_t parsed;			/* bytes of the file we have scanned */
  struct timespec mtime;	/* of the file when we last looked */
  struct unix_msg *msgs;	/* [0] is message 1 */
  unsigned long nalloc;
  unsigned long nghost;		/* messages with .ghost set */
  int stale;			/* rewritten elsewhere and not re-read: no
				   offset may be trusted until the next ping */
  int pseudo;			/* file starts with the pseudo-message */
  off_t first;			/* offset of the first real message */
  /* the mailbox data as last seen on disk, to know when to rewrite it */
  unsigned long disk_validity, disk_last;
  char *disk_keywords;		/* " kw1 kw2" as on disk */
  unsigned int dirty : 1;	/* something to write back */
  unsigned int hdr_dirty : 1;	/* uid data/keywords to write back */
  unsigned int appending : 1;
  unsigned int inbox_snarf : 1;	/* ~/mbox is INBOX: move spool mail */
  struct lock_session *ls;
  struct buf hbuf;		/* last .header result */
  unsigned long hmsg;
  struct buf tbuf;		/* last .text result */
  unsigned long tmsg;
  double lastsnarf;		/* CLOCK_MONOTONIC of the last snarf */
  struct buf scratch;
};

#define UNIX_LOCAL(s) ((struct unix_local *) (s)->local)

/* ---- writing (drivers/unix-write.c) ---- */
#define UNIX_PAD 50		/* status block padded to this ... */
#define UNIX_PAD_BASE 80	/* ... or this with X-IMAPbase (UW's sizes) */
#define UNIX_JOURNAL_MAGIC "BMBXJRN1"
/* Version 2 checksums with unix_jsum; version 3 adds the sum of the stale
 * bytes past a shrinking file's new end.  Versions 1 (FNV-1a 64, slow on a
 * large tail) and 2 are still read, so a journal left by an older build
 * replays */
#define UNIX_JOURNAL_VERSION 3

/* The journal's and the snarf marker's checksum (FNV-1a 64) and their
 * little-endian 64-bit fields */
#define UNIX_FNV_INIT 14695981039346656037ULL
uint64_t unix_fnv (uint64_t h, const void *p, size_t n);
void unix_put64 (unsigned char *p, uint64_t v);
uint64_t unix_get64 (const unsigned char *p);

/* The version 2 journal checksum (docs/formats.md): four 64-bit lanes over
 * 32-byte blocks, so that checksumming a tail of many megabytes costs
 * little next to writing it.  Fed in pieces of any size. */
struct unix_jsum {
  uint64_t lane[4];
  uint64_t total;		/* bytes fed */
  unsigned char pend[32];	/* a block not yet complete */
  size_t npend;
};
void unix_jsum_init (struct unix_jsum *js);
void unix_jsum_add (struct unix_jsum *js, const void *p, size_t n);
uint64_t unix_jsum_final (const struct unix_jsum *js);

/* Build the status block UW writes at the end of a header: optional
 * X-IMAPbase line, Status, X-Status, X-Keywords (padded), X-UID. */
void unix_status_block (struct buf *b, MAILSTREAM *stream, unsigned int fl,
			unsigned long kw, unsigned long uid, int base,
			int with_old);
/* " kw1 kw2 ..." (each of the stream's keywords after a space) to b */
void unix_put_keywords (struct buf *b, MAILSTREAM *stream);
/* Remember the stream's keywords as those on disk (L->disk_keywords) */
void unix_set_disk_keywords (MAILSTREAM *stream, struct unix_local *L);
/* The pseudo-message; with_msgid as on rewrites, without on create */
void unix_pseudo (struct buf *b, MAILSTREAM *stream, time_t now,
		  int with_msgid);
/* Write back flags/uids/expunge (expunge != 0 drops \Deleted messages
 * matching the sequence bits when seq_only).  Returns 1, or 0 after
 * logging an error (the mailbox is then unchanged). */
long unix_rewrite (MAILSTREAM *stream, int expunge, int seq_only,
		   unsigned long *nexpunged);
/* 1 if a journal for this file exists (in either place) */
int unix_journal_pending (const char *path, dev_t dev, ino_t ino);
/* Replay or discard a journal left for this file; 0 ok, -1 error.  Call
 * with the dotlock and an exclusive flock held. */
int unix_journal_recover (MAILSTREAM *stream, int fd, const char *path);
/* Journal file name for a mailbox (in dir, or home when dir is NIL) */
void unix_journal_name (struct buf *b, const char *dir, dev_t dev, ino_t ino);

/* Append messages from af (driver append entry point helper) */
long unix_append_work (MAILSTREAM *stream, char *mailbox, append_t af,
		       void *data);
/* Write one message (From_ line, header, status block, body) to b */
int unix_append_format (struct buf *b, MAILSTREAM *stream, STRING *msg,
			const char *date, unsigned int fl, unsigned long kw,
			unsigned long uid, const char **error_r);
/* UID validity recorded in the file's first message, 0 if none */
unsigned long unix_head_validity (int fd);
/* Create the file with the pseudo-message; 1 ok */
long unix_create_file (MAILSTREAM *stream, const char *path);
/* Move new spool mail into ~/mbox (INBOX); 1 if anything moved
 * (drivers/unix-snarf.c) */
int unix_snarf (MAILSTREAM *stream);

/* helpers shared between unix.c and unix-write.c */
/* Dotlock and flock (op LOCK_SH or LOCK_EX) the stream's mailbox; 0, or -1
 * after logging */
int unix_lock (MAILSTREAM *stream, DOTLOCK *dl, int op);
/* unix_lock LOCK_EX, then finish any interrupted rewrite */
int unix_lock_ex (MAILSTREAM *stream, DOTLOCK *dl);
void unix_unlock (MAILSTREAM *stream, DOTLOCK *dl);
long unix_parse (MAILSTREAM *stream, int full);
long unix_timeout (void);

#endif

/*
 * unix-write.c - writing traditional UNIX mailboxes: the status block and
 * pseudo-message in UW's exact bytes, the journaled in-place rewrite used by
 * checkpoint and expunge, journal recovery, append with rollback, create.
 *
 * The journal method is documented in docs/formats.md ("## mbox",
 * "Crash-safe rewrite").  In short: under the dotlock and an exclusive
 * flock we write every change as extents (offset, bytes) into a journal
 * file named after the mailbox's dev/ino, fsync it, then apply the extents
 * with pwrite, ftruncate, fsync, and only then unlink the journal.  Anyone
 * who finds a complete journal replays it (idempotent); an incomplete one
 * is deleted, since the mailbox is not touched before the journal is
 * durable.  The inode never changes, so session locks (/tmp/.dev.ino) and
 * MTAs holding the file stay valid.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "lock.h"
#include "unix-int.h"

/* ---------------------------------------------------------------------- */
/* UW's bytes                                                             */

void unix_put_keywords (struct buf *b, MAILSTREAM *stream)
{
  int i;
  for (i = 0; i < NUSERFLAGS; i++)
    if (stream->user_flags[i]) {
      buf_putc (b, ' ');
      buf_puts (b, stream->user_flags[i]);
    }
}

void unix_set_disk_keywords (MAILSTREAM *stream, struct unix_local *L)
{
  struct buf kb = BUF_INIT;
  unix_put_keywords (&kb, stream);
  if (L->disk_keywords)
    fs_give ((void **) &L->disk_keywords);
  L->disk_keywords = buf_detach (&kb);
}

static void uw_putnum (struct buf *b, unsigned long n)
{
  buf_printf (b, "%lu", n);
}

void unix_status_block (struct buf *b, MAILSTREAM *stream, unsigned int fl,
			unsigned long kw, unsigned long uid, int base,
			int with_old)
{
  size_t start = b->len, pad = UNIX_PAD, n;
  int i;

  if (base) {
    buf_puts (b, "X-IMAPbase: ");
    uw_putnum (b, stream->uid_validity);
    buf_putc (b, ' ');
    uw_putnum (b, stream->uid_last);
    unix_put_keywords (b, stream);
    buf_putc (b, '\n');
    pad = UNIX_PAD_BASE;
  }
  buf_puts (b, "Status: ");
  if (fl & fSEEN)
    buf_putc (b, 'R');
  if (with_old)
    buf_putc (b, 'O');
  buf_puts (b, "\nX-Status: ");
  if (fl & fDELETED)
    buf_putc (b, 'D');
  if (fl & fFLAGGED)
    buf_putc (b, 'F');
  if (fl & fANSWERED)
    buf_putc (b, 'A');
  if (fl & fDRAFT)
    buf_putc (b, 'T');
  buf_puts (b, "\nX-Keywords:");
  for (i = 0; i < NUSERFLAGS; i++)
    if ((kw & (1UL << i)) && stream->user_flags[i]) {
      buf_putc (b, ' ');
      buf_puts (b, stream->user_flags[i]);
    }
  /* UW pads so that later flag changes fit in place */
  n = b->len - start;
  for (; n < pad; n++)
    buf_putc (b, ' ');
  buf_putc (b, '\n');
  if (uid) {
    buf_puts (b, "X-UID: ");
    uw_putnum (b, uid);
    buf_putc (b, '\n');
  }
  buf_putc (b, '\n');		/* the empty line that ends the header */
}

static const char uw_pseudo_text[] =
  "This text is part of the internal format of your mail folder, and is not\n"
  "a real message.  It is created automatically by the mail system software.\n"
  "If deleted, important folder data will be lost, and it will be re-created\n"
  "with the data reset to initial values.\n";

void unix_pseudo (struct buf *b, MAILSTREAM *stream, time_t now,
		  int with_msgid)
{
  struct tm tm;
  char tmp[64];
  const char *host = mylocalhost ();
  long z;

  localtime_r (&now, &tm);
  strftime (tmp, sizeof tmp, "%a %b %e %H:%M:%S %Y", &tm);
  buf_printf (b, "From MAILER-DAEMON %s\n", tmp);
  strftime (tmp, sizeof tmp, "%d %b %Y %H:%M:%S", &tm);
  z = tm.tm_gmtoff / 60;
  buf_printf (b, "Date: %s %c%02ld%02ld\n", tmp, z < 0 ? '-' : '+',
	      (z < 0 ? -z : z) / 60, (z < 0 ? -z : z) % 60);
  buf_printf (b, "From: Mail System Internal Data <MAILER-DAEMON@%s>\n",
	      host);
  buf_puts (b, "Subject: DON'T DELETE THIS MESSAGE -- FOLDER INTERNAL DATA\n");
  if (with_msgid)
    buf_printf (b, "Message-ID: <%lu@%s>\n", (unsigned long) now, host);
  buf_printf (b, "X-IMAP: %010lu %010lu", stream->uid_validity,
	      stream->uid_last);
  unix_put_keywords (b, stream);
  buf_puts (b, "\nStatus: RO\n\n");
  buf_puts (b, uw_pseudo_text);
  buf_puts (b, "\n");
}

/* ---------------------------------------------------------------------- */
/* Journal                                                                */

#define JHDR 80			/* magic, version, dev, ino, old, new, n, len, sum,
				 * stale */
#define JSTALE_MAX 65536	/* bytes of the stale region summed */

/* A complete journal's header fields */
struct jhead {
  uint64_t ver, oldlen, newlen, next, dlen, stale;
};

struct jwriter {
  int fd;
  off_t pos;			/* write position */
  struct unix_jsum sum;		/* of everything after the header */
  uint64_t nextents, datalen;
  off_t ext_hdr;		/* where the open extent's length goes */
  uint64_t ext_len;
  int err;			/* errno of the first failure */
};

uint64_t unix_fnv (uint64_t h, const void *p, size_t n)
{
  const unsigned char *s = p;
  while (n--) {
    h ^= *s++;
    h *= 1099511628211ULL;
  }
  return h;
}

void unix_put64 (unsigned char *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char) (v >> (8 * i));
}

uint64_t unix_get64 (const unsigned char *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

#define JS_P1 0x9E3779B185EBCA87ULL
#define JS_P2 0xC2B2AE3D27D4EB4FULL
#define JS_P3 0x165667B19E3779F9ULL

static inline uint64_t js_rotl (uint64_t v, int r)
{
  return (v << r) | (v >> (64 - r));
}

void unix_jsum_init (struct unix_jsum *js)
{
  memset (js, 0, sizeof *js);
  js->lane[0] = 0x243F6A8885A308D3ULL;	/* digits of pi: any distinct */
  js->lane[1] = 0x13198A2E03707344ULL;
  js->lane[2] = 0xA4093822299F31D0ULL;
  js->lane[3] = 0x082EFA98EC4E6C89ULL;
}

/* One 32-byte block; the four lanes are independent, so the multiplies
 * overlap in the CPU */
static inline void js_block (struct unix_jsum *js, const unsigned char *p)
{
  for (int j = 0; j < 4; j++) {
    uint64_t w;
    memcpy (&w, p + 8 * j, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64 (w);
#endif
    js->lane[j] = js_rotl (js->lane[j] + w * JS_P2, 31) * JS_P1;
  }
}

void unix_jsum_add (struct unix_jsum *js, const void *vp, size_t n)
{
  const unsigned char *p = vp;
  js->total += n;
  if (js->npend) {
    size_t k = 32 - js->npend < n ? 32 - js->npend : n;
    memcpy (js->pend + js->npend, p, k);
    js->npend += k;
    p += k;
    n -= k;
    if (js->npend < 32)
      return;
    js_block (js, js->pend);
    js->npend = 0;
  }
  for (; n >= 32; p += 32, n -= 32)
    js_block (js, p);
  memcpy (js->pend, p, n);
  js->npend = n;
}

uint64_t unix_jsum_final (const struct unix_jsum *js)
{
  uint64_t h = js_rotl (js->lane[0], 1) + js_rotl (js->lane[1], 7)
    + js_rotl (js->lane[2], 12) + js_rotl (js->lane[3], 18);
  h ^= js->total;
  for (size_t i = 0; i < js->npend; i++)
    h = (h ^ js->pend[i]) * 1099511628211ULL;
  h ^= h >> 33;
  h *= JS_P2;
  h ^= h >> 29;
  h *= JS_P3;
  h ^= h >> 32;
  return h;
}

/* A journal's checksum as its version says */
struct jcheck {
  int v1;
  uint64_t fnv;
  struct unix_jsum js;
};

static void jc_init (struct jcheck *jc, int v1)
{
  jc->v1 = v1;
  jc->fnv = UNIX_FNV_INIT;
  unix_jsum_init (&jc->js);
}

static void jc_add (struct jcheck *jc, const void *p, size_t n)
{
  if (jc->v1)
    jc->fnv = unix_fnv (jc->fnv, p, n);
  else
    unix_jsum_add (&jc->js, p, n);
}

static uint64_t jc_final (const struct jcheck *jc)
{
  return jc->v1 ? jc->fnv : unix_jsum_final (&jc->js);
}

static void jw_begin (struct jwriter *jw, off_t off)
{
  unsigned char h[16];
  unix_put64 (h, (uint64_t) off);
  unix_put64 (h + 8, 0);
  jw->ext_hdr = jw->pos + 8;
  jw->ext_len = 0;
  /* the length is patched in jw_end; the checksum covers the final value,
   * so the header goes into the sum at jw_end time, not here */
  if (!jw->err && os_pwrite_all (jw->fd, h, 16, jw->pos) < 0)
    jw->err = errno;
  jw->pos += 16;
  jw->datalen += 16;
  jw->nextents++;
  /* remember the offset bytes for the checksum */
  unix_jsum_add (&jw->sum, h, 8);
}

static void jw_data (struct jwriter *jw, const void *p, size_t n)
{
  if (jw->err || !n)
    return;
  if (os_pwrite_all (jw->fd, p, n, jw->pos) < 0)
    jw->err = errno ? errno : EIO;
  jw->pos += (off_t) n;
  jw->datalen += n;
  jw->ext_len += n;
  unix_jsum_add (&jw->sum, p, n);
}

static void jw_end (struct jwriter *jw)
{
  unsigned char h[8];
  unix_put64 (h, jw->ext_len);
  if (!jw->err && os_pwrite_all (jw->fd, h, 8, jw->ext_hdr) < 0)
    jw->err = errno;
  /* the length closes the extent's sum */
  unix_jsum_add (&jw->sum, h, 8);
}

void unix_journal_name (struct buf *b, const char *dir, dev_t dev, ino_t ino)
{
  buf_reset (b);
  buf_printf (b, "%s/.bamboo-mbox-journal.%llx.%llx", dir,
	      (unsigned long long) dev, (unsigned long long) ino);
}

/* the directory part of path (or "." when there is none) */
static void dir_of (struct buf *b, const char *path)
{
  const char *s = strrchr (path, '/');
  buf_reset (b);
  if (!s)
    buf_puts (b, ".");
  else if (s == path)
    buf_puts (b, "/");
  else
    buf_append (b, path, (size_t) (s - path));
}

/* Journal location: the mailbox's directory if we may write there, else
 * the home directory.  dirb gets the directory, jb the file name. */
static void journal_where (const char *path, dev_t dev, ino_t ino,
			   struct buf *dirb, struct buf *jb, int which)
{
  dir_of (dirb, path);
  if (which == 1 || (which == 0 && access (buf_cstr (dirb), W_OK) != 0)) {
    const char *home = myhomedir ();
    buf_reset (dirb);
    buf_puts (dirb, home && *home ? home : "/tmp");
  }
  unix_journal_name (jb, buf_cstr (dirb), dev, ino);
}

/* Start a journal for file (dev, ino) at path, with room for its header
 * (written by jw_commit).  0, or -1 with errno. */
static int jw_open (struct jwriter *jw, const char *path, dev_t dev,
		    ino_t ino, struct buf *dirb, struct buf *jb)
{
  unsigned char hdr[JHDR];
  memset (jw, 0, sizeof *jw);
  unix_jsum_init (&jw->sum);
  journal_where (path, dev, ino, dirb, jb, 0);
  unlink (buf_cstr (jb));
  /* O_EXCL: never through a planted link; O_RDWR: applied from this fd */
  jw->fd = open (buf_cstr (jb), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (jw->fd < 0)
    return -1;
  memset (hdr, 0, sizeof hdr);
  jw->pos = JHDR;
  if (os_pwrite_all (jw->fd, hdr, JHDR, 0) < 0)
    jw->err = errno;
  return 0;
}

/* The checksum of the first bytes of [newlen, oldlen) of a shrinking file.
 * Applying the extents never writes there (they all lie below newlen), so
 * on recovery these bytes still being the old ones tells "crashed before
 * the ftruncate" from "truncated, then someone appended mail".  0, or -1
 * with errno. */
static int stale_sum (int fd, off_t newlen, off_t oldlen, uint64_t *sum)
{
  size_t n = (size_t) (oldlen - newlen > JSTALE_MAX ? JSTALE_MAX
		       : oldlen - newlen);
  char *b = fs_get (n);
  struct unix_jsum js;
  int r = os_pread_all (fd, b, n, newlen);
  if (r == 0) {
    unix_jsum_init (&js);
    unix_jsum_add (&js, b, n);
    *sum = unix_jsum_final (&js);
  }
  fs_give ((void **) &b);
  return r;
}

/* Write the header that makes the journal complete and make it durable.
 * 0, or -1 with errno after closing and removing the journal. */
static int jw_commit (struct jwriter *jw, int mfd, dev_t dev, ino_t ino,
		      off_t oldlen, off_t newlen, struct buf *dirb,
		      struct buf *jb)
{
  unsigned char hdr[JHDR];
  uint64_t stale = 0;
  memset (hdr, 0, sizeof hdr);
  if (newlen < oldlen && !jw->err && stale_sum (mfd, newlen, oldlen, &stale) < 0)
    jw->err = errno ? errno : EIO;
  memcpy (hdr, UNIX_JOURNAL_MAGIC, 8);
  unix_put64 (hdr + 8, UNIX_JOURNAL_VERSION);
  unix_put64 (hdr + 16, (uint64_t) dev);
  unix_put64 (hdr + 24, (uint64_t) ino);
  unix_put64 (hdr + 32, (uint64_t) oldlen);
  unix_put64 (hdr + 40, (uint64_t) newlen);
  unix_put64 (hdr + 48, jw->nextents);
  unix_put64 (hdr + 56, jw->datalen);
  unix_put64 (hdr + 64, unix_jsum_final (&jw->sum));
  unix_put64 (hdr + 72, stale);
  if (jw->err || os_pwrite_all (jw->fd, hdr, JHDR, 0) < 0
      || fsync (jw->fd) < 0 || os_fsync_dir (buf_cstr (dirb)) < 0) {
    int e = jw->err ? jw->err : errno;
    close (jw->fd);
    jw->fd = -1;
    unlink (buf_cstr (jb));
    errno = e;
    return -1;
  }
  return 0;
}

/* Make sure fd can grow from oldlen to newlen before any of it is
 * touched.  0, or -1 with errno after removing the (unapplied) journal and
 * giving back what the attempt took. */
static int jw_reserve (int fd, off_t oldlen, off_t newlen, struct buf *dirb,
		       struct buf *jb)
{
  int e;
  if (newlen <= oldlen)
    return 0;
  e = posix_fallocate (fd, 0, newlen);
  if (e == 0 || e == EOPNOTSUPP || e == EINVAL)
    return 0;			/* done, or a filesystem that can't say */
  unlink (buf_cstr (jb));
  os_fsync_dir (buf_cstr (dirb));
  if (ftruncate (fd, oldlen) < 0) { /* nothing more we can do */ }
  errno = e;
  return -1;
}

/* Verify a journal: header sane and checksum right.  Returns 1 and fills
 * the header values, or 0. */
static int journal_check (int jfd, dev_t dev, ino_t ino, struct jhead *jh)
{
  unsigned char h[JHDR], *chunk;
  struct stat sb;
  struct jcheck jc;
  uint64_t left, off = JHDR, n, e;
  int ok = 0;

  if (fstat (jfd, &sb) < 0 || sb.st_size < JHDR
      || os_pread_all (jfd, h, JHDR, 0) < 0)
    return 0;
  jh->ver = unix_get64 (h + 8);
  if (memcmp (h, UNIX_JOURNAL_MAGIC, 8) != 0
      || jh->ver < 1 || jh->ver > UNIX_JOURNAL_VERSION
      || unix_get64 (h + 16) != (uint64_t) dev || unix_get64 (h + 24) != (uint64_t) ino)
    return 0;
  jh->oldlen = unix_get64 (h + 32);
  jh->newlen = unix_get64 (h + 40);
  jh->next = unix_get64 (h + 48);
  jh->dlen = unix_get64 (h + 56);
  jh->stale = unix_get64 (h + 72);	/* version 3 on */
  if ((uint64_t) sb.st_size != JHDR + jh->dlen)
    return 0;
  /* walk extents: sum is over offset, data, then length (jw order) */
  jc_init (&jc, jh->ver == 1);
  chunk = fs_get (1 << 20);
  left = jh->dlen;
  for (e = 0; e < jh->next; e++) {
    unsigned char eh[16];
    uint64_t elen;
    if (left < 16 || os_pread_all (jfd, eh, 16, (off_t) off) < 0)
      goto out;
    elen = unix_get64 (eh + 8);
    left -= 16;
    off += 16;
    if (elen > left || unix_get64 (eh) + elen > jh->newlen)
      goto out;
    jc_add (&jc, eh, 8);
    for (n = 0; n < elen;) {
      size_t k = (elen - n > (1 << 20)) ? (1 << 20) : (size_t) (elen - n);
      if (os_pread_all (jfd, chunk, k, (off_t) (off + n)) < 0)
	goto out;
      jc_add (&jc, chunk, k);
      n += k;
    }
    jc_add (&jc, eh + 8, 8);
    off += elen;
    left -= elen;
  }
  ok = (left == 0 && jc_final (&jc) == unix_get64 (h + 64));
out:
  fs_give ((void **) &chunk);
  return ok;
}

/* Do the file's bytes already equal the journal's extents? */
static int journal_applied (int jfd, int fd, uint64_t next, uint64_t newlen)
{
  struct stat sb;
  uint64_t off = JHDR, e;
  char *a = fs_get (65536), *b = fs_get (65536);
  int same = 1;
  if (fstat (fd, &sb) < 0 || (uint64_t) sb.st_size < newlen)
    same = 0;
  for (e = 0; same && e < next; e++) {
    unsigned char eh[16];
    uint64_t where, elen, n;
    if (os_pread_all (jfd, eh, 16, (off_t) off) < 0) {
      same = 0;
      break;
    }
    where = unix_get64 (eh);
    elen = unix_get64 (eh + 8);
    off += 16;
    for (n = 0; same && n < elen;) {
      size_t k = (elen - n > 65536) ? 65536 : (size_t) (elen - n);
      if (os_pread_all (jfd, a, k, (off_t) (off + n)) < 0
	  || os_pread_all (fd, b, k, (off_t) (where + n)) < 0
	  || memcmp (a, b, k) != 0)
	same = 0;
      n += k;
    }
    off += elen;
  }
  fs_give ((void **) &a);
  fs_give ((void **) &b);
  return same;
}

/* Copy up to len bytes from jfd at joff to fd at off in the kernel (no
 * trip through our memory: a large tail is copied twice per rewrite).
 * The number copied; 0 or -1 when the caller must copy by hand (a
 * filesystem or kernel without copy_file_range, or a short source). */
static ssize_t copy_extent (int jfd, off_t joff, int fd, off_t off,
			    uint64_t len)
{
  static int unsupported;
  ssize_t c;
  if (unsupported || len < 65536)
    return 0;			/* small extents: a pwrite is cheaper */
  if (len > (1u << 30))
    len = 1u << 30;
  c = copy_file_range (jfd, &joff, fd, &off, (size_t) len, 0);
  if (c < 0 && errno == ENOSYS)	/* other errors: this pair of files */
    unsupported = 1;
  return c;
}

/* Apply a checked journal's extents to fd, truncate to newlen, fsync */
static int journal_apply (int jfd, int fd, uint64_t next, uint64_t newlen)
{
  uint64_t off = JHDR, e;
  char *chunk = fs_get (1 << 20);
  int r = -1;
  for (e = 0; e < next; e++) {
    unsigned char eh[16];
    uint64_t where, elen, n;
    if (os_pread_all (jfd, eh, 16, (off_t) off) < 0)
      goto out;
    where = unix_get64 (eh);
    elen = unix_get64 (eh + 8);
    off += 16;
    for (n = 0; n < elen;) {
      size_t k = (elen - n > (1 << 20)) ? (1 << 20) : (size_t) (elen - n);
      ssize_t c = copy_extent (jfd, (off_t) (off + n), fd,
			       (off_t) (where + n), elen - n);
      if (c > 0) {
	n += (uint64_t) c;
	continue;
      }
      if (os_pread_all (jfd, chunk, k, (off_t) (off + n)) < 0
	  || os_pwrite_all (fd, chunk, k, (off_t) (where + n)) < 0)
	goto out;
      n += k;
    }
    off += elen;
  }
  if (ftruncate (fd, (off_t) newlen) < 0 || fsync (fd) < 0)
    goto out;
  r = 0;
out:
  fs_give ((void **) &chunk);
  return r;
}

/* A journal is replayed only if it is a plain file written by us, by the
 * mailbox's owner or by root: whoever else wrote it could not write the
 * mailbox itself. */
static int journal_trusted (int jfd, const struct stat *mbx)
{
  struct stat jsb;
  if (fstat (jfd, &jsb) < 0 || !S_ISREG (jsb.st_mode))
    return 0;
  return jsb.st_uid == geteuid () || jsb.st_uid == mbx->st_uid
    || jsb.st_uid == 0;
}

/* Applied, but was the file truncated?  A version 3 journal of a shrinking
 * file knows the sum of the old bytes just past the new end: when they are
 * still there, the crash came between the last extent and the ftruncate,
 * and those bytes are stale copies of the tail (leaving them would
 * duplicate its last messages). */
static int stale_left (int fd, const struct jhead *jh)
{
  struct stat cur;
  uint64_t sum;
  if (jh->ver < 3 || jh->newlen >= jh->oldlen || fstat (fd, &cur) < 0
      || (uint64_t) cur.st_size < jh->oldlen)
    return 0;
  return stale_sum (fd, (off_t) jh->newlen, (off_t) jh->oldlen, &sum) == 0
    && sum == jh->stale;
}

/* Did we extend this growing file before the crash?  Then every byte of
 * [oldlen, newlen) is still a zero of posix_fallocate() or already the
 * journal's byte for that offset.  Mail someone appended at oldlen instead
 * differs at once (it never holds NULs); and where it happens to equal the
 * journal's bytes, either reading gives the same file.  Extents are in
 * increasing offset order (the rewrite walks the file forward). */
static int grown_by_us (int jfd, int fd, const struct jhead *jh)
{
  uint64_t off = JHDR, cursor = jh->oldlen, e;
  char *a = fs_get (65536), *b = fs_get (65536);
  int ours = 1;
  for (e = 0; ours && e <= jh->next; e++) {
    unsigned char eh[16];
    uint64_t where = jh->newlen, elen = 0, from, to, n;
    if (e < jh->next) {
      if (os_pread_all (jfd, eh, 16, (off_t) off) < 0) {
	ours = 0;
	break;
      }
      where = unix_get64 (eh);
      elen = unix_get64 (eh + 8);
    }
    /* a gap before this extent: zeros only */
    for (n = cursor; ours && n < where && n < jh->newlen;) {
      size_t k = where - n > 65536 ? 65536 : (size_t) (where - n);
      if (os_pread_all (fd, a, k, (off_t) n) < 0)
	ours = 0;
      for (size_t i = 0; ours && i < k; i++)
	ours = a[i] == 0;
      n += k;
    }
    from = where > jh->oldlen ? where : jh->oldlen;
    to = where + elen;
    for (n = from; ours && n < to;) {
      size_t k = to - n > 65536 ? 65536 : (size_t) (to - n);
      if (os_pread_all (fd, a, k, (off_t) n) < 0
	  || os_pread_all (jfd, b, k, (off_t) (off + 16 + (n - where))) < 0)
	ours = 0;
      for (size_t i = 0; ours && i < k; i++)
	ours = a[i] == 0 || a[i] == b[i];
      n += k;
    }
    if (to > cursor)
      cursor = to;
    off += 16 + elen;
  }
  fs_give ((void **) &a);
  fs_give ((void **) &b);
  return ours;
}

static int recover_one (MAILSTREAM *stream, int fd, const char *path,
			struct stat *sb, int which)
{
  struct buf dirb = BUF_INIT, jb = BUF_INIT;
  struct jhead jh;
  int jfd, r = 0;

  journal_where (path, sb->st_dev, sb->st_ino, &dirb, &jb, which);
  jfd = open (buf_cstr (&jb), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (jfd < 0) {
    buf_free (&dirb);
    buf_free (&jb);
    return 0;
  }
  if (!journal_trusted (jfd, sb)) {
    /* anyone may create files in a shared spool directory: a journal
     * planted there must not write into someone else's mailbox */
    mail_log (stream, WARN, "Ignoring rewrite journal %s: not written by "
	      "this user or the mailbox's owner", buf_cstr (&jb));
  }
  else if (!journal_check (jfd, sb->st_dev, sb->st_ino, &jh)) {
    /* never completed: the mailbox was not touched */
    mail_log (stream, WARN, "Discarding incomplete rewrite journal %s",
	      buf_cstr (&jb));
    unlink (buf_cstr (&jb));
    os_fsync_dir (buf_cstr (&dirb));
  }
  else if (journal_applied (jfd, fd, jh.next, jh.newlen)
	   && !stale_left (fd, &jh)) {
    /* crashed after applying and truncating, before unlinking: bytes past
     * newlen, if any, were added later by someone else and stay */
    unlink (buf_cstr (&jb));
    os_fsync_dir (buf_cstr (&dirb));
  }
  else {
    struct stat cur;
    uint64_t keep_from = jh.oldlen;
    char *foreign = NIL;
    size_t flen = 0;
    /* mail delivered after the crash (a stale dotlock broken after its
     * timeout) starts at the old length, unless we had already extended a
     * growing file: then at the new one */
    if (fstat (fd, &cur) < 0)
      cur.st_size = 0;		/* can't tell: nothing to keep */
    if (jh.newlen > jh.oldlen
	&& (uint64_t) cur.st_size >= jh.newlen && grown_by_us (jfd, fd, &jh))
      keep_from = jh.newlen;
    if ((uint64_t) cur.st_size > keep_from) {
      flen = (size_t) ((uint64_t) cur.st_size - keep_from);
      foreign = fs_get (flen + 1);
      if (os_pread_all (fd, foreign, flen, (off_t) keep_from) < 0) {
	mail_log (stream, ERROR, "Can't finish interrupted rewrite of %s: "
		  "%s (journal %s kept)", path, strerror (errno),
		  buf_cstr (&jb));
	fs_give ((void **) &foreign);
	close (jfd);
	buf_free (&dirb);
	buf_free (&jb);
	return -1;
      }
    }
    if (journal_apply (jfd, fd, jh.next, jh.newlen) < 0
	|| (flen && (os_pwrite_all (fd, foreign, flen, (off_t) jh.newlen) < 0
		     || fsync (fd) < 0))) {
      mail_log (stream, ERROR, "Can't finish interrupted rewrite of %s: %s "
		"(journal %s kept)", path, strerror (errno), buf_cstr (&jb));
      r = -1;
    }
    else {
      mail_log (stream, WARN, "Finished an interrupted rewrite of %s", path);
      unlink (buf_cstr (&jb));
      os_fsync_dir (buf_cstr (&dirb));
    }
    if (foreign)
      fs_give ((void **) &foreign);
  }
  close (jfd);
  buf_free (&dirb);
  buf_free (&jb);
  return r;
}

/* Is there a journal (complete or not) for this file?  Cheap: two stats. */
int unix_journal_pending (const char *path, dev_t dev, ino_t ino)
{
  struct buf dirb = BUF_INIT, jb = BUF_INIT;
  struct stat sb;
  int found = 0, which;
  for (which = 2; which >= 1 && !found; which--) {
    journal_where (path, dev, ino, &dirb, &jb, which);
    found = lstat (buf_cstr (&jb), &sb) == 0;
  }
  buf_free (&dirb);
  buf_free (&jb);
  return found;
}

int unix_journal_recover (MAILSTREAM *stream, int fd, const char *path)
{
  struct stat sb;
  if (fstat (fd, &sb) < 0)
    return -1;
  if (recover_one (stream, fd, path, &sb, 2) < 0)	/* mailbox's dir */
    return -1;
  return recover_one (stream, fd, path, &sb, 1);	/* home */
}

/* ---------------------------------------------------------------------- */
/* Rewrite                                                                */

/* Append src[0..n) to b with CR LF turned into LF (UW writes LF files).
 * A line whose text itself ends in CR ("x\r\r\n") keeps its bytes: made
 * "x\r\n" it would read back differently (a lone "\r\r\n" line would even
 * become the empty line that ends a header). */
static void put_lf (struct buf *b, const char *s, size_t n)
{
  const char *start = s, *e = s + n, *cr;
  while (s < e && (cr = memchr (s, '\r', (size_t) (e - s)))) {
    if (cr + 1 < e && cr[1] == '\n' && !(cr > start && cr[-1] == '\r')) {
      buf_append (b, s, (size_t) (cr - s));
      s = cr + 1;
    }
    else {
      buf_append (b, s, (size_t) (cr - s) + 1);
      s = cr + 1;
    }
  }
  if (s < e)
    buf_append (b, s, (size_t) (e - s));
}

/* The visible header lines (plus Content-Length, which UW keeps) of the
 * header at h..he, with CRLF turned into LF; the empty line excluded. */
static void put_header_kept (struct buf *b, const char *h, const char *he)
{
  unix_scan_visible (h, he, 0, put_lf, b);
  if (b->len && b->data[b->len - 1] != '\n')
    buf_putc (b, '\n');
}

static unsigned int elt_fl (MESSAGECACHE *elt)
{
  return (elt->seen ? fSEEN : 0) | (elt->deleted ? fDELETED : 0)
    | (elt->flagged ? fFLAGGED : 0) | (elt->answered ? fANSWERED : 0)
    | (elt->draft ? fDRAFT : 0);
}

/* Build the whole message i as we write it */
static void gen_message (struct buf *b, MAILSTREAM *stream, const char *map,
			 struct unix_msg *m, MESSAGECACHE *elt, int base)
{
  const char *fl = map + m->from, *fe = memchr (fl, '\n',
						(size_t) (m->hdr - m->from));
  size_t n = fe ? (size_t) (fe - fl) : (size_t) (m->hdr - m->from);
  if (n && fl[n - 1] == '\r')
    n--;
  buf_append (b, fl, n);
  buf_putc (b, '\n');
  put_header_kept (b, map + m->hdr, map + m->body);
  unix_status_block (b, stream, elt_fl (elt), elt->user_flags,
		     elt->private.uid, base, 1);
  if (m->end > m->body && map[m->end - 1] != '\n') {
    /* text cut off without its last newline (the end of the file): the
     * newline we must add could turn that line into a From_ line */
    const char *s = map + m->body, *e = map + m->end, *ls = e;
    while (ls > s && ls[-1] != '\n')
      ls--;
    put_lf (b, s, (size_t) (ls - s));
    if (e - ls >= 5 && memcmp (ls, "From ", 5) == 0)
      buf_putc (b, '>');
    put_lf (b, ls, (size_t) (e - ls));
    buf_putc (b, '\n');
  }
  else
    put_lf (b, map + m->body, (size_t) (m->end - m->body));
  buf_putc (b, '\n');		/* separator */
}

int unix_lock (MAILSTREAM *stream, DOTLOCK *dl, int op)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  const char *err = NIL;
  if (lock_dot (stream, L->path, L->fd, dl, &err) < 0) {
    mail_log (stream, ERROR, "%s", err ? err : "Can't lock mailbox");
    return -1;
  }
  if (lock_flock (L->fd, op, unix_timeout ()) < 0) {
    mail_log (stream, ERROR, "Can't lock mailbox %s: %s", L->path,
	      strerror (errno));
    lock_undot (dl);
    return -1;
  }
  return 0;
}

int unix_lock_ex (MAILSTREAM *stream, DOTLOCK *dl)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  if (unix_lock (stream, dl, LOCK_EX) < 0)
    return -1;
  if (unix_journal_recover (stream, L->fd, L->path) < 0) {
    unix_unlock (stream, dl);
    return -1;
  }
  return 0;
}

void unix_unlock (MAILSTREAM *stream, DOTLOCK *dl)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  lock_funlock (L->fd);
  lock_undot (dl);
}

static int same_uid_data (MAILSTREAM *stream, struct unix_local *L)
{
  struct buf k = BUF_INIT;
  int same;
  unix_put_keywords (&k, stream);
  same = stream->uid_validity == L->disk_validity
    && stream->uid_last == L->disk_last
    && strcmp (buf_cstr (&k), L->disk_keywords ? L->disk_keywords : "") == 0;
  buf_free (&k);
  return same;
}

/* Is message i (elt) exactly as on disk? */
static int msg_unchanged (MAILSTREAM *stream, struct unix_msg *m,
			  MESSAGECACHE *elt, int base, int uidsame)
{
  return m->canonical && m->blockok && (m->fl & fOLD)
    && (m->fl & ~fOLD) == elt_fl (elt) && m->kw == elt->user_flags
    && m->uid == elt->private.uid && m->uid
    && (unsigned) base == m->base && (!base || uidsame);
}

/* May message i go into a rewritten tail as the bytes it has on disk?
 * Then what gen_message would write is exactly those bytes: our layout
 * (canonical: LF lines, one separator, no hidden line but one trailing
 * status block) and our status block for its current state. */
static int msg_verbatim (MAILSTREAM *stream, struct unix_msg *m,
			 MESSAGECACHE *elt, int base, int uidsame)
{
  return msg_unchanged (stream, m, elt, base, uidsame) && !m->hdr_open
    && !m->crlf && m->end + 1 == m->next;
}

/* Journal map[from..to) as it is (nothing when the range is empty) */
static void jw_run (struct jwriter *jw, const char *map, off_t from,
		    off_t to)
{
  if (to > from)
    jw_data (jw, map + from, (size_t) (to - from));
}

/* A message whose bytes moved by delta */
static void unix_msg_move (struct unix_msg *m, off_t delta)
{
  m->from += delta;
  m->hdr += delta;
  m->body += delta;
  m->end += delta;
  m->next += delta;
  if (m->st_off >= 0)
    m->st_off += delta;
}

long unix_rewrite (MAILSTREAM *stream, int expunge, int seq_only,
		   unsigned long *nexpunged)
{
  struct unix_local *L = UNIX_LOCAL (stream);
  struct jwriter jw;
  struct buf dirb = BUF_INIT, jb = BUF_INIT, gen = BUF_INIT;
  struct stat sb;
  DOTLOCK dl;
  const char *map = NIL;
  unsigned long i, nx = 0, survivors = 0, first_surv = 0;
  off_t tail = -1, oldlen, newlen;
  off_t run_from = 0, run_to = 0;	/* tail bytes to journal as they are */
  off_t *newoff = NIL;		/* a tail message's new From_ offset */
  int uidsame, pseudo_out, ret = 0;
  int regen = 0;		/* some tail message was regenerated */
  char *gone = NIL;		/* messages expunged */

  if (nexpunged)
    *nexpunged = 0;
  if (stream->rdonly || L->fd < 0)
    return 0;
  if (unix_lock_ex (stream, &dl) < 0)
    return 0;
  /* pick up anything appended since we last looked, so we never drop it */
  if (fstat (L->fd, &sb) < 0 || sb.st_size < L->parsed
      || unix_parse (stream, 0) < 0 || fstat (L->fd, &sb) < 0) {
    mail_log (stream, ERROR, "Mailbox %s changed unexpectedly; not "
	      "rewriting it", L->path);
    unix_unlock (stream, &dl);
    return 0;
  }
  oldlen = sb.st_size;
  if (oldlen > 0) {
    map = mmap (NULL, (size_t) oldlen, PROT_READ, MAP_SHARED, L->fd, 0);
    if (map == MAP_FAILED) {
      mail_log (stream, ERROR, "Can't map %s: %s", L->path, strerror (errno));
      unix_unlock (stream, &dl);
      return 0;
    }
  }
  gone = fs_get (stream->nmsgs + 1);
  memset (gone, 0, stream->nmsgs + 1);
  for (i = 1; i <= stream->nmsgs; i++) {
    MESSAGECACHE *elt = mail_elt (stream, i);
    if (expunge && elt->deleted && (!seq_only || elt->sequence)) {
      gone[i] = 1;
      nx++;
    }
    else {
      survivors++;
      if (!first_surv)
	first_surv = i;
    }
  }
  uidsame = same_uid_data (stream, L);
  /* the pseudo-message stays once there; an emptied mailbox gets one */
  pseudo_out = L->pseudo || (survivors == 0 && oldlen > 0);

  if (jw_open (&jw, L->path, L->dev, L->ino, &dirb, &jb) < 0) {
    mail_log (stream, ERROR, "Can't create rewrite journal %s: %s",
	      buf_cstr (&jb), strerror (errno));
    goto fail;
  }

  /* pseudo-message */
  if (pseudo_out && (!uidsame || !L->pseudo)) {
    buf_reset (&gen);
    unix_pseudo (&gen, stream, time (0), 1);
    if (L->pseudo && (off_t) gen.len == L->first) {
      jw_begin (&jw, 0);
      jw_data (&jw, gen.data, gen.len);
      jw_end (&jw);
    }
    else {
      tail = 0;
      regen = 1;		/* L->first changes: rescan everything */
      newoff = fs_get ((stream->nmsgs + 1) * sizeof *newoff);
      jw_begin (&jw, 0);
      jw_data (&jw, gen.data, gen.len);
    }
  }
  for (i = 1; i <= stream->nmsgs && !jw.err; i++) {
    struct unix_msg *m = &L->msgs[i - 1];
    MESSAGECACHE *elt = mail_elt (stream, i);
    int base = !pseudo_out && i == first_surv;
    if (gone[i]) {
      if (tail < 0) {
	tail = m->from;
	jw_begin (&jw, tail);
	newoff = fs_get ((stream->nmsgs + 1) * sizeof *newoff);
      }
      continue;
    }
    if (tail >= 0 && msg_verbatim (stream, m, elt, base, uidsame)) {
      /* its bytes move unchanged: journal them straight from the map,
       * joined with its neighbours, and remember where they land */
      newoff[i] = tail + (off_t) jw.ext_len + (run_to - run_from);
      if (run_to != m->from) {
	jw_run (&jw, map, run_from, run_to);
	run_from = m->from;
      }
      run_to = m->next;
      continue;
    }
    jw_run (&jw, map, run_from, run_to);
    run_from = run_to = 0;
    if (tail < 0) {
      if (msg_unchanged (stream, m, elt, base, uidsame))
	continue;
      if (m->canonical && (unsigned) base == m->base && m->st_off >= 0) {
	buf_reset (&gen);
	unix_status_block (&gen, stream, elt_fl (elt), elt->user_flags,
			   elt->private.uid, base, 1);
	if (gen.len == m->st_len) {	/* UW's padding at work: in place */
	  jw_begin (&jw, m->st_off);
	  jw_data (&jw, gen.data, gen.len);
	  jw_end (&jw);
	  continue;
	}
      }
      tail = m->from;
      jw_begin (&jw, tail);
    }
    if (!newoff)
      newoff = fs_get ((stream->nmsgs + 1) * sizeof *newoff);
    regen = 1;
    buf_reset (&gen);
    gen_message (&gen, stream, map, m, elt, base);
    jw_data (&jw, gen.data, gen.len);
  }
  jw_run (&jw, map, run_from, run_to);
  if (tail >= 0)
    jw_end (&jw);
  newlen = tail >= 0 ? tail + (off_t) jw.ext_len : oldlen;
  if (!jw.err && tail < 0 && jw.nextents == 0) {	/* nothing to do */
    close (jw.fd);
    unlink (buf_cstr (&jb));
    ret = 1;
    goto done;
  }
  if (jw_commit (&jw, L->fd, L->dev, L->ino, oldlen, newlen, &dirb, &jb)
      < 0) {
    mail_log (stream, ERROR, "Can't write rewrite journal for %s: %s; "
	      "mailbox unchanged", L->path, strerror (errno));
    goto fail;
  }
  /* make sure the space is there before touching the mailbox */
  if (jw_reserve (L->fd, oldlen, newlen, &dirb, &jb) < 0) {
    mail_log (stream, ERROR, "Can't rewrite %s: %s; mailbox unchanged",
	      L->path, strerror (errno));
    close (jw.fd);
    goto fail;
  }
  if (journal_apply (jw.fd, L->fd, jw.nextents, (uint64_t) newlen) < 0) {
    mail_log (stream, ERROR, "Error rewriting %s: %s (journal %s kept; "
	      "it is replayed on next open)", L->path, strerror (errno),
	      buf_cstr (&jb));
    close (jw.fd);
    goto fail;
  }
  close (jw.fd);
  unlink (buf_cstr (&jb));
  os_fsync_dir (buf_cstr (&dirb));
  ret = 1;
  /* our own write is no news to the next ping (it would re-read all) */
  if (fstat (L->fd, &sb) == 0)
    L->mtime = sb.st_mtim;

  /* bring the index in line with the file */
  if (map)
    munmap ((void *) map, (size_t) oldlen);
  map = NIL;
  {
    unsigned long j = 0, k;
    unsigned long firsttail = stream->nmsgs + 1;	/* first msg in tail */
    for (k = 1; k <= stream->nmsgs; k++) {
      struct unix_msg *m = &L->msgs[k - 1];
      MESSAGECACHE *elt = mail_elt (stream, k);
      if (gone[k])
	continue;
      elt->private.dirty = NIL;	/* on disk now */
      if (tail >= 0 && m->from >= tail && firsttail > stream->nmsgs)
	firsttail = j + 1;
      if (tail < 0 || m->from < tail) {	/* before the tail: block patched */
	m->fl = (unsigned char) (elt_fl (elt) | fOLD);
	m->kw = elt->user_flags;
	m->uid = elt->private.uid;
	m->blockok = 1;
      }
      else if (!regen)		/* moved verbatim: same layout elsewhere */
	unix_msg_move (m, newoff[k] - m->from);
      L->msgs[j++] = *m;
    }
    /* report expunges (renumbering as we go) and compact the cache */
    mail_expunged_many (stream, gone);
    if (nexpunged)
      *nexpunged = nx;
    L->disk_validity = stream->uid_validity;
    L->disk_last = stream->uid_last;
    unix_set_disk_keywords (stream, L);
    L->pseudo = pseudo_out;
    if (tail >= 0 && !regen)
      L->parsed = newlen;	/* every offset known: nothing to rescan */
    else if (tail >= 0) {
      /* rescan the rewritten tail to learn its new offsets */
      L->parsed = tail;
      if (tail == 0)
	firsttail = 1;
      if (unix_parse (stream, (int) (-(long) firsttail)) < 0)
	ret = 0;
    }
    L->hmsg = L->tmsg = 0;
  }
  goto done;

fail:
  ret = 0;
done:
  if (map)
    munmap ((void *) map, (size_t) oldlen);
  if (gone)
    fs_give ((void **) &gone);
  if (newoff)
    fs_give ((void **) &newoff);
  buf_free (&gen);
  buf_free (&dirb);
  buf_free (&jb);
  unix_unlock (stream, &dl);
  return ret;
}

/* ---------------------------------------------------------------------- */
/* A one-extent journaled patch (append's update of the uid data)         */

/* One journaled extent: at offset at, the bytes d[0..dlen) followed by the
 * file's own bytes [cfrom, cto); the file then has length newlen (-1: keep
 * its length).  0, or -1 after logging (the file is then unchanged, or the
 * journal stays to be replayed). */
static int journal_commit (MAILSTREAM *stream, int fd, const char *path,
			   off_t at, const char *d, size_t dlen, off_t cfrom,
			   off_t cto, off_t newlen)
{
  struct buf dirb = BUF_INIT, jb = BUF_INIT;
  struct jwriter jw;
  struct stat sb;
  int r = -1;

  if (fstat (fd, &sb) < 0)
    return -1;
  if (newlen < 0)
    newlen = sb.st_size;
  if (jw_open (&jw, path, sb.st_dev, sb.st_ino, &dirb, &jb) < 0)
    goto out;
  jw_begin (&jw, at);
  jw_data (&jw, d, dlen);
  if (cto > cfrom) {
    char *chunk = fs_get (1 << 16);
    off_t o;
    for (o = cfrom; o < cto && !jw.err;) {
      size_t k = (cto - o > (1 << 16)) ? (1 << 16) : (size_t) (cto - o);
      if (os_pread_all (fd, chunk, k, o) < 0)
	jw.err = errno;
      else
	jw_data (&jw, chunk, k);
      o += (off_t) k;
    }
    fs_give ((void **) &chunk);
  }
  jw_end (&jw);
  if (jw_commit (&jw, fd, sb.st_dev, sb.st_ino, sb.st_size, newlen, &dirb,
		 &jb) < 0)
    goto out;
  if (jw_reserve (fd, sb.st_size, newlen, &dirb, &jb) < 0
      || journal_apply (jw.fd, fd, 1, (uint64_t) newlen) < 0) {
    /* after a failed apply the journal stays: replayed on next lock */
    int e = errno;
    close (jw.fd);
    errno = e;
    goto out;
  }
  close (jw.fd);
  unlink (buf_cstr (&jb));
  os_fsync_dir (buf_cstr (&dirb));
  r = 0;
out:
  if (r < 0)
    mail_log (stream, ERROR, "Can't update the UID data of %s: %s", path,
	      strerror (errno));
  buf_free (&dirb);
  buf_free (&jb);
  return r;
}

static int journal_patch (MAILSTREAM *stream, int fd, const char *path,
			  off_t off, const char *data, size_t len)
{
  return journal_commit (stream, fd, path, off, data, len, 0, 0, -1);
}

/* ---------------------------------------------------------------------- */
/* Append                                                                 */

static const char *const uw_wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
					"Fri", "Sat" };
static const char *const uw_months[] = { "Jan", "Feb", "Mar", "Apr", "May",
					 "Jun", "Jul", "Aug", "Sep", "Oct",
					 "Nov", "Dec" };

/* "Www Mmm dd hh:mm:ss yyyy +zzzz" from an elt's date */
static void from_date (struct buf *b, MESSAGECACHE *elt)
{
  struct tm tm;
  time_t t;
  int z = (int) (elt->zhours * 60 + elt->zminutes);
  memset (&tm, 0, sizeof tm);
  tm.tm_year = (int) elt->year + BASEYEAR - 1900;
  tm.tm_mon = (int) elt->month - 1;
  tm.tm_mday = (int) elt->day;
  t = timegm (&tm);
  gmtime_r (&t, &tm);
  buf_printf (b, "%s %s %2u %02u:%02u:%02u %u %c%02d%02d",
	      uw_wdays[tm.tm_wday % 7], uw_months[(elt->month + 11) % 12],
	      elt->day, elt->hours, elt->minutes, elt->seconds,
	      elt->year + BASEYEAR, elt->zoccident ? '-' : '+', z / 60,
	      z % 60);
}

static void now_elt (MESSAGECACHE *elt)
{
  time_t now = time (0);
  struct tm tm;
  long z;
  localtime_r (&now, &tm);
  z = tm.tm_gmtoff / 60;
  elt->day = (unsigned) tm.tm_mday;
  elt->month = (unsigned) tm.tm_mon + 1;
  elt->year = (unsigned) (tm.tm_year + 1900 - BASEYEAR);
  elt->hours = (unsigned) tm.tm_hour;
  elt->minutes = (unsigned) tm.tm_min;
  elt->seconds = (unsigned) tm.tm_sec;
  elt->zoccident = z < 0;
  if (z < 0)
    z = -z;
  elt->zhours = (unsigned) (z / 60);
  elt->zminutes = (unsigned) (z % 60);
}

/* Copy one line of message text, LF-terminated, quoting a leading "From " */
static void put_text_line (struct buf *b, const char *s, size_t n)
{
  if (n >= 5 && memcmp (s, "From ", 5) == 0)
    buf_putc (b, '>');
  buf_append (b, s, n);
  buf_putc (b, '\n');
}

int unix_append_format (struct buf *b, MAILSTREAM *stream, STRING *msg,
			const char *date, unsigned int fl, unsigned long kw,
			unsigned long uid, const char **error_r)
{
  MESSAGECACHE elt;
  struct buf raw = BUF_INIT;
  const char *s, *e, *user = myusername ();
  unsigned long i, size = SIZE (msg);
  int in_hdr = 1, drop = 0;

  memset (&elt, 0, sizeof elt);
  if (date && *date) {
    if (!mail_parse_date (&elt, (unsigned char *) date)) {
      *error_r = "Bad date in append";
      return -1;
    }
  }
  else
    now_elt (&elt);
  buf_reserve (&raw, size + 1);
  for (i = 0; i < size; i++)
    raw.data[i] = SNX (msg);
  raw.len = size;
  raw.data[size] = '\0';
  buf_printf (b, "From %s@%s ", user ? user : "unknown", mylocalhost ());
  from_date (b, &elt);
  buf_putc (b, '\n');
  s = raw.data;
  e = s + raw.len;
  while (s < e) {
    const char *q = memchr (s, '\n', (size_t) (e - s));
    size_t n = (size_t) ((q ? q : e) - s);
    const char *next = q ? q + 1 : e;
    if (n && s[n - 1] == '\r')
      n--;
    if (in_hdr) {
      size_t vo;
      if (n == 0) {		/* end of header: our status block */
	unix_status_block (b, stream, fl, kw, uid, 0, 0);
	in_hdr = 0;
      }
      else if (*s == ' ' || *s == '\t') {
	if (!drop)
	  put_text_line (b, s, n);
      }
      else {
	enum unix_hdr_kind k = unix_scan_hdr_kind (s, n, &vo);
	drop = 0;
	if (k == UHK_STATUS || k == UHK_XSTATUS) {
	  buf_puts (b, "X-Original-");
	  buf_append (b, s, n);
	  buf_putc (b, '\n');
	}
	else if (k == UHK_XKEYWORDS || k == UHK_XUID || k == UHK_XIMAP
		 || k == UHK_XIMAPBASE)
	  drop = 1;
	else
	  put_text_line (b, s, n);
      }
    }
    else
      put_text_line (b, s, n);
    s = next;
  }
  if (in_hdr)			/* header without body */
    unix_status_block (b, stream, fl, kw, uid, 0, 0);
  buf_putc (b, '\n');		/* separator */
  buf_free (&raw);
  return 0;
}

struct head_info {
  int kind;			/* 0 none, 1 X-IMAP, 2 X-IMAPbase */
  off_t numoff;			/* offset of the uid-last digits */
  size_t numlen;
  unsigned long validity, last;
  const char *imap;
  size_t imap_len;
  off_t first_end;		/* end of the pseudo-message */
  int has_msgid;		/* it has a Message-ID (CREATE writes none) */
};

static int head_cb (void *ctx, struct unix_scan_msg *sm)
{
  struct head_info *hi = ctx;
  if (sm->imap_kind && (sm->imap_kind == 2 || sm->m.from == 0)
      && unix_scan_imap_value (sm->imap, sm->imap_len, &hi->validity,
			       &hi->last)) {
    hi->kind = sm->imap_kind;
    hi->imap = sm->imap;
    hi->imap_len = sm->imap_len;
    if (sm->imap_kind == 1) {
      const char *h = sm->fromline + (sm->m.hdr - sm->m.from);
      hi->first_end = sm->m.next;
      hi->has_msgid = memmem (h, (size_t) (sm->m.body - sm->m.hdr),
			      "\nMessage-ID:", 12) != NULL;
    }
  }
  return 0;			/* only the first message matters */
}

/* May append write the new last UID (len digits at off, replacing as
 * many) in place, without a journal?  Only when the digits lie in one
 * 512-byte sector: a write within a sector reaches the disk whole or not
 * at all, so a crash leaves the old number or the new one.  The old one
 * with the new mail on disk is harmless: X-UIDs above the recorded last
 * UID are given again, in the same order, by the next session; the new
 * one without the mail only skips some UIDs.  Digits across a sector
 * boundary could tear into a smaller number than UIDs already given out,
 * so those still go through the journal. */
static int uid_patch_atomic (off_t off, size_t len)
{
  return len > 0 && off / 512 == (off + (off_t) len - 1) / 512;
}

/* The UID validity recorded in the file (pseudo-message or X-IMAPbase);
 * 0 if none.  Reads only the first message. */
unsigned long unix_head_validity (int fd)
{
  struct head_info hi;
  struct stat sb;
  char *map;
  memset (&hi, 0, sizeof hi);
  if (fstat (fd, &sb) < 0 || sb.st_size == 0)
    return 0;
  map = mmap (NULL, (size_t) sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED)
    return 0;
  unix_scan_buffer (map, (size_t) sb.st_size, 0, head_cb, &hi);
  munmap (map, (size_t) sb.st_size);
  return hi.kind ? hi.validity : 0;
}

long unix_create_file (MAILSTREAM *stream, const char *path)
{
  MAILSTREAM t;
  struct buf b = BUF_INIT;
  int fd;
  struct buf dirb = BUF_INIT;

  memset (&t, 0, sizeof t);
  t.uid_validity = env_uidvalidity_next ();
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    mail_log (stream, ERROR, "Can't create mailbox %s: %s", path,
	      errno == EEXIST ? "mailbox already exists" : strerror (errno));
    return NIL;
  }
  unix_pseudo (&b, &t, (time_t) t.uid_validity, 0);
  if (os_write_all (fd, b.data, b.len) < 0 || fsync (fd) < 0) {
    int e = errno;
    close (fd);
    unlink (path);
    buf_free (&b);
    mail_log (stream, ERROR, "Can't create mailbox %s: %s", path,
	      strerror (e));
    return NIL;
  }
  close (fd);
  dir_of (&dirb, path);
  os_fsync_dir (buf_cstr (&dirb));
  buf_free (&dirb);
  buf_free (&b);
  set_mbx_protections ((char *) path, (char *) path);
  return LONGT;
}

long unix_append_work (MAILSTREAM *stream, char *mailbox, append_t af,
		       void *data)
{
  char path[MAILTMPLEN];
  MAILSTREAM t;			/* keywords and uid data of the target */
  struct head_info hi;
  struct buf b = BUF_INIT;
  struct stat sb;
  DOTLOCK dl;
  const char *err = NIL;
  off_t oldsize = 0, pos;
  unsigned long first_uid = 0, n = 0;
  int fd, ret = 0, created = 0, patched = 0, renew_pseudo = 0, w = 0;
  char num[32];
  SEARCHSET *set = NIL;

  memset (&t, 0, sizeof t);
  memset (&hi, 0, sizeof hi);
  if (!mailboxfile (path, mailbox)) {
    mail_log (stream, ERROR, "Can't append to %s: invalid name",
	      mailbox ? mailbox : "");
    return NIL;
  }
  if (!*path) {			/* spool INBOX, or ~/mbox */
    const char *home = myhomedir (), *spool = sysinbox ();
    char hm[MAILTMPLEN];
    snprintf (hm, sizeof hm, "%s/mbox", home ? home : "");
    if (home && *home && stat (hm, &sb) == 0)
      snprintf (path, sizeof path, "%s", hm);
    else
      snprintf (path, sizeof path, "%s", spool ? spool : "");
  }
  fd = open (path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT && strcasecmp (mailbox, "INBOX") == 0) {
    fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600);
    created = fd >= 0;
  }
  if (fd < 0) {
    if (errno == ENOENT)
      mail_log (stream, ERROR, "[TRYCREATE] Must create mailbox before "
		"append");
    else
      mail_log (stream, ERROR, "Can't append to %s: %s", mailbox,
		strerror (errno));
    return NIL;
  }
  fcntl (fd, F_SETFL, 0);
  if (fstat (fd, &sb) < 0 || !S_ISREG (sb.st_mode)) {
    mail_log (stream, ERROR, "Can't append to %s: not a mailbox file",
	      mailbox);
    close (fd);
    return NIL;
  }
  if (lock_dot (stream, path, fd, &dl, &err) < 0) {
    mail_log (stream, ERROR, "%s", err ? err : "Can't lock mailbox");
    close (fd);
    return NIL;
  }
  if (lock_flock (fd, LOCK_EX, unix_timeout ()) < 0) {
    mail_log (stream, ERROR, "Can't lock %s: %s", path, strerror (errno));
    lock_undot (&dl);
    close (fd);
    return NIL;
  }
  unix_journal_recover (stream, fd, path);
  if (fstat (fd, &sb) < 0)
    goto done;
  oldsize = sb.st_size;
  /* the format check comes before any write, and under the lock */
  {
    char tmp[LIM_MBOX_FROM_LINE + 2];
    struct mbox_from mf;
    ssize_t k = oldsize ? pread (fd, tmp, sizeof tmp, 0) : 0;
    if (oldsize && (k <= 0 || !mbox_from_scan (tmp, (size_t) k, &mf))) {
      mail_log (stream, ERROR, "Can't append to %s: it is not in UNIX "
		"mailbox format", mailbox);
      goto done;
    }
  }
  if (oldsize) {
    char *map = mmap (NULL, (size_t) oldsize, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
      mail_log (stream, ERROR, "Can't read %s: %s", path, strerror (errno));
      goto done;
    }
    unix_scan_buffer (map, (size_t) oldsize, 0, head_cb, &hi);
    if (hi.kind) {
      const char *v = hi.imap, *ve = hi.imap + hi.imap_len;
      t.uid_validity = hi.validity;
      t.uid_last = hi.last;
      /* find the digits of uid-last to patch them later */
      while (v < ve && (*v == ' ' || *v == '\t')) v++;
      while (v < ve && *v >= '0' && *v <= '9') v++;
      while (v < ve && (*v == ' ' || *v == '\t')) v++;
      hi.numoff = v - map;
      while (v < ve && *v >= '0' && *v <= '9') v++;
      hi.numlen = (size_t) ((v - map) - hi.numoff);
      {
	/* keywords: the words after the two numbers */
	const char *w;
	size_t wl;
	int i = 0;
	while (i < NUSERFLAGS && (w = unix_scan_word (&v, ve, &wl)))
	  if (wl <= MAXUSERFLAG) {
	    char *k = fs_get (wl + 1);
	    memcpy (k, w, wl);
	    k[wl] = '\0';
	    t.user_flags[i++] = k;
	  }
      }
    }
    munmap (map, (size_t) oldsize);
  }
  else {			/* empty file: start it with a pseudo-message */
    t.uid_validity = env_uidvalidity_next ();
    unix_pseudo (&b, &t, (time_t) t.uid_validity, 1);
    hi.kind = 1;
    {
      const char *x = strstr (b.data, "X-IMAP: ");
      hi.numoff = (x - b.data) + 8 + 11;
      hi.numlen = 10;
    }
  }
  pos = oldsize;
  if (oldsize) {		/* don't glue a From_ line to a partial line */
    char c;
    if (pread (fd, &c, 1, oldsize - 1) == 1 && c != '\n')
      buf_putc (&b, '\n');
  }
  for (;;) {
    char *flags = NIL, *date = NIL;
    STRING *msg = NIL;
    unsigned long uf = 0;
    long sys = 0;
    unsigned int fl = 0;
    if (!(*af) (stream, data, &flags, &date, &msg))
      goto rollback;
    if (!msg)
      break;
    if (flags && *flags) {
      /* A keyword the target does not list yet goes into the message's
       * X-Keywords; the next read-write open adds it to the mailbox's list,
       * as UW does.  Refusing it would drop every flag of the message. */
      t.kwd_create = T;
      if (mail_flags_parse (&t, flags, &sys, &uf) < 0)
	goto rollback;		/* the reason is logged; nothing written */
      fl = (unsigned int) sys & (fSEEN | fDELETED | fFLAGGED | fANSWERED
				 | fDRAFT);
    }
    n++;
    if (hi.kind && !first_uid)
      first_uid = t.uid_last + 1;
    if (unix_append_format (&b, &t, msg, date, fl, uf,
			    hi.kind ? t.uid_last + 1 : 0, &err) < 0) {
      mail_log (stream, ERROR, "%s", err);
      goto rollback;
    }
    if (hi.kind)
      t.uid_last++;
    if (b.len >= (1 << 20)) {	/* write as we go */
      if (os_pwrite_all (fd, b.data, b.len, pos) < 0)
	goto ioerr;
      pos += (off_t) b.len;
      buf_reset (&b);
    }
  }
  if (b.len && os_pwrite_all (fd, b.data, b.len, pos) < 0)
    goto ioerr;
  pos += (off_t) b.len;
  if (hi.kind && n) {
    if (hi.kind == 1)
      w = snprintf (num, sizeof num, "%010lu", t.uid_last);
    else
      w = snprintf (num, sizeof num, "%lu", t.uid_last);
    renew_pseudo = hi.kind == 1 && !hi.has_msgid && oldsize > 0
      && hi.first_end == oldsize;
    if (!renew_pseudo && (size_t) w == hi.numlen
	&& uid_patch_atomic (hi.numoff, (size_t) w)) {
      /* the new last UID in place, made durable by the one fsync below
       * together with the mail; see uid_patch_atomic */
      if (os_pwrite_all (fd, num, (size_t) w, hi.numoff) < 0)
	goto ioerr;
      patched = 1;
    }
  }
  if (fsync (fd) < 0)
    goto ioerr;
  if (created) {		/* a new INBOX: its name must survive too */
    struct buf dirb = BUF_INIT;
    dir_of (&dirb, path);
    os_fsync_dir (buf_cstr (&dirb));
    buf_free (&dirb);
  }
  /* the new mail is safe; now record the UIDs it took */
  if (hi.kind && n) {
    if (patched)
      ;				/* done above */
    else if (renew_pseudo) {
      /* the first append after CREATE: UW writes the pseudo-message anew
       * (with a Message-ID), and so do we, to give the same bytes */
      struct buf ps = BUF_INIT;
      unix_pseudo (&ps, &t, time (0), 1);
      journal_commit (stream, fd, path, 0, ps.data, ps.len, oldsize, pos,
		      (off_t) ps.len + (pos - oldsize));
      buf_free (&ps);
    }
    else if ((size_t) w == hi.numlen)
      journal_patch (stream, fd, path, hi.numoff, num, (size_t) w);
    /* else the X-IMAPbase number grew a digit: the UIDs we wrote are above
     * the recorded last UID, so the next session gives them new ones (the
     * message text is safe either way) */
    else
      first_uid = 0;
    if (first_uid) {
      appenduid_t au = (appenduid_t) mail_parameters (NIL, GET_APPENDUID, NIL);
      if (au) {
	set = mail_newsearchset ();
	set->first = first_uid;
	set->last = t.uid_last;
	(*au) (mailbox, t.uid_validity, set);
	mail_free_searchset (&set);
      }
    }
  }
  ret = 1;
  goto done;

ioerr:
  mail_log (stream, ERROR, "Message append failed: %s", strerror (errno));
rollback:
  /* put the file back the way it was: nothing half-written stays */
  if (ftruncate (fd, oldsize) < 0 || fsync (fd) < 0)
    mail_log (stream, ERROR, "Can't roll back failed append to %s: %s",
	      path, strerror (errno));
  ret = 0;
done:
  {
    int i;
    for (i = 0; i < NUSERFLAGS; i++)
      if (t.user_flags[i])
	fs_give ((void **) &t.user_flags[i]);
  }
  lock_funlock (fd);
  lock_undot (&dl);
  close (fd);
  buf_free (&b);
  return ret;
}

/*
 * unix-scan.c - the fast indexer for traditional UNIX mailboxes.
 *
 * Input is the mailbox bytes (usually an mmap of the file) starting at a
 * From_ line; output is, per message, its layout (offsets of the From_ line,
 * header, body, end of text, next message), its sizes in CRLF form with the
 * internal headers left out, and the values of the few headers that carry
 * IMAP state (Status, X-Status, X-Keywords, X-UID, X-IMAP, X-IMAPbase).
 * Nothing else of the header is parsed: envelopes and MIME structure are
 * built later, on demand, from the .header/.text the driver returns.
 *
 * Speed: one memchr per line; a line is checked as a From_ line only when
 * it starts with "From ".  Header lines are classified by their first byte.
 *
 * The end of a message: the newline that precedes the next From_ line is
 * part of the file format (writers add it), so when the text ends in an
 * empty line the last line ending is not part of the message.  UW does the
 * same; a text that does not end in an empty line is kept whole.
 *
 * Pure: no I/O, no allocation (but what unix_scan_visible's callback does).
 */
#include <string.h>

#include "internal.h"
#include "unix-int.h"

static int us_name (const char *line, size_t len, const char *name,
		    size_t *valoff)
{
  size_t n = strlen (name);
  if (len <= n || line[n] != ':' || strncasecmp (line, name, n) != 0)
    return 0;
  *valoff = n + 1;
  return 1;
}

enum unix_hdr_kind unix_scan_hdr_kind (const char *line, size_t len,
				       size_t *valoff)
{
  *valoff = 0;
  switch (line[0]) {
  case 'S': case 's':
    if (us_name (line, len, "Status", valoff))
      return UHK_STATUS;
    break;
  case 'C': case 'c':
    if (us_name (line, len, "Content-Length", valoff))
      return UHK_CLENGTH;
    break;
  case 'X': case 'x':
    if (len < 6 || line[1] != '-')
      break;
    if (us_name (line, len, "X-Status", valoff))
      return UHK_XSTATUS;
    if (us_name (line, len, "X-Keywords", valoff))
      return UHK_XKEYWORDS;
    if (us_name (line, len, "X-UID", valoff))
      return UHK_XUID;
    if (us_name (line, len, "X-IMAP", valoff))
      return UHK_XIMAP;
    if (us_name (line, len, "X-IMAPbase", valoff))
      return UHK_XIMAPBASE;
    break;
  }
  return UHK_OTHER;
}

int unix_scan_hidden (enum unix_hdr_kind k)
{
  /* Content-Length is recognised (so it is never trusted) but shown to
   * clients and counted in RFC822.SIZE, as UW does: sizes must agree when
   * UW and Bamboo serve the same mailbox. */
  return k != UHK_OTHER && k != UHK_CLENGTH;
}

void unix_scan_visible (const char *h, const char *he, int keep_empty,
			unix_put_fn put, struct buf *b)
{
  int drop = 0;			/* in a hidden header's continuation */
  while (h < he) {
    const char *lq = memchr (h, '\n', (size_t) (he - h));
    const char *le = lq ? lq + 1 : he;
    size_t ll = (size_t) ((lq ? lq : he) - h), vo;
    if (ll && h[ll - 1] == '\r')
      ll--;
    if (ll == 0) {		/* the empty line */
      if (!keep_empty)
	break;
      put (b, h, (size_t) (le - h));
    }
    else if (*h == ' ' || *h == '\t') {
      if (!drop)
	put (b, h, (size_t) (le - h));
    }
    else {
      drop = unix_scan_hidden (unix_scan_hdr_kind (h, ll, &vo));
      if (!drop)
	put (b, h, (size_t) (le - h));
    }
    h = le;
  }
}

const char *unix_scan_word (const char **sp, const char *e, size_t *len)
{
  const char *s = *sp, *w;
  while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
    s++;
  w = s;
  while (s < e && *s != ' ' && *s != '\t' && *s != '\r')
    s++;
  *sp = s;
  *len = (size_t) (s - w);
  return s > w ? w : NIL;
}

static const char *us_skipsp (const char *s, const char *e)
{
  while (s < e && (*s == ' ' || *s == '\t'))
    s++;
  return s;
}

static int us_number (const char **sp, const char *e, unsigned long *out)
{
  const char *s = *sp;
  unsigned long v = 0;
  if (s >= e || *s < '0' || *s > '9')
    return 0;
  for (; s < e && *s >= '0' && *s <= '9'; s++) {
    if (v > (0xffffffffUL - 9) / 10)
      return 0;			/* IMAP numbers are 32 bits */
    v = v * 10 + (unsigned long) (*s - '0');
  }
  *out = v;
  *sp = s;
  return 1;
}

int unix_scan_imap_value (const char *v, size_t len, unsigned long *validity,
			  unsigned long *last)
{
  const char *s = v, *e = v + len;
  s = us_skipsp (s, e);
  if (!us_number (&s, e, validity) || *validity == 0)
    return 0;
  if (s >= e || (*s != ' ' && *s != '\t'))
    return 0;
  s = us_skipsp (s, e);
  if (!us_number (&s, e, last))
    return 0;
  return (s >= e || *s == ' ' || *s == '\t' || *s == '\r');
}

/* Is s (at a line start, before e) a From_ line that starts a message? */
static int us_is_from (const char *s, const char *e, struct mbox_from *mf)
{
  const char *q;
  if (e - s < 27 || s[0] != 'F' || memcmp (s, "From ", 5) != 0)
    return 0;
  q = memchr (s, '\n', (size_t) (e - s));
  if (q == NULL)
    return 0;			/* an unfinished line starts nothing yet */
  return mbox_from_scan (s, (size_t) (q - s) + 1, mf);
}

#define ST_MAXRUN 8

unsigned long unix_scan_buffer (const char *p, size_t len, off_t base,
				unix_scan_fn fn, void *ctx)
{
  const char *end = p + len, *s = p;
  unsigned long n = 0;
  struct unix_scan_msg sm;
  struct mbox_from nextmf;
  int have_nextmf = 0;

  while (s < end) {
    const char *q = memchr (s, '\n', (size_t) (end - s)), *h, *b, *t;
    int seen_status = 0, seen_xstatus = 0, seen_kw = 0, seen_uid = 0;
    int in_hidden = 0, run_kinds[ST_MAXRUN], nrun = 0, run_broken = 0;
    const char *run_start = NULL;
    unsigned long hsize = 0, bsize = 0;

    memset (&sm, 0, sizeof sm);
    if (q == NULL)
      break;
    if (have_nextmf)
      sm.mf = nextmf;
    else if (!mbox_from_scan (s, (size_t) (q - s) + 1, &sm.mf))
      break;
    have_nextmf = 0;
    sm.fromline = s;
    sm.fromline_len = (size_t) (q - s);
    if (sm.fromline_len && s[sm.fromline_len - 1] == '\r') {
      sm.fromline_len--;
      sm.m.crlf = 1;
    }
    sm.m.from = base + (s - p);
    h = q + 1;
    sm.m.hdr = base + (h - p);
    sm.m.st_off = -1;

    /* header: up to and including the first empty line */
    b = NULL;
    while (h < end) {
      const char *lq = memchr (h, '\n', (size_t) (end - h));
      const char *le = lq ? lq : end;	/* end of line content */
      size_t ll = (size_t) (le - h), vo;
      enum unix_hdr_kind k;

      if (lq && ll && le[-1] == '\r') {
	ll--;
	sm.m.crlf = 1;
      }
      if (ll == 0 && lq) {	/* the empty line ends the header */
	hsize += 2;
	b = lq + 1;
	break;
      }
      /* no From_ check here: like UW, a message ends only after its header
       * has ended (an empty line), whatever the header lines look like */
      if (*h == ' ' || *h == '\t') {	/* continuation */
	if (unix_scan_hidden ((enum unix_hdr_kind) in_hidden)) {
	  sm.bad_cont = 1;
	  run_broken = 1;
	}
	else
	  hsize += ll + 2;	/* an unended last line is shown ended */
	h = lq ? lq + 1 : end;
	continue;
      }
      k = unix_scan_hdr_kind (h, ll, &vo);
      in_hidden = (int) k;
      if (k == UHK_OTHER || k == UHK_CLENGTH) {
	if (!unix_scan_hidden (k))
	  hsize += ll + 2;	/* an unended last line is shown ended */
	else
	  sm.m.hidden = 1;
	if (nrun)
	  run_broken = 1;
	h = lq ? lq + 1 : end;
	continue;
      }
      sm.m.hidden = 1;
      if (nrun == 0)
	run_start = h;
      if (nrun < ST_MAXRUN)
	run_kinds[nrun] = (int) k;
      nrun++;
      {
	const char *v = h + vo, *ve = h + ll;
	switch (k) {
	case UHK_STATUS:
	  if (seen_status++) {
	    sm.dup_status = 1;
	    break;
	  }
	  for (; v < ve; v++)
	    if (*v == 'R')
	      sm.flags |= fSEEN;
	    else if (*v == 'O')
	      sm.flags |= fOLD;
	  break;
	case UHK_XSTATUS:
	  if (seen_xstatus++) {
	    sm.dup_status = 1;
	    break;
	  }
	  for (; v < ve; v++)
	    switch (*v) {
	    case 'D': sm.flags |= fDELETED; break;
	    case 'F': sm.flags |= fFLAGGED; break;
	    case 'A': sm.flags |= fANSWERED; break;
	    case 'T': sm.flags |= fDRAFT; break;
	    }
	  break;
	case UHK_XKEYWORDS:
	  if (seen_kw++) {
	    sm.dup_status = 1;
	    break;
	  }
	  sm.kw = v;
	  sm.kw_len = (size_t) (ve - v);
	  break;
	case UHK_XUID:
	  if (seen_uid++) {
	    sm.dup_uid = 1;
	    sm.uid = 0;
	    break;
	  }
	  v = us_skipsp (v, ve);
	  if (!us_number (&v, ve, &sm.uid) || us_skipsp (v, ve) != ve)
	    sm.uid = 0;
	  break;
	case UHK_XIMAP:
	case UHK_XIMAPBASE:
	  if (!sm.imap_kind) {
	    sm.imap_kind = (k == UHK_XIMAP) ? 1 : 2;
	    sm.imap = v;
	    sm.imap_len = (size_t) (ve - v);
	  }
	  break;
	default:
	  break;
	}
      }
      h = lq ? lq + 1 : end;
    }
    if (b == NULL) {		/* header runs to the end of the file */
      b = end;
      sm.m.hdr_open = 1;
      hsize += 2;		/* clients see it ended by an empty line */
    }
    sm.m.body = base + (b - p);
    sm.m.hdr_crlf = (uint32_t) (hsize > UINT32_MAX ? UINT32_MAX : hsize);

    /* trailing status block: [X-IMAPbase] Status X-Status X-Keywords X-UID
     * as the last lines, nothing else hidden (Content-Length excepted) */
    if (nrun && !run_broken && !sm.dup_status && !sm.dup_uid
	&& !sm.bad_cont && run_start) {
      int i = 0, ok = 1;
      static const int want[] = { UHK_STATUS, UHK_XSTATUS, UHK_XKEYWORDS,
				  UHK_XUID };
      if (nrun == 5 && run_kinds[0] == UHK_XIMAPBASE)
	i = 1;
      else if (nrun != 4)
	ok = 0;
      for (int j = 0; ok && j < 4; j++)
	if (run_kinds[i + j] != want[j])
	  ok = 0;
      if (ok && have_nextmf == 0 && b > run_start) {
	sm.st_ok = 1;
	sm.m.st_off = base + (run_start - p);
	/* the block includes the empty line that ends the header */
	sm.m.st_len = (uint32_t) (b - run_start);
      }
    }

    /* body: lines up to the next From_ line */
    t = b;
    if (!have_nextmf)
      while (t < end) {
	const char *lq;
	if (*t == 'F' && us_is_from (t, end, &nextmf)) {
	  have_nextmf = 1;
	  break;
	}
	lq = memchr (t, '\n', (size_t) (end - t));
	if (lq == NULL) {
	  t = end;
	  break;
	}
	if (lq[-1] == '\r' && lq > t)
	  sm.m.crlf = 1;
	else
	  bsize++;		/* a bare LF becomes CRLF */
	t = lq + 1;
      }
    else
      t = b;
    sm.m.next = base + (t - p);
    /* drop the separator: the line ending of a final empty line */
    {
      const char *e = t;
      if (e - b >= 1 && e[-1] == '\n' && e - 2 >= p && e[-2] == '\n') {
	e -= 1;
	bsize--;		/* that LF was counted as bare */
      }
      else if (e - b >= 2 && e[-1] == '\n' && e[-2] == '\r' && e - 3 >= p
	       && e[-3] == '\n')
	e -= 2;
      sm.m.end = base + (e - p);
      sm.m.body_crlf = (unsigned long) (e - b) + bsize;
      /* we write text + "\n"; anything else gets rewritten */
      sm.m.canonical = sm.st_ok && !sm.m.crlf && e == t - 1;
    }
    n++;
    if (!fn (ctx, &sm))
      break;
    s = t;
  }
  return n;
}

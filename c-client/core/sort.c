/*
 * Sorting (RFC 5256 SORT) and base subject extraction (RFC 5256 2.1).
 *
 * Keys: DATE is the sent date (the Date header, or the internal date when
 * it is missing or unparsable), ARRIVAL the internal date, FROM/TO/CC the
 * local part (addr-mailbox) of the first address, SUBJECT the base subject,
 * SIZE the RFC 822 size.  Strings compare with i;ascii-casemap: ASCII
 * letters are upper-cased when the key is loaded and keys compare as
 * octets.  Ties, after every key, go to the lower message number (never
 * reversed).
 */
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "search-int.h"

/* ---- base subject ---- */

#define SUBJ_WSP(c) ((c) == ' ' || (c) == '\t')

static int subj_lc (unsigned char c)
{
  return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Does [s,e) start with the lower-case ASCII word w, case-insensitively? */
static int subj_prefix (const unsigned char *s, const unsigned char *e,
			const char *w)
{
  for (; *w; s++, w++)
    if (s >= e || subj_lc (*s) != (unsigned char) *w) return 0;
  return 1;
}

/* subj-blob = "[" *BLOBCHAR "]" *WSP; returns the end, or NIL */
static const unsigned char *subj_blob (const unsigned char *s,
				       const unsigned char *e)
{
  if (s >= e || *s != '[') return NIL;
  for (++s; s < e && *s != ']'; s++)
    if (*s == '[') return NIL;	/* BLOBCHAR excludes both brackets */
  if (s >= e) return NIL;
  for (++s; s < e && SUBJ_WSP (*s); s++);
  return s;
}

/* subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; end or NIL */
static const unsigned char *subj_refwd (const unsigned char *s,
					const unsigned char *e)
{
  const unsigned char *b;
  if (subj_prefix (s, e, "re")) s += 2;
  else if (subj_prefix (s, e, "fw")) {
    s += 2;
    if (s < e && subj_lc (*s) == 'd') s++;
  }
  else return NIL;
  while (s < e && SUBJ_WSP (*s)) s++;
  if ((b = subj_blob (s, e))) s = b;
  return (s < e && *s == ':') ? s + 1 : NIL;
}

/*
 * RFC 5256 base subject of t, upper-cased (ASCII only, i;ascii-casemap),
 * into *ret (fs_get'ed).  Returns T if the subject was a reply or forward:
 * extraction removed a subj-refwd, a "(fwd)" trailer or a [fwd: ...]
 * wrapper.  Differences from UW: a run of whitespace before "(fwd)" is
 * collapsed first, as step 1 says (UW kept "x  (fwd)" as "X (FWD)"), and
 * non-ASCII letters keep their case whether or not they were encoded.
 */
unsigned int mail_strip_subject (char *t, char **ret)
{
  SIZEDTEXT src, dst = { NIL, 0 };
  struct buf b = BUF_INIT;
  const unsigned char *s, *e, *p, *norefwd = NIL;
  unsigned int refwd = NIL;
  unsigned long i;
  int changed;

  src.data = (unsigned char *) (t ? t : "");
  src.size = strlen ((char *) src.data);
  /* (1) decode encoded words, make every whitespace run one space */
  if (!src.size || !utf8_mime2text (&src, &dst, U8T_LITERAL) || !dst.data)
    dst = src;
  for (i = 0; i < dst.size; i++) {
    unsigned char c = dst.data[i];
    if (c == '\t' || c == '\r' || c == '\n') c = ' ';
    if (c == ' ' && b.len && b.data[b.len - 1] == ' ') continue;
    buf_putc (&b, c);
  }
  if (dst.data != src.data) fs_give ((void **) &dst.data);
  s = (const unsigned char *) (b.data ? b.data : "");
  e = s + b.len;
  for (;;) {
    norefwd = NIL;
    /* (2) trailers: "(fwd)" and whitespace, repeatedly */
    for (;;) {
      if (e > s && SUBJ_WSP (e[-1])) e--;
      else if (e - s >= 5 && subj_prefix (e - 5, e, "(fwd)")) {
	e -= 5;
	refwd = T;
      }
      else break;
    }
    /* (3)-(5) leaders and blobs, until neither applies */
    do {
      changed = 0;
      if (s < e && SUBJ_WSP (*s)) {
	s++;
	changed = 1;
	continue;
      }
      /* *subj-blob subj-refwd.  A blob run found not to end in a refwd
       * is not rescanned as (4) peels it, or "[a] [a] ..." is quadratic */
      if (!(norefwd && s < norefwd)) {
	for (p = s; p < e && *p == '[';) {
	  const unsigned char *q = subj_blob (p, e);
	  if (!q) break;
	  p = q;
	}
	norefwd = p;
	if ((p = subj_refwd (p, e))) {
	  s = p;
	  refwd = T;
	  norefwd = NIL;
	  changed = 1;
	  continue;
	}
      }
      /* (4) drop a leading blob if a non-empty subject remains */
      if ((p = subj_blob (s, e)) && p < e) {
	s = p;
	changed = 1;
      }
    } while (changed);
    /* (6) "[fwd:" subject "]": unwrap and start again at (2) */
    if (e - s >= 6 && subj_prefix (s, e, "[fwd:") && e[-1] == ']') {
      s += 5;
      e -= 1;
      refwd = T;
      continue;
    }
    break;
  }
  if (ret) {
    char *r = fs_get ((size_t) (e - s) + 1);
    for (i = 0; s + i < e; i++) r[i] = (char) UCASE (s[i]);
    r[i] = '\0';
    *ret = r;
  }
  buf_free (&b);
  return refwd;
}

/* ---- sort keys ---- */

/* Upper-cased copy of the first real address's mailbox; "" if none */
static char *sort_addr_key (ADDRESS *adr)
{
  for (; adr; adr = adr->next)
    if (adr->host && adr->mailbox) return ucase (cpystr (adr->mailbox));
  return cpystr ("");
}

SORTCACHE *sort_cache_new (MAILSTREAM *stream, unsigned long msgno,
			   long keys)
{
  SORTCACHE *sc = fs_get (sizeof (SORTCACHE));
  MESSAGECACHE *elt = mail_elt (stream, msgno);
  ENVELOPE *env = NIL;

  memset (sc, 0, sizeof *sc);
  sc->num = msgno;
  sc->arrival = elt ? mail_longdate (elt) : 0;
  sc->size = elt ? elt->rfc822_size : 0;
  if (keys & (SORT_KEY (SORTDATE) | SORT_KEY (SORTFROM) | SORT_KEY (SORTTO) |
	      SORT_KEY (SORTCC) | SORT_KEY (SORTSUBJECT)))
    env = mail_fetch_structure (stream, msgno, NIL, NIL);
  sc->date = sc->arrival;
  if ((keys & SORT_KEY (SORTDATE)) && env && env->date) {
    MESSAGECACHE delt;
    memset (&delt, 0, sizeof delt);
    if (mail_parse_date (&delt, env->date)) sc->date = mail_longdate (&delt);
  }
  if (keys & SORT_KEY (SORTFROM)) sc->from = sort_addr_key (env ? env->from : NIL);
  if (keys & SORT_KEY (SORTTO)) sc->to = sort_addr_key (env ? env->to : NIL);
  if (keys & SORT_KEY (SORTCC)) sc->cc = sort_addr_key (env ? env->cc : NIL);
  if (keys & SORT_KEY (SORTSUBJECT))
    sc->refwd = mail_strip_subject (env ? env->subject : NIL, &sc->subject)
      ? T : NIL;
  return sc;
}

static int sort_strcmp (const char *a, const char *b)
{
  return strcmp (a ? a : "", b ? b : "");
}

static int sort_compare (const void *a1, const void *a2, void *arg)
{
  const SORTCACHE *a = *(SORTCACHE * const *) a1;
  const SORTCACHE *b = *(SORTCACHE * const *) a2;
  const SORTPGM *pgm;

  for (pgm = arg; pgm; pgm = pgm->next) {
    int r = 0;
    switch (pgm->function) {
    case SORTDATE: r = compare_ulong (a->date, b->date); break;
    case SORTARRIVAL: r = compare_ulong (a->arrival, b->arrival); break;
    case SORTSIZE: r = compare_ulong (a->size, b->size); break;
    case SORTFROM: r = sort_strcmp (a->from, b->from); break;
    case SORTTO: r = sort_strcmp (a->to, b->to); break;
    case SORTCC: r = sort_strcmp (a->cc, b->cc); break;
    case SORTSUBJECT: r = sort_strcmp (a->subject, b->subject); break;
    }
    if (r) return pgm->reverse ? -r : r;
  }
  return compare_ulong (a->num, b->num);
}

/* Make sure internal dates and sizes are loaded before they are used */
static void sort_fetch_fast (MAILSTREAM *stream)
{
  unsigned long i;
  for (i = 1; i <= stream->nmsgs; i++) {
    MESSAGECACHE *elt = mail_elt (stream, i);
    if (elt->searched && !elt->day) {
      mail_fetch_fast (stream, "1:*", NIL);
      return;
    }
  }
}

unsigned long *mail_sort_msgs (MAILSTREAM *stream, char *charset,
			       SEARCHPGM *spg, SORTPGM *pgm, long flags)
{
  SORTCACHE **sc;
  SORTPGM *p;
  unsigned long i, n = 0, *ret;
  long keys = 0;
  sortresults_t sr;

  if (!stream) return NIL;
  if (!pgm) {
    mail_log (stream, ERROR, "No sort criteria");
    return NIL;
  }
  for (p = pgm, i = 0; p; p = p->next, i++) {
    if (p->function < SORTDATE || p->function > SORTSIZE) {
      mail_log (stream, ERROR, "Unknown sort criterion %d", p->function);
      return NIL;
    }
    if (i >= LIM_SEARCH_KEYS) {
      mail_log (stream, ERROR, "Too many sort criteria");
      return NIL;
    }
    keys |= SORT_KEY (p->function);
  }
  if (!search_select (stream, charset, spg)) return NIL;
  for (i = 1; i <= stream->nmsgs; i++)
    if (mail_elt (stream, i)->searched) n++;
  if (n) sort_fetch_fast (stream);
  sc = fs_get ((n ? n : 1) * sizeof *sc);
  for (i = 1, n = 0; i <= stream->nmsgs; i++)
    if (mail_elt (stream, i)->searched)
      sc[n++] = sort_cache_new (stream, i, keys);
  pgm->nmsgs = n;
  pgm->progress.cached = n;
  qsort_r (sc, n, sizeof *sc, sort_compare, pgm);
  pgm->progress.sorted = n;
  ret = fs_get ((n + 1) * sizeof *ret);
  for (i = 0; i < n; i++) {
    ret[i] = (flags & SE_UID) ? mail_uid (stream, sc[i]->num) : sc[i]->num;
    core_free_sortcache (&sc[i]);
  }
  ret[n] = 0;
  fs_give ((void **) &sc);
  if ((sr = (sortresults_t) mail_parameters (NIL, GET_SORTRESULTS, NIL)))
    (*sr) (stream, ret, n);
  return ret;
}

unsigned long *mail_sort (MAILSTREAM *stream, char *charset, SEARCHPGM *spg,
			  SORTPGM *pgm, long flags)
{
  unsigned long *ret = NIL;

  if (stream && stream->dtb)
    ret = (*(stream->dtb->sort ? stream->dtb->sort : mail_sort_msgs))
      (stream, charset, spg, pgm, flags);
  if (spg && (flags & SE_FREE)) mail_free_searchpgm (&spg);
  if (pgm && (flags & SO_FREE)) mail_free_sortpgm (&pgm);
  return ret;
}

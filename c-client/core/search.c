/*
 * Searching: mail_search_full() and the generic evaluator used when a driver
 * has no .search slot (RFC 3501 section 6.4.4 semantics).
 *
 * All string keys match as case-insensitive substrings of UTF-8 text: both
 * the key and the text go through utf8_fold().  Texts are decoded first:
 * RFC 2047 encoded words in headers, the content transfer encoding and
 * charset of body parts.  Message data is fetched with FT_PEEK, so a search
 * never sets \Seen.
 *
 * Conventions (see mail.h):
 *  - SEARCHSET: last 0 means a single number; 0xffffffff is "*", the
 *    highest message number (or the UID of the last message); ranges may be
 *    given high:low.
 *  - A message without the field (no Cc, no Subject ...) never matches a
 *    key on it, not even "": CC "" finds the messages that have a Cc, as
 *    in UW, and as RFC 3501 says for HEADER name "".
 *  - BODY searches the text parts and, unlike UW, the headers of attached
 *    messages (they are part of the body); TEXT searches the header too.
 *    Non-text leaves (attachments) are not searched, as in UW.
 *  - Header text is unfolded before matching (UW did not), so a phrase
 *    split across a folded line is found.
 *  - OLDER/YOUNGER (WITHIN): OLDER n = internal date more than n seconds
 *    ago; YOUNGER n = the complement.
 *  - Program depth is limited to LIM_SEARCH_DEPTH and the number of keys to
 *    LIM_SEARCH_KEYS; over the limit the search fails with an error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "search-int.h"

/* ---- text matching ---- */

/* Fold text for matching; always returns an fs_get'ed buffer */
static unsigned char *search_fold (const unsigned char *s, unsigned long n,
				   unsigned long *len)
{
  unsigned char *r;
  if (n && (r = utf8_fold ((unsigned char *) s, n, len))) return r;
  r = fs_get (1);
  *r = '\0';
  *len = 0;
  return r;
}

/*
 * What a search prepares once for the whole program, not per message: the
 * folded form of every string key and an index of every sequence set.
 * Without it a 200 KB key was folded again for each of 10,000 messages, and
 * a set of thousands of ranges was scanned for each message.
 *
 * The prepared forms are found by the address of the program's own key text
 * (and its size) or SEARCHSET node, which stay put while the program is
 * evaluated; any other string (an application calling mail_search_header()
 * itself) is folded on the spot as before.  search_current is the innermost
 * search being run (a callback may start another: each restores the outer).
 */
struct search_key {
  const unsigned char *data;	/* the program's key text ... */
  unsigned long size;
  unsigned char *fold;		/* ... folded, fs_get'ed */
  unsigned long flen;
};

struct search_sidx {
  const SEARCHSET *set;		/* a set of the program ... */
  struct seqset_index *idx;	/* ... indexed on first use */
};

struct search_prep {
  struct search_key *keys;
  unsigned long nkeys, capkeys;
  struct search_sidx *sets;
  unsigned long nsets, capsets;
};

static struct search_prep *search_current;

static int search_ptr_cmp (const void *a, const void *b)
{
  uintptr_t x = (uintptr_t) a, y = (uintptr_t) b;
  return (x > y) - (x < y);
}

static int search_key_cmp (const void *a, const void *b)
{
  const struct search_key *x = a, *y = b;
  int r = search_ptr_cmp (x->data, y->data);
  return r ? r : (x->size > y->size) - (x->size < y->size);
}

static int search_sidx_cmp (const void *a, const void *b)
{
  return search_ptr_cmp (((const struct search_sidx *) a)->set,
			 ((const struct search_sidx *) b)->set);
}

/* The prepared form of key, or NIL */
static const struct search_key *search_key_find (const SIZEDTEXT *key)
{
  struct search_key k;
  if (!search_current || !search_current->nkeys) return NIL;
  k.data = key->data;
  k.size = key->size;
  return bsearch (&k, search_current->keys, search_current->nkeys,
		  sizeof k, search_key_cmp);
}

/* Is the (unfolded) key a substring of folded text?  ssearch is memmem(),
 * linear in glibc (two-way), so a long key costs no more than its length. */
static int search_has (const unsigned char *ftext, unsigned long flen,
		       const SIZEDTEXT *key)
{
  const struct search_key *k;
  unsigned char *fk;
  unsigned long fklen;
  int ret;

  if (!key->size) return T;
  if ((k = search_key_find (key)))
    return ssearch ((unsigned char *) ftext, (long) flen, k->fold,
		    (long) k->flen) ? T : NIL;
  fk = search_fold (key->data, key->size, &fklen);
  ret = ssearch ((unsigned char *) ftext, (long) flen, fk, (long) fklen)
    ? T : NIL;
  fs_give ((void **) &fk);
  return ret;
}

/* Is n in set ("*" = max)?  By the prepared index when set is the
 * program's, else seqset_contains() */
static int search_in_set (const SEARCHSET *set, unsigned long n,
			  unsigned long max)
{
  struct search_sidx k, *e = NIL;
  k.set = set;
  if (search_current && search_current->nsets)
    e = bsearch (&k, search_current->sets, search_current->nsets, sizeof k,
		 search_sidx_cmp);
  if (!e) return seqset_contains (set, n, max);
  if (e->idx && seqset_index_max (e->idx) != max)
    seqset_index_free (&e->idx);	/* the mailbox grew meanwhile */
  if (!e->idx) e->idx = seqset_index_new (set, max);
  return seqset_index_contains (e->idx, n);
}

/* Remove CRLF (or LF) that precede whitespace: header unfolding.  Copies
 * the spans between line breaks whole (headers are long for TEXT). */
static void search_unfold (const unsigned char *s, unsigned long n,
			   struct buf *out)
{
  unsigned long i = 0, from = 0;
  const unsigned char *nl;

  buf_reserve (out, n);
  while (i < n && (nl = memchr (s + i, '\n', n - i))) {
    unsigned long at = nl - s;	/* the LF */
    if (at + 1 < n && (s[at + 1] == ' ' || s[at + 1] == '\t')) {
      unsigned long cut = (at > from && s[at - 1] == '\r') ? at - 1 : at;
      buf_append (out, s + from, cut - from);	/* drop the (CR)LF */
      from = at + 1;		/* keep the WSP */
    }
    i = at + 1;
  }
  buf_append (out, s + from, n - from);
}

/* Decode RFC 2047 words in header text, then fold.  fs_get'ed result. */
static unsigned char *search_fold_header (const unsigned char *s,
					  unsigned long n, unsigned long *len)
{
  struct buf b = BUF_INIT;
  SIZEDTEXT src, dst;
  unsigned char *r;

  search_unfold (s, n, &b);
  while (b.len && (b.data[b.len - 1] == '\r' || b.data[b.len - 1] == '\n'))
    b.len--;
  src.data = (unsigned char *) (b.data ? b.data : "");
  src.size = b.len;
  dst.data = NIL;
  dst.size = 0;
  if (src.size && utf8_mime2text (&src, &dst, U8T_LITERAL) && dst.data) {
    r = search_fold (dst.data, dst.size, len);
    if (dst.data != src.data) fs_give ((void **) &dst.data);
  }
  else r = search_fold (src.data, src.size, len);
  buf_free (&b);
  return r;
}

/* Remove from *st every key found in folded text; T when *st is empty.
 * The removed nodes are freed, their texts are not (they are shared with
 * the caller's program: see mail_search_text). */
static long search_strike (const unsigned char *ftext, unsigned long flen,
			   STRINGLIST **st)
{
  STRINGLIST **sp = st;
  while (*sp) {
    if (search_has (ftext, flen, &(*sp)->text)) {
      STRINGLIST *t = *sp;
      *sp = t->next;
      fs_give ((void **) &t);
    }
    else sp = &(*sp)->next;
  }
  return *st ? NIL : LONGT;
}

long mail_search_header (SIZEDTEXT *hdr, STRINGLIST *st)
{
  unsigned char *f;
  unsigned long flen;
  long ret = LONGT;

  if (!hdr) return NIL;
  f = search_fold_header (hdr->data, hdr->size, &flen);
  for (; st && ret; st = st->next)
    if (!search_has (f, flen, &st->text)) ret = NIL;
  fs_give ((void **) &f);
  return ret;
}

long mail_search_header_text (char *s, STRINGLIST *st)
{
  SIZEDTEXT h;
  if (!s) return NIL;
  h.data = (unsigned char *) s;
  h.size = strlen (s);
  return mail_search_header (&h, st);
}

/*
 * UW semantics: s (in charset) is converted to UTF-8 and every key of *st
 * found in it is removed from the list (node freed, text not).  Returns T
 * once the list is empty, i.e. all keys have been found somewhere.
 */
long mail_search_string (SIZEDTEXT *s, char *charset, STRINGLIST **st)
{
  SIZEDTEXT u = { NIL, 0 };
  unsigned char *f;
  unsigned long flen;
  long ret;

  if (!s || !st) return NIL;
  if (!*st) return LONGT;
  if (charset && utf8_text (s, charset, &u, U8T_LITERAL) && u.data) {
    f = search_fold (u.data, u.size, &flen);
    if (u.data != s->data) fs_give ((void **) &u.data);
  }
  else f = search_fold (s->data, s->size, &flen);
  ret = search_strike (f, flen, st);
  fs_give ((void **) &f);
  return ret;
}

/* Write an address list as searchable text: "Name <box@host>, group: ;" */
static void search_addr_text (ADDRESS *adr, struct buf *b)
{
  unsigned long n = 0;
  for (; adr && n < LIM_ADDRESSES; adr = adr->next, n++) {
    if (b->len) buf_puts (b, ", ");
    if (!adr->host) {		/* group start (mailbox) or end (NIL) */
      if (adr->mailbox) buf_printf (b, "%s: ", adr->mailbox);
      else buf_putc (b, ';');
      continue;
    }
    if (adr->personal) buf_printf (b, "%s ", adr->personal);
    buf_putc (b, '<');
    if (adr->adl) buf_printf (b, "%s:", adr->adl);
    buf_printf (b, "%s@%s>", adr->mailbox ? adr->mailbox : "", adr->host);
  }
}

long mail_search_addr (ADDRESS *adr, STRINGLIST *st)
{
  struct buf b = BUF_INIT;
  SIZEDTEXT t;
  long ret;

  if (!adr) return NIL;		/* no such field: as UW, even "" fails */
  search_addr_text (adr, &b);
  t.data = (unsigned char *) (b.data ? b.data : "");
  t.size = b.len;
  ret = mail_search_header (&t, st);
  buf_free (&b);
  return ret;
}

long mail_search_keyword (MAILSTREAM *stream, MESSAGECACHE *elt,
			  STRINGLIST *st, long flag)
{
  for (; st; st = st->next) {
    int i, set = NIL;
    for (i = 0; i < NUSERFLAGS; i++)
      if (stream->user_flags[i] &&
	  !compare_csizedtext ((unsigned char *) stream->user_flags[i],
			       &st->text)) {
	set = (elt->user_flags & (1UL << i)) ? T : NIL;
	break;
      }
    if (flag ? !set : set) return NIL;
  }
  return LONGT;
}

/* ---- message texts ---- */

/* Find a header field by name in header text; match its unfolded, decoded
 * value(s) against text.  Empty text: T when the field exists at all. */
static long search_header_field (const unsigned char *h, unsigned long n,
				 const SIZEDTEXT *name, const SIZEDTEXT *text)
{
  unsigned long i = 0;

  while (i < n) {
    unsigned long ls = i, colon, ve, nl;
    /* end of the header: an empty line */
    if (h[i] == '\n' || (h[i] == '\r' && i + 1 < n && h[i + 1] == '\n'))
      break;
    for (colon = i; colon < n && h[colon] != ':' && h[colon] != '\n';
	 colon++);
    /* the field ends before the next line that does not start with WSP */
    for (ve = colon; ve < n; ve = nl + 1) {
      for (nl = ve; nl < n && h[nl] != '\n'; nl++);
      if (nl + 1 >= n || (h[nl + 1] != ' ' && h[nl + 1] != '\t')) {
	ve = nl;
	break;
      }
    }
    if (ve > n) ve = n;
    if (colon < n && h[colon] == ':') {
      unsigned long ne = colon;
      while (ne > ls && (h[ne - 1] == ' ' || h[ne - 1] == '\t')) ne--;
      if (ne - ls == name->size &&
	  !compare_uchar_len ((unsigned char *) h + ls, name->data,
			      name->size)) {
	unsigned char *f;
	unsigned long flen, vs = colon + 1;
	int hit;
	if (!text->size) return LONGT;
	while (vs < ve && (h[vs] == ' ' || h[vs] == '\t')) vs++;
	f = search_fold_header (h + vs, ve - vs, &flen);
	hit = search_has (f, flen, text);
	fs_give ((void **) &f);
	if (hit) return LONGT;
      }
    }
    i = ve + 1;
  }
  return NIL;
}

static char *search_fetch_header (MAILSTREAM *stream, unsigned long msgno,
				  char *section, unsigned long *len)
{
  char *h = mail_fetch_header (stream, msgno, section, NIL, len, FT_PEEK);
  if (!h) *len = 0;
  return h;
}

/* Decode one leaf part (CTE, then charset for text) and strike keys */
static long search_leaf (MAILSTREAM *stream, unsigned long msgno, BODY *body,
			 char *sec, STRINGLIST **st)
{
  unsigned long len = 0, dlen = 0, flen;
  char *raw = mail_fetch_body (stream, msgno, sec, &len, FT_PEEK);
  unsigned char *dec = NIL, *f;
  SIZEDTEXT t, u = { NIL, 0 };
  char *charset = NIL;
  PARAMETER *p;
  long ret;

  if (!raw) return *st ? NIL : LONGT;
  switch (body->encoding) {
  case ENCBASE64:
    dec = rfc822_base64 ((unsigned char *) raw, len, &dlen);
    break;
  case ENCQUOTEDPRINTABLE:
    dec = rfc822_qprint ((unsigned char *) raw, len, &dlen);
    break;
  }
  t.data = dec ? dec : (unsigned char *) raw;
  t.size = dec ? dlen : len;
  for (p = body->parameter; p; p = p->next)
    if (p->attribute && !compare_cstring ((unsigned char *) p->attribute,
					  (unsigned char *) "CHARSET"))
      charset = p->value;
  if (charset && utf8_text (&t, charset, &u, U8T_LITERAL) && u.data) {
    f = search_fold (u.data, u.size, &flen);
    if (u.data != t.data) fs_give ((void **) &u.data);
  }
  else f = search_fold (t.data, t.size, &flen);
  if (dec) fs_give ((void **) &dec);
  ret = search_strike (f, flen, st);
  fs_give ((void **) &f);
  return ret;
}

static long search_body (MAILSTREAM *stream, unsigned long msgno, BODY *body,
			 const char *prefix, unsigned long depth,
			 STRINGLIST **st);

/* Search an encapsulated message at section sec: header, then body */
static long search_nested (MAILSTREAM *stream, unsigned long msgno,
			   MESSAGE *msg, char *sec, int header,
			   unsigned long depth, STRINGLIST **st)
{
  if (header) {
    unsigned long len;
    char *h = search_fetch_header (stream, msgno, sec, &len);
    if (h && len) {
      unsigned long flen;
      unsigned char *f = search_fold_header ((unsigned char *) h, len, &flen);
      long done = search_strike (f, flen, st);
      fs_give ((void **) &f);
      if (done) return LONGT;
    }
  }
  if (!msg || !msg->body) return *st ? NIL : LONGT;
  return search_body (stream, msgno, msg->body, sec, depth + 1, st);
}

/* Search one body part at section sec by its type: a multipart's parts, an
 * encapsulated message's header and body, or a leaf's text; other types
 * hold no searchable text */
static long search_part (MAILSTREAM *stream, unsigned long msgno, BODY *b,
			 char *sec, unsigned long depth, STRINGLIST **st)
{
  if (b->type == TYPEMULTIPART)
    return search_body (stream, msgno, b, sec, depth + 1, st);
  if (b->type == TYPEMESSAGE && b->subtype &&
      !compare_cstring ((unsigned char *) b->subtype,
			(unsigned char *) "RFC822"))
    return search_nested (stream, msgno, b->nested.msg, sec, T, depth, st);
  if (b->type == TYPETEXT || b->type == TYPEMESSAGE)
    return search_leaf (stream, msgno, b, sec, st);
  return NIL;
}

/*
 * Search body (whose section is prefix, NIL for the top level).  For a
 * multipart the parts are prefix.N; a non-multipart body of a message is
 * prefix.1 (or "1" at the top).
 */
static long search_body (MAILSTREAM *stream, unsigned long msgno, BODY *body,
			 const char *prefix, unsigned long depth,
			 STRINGLIST **st)
{
  struct buf sec = BUF_INIT;
  long ret;

  if (!*st) return LONGT;
  if (!body || depth > LIM_MIME_DEPTH) return NIL;
  if (body->type == TYPEMULTIPART) {
    PART *part;
    unsigned long i;
    ret = NIL;
    for (i = 1, part = body->nested.part; part && !ret && i <= LIM_MIME_PARTS;
	 part = part->next, i++) {
      BODY *b = &part->body;
      buf_reset (&sec);
      if (prefix) buf_printf (&sec, "%s.%lu", prefix, i);
      else buf_printf (&sec, "%lu", i);
      ret = search_part (stream, msgno, b, sec.data, depth, st);
    }
  }
  else {
    if (prefix) buf_printf (&sec, "%s.1", prefix);
    else buf_puts (&sec, "1");
    ret = search_part (stream, msgno, body, sec.data, depth, st);
  }
  buf_free (&sec);
  return ret || !*st;
}

/*
 * Do all keys of st occur in the message (or in the message/rfc822 part at
 * section)?  flags non-NIL: search the header too (TEXT), else the body only
 * (BODY).
 */
long mail_search_text (MAILSTREAM *stream, unsigned long msgno, char *section,
		       STRINGLIST *st, long flags)
{
  STRINGLIST *work = NIL, **tail = &work, *s;
  BODY *body = NIL;
  long ret = NIL;

  if (!st) return LONGT;
  for (s = st; s; s = s->next) {	/* a list we may strike from */
    *tail = fs_get (sizeof (STRINGLIST));
    (*tail)->text = s->text;
    (*tail)->next = NIL;
    tail = &(*tail)->next;
  }
  if (flags) {
    unsigned long len, flen;
    char *h = search_fetch_header (stream, msgno, section, &len);
    unsigned char *f = search_fold_header ((unsigned char *) (h ? h : ""),
					   h ? len : 0, &flen);
    ret = search_strike (f, flen, &work);
    fs_give ((void **) &f);
  }
  if (!ret) {
    if (section) {
      BODY *b = mail_body (stream, msgno, (unsigned char *) section);
      if (b && b->type == TYPEMESSAGE && b->nested.msg)
	ret = search_nested (stream, msgno, b->nested.msg, section, NIL, 0,
			     &work);
    }
    else if (mail_fetch_structure (stream, msgno, &body, NIL) && body)
      ret = search_body (stream, msgno, body, NIL, 0, &work);
  }
  while (work) {		/* nodes only: the texts are the caller's */
    s = work;
    work = s->next;
    fs_give ((void **) &s);
  }
  return ret;
}

/* ---- the evaluator ---- */

static unsigned short search_eltdate (MESSAGECACHE *elt)
{
  return mail_shortdate (elt->year, elt->month, elt->day);
}

static long search_msg (MAILSTREAM *stream, unsigned long msgno,
			char *section, SEARCHPGM *pgm, unsigned long depth);

/* Keys that need only the cache element */
static long search_elt_keys (MAILSTREAM *stream, unsigned long msgno,
			     MESSAGECACHE *elt, SEARCHPGM *pgm)
{
  unsigned short d;

  if (pgm->msgno && !search_in_set (pgm->msgno, msgno, stream->nmsgs))
    return NIL;
  if (pgm->uid && !search_in_set (pgm->uid, mail_uid (stream, msgno),
				  stream->nmsgs ?
				  mail_uid (stream, stream->nmsgs) : 0))
    return NIL;
  if ((pgm->seen && !elt->seen) || (pgm->unseen && elt->seen) ||
      (pgm->deleted && !elt->deleted) || (pgm->undeleted && elt->deleted) ||
      (pgm->flagged && !elt->flagged) || (pgm->unflagged && elt->flagged) ||
      (pgm->answered && !elt->answered) ||
      (pgm->unanswered && elt->answered) ||
      (pgm->draft && !elt->draft) || (pgm->undraft && elt->draft) ||
      (pgm->recent && !elt->recent) || (pgm->old && elt->recent))
    return NIL;
  if (pgm->larger && elt->rfc822_size <= pgm->larger) return NIL;
  if (pgm->smaller && elt->rfc822_size >= pgm->smaller) return NIL;
  if (pgm->before || pgm->on || pgm->since) {
    d = search_eltdate (elt);
    if ((pgm->before && d >= pgm->before) || (pgm->on && d != pgm->on) ||
	(pgm->since && d < pgm->since))
      return NIL;
  }
  if (pgm->older || pgm->younger) {
    time_t now = time (NIL);
    unsigned long t = mail_longdate (elt);
    unsigned long age = ((unsigned long) now > t) ?
      (unsigned long) now - t : 0;
    if (pgm->older && age <= pgm->older) return NIL;
    if (pgm->younger && age > pgm->younger) return NIL;
  }
  if (pgm->keyword && !mail_search_keyword (stream, elt, pgm->keyword, T))
    return NIL;
  if (pgm->unkeyword &&
      !mail_search_keyword (stream, elt, pgm->unkeyword, NIL))
    return NIL;
  return LONGT;
}

/* A missing field matches nothing, not even "" (UW) */
static long search_str (char *s, STRINGLIST *st)
{
  return st ? (s && mail_search_header_text (s, st)) : LONGT;
}

/* Keys that need the envelope */
static long search_env_keys (MAILSTREAM *stream, unsigned long msgno,
			     char *section, SEARCHPGM *pgm)
{
  ENVELOPE *env;

  if (!(pgm->sentbefore || pgm->senton || pgm->sentsince || pgm->from ||
	pgm->to || pgm->cc || pgm->bcc || pgm->subject || pgm->return_path ||
	pgm->sender || pgm->reply_to || pgm->in_reply_to ||
	pgm->message_id || pgm->newsgroups || pgm->followup_to ||
	pgm->references))
    return LONGT;
  if (section) {
    BODY *b = mail_body (stream, msgno, (unsigned char *) section);
    env = (b && b->type == TYPEMESSAGE && b->nested.msg) ?
      b->nested.msg->env : NIL;
  }
  else env = mail_fetch_structure (stream, msgno, NIL, NIL);
  if (!env) return NIL;
  if (pgm->sentbefore || pgm->senton || pgm->sentsince) {
    MESSAGECACHE delt;
    unsigned short d;
    memset (&delt, 0, sizeof delt);
    if (!env->date || !mail_parse_date (&delt, env->date)) return NIL;
    d = mail_shortdate (delt.year, delt.month, delt.day);
    if ((pgm->sentbefore && d >= pgm->sentbefore) ||
	(pgm->senton && d != pgm->senton) ||
	(pgm->sentsince && d < pgm->sentsince))
      return NIL;
  }
  if ((pgm->from && !mail_search_addr (env->from, pgm->from)) ||
      (pgm->to && !mail_search_addr (env->to, pgm->to)) ||
      (pgm->cc && !mail_search_addr (env->cc, pgm->cc)) ||
      (pgm->bcc && !mail_search_addr (env->bcc, pgm->bcc)) ||
      (pgm->return_path &&
       !mail_search_addr (env->return_path, pgm->return_path)) ||
      (pgm->sender && !mail_search_addr (env->sender, pgm->sender)) ||
      (pgm->reply_to && !mail_search_addr (env->reply_to, pgm->reply_to)))
    return NIL;
  if (!search_str (env->subject, pgm->subject) ||
      !search_str (env->in_reply_to, pgm->in_reply_to) ||
      !search_str (env->message_id, pgm->message_id) ||
      !search_str (env->newsgroups, pgm->newsgroups) ||
      !search_str (env->followup_to, pgm->followup_to) ||
      !search_str (env->references, pgm->references))
    return NIL;
  return LONGT;
}

static long search_msg (MAILSTREAM *stream, unsigned long msgno,
			char *section, SEARCHPGM *pgm, unsigned long depth)
{
  MESSAGECACHE *elt;
  SEARCHOR *or;
  SEARCHPGMLIST *not;

  if (depth > LIM_SEARCH_DEPTH) return NIL;
  if (!pgm) return LONGT;	/* an empty program matches everything */
  if (!msgno || msgno > stream->nmsgs || !(elt = mail_elt (stream, msgno)))
    return NIL;
  if (!search_elt_keys (stream, msgno, elt, pgm)) return NIL;
  for (or = pgm->or; or; or = or->next)
    if (!(search_msg (stream, msgno, section, or->first, depth + 1) ||
	  search_msg (stream, msgno, section, or->second, depth + 1)))
      return NIL;
  for (not = pgm->not; not; not = not->next)
    if (search_msg (stream, msgno, section, not->pgm, depth + 1)) return NIL;
  if (!search_env_keys (stream, msgno, section, pgm)) return NIL;
  if (pgm->header) {
    SEARCHHEADER *sh;
    unsigned long len;
    char *h = search_fetch_header (stream, msgno, section, &len);
    for (sh = pgm->header; sh; sh = sh->next)
      if (!h || !search_header_field ((unsigned char *) h, len, &sh->line,
				      &sh->text))
	return NIL;
  }
  if (pgm->body && !mail_search_text (stream, msgno, section, pgm->body, NIL))
    return NIL;
  if (pgm->text && !mail_search_text (stream, msgno, section, pgm->text, T))
    return NIL;
  return LONGT;
}

long mail_search_msg (MAILSTREAM *stream, unsigned long msgno, char *section,
		      SEARCHPGM *pgm)
{
  if (!stream) return NIL;
  return search_msg (stream, msgno, section, pgm, 0);
}

/* ---- checking and preparing a program ---- */

static unsigned long search_count (STRINGLIST *s)
{
  unsigned long n = 0;
  for (; s; s = s->next) n++;
  return n;
}

/* Count keys, bounded by depth; -1 when over a limit */
static long search_check (SEARCHPGM *pgm, unsigned long depth,
			  unsigned long *keys)
{
  SEARCHOR *or;
  SEARCHPGMLIST *not;
  SEARCHHEADER *h;
  SEARCHSET *set;

  if (!pgm) return 0;
  if (depth > LIM_SEARCH_DEPTH) return -1;
  *keys += search_count (pgm->bcc) + search_count (pgm->body) +
    search_count (pgm->cc) + search_count (pgm->from) +
    search_count (pgm->keyword) + search_count (pgm->unkeyword) +
    search_count (pgm->subject) + search_count (pgm->text) +
    search_count (pgm->to) + search_count (pgm->return_path) +
    search_count (pgm->sender) + search_count (pgm->reply_to) +
    search_count (pgm->in_reply_to) + search_count (pgm->message_id) +
    search_count (pgm->newsgroups) + search_count (pgm->followup_to) +
    search_count (pgm->references);
  for (h = pgm->header; h && *keys <= LIM_SEARCH_KEYS; h = h->next) ++*keys;
  for (set = pgm->msgno; set && *keys <= LIM_SEARCH_KEYS; set = set->next)
    ++*keys;
  for (set = pgm->uid; set && *keys <= LIM_SEARCH_KEYS; set = set->next)
    ++*keys;
  for (or = pgm->or; or && *keys <= LIM_SEARCH_KEYS; or = or->next) {
    ++*keys;
    if (search_check (or->first, depth + 1, keys) < 0 ||
	search_check (or->second, depth + 1, keys) < 0)
      return -1;
  }
  for (not = pgm->not; not && *keys <= LIM_SEARCH_KEYS; not = not->next) {
    ++*keys;
    if (search_check (not->pgm, depth + 1, keys) < 0) return -1;
  }
  return *keys > LIM_SEARCH_KEYS ? -1 : 0;
}

static int search_charset_native (const char *charset)
{
  return !charset || !*charset ||
    !compare_cstring ((unsigned char *) charset, (unsigned char *) "US-ASCII")
    || !compare_cstring ((unsigned char *) charset, (unsigned char *) "UTF-8");
}

static void search_convert_text (SIZEDTEXT *t, char *charset)
{
  SIZEDTEXT u = { NIL, 0 };
  if (t->data && utf8_text (t, charset, &u, U8T_LITERAL) && u.data &&
      u.data != t->data) {
    fs_give ((void **) &t->data);
    *t = u;
  }
}

static void search_convert_list (STRINGLIST *s, char *charset)
{
  for (; s; s = s->next) search_convert_text (&s->text, charset);
}

/* Convert every string of a (checked) program to UTF-8, in place, as UW's
 * utf8_searchpgm() does */
static void search_convert (SEARCHPGM *pgm, char *charset)
{
  SEARCHOR *or;
  SEARCHPGMLIST *not;
  SEARCHHEADER *h;

  if (!pgm) return;
  search_convert_list (pgm->bcc, charset);
  search_convert_list (pgm->body, charset);
  search_convert_list (pgm->cc, charset);
  search_convert_list (pgm->from, charset);
  search_convert_list (pgm->keyword, charset);
  search_convert_list (pgm->unkeyword, charset);
  search_convert_list (pgm->subject, charset);
  search_convert_list (pgm->text, charset);
  search_convert_list (pgm->to, charset);
  search_convert_list (pgm->return_path, charset);
  search_convert_list (pgm->sender, charset);
  search_convert_list (pgm->reply_to, charset);
  search_convert_list (pgm->in_reply_to, charset);
  search_convert_list (pgm->message_id, charset);
  search_convert_list (pgm->newsgroups, charset);
  search_convert_list (pgm->followup_to, charset);
  search_convert_list (pgm->references, charset);
  for (h = pgm->header; h; h = h->next) search_convert_text (&h->text, charset);
  for (or = pgm->or; or; or = or->next) {
    search_convert (or->first, charset);
    search_convert (or->second, charset);
  }
  for (not = pgm->not; not; not = not->next) search_convert (not->pgm, charset);
}

/* Validate charset and program; convert strings.  NIL (logged) on error. */
static long search_prepare (MAILSTREAM *stream, char *charset,
			    SEARCHPGM *pgm)
{
  unsigned long keys = 0;

  if (!search_charset_native (charset)) {
    if (!utf8_charset (charset)) {
      char *msg = utf8_badcharset (charset);
      mail_log (stream, ERROR, "%s", msg ? msg : "Unknown character set");
      if (msg) fs_give ((void **) &msg);
      return NIL;
    }
  }
  if (search_check (pgm, 0, &keys) < 0) {
    mail_log (stream, ERROR, "Search program too complex (limits: %d levels "
	      "of OR/NOT, %d keys)", LIM_SEARCH_DEPTH, LIM_SEARCH_KEYS);
    return NIL;
  }
  if (!search_charset_native (charset)) search_convert (pgm, charset);
  return LONGT;
}

/* ---- preparing a program for many messages ---- */

static void search_prep_key (struct search_prep *p, const SIZEDTEXT *t)
{
  if (!t->size || !t->data) return;	/* "" matches without folding */
  if (p->nkeys == p->capkeys) {
    p->capkeys = p->capkeys ? p->capkeys * 2 : 16;
    fs_resize ((void **) &p->keys, p->capkeys * sizeof *p->keys);
  }
  p->keys[p->nkeys].data = t->data;
  p->keys[p->nkeys].size = t->size;
  p->keys[p->nkeys].fold = NIL;	/* folded once sorted and unique */
  p->keys[p->nkeys].flen = 0;
  p->nkeys++;
}

static void search_prep_list (struct search_prep *p, STRINGLIST *s)
{
  for (; s; s = s->next) search_prep_key (p, &s->text);
}

static void search_prep_set (struct search_prep *p, const SEARCHSET *set)
{
  if (!set) return;
  if (p->nsets == p->capsets) {
    p->capsets = p->capsets ? p->capsets * 2 : 8;
    fs_resize ((void **) &p->sets, p->capsets * sizeof *p->sets);
  }
  p->sets[p->nsets].set = set;
  p->sets[p->nsets].idx = NIL;
  p->nsets++;
}

/* Collect the keys matched as text (not keywords: they name flags) and
 * the sets of a checked program (depth bounded by search_check) */
static void search_prep_walk (struct search_prep *p, SEARCHPGM *pgm)
{
  SEARCHOR *or;
  SEARCHPGMLIST *not;
  SEARCHHEADER *h;

  if (!pgm) return;
  search_prep_list (p, pgm->bcc);
  search_prep_list (p, pgm->body);
  search_prep_list (p, pgm->cc);
  search_prep_list (p, pgm->from);
  search_prep_list (p, pgm->subject);
  search_prep_list (p, pgm->text);
  search_prep_list (p, pgm->to);
  search_prep_list (p, pgm->return_path);
  search_prep_list (p, pgm->sender);
  search_prep_list (p, pgm->reply_to);
  search_prep_list (p, pgm->in_reply_to);
  search_prep_list (p, pgm->message_id);
  search_prep_list (p, pgm->newsgroups);
  search_prep_list (p, pgm->followup_to);
  search_prep_list (p, pgm->references);
  for (h = pgm->header; h; h = h->next) search_prep_key (p, &h->text);
  search_prep_set (p, pgm->msgno);
  search_prep_set (p, pgm->uid);
  for (or = pgm->or; or; or = or->next) {
    search_prep_walk (p, or->first);
    search_prep_walk (p, or->second);
  }
  for (not = pgm->not; not; not = not->next) search_prep_walk (p, not->pgm);
}

/* Prepare a checked, converted program and make it the current one;
 * search_prep_end() undoes it */
static void search_prep_begin (struct search_prep *p, SEARCHPGM *pgm,
			       struct search_prep **saved)
{
  unsigned long i, k;

  memset (p, 0, sizeof *p);
  search_prep_walk (p, pgm);
  if (p->nkeys)			/* qsort (NULL, 0, ...) is undefined */
    qsort (p->keys, p->nkeys, sizeof *p->keys, search_key_cmp);
  for (i = k = 0; i < p->nkeys; i++)	/* a text shared by two keys */
    if (!k || search_key_cmp (&p->keys[i], &p->keys[k - 1]))
      p->keys[k++] = p->keys[i];
  p->nkeys = k;
  for (i = 0; i < p->nkeys; i++)
    p->keys[i].fold = search_fold (p->keys[i].data, p->keys[i].size,
				   &p->keys[i].flen);
  if (p->nsets)
    qsort (p->sets, p->nsets, sizeof *p->sets, search_sidx_cmp);
  for (i = k = 0; i < p->nsets; i++)
    if (!k || p->sets[i].set != p->sets[k - 1].set)
      p->sets[k++] = p->sets[i];
  p->nsets = k;
  *saved = search_current;
  search_current = p;
}

static void search_prep_end (struct search_prep *p, struct search_prep *saved)
{
  unsigned long i;

  search_current = saved;
  for (i = 0; i < p->nkeys; i++) fs_give ((void **) &p->keys[i].fold);
  for (i = 0; i < p->nsets; i++) seqset_index_free (&p->sets[i].idx);
  if (p->keys) fs_give ((void **) &p->keys);
  if (p->sets) fs_give ((void **) &p->sets);
}

/* ---- entry points ---- */

static void search_clear (MAILSTREAM *stream)
{
  unsigned long i;
  for (i = 1; i <= stream->nmsgs; i++) mail_elt (stream, i)->searched = NIL;
}

long mail_search_default (MAILSTREAM *stream, char *charset, SEARCHPGM *pgm,
			  long flags)
{
  struct search_prep prep, *saved;
  unsigned long i;

  if (!stream || !search_prepare (stream, charset, pgm)) return NIL;
  search_prep_begin (&prep, pgm, &saved);
  for (i = 1; i <= stream->nmsgs; i++)
    if (search_msg (stream, i, NIL, pgm, 0)) {
      mail_elt (stream, i)->searched = T;
      if (!(flags & SE_UID)) mail_searched_msg (stream, i);
      else if (!stream->silent) {
	/* mail_searched_msg() takes a message number; a UID goes to the
	 * callback directly */
	const struct mail_callbacks *cb = mail_callbacks_for (stream);
	if (cb->searched) (*cb->searched) (stream, mail_uid (stream, i));
      }
    }
  search_prep_end (&prep, saved);
  return LONGT;
}

/*
 * Search, reporting each match through mm_searched() (UIDs with SE_UID)
 * and elt->searched.  SE_RETAIN keeps earlier searched bits, SE_FREE frees
 * pgm.  SE_NOPREFETCH is accepted; local searching never prefetches.
 */
long mail_search_full (MAILSTREAM *stream, char *charset, SEARCHPGM *pgm,
		       long flags)
{
  long ret = NIL;

  if (stream && stream->dtb && pgm) {
    if (!(flags & SE_RETAIN)) search_clear (stream);
    ret = stream->dtb->search ?
      (*stream->dtb->search) (stream, charset, pgm, flags) :
      mail_search_default (stream, charset, pgm, flags);
  }
  else if (stream && !pgm) mail_log (stream, ERROR, "No search criteria");
  if (pgm && (flags & SE_FREE)) mail_free_searchpgm (&pgm);
  return ret;
}

long search_select (MAILSTREAM *stream, char *charset, SEARCHPGM *pgm)
{
  struct search_prep prep, *saved;
  unsigned long i;

  if (!stream || !stream->dtb) return NIL;
  if (pgm && stream->dtb->search) {	/* the driver's, without events */
    unsigned int silent = stream->silent;
    long ret;
    stream->silent = T;
    ret = mail_search_full (stream, charset, pgm, NIL);
    stream->silent = silent;
    return ret;
  }
  if (!search_prepare (stream, charset, pgm)) return NIL;
  search_prep_begin (&prep, pgm, &saved);
  for (i = 1; i <= stream->nmsgs; i++)
    mail_elt (stream, i)->searched = search_msg (stream, i, NIL, pgm, 0) ?
      T : NIL;
  search_prep_end (&prep, saved);
  return LONGT;
}

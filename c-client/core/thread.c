/*
 * Threading (RFC 5256 THREAD): ORDEREDSUBJECT and REFERENCES.
 *
 * mail_thread() picks the driver's .thread slot or mail_thread_msgs(),
 * which looks the algorithm up by name in mail_threaders().  The algorithms
 * select messages through the sorter (mail_sort_msgs for local mailboxes),
 * load sent dates, base subjects and Message-ID/References/In-Reply-To,
 * then build the tree with the pure thread_build_*() functions.
 *
 * REFERENCES follows RFC 5256 section 2.2 to the letter.  Checked against
 * UW on random mailboxes: identical except that UW takes a dummy's thread
 * subject (step 5.B.i) from the first child it linked rather than from the
 * earliest one after the step 4 sort, so it can merge different threads.
 * ORDEREDSUBJECT and SORT gave identical results.
 *
 * The result is a THREADNODE tree as UW builds it (checked against UW's
 * output and its imapd printer): next is the first child, branch the next
 * sibling; num is the message number (UID with SE_UID), 0 for a dummy.  Every
 * walk over the container tree is iterative: reply chains can be as deep as
 * the mailbox is long.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "search-int.h"

/* ---- Message-ID parsing ---- */

static int mid_special (char c)
{
  switch (c) {
  case '(': case ')': case '<': case '>': case '[': case ']': case ':':
  case ';': case '@': case '\\': case ',': case '"':
    return 1;
  }
  return 0;
}

/* Skip whitespace and (nested) comments */
static const char *mid_cfws (const char *s, const char *end)
{
  unsigned long depth = 0;
  for (; s < end; s++) {
    if (depth) {
      if (*s == '\\' && s + 1 < end) s++;
      else if (*s == '(') depth++;
      else if (*s == ')') depth--;
    }
    else if (*s == '(') depth = 1;
    else if (!(*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) break;
  }
  return s;
}

#define MID_ATEXT(c) ((unsigned char) (c) > ' ' && (c) != 0x7f && \
			!mid_special (c) && (c) != '.')

/*
 * Parse a msg-id starting at '<' into b ("local@domain", quoting and CFWS
 * removed); return the end or NIL.  Lenient where mail is sloppy (8-bit
 * octets, obsolete CFWS between tokens) but a local part of two words with
 * no dot between them is refused: "<a b@c>" is not a Message-ID.
 */
static const char *mid_parse (const char *s, const char *end, struct buf *b)
{
  int part = 0;			/* 0: local part, 1: domain */
  int word = 0;			/* the last token was a word */
  unsigned long llen = 0;

  for (s = mid_cfws (s + 1, end); s < end; s = mid_cfws (s, end)) {
    if (*s == '"' && !part) {	/* quoted-string: keep the content */
      if (word) return NIL;
      for (s++; s < end && *s != '"'; s++) {
	if (*s == '\\' && s + 1 < end) s++;
	if (*s == '\r' || *s == '\n') continue;
	buf_putc (b, *s);
      }
      if (s >= end) return NIL;
      s++;
      word = 1;
    }
    else if (*s == '[' && part) {	/* domain literal */
      if (word) return NIL;
      for (; s < end && *s != ']'; s++)
	if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
	  buf_putc (b, *s);
      if (s >= end) return NIL;
      buf_putc (b, *s++);
      word = 1;
    }
    else if (*s == '@' && !part) {
      if (!(llen = b->len)) return NIL;
      buf_putc (b, *s++);
      part = 1;
      word = 0;
    }
    else if (*s == '>') {
      if (!part || b->len <= llen + 1) return NIL;
      return s + 1;
    }
    else if (*s == '.') {
      buf_putc (b, *s++);
      word = 0;
    }
    else if (MID_ATEXT (*s)) {
      if (word) return NIL;
      while (s < end && MID_ATEXT (*s)) buf_putc (b, *s++);
      word = 1;
    }
    else return NIL;
  }
  return NIL;
}

/* thread_msgid_next() into b (emptied first): 1 when b holds an id */
static int mid_next (const char **sp, const char *end, struct buf *b)
{
  const char *s = *sp;

  while (s < end) {
    if (*s == '(') {		/* a comment cannot hold a reference */
      s = mid_cfws (s, end);
      continue;
    }
    if (*s == '<') {
      const char *e;
      buf_reset (b);
      if ((e = mid_parse (s, end, b))) {
	buf_append (b, "", 0);	/* NUL-terminated even if it was empty */
	*sp = e;
	return 1;
      }
    }
    s++;
  }
  *sp = end;
  return 0;
}

char *thread_msgid_next (const char **sp, const char *end)
{
  struct buf b = BUF_INIT;
  if (mid_next (sp, end, &b)) return buf_detach (&b);
  buf_free (&b);
  return NIL;
}

/* ---- allocation ----
 * REFERENCES makes a container, a table entry and an id string per message
 * and per referenced id: on a large mailbox one malloc() each was most of
 * the time.  They come from a pool instead, freed all at once at the end. */

#define TPOOL_CHUNK 65536

struct tpool_chunk {
  struct tpool_chunk *next;
  size_t size, used;
  max_align_t data[];		/* aligned for any object */
};

struct tpool {
  struct tpool_chunk *head;	/* the chunk being filled */
};

static void *tpool_get (struct tpool *p, size_t n)
{
  struct tpool_chunk *c = p->head;
  void *r;

  n = (n + sizeof (max_align_t) - 1) / sizeof (max_align_t)
    * sizeof (max_align_t);
  if (!c || c->size - c->used < n) {
    size_t size = n > TPOOL_CHUNK / 4 ? n : TPOOL_CHUNK;
    c = fs_get (sizeof *c + size);
    c->size = size;
    c->used = 0;
    if (n > TPOOL_CHUNK / 4 && p->head) {	/* big: keep filling head */
      c->next = p->head->next;
      p->head->next = c;
    }
    else {
      c->next = p->head;
      p->head = c;
    }
  }
  r = (char *) c->data + c->used;
  c->used += n;
  return r;
}

static void tpool_free (struct tpool *p)
{
  while (p->head) {
    struct tpool_chunk *c = p->head;
    p->head = c->next;
    fs_give ((void **) &c);
  }
}

/* ---- containers ---- */

struct tcon {
  struct thread_msg *msg;	/* NIL for a dummy */
  struct tcon *parent, *child, *prev, *next;
  const char *id;		/* in the pool; NIL for a unique one */
  THREADNODE *node;
};

struct tctx {
  struct tcon **all;		/* every container, in creation order */
  unsigned long nall, capall;
  struct tent **tab;		/* id -> container */
  unsigned long tabsize, tabcount;
  struct tpool pool;		/* containers, table entries, ids */
  struct buf id;		/* scratch: the id being looked up */
  struct buf *ring;		/* scratch: a message's references */
  unsigned long ringcap;
  struct tcon root;
};

struct tent {
  const char *key;
  unsigned long hash;		/* thread_hash (key), kept for growing */
  struct tcon *con;
  struct tent *next;
};

static unsigned long thread_hash (const char *s)
{
  unsigned long h = 5381;	/* djb2 */
  for (; *s; s++) h = h * 33 + (unsigned char) *s;
  return h;
}

static struct tent **thread_slot (struct tent **tab, unsigned long size,
				  const char *key, unsigned long hash)
{
  struct tent **e = &tab[hash & (size - 1)];
  while (*e && ((*e)->hash != hash || strcmp ((*e)->key, key)))
    e = &(*e)->next;
  return e;
}

/* Make the table at least want (a power of two, >= 256) buckets */
static void thread_tab_size (struct tent ***tab, unsigned long *size,
			     unsigned long want)
{
  unsigned long i, nsize = *size ? *size : 256;
  struct tent **ntab;

  while (nsize < want) nsize *= 2;
  if (nsize == *size) return;
  ntab = fs_get (nsize * sizeof *ntab);
  memset (ntab, 0, nsize * sizeof *ntab);
  for (i = 0; i < *size; i++)
    while ((*tab)[i]) {
      struct tent *e = (*tab)[i];
      (*tab)[i] = e->next;
      e->next = ntab[e->hash & (nsize - 1)];
      ntab[e->hash & (nsize - 1)] = e;
    }
  if (*tab) fs_give ((void **) tab);
  *tab = ntab;
  *size = nsize;
}

static void thread_tab_grow (struct tent ***tab, unsigned long *size)
{
  thread_tab_size (tab, size, *size ? *size * 2 : 256);
}

/* Look key up; with con non-NIL, insert it (key must not be present), the
 * entry taken from pool */
static struct tcon *thread_tab (struct tent ***tab, unsigned long *size,
				unsigned long *count, const char *key,
				struct tcon *con, struct tpool *pool)
{
  struct tent **e;
  unsigned long hash = thread_hash (key);
  if (!*size) thread_tab_grow (tab, size);
  e = thread_slot (*tab, *size, key, hash);
  if (*e || !con) return *e ? (*e)->con : NIL;
  if (++*count > *size) {
    thread_tab_grow (tab, size);
    e = thread_slot (*tab, *size, key, hash);
  }
  *e = tpool_get (pool, sizeof **e);
  (*e)->key = key;
  (*e)->hash = hash;
  (*e)->con = con;
  (*e)->next = NIL;
  return con;
}

/* The entries are in the pool */
static void thread_tab_free (struct tent ***tab)
{
  if (*tab) fs_give ((void **) tab);
}

static struct tcon *tcon_new (struct tctx *x, const char *id)
{
  struct tcon *c = tpool_get (&x->pool, sizeof *c);
  memset (c, 0, sizeof *c);
  c->id = id;
  if (x->nall == x->capall) {
    x->capall = x->capall ? x->capall * 2 : 64;
    fs_resize ((void **) &x->all, x->capall * sizeof *x->all);
  }
  x->all[x->nall++] = c;
  return c;
}

static void tcon_unlink (struct tcon *c)
{
  if (!c->parent) return;
  if (c->prev) c->prev->next = c->next;
  else c->parent->child = c->next;
  if (c->next) c->next->prev = c->prev;
  c->parent = c->prev = c->next = NIL;
}

/* Make c the first child of p (sibling order is settled by sorting) */
static void tcon_adopt (struct tcon *p, struct tcon *c)
{
  tcon_unlink (c);
  c->parent = p;
  c->prev = NIL;
  c->next = p->child;
  if (p->child) p->child->prev = c;
  p->child = c;
}

/* Would making p the parent of c create a loop (p is c or below c)?
 * A childless c (the usual case: a new message) needs no walk. */
static int tcon_loop (struct tcon *p, struct tcon *c)
{
  if (!c->child) return p == c;
  for (; p; p = p->parent)
    if (p == c) return 1;
  return 0;
}

/* The message that stands for c when sorting: c or its first child */
static struct thread_msg *tcon_msg (struct tcon *c)
{
  while (c && !c->msg) c = c->child;
  return c ? c->msg : NIL;
}

static int tcon_compare (const void *a1, const void *a2)
{
  struct thread_msg *a = tcon_msg (*(struct tcon * const *) a1);
  struct thread_msg *b = tcon_msg (*(struct tcon * const *) a2);
  int r;
  if (!a || !b) return a ? -1 : b ? 1 : 0;
  if ((r = compare_ulong (a->date, b->date))) return r;
  return compare_ulong (a->seq, b->seq);
}

/* Sort p's children by sent date, then message number */
static void tcon_sort_children (struct tcon *p, struct tcon ***tmp,
				unsigned long *tmpcap)
{
  struct tcon *c;
  unsigned long i, n = 0;

  for (c = p->child; c; c = c->next) n++;
  if (n < 2) return;
  if (n > *tmpcap) {
    *tmpcap = n;
    fs_resize ((void **) tmp, n * sizeof **tmp);
  }
  for (c = p->child, i = 0; c; c = c->next) (*tmp)[i++] = c;
  qsort (*tmp, n, sizeof **tmp, tcon_compare);
  p->child = (*tmp)[0];
  for (i = 0; i < n; i++) {
    (*tmp)[i]->prev = i ? (*tmp)[i - 1] : NIL;
    (*tmp)[i]->next = (i + 1 < n) ? (*tmp)[i + 1] : NIL;
  }
}

/* Pre-order list of the tree under root (root first), fs_get'ed */
static struct tcon **tcon_preorder (struct tctx *x, unsigned long *np)
{
  struct tcon **out = fs_get ((x->nall + 1) * sizeof *out);
  struct tcon **stack = fs_get ((x->nall + 1) * sizeof *stack);
  unsigned long n = 0, sp = 0;

  stack[sp++] = &x->root;
  while (sp) {
    struct tcon *c = stack[--sp];
    out[n++] = c;
    /* push children last-first so the first child comes out first */
    if (c->child) {
      struct tcon *k = c->child;
      unsigned long base = sp;
      for (; k; k = k->next) stack[sp++] = k;
      for (unsigned long i = base, j = sp - 1; i < j; i++, j--) {
	struct tcon *t = stack[i];
	stack[i] = stack[j];
	stack[j] = t;
      }
    }
  }
  fs_give ((void **) &stack);
  *np = n;
  return out;
}

/* Convert the tree under x->root to THREADNODEs */
static THREADNODE *tcon_nodes (struct tctx *x)
{
  unsigned long i, n;
  struct tcon **pre = tcon_preorder (x, &n);
  THREADNODE *ret;

  for (i = 1; i < n; i++) {
    pre[i]->node = mail_newthreadnode (NIL);
    pre[i]->node->num = pre[i]->msg ? pre[i]->msg->num : 0;
    pre[i]->node->sc = NIL;
  }
  for (i = 1; i < n; i++) {	/* UW: next = child, branch = sibling */
    pre[i]->node->next = pre[i]->child ? pre[i]->child->node : NIL;
    pre[i]->node->branch = pre[i]->next ? pre[i]->next->node : NIL;
  }
  ret = x->root.child ? x->root.child->node : NIL;
  fs_give ((void **) &pre);
  return ret;
}

static void tctx_free (struct tctx *x)
{
  unsigned long i;
  if (x->all) fs_give ((void **) &x->all);
  thread_tab_free (&x->tab);
  for (i = 0; i < x->ringcap; i++) buf_free (&x->ring[i]);
  if (x->ring) fs_give ((void **) &x->ring);
  buf_free (&x->id);
  tpool_free (&x->pool);
}

/* Container for id (len bytes, NUL-terminated, not kept), created as a
 * dummy if new */
static struct tcon *thread_ref (struct tctx *x, const char *id, size_t len)
{
  struct tcon *c = thread_tab (&x->tab, &x->tabsize, &x->tabcount, id, NIL,
			       &x->pool);
  char *copy;
  if (c) return c;
  copy = tpool_get (&x->pool, len + 1);
  memcpy (copy, id, len + 1);
  c = tcon_new (x, copy);
  thread_tab (&x->tab, &x->tabsize, &x->tabcount, c->id, c, &x->pool);
  return c;
}

/* The ring slot for reference number nrefs (the ring grows up to
 * LIM_MSGID_REFS, then the oldest are overwritten) */
static struct buf *thread_ring_slot (struct tctx *x, unsigned long nrefs)
{
  if (nrefs == x->ringcap && x->ringcap < LIM_MSGID_REFS) {
    unsigned long i, cap = Min (x->ringcap ? x->ringcap * 2 : 16,
				LIM_MSGID_REFS);
    fs_resize ((void **) &x->ring, cap * sizeof *x->ring);
    for (i = x->ringcap; i < cap; i++) buf_init (&x->ring[i]);
    x->ringcap = cap;
  }
  return &x->ring[nrefs % x->ringcap];
}

/* RFC 5256 step 1 for one message */
static void thread_link_msg (struct tctx *x, struct thread_msg *m)
{
  const char *s, *end;
  struct tcon *c = NIL, *prev = NIL;
  unsigned long nrefs = 0, i;

  /* this message's container: its Message-ID unless missing or taken */
  if (m->message_id) {
    s = m->message_id;
    end = s + strlen (s);
    if (mid_next (&s, end, &x->id)) {
      c = thread_ref (x, x->id.data, x->id.len);
      if (c->msg) c = NIL;	/* duplicate: the first one keeps the id */
    }
  }
  if (!c) c = tcon_new (x, NIL);
  c->msg = m;

  /* references: References, else the first In-Reply-To id; only the
   * last LIM_MSGID_REFS count (the nearest ancestors), kept in a ring */
  if (m->references) {
    s = m->references;
    end = s + strlen (s);
    while (mid_next (&s, end, thread_ring_slot (x, nrefs))) nrefs++;
    for (i = (nrefs > x->ringcap) ? nrefs - x->ringcap : 0; i < nrefs; i++) {
      struct buf *id = &x->ring[i % x->ringcap];
      struct tcon *r = thread_ref (x, id->data, id->len);
      /* (1A) keep existing links; never make a loop */
      if (prev && !r->parent && !tcon_loop (prev, r)) tcon_adopt (prev, r);
      prev = r;
    }
  }
  if (!nrefs && m->in_reply_to) {
    s = m->in_reply_to;
    end = s + strlen (s);
    if (mid_next (&s, end, &x->id))
      prev = thread_ref (x, x->id.data, x->id.len);
  }
  /* (1B) the last reference is the parent, replacing an earlier guess */
  if (c->parent != prev || !prev) {
    tcon_unlink (c);
    if (prev && !tcon_loop (prev, c)) tcon_adopt (prev, c);
  }
}

/* (3) prune dummies, children before parents */
static void thread_prune (struct tctx *x)
{
  unsigned long n, i;
  struct tcon **pre = tcon_preorder (x, &n);

  for (i = n; i-- > 1;) {
    struct tcon *c = pre[i], *k, *last;
    if (c->msg) continue;
    if (!c->child) {
      tcon_unlink (c);
      continue;
    }
    if (c->parent == &x->root && c->child->next) continue;
    /* splice the children in where c was */
    for (k = c->child, last = NIL; k; last = k, k = k->next)
      k->parent = c->parent;
    c->child->prev = c->prev;
    last->next = c->next;
    if (c->prev) c->prev->next = c->child;
    else c->parent->child = c->child;
    if (c->next) c->next->prev = last;
    c->child = NIL;
    c->parent = c->prev = c->next = NIL;
  }
  fs_give ((void **) &pre);
}

/* Thread subject of a root child: its base subject or its first child's */
static const char *thread_subject (struct tcon *c)
{
  struct thread_msg *m = tcon_msg (c);
  return (m && m->subject) ? m->subject : "";
}

/* (5) group the root's children by base subject */
static void thread_group_subjects (struct tctx *x)
{
  struct tent **tab = NIL;
  unsigned long size = 0, count = 0, n = 0, i;
  struct tcon *c, **list;

  for (c = x->root.child; c; c = c->next) n++;
  if (!n) return;
  list = fs_get (n * sizeof *list);
  for (c = x->root.child, i = 0; c; c = c->next) list[i++] = c;
  /* (5B) one container per subject: prefer a dummy, then a non-reply */
  for (i = 0; i < n; i++) {
    const char *subj = thread_subject (c = list[i]);
    struct tent **e;
    if (!*subj) continue;
    if (!size) thread_tab_grow (&tab, &size);
    e = thread_slot (tab, size, subj, thread_hash (subj));
    if (!*e) thread_tab (&tab, &size, &count, subj, c, &x->pool);
    else if ((*e)->con->msg &&
	     (!c->msg || ((*e)->con->msg->refwd && !c->msg->refwd))) {
      (*e)->con = c;
      (*e)->key = subj;
    }
  }
  /* (5C) merge (no table: every subject was empty) */
  for (i = 0; size && i < n; i++) {
    const char *subj;
    struct tent **e;
    struct tcon *t;
    c = list[i];
    if (c->parent != &x->root) continue;	/* moved under a new dummy */
    if (!*(subj = thread_subject (c))) continue;
    e = thread_slot (tab, size, subj, thread_hash (subj));
    if (!*e || (t = (*e)->con) == c) continue;
    if (!t->msg && !c->msg) {	/* both dummies: pool the children */
      while (c->child) tcon_adopt (t, c->child);
      tcon_unlink (c);
    }
    else if (!t->msg || (c->msg && c->msg->refwd && t->msg && !t->msg->refwd))
      tcon_adopt (t, c);
    else {			/* a new dummy over both, where t was */
      struct tcon *d = tcon_new (x, NIL);
      d->parent = t->parent;
      d->prev = t->prev;
      d->next = t->next;
      if (t->prev) t->prev->next = d;
      else t->parent->child = d;
      if (t->next) t->next->prev = d;
      t->parent = t->prev = t->next = NIL;
      tcon_adopt (d, t);
      tcon_adopt (d, c);
      (*e)->con = d;
    }
  }
  fs_give ((void **) &list);
  thread_tab_free (&tab);
}

/* (6) sort every set of siblings, deepest first */
static void thread_sort_all (struct tctx *x)
{
  unsigned long n, i, tmpcap = 0;
  struct tcon **pre = tcon_preorder (x, &n), **tmp = NIL;

  for (i = n; i-- > 0;)
    if (pre[i]->child) tcon_sort_children (pre[i], &tmp, &tmpcap);
  if (tmp) fs_give ((void **) &tmp);
  fs_give ((void **) &pre);
}

THREADNODE *thread_build_references (struct thread_msg *msgs, unsigned long n)
{
  struct tctx x;
  unsigned long i, tmpcap = 0;
  struct tcon *c, **tmp = NIL;
  THREADNODE *ret;

  if (!n) return NIL;
  memset (&x, 0, sizeof x);
  buf_init (&x.id);
  /* about one id per message, plus the dummies: grow once or twice */
  thread_tab_size (&x.tab, &x.tabsize, n);
  for (i = 0; i < n; i++) thread_link_msg (&x, &msgs[i]);
  /* (2) parentless containers become the root's children */
  for (i = 0; i < x.nall; i++)
    if (!x.all[i]->parent) tcon_adopt (&x.root, x.all[i]);
  /* (3) is done before the id table goes, which is harmless */
  thread_prune (&x);
  /* (4) sort the top level, dummies by their first child */
  for (c = x.root.child; c; c = c->next)
    if (!c->msg) tcon_sort_children (c, &tmp, &tmpcap);
  tcon_sort_children (&x.root, &tmp, &tmpcap);
  if (tmp) fs_give ((void **) &tmp);
  thread_group_subjects (&x);
  thread_sort_all (&x);
  ret = tcon_nodes (&x);
  tctx_free (&x);
  return ret;
}

/* ---- ORDEREDSUBJECT ---- */

static int thread_os_compare (const void *a1, const void *a2)
{
  const struct thread_msg *a = *(struct thread_msg * const *) a1;
  const struct thread_msg *b = *(struct thread_msg * const *) a2;
  int r = strcmp (a->subject ? a->subject : "", b->subject ? b->subject : "");
  if (r) return r;
  if ((r = compare_ulong (a->date, b->date))) return r;
  return compare_ulong (a->seq, b->seq);
}

struct os_head {
  struct thread_msg *m;
  THREADNODE *node;
};

static int thread_head_compare (const void *a1, const void *a2)
{
  const struct thread_msg *a = ((const struct os_head *) a1)->m;
  const struct thread_msg *b = ((const struct os_head *) a2)->m;
  int r = compare_ulong (a->date, b->date);
  return r ? r : compare_ulong (a->seq, b->seq);
}

static int thread_same_subject (const struct thread_msg *a,
				const struct thread_msg *b)
{
  return !strcmp (a->subject ? a->subject : "", b->subject ? b->subject : "");
}

THREADNODE *thread_build_orderedsubject (struct thread_msg *msgs,
					 unsigned long n)
{
  struct thread_msg **v;
  struct os_head *heads;
  THREADNODE *ret, *node;
  unsigned long i, j, nheads = 0;

  if (!n) return NIL;
  v = fs_get (n * sizeof *v);
  heads = fs_get (n * sizeof *heads);
  for (i = 0; i < n; i++) v[i] = &msgs[i];
  /* by base subject, then sent date (then message number) */
  qsort (v, n, sizeof *v, thread_os_compare);
  /* each subject run is a thread: the first message heads it, the second
   * is its child and the rest are the second's siblings */
  for (i = 0; i < n; i = j) {
    THREADNODE *prev = NIL;
    heads[nheads].m = v[i];
    heads[nheads].node = mail_newthreadnode (NIL);
    heads[nheads].node->num = v[i]->num;
    heads[nheads].node->sc = NIL;
    for (j = i + 1; j < n && thread_same_subject (v[i], v[j]); j++) {
      node = mail_newthreadnode (NIL);
      node->num = v[j]->num;
      node->sc = NIL;
      if (prev) prev->branch = node;
      else heads[nheads].node->next = node;
      prev = node;
    }
    nheads++;
  }
  /* threads in order of their first message's sent date */
  qsort (heads, nheads, sizeof *heads, thread_head_compare);
  for (i = 0; i + 1 < nheads; i++) heads[i].node->branch = heads[i + 1].node;
  ret = heads[0].node;
  fs_give ((void **) &v);
  fs_give ((void **) &heads);
  return ret;
}

/* ---- loading from a stream ---- */

struct thread_load {
  struct thread_msg *msgs;
  SORTCACHE **sc;
  struct tpool strings;		/* the messages' id strings */
  unsigned long n;
};

/* A copy of s in pool, NIL for NIL */
static const char *thread_strdup (struct tpool *pool, const char *s)
{
  size_t n;
  char *r;
  if (!s) return NIL;
  n = strlen (s) + 1;
  r = tpool_get (pool, n);
  memcpy (r, s, n);
  return r;
}

static int thread_ulong_compare (const void *a, const void *b)
{
  return compare_ulong (*(const unsigned long *) a,
			*(const unsigned long *) b);
}

/* Select through the sorter and load what the builders need */
static long thread_load (MAILSTREAM *stream, char *charset, SEARCHPGM *spg,
			 long flags, sorter_t sorter, int refs,
			 struct thread_load *l)
{
  SORTPGM pgm;
  unsigned long *list, i;

  memset (l, 0, sizeof *l);
  memset (&pgm, 0, sizeof pgm);
  pgm.function = SORTARRIVAL;	/* any order: cheapest to load */
  if (!sorter) sorter = mail_sort_msgs;
  list = (*sorter) (stream, charset, spg, &pgm,
		    flags & ~(SE_UID | SE_FREE | SO_FREE));
  if (!list) return NIL;
  for (l->n = 0; list[l->n]; l->n++);
  /* message number order: duplicate Message-IDs go to the first */
  qsort (list, l->n, sizeof *list, thread_ulong_compare);
  l->msgs = fs_get ((l->n ? l->n : 1) * sizeof *l->msgs);
  l->sc = fs_get ((l->n ? l->n : 1) * sizeof *l->sc);
  for (i = 0; i < l->n; i++) {
    struct thread_msg *m = &l->msgs[i];
    SORTCACHE *sc = l->sc[i] =
      sort_cache_new (stream, list[i],
		      SORT_KEY (SORTDATE) | SORT_KEY (SORTSUBJECT));
    memset (m, 0, sizeof *m);
    m->seq = list[i];
    m->num = (flags & SE_UID) ? mail_uid (stream, list[i]) : list[i];
    m->date = sc->date;
    m->subject = sc->subject;
    m->refwd = sc->refwd;
    if (refs) {
      ENVELOPE *env = mail_fetch_structure (stream, list[i], NIL, NIL);
      if (env) {		/* copies: a short cache may drop env */
	m->message_id = thread_strdup (&l->strings, env->message_id);
	m->references = thread_strdup (&l->strings, env->references);
	m->in_reply_to = thread_strdup (&l->strings, env->in_reply_to);
      }
    }
  }
  fs_give ((void **) &list);
  return LONGT;
}

static void thread_unload (struct thread_load *l)
{
  unsigned long i;
  for (i = 0; i < l->n; i++) core_free_sortcache (&l->sc[i]);
  if (l->msgs) fs_give ((void **) &l->msgs);
  if (l->sc) fs_give ((void **) &l->sc);
  tpool_free (&l->strings);
}

/* Load the messages (with their references when refs), thread them */
static THREADNODE *thread_run (MAILSTREAM *stream, char *charset,
			       SEARCHPGM *spg, long flags, sorter_t sorter,
			       int refs)
{
  struct thread_load l;
  THREADNODE *ret;

  if (!thread_load (stream, charset, spg, flags, sorter, refs, &l))
    return NIL;
  ret = refs ? thread_build_references (l.msgs, l.n)
    : thread_build_orderedsubject (l.msgs, l.n);
  thread_unload (&l);
  return ret;
}

THREADNODE *mail_thread_orderedsubject (MAILSTREAM *stream, char *charset,
					SEARCHPGM *spg, long flags,
					sorter_t sorter)
{
  return thread_run (stream, charset, spg, flags, sorter, NIL);
}

THREADNODE *mail_thread_references (MAILSTREAM *stream, char *charset,
				    SEARCHPGM *spg, long flags,
				    sorter_t sorter)
{
  return thread_run (stream, charset, spg, flags, sorter, T);
}

static THREADER thread_references = {
  "REFERENCES", mail_thread_references, NIL
};
static THREADER thread_orderedsubject = {
  "ORDEREDSUBJECT", mail_thread_orderedsubject, &thread_references
};

THREADER *mail_threaders (void)
{
  return &thread_orderedsubject;
}

THREADNODE *mail_thread_msgs (MAILSTREAM *stream, char *type, char *charset,
			      SEARCHPGM *spg, long flags, sorter_t sorter)
{
  THREADER *t;
  threadresults_t tr;

  for (t = mail_threaders (); t && type; t = t->next)
    if (!compare_cstring ((unsigned char *) type, (unsigned char *) t->name)) {
      THREADNODE *ret = (*t->dispatch) (stream, charset, spg, flags, sorter);
      if ((tr = (threadresults_t) mail_parameters (NIL, GET_THREADRESULTS,
						   NIL)))
	(*tr) (stream, ret);
      return ret;
    }
  mail_log (stream, ERROR, "Unknown threading algorithm: %.64s",
	    type ? type : "(none)");
  return NIL;
}

THREADNODE *mail_thread (MAILSTREAM *stream, char *type, char *charset,
			 SEARCHPGM *spg, long flags)
{
  THREADNODE *ret = NIL;

  if (stream && stream->dtb)
    ret = stream->dtb->thread ?
      (*stream->dtb->thread) (stream, type, charset, spg, flags) :
      mail_thread_msgs (stream, type, charset, spg, flags, mail_sort_msgs);
  if (spg && (flags & SE_FREE)) mail_free_searchpgm (&spg);
  return ret;
}

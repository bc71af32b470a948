/*
 * Creating and freeing c-client structures (mail_new* / mail_free* /
 * mail_gc*).  Every free function takes a pointer to the pointer, frees
 * what the structure owns, and sets the pointer to NIL; all are NIL-safe.
 * Lists are walked in loops and trees with explicit work lists, so a
 * 100000-element address list or a 100000-deep thread does not exhaust the
 * C stack.
 */
#include <stdlib.h>
#include <string.h>
#include "core.h"

static void *zalloc (size_t n)
{
  return memset (fs_get (n), 0, n);
}

static void give (void *pp)		/* fs_give if set, NIL-safe */
{
  void **p = (void **) pp;
  if (*p) fs_give (p);
}

/* ---------------------------------------------------------------------- */
/* Constructors                                                           */

ENVELOPE *mail_newenvelope (void) { return zalloc (sizeof (ENVELOPE)); }
ADDRESS *mail_newaddr (void) { return zalloc (sizeof (ADDRESS)); }
BODY *mail_newbody (void) { return mail_initbody (fs_get (sizeof (BODY))); }

BODY *mail_initbody (BODY *body)
{
  memset (body, 0, sizeof (BODY));
  body->type = TYPETEXT;	/* RFC 2045 default: text/plain 7bit */
  body->encoding = ENC7BIT;
  return body;
}

PARAMETER *mail_newbody_parameter (void)
{ return zalloc (sizeof (PARAMETER)); }

PART *mail_newbody_part (void)
{
  PART *part = zalloc (sizeof (PART));
  mail_initbody (&part->body);
  return part;
}

MESSAGE *mail_newmsg (void) { return zalloc (sizeof (MESSAGE)); }
STRINGLIST *mail_newstringlist (void) { return zalloc (sizeof (STRINGLIST)); }
SEARCHPGM *mail_newsearchpgm (void) { return zalloc (sizeof (SEARCHPGM)); }

SEARCHHEADER *mail_newsearchheader (char *line, char *text)
{
  SEARCHHEADER *hdr = zalloc (sizeof (SEARCHHEADER));
  hdr->line.size = strlen ((char *) (hdr->line.data =
				     (unsigned char *) cpystr (line ? line : "")));
  hdr->text.size = strlen ((char *) (hdr->text.data =
				     (unsigned char *) cpystr (text ? text : "")));
  return hdr;
}

SEARCHSET *mail_newsearchset (void) { return zalloc (sizeof (SEARCHSET)); }

SEARCHOR *mail_newsearchor (void)
{
  SEARCHOR *or = zalloc (sizeof (SEARCHOR));
  or->first = mail_newsearchpgm ();
  or->second = mail_newsearchpgm ();
  return or;
}

SEARCHPGMLIST *mail_newsearchpgmlist (void)
{
  SEARCHPGMLIST *pgl = zalloc (sizeof (SEARCHPGMLIST));
  pgl->pgm = mail_newsearchpgm ();
  return pgl;
}

SORTPGM *mail_newsortpgm (void) { return zalloc (sizeof (SORTPGM)); }

THREADNODE *mail_newthreadnode (SORTCACHE *sc)
{
  THREADNODE *thr = zalloc (sizeof (THREADNODE));
  if (sc) thr->sc = sc;
  return thr;
}

ACLLIST *mail_newacllist (void) { return zalloc (sizeof (ACLLIST)); }
QUOTALIST *mail_newquotalist (void) { return zalloc (sizeof (QUOTALIST)); }

MESSAGECACHE *mail_new_cache_elt (unsigned long msgno)
{
  MESSAGECACHE *elt = zalloc (sizeof (MESSAGECACHE));
  elt->lockcount = 1;		/* the cache's own reference */
  elt->msgno = msgno;
  return elt;
}

/* ---------------------------------------------------------------------- */
/* Simple lists                                                           */

void mail_free_address (ADDRESS **address)
{
  ADDRESS *a, *next;
  if (!address) return;
  for (a = *address; a; a = next) {
    next = a->next;
    give (&a->personal);
    give (&a->adl);
    give (&a->mailbox);
    give (&a->host);
    give (&a->error);
    give (&a->orcpt.type);
    give (&a->orcpt.addr);
    fs_give ((void **) &a);
  }
  *address = NIL;
}

void mail_free_stringlist (STRINGLIST **string)
{
  STRINGLIST *s, *next;
  if (!string) return;
  for (s = *string; s; s = next) {
    next = s->next;
    give (&s->text.data);
    fs_give ((void **) &s);
  }
  *string = NIL;
}

void mail_free_body_parameter (PARAMETER **parameter)
{
  PARAMETER *p, *next;
  if (!parameter) return;
  for (p = *parameter; p; p = next) {
    next = p->next;
    give (&p->attribute);
    give (&p->value);
    fs_give ((void **) &p);
  }
  *parameter = NIL;
}

void mail_free_searchset (SEARCHSET **set)
{
  SEARCHSET *s, *next;
  if (!set) return;
  for (s = *set; s; s = next) {
    next = s->next;
    fs_give ((void **) &s);
  }
  *set = NIL;
}

void mail_free_searchheader (SEARCHHEADER **hdr)
{
  SEARCHHEADER *h, *next;
  if (!hdr) return;
  for (h = *hdr; h; h = next) {
    next = h->next;
    give (&h->line.data);
    give (&h->text.data);
    fs_give ((void **) &h);
  }
  *hdr = NIL;
}

void mail_free_sortpgm (SORTPGM **pgm)
{
  SORTPGM *p, *next;
  if (!pgm) return;
  for (p = *pgm; p; p = next) {
    next = p->next;
    fs_give ((void **) &p);
  }
  *pgm = NIL;
}

void mail_free_namespace (NAMESPACE **n)
{
  NAMESPACE *ns, *next;
  if (!n) return;
  for (ns = *n; ns; ns = next) {
    next = ns->next;
    give (&ns->name);
    mail_free_body_parameter (&ns->param);
    fs_give ((void **) &ns);
  }
  *n = NIL;
}

void mail_free_acllist (ACLLIST **al)
{
  ACLLIST *a, *next;
  if (!al) return;
  for (a = *al; a; a = next) {
    next = a->next;
    give (&a->identifier);
    give (&a->rights);
    fs_give ((void **) &a);
  }
  *al = NIL;
}

void mail_free_quotalist (QUOTALIST **ql)
{
  QUOTALIST *q, *next;
  if (!ql) return;
  for (q = *ql; q; q = next) {
    next = q->next;
    give (&q->name);
    fs_give ((void **) &q);
  }
  *ql = NIL;
}

/* A thread tree is binary (next = first child, branch = next sibling, as
 * mail.h says) and can be as deep as the longest reply chain.  Rotating
 * each branch up into the chain of next pointers frees it in O(n) time and
 * O(1) space, with no recursion. */
void mail_free_threadnode (THREADNODE **thr)
{
  THREADNODE *t, *b;
  if (!thr) return;
  for (t = *thr; t;) {
    if ((b = t->branch)) {	/* rotate: the sibling takes t's place */
      t->branch = b->next;
      b->next = t;
      t = b;
    }
    else {
      b = t->next;
      fs_give ((void **) &t);	/* t->sc belongs to the stream's sort cache */
      t = b;
    }
  }
  *thr = NIL;
}

/* ---------------------------------------------------------------------- */
/* Search programs: nesting is bounded by the parser (LIM_SEARCH_DEPTH),
 * but an application can build anything, so use a work list.            */

struct ptrstack {
  void **v;
  size_t n, cap;
};

static void push (struct ptrstack *s, void *p)
{
  if (!p) return;
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 32;
    fs_resize ((void **) &s->v, s->cap * sizeof (void *));
  }
  s->v[s->n++] = p;
}

static void *pop (struct ptrstack *s)
{
  return s->n ? s->v[--s->n] : NIL;
}

static void free_searchpgm_fields (SEARCHPGM *p, struct ptrstack *todo)
{
  SEARCHOR *or, *nor;
  SEARCHPGMLIST *pl, *npl;
  mail_free_searchset (&p->msgno);
  mail_free_searchset (&p->uid);
  for (or = p->or; or; or = nor) {
    nor = or->next;
    push (todo, or->first);
    push (todo, or->second);
    fs_give ((void **) &or);
  }
  for (pl = p->not; pl; pl = npl) {
    npl = pl->next;
    push (todo, pl->pgm);
    fs_give ((void **) &pl);
  }
  p->or = NIL;
  p->not = NIL;
  mail_free_searchheader (&p->header);
  mail_free_stringlist (&p->bcc);
  mail_free_stringlist (&p->body);
  mail_free_stringlist (&p->cc);
  mail_free_stringlist (&p->from);
  mail_free_stringlist (&p->keyword);
  mail_free_stringlist (&p->unkeyword);
  mail_free_stringlist (&p->subject);
  mail_free_stringlist (&p->text);
  mail_free_stringlist (&p->to);
  mail_free_stringlist (&p->return_path);
  mail_free_stringlist (&p->sender);
  mail_free_stringlist (&p->reply_to);
  mail_free_stringlist (&p->in_reply_to);
  mail_free_stringlist (&p->message_id);
  mail_free_stringlist (&p->newsgroups);
  mail_free_stringlist (&p->followup_to);
  mail_free_stringlist (&p->references);
}

void mail_free_searchpgm (SEARCHPGM **pgm)
{
  struct ptrstack todo = { NIL, 0, 0 };
  SEARCHPGM *p;
  if (!pgm || !*pgm) return;
  push (&todo, *pgm);
  while ((p = pop (&todo))) {
    free_searchpgm_fields (p, &todo);
    fs_give ((void **) &p);
  }
  give (&todo.v);
  *pgm = NIL;
}

void mail_free_searchor (SEARCHOR **orl)
{
  SEARCHOR *or, *next;
  if (!orl) return;
  for (or = *orl; or; or = next) {
    next = or->next;
    mail_free_searchpgm (&or->first);
    mail_free_searchpgm (&or->second);
    fs_give ((void **) &or);
  }
  *orl = NIL;
}

void mail_free_searchpgmlist (SEARCHPGMLIST **pgl)
{
  SEARCHPGMLIST *pl, *next;
  if (!pgl) return;
  for (pl = *pgl; pl; pl = next) {
    next = pl->next;
    mail_free_searchpgm (&pl->pgm);
    fs_give ((void **) &pl);
  }
  *pgl = NIL;
}

/* ---------------------------------------------------------------------- */
/* Envelopes and bodies                                                    */

void mail_free_envelope (ENVELOPE **env)
{
  ENVELOPE *e;
  if (!env || !(e = *env)) return;
  give (&e->remail);
  mail_free_address (&e->return_path);
  give (&e->date);
  mail_free_address (&e->from);
  mail_free_address (&e->sender);
  mail_free_address (&e->reply_to);
  give (&e->subject);
  mail_free_address (&e->to);
  mail_free_address (&e->cc);
  mail_free_address (&e->bcc);
  give (&e->in_reply_to);
  give (&e->message_id);
  give (&e->newsgroups);
  give (&e->followup_to);
  give (&e->references);
  if (e->sparep && core_state ()->free_envelope_sparep)
    (*core_state ()->free_envelope_sparep) (&e->sparep);
  fs_give ((void **) env);
}

/* Free what one BODY owns directly; queue nested bodies on todo and the
 * blocks that embed or hold them (PARTs, MESSAGEs, BODYs) on blocks, which
 * are freed only after every queued body has been emptied. */
static void body_data_one (BODY *b, struct ptrstack *todo,
			   struct ptrstack *blocks)
{
  PART *part, *next;
  MESSAGE *msg;
  give (&b->subtype);
  mail_free_body_parameter (&b->parameter);
  give (&b->id);
  give (&b->description);
  give (&b->disposition.type);
  mail_free_body_parameter (&b->disposition.parameter);
  mail_free_stringlist (&b->language);
  give (&b->location);
  give (&b->mime.text.data);
  give (&b->contents.text.data);
  give (&b->md5);
  if (b->sparep && core_state ()->free_body_sparep)
    (*core_state ()->free_body_sparep) (&b->sparep);
  switch (b->type) {
  case TYPEMULTIPART:
    for (part = b->nested.part; part; part = next) {
      next = part->next;
      push (todo, &part->body);
      push (blocks, part);
    }
    b->nested.part = NIL;
    break;
  case TYPEMESSAGE:
    if ((msg = b->nested.msg)) {
      mail_free_envelope (&msg->env);
      if (msg->body) {
	push (todo, msg->body);
	push (blocks, msg->body);
      }
      give (&msg->full.text.data);
      mail_free_stringlist (&msg->lines);
      give (&msg->header.text.data);
      give (&msg->text.text.data);
      push (blocks, msg);
    }
    b->nested.msg = NIL;
    break;
  }
}

void mail_free_body_data (BODY *body)
{
  struct ptrstack todo = { NIL, 0, 0 }, blocks = { NIL, 0, 0 };
  BODY *b;
  void *p;
  if (!body) return;
  push (&todo, body);
  while ((b = pop (&todo))) body_data_one (b, &todo, &blocks);
  while ((p = pop (&blocks))) fs_give (&p);
  give (&todo.v);
  give (&blocks.v);
}

void mail_free_body (BODY **body)
{
  if (!body || !*body) return;
  mail_free_body_data (*body);
  fs_give ((void **) body);
}

void mail_free_body_part (PART **part)
{
  PART *p, *next;
  if (!part) return;
  for (p = *part; p; p = next) {
    next = p->next;
    mail_free_body_data (&p->body);
    fs_give ((void **) &p);
  }
  *part = NIL;
}

/* ---------------------------------------------------------------------- */
/* Cache elements and garbage collection                                    */

void mail_free_elt (MESSAGECACHE **elt)
{
  MESSAGECACHE *e;
  if (!elt || !(e = *elt)) return;
  /* only the last reference frees it; a locked elt survives its message */
  if (e->lockcount && --e->lockcount) {
    *elt = NIL;
    return;
  }
  mail_gc_msg (&e->private.msg, GC_ENV | GC_TEXTS);
  give (&e->private.special.text.data);
  if (e->sparep && core_state ()->free_elt_sparep)
    (*core_state ()->free_elt_sparep) (&e->sparep);
  fs_give ((void **) elt);
}

void core_free_sortcache (SORTCACHE **sc)
{
  SORTCACHE *s;
  if (!sc || !(s = *sc)) return;
  give (&s->from);
  give (&s->to);
  give (&s->cc);
  give (&s->subject);
  /* unique may point at message_id (UW's convention): free it once */
  if (s->unique && s->unique != s->message_id) fs_give ((void **) &s->unique);
  give (&s->message_id);
  mail_free_stringlist (&s->references);
  fs_give ((void **) sc);
}

void mail_gc_body (BODY *body)
{
  struct ptrstack todo = { NIL, 0, 0 };
  PART *part;
  BODY *b;
  if (!body) return;
  push (&todo, body);
  while ((b = pop (&todo))) {
    if (b->type == TYPEMULTIPART)
      for (part = b->nested.part; part; part = part->next) push (&todo, &part->body);
    else if (b->type == TYPEMESSAGE && b->nested.msg) {
      MESSAGE *m = b->nested.msg;
      /* the sizes came from the parser and locate the texts: keep them */
      give (&m->full.text.data);
      give (&m->header.text.data);
      give (&m->text.text.data);
      mail_free_stringlist (&m->lines);
      push (&todo, m->body);
    }
    give (&b->mime.text.data);
    give (&b->contents.text.data);
    /* keep sizes: they describe the part, not the cached copy */
  }
  give (&todo.v);
}

void mail_gc_msg (MESSAGE *msg, long gcflags)
{
  if (!msg) return;
  if (gcflags & GC_ENV) {
    mail_free_envelope (&msg->env);
    mail_free_body (&msg->body);
  }
  if (gcflags & GC_TEXTS) {
    /* sizes stay: drivers and the parser keep lengths there (UW) */
    give (&msg->full.text.data);
    give (&msg->header.text.data);
    give (&msg->text.text.data);
    mail_free_stringlist (&msg->lines);
    if (msg->body) mail_gc_body (msg->body);
  }
}

void mail_gc (MAILSTREAM *stream, long gcflags)
{
  MESSAGECACHE *elt;
  unsigned long i;
  if (!stream) return;
  if (stream->dtb && stream->dtb->gc) (*stream->dtb->gc) (stream, gcflags);
  stream->msgno = 0;		/* no "current" message any more */
  if (gcflags & GC_ENV) {
    mail_free_envelope (&stream->env);
    mail_free_body (&stream->body);
  }
  if (gcflags & GC_TEXTS) {
    give (&stream->text.data);
    stream->text.size = 0;
  }
  if (gcflags & (GC_ENV | GC_TEXTS))
    for (i = 1; i <= stream->nmsgs; i++)
      if ((elt = (MESSAGECACHE *) CORE_CACHE (stream, i, CH_ELT)))
	mail_gc_msg (&elt->private.msg, gcflags);
}

void mail_free_cache (MAILSTREAM *stream)
{
  if (!stream) return;
  mail_gc (stream, GC_ELT | GC_ENV | GC_TEXTS);
  CORE_CACHE (stream, 0, CH_INIT);	/* frees elts and the arrays */
}

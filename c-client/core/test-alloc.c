/*
 * Unit tests: constructors and destructors (core/alloc.c).  Run under
 * ASan/LSan for the real verdict: every structure built here must be
 * freed completely, and deep or long structures must not overflow the
 * stack.
 */
#include <string.h>
#include <stdlib.h>
#include "unit.h"
#include "core.h"

#define LONG_LIST 100000
#define DEEP 100000

static int sparep_env, sparep_body, sparep_elt;
static void free_env_sparep (void **p) { sparep_env++; fs_give (p); }
static void free_body_sparep (void **p) { sparep_body++; fs_give (p); }
static void free_elt_sparep (void **p) { sparep_elt++; fs_give (p); }

static void test_nil_safe (void)
{
  ENVELOPE *env = NIL;
  BODY *body = NIL;
  ADDRESS *adr = NIL;
  PARAMETER *par = NIL;
  PART *part = NIL;
  STRINGLIST *sl = NIL;
  SEARCHPGM *pgm = NIL;
  SEARCHHEADER *sh = NIL;
  SEARCHSET *ss = NIL;
  SEARCHOR *so = NIL;
  SEARCHPGMLIST *spl = NIL;
  SORTPGM *sp = NIL;
  THREADNODE *tn = NIL;
  ACLLIST *al = NIL;
  QUOTALIST *ql = NIL;
  NAMESPACE *ns = NIL;
  MESSAGECACHE *elt = NIL;
  mail_free_envelope (&env);
  mail_free_body (&body);
  mail_free_address (&adr);
  mail_free_body_parameter (&par);
  mail_free_body_part (&part);
  mail_free_stringlist (&sl);
  mail_free_searchpgm (&pgm);
  mail_free_searchheader (&sh);
  mail_free_searchset (&ss);
  mail_free_searchor (&so);
  mail_free_searchpgmlist (&spl);
  mail_free_sortpgm (&sp);
  mail_free_threadnode (&tn);
  mail_free_acllist (&al);
  mail_free_quotalist (&ql);
  mail_free_namespace (&ns);
  mail_free_elt (&elt);
  /* and the pointer-to-pointer itself may be NIL */
  mail_free_envelope (NIL);
  mail_free_body (NIL);
  mail_free_address (NIL);
  mail_free_stringlist (NIL);
  mail_free_searchpgm (NIL);
  mail_free_threadnode (NIL);
  mail_free_body_data (NIL);
  mail_gc_body (NIL);
  mail_gc_msg (NIL, GC_ENV | GC_TEXTS);
  mail_gc (NIL, GC_ENV);
  mail_free_cache (NIL);
  CHECK (!env && !body && !adr && !par && !part && !sl && !pgm && !sh && !ss &&
	 !so && !spl && !sp && !tn && !al && !ql && !ns && !elt);
}

static void test_constructors (void)
{
  BODY *b = mail_newbody ();
  PART *p = mail_newbody_part ();
  SEARCHHEADER *h = mail_newsearchheader ("Subject", "hi");
  SEARCHOR *or = mail_newsearchor ();
  SEARCHPGMLIST *pl = mail_newsearchpgmlist ();
  MESSAGECACHE *elt = mail_new_cache_elt (7);
  THREADNODE *t = mail_newthreadnode (NIL);
  CHECK (b->type == TYPETEXT && b->encoding == ENC7BIT && !b->subtype);
  CHECK (p->body.type == TYPETEXT && !p->next);
  CHECK (h->line.size == 7 && !strcmp ((char *) h->line.data, "Subject"));
  CHECK (h->text.size == 2);
  CHECK (or->first && or->second);
  CHECK (pl->pgm != NIL);
  CHECK (elt->msgno == 7 && elt->lockcount == 1);
  CHECK (!t->branch && !t->next && !t->sc);
  mail_free_body (&b);
  CHECK (b == NIL);
  mail_free_body_part (&p);
  mail_free_searchheader (&h);
  mail_free_searchor (&or);
  mail_free_searchpgmlist (&pl);
  mail_free_elt (&elt);
  CHECK (elt == NIL);
  mail_free_threadnode (&t);
  CHECK (t == NIL);
}

static ADDRESS *long_address_list (unsigned long n)
{
  ADDRESS *head = NIL, **tail = &head;
  unsigned long i;
  for (i = 0; i < n; i++) {
    *tail = mail_newaddr ();
    (*tail)->mailbox = cpystr ("user");
    (*tail)->host = cpystr ("example.com");
    if (i & 1) (*tail)->personal = cpystr ("Some One");
    if (!(i % 1000)) (*tail)->orcpt.addr = cpystr ("rfc822;x@y");
    tail = &(*tail)->next;
  }
  return head;
}

static void test_lists (void)
{
  ENVELOPE *env = mail_newenvelope ();
  STRINGLIST *sl = NIL, **st = &sl;
  PARAMETER *par = NIL, **pt = &par;
  SEARCHSET *set = NIL, **ss = &set;
  NAMESPACE *ns = NIL, **nt = &ns;
  ACLLIST *al = NIL, **at = &al;
  QUOTALIST *ql = NIL, **qt = &ql;
  SORTPGM *sp = NIL, **spt = &sp;
  unsigned long i;
  env->from = long_address_list (LONG_LIST);
  env->to = long_address_list (10);
  env->subject = cpystr ("s");
  env->date = (unsigned char *) cpystr ("d");
  env->message_id = cpystr ("<m@x>");
  env->references = cpystr ("<a@x> <b@x>");
  env->sparep = fs_get (16);
  mail_parameters (NIL, SET_FREEENVELOPESPAREP, (void *) free_env_sparep);
  mail_free_envelope (&env);
  CHECK (env == NIL);
  CHECK_INTEQ (sparep_env, 1);
  mail_parameters (NIL, SET_FREEENVELOPESPAREP, NIL);

  for (i = 0; i < LONG_LIST; i++) {
    *st = mail_newstringlist ();
    (*st)->text.data = (unsigned char *) cpystr ("x");
    (*st)->text.size = 1;
    st = &(*st)->next;
    *pt = mail_newbody_parameter ();
    (*pt)->attribute = cpystr ("A");
    (*pt)->value = cpystr ("v");
    pt = &(*pt)->next;
    *ss = mail_newsearchset ();
    ss = &(*ss)->next;
  }
  for (i = 0; i < 1000; i++) {
    *nt = memset (fs_get (sizeof (NAMESPACE)), 0, sizeof (NAMESPACE));
    (*nt)->name = cpystr ("#x/");
    (*nt)->param = mail_newbody_parameter ();
    (*nt)->param->attribute = cpystr ("X");
    nt = &(*nt)->next;
    *at = mail_newacllist ();
    (*at)->identifier = cpystr ("anyone");
    (*at)->rights = cpystr ("lr");
    at = &(*at)->next;
    *qt = mail_newquotalist ();
    (*qt)->name = cpystr ("STORAGE");
    qt = &(*qt)->next;
    *spt = mail_newsortpgm ();
    spt = &(*spt)->next;
  }
  mail_free_stringlist (&sl);
  mail_free_body_parameter (&par);
  mail_free_searchset (&set);
  mail_free_namespace (&ns);
  mail_free_acllist (&al);
  mail_free_quotalist (&ql);
  mail_free_sortpgm (&sp);
  CHECK (!sl && !par && !set && !ns && !al && !ql && !sp);
}

static void test_threads (void)
{
  THREADNODE *root = NIL, **t = &root, *n;
  unsigned long i, j;
  /* a reply chain DEEP levels deep (branch pointers) */
  for (i = 0; i < DEEP; i++) {
    *t = mail_newthreadnode (NIL);
    (*t)->num = i + 1;
    t = &(*t)->branch;
  }
  mail_free_threadnode (&root);
  CHECK (root == NIL);
  /* DEEP siblings, each with a few children */
  t = &root;
  for (i = 0; i < DEEP / 10; i++) {
    *t = n = mail_newthreadnode (NIL);
    for (j = 0; j < 3; j++) {
      THREADNODE *c = mail_newthreadnode (NIL);
      c->next = n->branch;
      n->branch = c;
      c->branch = mail_newthreadnode (NIL);
    }
    t = &(*t)->next;
  }
  mail_free_threadnode (&root);
  CHECK (root == NIL);
}

/* A multipart nested DEEP levels (one part each) with a message/rfc822
 * every 10 levels, and a long part list at the bottom. */
static BODY *deep_body (unsigned long depth, unsigned long width)
{
  BODY *top = mail_newbody (), *b = top;
  PART **pt;
  unsigned long i;
  for (i = 0; i < depth; i++) {
    b->subtype = cpystr ("MIXED");
    b->description = cpystr ("level");
    b->mime.text.data = (unsigned char *) cpystr ("Content-Type: x\r\n\r\n");
    b->parameter = mail_newbody_parameter ();
    b->parameter->attribute = cpystr ("BOUNDARY");
    b->parameter->value = cpystr ("b");
    b->disposition.type = cpystr ("INLINE");
    b->language = mail_newstringlist ();
    b->language->text.data = (unsigned char *) cpystr ("en");
    b->sparep = fs_get (8);
    if (i % 10 == 9) {
      b->type = TYPEMESSAGE;
      fs_give ((void **) &b->subtype);
      b->subtype = cpystr ("RFC822");
      b->nested.msg = mail_newmsg ();
      b->nested.msg->env = mail_newenvelope ();
      b->nested.msg->env->subject = cpystr ("inner");
      b->nested.msg->header.text.data = (unsigned char *) cpystr ("h");
      b = b->nested.msg->body = mail_newbody ();
    }
    else {
      b->type = TYPEMULTIPART;
      b->nested.part = mail_newbody_part ();
      b = &b->nested.part->body;
    }
  }
  b->type = TYPEMULTIPART;
  b->subtype = cpystr ("MIXED");
  for (pt = &b->nested.part, i = 0; i < width; i++) {
    *pt = mail_newbody_part ();
    (*pt)->body.subtype = cpystr ("PLAIN");
    (*pt)->body.contents.text.data = (unsigned char *) cpystr ("text");
    pt = &(*pt)->next;
  }
  return top;
}

static void test_bodies (void)
{
  BODY *b;
  MESSAGE msg;
  sparep_body = 0;
  mail_parameters (NIL, SET_FREEBODYSPAREP, (void *) free_body_sparep);
  b = deep_body (DEEP, LONG_LIST);
  mail_gc_body (b);		/* drops cached texts only */
  CHECK (b->mime.text.data == NIL && b->subtype != NIL);
  mail_free_body (&b);
  CHECK (b == NIL);
  CHECK_INTEQ (sparep_body, DEEP);

  /* mail_free_body_data leaves the BODY itself (e.g. inside a PART) */
  {
    PART *p = mail_newbody_part ();
    p->body.type = TYPEMULTIPART;
    p->body.nested.part = mail_newbody_part ();
    p->body.subtype = cpystr ("MIXED");
    mail_free_body_data (&p->body);
    CHECK (p->body.nested.part == NIL && p->body.subtype == NIL);
    fs_give ((void **) &p);
  }
  /* mail_gc_msg */
  memset (&msg, 0, sizeof msg);
  msg.env = mail_newenvelope ();
  msg.body = deep_body (20, 5);
  msg.header.text.data = (unsigned char *) cpystr ("hdr");
  msg.header.text.size = 3;
  msg.full.text.data = (unsigned char *) cpystr ("full");
  msg.lines = mail_newstringlist ();
  msg.lines->text.data = (unsigned char *) cpystr ("Subject");
  mail_gc_msg (&msg, GC_TEXTS);
  CHECK (!msg.header.text.data && !msg.full.text.data && !msg.lines &&
	 msg.header.text.size == 3 && msg.env && msg.body);	/* size kept */
  mail_gc_msg (&msg, GC_ENV);
  CHECK (!msg.env && !msg.body);
  CHECK_INTEQ (sparep_body, DEEP + 20);
  mail_parameters (NIL, SET_FREEBODYSPAREP, NIL);
}

static void test_searchpgm (void)
{
  SEARCHPGM *top = mail_newsearchpgm (), *p = top;
  unsigned long i;
  for (i = 0; i < DEEP; i++) {	/* NOT (OR x (NOT ...)) ... */
    SEARCHPGMLIST *pl = mail_newsearchpgmlist ();
    SEARCHOR *or = mail_newsearchor ();
    p->subject = mail_newstringlist ();
    p->subject->text.data = (unsigned char *) cpystr ("s");
    p->msgno = mail_newsearchset ();
    p->header = mail_newsearchheader ("X-A", "b");
    or->first->from = mail_newstringlist ();
    or->first->from->text.data = (unsigned char *) cpystr ("f");
    p->or = or;
    p->not = pl;
    p = (i & 1) ? pl->pgm : or->second;
  }
  mail_free_searchpgm (&top);
  CHECK (top == NIL);
}

static void test_elts (void)
{
  MESSAGECACHE *elt = mail_new_cache_elt (1), *copy;
  sparep_elt = 0;
  mail_parameters (NIL, SET_FREEELTSPAREP, (void *) free_elt_sparep);
  elt->private.msg.env = mail_newenvelope ();
  elt->private.msg.body = mail_newbody ();
  elt->private.msg.text.text.data = (unsigned char *) cpystr ("t");
  elt->private.special.text.data = (unsigned char *) cpystr ("From x");
  elt->sparep = fs_get (4);
  elt->lockcount++;		/* a second holder */
  copy = elt;
  mail_free_elt (&copy);	/* first release: still alive */
  CHECK (copy == NIL);
  CHECK (elt->lockcount == 1 && elt->private.msg.env != NIL);
  mail_free_elt (&elt);		/* last: freed */
  CHECK (elt == NIL);
  CHECK_INTEQ (sparep_elt, 1);
  mail_parameters (NIL, SET_FREEELTSPAREP, NIL);
}

int main (void)
{
  ENVELOPE *e;
  test_nil_safe ();
  test_constructors ();
  test_lists ();
  test_threads ();
  test_bodies ();
  test_searchpgm ();
  test_elts ();
  e = mail_newenvelope ();
  CHECK (e != NIL);
  mail_free_envelope (&e);
  return unit_done ();
}

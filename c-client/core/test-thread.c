/*
 * Unit tests for core/thread.c's pure part: Message-ID parsing and the
 * RFC 5256 REFERENCES / ORDEREDSUBJECT builders.  THREAD over a mailbox is
 * tested in test-search.c (it has the in-memory test driver).
 *
 * Trees are rendered in IMAP THREAD response form: "(1 2 (3)(4))"; a
 * dummy prints no number, so a missing parent of 2 and 3 is "((2)(3))".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "search-int.h"
#include "unit.h"
#include "thread-render.h"

/* ---- Message-ID parsing ---- */

static const struct {
  const char *in;
  const char *ids[4];		/* expected ids, NULL-terminated */
} mids[] = {
  { "<a@b>", { "a@b", NULL } },
  { "  <a@b> <c@d>\r\n\t<e@f>", { "a@b", "c@d", "e@f", NULL } },
  { "<\"01KF8JCEOCBS0045PS\"@xxx.yyy.com>",
    { "01KF8JCEOCBS0045PS@xxx.yyy.com", NULL } },
  { "<01KF8JCEOCBS0045PS@xxx.yyy.com>",
    { "01KF8JCEOCBS0045PS@xxx.yyy.com", NULL } },
  { "<\"a\\\"b\"@c>", { "a\"b@c", NULL } },
  { "< a @ b >", { "a@b", NULL } },
  { "<a(comment)@b(x)>", { "a@b", NULL } },
  { "<a.b.c@d.e>", { "a.b.c@d.e", NULL } },
  { "<a . b@d>", { "a.b@d", NULL } },
  { "(<x@y>) <a@b>", { "a@b", NULL } },
  { "(nested (<x@y>)) <a@b>", { "a@b", NULL } },
  { "Your message of Mon, 1 Jan <a@b> (sent by x@y)", { "a@b", NULL } },
  { "<a@[1.2.3.4]>", { "a@[1.2.3.4]", NULL } },
  { "<<a@b>>", { "a@b", NULL } },
  { "<A@B> <a@b>", { "A@B", "a@b", NULL } },	/* case is kept */
  { "<ab>", { NULL } },
  { "<@b>", { NULL } },
  { "<a@>", { NULL } },
  { "<a@b", { NULL } },
  { "<a b@c> <d@e>", { "d@e", NULL } },
  { "<a@b c>", { NULL } },
  { "<\"unterminated@b>", { NULL } },
  { "", { NULL } },
  { "<>", { NULL } },
  { "(unterminated <a@b>", { NULL } },
};

static void test_msgid (void)
{
  size_t i, j;
  for (i = 0; i < sizeof mids / sizeof mids[0]; i++) {
    const char *s = mids[i].in, *end = s + strlen (s);
    for (j = 0;; j++) {
      char *id = thread_msgid_next (&s, end);
      if (!CHECK_STREQ (id, mids[i].ids[j]))
	printf ("  input: %s (id %zu)\n", mids[i].in, j);
      if (!id || !mids[i].ids[j]) {
	if (id) fs_give ((void **) &id);
	break;
      }
      fs_give ((void **) &id);
    }
    CHECK (s == end);
  }
}

/* ---- REFERENCES ---- */

struct tm_in {			/* one message of a case */
  unsigned long date;
  const char *subject;		/* base subject (already stripped) */
  int refwd;
  const char *mid, *refs, *irt;
};

static char *run_refs (const struct tm_in *in, unsigned long n, int ordered)
{
  struct thread_msg *m = fs_get ((n ? n : 1) * sizeof *m);
  THREADNODE *t;
  char *r;
  unsigned long i;
  for (i = 0; i < n; i++) {
    memset (&m[i], 0, sizeof m[i]);
    m[i].num = m[i].seq = i + 1;
    m[i].date = in[i].date;
    m[i].subject = in[i].subject;
    m[i].refwd = in[i].refwd;
    m[i].message_id = in[i].mid;
    m[i].references = in[i].refs;
    m[i].in_reply_to = in[i].irt;
  }
  t = ordered ? thread_build_orderedsubject (m, n)
    : thread_build_references (m, n);
  r = thread_render (t);
  mail_free_threadnode (&t);
  fs_give ((void **) &m);
  return r;
}

#define MAXM 8
static const struct {
  const char *name;
  unsigned long n;
  struct tm_in m[MAXM];
  const char *out;
} refcases[] = {
  { "chain", 3, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 2, "A", 1, "<b@x>", "<a@x>", NULL },
      { 3, "A", 1, "<c@x>", "<a@x> <b@x>", NULL } }, "(1 2 3)" },
  { "siblings", 3, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 3, "A", 1, "<b@x>", "<a@x>", NULL },
      { 2, "A", 1, "<c@x>", "<a@x>", NULL } }, "(1 (3)(2))" },
  { "missing parent, two children", 2, {
      { 1, "B", 0, "<b@x>", "<gone@x>", NULL },
      { 2, "C", 0, "<c@x>", "<gone@x>", NULL } }, "((1)(2))" },
  { "missing parent, one child is promoted", 1, {
      { 1, "B", 0, "<b@x>", "<gone@x> <gone2@x>", NULL } }, "(1)" },
  { "missing grandparent inside a thread", 3, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 2, "A", 1, "<c@x>", "<a@x> <gone@x>", NULL },
      { 3, "A", 1, "<d@x>", "<a@x> <gone@x>", NULL } }, "(1 (2)(3))" },
  { "reference loop", 2, {
      { 1, "A", 0, "<a@x>", "<b@x>", NULL },
      { 2, "B", 0, "<b@x>", "<a@x>", NULL } }, "(2 1)" },
  { "self reference", 1, {
      { 1, "A", 0, "<a@x>", "<a@x>", NULL } }, "(1)" },
  { "self reference in the middle", 2, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 2, "B", 0, "<b@x>", "<a@x> <b@x> <c@x>", NULL } }, "(1)(2)" },
  { "duplicate Message-IDs: the first keeps it", 3, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 2, "B", 0, "<a@x>", NULL, NULL },
      { 3, "C", 0, "<c@x>", "<a@x>", NULL } }, "(1 3)(2)" },
  { "no Message-ID", 2, {
      { 1, "A", 0, NULL, NULL, NULL },
      { 2, "B", 0, "garbage", "<a@x>", NULL } }, "(1)(2)" },
  { "In-Reply-To when no References", 2, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 2, "Q", 0, "<b@x>", NULL, "your message <a@x> of today <z@x>" } },
    "(1 2)" },
  { "In-Reply-To when References has no valid id", 2, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 2, "Q", 0, "<b@x>", "junk <not an id>", "<a@x>" } }, "(1 2)" },
  { "References win over In-Reply-To", 3, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 2, "B", 0, "<b@x>", NULL, NULL },
      { 3, "Q", 0, "<c@x>", "<b@x>", "<a@x>" } }, "(1)(2 3)" },
  { "existing link kept (truncated References)", 3, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 2, "A", 1, "<b@x>", "<a@x>", NULL },
      { 3, "A", 1, "<c@x>", "<other@x> <b@x>", NULL } }, "(1 2 3)" },
  { "links made by another message's References stay", 3, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 2, "Q", 0, "<q@x>", "<b@x> <a@x>", NULL },
      { 3, "B", 0, "<b@x>", NULL, NULL } }, "(3 1 2)" },
  { "1B replaces a parent guessed from another References", 3, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 2, "Q", 0, "<q@x>", "<z@x> <c@x>", NULL },
      { 3, "C", 0, "<c@x>", "<a@x>", NULL } }, "(1 3 2)" },
  { "top level sorted by sent date, ties by number", 4, {
      { 300, "A", 0, "<a@x>", NULL, NULL },
      { 100, "B", 0, "<b@x>", NULL, NULL },
      { 300, "C", 0, "<c@x>", NULL, NULL },
      { 200, "D", 0, "<d@x>", NULL, NULL } }, "(2)(4)(1)(3)" },
  { "subject: reply joins the original", 2, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 2, "A", 1, "<b@x>", NULL, NULL } }, "(1 2)" },
  { "subject: reply first, original later", 2, {
      { 1, "A", 1, "<b@x>", NULL, NULL },
      { 2, "A", 0, "<a@x>", NULL, NULL } }, "(2 1)" },
  { "subject: two originals get a dummy parent", 3, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 2, "A", 0, "<b@x>", NULL, NULL },
      { 3, "A", 1, "<c@x>", NULL, NULL } }, "((1)(2)(3))" },
  { "subject: two replies get a dummy parent", 2, {
      { 1, "A", 1, "<a@x>", NULL, NULL },
      { 2, "A", 1, "<b@x>", NULL, NULL } }, "((1)(2))" },
  { "subject: empty subjects are not grouped", 2, {
      { 1, "", 0, "<a@x>", NULL, NULL },
      { 2, "", 0, "<b@x>", NULL, NULL } }, "(1)(2)" },
  { "subject: a dummy thread collects the message", 3, {
      { 1, "S", 0, "<b@x>", "<gone@x>", NULL },
      { 2, "S", 1, "<c@x>", "<gone@x>", NULL },
      { 3, "S", 0, "<d@x>", NULL, NULL } }, "((1)(2)(3))" },
  { "subject: two dummy threads merge", 4, {
      { 1, "S", 0, "<b@x>", "<gone@x>", NULL },
      { 2, "S", 1, "<c@x>", "<gone@x>", NULL },
      { 3, "S", 0, "<d@x>", "<gone2@x>", NULL },
      { 4, "S", 1, "<e@x>", "<gone2@x>", NULL } }, "((1)(2)(3)(4))" },
  /* RFC 5256 5.B.i: a dummy's thread subject is its earliest child's.
   * UW took the first child linked (here 2) and merged 1 in: ((1)(3)(2)) */
  { "dummy thread subject from its earliest child", 3, {
      { 50, "M", 1, "<c@x>", NULL, NULL },
      { 300, "M", 1, "<a@x>", NULL, "<x@x>" },
      { 200, "H", 0, "<b@x>", NULL, "<x@x>" } }, "(1)((3)(2))" },
  { "children sorted by date at every level", 5, {
      { 1, "A", 0, "<a@x>", NULL, NULL },
      { 50, "A", 1, "<b@x>", "<a@x>", NULL },
      { 40, "A", 1, "<c@x>", "<a@x>", NULL },
      { 30, "A", 1, "<d@x>", "<a@x> <b@x>", NULL },
      { 20, "A", 1, "<e@x>", "<a@x> <b@x>", NULL } },
    "(1 (3)(2 (5)(4)))" },
};

static void test_references (void)
{
  size_t i;
  for (i = 0; i < sizeof refcases / sizeof refcases[0]; i++) {
    char *got = run_refs (refcases[i].m, refcases[i].n, 0);
    if (!CHECK_STREQ (got, refcases[i].out))
      printf ("  case: %s\n", refcases[i].name);
    fs_give ((void **) &got);
  }
  CHECK (thread_build_references (NIL, 0) == NIL);
}

static void test_orderedsubject (void)
{
  static const struct tm_in m[] = {
    { 100, "A", 0, NULL, NULL, NULL },
    { 50, "B", 0, NULL, NULL, NULL },
    { 200, "A", 1, NULL, NULL, NULL },
    { 150, "A", 1, NULL, NULL, NULL },
    { 10, "C", 0, NULL, NULL, NULL },
    { 100, "A", 0, NULL, NULL, NULL },
    { 5, NULL, 0, NULL, NULL, NULL },
    { 6, "", 0, NULL, NULL, NULL },
  };
  char *got = run_refs (m, 8, 1);
  /* A: 1(100) 6(100) 4(150) 3(200): 1 heads, 6 is its child, 4 and 3 are
   * 6's siblings.  Threads by their first message's date. */
  CHECK_STREQ (got, "(7 8)(5)(2)(1 (6)(4)(3))");
  fs_give ((void **) &got);
  got = run_refs (m, 1, 1);
  CHECK_STREQ (got, "(1)");
  fs_give ((void **) &got);
  CHECK (thread_build_orderedsubject (NIL, 0) == NIL);
}

/* ---- hostile input ---- */

static void test_hostile (void)
{
  unsigned long i, n;
  struct thread_msg *m;
  struct buf refs = BUF_INIT;
  char **ids;
  THREADNODE *t, *p;
  int ok;

  /* a References header of 30000 ids (all missing): bounded, and the
   * dummies vanish */
  for (i = 0; i < 30000; i++) buf_printf (&refs, "<r%lu@x> ", i);
  m = fs_get (2 * sizeof *m);
  memset (m, 0, 2 * sizeof *m);
  m[0].num = m[0].seq = 1;
  m[0].message_id = "<a@x>";
  m[0].references = refs.data;
  m[0].subject = "A";
  m[1].num = m[1].seq = 2;
  m[1].message_id = "<b@x>";
  m[1].references = refs.data;
  m[1].subject = "B";
  t = thread_build_references (m, 2);
  {
    char *r = thread_render (t);
    CHECK_STREQ (r, "((1)(2))");
    fs_give ((void **) &r);
  }
  mail_free_threadnode (&t);
  fs_give ((void **) &m);
  buf_free (&refs);

  /* a reply chain 50000 deep: no recursion anywhere */
  n = 50000;
  m = fs_get (n * sizeof *m);
  ids = fs_get (n * sizeof *ids);
  for (i = 0; i < n; i++) {
    char tmp[64];
    snprintf (tmp, sizeof tmp, "<m%lu@x>", i);
    ids[i] = cpystr (tmp);
  }
  for (i = 0; i < n; i++) {
    memset (&m[i], 0, sizeof m[i]);
    m[i].num = m[i].seq = i + 1;
    m[i].date = i;
    m[i].subject = "DEEP";
    m[i].refwd = i > 0;
    m[i].message_id = ids[i];
    m[i].in_reply_to = i ? ids[i - 1] : NIL;
  }
  t = thread_build_references (m, n);
  for (ok = t != NIL, p = t, i = 1; p && ok; p = p->next, i++)
    ok = p->num == i && !p->branch;
  CHECK (ok && i == n + 1);
  mail_free_threadnode (&t);

  /* 50000 replies to one message, in reverse date order */
  for (i = 0; i < n; i++) {
    m[i].date = n - i;
    m[i].in_reply_to = i ? ids[0] : NIL;
  }
  m[0].date = 0;
  t = thread_build_references (m, n);
  ok = t && t->num == 1 && !t->branch && t->next;
  for (p = t ? t->next : NIL, i = n; p && ok; p = p->branch, i--)
    ok = p->num == i && !p->next;
  CHECK (ok && i == 1);
  mail_free_threadnode (&t);

  /* every message claims the same Message-ID and references itself */
  for (i = 0; i < n; i++) {
    m[i].date = i;
    m[i].message_id = ids[0];
    m[i].references = ids[0];
    m[i].in_reply_to = NIL;
    m[i].subject = "";
  }
  t = thread_build_references (m, n);
  /* message 1 has the id; 2..n hang under it */
  CHECK (t && t->num == 1 && !t->branch && t->next);
  mail_free_threadnode (&t);

  for (i = 0; i < n; i++) fs_give ((void **) &ids[i]);
  fs_give ((void **) &ids);
  fs_give ((void **) &m);
}

/* The builder reuses scratch space (the id buffer, the references ring)
 * from message to message and keeps ids in a pool: a later message must
 * never see an earlier one's references, and long ids must survive */
static void test_scratch_reuse (void)
{
  struct buf refs = BUF_INIT, longid = BUF_INIT, longref = BUF_INIT;
  struct thread_msg m[5];
  THREADNODE *t;
  char *r;
  unsigned long i;

  for (i = 0; i < 40; i++) buf_printf (&refs, "<r%lu@x> ", i);
  buf_puts (&longid, "<");
  for (i = 0; i < 40000; i++) buf_putc (&longid, 'a' + i % 26);
  buf_puts (&longid, "@long>");
  buf_printf (&longref, "<zz@x> %s", longid.data);
  memset (m, 0, sizeof m);
  for (i = 0; i < 5; i++) {
    m[i].num = m[i].seq = i + 1;
    m[i].date = i;
  }
  m[0].message_id = "<a@x>";
  m[0].references = refs.data;	/* 40 refs: under a dummy r39 */
  m[0].subject = "A";
  m[1].message_id = "<b@x>";
  m[1].references = "<q@x> <a@x>";	/* 2 refs: a's child, not r39's */
  m[1].subject = "B";
  m[2].message_id = longid.data;	/* a 40 KB id */
  m[2].subject = "C";
  m[3].message_id = "<d@x>";
  m[3].references = longref.data;	/* its parent is the long id */
  m[3].subject = "D";
  m[4].message_id = "<e@x>";
  m[4].in_reply_to = "<b@x>";
  m[4].subject = "E";
  t = thread_build_references (m, 5);
  r = thread_render (t);
  CHECK_STREQ (r, "(1 2 5)(3 4)");
  fs_give ((void **) &r);
  mail_free_threadnode (&t);
  /* the same messages again: nothing is left over from the first run */
  t = thread_build_references (m, 5);
  r = thread_render (t);
  CHECK_STREQ (r, "(1 2 5)(3 4)");
  fs_give ((void **) &r);
  mail_free_threadnode (&t);
  buf_free (&refs);
  buf_free (&longid);
  buf_free (&longref);
}

static void test_threaders (void)
{
  THREADER *t = mail_threaders ();
  CHECK (t && !strcmp (t->name, "ORDEREDSUBJECT"));
  CHECK (t && t->next && !strcmp (t->next->name, "REFERENCES"));
  CHECK (t && t->next && !t->next->next);
  CHECK (mail_parameters (NIL, GET_THREADERS, NIL) == (void *) t);
}

int main (void)
{
  test_msgid ();
  test_references ();
  test_orderedsubject ();
  test_hostile ();
  test_scratch_reuse ();
  test_threaders ();
  return unit_done ();
}

/*
 * Test helper shared by c-client/core/test-thread.c and test-search.c:
 * a THREADNODE forest as text in IMAP THREAD response form, e.g.
 * "(1 (6)(2 3)(4))(5)"; a dummy node prints no number.  The caller frees
 * the result with fs_give().  Include after c-client.h (or an internal
 * header that includes it) and buf.h.
 */
#ifndef BAMBOO_TESTS_THREAD_RENDER_H
#define BAMBOO_TESTS_THREAD_RENDER_H

/* UW's THREADNODE: next is the first child, branch the next sibling */
static void thread_render_node (struct buf *b, THREADNODE *t)
{
  THREADNODE *c;
  if (t->num) buf_printf (b, "%lu", t->num);
  if (!t->next) return;
  if (t->num && !t->next->branch) {	/* one child: same list */
    buf_putc (b, ' ');
    thread_render_node (b, t->next);
    return;
  }
  if (t->num) buf_putc (b, ' ');
  for (c = t->next; c; c = c->branch) {
    buf_putc (b, '(');
    thread_render_node (b, c);
    buf_putc (b, ')');
  }
}

static char *thread_render (THREADNODE *t)
{
  struct buf b = BUF_INIT;
  buf_puts (&b, "");
  for (; t; t = t->branch) {
    buf_putc (&b, '(');
    thread_render_node (&b, t);
    buf_putc (&b, ')');
  }
  return buf_detach (&b);
}

#endif

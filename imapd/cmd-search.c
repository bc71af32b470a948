/*
 * SEARCH (RFC 3501, ESEARCH's RETURN of RFC 4731), SORT and THREAD
 * (RFC 5256), each with a UID form.
 *
 * The keys go through search_parse() (search-parse.c); the work is the
 * library's (mail_search_full, mail_sort, mail_thread).  Results are
 * written straight into the client's output buffer through a small
 * staging area: a SEARCH ALL on 100k messages is one pass over the elts
 * and no per-number printf.
 */
#include <string.h>
#include "imapd.h"
#include "search-parse.h"

/* ---- number output ---- */

struct numout {
  struct client *c;
  size_t len;
  char data[4096];
};

static void numout_flush (struct numout *o)
{
  if (o->len) client_write (o->c, o->data, o->len);
  o->len = 0;
}

static void numout_char (struct numout *o, char ch)
{
  if (o->len == sizeof o->data) numout_flush (o);
  o->data[o->len++] = ch;
}

static void numout_ulong (struct numout *o, unsigned long n)
{
  char tmp[24];
  size_t i = 0;

  do tmp[i++] = (char) ('0' + n % 10); while ((n /= 10) && i < sizeof tmp);
  if (sizeof o->data - o->len < i) numout_flush (o);
  while (i) o->data[o->len++] = tmp[--i];
}

/* ---- arguments shared by the three commands ---- */

static int charset_native (const char *cs)
{
  return !strcasecmp (cs, "US-ASCII") || !strcasecmp (cs, "UTF-8");
}

/* The CHARSET argument: NULL for US-ASCII/UTF-8 (the library's native
 * text), else the name.  -1 with the reply set (BAD, or NO [BADCHARSET]) */
static int search_charset (struct imapd *s, const struct imap_arg *a,
			   char **charset)
{
  const char *cs = imap_arg_astring (a);

  if (!cs || !*cs) {
    reply_bad (s, "Missing or invalid charset");
    return -1;
  }
  if (charset_native (cs)) {
    *charset = NULL;
    return 0;
  }
  if (!utf8_charset (a->str)) {
    char *msg = utf8_badcharset (a->str);
    reply_no (s, "%s", msg);
    fs_give ((void **) &msg);
    return -1;
  }
  *charset = a->str;
  return 0;
}

/* The search keys: a program, or NULL with a BAD reply set */
static SEARCHPGM *search_keys (struct imapd *s, const struct imap_arg *a)
{
  MAILSTREAM *st = s->stream;
  unsigned long maxuid = st->nmsgs ? mail_uid (st, st->nmsgs) : st->uid_last;
  const char *why = NULL;
  SEARCHPGM *pgm = search_parse (a, st->nmsgs, maxuid, &why);

  if (!pgm) reply_bad (s, "%s", why ? why : "Invalid search keys");
  return pgm;
}

static int search_ready (struct imapd *s)
{
  if (s->stream) return 0;
  reply_bad (s, "No mailbox selected");
  return -1;
}

/* ---- SEARCH ---- */

#define RET_MIN 0x1
#define RET_MAX 0x2
#define RET_ALL 0x4
#define RET_COUNT 0x8

/* RETURN (options): RFC 4731; an empty list means ALL */
static int search_return_opts (struct imapd *s, const struct imap_arg *list,
			       unsigned int *ret)
{
  static const struct { const char *name; unsigned int bit; } opts[] = {
    { "MIN", RET_MIN }, { "MAX", RET_MAX }, { "ALL", RET_ALL },
    { "COUNT", RET_COUNT }
  };
  const struct imap_arg *a;
  size_t i;

  *ret = 0;
  for (a = list; a->type != IMAP_ARG_END; a++) {
    const char *o = imap_arg_atom (a);
    for (i = 0; o && i < sizeof opts / sizeof *opts; i++)
      if (!strcasecmp (o, opts[i].name)) break;
    if (!o || i == sizeof opts / sizeof *opts) {
      reply_bad (s, "Unknown SEARCH RETURN option");
      return -1;
    }
    *ret |= opts[i].bit;
  }
  if (!*ret) *ret = RET_ALL;
  return 0;
}

/* "* SEARCH n n n" */
static void search_reply_classic (struct imapd *s, int uid)
{
  MAILSTREAM *st = s->stream;
  struct numout o;
  unsigned long i;

  o.c = s->client;
  o.len = 0;
  memcpy (o.data, "* SEARCH", 8);
  o.len = 8;
  for (i = 1; i <= st->nmsgs; i++)
    if (mail_elt (st, i)->searched) {
      numout_char (&o, ' ');
      numout_ulong (&o, uid ? mail_uid (st, i) : i);
    }
  numout_char (&o, '\r');
  numout_char (&o, '\n');
  numout_flush (&o);
}

/* "* ESEARCH (TAG "t") [UID] MIN n MAX n ALL set COUNT n" */
static void search_reply_esearch (struct imapd *s, int uid, unsigned int ret)
{
  MAILSTREAM *st = s->stream;
  struct set_writer all = SET_WRITER_INIT;
  unsigned long i, n, count = 0, min = 0, max = 0;

  for (i = 1; i <= st->nmsgs; i++) {
    if (!mail_elt (st, i)->searched) continue;
    n = uid ? mail_uid (st, i) : i;
    if (!count++) min = n;
    max = n;
    if (ret & RET_ALL) set_writer_add (&all, n, n);
  }
  client_puts (s->client, "* ESEARCH (TAG ");
  out_string (s->client, s->tag, strlen (s->tag));
  client_puts (s->client, ")");
  if (uid) client_puts (s->client, " UID");
  if (count && (ret & RET_MIN)) client_printf (s->client, " MIN %lu", min);
  if (count && (ret & RET_MAX)) client_printf (s->client, " MAX %lu", max);
  if (count && (ret & RET_ALL)) {
    client_puts (s->client, " ALL ");
    client_puts (s->client, set_writer_text (&all));
  }
  if (ret & RET_COUNT) client_printf (s->client, " COUNT %lu", count);
  client_puts (s->client, "\r\n");
  set_writer_free (&all);
}

void cmd_search (struct imapd *s, const struct imap_arg *args, int uid)
{
  const struct imap_arg *a = args;
  const struct imap_arg *cs = NULL;
  unsigned int ret = 0;
  int esearch = 0;
  char *charset = NULL;
  SEARCHPGM *pgm;
  const char *kw;

  if (search_ready (s) < 0) return;
  if ((kw = imap_arg_atom (a)) && !strcasecmp (kw, "RETURN")) {
    if (a[1].type != IMAP_ARG_LIST) {
      reply_bad (s, "RETURN needs a list of options");
      return;
    }
    if (search_return_opts (s, a[1].list, &ret) < 0) return;
    esearch = 1;
    a += 2;
  }
  if ((kw = imap_arg_atom (a)) && !strcasecmp (kw, "CHARSET")) {
    if (a[1].type == IMAP_ARG_END) {
      reply_bad (s, "Missing charset");
      return;
    }
    cs = a + 1;
    a += 2;
  }
  /* syntax first (BAD), then the charset (NO [BADCHARSET]) */
  if (!(pgm = search_keys (s, a))) return;
  if (cs && search_charset (s, cs, &charset) < 0) {
    mail_free_searchpgm (&pgm);
    return;
  }
  if (!mail_search_full (s->stream, charset, pgm, SE_FREE | SE_NOPREFETCH)) {
    reply_no_lasterror (s, "Search failed");
    return;
  }
  if (esearch) search_reply_esearch (s, uid, ret);
  else search_reply_classic (s, uid);
  reply_ok (s, "%sSEARCH completed", uid ? "UID " : "");
}

/* ---- SORT ---- */

static const struct {
  const char *name;
  short function;
} sort_keys[] = {
  { "ARRIVAL", SORTARRIVAL }, { "CC", SORTCC }, { "DATE", SORTDATE },
  { "FROM", SORTFROM }, { "SIZE", SORTSIZE }, { "SUBJECT", SORTSUBJECT },
  { "TO", SORTTO }
};

/* (criteria) -> SORTPGM chain, or NULL with the reply set */
static SORTPGM *sort_criteria (struct imapd *s, const struct imap_arg *list)
{
  SORTPGM *pgm = NULL, **tail = &pgm;
  const struct imap_arg *a;
  unsigned long n = 0;
  int reverse = 0;
  size_t i;

  if (list->type == IMAP_ARG_END) goto bad;
  for (a = list; a->type != IMAP_ARG_END; a++) {
    const char *k = imap_arg_atom (a);
    if (!k || ++n > LIM_SEARCH_KEYS) goto bad;
    if (!strcasecmp (k, "REVERSE")) {
      if (reverse) goto bad;
      reverse = 1;
      continue;
    }
    for (i = 0; i < sizeof sort_keys / sizeof *sort_keys; i++)
      if (!strcasecmp (k, sort_keys[i].name)) break;
    if (i == sizeof sort_keys / sizeof *sort_keys) goto bad;
    *tail = mail_newsortpgm ();
    (*tail)->function = sort_keys[i].function;
    (*tail)->reverse = reverse ? 1 : 0;
    tail = &(*tail)->next;
    reverse = 0;
  }
  if (reverse) goto bad;	/* REVERSE must precede a key */
  return pgm;
 bad:
  if (pgm) mail_free_sortpgm (&pgm);
  reply_bad (s, "Invalid sort criteria");
  return NULL;
}

void cmd_sort (struct imapd *s, const struct imap_arg *args, int uid)
{
  SORTPGM *sp;
  SEARCHPGM *pgm;
  char *charset = NULL;
  unsigned long *list, *l;
  struct numout o;

  if (search_ready (s) < 0) return;
  if (args[0].type != IMAP_ARG_LIST) {
    reply_bad (s, "Missing sort criteria");
    return;
  }
  if (args[1].type == IMAP_ARG_END) {
    reply_bad (s, "Missing charset");
    return;
  }
  if (!(sp = sort_criteria (s, args[0].list))) return;
  if (!(pgm = search_keys (s, args + 2))) {
    mail_free_sortpgm (&sp);
    return;
  }
  if (search_charset (s, args + 1, &charset) < 0) {
    mail_free_sortpgm (&sp);
    mail_free_searchpgm (&pgm);
    return;
  }
  list = mail_sort (s->stream, charset, pgm, sp,
		    SE_FREE | SO_FREE | (uid ? SE_UID : 0));
  if (!list) {
    reply_no_lasterror (s, "Sort failed");
    return;
  }
  o.c = s->client;
  memcpy (o.data, "* SORT", 6);
  o.len = 6;
  for (l = list; *l; l++) {
    numout_char (&o, ' ');
    numout_ulong (&o, *l);
  }
  numout_char (&o, '\r');
  numout_char (&o, '\n');
  numout_flush (&o);
  fs_give ((void **) &list);
  reply_ok (s, "%sSORT completed", uid ? "UID " : "");
}

/* ---- THREAD ---- */

/*
 * RFC 5256 thread-list: a node's only child continues its list ("1 2 3");
 * several children each get their own list ("1 (2)(3 4)").  A dummy (num
 * 0) prints no number.  Iterative with an explicit stack: a reply chain
 * can be as deep as the mailbox is long.
 *
 * Each open list has a stack entry with the sibling to open when it
 * closes; NULL means the list was the last of its group, so the list
 * around it closes too.
 */
struct thread_stack {
  THREADNODE **sib;
  size_t n, size;
};

static void thread_push (struct thread_stack *t, THREADNODE *sib)
{
  if (t->n == t->size) {
    t->size = t->size ? 2 * t->size : 64;
    fs_resize ((void **) &t->sib, t->size * sizeof *t->sib);
  }
  t->sib[t->n++] = sib;
}

static void thread_reply_tree (struct numout *o, struct thread_stack *t,
			       THREADNODE *top)
{
  THREADNODE *cur = top, *k;
  int first = 1;

  t->n = 0;
  numout_char (o, '(');
  thread_push (t, NULL);	/* the thread's own list: ends it */
  for (;;) {
    /* the members of the open list */
    for (;;) {
      if (cur->num) {
	if (!first) numout_char (o, ' ');
	numout_ulong (o, cur->num);
	first = 0;
      }
      if (!(k = cur->next)) break;
      if (k->branch) {		/* several children: open the first */
	if (!first) numout_char (o, ' ');
	numout_char (o, '(');
	thread_push (t, k->branch);
      }
      cur = k;
      first = k->branch ? 1 : first;
    }
    /* close lists until a sibling is due, or the thread ends */
    for (;;) {
      THREADNODE *sib;
      numout_char (o, ')');
      sib = t->sib[--t->n];
      if (!t->n) return;
      if (sib) {
	numout_char (o, '(');
	t->sib[t->n++] = sib->branch;	/* its own list; then the next */
	cur = sib;
	first = 1;
	break;
      }
    }
  }
}

void cmd_thread (struct imapd *s, const struct imap_arg *args, int uid)
{
  const char *alg = imap_arg_atom (&args[0]);
  char *charset = NULL;
  SEARCHPGM *pgm;
  THREADNODE *tree, *top;
  struct thread_stack stack = { NULL, 0, 0 };
  struct numout o;

  if (search_ready (s) < 0) return;
  if (!alg || (strcasecmp (alg, "REFERENCES") &&
	       strcasecmp (alg, "ORDEREDSUBJECT"))) {
    reply_bad (s, "Unknown threading algorithm");
    return;
  }
  if (args[1].type == IMAP_ARG_END) {
    reply_bad (s, "Missing charset");
    return;
  }
  if (!(pgm = search_keys (s, args + 2))) return;
  if (search_charset (s, args + 1, &charset) < 0) {
    mail_free_searchpgm (&pgm);
    return;
  }
  tree = mail_thread (s->stream, (char *) alg, charset, pgm,
		      SE_FREE | (uid ? SE_UID : 0));
  if (!tree && s->last_error) {
    reply_no_lasterror (s, "Thread failed");
    return;
  }
  o.c = s->client;
  memcpy (o.data, "* THREAD", 8);
  o.len = 8;
  if (tree) numout_char (&o, ' ');
  for (top = tree; top; top = top->branch)
    thread_reply_tree (&o, &stack, top);
  numout_char (&o, '\r');
  numout_char (&o, '\n');
  numout_flush (&o);
  if (stack.sib) fs_give ((void **) &stack.sib);
  if (tree) mail_free_threadnode (&tree);
  reply_ok (s, "%sTHREAD completed", uid ? "UID " : "");
}

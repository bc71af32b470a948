/*
 * mtest: commands on the messages of the open mailbox (headers, body,
 * text, flags, expunge, search, sort, thread).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "c-client.h"
#include "mtest.h"

/* ------------------------------------------------------------ headers */

/* Print s in exactly width columns (UTF-8 characters), cut or padded. */
static void put_column (const char *s, size_t width, int pad)
{
  size_t cols = 0, i;
  for (i = 0; s[i]; i++) {
    unsigned char c = (unsigned char) s[i];
    if ((c & 0xc0) != 0x80) {	/* a character starts here */
      if (cols == width) break;
      cols++;
    }
    putchar ((c < 0x20 || c == 0x7f) ? '?' : c);
  }
  while (pad && cols++ < width) putchar (' ');
}

/* What headers shows as the sender: the decoded name, else the address. */
static char *sender (ENVELOPE *env)
{
  ADDRESS *a = env ? env->from : NIL;
  char *r;
  size_t n;
  if (!a) return strdup ("");
  if (a->personal && *a->personal) return mtest_decode (a->personal);
  n = strlen (a->mailbox ? a->mailbox : "") + strlen (a->host ? a->host : "");
  if ((r = malloc (n + 2)))
    snprintf (r, n + 2, "%s%s%s", a->mailbox ? a->mailbox : "",
	      a->host && *a->host ? "@" : "", a->host ? a->host : "");
  return r;
}

static void header_line (MAILSTREAM *stream, unsigned long msgno)
{
  MESSAGECACHE *elt = mail_elt (stream, msgno);
  ENVELOPE *env = mail_fetch_structure (stream, msgno, NIL, NIL);
  char date[MAILTMPLEN], *from, *subject;
  unsigned long uf;
  int first = 1;
  /* UW's columns: Recent/New, Unseen, Flagged, Answered, Deleted; plus
   * X for a draft */
  printf ("%c%c%c%c%c%c%4lu) ",
	  elt->recent ? (elt->seen ? 'R' : 'N') : ' ',
	  (elt->recent || elt->seen) ? ' ' : 'U', elt->flagged ? 'F' : ' ',
	  elt->answered ? 'A' : ' ', elt->deleted ? 'D' : ' ',
	  elt->draft ? 'X' : ' ', msgno);
  if (elt->month >= 1 && elt->month <= 12 && elt->day >= 1) {
    mail_date (date, elt);	/* "dd-Mon-yyyy hh:mm:ss +zzzz" */
    printf ("%.11s ", date);
  }
  else fputs ("(no date)   ", stdout);	/* no internal date */
  from = sender (env);
  put_column (from ? from : "", MTEST_FROM_WIDTH, 1);
  putchar (' ');
  free (from);
  for (uf = elt->user_flags; uf; ) {
    unsigned long i = find_rightmost_bit (&uf);
    if (i < NUSERFLAGS && stream->user_flags[i]) {
      fputs (first ? "{" : " ", stdout);
      mtest_clean (stream->user_flags[i], MAXUSERFLAG);
      first = 0;
    }
  }
  if (!first) fputs ("} ", stdout);
  subject = mtest_decode (env ? env->subject : NIL);
  put_column (subject ? subject : "", MTEST_SUBJECT_WIDTH, 0);
  free (subject);
  printf (" (%lu chars)\n", elt->rfc822_size);
}

int cmd_headers (struct mtest *m, int argc, char **argv, char **rest)
{
  char all[] = "1:*";
  unsigned long i;
  char *seq = argc > 1 ? argv[1] : all;
  if (mtest_sequence (m, seq) < 0) return -1;
  mail_fetch_fast (m->stream, seq, NIL);
  for (i = 1; i <= m->stream->nmsgs; i++)
    if (mail_elt (m->stream, i)->sequence) header_line (m->stream, i);
  return 0;
}

/* ------------------------------------------------------------ structure */

static const char *name_of (char **table, unsigned int i, unsigned int max)
{
  return (i <= max && table[i]) ? table[i] : "X-UNKNOWN";
}

static void put_params (PARAMETER *p)
{
  if (!p) return;
  fputs (" (", stdout);
  for (; p; p = p->next) {
    mtest_clean_str (p->attribute ? p->attribute : "?");
    fputs ("=\"", stdout);
    mtest_clean (p->value ? p->value : "", 200);
    fputs (p->next ? "\" " : "\"", stdout);
  }
  putchar (')');
}

/* One line per part: section, type, parameters, encoding, sizes, and the
 * optional fields that are present. */
static void part_line (BODY *b, const char *section, int depth)
{
  printf ("%*s", 2 * depth, "");
  if (*section) printf ("%s ", section);
  mtest_clean_str (name_of (body_types, b->type, TYPEMAX));
  putchar ('/');
  mtest_clean_str (b->subtype ? b->subtype : "?");
  put_params (b->parameter);
  if (b->type != TYPEMULTIPART) {
    printf (" %s %lu bytes", name_of (body_encodings, b->encoding, ENCMAX),
	    b->size.bytes);
    if (b->type == TYPETEXT || b->type == TYPEMESSAGE)
      printf (" %lu lines", b->size.lines);
  }
  if (b->id) {
    fputs (" id=", stdout);
    mtest_clean (b->id, 200);
  }
  if (b->description) {
    fputs (" description=\"", stdout);
    mtest_clean (b->description, 200);
    putchar ('"');
  }
  if (b->disposition.type) {
    fputs (" disposition=", stdout);
    mtest_clean_str (b->disposition.type);
    put_params (b->disposition.parameter);
  }
  if (b->type == TYPEMESSAGE && b->nested.msg && b->nested.msg->env &&
      b->nested.msg->env->subject) {
    fputs (" subject=\"", stdout);
    mtest_clean (b->nested.msg->env->subject, 200);
    putchar ('"');
  }
  putchar ('\n');
}

static void body_tree (BODY *b, const char *section, int depth);

/* The parts of a multipart at section ("" at the top) are section.1 ... */
static void parts_tree (PART *p, const char *section, int depth)
{
  char sub[MAILTMPLEN];
  unsigned long i;
  for (i = 1; p; p = p->next, i++) {
    if ((size_t) snprintf (sub, sizeof sub, "%s%s%lu", section,
			   *section ? "." : "", i) >= sizeof sub)
      return;
    body_tree (&p->body, sub, depth);
  }
}

static void body_tree (BODY *b, const char *section, int depth)
{
  char sub[MAILTMPLEN];
  BODY *inner;
  if (depth > MTEST_BODY_DEPTH) {
    printf ("%*s... (deeper parts not shown)\n", 2 * depth, "");
    return;
  }
  part_line (b, section, depth);
  if (b->type == TYPEMULTIPART) parts_tree (b->nested.part, section, depth + 1);
  else if (b->type == TYPEMESSAGE && b->nested.msg &&
	   (inner = b->nested.msg->body)) {
    /* an encapsulated message: its multipart has no number of its own;
     * a single-part body is section.1 */
    if (inner->type == TYPEMULTIPART) {
      printf ("%*s", 2 * (depth + 1), "");
      mtest_clean_str ("MULTIPART/");
      mtest_clean_str (inner->subtype ? inner->subtype : "?");
      put_params (inner->parameter);
      putchar ('\n');
      parts_tree (inner->nested.part, section, depth + 2);
    }
    else if ((size_t) snprintf (sub, sizeof sub, "%s.1", section) < sizeof sub)
      body_tree (inner, sub, depth + 1);
  }
}

int cmd_body (struct mtest *m, int argc, char **argv, char **rest)
{
  unsigned long n;
  BODY *body = NIL;
  if (mtest_msgno (m, argv[1], &n) < 0) return -1;
  mail_fetch_structure (m->stream, n, &body, NIL);
  if (!body) {
    printf ("NO message %lu has no body structure\n", n);
    return -1;
  }
  printf ("Message %lu (%lu chars):\n", n, mail_elt (m->stream, n)->rfc822_size);
  /* a single-part message's body is section 1; a multipart has no number */
  body_tree (body, body->type == TYPEMULTIPART ? "" : "1", 1);
  return 0;
}

/* ------------------------------------------------------------ text */

/* Print fetched text with local line ends. */
static void put_text (const char *s, unsigned long len)
{
  unsigned long i, start = 0;
  for (i = 0; i < len; i++)
    if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
      fwrite (s + start, 1, i - start, stdout);
      start = i + 1;
    }
  fwrite (s + start, 1, len - start, stdout);
  if (len && s[len - 1] != '\n') putchar ('\n');
}

int cmd_text (struct mtest *m, int argc, char **argv, char **rest)
{
  unsigned long n, len = 0;
  char *s;
  if (mtest_msgno (m, argv[1], &n) < 0) return -1;
  s = mail_fetch_message (m->stream, n, &len, NIL);
  if (s) put_text (s, len);
  return 0;
}

/* SECTION is a part number ("2.1") or ends in HEADER, TEXT or MIME: each
 * kind has its own c-client call. */
static char *fetch_section (MAILSTREAM *stream, unsigned long n, char *section,
			    unsigned long *len)
{
  static const char *suffixes[] = { "HEADER", "TEXT", "MIME" };
  size_t sl = strlen (section), i, k;
  char *part;
  for (k = 0; k < 3; k++) {
    i = strlen (suffixes[k]);
    if (sl < i || strcasecmp (section + sl - i, suffixes[k])) continue;
    if (sl > i && section[sl - i - 1] != '.') continue;
    /* part number before the suffix, NIL for the whole message */
    part = sl > i ? section : NIL;
    if (part) section[sl - i - 1] = '\0';
    switch (k) {
    case 0: return mail_fetch_header (stream, n, part, NIL, len, NIL);
    case 1: return mail_fetch_text (stream, n, part, len, NIL);
    default:
      if (!part) return NIL;	/* MIME needs a part number */
      return mail_fetch_mime (stream, n, part, len, NIL);
    }
  }
  return mail_fetch_body (stream, n, section, len, NIL);
}

int cmd_part (struct mtest *m, int argc, char **argv, char **rest)
{
  unsigned long n, len = 0;
  char section[200], *s;
  if (mtest_msgno (m, argv[1], &n) < 0) return -1;
  if (strlen (argv[2]) >= sizeof section) {
    mtest_error ("Section too long");
    return -1;
  }
  strcpy (section, argv[2]);	/* length checked above */
  s = fetch_section (m->stream, n, section, &len);
  if (!s || !len) {
    fputs ("NO part ", stdout);
    mtest_clean (argv[2], 100);
    printf (" of message %lu is empty or does not exist\n", n);
    return -1;
  }
  put_text (s, len);
  return 0;
}

/* ------------------------------------------------------------ flags */

int cmd_flags (struct mtest *m, int argc, char **argv, char **rest)
{
  static const char *names[] = { "\\Recent", "\\Seen", "\\Answered",
				 "\\Flagged", "\\Deleted", "\\Draft" };
  unsigned long n, uf;
  MESSAGECACHE *elt;
  int on[6], i, any = 0;
  if (mtest_msgno (m, argv[1], &n) < 0) return -1;
  mail_fetch_flags (m->stream, argv[1], NIL);
  elt = mail_elt (m->stream, n);
  on[0] = elt->recent; on[1] = elt->seen; on[2] = elt->answered;
  on[3] = elt->flagged; on[4] = elt->deleted; on[5] = elt->draft;
  printf ("%lu FLAGS (", n);
  for (i = 0; i < 6; i++)
    if (on[i]) printf ("%s%s", any++ ? " " : "", names[i]);
  for (uf = elt->user_flags; uf; ) {
    unsigned long k = find_rightmost_bit (&uf);
    if (k < NUSERFLAGS && m->stream->user_flags[k]) {
      if (any++) putchar (' ');
      mtest_clean (m->stream->user_flags[k], MAXUSERFLAG);
    }
  }
  puts (")");
  return 0;
}

static int store (struct mtest *m, char **argv, char **rest, long how)
{
  char *flags = rest[2];
  if (mtest_sequence (m, argv[1]) < 0) return -1;
  mail_flag (m->stream, argv[1], flags, how);
  return 0;
}

int cmd_set (struct mtest *m, int argc, char **argv, char **rest)
{
  return store (m, argv, rest, ST_SET);
}

int cmd_clear (struct mtest *m, int argc, char **argv, char **rest)
{
  return store (m, argv, rest, NIL);
}

int cmd_uid (struct mtest *m, int argc, char **argv, char **rest)
{
  unsigned long n;
  if (mtest_msgno (m, argv[1], &n) < 0) return -1;
  printf ("%lu UID %lu\n", n, mail_uid (m->stream, n));
  return 0;
}

int cmd_expunge (struct mtest *m, int argc, char **argv, char **rest)
{
  long ok = mail_expunge (m->stream);
  printf ("%s expunge: %lu expunged, %lu left, %lu recent\n", ok ? "OK" : "NO",
	  m->expunged, m->stream->nmsgs, m->stream->recent);
  return ok ? 0 : -1;
}

/* ------------------------------------------------------------ search */

/* mail_criteria may write into its argument, so it gets a copy. */
static SEARCHPGM *criteria (const char *text)
{
  char *copy = strdup (text && *text ? text : "ALL");
  SEARCHPGM *pgm;
  if (!copy) return NIL;
  pgm = mail_criteria (copy);
  free (copy);
  if (!pgm) {
    fputs ("?Bad search criteria: ", stdout);
    mtest_clean (text, 200);
    putchar ('\n');
  }
  return pgm;
}

int cmd_search (struct mtest *m, int argc, char **argv, char **rest)
{
  SEARCHPGM *pgm = criteria (rest[1]);
  size_t i;
  if (!pgm) return -1;
  m->nhits = 0;
  if (!mail_search_full (m->stream, NIL, pgm, SE_FREE)) {
    puts ("NO search failed");
    return -1;
  }
  fputs ("SEARCH", stdout);
  for (i = 0; i < m->nhits; i++) printf (" %lu", m->hits[i]);
  putchar ('\n');
  return 0;
}

static int sort_key (const char *s)
{
  static const struct { const char *name; int key; } keys[] = {
    { "ARRIVAL", SORTARRIVAL }, { "CC", SORTCC }, { "DATE", SORTDATE },
    { "FROM", SORTFROM }, { "SIZE", SORTSIZE }, { "SUBJECT", SORTSUBJECT },
    { "TO", SORTTO },
  };
  size_t i;
  for (i = 0; i < sizeof keys / sizeof *keys; i++)
    if (!strcasecmp (s, keys[i].name)) return keys[i].key;
  return -1;
}

/* Sort keys: "[REVERSE] KEY", or several in parentheses as in IMAP:
 * "(REVERSE SIZE SUBJECT)".  Returns the index of the first argument
 * after the keys, or -1. */
static int sort_keys (int argc, char **argv, SORTPGM **pgm)
{
  SORTPGM **tail = pgm;
  int i = 1, paren = argv[1][0] == '(', reverse = 0, done = 0, key;
  char *w;
  for (; i < argc && !done; i++) {
    w = argv[i];
    if (paren && i == 1) w++;
    if (paren && *w && w[strlen (w) - 1] == ')') {
      w[strlen (w) - 1] = '\0';
      done = 1;
    }
    if (!strcasecmp (w, "REVERSE") && !reverse) reverse = 1;
    else if ((key = sort_key (w)) >= 0) {
      *tail = mail_newsortpgm ();
      (*tail)->function = (short) key;
      (*tail)->reverse = reverse;
      tail = &(*tail)->next;
      reverse = 0;
      if (!paren) done = 1;
    }
    else if (*w || !done) return -1;	/* "()" or a stray word */
  }
  return (done && !reverse && *pgm) ? i : -1;
}

int cmd_sort (struct mtest *m, int argc, char **argv, char **rest)
{
  SORTPGM *pgm = NIL;
  SEARCHPGM *spg;
  unsigned long *r, *p;
  int i = sort_keys (argc, argv, &pgm);
  if (i < 0) {
    mtest_error ("Usage: sort [REVERSE] KEY [CRITERIA], or sort (KEY...) [CRITERIA]");
    mail_free_sortpgm (&pgm);
    return -1;
  }
  if (!(spg = criteria (i < argc ? rest[i] : NIL))) {
    mail_free_sortpgm (&pgm);
    return -1;
  }
  r = mail_sort (m->stream, NIL, spg, pgm, NIL);
  mail_free_searchpgm (&spg);
  mail_free_sortpgm (&pgm);
  if (!r) {
    puts ("NO sort failed");
    return -1;
  }
  fputs ("SORT", stdout);
  for (p = r; *p; p++) printf (" %lu", *p);
  putchar ('\n');
  fs_give ((void **) &r);
  return 0;
}

/* IMAP THREAD form (RFC 5256) from UW's tree: t->next is t's first child
 * and ->branch links siblings.  One child continues the chain ("1 2 3");
 * several children are each parenthesised ("1 (2)(3)"); a dummy node
 * (num 0) prints no number. */
static void thread_list (THREADNODE *t, int depth);

static void thread_chain (THREADNODE *t, int depth)
{
  THREADNODE *c;
  int printed = 0;
  if (t->num) printed = printf ("%lu", t->num) > 0;
  for (c = t->next; c; c = c->next) {
    if (printed) putchar (' ');
    if (c->branch) {		/* several children: one list each */
      thread_list (c, depth + 1);
      break;
    }
    if (c->num) printed = printf ("%lu", c->num) > 0;
  }
}

static void thread_list (THREADNODE *t, int depth)
{
  if (depth > 1000) {		/* the library bounds this; so do we */
    fputs ("(...)", stdout);
    return;
  }
  for (; t; t = t->branch) {
    putchar ('(');
    thread_chain (t, depth);
    putchar (')');
  }
}

int cmd_thread (struct mtest *m, int argc, char **argv, char **rest)
{
  char type[16] = "REFERENCES";
  int i = 1;
  SEARCHPGM *spg;
  THREADNODE *tree;
  if (argc > 1 && (!strcasecmp (argv[1], "REFERENCES") ||
		   !strcasecmp (argv[1], "ORDEREDSUBJECT"))) {
    char *t;
    snprintf (type, sizeof type, "%s", argv[1]);
    for (t = type; *t; t++) *t = (char) toupper ((unsigned char) *t);
    i = 2;
  }
  if (!(spg = criteria (i < argc ? rest[i] : NIL))) return -1;
  tree = mail_thread (m->stream, type, NIL, spg, NIL);
  mail_free_searchpgm (&spg);
  if (!tree && m->stream->nmsgs) {
    puts ("NO thread failed");
    return -1;
  }
  fputs ("THREAD ", stdout);
  thread_list (tree, 0);
  putchar ('\n');
  mail_free_threadnode (&tree);
  return 0;
}

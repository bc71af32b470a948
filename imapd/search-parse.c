/*
 * IMAP search keys -> SEARCHPGM (RFC 3501 6.4.4, RFC 5032 WITHIN).
 *
 * The keys of one level (the command, or a parenthesised list) are ANDed
 * into one SEARCHPGM.  Its scalar members (dates, sizes, ages) hold one
 * value each, so a second key on a member that is already set ("ON d1 ON
 * d2") goes into a fresh program joined as NOT (NOT p): exact AND without
 * guessing how two values combine.  Sequence sets are resolved against the
 * mailbox ("*" = nmsgs or the highest UID) and merged, so the evaluator
 * sees few, sorted ranges.
 *
 * Limits: parentheses, OR and NOT together nest at most LIM_SEARCH_DEPTH - 2
 * levels (the 2 leave room for a NOT (NOT p)), and the program counts at
 * most LIM_SEARCH_KEYS keys, counted at least as the library's evaluator
 * counts them, so a program we accept is never refused there.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "search-parse.h"

struct sp {
  unsigned long nmsgs;
  unsigned long maxuid;
  unsigned long keys;
  const char *error;
};

enum sp_kind {
  SK_ALL, SK_ANSWERED, SK_BCC, SK_BEFORE, SK_BODY, SK_CC, SK_DELETED,
  SK_DRAFT, SK_FLAGGED, SK_FROM, SK_HEADER, SK_KEYWORD, SK_LARGER, SK_NEW,
  SK_NOT, SK_OLD, SK_OLDER, SK_ON, SK_OR, SK_RECENT, SK_SEEN, SK_SENTBEFORE,
  SK_SENTON, SK_SENTSINCE, SK_SINCE, SK_SMALLER, SK_SUBJECT, SK_TEXT, SK_TO,
  SK_UID, SK_UNANSWERED, SK_UNDELETED, SK_UNDRAFT, SK_UNFLAGGED,
  SK_UNKEYWORD, SK_UNSEEN, SK_YOUNGER
};

static const struct sp_name {
  const char *name;
  enum sp_kind kind;
} sp_names[] = {
  { "ALL", SK_ALL }, { "ANSWERED", SK_ANSWERED }, { "BCC", SK_BCC },
  { "BEFORE", SK_BEFORE }, { "BODY", SK_BODY }, { "CC", SK_CC },
  { "DELETED", SK_DELETED }, { "DRAFT", SK_DRAFT },
  { "FLAGGED", SK_FLAGGED }, { "FROM", SK_FROM }, { "HEADER", SK_HEADER },
  { "KEYWORD", SK_KEYWORD }, { "LARGER", SK_LARGER }, { "NEW", SK_NEW },
  { "NOT", SK_NOT }, { "OLD", SK_OLD }, { "OLDER", SK_OLDER },
  { "ON", SK_ON }, { "OR", SK_OR }, { "RECENT", SK_RECENT },
  { "SEEN", SK_SEEN }, { "SENTBEFORE", SK_SENTBEFORE },
  { "SENTON", SK_SENTON }, { "SENTSINCE", SK_SENTSINCE },
  { "SINCE", SK_SINCE }, { "SMALLER", SK_SMALLER },
  { "SUBJECT", SK_SUBJECT }, { "TEXT", SK_TEXT }, { "TO", SK_TO },
  { "UID", SK_UID }, { "UNANSWERED", SK_UNANSWERED },
  { "UNDELETED", SK_UNDELETED }, { "UNDRAFT", SK_UNDRAFT },
  { "UNFLAGGED", SK_UNFLAGGED }, { "UNKEYWORD", SK_UNKEYWORD },
  { "UNSEEN", SK_UNSEEN }, { "YOUNGER", SK_YOUNGER },
};

static int sp_fail (struct sp *p, const char *why)
{
  if (!p->error) p->error = why;
  return -1;
}

/* Count keys; the library refuses a program over LIM_SEARCH_KEYS */
static int sp_count (struct sp *p, unsigned long n)
{
  p->keys += n;
  return p->keys > LIM_SEARCH_KEYS ?
    sp_fail (p, "Too many search keys") : 0;
}

/* ---- argument helpers (local, so the parser links on its own) ---- */

static int sp_is_string (const struct imap_arg *a)
{
  return a->type == IMAP_ARG_ATOM || a->type == IMAP_ARG_QUOTED ||
    a->type == IMAP_ARG_LITERAL;
}

/* RFC 3501 number: 1*DIGIT, 32 bits */
static int sp_number (const struct imap_arg *a, unsigned long *n)
{
  const char *s;
  unsigned long v = 0;

  if (a->type != IMAP_ARG_ATOM || !a->len) return -1;
  for (s = a->str; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (unsigned long) (*s - '0');
    if (v > 4294967295UL) return -1;
  }
  *n = v;
  return 0;
}

int search_parse_date (const char *s, unsigned int *year,
		       unsigned int *month, unsigned int *day)
{
  unsigned int d = 0, m, y = 0, i;

  if (!s) return -1;
  for (i = 0; i < 2 && *s >= '0' && *s <= '9'; i++, s++)
    d = d * 10 + (unsigned int) (*s - '0');
  if (!i || *s++ != '-') return -1;
  for (m = 0; m < 12; m++)
    if (!strncasecmp (s, months[m], 3)) break;
  if (m == 12) return -1;
  s += 3;
  if (*s++ != '-') return -1;
  for (i = 0; i < 4; i++, s++) {
    if (*s < '0' || *s > '9') return -1;
    y = y * 10 + (unsigned int) (*s - '0');
  }
  if (*s || !d || d > (unsigned int) date_month_days (y, m + 1)) return -1;
  *year = y;
  *month = m + 1;
  *day = d;
  return 0;
}

/* A date as mail_shortdate() encodes it.  Years it cannot hold become 1
 * (before every message date: SINCE matches all, BEFORE and ON none) or
 * 0xffff (after every one). */
static int sp_date (struct sp *p, const struct imap_arg *a,
		    unsigned short *date)
{
  unsigned int y, m, d;

  if ((a->type != IMAP_ARG_ATOM && a->type != IMAP_ARG_QUOTED) ||
      strlen (a->str) != a->len ||
      search_parse_date (a->str, &y, &m, &d) < 0)
    return sp_fail (p, "Invalid date (want d-Mmm-yyyy)");
  if (y < BASEYEAR) *date = 1;
  else if (y - BASEYEAR > 127) *date = 0xffff;
  else *date = mail_shortdate (y - BASEYEAR, m, d);
  return 0;
}

/* ---- building the program ---- */

/* A program that ANDs into pgm: NOT (NOT x), appended to pgm->not.
 * (UW's allocators: a new SEARCHPGMLIST comes with its program.) */
static SEARCHPGM *sp_and_pgm (struct sp *p, SEARCHPGM *pgm)
{
  SEARCHPGMLIST *outer;

  if (sp_count (p, 2) < 0) return NULL;
  outer = mail_newsearchpgmlist ();
  outer->pgm->not = mail_newsearchpgmlist ();
  outer->next = pgm->not;
  pgm->not = outer;
  return outer->pgm->not->pgm;
}

/* Match nothing: NOT ALL */
static void sp_nothing (SEARCHPGM *pgm)
{
  SEARCHPGMLIST *l = mail_newsearchpgmlist ();	/* with an empty program */
  l->next = pgm->not;
  pgm->not = l;
}

/* Set a scalar member (found at offset off in a program) to v, ANDing
 * through a fresh program when it already holds another value */
static int sp_set_ulong (struct sp *p, SEARCHPGM *pgm, size_t off,
			 unsigned long v)
{
  unsigned long *f = (unsigned long *) ((char *) pgm + off);
  if (*f && *f != v) {
    if (!(pgm = sp_and_pgm (p, pgm))) return -1;
    f = (unsigned long *) ((char *) pgm + off);
  }
  *f = v;
  return 0;
}

static int sp_set_ushort (struct sp *p, SEARCHPGM *pgm, size_t off,
			  unsigned short v)
{
  unsigned short *f = (unsigned short *) ((char *) pgm + off);
  if (*f && *f != v) {
    if (!(pgm = sp_and_pgm (p, pgm))) return -1;
    f = (unsigned short *) ((char *) pgm + off);
  }
  *f = v;
  return 0;
}

static void sp_add_string (STRINGLIST **list, const struct imap_arg *a)
{
  STRINGLIST *s = mail_newstringlist ();
  s->text.data = fs_get (a->len + 1);
  memcpy (s->text.data, a->str, a->len);
  s->text.data[a->len] = '\0';
  s->text.size = a->len;
  s->next = *list;
  *list = s;
}

static int sp_range_cmp (const void *x, const void *y)
{
  const SEARCHSET *a = x, *b = y;
  return (a->first > b->first) - (a->first < b->first);
}

/* Sort and merge the ranges of set (first <= last, as seqset_parse
 * leaves them); returns the number of ranges left */
static unsigned long sp_merge_set (SEARCHSET **set)
{
  SEARCHSET *s, *r, **tail;
  unsigned long n = 0, i, k;

  for (s = *set; s; s = s->next) n++;
  if (n < 2) return n;
  r = fs_get (n * sizeof *r);
  for (i = 0, s = *set; s; s = s->next, i++) {
    r[i] = *s;
    if (!r[i].last) r[i].last = r[i].first;
  }
  qsort (r, n, sizeof *r, sp_range_cmp);
  for (i = 1, k = 0; i < n; i++) {
    if (r[i].first <= r[k].last + 1 || r[k].last == 0xffffffffUL) {
      if (r[i].last > r[k].last) r[k].last = r[i].last;
    }
    else r[++k] = r[i];
  }
  k++;
  /* rewrite the first k nodes, free the rest */
  for (i = 0, tail = set; i < k; i++, tail = &(*tail)->next) {
    (*tail)->first = r[i].first;
    (*tail)->last = r[i].last;
  }
  mail_free_searchset (tail);
  fs_give ((void **) &r);
  return k;
}

/* A sequence set for pgm->msgno or pgm->uid (member at offset off) */
static int sp_set (struct sp *p, SEARCHPGM *pgm, size_t off,
		   const struct imap_arg *a, unsigned long max)
{
  const char *why = NULL;
  SEARCHSET *set, **f;
  unsigned long n;

  if (a->type != IMAP_ARG_ATOM)
    return sp_fail (p, "Invalid sequence set");
  if (!(set = seqset_parse (a->str, max, &why)))
    return sp_fail (p, "Invalid sequence set");
  n = sp_merge_set (&set);
  if (sp_count (p, n) < 0) {
    mail_free_searchset (&set);
    return -1;
  }
  f = (SEARCHSET **) ((char *) pgm + off);
  if (*f) {			/* a second set: both must hold */
    if (!(pgm = sp_and_pgm (p, pgm))) {
      mail_free_searchset (&set);
      return -1;
    }
    f = (SEARCHSET **) ((char *) pgm + off);
  }
  *f = set;
  return 0;
}

/* KEYWORD/UNKEYWORD: a flag-keyword atom.  The system flags, which no
 * keyword can be, search the flag itself (as other servers do). */
static int sp_keyword (struct sp *p, SEARCHPGM *pgm,
		       const struct imap_arg *a, int set)
{
  static const char *const sys[] = {
    "\\Answered", "\\Deleted", "\\Draft", "\\Flagged", "\\Seen"
  };
  unsigned int i;

  if (a->type != IMAP_ARG_ATOM || !a->len)
    return sp_fail (p, "Invalid keyword");
  if (a->str[0] != '\\') {
    sp_add_string (set ? &pgm->keyword : &pgm->unkeyword, a);
    return 0;
  }
  for (i = 0; i < sizeof sys / sizeof *sys; i++)
    if (!strcasecmp (a->str, sys[i])) break;
  switch (i) {
  case 0: if (set) pgm->answered = 1; else pgm->unanswered = 1; break;
  case 1: if (set) pgm->deleted = 1; else pgm->undeleted = 1; break;
  case 2: if (set) pgm->draft = 1; else pgm->undraft = 1; break;
  case 3: if (set) pgm->flagged = 1; else pgm->unflagged = 1; break;
  case 4: if (set) pgm->seen = 1; else pgm->unseen = 1; break;
  default: return sp_fail (p, "Invalid keyword");
  }
  return 0;
}

static int sp_key (struct sp *p, const struct imap_arg **ap, SEARCHPGM *pgm,
		   unsigned int depth);

/* Keys of a parenthesised list (or the top level) into pgm */
static int sp_keys (struct sp *p, const struct imap_arg *a, SEARCHPGM *pgm,
		    unsigned int depth)
{
  if (a->type == IMAP_ARG_END) return sp_fail (p, "Missing search key");
  while (a->type != IMAP_ARG_END)
    if (sp_key (p, &a, pgm, depth) < 0) return -1;
  return 0;
}

/* One key of NOT or OR into sub (a fresh program) */
static int sp_subkey (struct sp *p, const struct imap_arg **ap,
		      SEARCHPGM *sub, unsigned int depth)
{
  if ((*ap)->type == IMAP_ARG_END)
    return sp_fail (p, "Missing search key after OR/NOT");
  return sp_key (p, ap, sub, depth);
}

static int sp_not (struct sp *p, const struct imap_arg **ap, SEARCHPGM *pgm,
		   unsigned int depth)
{
  SEARCHPGMLIST *l = mail_newsearchpgmlist ();

  /* linked first, so freeing pgm frees it whatever happens */
  l->next = pgm->not;
  pgm->not = l;
  return sp_subkey (p, ap, l->pgm, depth + 1);
}

static int sp_or (struct sp *p, const struct imap_arg **ap, SEARCHPGM *pgm,
		  unsigned int depth)
{
  SEARCHOR *o = mail_newsearchor ();

  o->next = pgm->or;
  pgm->or = o;
  if (sp_subkey (p, ap, o->first, depth + 1) < 0) return -1;
  return sp_subkey (p, ap, o->second, depth + 1);
}

static const struct sp_name *sp_lookup (const char *name)
{
  size_t i;
  for (i = 0; i < sizeof sp_names / sizeof *sp_names; i++)
    if (!strcasecmp (name, sp_names[i].name)) return &sp_names[i];
  return NULL;
}

/* The argument a key takes: the next one, which must exist */
static const struct imap_arg *sp_arg (struct sp *p,
				      const struct imap_arg **ap)
{
  const struct imap_arg *a = *ap;
  if (a->type == IMAP_ARG_END) {
    sp_fail (p, "Missing argument to search key");
    return NULL;
  }
  ++*ap;
  return a;
}

/* Keys with a string argument: the member of SEARCHPGM they fill */
static STRINGLIST **sp_string_member (SEARCHPGM *pgm, enum sp_kind k)
{
  switch (k) {
  case SK_BCC: return &pgm->bcc;
  case SK_BODY: return &pgm->body;
  case SK_CC: return &pgm->cc;
  case SK_FROM: return &pgm->from;
  case SK_SUBJECT: return &pgm->subject;
  case SK_TEXT: return &pgm->text;
  case SK_TO: return &pgm->to;
  default: return NULL;
  }
}

/* Keys with a date argument: offset of their member */
static int sp_date_member (enum sp_kind k, size_t *off)
{
  switch (k) {
  case SK_BEFORE: *off = offsetof (SEARCHPGM, before); return 1;
  case SK_ON: *off = offsetof (SEARCHPGM, on); return 1;
  case SK_SINCE: *off = offsetof (SEARCHPGM, since); return 1;
  case SK_SENTBEFORE: *off = offsetof (SEARCHPGM, sentbefore); return 1;
  case SK_SENTON: *off = offsetof (SEARCHPGM, senton); return 1;
  case SK_SENTSINCE: *off = offsetof (SEARCHPGM, sentsince); return 1;
  default: return 0;
  }
}

/* Keys without argument that set flag bits */
static int sp_flag_key (SEARCHPGM *pgm, enum sp_kind k)
{
  switch (k) {
  case SK_ALL: break;
  case SK_ANSWERED: pgm->answered = 1; break;
  case SK_DELETED: pgm->deleted = 1; break;
  case SK_DRAFT: pgm->draft = 1; break;
  case SK_FLAGGED: pgm->flagged = 1; break;
  case SK_NEW: pgm->recent = 1; pgm->unseen = 1; break;
  case SK_OLD: pgm->old = 1; break;
  case SK_RECENT: pgm->recent = 1; break;
  case SK_SEEN: pgm->seen = 1; break;
  case SK_UNANSWERED: pgm->unanswered = 1; break;
  case SK_UNDELETED: pgm->undeleted = 1; break;
  case SK_UNDRAFT: pgm->undraft = 1; break;
  case SK_UNFLAGGED: pgm->unflagged = 1; break;
  case SK_UNSEEN: pgm->unseen = 1; break;
  default: return 0;
  }
  return 1;
}

/* LARGER, SMALLER, OLDER, YOUNGER */
static int sp_number_key (struct sp *p, SEARCHPGM *pgm, enum sp_kind k,
			  const struct imap_arg *a)
{
  unsigned long n;

  if (sp_number (a, &n) < 0) return sp_fail (p, "Invalid number");
  switch (k) {
  case SK_LARGER:
    if (n) return sp_set_ulong (p, pgm, offsetof (SEARCHPGM, larger), n);
    /* 0 is "unset" in SEARCHPGM: LARGER 0 is NOT SMALLER 1 */
    {
      SEARCHPGMLIST *l = mail_newsearchpgmlist ();
      l->pgm->smaller = 1;
      l->next = pgm->not;
      pgm->not = l;
    }
    return sp_count (p, 1);
  case SK_SMALLER:
    if (n) return sp_set_ulong (p, pgm, offsetof (SEARCHPGM, smaller), n);
    sp_nothing (pgm);
    return sp_count (p, 1);
  case SK_OLDER:
  case SK_YOUNGER:		/* RFC 5032: nz-number */
    if (!n) return sp_fail (p, "OLDER/YOUNGER need a number above 0");
    return sp_set_ulong (p, pgm, k == SK_OLDER ?
			 offsetof (SEARCHPGM, older) :
			 offsetof (SEARCHPGM, younger), n);
  default:
    return sp_fail (p, "Invalid search key");
  }
}

static int sp_named_key (struct sp *p, const struct imap_arg **ap,
			 SEARCHPGM *pgm, unsigned int depth,
			 enum sp_kind k)
{
  const struct imap_arg *a, *b;
  STRINGLIST **sl;
  unsigned short date;
  size_t off;

  if (sp_flag_key (pgm, k)) return 0;
  if (k == SK_NOT) return sp_not (p, ap, pgm, depth);
  if (k == SK_OR) return sp_or (p, ap, pgm, depth);
  if (!(a = sp_arg (p, ap))) return -1;
  if ((sl = sp_string_member (pgm, k))) {
    if (!sp_is_string (a)) return sp_fail (p, "Invalid search string");
    sp_add_string (sl, a);
    return 0;
  }
  if (sp_date_member (k, &off)) {
    if (sp_date (p, a, &date) < 0) return -1;
    return sp_set_ushort (p, pgm, off, date);
  }
  switch (k) {
  case SK_HEADER:
    if (!(b = sp_arg (p, ap))) return -1;
    if (!sp_is_string (a) || !sp_is_string (b))
      return sp_fail (p, "Invalid HEADER arguments");
    {
      SEARCHHEADER *h = mail_newsearchheader (a->str, b->str);
      h->next = pgm->header;
      pgm->header = h;
    }
    return 0;
  case SK_KEYWORD:
  case SK_UNKEYWORD:
    return sp_keyword (p, pgm, a, k == SK_KEYWORD);
  case SK_UID:
    return sp_set (p, pgm, offsetof (SEARCHPGM, uid), a, p->maxuid);
  default:
    return sp_number_key (p, pgm, k, a);
  }
}

static int sp_key (struct sp *p, const struct imap_arg **ap, SEARCHPGM *pgm,
		   unsigned int depth)
{
  const struct imap_arg *a = *ap;
  const struct sp_name *n;

  if (depth > LIM_SEARCH_DEPTH - 2)
    return sp_fail (p, "Search keys nested too deeply");
  if (sp_count (p, 1) < 0) return -1;
  ++*ap;
  switch (a->type) {
  case IMAP_ARG_LIST:
    return sp_keys (p, a->list, pgm, depth + 1);
  case IMAP_ARG_ATOM:
    if ((a->str[0] >= '0' && a->str[0] <= '9') || a->str[0] == '*')
      return sp_set (p, pgm, offsetof (SEARCHPGM, msgno), a, p->nmsgs);
    if (!(n = sp_lookup (a->str))) return sp_fail (p, "Unknown search key");
    return sp_named_key (p, ap, pgm, depth, n->kind);
  default:
    return sp_fail (p, "Invalid search key");
  }
}

SEARCHPGM *search_parse (const struct imap_arg *args, unsigned long nmsgs,
			 unsigned long maxuid, const char **error_r)
{
  struct sp p;
  SEARCHPGM *pgm = mail_newsearchpgm ();

  memset (&p, 0, sizeof p);
  p.nmsgs = nmsgs;
  p.maxuid = maxuid;
  if (sp_keys (&p, args, pgm, 0) < 0) {
    mail_free_searchpgm (&pgm);
    *error_r = p.error ? p.error : "Invalid search keys";
    return NULL;
  }
  return pgm;
}

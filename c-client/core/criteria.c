/*
 * mail_criteria(): UW's IMAP2 (RFC 1176) search criteria text -> SEARCHPGM,
 * as used by the mail_search() macro.  Plus the sequence-set helpers
 * mail_parse_set() and mail_append_set().
 *
 * Criteria syntax (keywords case-insensitive, separated by spaces):
 *   ALL ANSWERED DELETED FLAGGED NEW OLD RECENT SEEN
 *   UNANSWERED UNDELETED UNFLAGGED UNSEEN
 *   BCC CC FROM TO SUBJECT BODY TEXT KEYWORD UNKEYWORD   <string>
 *   BEFORE ON SINCE                                      <date>
 * A string is an atom (up to the next space), a quoted string "..." (no
 * escapes, as in UW; it may be empty, which UW refused), or a literal
 * {n}CRLF followed by n octets.  A date is a string mail_parse_date()
 * understands, e.g. 1-Jan-2020.  IMAP4 keys (NOT, OR, UID, LARGER ...) are
 * not IMAP2 criteria and are rejected, as in UW.
 *
 * Unlike UW, the criteria text is never written to.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define CRIT_WS(c) ((c) == ' ' || (c) == '\t')

/* Skip blanks; return the next token start or NIL at the end */
static char *crit_skip (char *s)
{
  while (s && CRIT_WS (*s)) s++;
  return (s && *s) ? s : NIL;
}

/*
 * Read one string argument at *r.  On success stores an fs_get'ed copy
 * (NUL-terminated, size set) in *out and advances *r; NIL on a missing or
 * malformed argument.
 */
static long crit_string (SIZEDTEXT *out, char **r)
{
  char *s = crit_skip (*r), *e;
  unsigned long n;

  if (!s) return NIL;
  switch (*s) {
  case '{':			/* literal: {n}CRLF then n octets */
    if (!(*++s >= '0' && *s <= '9')) return NIL;
    for (n = 0; *s >= '0' && *s <= '9'; s++) {
      if (n > (~0UL - 9) / 10) return NIL;
      n = n * 10 + (unsigned long) (*s - '0');
    }
    if (*s++ != '}') return NIL;
    if (*s == '\r') s++;	/* UW wants CRLF; a bare LF is harmless */
    if (*s++ != '\n') return NIL;
    if (strnlen (s, n) < n) return NIL;	/* truncated literal */
    e = s + n;
    if (*e && !CRIT_WS (*e)) return NIL;
    cpytxt (out, s, n);
    *r = e;
    return LONGT;
  case '"':			/* quoted: up to the next quote, no escapes */
    if (!(e = strchr (++s, '"'))) return NIL;
    if (e[1] && !CRIT_WS (e[1])) return NIL;
    cpytxt (out, s, (unsigned long) (e - s));
    *r = e + 1;
    return LONGT;
  default:			/* atom: up to the next blank */
    for (e = s; *e && !CRIT_WS (*e); e++);
    cpytxt (out, s, (unsigned long) (e - s));
    *r = e;
    return LONGT;
  }
}

int mail_criteria_string (STRINGLIST **s, char **r)
{
  SIZEDTEXT t = { NIL, 0 };

  if (!s || !r || !crit_string (&t, r)) return NIL;
  while (*s) s = &(*s)->next;	/* append at the tail */
  *s = mail_newstringlist ();
  (*s)->text = t;
  return T;
}

int mail_criteria_date (unsigned short *date, char **r)
{
  SIZEDTEXT t = { NIL, 0 };
  MESSAGECACHE elt;
  int ret = NIL;

  if (!date || !r || !crit_string (&t, r)) return NIL;
  memset (&elt, 0, sizeof elt);
  if (t.size && mail_parse_date (&elt, t.data) && elt.month && elt.day) {
    *date = mail_shortdate (elt.year, elt.month, elt.day);
    ret = T;
  }
  fs_give ((void **) &t.data);
  return ret;
}

enum crit_arg { CA_NONE, CA_STRING, CA_DATE };

struct crit_key {
  const char *name;
  enum crit_arg arg;
  size_t member;		/* offsetof the STRINGLIST * or date; 0 for flags */
};

/* Flag keys set a one-bit field, which offsetof cannot name: handled by
 * crit_flag() below; member is unused for them. */
#define PGM_OFF(m) offsetof (SEARCHPGM, m)

static const struct crit_key crit_keys[] = {
  { "ALL", CA_NONE, 0 },
  { "ANSWERED", CA_NONE, 0 },
  { "BCC", CA_STRING, PGM_OFF (bcc) },
  { "BEFORE", CA_DATE, PGM_OFF (before) },
  { "BODY", CA_STRING, PGM_OFF (body) },
  { "CC", CA_STRING, PGM_OFF (cc) },
  { "DELETED", CA_NONE, 0 },
  { "FLAGGED", CA_NONE, 0 },
  { "FROM", CA_STRING, PGM_OFF (from) },
  { "KEYWORD", CA_STRING, PGM_OFF (keyword) },
  { "NEW", CA_NONE, 0 },
  { "OLD", CA_NONE, 0 },
  { "ON", CA_DATE, PGM_OFF (on) },
  { "RECENT", CA_NONE, 0 },
  { "SEEN", CA_NONE, 0 },
  { "SINCE", CA_DATE, PGM_OFF (since) },
  { "SUBJECT", CA_STRING, PGM_OFF (subject) },
  { "TEXT", CA_STRING, PGM_OFF (text) },
  { "TO", CA_STRING, PGM_OFF (to) },
  { "UNANSWERED", CA_NONE, 0 },
  { "UNDELETED", CA_NONE, 0 },
  { "UNFLAGGED", CA_NONE, 0 },
  { "UNKEYWORD", CA_STRING, PGM_OFF (unkeyword) },
  { "UNSEEN", CA_NONE, 0 },
};

static void crit_flag (SEARCHPGM *pgm, const char *name)
{
  if (!strcmp (name, "ANSWERED")) pgm->answered = T;
  else if (!strcmp (name, "DELETED")) pgm->deleted = T;
  else if (!strcmp (name, "FLAGGED")) pgm->flagged = T;
  else if (!strcmp (name, "NEW")) pgm->recent = pgm->unseen = T;
  else if (!strcmp (name, "OLD")) pgm->old = T;
  else if (!strcmp (name, "RECENT")) pgm->recent = T;
  else if (!strcmp (name, "SEEN")) pgm->seen = T;
  else if (!strcmp (name, "UNANSWERED")) pgm->unanswered = T;
  else if (!strcmp (name, "UNDELETED")) pgm->undeleted = T;
  else if (!strcmp (name, "UNFLAGGED")) pgm->unflagged = T;
  else if (!strcmp (name, "UNSEEN")) pgm->unseen = T;
  /* ALL: nothing */
}

static const struct crit_key *crit_lookup (const char *s, size_t n)
{
  size_t i;
  for (i = 0; i < sizeof crit_keys / sizeof crit_keys[0]; i++)
    if (strlen (crit_keys[i].name) == n &&
	!compare_uchar_len ((unsigned char *) crit_keys[i].name,
			    (unsigned char *) s, n))
      return &crit_keys[i];
  return NIL;
}

SEARCHPGM *mail_criteria (char *criteria)
{
  SEARCHPGM *pgm;
  char *s, *e;
  unsigned long keys = 0;

  if (!criteria) return NIL;
  pgm = mail_newsearchpgm ();
  for (s = crit_skip (criteria); s; s = crit_skip (e)) {
    const struct crit_key *k;
    int ok = T;

    for (e = s; *e && !CRIT_WS (*e); e++);
    if (!(k = crit_lookup (s, (size_t) (e - s)))) {
      struct buf b = BUF_INIT;	/* printable, bounded: it goes to a log */
      char *c;
      for (c = s; c < e && b.len < 64; c++)
	buf_putc (&b, (*c > ' ' && *c < 0x7f) ? *c : '?');
      mail_log (NIL, ERROR, "Unknown search criterion: %s", buf_cstr (&b));
      buf_free (&b);
      mail_free_searchpgm (&pgm);
      return NIL;
    }
    if (++keys > LIM_SEARCH_KEYS) {
      mail_log (NIL, ERROR, "Too many search criteria (limit %d)",
		LIM_SEARCH_KEYS);
      mail_free_searchpgm (&pgm);
      return NIL;
    }
    switch (k->arg) {
    case CA_NONE:
      crit_flag (pgm, k->name);
      break;
    case CA_STRING:
      ok = mail_criteria_string ((STRINGLIST **) ((char *) pgm + k->member),
				 &e);
      break;
    case CA_DATE:
      ok = mail_criteria_date ((unsigned short *) ((char *) pgm + k->member),
			       &e);
      break;
    }
    if (!ok) {
      mail_log (NIL, ERROR, "Missing or invalid argument to search "
		"criterion %s", k->name);
      mail_free_searchpgm (&pgm);
      return NIL;
    }
  }
  return pgm;
}

/* ---- sequence sets ---- */

#define SET_STAR 0xffffffffUL

/* One number or "*"; 0 on error */
static unsigned long set_number (char **s)
{
  char *e;
  unsigned long n;

  if (**s == '*') {
    ++*s;
    return SET_STAR;
  }
  if (!(**s >= '0' && **s <= '9')) return 0;
  errno = 0;
  n = strtoul (*s, &e, 10);
  if (errno || n > SET_STAR) return 0;
  *s = e;
  return n;
}

/*
 * Parse "1:3,5,7:*".  "*" is stored as 0xffffffff (mail.h); last is 0 for a
 * single number.  On success *ret points just past the set.  NIL on a
 * syntax error, a zero, or more than LIM_SEQSET_RANGES ranges.
 */
SEARCHSET *mail_parse_set (char *s, char **ret)
{
  SEARCHSET *set = NIL, *cur = NIL;
  unsigned long ranges = 0;

  if (!s) return NIL;
  for (;;) {
    SEARCHSET *n;
    if (++ranges > LIM_SEQSET_RANGES) break;
    n = mail_newsearchset ();
    if (cur) cur->next = n;
    else set = n;
    cur = n;
    if (!(cur->first = set_number (&s))) break;
    if (*s == ':') {
      ++s;
      if (!(cur->last = set_number (&s))) break;
    }
    if (*s != ',') {
      if (ret) *ret = s;
      return set;
    }
    ++s;
  }
  mail_free_searchset (&set);
  return NIL;
}

/*
 * Add msgno to the set, extending the tail range when msgno follows it.
 * Returns the tail element (pass it back in for the next call), or NIL
 * when set is NIL, as UW does.
 */
SEARCHSET *mail_append_set (SEARCHSET *set, unsigned long msgno)
{
  if (!set) return NIL;
  while (set->next) set = set->next;
  if (!set->first) set->first = msgno;
  else if (msgno == (set->last ? set->last : set->first) + 1)
    set->last = msgno;
  else (set = set->next = mail_newsearchset ())->first = msgno;
  return set;
}

/*
 * imapd's search keys: the input (after a first byte that picks the
 * mailbox size) is the text after "t SEARCH ", parsed with
 * imap_parse_command() and then search_parse().  Checked: a program or an
 * error, never both; the program stays within LIM_SEARCH_DEPTH and
 * LIM_SEARCH_KEYS as the library's evaluator counts them (so it would not
 * refuse it); sequence sets come out sorted, merged and within the
 * mailbox's "*"; dates are real dates.  search_parse_date() also runs on
 * the raw input.
 */
/* fuzz-link: imapd/parse.c imapd/search-parse.c */
#include "fuzz.h"
#include "../imapd/imapd.h"
#include "../imapd/search-parse.h"

static unsigned long count_strings (STRINGLIST *s)
{
  unsigned long n = 0;
  for (; s; s = s->next) {
    FUZZ_CHECK (s->text.data && s->text.data[s->text.size] == '\0');
    n++;
  }
  return n;
}

/* Ranges ascending, apart (not even adjacent), each first <= last */
static unsigned long check_set (SEARCHSET *set, unsigned long max)
{
  unsigned long n = 0, prev_last = 0;
  for (; set; set = set->next, n++) {
    unsigned long last = set->last ? set->last : set->first;
    FUZZ_CHECK (set->first <= last);
    FUZZ_CHECK (set->first != 0xffffffffUL || max == 0xffffffffUL);
    if (n) FUZZ_CHECK (set->first > prev_last + 1);
    prev_last = last;
  }
  return n;
}

static void check_date (unsigned short d)
{
  if (!d || d == 1 || d == 0xffff) return;	/* unset, before, after */
  FUZZ_CHECK (((d >> 5) & 0xf) >= 1 && ((d >> 5) & 0xf) <= 12);
  FUZZ_CHECK ((d & 0x1f) >= 1);
}

/* Keys as core/search.c counts them */
static unsigned long check_pgm (SEARCHPGM *p, unsigned depth,
				unsigned long nmsgs, unsigned long maxuid)
{
  unsigned long keys = 0;
  SEARCHOR *o;
  SEARCHPGMLIST *l;
  SEARCHHEADER *h;

  FUZZ_CHECK (p != NULL);
  FUZZ_CHECK (depth <= LIM_SEARCH_DEPTH);
  keys += count_strings (p->bcc) + count_strings (p->body) +
    count_strings (p->cc) + count_strings (p->from) +
    count_strings (p->keyword) + count_strings (p->unkeyword) +
    count_strings (p->subject) + count_strings (p->text) +
    count_strings (p->to);
  for (h = p->header; h; h = h->next) keys++;
  keys += check_set (p->msgno, nmsgs) + check_set (p->uid, maxuid);
  check_date (p->before); check_date (p->on); check_date (p->since);
  check_date (p->sentbefore); check_date (p->senton);
  check_date (p->sentsince);
  for (o = p->or; o; o = o->next)
    keys += 1 + check_pgm (o->first, depth + 1, nmsgs, maxuid) +
      check_pgm (o->second, depth + 1, nmsgs, maxuid);
  for (l = p->not; l; l = l->next)
    keys += 1 + check_pgm (l->pgm, depth + 1, nmsgs, maxuid);
  return keys;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const unsigned long sizes[4] = { 0, 1, 1000, 0xfffffffeUL };
  struct imap_command_line cl;
  struct buf b = BUF_INIT;
  const char *err = NULL, *why = NULL;
  unsigned long nmsgs, maxuid;
  unsigned int y, m, d;
  SEARCHPGM *pgm;
  char *s;

  if (!size) return 0;
  nmsgs = sizes[data[0] & 3];
  maxuid = sizes[(data[0] >> 2) & 3];
  s = fuzz_cstr (data + 1, size - 1);
  if (!search_parse_date (s, &y, &m, &d))
    FUZZ_CHECK (m >= 1 && m <= 12 && d >= 1 && d <= 31 && y <= 9999);
  fs_give ((void **) &s);

  buf_puts (&b, "t SEARCH ");
  buf_append (&b, data + 1, size - 1);
  buf_puts (&b, "\r\n");
  memset (&cl, 0, sizeof cl);
  if (imap_parse_command (b.data, b.len, &cl, &err) == 0) {
    pgm = search_parse (cl.args, nmsgs, maxuid, &why);
    FUZZ_CHECK (!pgm == !!why);
    if (pgm) {
      FUZZ_CHECK (check_pgm (pgm, 0, nmsgs, maxuid) <= LIM_SEARCH_KEYS);
      mail_free_searchpgm (&pgm);
    }
  }
  imap_command_line_free (&cl);
  buf_free (&b);
  return 0;
}

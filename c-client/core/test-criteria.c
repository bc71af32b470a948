/*
 * Unit tests for core/criteria.c: mail_criteria() (IMAP2 search criteria),
 * mail_criteria_string/date, mail_parse_set, mail_append_set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "unit.h"

static char lastlog[1024];
static int nlogs;

void mm_log (char *string, long errflg)
{
  if (errflg == ERROR) {
    snprintf (lastlog, sizeof lastlog, "%s", string ? string : "");
    nlogs++;
  }
}

/* Render a program's lists and flags as text, for table comparisons */
static void render_list (struct buf *b, const char *name, STRINGLIST *s)
{
  for (; s; s = s->next) {
    buf_printf (b, " %s=[", name);
    buf_append (b, s->text.data, s->text.size);
    buf_putc (b, ']');
  }
}

static char *render (SEARCHPGM *p)
{
  struct buf b = BUF_INIT;
  if (!p) return cpystr ("NIL");
  buf_puts (&b, "pgm");
  render_list (&b, "bcc", p->bcc);
  render_list (&b, "body", p->body);
  render_list (&b, "cc", p->cc);
  render_list (&b, "from", p->from);
  render_list (&b, "kw", p->keyword);
  render_list (&b, "unkw", p->unkeyword);
  render_list (&b, "subject", p->subject);
  render_list (&b, "text", p->text);
  render_list (&b, "to", p->to);
  if (p->before) buf_printf (&b, " before=%u", p->before);
  if (p->on) buf_printf (&b, " on=%u", p->on);
  if (p->since) buf_printf (&b, " since=%u", p->since);
  if (p->answered) buf_puts (&b, " answered");
  if (p->unanswered) buf_puts (&b, " unanswered");
  if (p->deleted) buf_puts (&b, " deleted");
  if (p->undeleted) buf_puts (&b, " undeleted");
  if (p->flagged) buf_puts (&b, " flagged");
  if (p->unflagged) buf_puts (&b, " unflagged");
  if (p->recent) buf_puts (&b, " recent");
  if (p->old) buf_puts (&b, " old");
  if (p->seen) buf_puts (&b, " seen");
  if (p->unseen) buf_puts (&b, " unseen");
  return buf_detach (&b);
}

/* 1-Jan-2020 = ((2020-1970) << 9) + (1 << 5) + 1 = 25633 (checked against
 * UW's mail_criteria). */
static const struct {
  const char *in;
  const char *out;		/* render() result */
  const char *log;		/* expected error text (substring) or NULL */
} cases[] = {
  { "", "pgm", NULL },
  { "ALL", "pgm", NULL },
  { "all seen", "pgm seen", NULL },
  { "  SEEN   ANSWERED  ", "pgm answered seen", NULL },
  { "\tSEEN\t", "pgm seen", NULL },
  { "NEW", "pgm recent unseen", NULL },
  { "NEW OLD", "pgm recent old unseen", NULL },
  { "DELETED FLAGGED RECENT UNANSWERED UNDELETED UNFLAGGED UNSEEN",
    "pgm unanswered deleted undeleted flagged unflagged recent unseen", NULL },
  { "FROM joe", "pgm from=[joe]", NULL },
  { "from a from b", "pgm from=[a] from=[b]", NULL },
  { "FROM \"joe smith\"", "pgm from=[joe smith]", NULL },
  { "FROM \"a b\" SUBJECT x", "pgm from=[a b] subject=[x]", NULL },
  { "FROM \"\"", "pgm from=[]", NULL },	/* UW refused an empty string */
  { "BODY a\"b", "pgm body=[a\"b]", NULL },
  { "TEXT {3}\r\nabc SEEN", "pgm text=[abc] seen", NULL },
  { "TEXT {3}\nabc", "pgm text=[abc]", NULL },
  { "TEXT {5}\r\na b c", "pgm text=[a b c]", NULL },
  { "TEXT {0}\r\n", "pgm text=[]", NULL },
  { "BCC x CC y TO z", "pgm bcc=[x] cc=[y] to=[z]", NULL },
  { "KEYWORD foo UNKEYWORD bar", "pgm kw=[foo] unkw=[bar]", NULL },
  { "SINCE 1-Jan-2020", "pgm since=25633", NULL },
  { "since \"1-Jan-2020\"", "pgm since=25633", NULL },
  { "SINCE 01-Jan-2020 BEFORE 31-dec-1999", "pgm before=15263 since=25633",
    NULL },
  { "ON 29-Feb-2000", "pgm on=15453", NULL },
  /* errors */
  { "NOT SEEN", "NIL", "Unknown search criterion: NOT" },
  { "OR SEEN NEW", "NIL", "Unknown search criterion: OR" },
  { "DRAFT", "NIL", "Unknown search criterion: DRAFT" },
  { "UID 1:3", "NIL", "Unknown search criterion: UID" },
  { "SEEN bogus", "NIL", "Unknown search criterion: bogus" },
  { "\"SEEN\"", "NIL", "Unknown search criterion" },
  { "SEEN\r\nX", "NIL", "Unknown search criterion: SEEN??X" },
  { "FROM", "NIL", "argument to search criterion FROM" },
  { "FROM   ", "NIL", "argument to search criterion FROM" },
  { "TEXT \"a", "NIL", "argument to search criterion TEXT" },
  { "SUBJECT \"x\"y", "NIL", "argument to search criterion SUBJECT" },
  { "TEXT {3}\r\nab", "NIL", "argument to search criterion TEXT" },
  { "TEXT {3}\r\nabcd", "NIL", "argument to search criterion TEXT" },
  { "TEXT {3}abc", "NIL", "argument to search criterion TEXT" },
  { "TEXT {}\r\n", "NIL", "argument to search criterion TEXT" },
  { "TEXT {99999999999999999999999}\r\nx", "NIL",
    "argument to search criterion TEXT" },
  { "ON 1-Foo-2000", "NIL", "argument to search criterion ON" },
  { "ON", "NIL", "argument to search criterion ON" },
  { "SINCE \"\"", "NIL", "argument to search criterion SINCE" },
};

static void test_criteria (void)
{
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *in = cpystr (cases[i].in), *got;
    SEARCHPGM *p;
    int before = nlogs;
    lastlog[0] = '\0';
    p = mail_criteria (in);
    got = render (p);
    if (!CHECK_STREQ (got, cases[i].out)) printf ("  input: %s\n", cases[i].in);
    /* the criteria text is not written to (UW's was) */
    CHECK_STREQ (in, cases[i].in);
    if (cases[i].log) {
      CHECK_INTEQ (nlogs, before + 1);
      if (!CHECK (strstr (lastlog, cases[i].log) != NULL))
	printf ("  log: %s\n", lastlog);
    }
    else CHECK_INTEQ (nlogs, before);
    fs_give ((void **) &got);
    fs_give ((void **) &in);
    if (p) mail_free_searchpgm (&p);
  }
  CHECK (mail_criteria (NIL) == NIL);
  {				/* a bounded number of keys */
    struct buf b = BUF_INIT;
    SEARCHPGM *p;
    unsigned long k;
    for (k = 0; k < LIM_SEARCH_KEYS; k++) buf_puts (&b, "FROM x ");
    p = mail_criteria (b.data);
    CHECK (p != NIL);
    mail_free_searchpgm (&p);
    buf_puts (&b, "SEEN");
    lastlog[0] = '\0';
    CHECK (mail_criteria (b.data) == NIL);
    CHECK (strstr (lastlog, "Too many") != NULL);
    buf_free (&b);
  }
}

static void test_criteria_string (void)
{
  STRINGLIST *s = NIL;
  char text[] = "  \"two words\" next", *r = text;
  unsigned short d = 0;
  char date[] = "1-Jan-2020 rest", *rd = date;
  char bad[] = "notadate", *rb = bad;

  CHECK (mail_criteria_string (&s, &r));
  CHECK (s && s->text.size == 9 && !strcmp ((char *) s->text.data, "two words"));
  CHECK_STREQ (r, " next");
  CHECK (mail_criteria_string (&s, &r));
  CHECK (s && s->next && !strcmp ((char *) s->next->text.data, "next"));
  CHECK (!mail_criteria_string (&s, &r));	/* nothing left */
  mail_free_stringlist (&s);
  CHECK (mail_criteria_date (&d, &rd));
  CHECK_INTEQ (d, 25633);
  CHECK_STREQ (rd, " rest");
  d = 7;
  CHECK (!mail_criteria_date (&d, &rb));
  CHECK_INTEQ (d, 7);
}

/* Render a set as "1:3,5" */
static char *render_set (SEARCHSET *s)
{
  struct buf b = BUF_INIT;
  for (; s; s = s->next) {
    if (b.len) buf_putc (&b, ',');
    if (s->first == 0xffffffff) buf_putc (&b, '*');
    else buf_printf (&b, "%lu", s->first);
    if (s->last == 0xffffffff) buf_puts (&b, ":*");
    else if (s->last) buf_printf (&b, ":%lu", s->last);
  }
  return buf_detach (&b);
}

static const struct {
  const char *in;
  const char *out;		/* NULL: must fail */
  const char *rest;
} sets[] = {
  { "1", "1", "" },
  { "1:3,5,7:*,9 x", "1:3,5,7:*,9", " x" },
  { "*", "*", "" },
  { "*:4", "*:4", "" },
  { "4:2", "4:2", "" },		/* order kept; search accepts either */
  { "4294967295", "*", "" },	/* the largest number is "*" */
  { "12)", "12", ")" },
  { "0", NULL, NULL },
  { "1:0", NULL, NULL },
  { "1,", NULL, NULL },
  { ",1", NULL, NULL },
  { "1::2", NULL, NULL },
  { "", NULL, NULL },
  { "x", NULL, NULL },
  { "4294967296", NULL, NULL },
  { "99999999999999999999999999", NULL, NULL },
};

static void test_parse_set (void)
{
  size_t i;
  for (i = 0; i < sizeof sets / sizeof sets[0]; i++) {
    char *in = cpystr (sets[i].in), *rest = NIL;
    SEARCHSET *s = mail_parse_set (in, &rest);
    if (sets[i].out) {
      char *got = render_set (s);
      if (!CHECK_STREQ (got, sets[i].out)) printf ("  input: %s\n", sets[i].in);
      CHECK_STREQ (rest, sets[i].rest);
      fs_give ((void **) &got);
    }
    else if (!CHECK (s == NIL)) printf ("  input: %s\n", sets[i].in);
    mail_free_searchset (&s);
    fs_give ((void **) &in);
  }
  CHECK (mail_parse_set (NIL, NIL) == NIL);
  {				/* too many ranges */
    struct buf b = BUF_INIT;
    char *rest;
    unsigned long i2;
    SEARCHSET *s;
    for (i2 = 0; i2 <= LIM_SEQSET_RANGES; i2++)
      buf_printf (&b, "%s%lu", i2 ? "," : "", i2 * 2 + 1);
    s = mail_parse_set (b.data, &rest);
    CHECK (s == NIL);
    buf_free (&b);
  }
}

static void test_append_set (void)
{
  SEARCHSET *set = mail_newsearchset (), *tail;
  static const unsigned long nums[] = { 3, 4, 5, 7, 9, 10, 2 };
  size_t i;
  char *got;

  CHECK (mail_append_set (NIL, 1) == NIL);
  for (i = 0, tail = set; i < sizeof nums / sizeof nums[0]; i++)
    tail = mail_append_set (tail, nums[i]);
  got = render_set (set);
  CHECK_STREQ (got, "3:5,7,9:10,2");
  CHECK (tail && tail->first == 2 && !tail->next);
  fs_give ((void **) &got);
  mail_free_searchset (&set);
}

int main (void)
{
  test_criteria ();
  test_criteria_string ();
  test_parse_set ();
  test_append_set ();
  return unit_done ();
}

/*
 * mail_criteria() (IMAP2 search criteria text -> SEARCHPGM) and
 * seqset_parse() (IMAP sequence sets) on the input as a C string.
 */
#include "fuzz.h"

static void seqset (const char *s, unsigned long max)
{
  const char *err = NIL;
  SEARCHSET *set = seqset_parse (s, max, &err), *p;
  unsigned long n = 0;
  FUZZ_CHECK (!set == !!err);		/* a set, or an error, never both */
  for (p = set; p; p = p->next) {
    FUZZ_CHECK (++n <= LIM_SEQSET_RANGES);
    FUZZ_CHECK (p->first <= p->last);
    FUZZ_CHECK (p->first >= 1 || max == 0);
    /* every parsed range contains its own ends (the literal 4294967295
     * once collided with the "*" marker: fuzz/crashes/criteria-literal-max) */
    FUZZ_CHECK (seqset_contains (set, p->first, max));
    FUZZ_CHECK (seqset_contains (set, p->last, max));
  }
  mail_free_searchset (&set);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = fuzz_cstr (data, size);
  SEARCHPGM *pgm = mail_criteria (s);
  mail_free_searchpgm (&pgm);
  seqset (s, 1000);
  seqset (s, 0xffffffffUL);
  seqset (s, 0);
  fs_give ((void **) &s);
  return 0;
}

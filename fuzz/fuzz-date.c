/*
 * mail_parse_date() on the input; a date it accepts must survive
 * mail_date(), mail_cdate() and mail_longdate(), and mail_date()'s text
 * must parse back to the same fields.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = fuzz_cstr (data, size);
  char d[256], c[256];
  MESSAGECACHE elt, elt2;

  memset (&elt, 0, sizeof elt);
  if (mail_parse_date (&elt, (unsigned char *) s)) {
    unsigned long t = mail_longdate (&elt);
    FUZZ_CHECK (elt.month >= 1 && elt.month <= 12);
    FUZZ_CHECK (elt.day >= 1 && elt.day <= 31);
    FUZZ_CHECK (elt.hours <= 23 && elt.minutes <= 59 && elt.seconds <= 60);
    FUZZ_CHECK (elt.zhours <= 15 && elt.zminutes <= 59);
    mail_date (d, &elt);
    mail_cdate (c, &elt);
    memset (&elt2, 0xff, sizeof elt2);
    if (!mail_parse_date (&elt2, (unsigned char *) d)) {
      fprintf (stderr, "mail_date gave \"%s\" for \"%s\": does not parse\n", d, s);
      FUZZ_CHECK (!"mail_date round trip");
    }
    if (elt2.day != elt.day || elt2.month != elt.month ||
	elt2.year != elt.year || elt2.hours != elt.hours ||
	elt2.minutes != elt.minutes || elt2.seconds != elt.seconds ||
	elt2.zoccident != elt.zoccident || elt2.zhours != elt.zhours ||
	elt2.zminutes != elt.zminutes) {
      fprintf (stderr, "\"%s\" -> \"%s\" parses to other fields\n", s, d);
      FUZZ_CHECK (!"mail_date round trip fields");
    }
    FUZZ_CHECK (mail_longdate (&elt2) == t);
  }
  fs_give ((void **) &s);
  return 0;
}

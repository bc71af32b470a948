/*
 * Unit tests for proto/date.c.  Expected values were checked against UW
 * c-client (Debian's imap-2007e) except where a comment says we differ.
 */
#include <string.h>
#include <time.h>
#include "internal.h"
#include "unit.h"

struct date_case {
  const char *in;
  const char *imap;		/* mail_date() result, NIL if the parse fails */
  unsigned long when;		/* mail_longdate() */
};

static const struct date_case cases[] = {
  /* RFC 5322 and its examples */
  { "Fri, 21 Nov 1997 09:55:06 -0600", "21-Nov-1997 09:55:06 -0600", 880127706 },
  { "Tue, 1 Jul 2003 10:52:37 +0200", " 1-Jul-2003 10:52:37 +0200", 1057049557 },
  { "Thu, 13 Feb 1969 23:32:54 -0330", NIL, 0 },	/* before 1970 */
  { "21 Nov 97 09:55:06 GMT", "21-Nov-1997 09:55:06 +0000", 880106106 },
  { "Mon, 13 Jan 2020 10:00:00 (comment) +0100",	/* UW ignores the zone */
    "13-Jan-2020 10:00:00 +0100", 1578906000 },
  { "13 Jan 2020 10:00:00 +0000 (PST)", "13-Jan-2020 10:00:00 +0000", 1578909600 },
  { "13 Jan 2020 10:00:00+0000", "13-Jan-2020 10:00:00 +0000", 1578909600 },
  { "Mon , 13 Jan 2020 10:00:00 +0000",	/* UW refuses these two */
    "13-Jan-2020 10:00:00 +0000", 1578909600 },
  { "Monday, 13 Jan 2020 10:00:00 +0000", "13-Jan-2020 10:00:00 +0000", 1578909600 },
  { "13 January 2020 10:00:00 +0000", "13-Jan-2020 10:00:00 +0000", 1578909600 },
  { "13 jan 2020 10:00:00 +0000", "13-Jan-2020 10:00:00 +0000", 1578909600 },
  { "13 JAN 2020 10:00:00 +0000", "13-Jan-2020 10:00:00 +0000", 1578909600 },
  /* IMAP internal date and the other UW forms */
  { "17-Jul-1996 02:44:25 -0700", "17-Jul-1996 02:44:25 -0700", 837596665 },
  { " 3-Jan-2020 10:00:00 +0000", " 3-Jan-2020 10:00:00 +0000", 1578045600 },
  { "13-Jan-2020", "13-Jan-2020 00:00:00 +0000", 1578873600 },
  { "1/2/2003", " 2-Jan-2003 00:00:00 +0000", 1041465600 },
  { "12/31/99", "31-Dec-1999 00:00:00 +0000", 946598400 },
  { "13/1/2020", NIL, 0 },
  /* missing parts */
  { "1 Jan 2020", " 1-Jan-2020 00:00:00 +0000", 1577836800 },
  { "Mon, 13 Jan 2020 10:00", "13-Jan-2020 10:00:00 +0000", 1578909600 },
  { "Mon, 13 Jan 2020 10:", "13-Jan-2020 10:00:00 +0000", 1578909600 },
  { "Mon, 13 Jan 2020 9:5:3 +0000", "13-Jan-2020 09:05:03 +0000", 1578906303 },
  { "Mon, 13 Jan 2020 10", NIL, 0 },
  { "1 Jan 2020 00:00 EST", " 1-Jan-2020 00:00:00 -0500", 1577854800 },
  /* two- and three-digit years (RFC 5322 section 4.3) */
  { "1 Jan 05 10:00:00 +0000", " 1-Jan-2005 10:00:00 +0000", 1104573600 },
  { "1 Jan 00 10:00:00 +0000", " 1-Jan-2000 10:00:00 +0000", 946720800 },
  { "1 Jan 48 10:00:00 +0000", " 1-Jan-2048 10:00:00 +0000", 2461485600UL },
  { "1 Jan 49 10:00:00 +0000",	/* UW refuses 49 */
    " 1-Jan-2049 10:00:00 +0000", 2493108000UL },
  { "1 Jan 50 10:00:00 +0000", NIL, 0 },		/* 1950 */
  { "1 Jan 69 10:00:00 +0000", NIL, 0 },
  { "1 Jan 70 10:00:00 +0000", " 1-Jan-1970 10:00:00 +0000", 36000 },
  { "1 Jan 99 10:00:00 +0000", " 1-Jan-1999 10:00:00 +0000", 915184800 },
  { "1 Jan 100 10:00:00 +0000", " 1-Jan-2000 10:00:00 +0000", 946720800 },
  { "1 Jan 999 10:00:00 +0000", NIL, 0 },
  /* range of MESSAGECACHE */
  { "1 Jan 1969 10:00:00 +0000", NIL, 0 },
  { "1 Jan 1970 00:00:00 +0000", " 1-Jan-1970 00:00:00 +0000", 0 },
  { "1 Jan 1970 00:00:00 +0100", " 1-Jan-1970 00:00:00 +0100", 0 },	/* clamped */
  { "1 Jan 1970 00:00:00 -0100", " 1-Jan-1970 00:00:00 -0100", 3600 },
  { "1 Jan 2097 10:00:00 +0000", " 1-Jan-2097 10:00:00 +0000", 4007872800UL },
  { "31 Dec 2097 23:59:59 -1200", "31-Dec-2097 23:59:59 -1200", 4039415999UL },
  { "1 Jan 2098 10:00:00 +0000", NIL, 0 },
  /* field ranges */
  { "32 Jan 2020 10:00:00 +0000", NIL, 0 },
  { "0 Jan 2020 10:00:00 +0000", NIL, 0 },
  { "1 Foo 2020 10:00:00 +0000", NIL, 0 },
  { "1 Ja 2020 10:00:00 +0000", NIL, 0 },
  { "1 Jan 2020 24:00:00 +0000", NIL, 0 },
  { "Mon, 13 Jan 2020 10:61", NIL, 0 },
  { "1 Jan 2020 10:00:61 +0000", NIL, 0 },
  { "1 Jan 2020 10:00:60 +0000", " 1-Jan-2020 10:00:60 +0000", 1577872860 },
  { "29 Feb 2021 10:00:00 +0000", "29-Feb-2021 10:00:00 +0000", 1614592800 },
  { "31 Apr 2021 10:00:00 +0000", "31-Apr-2021 10:00:00 +0000", 1619863200 },
  { "013 Jan 2020 10:00:00 +0000", "13-Jan-2020 10:00:00 +0000", 1578909600 },
  { "13 Jan 02020 10:00:00 +0000", "13-Jan-2020 10:00:00 +0000", 1578909600 },
  { "13 Jan 2020 010:00:00 +0000", "13-Jan-2020 10:00:00 +0000", 1578909600 },
  /* overflowing digits */
  { "1 Jan 99999999999 10:00:00 +0000", NIL, 0 },
  { "99999999999 Jan 2020", NIL, 0 },
  { "1 Jan 2020 99999999999:00 +0000", NIL, 0 },
  { "1 Jan 2020 10:99999999999999 +0000", NIL, 0 },
  { "4294967297 Jan 2020", NIL, 0 },
  { "1 Jan 2020 10:00:00 +99999999999", " 1-Jan-2020 10:00:00 +0000", 1577872800 },
  /* numeric zones */
  { "1 Jan 2020 10:00:00 +0530", " 1-Jan-2020 10:00:00 +0530", 1577853000 },
  { "13 Jan 2020 10:00:00 -0130", "13-Jan-2020 10:00:00 -0130", 1578915000 },
  { "1 Jan 2020 10:00:00 -1200", " 1-Jan-2020 10:00:00 -1200", 1577916000 },
  { "1 Jan 2020 10:00:00 +1400", " 1-Jan-2020 10:00:00 +1400", 1577822400 },
  { "1 Jan 2020 10:00:00 +1500", " 1-Jan-2020 10:00:00 +1500", 1577818800 },
  { "1 Jan 2020 10:00:00 +1600", " 1-Jan-2020 10:00:00 +0000", 1577872800 },
  { "1 Jan 2020 10:00:00 +9999", " 1-Jan-2020 10:00:00 +0000", 1577872800 },
  { "1 Jan 2020 10:00:00 +0060", " 1-Jan-2020 10:00:00 +0000", 1577872800 },
  { "1 Jan 2020 10:00:00 +05", " 1-Jan-2020 10:00:00 +0000", 1577872800 },
  { "1 Jan 2020 10:00:00 -0000", " 1-Jan-2020 10:00:00 -0000", 1577872800 },
  /* obsolete zones */
  { "1 Jan 2020 10:00:00 UT", " 1-Jan-2020 10:00:00 +0000", 1577872800 },
  { "1 Jan 2020 10:00:00 GMT", " 1-Jan-2020 10:00:00 +0000", 1577872800 },
  { "1 Jan 2020 10:00:00 EST", " 1-Jan-2020 10:00:00 -0500", 1577890800 },
  { "1 Jan 2020 10:00:00 EDT", " 1-Jan-2020 10:00:00 -0400", 1577887200 },
  { "1 Jan 2020 10:00:00 CST", " 1-Jan-2020 10:00:00 -0600", 1577894400 },
  { "1 Jan 2020 10:00:00 CDT", " 1-Jan-2020 10:00:00 -0500", 1577890800 },
  { "1 Jan 2020 10:00:00 MST", " 1-Jan-2020 10:00:00 -0700", 1577898000 },
  { "1 Jan 2020 10:00:00 MDT", " 1-Jan-2020 10:00:00 -0600", 1577894400 },
  { "1 Jan 2020 10:00:00 PST", " 1-Jan-2020 10:00:00 -0800", 1577901600 },
  { "Mon, 13 Jan 2020 10:00:00 PDT", "13-Jan-2020 10:00:00 -0700", 1578934800 },
  { "1 Jan 2020 10:00:00 est", " 1-Jan-2020 10:00:00 -0500", 1577890800 },
  { "1 Jan 2020 10:00:00 AST", " 1-Jan-2020 10:00:00 -0400", 1577887200 },
  { "1 Jan 2020 10:00:00 YST", " 1-Jan-2020 10:00:00 -0900", 1577905200 },
  { "1 Jan 2020 10:00:00 HST", " 1-Jan-2020 10:00:00 -1000", 1577908800 },
  { "1 Jan 2020 10:00:00 JST", " 1-Jan-2020 10:00:00 +0900", 1577840400 },
  { "1 Jan 2020 10:00:00 MET", " 1-Jan-2020 10:00:00 +0100", 1577869200 },
  { "1 Jan 2020 10:00:00 EET", " 1-Jan-2020 10:00:00 +0200", 1577865600 },
  { "1 Jan 2020 10:00:00 CET",	/* UW does not know CET */
    " 1-Jan-2020 10:00:00 +0100", 1577869200 },
  { "1 Jan 2020 10:00:00 BST", " 1-Jan-2020 10:00:00 +0000", 1577872800 },
  { "1 Jan 2020 10:00:00 XYZ", " 1-Jan-2020 10:00:00 +0000", 1577872800 },
  /* military zones, RFC 822 signs as UW */
  { "Mon, 13 Jan 2020 10:00:00 Z", "13-Jan-2020 10:00:00 +0000", 1578909600 },
  { "1 Jan 2020 10:00:00 z", " 1-Jan-2020 10:00:00 +0000", 1577872800 },
  { "Mon, 13 Jan 2020 10:00:00 A", "13-Jan-2020 10:00:00 +0100", 1578906000 },
  { "Mon, 13 Jan 2020 10:00:00 I", "13-Jan-2020 10:00:00 +0900", 1578877200 },
  { "Mon, 13 Jan 2020 10:00:00 K", "13-Jan-2020 10:00:00 +1000", 1578873600 },
  { "Mon, 13 Jan 2020 10:00:00 M", "13-Jan-2020 10:00:00 +1200", 1578866400 },
  { "Mon, 13 Jan 2020 10:00:00 N", "13-Jan-2020 10:00:00 -0100", 1578913200 },
  { "Mon, 13 Jan 2020 10:00:00 Y", "13-Jan-2020 10:00:00 -1200", 1578952800 },
  { "1 Jan 2020 10:00:00 J", " 1-Jan-2020 10:00:00 +0000", 1577872800 },
  /* garbage */
  { "1 Jan 2020 10:00:00 garbage", " 1-Jan-2020 10:00:00 +0000", 1577872800 },
  { "", NIL, 0 },
  { "   ", NIL, 0 },
  { "Mon,", NIL, 0 },
  { "13 Jan", NIL, 0 },
  { "Mon Jan 13 10:00:00 2020", NIL, 0 },
  { "2020-01-13 10:00:00", NIL, 0 },
  { "13 Jan 2020 10.00.00 +0000", NIL, 0 },
  { "(unterminated", NIL, 0 },
  { "Xyz, 1 Jan 2020", NIL, 0 },
};

static void test_parse (void)
{
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    MESSAGECACHE elt, again;
    char buf[64];
    long ok;
    memset (&elt, 0, sizeof elt);
    ok = mail_parse_date (&elt, (unsigned char *) cases[i].in);
    if (!CHECK_INTEQ (ok != 0, cases[i].imap != NIL)) {
      printf ("  input: %s\n", cases[i].in);
      continue;
    }
    if (!ok) continue;
    if (!CHECK_STREQ (mail_date (buf, &elt), cases[i].imap))
      printf ("  input: %s\n", cases[i].in);
    if (!CHECK_INTEQ (mail_longdate (&elt), cases[i].when))
      printf ("  input: %s\n", cases[i].in);
    /* the IMAP form reads back to the same fields */
    memset (&again, 0, sizeof again);
    CHECK (mail_parse_date (&again, (unsigned char *) buf));
    CHECK (again.day == elt.day && again.month == elt.month &&
	   again.year == elt.year && again.hours == elt.hours &&
	   again.minutes == elt.minutes && again.seconds == elt.seconds &&
	   again.zoccident == elt.zoccident && again.zhours == elt.zhours &&
	   again.zminutes == elt.zminutes);
  }
  CHECK (mail_parse_date (NIL, (unsigned char *) "1 Jan 2020") == NIL);
}

static void test_output (void)
{
  MESSAGECACHE elt;
  char buf[64];
  memset (&elt, 0, sizeof elt);
  CHECK (mail_parse_date (&elt, (unsigned char *) "Fri, 21 Nov 1997 09:55:06 -0600"));
  CHECK_STREQ (mail_cdate (buf, &elt), "Fri Nov 21 09:55:06 1997 -0600\n");
  CHECK (mail_parse_date (&elt, (unsigned char *) "1 Jul 2003 10:52:37 +0200"));
  CHECK_STREQ (mail_cdate (buf, &elt), "Tue Jul  1 10:52:37 2003 +0200\n");
  CHECK (mail_parse_date (&elt, (unsigned char *) "31 Apr 2021 10:00:00 +0000"));
  CHECK_STREQ (mail_cdate (buf, &elt), "Sat Apr 31 10:00:00 2021 +0000\n");
  CHECK (mail_parse_date (&elt, (unsigned char *) "1 Jan 1970"));
  CHECK_STREQ (mail_cdate (buf, &elt), "Thu Jan  1 00:00:00 1970 +0000\n");
  CHECK (mail_parse_date (&elt, (unsigned char *) "29 Feb 2000 12:00 -0000"));
  CHECK_STREQ (mail_cdate (buf, &elt), "Tue Feb 29 12:00:00 2000 -0000\n");
  /* an empty elt still gives well-formed text, never an out-of-range read */
  memset (&elt, 0, sizeof elt);
  CHECK_STREQ (mail_date (buf, &elt), " 1-Jan-1970 00:00:00 +0000");
  CHECK_INTEQ (mail_longdate (&elt), 0);
  elt.month = 13;
  CHECK_STREQ (mail_date (buf, &elt), " 1-Jan-1970 00:00:00 +0000");
  CHECK (strcmp (days[0], "Sun") == 0 && strcmp (days[6], "Sat") == 0);
  CHECK (strcmp (months[0], "Jan") == 0 && strcmp (months[11], "Dec") == 0);
}

static void test_shortdate (void)
{
  /* UW's packing; year is relative to BASEYEAR, as in MESSAGECACHE */
  CHECK_INTEQ (mail_shortdate (50, 1, 1), 25633);
  CHECK_INTEQ (mail_shortdate (0, 1, 1), 33);
  CHECK_INTEQ (mail_shortdate (127, 12, 31), (127 << 9) + (12 << 5) + 31);
  CHECK (mail_shortdate (30, 1, 1) < mail_shortdate (30, 1, 2));
  CHECK (mail_shortdate (30, 1, 31) < mail_shortdate (30, 2, 1));
  CHECK (mail_shortdate (30, 12, 31) < mail_shortdate (31, 1, 1));
}

struct from_time_case {
  long long t;
  int off;
  const char *imap;		/* NIL: refused */
};

static void test_date_from_time (void)
{
  static const struct from_time_case c[] = {
    { 0, 0, " 1-Jan-1970 00:00:00 +0000" },
    { 0, -60, NIL },		/* local date is 1969 */
    { 0, 60, " 1-Jan-1970 01:00:00 +0100" },
    { 880127706, -360, "21-Nov-1997 09:55:06 -0600" },
    { 1057049557, 120, " 1-Jul-2003 10:52:37 +0200" },
    { 1577853000, 330, " 1-Jan-2020 10:00:00 +0530" },
    { 951825600, 0, "29-Feb-2000 12:00:00 +0000" },
    { 4039415999LL, -720, "31-Dec-2097 23:59:59 -1200" },
    { 4039459200LL, 0, NIL },	/* 2098 */
    { -1, 0, NIL },
    { 1577853000, 16 * 60, NIL },
    { 1577853000, -16 * 60, NIL },
  };
  size_t i;
  for (i = 0; i < sizeof c / sizeof c[0]; i++) {
    MESSAGECACHE elt;
    char buf[64];
    long ok;
    memset (&elt, 0, sizeof elt);
    ok = date_from_time (&elt, (time_t) c[i].t, c[i].off);
    if (!CHECK_INTEQ (ok != 0, c[i].imap != NIL)) {
      printf ("  case %zu\n", i);
      continue;
    }
    if (!ok) {
      CHECK (elt.year == 0 && elt.month == 0);	/* left alone */
      continue;
    }
    CHECK_STREQ (mail_date (buf, &elt), c[i].imap);
    if (c[i].t >= 0) CHECK_INTEQ (mail_longdate (&elt), c[i].t);
  }
  /* every day from 1970 to 2097 maps back to itself */
  {
    long long t;
    int bad = 0;
    for (t = 0; t < 4039372800LL && !bad; t += 86400 + 3607) {
      MESSAGECACHE elt;
      memset (&elt, 0, sizeof elt);
      if (!date_from_time (&elt, (time_t) t, 0) ||
	  mail_longdate (&elt) != (unsigned long) t) bad = 1;
    }
    CHECK (!bad);
  }
}

/* date_month_days: the strict checks of IMAP dates rest on it */
static void test_month_days (void)
{
  static const struct { unsigned int y, m; int days; } t[] = {
    { 2024, 1, 31 }, { 2024, 2, 29 }, { 2023, 2, 28 }, { 1900, 2, 28 },
    { 2000, 2, 29 }, { 2100, 2, 28 }, { 2024, 4, 30 }, { 2024, 6, 30 },
    { 2024, 9, 30 }, { 2024, 11, 30 }, { 2024, 12, 31 }, { 2024, 0, 0 },
    { 2024, 13, 0 },
  };
  size_t i;
  for (i = 0; i < sizeof t / sizeof t[0]; i++)
    CHECK_INTEQ (date_month_days (t[i].y, t[i].m), t[i].days);
}

int main (void)
{
  test_parse ();
  test_output ();
  test_shortdate ();
  test_date_from_time ();
  test_month_days ();
  return unit_done ();
}

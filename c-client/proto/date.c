/*
 * Dates: parsing RFC 5322 (and older) date-times into a MESSAGECACHE, and
 * writing the IMAP internal date and ctime-like forms.  No clock access
 * here: the "now" functions are in os/clock-date.c.
 *
 * MESSAGECACHE holds a local date-time plus its zone: year is years since
 * BASEYEAR (1970) in 7 bits, so 1970..2097 are representable; zhours has
 * 4 bits, so zones up to +/-15:59.
 *
 * mail_parse_date() accepts, with white space and comments between tokens:
 *   [day-of-week ","] date [time [zone]] [anything]
 *   date: d[d] month-name yy[yy] | d[d]-month-name-yy[yy] | mm/dd/yy[yy]
 *   time: h[h]:mm[:ss]    (seconds may be 60, for a leap second)
 *   zone: +hhmm / -hhmm, UT, GMT, Z, the RFC 822 zones (EST ... PDT), a few
 *         other well-known abbreviations, and the military letters
 * A missing time is midnight; a missing, unknown or malformed zone is
 * +0000 (RFC 5322 says such a date is in an unknown zone, and UW c-client
 * stores +0000 too).  Two-digit years follow RFC 5322 section 4.3: 00-49
 * are 2000-2049, 50-99 are 1950-1999; three-digit years add 1900.
 * Military letters follow RFC 822 (A = +1 ... M = +12, N = -1 ... Y = -12,
 * Z = 0), as UW does; RFC 5322 notes that RFC 822 had their signs
 * backwards, so nothing better than UW's reading is known.
 */
#include <stdio.h>
#include <string.h>
#include "rfc822-int.h"

const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
			 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

#define MAXYEAR (BASEYEAR + 127)

struct zone {
  const char *name;
  int minutes;			/* east of UTC */
};

/* RFC 822 zones plus unambiguous abbreviations in common use.  Ambiguous
 * ones (BST, IST, CST-as-China ...) are left out: they read as +0000. */
static const struct zone zones[] = {
  { "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "WET", 0 },
  { "EST", -5 * 60 }, { "EDT", -4 * 60 },
  { "CST", -6 * 60 }, { "CDT", -5 * 60 },
  { "MST", -7 * 60 }, { "MDT", -6 * 60 },
  { "PST", -8 * 60 }, { "PDT", -7 * 60 },
  { "AST", -4 * 60 }, { "ADT", -3 * 60 },
  { "NST", -(3 * 60 + 30) }, { "NDT", -(2 * 60 + 30) },
  { "YST", -9 * 60 }, { "YDT", -8 * 60 },
  { "AKST", -9 * 60 }, { "AKDT", -8 * 60 },
  { "HST", -10 * 60 }, { "HDT", -9 * 60 },
  { "WEST", 60 }, { "CET", 60 }, { "CEST", 2 * 60 },
  { "MET", 60 }, { "MEST", 2 * 60 }, { "EET", 2 * 60 }, { "EEST", 3 * 60 },
  { "JST", 9 * 60 }, { "KST", 9 * 60 },
  { "AEST", 10 * 60 }, { "AEDT", 11 * 60 },
  { "NZST", 12 * 60 }, { "NZDT", 13 * 60 },
};

static int is_digit (int c)
{
  return c >= '0' && c <= '9';
}

static int is_alpha (int c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Skip white space and (nested, bounded) comments */
static const unsigned char *skip (const unsigned char *s)
{
  for (;;) {
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    if (*s != '(') return s;
    else {
      unsigned long depth = 0;
      for (; *s; s++) {
	if (*s == '\\' && s[1]) s++;
	else if (*s == '(') depth++;
	else if (*s == ')' && !--depth) {
	  s++;
	  break;
	}
      }
    }
  }
}

/* Read a decimal number of at most 9 digits; NIL if none or too long */
static const unsigned char *number (const unsigned char *s, long *val,
				    int *ndigits)
{
  int n = 0;
  long v = 0;
  while (is_digit (*s)) {
    if (++n > 9) return NIL;
    v = v * 10 + (*s++ - '0');
  }
  if (!n) return NIL;
  *val = v;
  if (ndigits) *ndigits = n;
  return s;
}

/* Length of the alphabetic word at s */
static size_t alpha_len (const unsigned char *s)
{
  size_t n = 0;
  while (is_alpha (s[n])) n++;
  return n;
}

static int ncase_eq (const unsigned char *a, const char *b, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (!b[i] || UCASE (a[i]) != UCASE ((unsigned char) b[i])) return 0;
  return 1;
}

/* Month from a name (3 letters or longer, e.g. "January"); 0 if none */
static int month_of (const unsigned char *s, size_t n)
{
  int m;
  if (n < 3) return 0;
  for (m = 0; m < 12; m++)
    if (ncase_eq (s, months[m], 3)) return m + 1;
  return 0;
}

/* Zone from a name; returns 1 and sets *minutes if known */
static int zone_of (const unsigned char *s, size_t n, int *minutes)
{
  size_t i;
  if (n == 1) {			/* military */
    int c = UCASE (*s);
    if (c == 'Z') *minutes = 0;
    else if (c >= 'A' && c <= 'I') *minutes = (c - 'A' + 1) * 60;
    else if (c >= 'K' && c <= 'M') *minutes = (c - 'K' + 10) * 60;
    else if (c >= 'N' && c <= 'Y') *minutes = -(c - 'N' + 1) * 60;
    else return 0;		/* J is not a zone */
    return 1;
  }
  for (i = 0; i < sizeof zones / sizeof zones[0]; i++)
    if (strlen (zones[i].name) == n && ncase_eq (s, zones[i].name, n)) {
      *minutes = zones[i].minutes;
      return 1;
    }
  return 0;
}

/* Set elt's zone fields from minutes east of UTC */
static void set_zone (MESSAGECACHE *elt, int minutes, int negzero)
{
  elt->zoccident = (minutes < 0 || negzero) ? 1 : 0;
  if (minutes < 0) minutes = -minutes;
  elt->zhours = minutes / 60;
  elt->zminutes = minutes % 60;
}

long mail_parse_date (MESSAGECACHE *elt, unsigned char *string)
{
  const unsigned char *s, *t;
  long day, month, year, hours = 0, minutes = 0, seconds = 0, v;
  int nd, zmin = 0, negzero = 0;
  size_t n;
  if (!elt || !string) return NIL;
  s = skip (string);
  if ((n = alpha_len (s))) {	/* day of week, checked loosely, ignored */
    int d;
    for (d = 0; d < 7 && !ncase_eq (s, days[d], 3); d++);
    if (d == 7 || n < 3) return NIL;
    s = skip (s + n);
    if (*s == ',') s = skip (s + 1);
  }
  if (!(s = number (s, &day, NIL))) return NIL;
  if (*s == '/') {		/* mm/dd/yy[yy] */
    month = day;
    if (!(s = number (s + 1, &day, NIL)) || *s != '/') return NIL;
    s++;
  }
  else {			/* d[d] Mon yy[yy], d[d]-Mon-yy[yy] */
    s = (*s == '-') ? s + 1 : skip (s);
    if (!(month = month_of (s, n = alpha_len (s)))) return NIL;
    s += n;
    s = (*s == '-') ? s + 1 : skip (s);
  }
  if (!(s = number (s, &year, &nd))) return NIL;
  if (nd <= 2) year += (year < 50) ? 2000 : 1900;
  else if (nd == 3) year += 1900;
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < BASEYEAR ||
      year > MAXYEAR)
    return NIL;
  s = skip (s);
  if (is_digit (*s)) {		/* time */
    if (!(s = number (s, &hours, NIL)) || *s != ':') return NIL;
    s++;
    if (is_digit (*s)) {	/* "10:" alone is 10:00, as UW reads it */
      if (!(s = number (s, &minutes, NIL))) return NIL;
      if (*s == ':' && is_digit (s[1])) {
	if (!(s = number (s + 1, &seconds, NIL))) return NIL;
      }
    }
    if (hours > 23 || minutes > 59 || seconds > 60) return NIL;
    s = skip (s);
    if ((*s == '+' || *s == '-') && is_digit (s[1])) {
      /* exactly hhmm, hours up to 15 (what MESSAGECACHE holds) */
      t = number (s + 1, &v, &nd);
      if (t && nd == 4 && v / 100 <= 15 && v % 100 <= 59) {
	zmin = (int) ((v / 100) * 60 + v % 100);
	if (*s == '-') {
	  zmin = -zmin;
	  negzero = !zmin;	/* "-0000": zone unknown, keep the sign */
	}
      }
    }
    else if ((n = alpha_len (s)) && !zone_of (s, n, &zmin)) zmin = 0;
  }
  elt->day = day;
  elt->month = month;
  elt->year = year - BASEYEAR;
  elt->hours = hours;
  elt->minutes = minutes;
  elt->seconds = seconds;
  set_zone (elt, zmin, negzero);
  return T;
}

int date_month_days (unsigned int year, unsigned int month)
{
  static const unsigned char d[12] = {
    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
  };
  if (month < 1 || month > 12) return 0;
  if (month == 2 && !(year % 4) && ((year % 100) || !(year % 400)))
    return 29;
  return d[month - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar;
 * out-of-range days (Feb 30) just run on into the next month. */
static long days_from_civil (long y, long m, long d)
{
  long era, yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days (long z, long *y, long *m, long *d)
{
  long era, doe, yoe, doy, mp;
  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yoe + era * 400 + (*m <= 2);
}

static int zone_minutes (MESSAGECACHE *elt)
{
  int z = elt->zhours * 60 + elt->zminutes;
  return elt->zoccident ? -z : z;
}

/* Seconds since the epoch, UTC; 0 for anything before it */
unsigned long mail_longdate (MESSAGECACHE *elt)
{
  long long t;
  long m = elt->month ? elt->month : 1, d = elt->day ? elt->day : 1;
  t = (long long) days_from_civil (elt->year + BASEYEAR, m, d) * 86400 +
    elt->hours * 3600L + elt->minutes * 60L + elt->seconds -
    zone_minutes (elt) * 60L;
  return t < 0 ? 0 : (unsigned long) t;
}

/* Weekday of elt's local date, 0 = Sunday */
static int weekday (MESSAGECACHE *elt)
{
  long m = elt->month ? elt->month : 1, d = elt->day ? elt->day : 1;
  long z = days_from_civil (elt->year + BASEYEAR, m, d);
  return (int) (((z % 7) + 11) % 7);	/* 1970-01-01 was a Thursday */
}

static const char *month_name (MESSAGECACHE *elt)
{
  return (elt->month >= 1 && elt->month <= 12) ? months[elt->month - 1]
    : "Jan";
}

/* IMAP date-time: "dd-Mmm-yyyy hh:mm:ss +zzzz", day space-padded */
char *mail_date (char *string, MESSAGECACHE *elt)
{
  char tmp[64];
  snprintf (tmp, sizeof tmp, "%2u-%s-%u %02u:%02u:%02u %c%02u%02u",
	    elt->day ? elt->day : 1, month_name (elt), elt->year + BASEYEAR,
	    elt->hours, elt->minutes, elt->seconds,
	    elt->zoccident ? '-' : '+', elt->zhours, elt->zminutes);
  memcpy (string, tmp, strlen (tmp) + 1);
  return string;
}

/* ctime() form with the zone, as UW writes it:
 * "Www Mmm dd hh:mm:ss yyyy +zzzz\n" */
char *mail_cdate (char *string, MESSAGECACHE *elt)
{
  char tmp[64];
  snprintf (tmp, sizeof tmp, "%s %s %2u %02u:%02u:%02u %4u %c%02u%02u\n",
	    days[weekday (elt)], month_name (elt), elt->day ? elt->day : 1,
	    elt->hours, elt->minutes, elt->seconds, elt->year + BASEYEAR,
	    elt->zoccident ? '-' : '+', elt->zhours, elt->zminutes);
  memcpy (string, tmp, strlen (tmp) + 1);
  return string;
}

/* SEARCH dates, packed as UW does; year is relative to BASEYEAR, as in
 * MESSAGECACHE */
unsigned short mail_shortdate (unsigned int year, unsigned int month,
			       unsigned int day)
{
  return (unsigned short) ((year << 9) + (month << 5) + day);
}

long date_from_time (MESSAGECACHE *elt, time_t t, int tzoff_minutes)
{
  long long local;
  long nday, secs, y, m, d;
  if (tzoff_minutes < -(15 * 60 + 59) || tzoff_minutes > 15 * 60 + 59 ||
      t < -100000 || t > 5000000000LL)	/* far outside 1970..2097 */
    return NIL;
  local = (long long) t + tzoff_minutes * 60LL;
  nday = (long) (local / 86400);
  secs = (long) (local % 86400);
  if (secs < 0) {
    secs += 86400;
    nday--;
  }
  civil_from_days (nday, &y, &m, &d);
  if (y < BASEYEAR || y > MAXYEAR) return NIL;
  elt->year = y - BASEYEAR;
  elt->month = m;
  elt->day = d;
  elt->hours = secs / 3600;
  elt->minutes = (secs / 60) % 60;
  elt->seconds = secs % 60;
  set_zone (elt, tzoff_minutes, 0);
  return T;
}

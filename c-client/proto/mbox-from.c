/*
 * mbox-from.c - recognise the "From " line that starts a message in a
 * traditional UNIX (mbox) mailbox, and take the internal date from it.
 *
 * Only a line with a real date in the traditional layout starts a message;
 * any other line beginning "From " is message text.  The layouts accepted
 * are the ones UW c-client accepts (its FAQ 6.12), checked by position from
 * the end of the line exactly as UW does, so that both programs split a
 * mailbox at the same places:
 *
 *   From sender Www Mmm dd hh:mm[:ss] yyyy
 *   From sender Www Mmm dd hh:mm[:ss] zzz yyyy        zone before the year
 *   From sender Www Mmm dd hh:mm[:ss] +zzzz yyyy
 *   From sender Www Mmm dd hh:mm[:ss] yyyy zzz        zone after the year
 *   From sender Www Mmm dd hh:mm[:ss] yyyy +zzzz
 *   ... any of these followed by " remote from host"
 *
 * dd is two characters ("14" or " 7"); the sender may be empty.  Like UW we
 * check the shape, not the spelling of the day and month names: a line with
 * the right shape but a nonsense date still starts a message (the date is
 * then reported as unparseable and left zero).
 *
 * Pure: no I/O.  A line without a zone means local time; the zone for that
 * is taken from the C library's time zone rules (TZ), as UW does.
 */
#include <string.h>
#include <time.h>

#include "internal.h"
#include "unix-int.h"

static const char mbox_from_months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

static int mf_digits (const char *s, int n, int *out)
{
  int v = 0, i;
  for (i = 0; i < n; i++) {
    if (s[i] == ' ' && i == 0 && n == 2)	/* " 7" day of month */
      continue;
    if (s[i] < '0' || s[i] > '9')
      return 0;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 1;
}

/* Old three-letter zones UW knows; anything else is "unparseable" */
static int mf_zone_alpha (const char *z, int *minutes)
{
  static const struct { const char name[4]; int off; } zones[] = {
    {"UT", 0}, {"GMT", 0}, {"UTC", 0}, {"EST", -300}, {"EDT", -240},
    {"CST", -360}, {"CDT", -300}, {"MST", -420}, {"MDT", -360},
    {"PST", -480}, {"PDT", -420}, {"AST", -240}, {"ADT", -180},
    {"HST", -600}, {"YST", -540}, {"AKST", -540}, {"BST", 60},
    {"CET", 60}, {"CEST", 120}, {"MET", 60}, {"MEST", 120}, {"EET", 120},
    {"JST", 540}, {"WET", 0}, {"IST", 330}
  };
  size_t i;
  for (i = 0; i < sizeof zones / sizeof zones[0]; i++)
    if (strncasecmp (z, zones[i].name, 3) == 0 && zones[i].name[3] == '\0'
	&& strlen (zones[i].name) == 3) {
      *minutes = zones[i].off;
      return 1;
    }
  return 0;
}

int mbox_from_scan (const char *line, size_t len, struct mbox_from *mf)
{
  const char *e, *t, *zone = NULL, *year;
  int znum = 0;			/* zone is +hhmm (else three letters) */
  long ti;
  int sp;

  memset (mf, 0, sizeof *mf);
  if (len < 5 || memcmp (line, "From ", 5) != 0)
    return 0;
  /* the line may be given with its terminator */
  if (len > LIM_MBOX_FROM_LINE + 2)
    return 0;
  e = memchr (line, '\n', len);
  if (e == NULL)
    e = line + len;
  if (e > line && e[-1] == '\r')
    e--;
  if (memchr (line, '\0', (size_t) (e - line)))
    return 0;
  if (e - line >= 41) {		/* room for " remote from x" and a date */
    const char *ls = e - 1;
    while (ls > line && *ls != ' ')
      ls--;
    if (ls - line >= 12 && memcmp (ls - 12, " remote from", 12) == 0) {
      e = ls - 12;		/* UW allows exactly one space before it */
    }
  }
  if (e - line < 27)
    return 0;
  /* find where the time ends (ti, relative to e) and the zone, if any */
  ti = 0;
  year = NULL;
  if (e[-5] == ' ') {
    year = e - 4;
    if (e[-8] == ':')
      ti = -5;
    else if (e[-9] == ' ')
      ti = -9, zone = e - 8;
    else if (e[-11] == ' ' && (e[-10] == '+' || e[-10] == '-'))
      ti = -11, zone = e - 10, znum = 1;
  }
  else if (e[-4] == ' ') {
    if (e[-9] == ' ')
      ti = -9, zone = e - 3, year = e - 8;
  }
  else if (e[-6] == ' ') {
    if (e[-11] == ' ' && (e[-5] == '+' || e[-5] == '-'))
      ti = -11, zone = e - 5, year = e - 10, znum = 1;
  }
  if (ti == 0)
    return 0;
  t = e + ti;			/* the space after the time */
  if (t[-3] != ':')
    return 0;
  sp = (t[-6] == ':') ? 9 : 6;	/* with or without seconds */
  t -= sp;			/* the space before the time */
  if (t - 11 < line + 4 || t[0] != ' ' || t[-3] != ' ' || t[-7] != ' '
      || t[-11] != ' ')
    return 0;
  mf->sender = line + 5;
  mf->sender_len = (size_t) ((t - 11) - (line + 5));
  if (t - 11 < line + 5)
    mf->sender_len = 0;
  mf->date_start = t - 10;
  mf->date_end = e;
  mf->has_seconds = (sp == 9);

  /* now the values; a failure here only means "date unknown" */
  {
    int day, mon, hh, mm, ss = 0, yy, zmin = 0;
    const char *m;
    char mname[4];
    memcpy (mname, t - 6, 3);
    mname[3] = '\0';
    mon = 0;
    for (m = mbox_from_months; *m; m += 3)
      if (strncasecmp (m, mname, 3) == 0) {
	mon = (int) ((m - mbox_from_months) / 3) + 1;
	break;
      }
    if (mon == 0 || !mf_digits (t - 2, 2, &day) || !mf_digits (t + 1, 2, &hh)
	|| t[3] != ':' || !mf_digits (t + 4, 2, &mm)
	|| (sp == 9 && (t[6] != ':' || !mf_digits (t + 7, 2, &ss)))
	|| !mf_digits (year, 4, &yy))
      return 1;
    if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60
	|| yy < BASEYEAR || yy >= BASEYEAR + 128)
      return 1;
    if (zone) {
      if (znum) {
	int zh, zm;
	if (!mf_digits (zone + 1, 2, &zh) || !mf_digits (zone + 3, 2, &zm)
	    || zm > 59 || zh > 15)
	  return 1;
	zmin = zh * 60 + zm;
	if (*zone == '-')
	  zmin = -zmin;
      }
      else if (!mf_zone_alpha (zone, &zmin))
	return 1;
      mf->has_zone = 1;
    }
    mf->day = day;
    mf->month = mon;
    mf->year = yy;
    mf->hours = hh;
    mf->minutes = mm;
    mf->seconds = ss;
    mf->zone_minutes = zmin;
    mf->date_ok = 1;
  }
  return 1;
}

/* Local zone offset (minutes east) in force at that local wall time.
 * Not mktime(): glibc's mktime re-reads the zone file on every call, which
 * made opening a 100,000-message mailbox spend most of its time in stat().
 * localtime_r() reads it once. */
int mbox_from_local_zone (int year, int month, int day, int hh, int mm,
			  int ss)
{
  struct tm tm;
  time_t t;
  long off;
  memset (&tm, 0, sizeof tm);
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  t = timegm (&tm);		/* the wall time read as UTC */
  if (t == (time_t) -1 || !localtime_r (&t, &tm))
    return 0;
  off = tm.tm_gmtoff;		/* first guess, then the zone at t - off */
  t -= off;
  if (!localtime_r (&t, &tm))
    return (int) (off / 60);
  return (int) (tm.tm_gmtoff / 60);
}

void mbox_from_set_elt (const struct mbox_from *mf, MESSAGECACHE *elt)
{
  int z = mf->zone_minutes;
  if (!mf->date_ok) {		/* UW shows these as 1-Jan-1970 */
    elt->day = elt->month = 1;
    elt->year = elt->hours = elt->minutes = elt->seconds = 0;
    elt->zoccident = elt->zhours = elt->zminutes = 0;
    return;
  }
  if (!mf->has_zone)
    z = mbox_from_local_zone (mf->year, mf->month, mf->day, mf->hours,
			      mf->minutes, mf->seconds);
  elt->day = (unsigned) mf->day;
  elt->month = (unsigned) mf->month;
  elt->year = (unsigned) (mf->year - BASEYEAR);
  elt->hours = (unsigned) mf->hours;
  elt->minutes = (unsigned) mf->minutes;
  elt->seconds = (unsigned) mf->seconds;
  elt->zoccident = z < 0;
  if (z < 0)
    z = -z;
  elt->zhours = (unsigned) (z / 60);
  elt->zminutes = (unsigned) (z % 60);
}

int mbox_from_parse (const char *line, size_t len, MESSAGECACHE *elt)
{
  struct mbox_from mf;
  if (!mbox_from_scan (line, len, &mf))
    return 0;
  if (elt)
    mbox_from_set_elt (&mf, elt);
  return 1;
}

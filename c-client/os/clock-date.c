/*
 * "Now" as date strings, in the local time zone: the clock-reading half
 * of the date functions (proto/date.c is the pure half).  The caller's
 * buffer must hold 64 bytes, as with UW's MAILTMPLEN buffers.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "rfc822-int.h"
#include "env.h"

/* The local time now and its offset east of UTC in minutes */
static int now_local (struct tm *tm)
{
  time_t t = time (NIL);
  localtime_r (&t, tm);
  return (int) (tm->tm_gmtoff / 60);
}

static void zone_text (char *dst, size_t n, int off)
{
  int a = off < 0 ? -off : off;
  snprintf (dst, n, "%c%02d%02d", off < 0 ? '-' : '+', a / 60, a % 60);
}

/* Append " (ZONE)" for the struct tm t, unless the zone has no usable
 * name or SET_DISABLE822TZTEXT asked for none */
void rfc822_timezone (char *s, void *t)
{
  struct tm *tm = t;
  const char *name = tm ? tm->tm_zone : NIL;
  if (env_parameters (GET_DISABLE822TZTEXT, NIL)) return;
  if (name && *name && strlen (name) < 16 && !strpbrk (name, "()\r\n")) {
    s += strlen (s);
    snprintf (s, 20, " (%s)", name);
  }
}

/* "Www, d Mmm yyyy hh:mm:ss +zzzz (ZONE)" */
void rfc822_date (char *date)
{
  struct tm tm;
  char z[16];
  zone_text (z, sizeof z, now_local (&tm));
  snprintf (date, 48, "%s, %d %s %d %02d:%02d:%02d %s", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, z);
  rfc822_timezone (date, &tm);
}

/* Now by fmt, which takes day, month name, year, hours, minutes, seconds
 * and the numeric zone, in that order */
static void date_now (char *date, const char *fmt)
{
  struct tm tm;
  char z[16];
  zone_text (z, sizeof z, now_local (&tm));
  snprintf (date, 48, fmt, tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, z);
}

/* "d Mmm yyyy hh:mm:ss +zzzz": no weekday, no zone name */
void rfc822_fixed_date (char *date)
{
  date_now (date, "%d %s %d %02d:%02d:%02d %s");
}

/* IMAP internal date form, "dd-Mmm-yyyy hh:mm:ss +zzzz" */
void internal_date (char *date)
{
  date_now (date, "%2d-%s-%d %02d:%02d:%02d %s");
}

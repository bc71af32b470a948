/*
 * out.c: IMAP string syntax on output.  A string goes out quoted when
 * that is safe and short, otherwise as a literal; an atom only where the
 * grammar allows an astring and the text cannot be mistaken for NIL.
 * (Flags, envelopes and body structures are in out-msg.c.)
 */
#include <string.h>
#include <strings.h>
#include "imapd.h"

/* Longer strings go as literals: easier on clients and on our escaping */
#define OUT_QUOTED_MAX 1024

/* Quoted strings can carry neither CR, LF, NUL nor 8-bit bytes */
static int quotable (const char *s, size_t len)
{
  size_t i;
  if (len > OUT_QUOTED_MAX) return 0;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char) s[i];
    if (!c || c == '\r' || c == '\n' || c >= 0x80) return 0;
  }
  return 1;
}

static void out_quoted (struct client *c, const char *s, size_t len)
{
  size_t i, run = 0;
  client_write (c, "\"", 1);
  for (i = 0; i < len; i++) {
    if (s[i] == '"' || s[i] == '\\') {
      client_write (c, s + run, i - run);
      client_write (c, "\\", 1);
      run = i;
    }
  }
  client_write (c, s + run, len - run);
  client_write (c, "\"", 1);
}

void out_string (struct client *c, const char *s, size_t len)
{
  if (!s) s = "", len = 0;
  if (quotable (s, len)) out_quoted (c, s, len);
  else out_literal (c, s, len);
}

void out_cstring (struct client *c, const char *s)
{
  if (!s) client_write (c, "NIL", 3);
  else out_string (c, s, strlen (s));
}

void out_nstring (struct client *c, const char *s, size_t len)
{
  if (!s) client_write (c, "NIL", 3);
  else out_string (c, s, len);
}

/* ASTRING-CHAR of RFC 3501: ATOM-CHAR or ']' */
static int astring_char (unsigned char c)
{
  return c > 0x20 && c < 0x7f && !strchr ("(){%*\"\\", c);
}

void out_astring (struct client *c, const char *s)
{
  size_t i;
  if (s && *s && strcasecmp (s, "NIL")) {
    for (i = 0; s[i] && astring_char ((unsigned char) s[i]); i++)
      ;
    if (!s[i]) {
      client_write (c, s, i);
      return;
    }
  }
  out_cstring (c, s);
}

void out_literal (struct client *c, const char *s, size_t len)
{
  client_printf (c, "{%zu}\r\n", len);
  client_write (c, s, len);
}

void out_literal8 (struct client *c, const char *s, size_t len)
{
  client_printf (c, "~{%zu}\r\n", len);
  client_write (c, s, len);
}

/* ------------------------------------------------------ sequence sets */

static void set_writer_flush (struct set_writer *w)
{
  if (!w->open) return;
  if (w->text.len) buf_putc (&w->text, ',');
  if (w->first == w->last) buf_printf (&w->text, "%lu", w->first);
  else buf_printf (&w->text, "%lu:%lu", w->first, w->last);
  w->open = 0;
}

void set_writer_add (struct set_writer *w, unsigned long n, unsigned long m)
{
  if (n > m) {
    unsigned long t = n;
    n = m;
    m = t;
  }
  if (w->open && n == w->last + 1) w->last = m;
  else {
    set_writer_flush (w);
    w->first = n;
    w->last = m;
    w->open = 1;
  }
  w->count += m - n + 1;
}

void set_writer_add_set (struct set_writer *w, const SEARCHSET *set)
{
  for (; set; set = set->next)	/* last == 0: the single number first */
    set_writer_add (w, set->first, set->last ? set->last : set->first);
}

const char *set_writer_text (struct set_writer *w)
{
  set_writer_flush (w);
  return buf_cstr (&w->text);
}

void set_writer_free (struct set_writer *w)
{
  buf_free (&w->text);
  memset (w, 0, sizeof *w);
}

/*
 * RFC 5322 header block -> ENVELOPE (and the MIME fields -> BODY).
 *
 * The header is s[0..i): lines end in LF or CRLF, a line that starts with
 * space or tab continues the field before it (the line break is removed,
 * the white space kept), and an empty line or i ends the header.  Nothing
 * past s[i-1] is read; a NUL inside a field ends that field's value, and
 * tabs read as spaces, as in UW.  Field values are kept raw: RFC 2047 words are decoded by whoever
 * displays them, and IMAP's ENVELOPE wants them as sent.
 *
 * Which fields, as UW c-client does it:
 *   From (and ">From"), Sender, Reply-To, To, Cc, Bcc: every occurrence is
 *     parsed and appended to the list;
 *   Date, Subject, Message-ID, In-Reply-To, References, Newsgroups,
 *     Followup-To: the first occurrence wins (UW lets the last Followup-To
 *     win); Newsgroups and Followup-To lose their white space;
 *   Return-Path: the first one, parsed as an address ("<>" leaves it NIL).
 *     UW ignores Return-Path; nothing in IMAP's ENVELOPE depends on it.
 *   Content-*: given to rfc822_parse_content_header() with the name
 *     upper-cased and without "CONTENT-", whether or not there is a
 *     MIME-Version field (UW does the same).
 *   Resent-* fields are not parsed (env->remail is only for writing).
 * Then Sender and Reply-To default to copies of From, as IMAP's ENVELOPE
 * requires (RFC 3501 section 7.4.2).
 */
#include <string.h>
#include "rfc822-int.h"

struct hdrctx {
  ENVELOPE *env;
  BODY *body;
  char *host;
};

static int is_wsp (int c)
{
  return c == ' ' || c == '\t';
}

/* ASCII case-insensitive compare of the field name n[0..len) with s */
static int name_is (const char *n, size_t len, const char *s)
{
  size_t i;
  for (i = 0; i < len; i++, s++)
    if (!*s || UCASE ((unsigned char) n[i]) != *s) return 0;
  return !*s;
}

/* Copy text without its white space (Newsgroups, Followup-To) */
static char *cpy_nows (const char *s)
{
  char *r = fs_get (strlen (s) + 1), *d = r;
  for (; *s; s++)
    if (!is_wsp (*s) && *s != '\r' && *s != '\n') *d++ = *s;
  *d = '\0';
  return r;
}

/* One unfolded field (NUL-terminated, writable) */
static void parse_field (struct hdrctx *c, char *field)
{
  ENVELOPE *env = c->env;
  char *colon, *v;
  size_t n;
  for (v = field; (v = strchr (v, '\t')); *v++ = ' ');	/* as UW: tabs read as spaces */
  if (!(colon = strchr (field, ':'))) return;		/* not a field (e.g. a stray From_ line) */
  for (n = colon - field; n && is_wsp (field[n - 1]); n--);
  for (v = colon + 1; is_wsp (*v); v++);
  if (!n) return;
  switch (UCASE ((unsigned char) field[0])) {
  case '>':
    if (name_is (field, n, ">FROM")) rfc822_parse_adrlist (&env->from, v, c->host);
    break;
  case 'B':
    if (name_is (field, n, "BCC")) rfc822_parse_adrlist (&env->bcc, v, c->host);
    break;
  case 'C':
    if (name_is (field, n, "CC")) rfc822_parse_adrlist (&env->cc, v, c->host);
    else if (c->body && n > 8 && name_is (field, 8, "CONTENT-")) {
      char *name = fs_get (n - 8 + 1);
      memcpy (name, field + 8, n - 8);
      name[n - 8] = '\0';
      rfc822_parse_content_header (c->body, ucase (name), v);
      fs_give ((void **) &name);
    }
    break;
  case 'D':
    if (!env->date && name_is (field, n, "DATE"))
      env->date = (unsigned char *) cpystr (v);
    break;
  case 'F':
    if (name_is (field, n, "FROM")) rfc822_parse_adrlist (&env->from, v, c->host);
    else if (!env->followup_to && name_is (field, n, "FOLLOWUP-TO"))
      env->followup_to = cpy_nows (v);
    break;
  case 'I':
    if (!env->in_reply_to && name_is (field, n, "IN-REPLY-TO"))
      env->in_reply_to = cpystr (v);
    break;
  case 'M':
    if (!env->message_id && name_is (field, n, "MESSAGE-ID"))
      env->message_id = cpystr (v);
    break;
  case 'N':
    if (!env->newsgroups && name_is (field, n, "NEWSGROUPS"))
      env->newsgroups = cpy_nows (v);
    break;
  case 'R':
    if (name_is (field, n, "REPLY-TO"))
      rfc822_parse_adrlist (&env->reply_to, v, c->host);
    else if (!env->references && name_is (field, n, "REFERENCES"))
      env->references = cpystr (v);
    else if (!env->return_path && name_is (field, n, "RETURN-PATH")) {
      char *t = v;
      rfc822_skipws (&t);
      if (*t == '<') {		/* "<>" is the null reverse path */
	t++;
	rfc822_skipws (&t);
	if (*t == '>') break;
      }
      rfc822_parse_adrlist (&env->return_path, v, c->host);
    }
    break;
  case 'S':
    if (!env->subject && name_is (field, n, "SUBJECT"))
      env->subject = cpystr (v);
    else if (name_is (field, n, "SENDER"))
      rfc822_parse_adrlist (&env->sender, v, c->host);
    break;
  case 'T':
    if (name_is (field, n, "TO")) rfc822_parse_adrlist (&env->to, v, c->host);
    break;
  }
}

/* Could the field starting with line[0..len) be one parse_field() uses?
 * Judged by the name on the first line; most of a header (Received,
 * X-*) is then skipped without being unfolded and copied.  A name that
 * does not end on its first line is given to parse_field() to judge. */
static int field_wanted (const struct hdrctx *c, const char *line, size_t len)
{
  size_t n;
  for (n = 0; n < len && line[n] != ':'; n++)
    if (!line[n]) return 0;	/* NUL before the colon: not a field */
  if (n == len) return 1;
  while (n && is_wsp (line[n - 1])) n--;
  if (!n) return 0;
  switch (UCASE ((unsigned char) line[0])) {
  case '>':
    return name_is (line, n, ">FROM");
  case 'B':
    return name_is (line, n, "BCC");
  case 'C':
    return name_is (line, n, "CC") ||
      (c->body && n > 8 && name_is (line, 8, "CONTENT-"));
  case 'D':
    return name_is (line, n, "DATE");
  case 'F':
    return name_is (line, n, "FROM") || name_is (line, n, "FOLLOWUP-TO");
  case 'I':
    return name_is (line, n, "IN-REPLY-TO");
  case 'M':
    return name_is (line, n, "MESSAGE-ID");
  case 'N':
    return name_is (line, n, "NEWSGROUPS");
  case 'R':
    return name_is (line, n, "REPLY-TO") || name_is (line, n, "REFERENCES") ||
      name_is (line, n, "RETURN-PATH");
  case 'S':
    return name_is (line, n, "SUBJECT") || name_is (line, n, "SENDER");
  case 'T':
    return name_is (line, n, "TO");
  }
  return 0;
}

void rfc822_parse_msg_full (ENVELOPE **en, BODY **bdy, char *s,
			    unsigned long i, STRING *bs, char *host,
			    unsigned long depth, unsigned long flags)
{
  struct hdrctx c;
  struct buf field = BUF_INIT;
  unsigned long pos = 0, nfields = 0;
  int have = 0, skip = 0;
  c.env = *en = mail_newenvelope ();
  c.body = bdy ? (*bdy = mail_newbody ()) : NIL;
  c.host = host;
  if (!s) i = 0;
  while (pos < i) {
    const char *line = s + pos, *nl = memchr (line, '\n', i - pos);
    size_t len = nl ? (size_t) (nl - line) : i - pos;
    pos += len + (nl ? 1 : 0);
    if (len && line[len - 1] == '\r') len--;
    if (!len) break;		/* blank line: end of header */
    if (is_wsp (line[0])) {	/* continuation of the field before */
      if (have && !skip) buf_append (&field, line, len);
      continue;
    }
    if (have && !skip) parse_field (&c, field.data);
    have = 0;
    if (++nfields > LIM_HEADER_FIELDS) {
      mail_log (NIL, PARSE, "Too many header fields (limit %d), rest of the "
		"header ignored", LIM_HEADER_FIELDS);
      break;
    }
    skip = !field_wanted (&c, line, len);
    if (!skip) {
      buf_reset (&field);
      buf_append (&field, line, len);
    }
    have = 1;
  }
  if (have && !skip) parse_field (&c, field.data);
  buf_free (&field);
  if (!c.env->sender) c.env->sender = rfc822_cpy_adr (c.env->from);
  if (!c.env->reply_to) c.env->reply_to = rfc822_cpy_adr (c.env->from);
  if (c.body && bs) rfc822_parse_content (c.body, bs, host, depth, flags);
}

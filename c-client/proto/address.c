/*
 * RFC 5322 address parsing (section 3.4, with the obsolete syntax of
 * section 4.4) into UW c-client ADDRESS lists.
 *
 * Representation, as UW c-client has it:
 *   - an address has mailbox (local part, unquoted) and host; personal is
 *     the display name (unquoted, RFC 2047 words left as sent); adl is a
 *     source route "@a,@b".
 *   - a group "name: a, b;" is a start marker (mailbox = name, host = NIL),
 *     the members, then an end marker (mailbox = NIL, host = NIL).
 *   - a local part without "@domain" gets the caller's default host, or
 *     BADHOST when there is none; a missing or broken domain after "@"
 *     gets ERRHOST.  Unparseable text becomes one address with
 *     host = ERRHOST and a mailbox that names the problem (UW's names),
 *     and a PARSE message is logged.  Parsing then stops, as in UW, except
 *     where noted below.
 *
 * The scanners never write into the input and never read past its NUL.
 * Everything is iterative except group nesting, which is bounded by
 * LIM_GROUP_DEPTH; the number of addresses per list by LIM_ADDRESSES.
 */
#include <string.h>
#include "rfc822-int.h"

/* RFC 5322 specials plus space and the CTLs: what ends an atom.  UW's
 * values (Debian's imap-2007 adds the CTLs, and so do we). */
#define CTLS "\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017" \
  "\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037\177"
static const char wspecials_default[] = " ()<>@,;:\\\"[]" CTLS;
const char *wspecials = wspecials_default;
const char *tspecials = " ()<>@,;:\\\"[]/?=" CTLS;
const char *ptspecials = " ()<>@,;:\\\"[]/?=" CTLS;
const char *rspecials = "()<>@,;:\\\"[]." CTLS;

/* Per-list parse state: how many addresses we made, so a hostile header
 * cannot make an unbounded list. */
struct adrctx {
  const char *host;		/* default host, may be NIL */
  unsigned long count;
  int full;			/* LIM_ADDRESSES reached and reported */
  int nogroup;			/* no ':' or '(' in the text: no group can
				 * start, and trying one would only scan
				 * each phrase twice */
};

/* wspecials_default as a table: a strchr() per character was the largest
 * single cost of parsing a mailbox's envelopes.  Only used while wspecials
 * still points at the default (an application may replace it). */
static const unsigned char wspecial_tab[256] = {
  [1 ... 31] = 1, [127] = 1,
  [' '] = 1, ['('] = 1, [')'] = 1, ['<'] = 1, ['>'] = 1, ['@'] = 1,
  [','] = 1, [';'] = 1, [':'] = 1, ['\\'] = 1, ['"'] = 1, ['['] = 1,
  [']'] = 1,
};

static int is_ws (int c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Is c in the delimiter set d (never true for NUL)?  The table when d is the
 * default wspecials. */
static inline int is_delim (const char *d, int c)
{
  if (d == wspecials_default) return wspecial_tab[(unsigned char) c];
  return c && strchr (d, c);
}

static inline int is_atext (int c)
{
  return c && c != '.' && !is_delim (wspecials, c);
}

/* s points at '('; return the character after the matching ')', or the
 * terminating NUL (and *bad set) if the comment is unterminated or nested
 * deeper than LIM_COMMENT_DEPTH. */
static const char *comment_end (const char *s, int *bad)
{
  unsigned long depth = 0;
  for (; *s; s++) {
    if (*s == '\\') {
      if (!s[1]) break;
      s++;
    }
    else if (*s == '(') {
      if (++depth > LIM_COMMENT_DEPTH) {
	*bad = 1;
	return s + strlen (s);
      }
    }
    else if (*s == ')' && !--depth) return s + 1;
  }
  *bad = 1;
  return s;
}

/* Skip white space and comments */
static const char *skip_cfws (const char *s)
{
  int bad = 0;
  for (;;) {
    while (is_ws (*s)) s++;
    if (*s != '(') return s;
    s = comment_end (s, &bad);
    if (bad) {
      mail_log (NIL, PARSE, "Unterminated comment in address");
      return s;
    }
  }
}

/* s points at '"'; return the character after the closing quote or NIL */
static const char *quoted_end (const char *s)
{
  for (s++; *s; s++) {
    if (*s == '\\') {
      if (!s[1]) return NIL;
      s++;
    }
    else if (*s == '"') return s + 1;
  }
  return NIL;
}

static char *cpyn (const char *s, size_t n)
{
  char *r = fs_get (n + 1);
  memcpy (r, s, n);
  r[n] = '\0';
  return r;
}

/* ---- public lexical helpers ---- */

void rfc822_skipws (char **s)
{
  *s = (char *) skip_cfws (*s);
}

char *rfc822_skip_comment (char **s, long trim)
{
  int bad = 0;
  char *start = *s, *end, *ret, *t;
  if (*start != '(') return NIL;
  end = (char *) comment_end (start, &bad);
  if (bad) {
    mail_log (NIL, PARSE, "Unterminated comment: %.80s", start);
    return NIL;
  }
  ret = start + 1;		/* text between the parentheses */
  t = end - 1;			/* the closing ')' */
  if (trim) {			/* UW semantics: trim and tie off in place */
    while (ret < t && is_ws (*ret)) ret++;
    while (t > ret && is_ws (t[-1])) t--;
    *t = '\0';
  }
  *s = end;
  return ret;
}

char *rfc822_parse_word (char *s, const char *delimiters)
{
  const char *p, *start;
  if (!s) return NIL;
  if (!delimiters) delimiters = wspecials;
  p = start = skip_cfws (s);
  while (*p) {
    if (*p == '"') {		/* a quoted-string is part of the word */
      if (!(p = quoted_end (p))) return NIL;
    }
    else if (*p == '\\') p += p[1] ? 2 : 1;
    else if (*p == '\033' && p[1] == '$') {
      /* ISO-2022-JP text: its bytes may look like specials, so skip to
       * the escape back to ASCII */
      const char *q = p + 2;
      while (*q && !(q[0] == '\033' && q[1] == '(' &&
		     (q[2] == 'B' || q[2] == 'J'))) q++;
      p = *q ? q + 3 : q;
    }
    else if (is_delim (delimiters, *p)) break;
    else p++;
  }
  return p == start ? NIL : (char *) p;
}

char *rfc822_parse_phrase (char *s)
{
  char *end, *next;
  if (!(end = rfc822_parse_word (s, NIL))) return NIL;
  while ((next = rfc822_parse_word (end, NIL))) end = next;
  return end;
}

long rfc822_phraseonly (char *end)
{
  const char *s = skip_cfws (end);
  return (!*s || *s == ',' || *s == ';') ? LONGT : NIL;
}

char *rfc822_quote (char *src)
{
  char *s, *d;
  if (src && strpbrk (src, "\\\"")) {
    for (s = d = src; *s; s++) {
      if (*s == '"') continue;
      if (*s == '\\') {
	if (!s[1]) break;
	s++;
      }
      *d++ = *s;
    }
    *d = '\0';
  }
  return src;
}

char *rfc822_cpy (char *src)
{
  return rfc822_quote (cpystr (src));
}

ADDRESS *rfc822_cpy_adr (ADDRESS *adr)
{
  ADDRESS *ret = NIL, **tail = &ret;
  for (; adr; adr = adr->next) {
    ADDRESS *a = mail_newaddr ();
    a->personal = cpystr (adr->personal);
    a->adl = cpystr (adr->adl);
    a->mailbox = cpystr (adr->mailbox);
    a->host = cpystr (adr->host);
    a->error = cpystr (adr->error);
    a->orcpt.type = cpystr (adr->orcpt.type);
    a->orcpt.addr = cpystr (adr->orcpt.addr);
    *tail = a;
    tail = &a->next;
  }
  return ret;
}

/* ---- dot-atoms, local parts, domains ---- */

/* Parse words separated by dots, CFWS allowed around the dots (obs-local-
 * part, obs-domain), into out without quotes or CFWS.  As in UW, atoms and
 * quoted-strings that touch (a"b c"d) make one word, and stray dots are
 * kept.  Returns the end of the last word or dot consumed, or NIL if there
 * was none or a quoted string is unterminated. */
static const char *scan_dotwords (const char *s, struct buf *out)
{
  const char *t;
  int got = 0, lastdot = 0;
  s = skip_cfws (s);
  for (;;) {
    if (*s == '"') {
      const char *e = quoted_end (s);
      if (!e) return NIL;
      for (t = s + 1; t < e - 1;) {	/* runs between quoted-pairs */
	const char *r = t;
	while (r < e - 1 && *r != '\\') r++;
	buf_append (out, t, (size_t) (r - t));
	if (r < e - 1) {	/* a quoted-pair: its second character */
	  buf_putc (out, r[1]);
	  r += 2;
	}
	t = r;
      }
      s = e;
      lastdot = 0;
    }
    else if (*s == '.') {
      buf_putc (out, '.');
      s++;
      lastdot = 1;
    }
    else if (is_atext (*s) || (*s == '\\' && s[1])) {
      while (is_atext (*s) || (*s == '\\' && s[1])) {
	if (*s == '\\') {
	  buf_putc (out, s[1]);
	  s += 2;
	  continue;
	}
	for (t = s; is_atext (*t); t++);	/* a run at a time */
	buf_append (out, s, (size_t) (t - s));
	s = t;
      }
      lastdot = 0;
    }
    else break;
    got = 1;
    if (*s == '"' || *s == '.' || is_atext (*s) || *s == '\\') continue;
    t = skip_cfws (s);		/* continue across CFWS only at a dot */
    if (*t == '.' || (lastdot && (*t == '"' || is_atext (*t)))) s = t;
    else break;
  }
  return got ? s : NIL;
}

/* scan_dotwords() into a new string, NIL when it finds no word or only an
 * empty one; *end as scan_dotwords() returns it.  A plain dot-atom (the
 * usual "user", "example.com") ends where nothing could continue it, and
 * is then copied straight from the input. */
static char *dotwords (const char *s, const char **end)
{
  struct buf b = BUF_INIT;
  const char *e;
  s = skip_cfws (s);
  for (e = s; *e == '.' || is_atext (*e); e++);
  if (e > s && *e != '"' && *e != '\\' && *e != '(' && !is_ws (*e)) {
    *end = e;
    return cpyn (s, (size_t) (e - s));
  }
  if (!(e = scan_dotwords (s, &b)) || !b.len) {
    buf_free (&b);
    return NIL;
  }
  *end = e;
  return buf_detach (&b);
}

char *rfc822_parse_domain (char *string, char **end)
{
  const char *s = skip_cfws (string), *e;
  char *r;
  if (*s == '[') {		/* domain literal, kept with its brackets */
    for (e = s + 1; *e && *e != ']'; e++)
      if (*e == '\\' && e[1]) e++;
    if (*e != ']') return NIL;
    if (end) *end = (char *) e + 1;
    return cpyn (s, e + 1 - s);
  }
  if (!(r = dotwords (s, &e))) return NIL;
  if (end) *end = (char *) e;
  return r;
}

/* Make an address that stands for unparseable text */
static ADDRESS *error_address (const char *what)
{
  ADDRESS *a = mail_newaddr ();
  a->mailbox = cpystr (what);
  a->host = cpystr (ERRHOST);
  return a;
}

/* addr-spec, plus UW's "user@host (Full Name)" convention: a comment right
 * after the address becomes the personal name if there is none. */
static ADDRESS *parse_addrspec (const char *string, const char **ret,
				const char *defaulthost)
{
  const char *s = skip_cfws (string), *p, *t;
  char *local;
  ADDRESS *adr;
  if (!(local = dotwords (s, &p))) return NIL;
  adr = mail_newaddr ();
  adr->mailbox = local;
  t = skip_cfws (p);
  if (*t == '@') {
    char *end;
    if ((adr->host = rfc822_parse_domain ((char *) t + 1, &end))) p = end;
    else {
      mail_log (NIL, PARSE, "Missing or invalid host name after @");
      adr->host = cpystr (ERRHOST);
      p = skip_cfws (t + 1);
      if (*p == '[') p += strlen (p);	/* unterminated literal: all of it */
    }
  }
  else adr->host = cpystr (defaulthost ? defaulthost : BADHOST);
  for (t = p; is_ws (*t); t++);
  if (*t == '(') {
    int bad = 0;
    const char *e = comment_end (t, &bad), *a = t + 1, *z = e - 1;
    if (!bad) {
      while (a < z && is_ws (*a)) a++;
      while (z > a && is_ws (z[-1])) z--;
      if (z > a && !adr->personal)
	adr->personal = rfc822_quote (cpyn (a, z - a));
      p = e;
    }
  }
  *ret = p;
  return adr;
}

ADDRESS *rfc822_parse_addrspec (char *string, char **ret, char *defaulthost)
{
  const char *r = string;
  ADDRESS *adr;
  if (!string) return NIL;
  adr = parse_addrspec (string, &r, defaulthost);
  if (ret) *ret = (char *) r;
  return adr;
}

/* "<" [route ":"] addr-spec ">"; string points at the '<' */
static ADDRESS *parse_routeaddr (const char *string, const char **ret,
				 const char *defaulthost)
{
  struct buf adl = BUF_INIT;
  const char *s = skip_cfws (string), *e;
  ADDRESS *adr;
  if (*s != '<') return NIL;
  s = skip_cfws (s + 1);
  if (*s == '@') {		/* obs-route: "@a,@b:" */
    for (;;) {
      int literal = *skip_cfws (s + 1) == '[';
      char *end, *h = rfc822_parse_domain ((char *) s + 1, &end);
      if (!h) {
	mail_log (NIL, PARSE, "Invalid source route");
	buf_free (&adl);
	return NIL;
      }
      if (adl.len) buf_putc (&adl, ',');
      buf_putc (&adl, '@');
      /* adl is kept as text to be written back as it stands, so a domain
       * that lost quoting (a quoted-pair, a quoted-string) gets it back */
      if (literal) buf_puts (&adl, h);
      else rfc822_cat_buf (&adl, h, NIL);
      fs_give ((void **) &h);
      s = skip_cfws (end);
      while (*s == ',') s = skip_cfws (s + 1);	/* obs-domain-list */
      if (*s == ':') {
	s++;
	break;
      }
      if (*s != '@') {
	mail_log (NIL, PARSE, "Invalid source route");
	buf_free (&adl);
	return NIL;
      }
    }
  }
  if (!(adr = parse_addrspec (s, &e, defaulthost))) {
    buf_free (&adl);
    return NIL;
  }
  if (adl.len) adr->adl = buf_detach (&adl);
  else buf_free (&adl);
  s = skip_cfws (e);
  if (*s == '>') *ret = s + 1;
  else {
    mail_log (NIL, PARSE, "Unterminated mailbox: %.80s@%.80s", adr->mailbox,
	      adr->host);
    adr->next = error_address ("MISSING_MAILBOX_TERMINATOR");
    *ret = s + strlen (s);
  }
  return adr;
}

ADDRESS *rfc822_parse_routeaddr (char *string, char **ret, char *defaulthost)
{
  const char *r = string;
  ADDRESS *adr;
  if (!string) return NIL;
  adr = parse_routeaddr (string, &r, defaulthost);
  if (ret) *ret = (char *) r;
  return adr;
}

/* mailbox = name-addr / addr-spec */
static ADDRESS *parse_mailbox (const char **string, const char *defaulthost)
{
  const char *s = skip_cfws (*string), *ret = s, *end;
  ADDRESS *adr = NIL;
  if (!*s) return NIL;
  if (*s == '<') adr = parse_routeaddr (s, &ret, defaulthost);
  else if ((end = rfc822_parse_phrase ((char *) s))) {
    const char *t = skip_cfws (end);
    if (*t == '<' && (adr = parse_routeaddr (t, &ret, defaulthost))) {
      char *p = rfc822_quote (cpyn (s, end - s));
      if (adr->personal) fs_give ((void **) &adr->personal);
      adr->personal = p;
    }
  }
  if (!adr) adr = parse_addrspec (s, &ret, defaulthost);
  if (adr) *string = ret;
  return adr;
}

ADDRESS *rfc822_parse_mailbox (char **string, char *defaulthost)
{
  const char *s;
  ADDRESS *adr;
  if (!string || !*string) return NIL;
  s = *string;
  if ((adr = parse_mailbox (&s, defaulthost))) *string = (char *) s;
  return adr;
}

/* ---- lists and groups ---- */

/* Append the chain a to the list, return its tail */
static ADDRESS *append (ADDRESS **lst, ADDRESS *last, ADDRESS *a,
			struct adrctx *ctx)
{
  if (!last) for (last = *lst; last && last->next; last = last->next);
  if (last) last->next = a;
  else *lst = a;
  for (; a->next; a = a->next) ctx->count++;
  ctx->count++;
  return a;
}

static int room (struct adrctx *ctx)
{
  if (ctx->count < LIM_ADDRESSES) return 1;
  if (!ctx->full) mail_log (NIL, PARSE, "Too many addresses (limit %d), "
			    "rest of the list ignored", LIM_ADDRESSES);
  ctx->full = 1;
  return 0;
}

/* Skip to the next ';' (not in a quoted string or comment) or to the end:
 * error recovery inside a group */
static const char *skip_to_group_end (const char *s)
{
  for (;;) {
    s = skip_cfws (s);
    if (!*s) return s;
    if (*s == ';') return s;
    if (*s == '"') {
      const char *e = quoted_end (s);
      s = e ? e : s + strlen (s);
    }
    else s++;
  }
}

static ADDRESS *parse_address (ADDRESS **lst, ADDRESS *last, const char **string,
			       unsigned long depth, struct adrctx *ctx);

static ADDRESS *parse_group (ADDRESS **lst, ADDRESS *last, const char **string,
			     unsigned long depth, struct adrctx *ctx)
{
  const char *s = skip_cfws (*string), *end, *t;
  ADDRESS *g;
  if (depth >= LIM_GROUP_DEPTH) return NIL;
  end = (*s == ':') ? NIL : rfc822_parse_phrase ((char *) s);
  t = end ? skip_cfws (end) : s;
  if (*t != ':' || !room (ctx)) return NIL;
  g = mail_newaddr ();
  g->mailbox = end ? rfc822_quote (cpyn (s, end - s)) : cpystr ("");
  last = append (lst, last, g, ctx);
  s = t + 1;
  for (;;) {
    ADDRESS *a;
    s = skip_cfws (s);
    if (!*s) break;		/* missing ';': close the group anyway */
    if (*s == ';') {
      s++;
      break;
    }
    if (*s == ',') {
      s++;
      continue;
    }
    if (!room (ctx)) {
      s += strlen (s);
      break;
    }
    if (!(a = parse_address (lst, last, &s, depth + 1, ctx))) {
      mail_log (NIL, PARSE, "Invalid group mailbox list: %.80s", s);
      last = append (lst, last, error_address ("INVALID_ADDRESS_IN_GROUP"),
		     ctx);
      s = skip_to_group_end (s);
      continue;
    }
    last = a;
    t = skip_cfws (s);
    if (*t && *t != ',' && *t != ';') {
      mail_log (NIL, PARSE, "Must use comma to separate addresses: %.80s", t);
      last = append (lst, last,
		     error_address ("UNEXPECTED_DATA_AFTER_ADDRESS_IN_GROUP"),
		     ctx);
      s = skip_to_group_end (t);
    }
  }
  last = append (lst, last, mail_newaddr (), ctx);	/* end of group */
  *string = s;
  return last;
}

static ADDRESS *parse_address (ADDRESS **lst, ADDRESS *last, const char **string,
			       unsigned long depth, struct adrctx *ctx)
{
  const char *s = skip_cfws (*string);
  ADDRESS *a;
  if (!*s) return NIL;
  if (!ctx->nogroup && (a = parse_group (lst, last, &s, depth, ctx))) {
    *string = s;
    return a;
  }
  if (!(a = parse_mailbox (&s, ctx->host))) return NIL;
  *string = s;
  return append (lst, last, a, ctx);
}

ADDRESS *rfc822_parse_address (ADDRESS **lst, ADDRESS *last, char **string,
			       char *defaulthost, unsigned long depth)
{
  struct adrctx ctx = { defaulthost, 0, 0, 0 };
  const char *s;
  ADDRESS *a;
  if (!lst || !string || !*string) return NIL;
  s = *string;
  if ((a = parse_address (lst, last, &s, depth, &ctx))) *string = (char *) s;
  return a;
}

ADDRESS *rfc822_parse_group (ADDRESS **lst, ADDRESS *last, char **string,
			     char *defaulthost, unsigned long depth)
{
  struct adrctx ctx = { defaulthost, 0, 0, 0 };
  const char *s;
  ADDRESS *a;
  if (!lst || !string || !*string) return NIL;
  s = *string;
  if ((a = parse_group (lst, last, &s, depth, &ctx))) *string = (char *) s;
  return a;
}

/* After an address, text that is not a comma.  UW gives up there; we
 * accept one more address if it is unmistakably one (it has an "@" or
 * "<>" and parses cleanly), since "a@b c@d" is a common slip. */
static ADDRESS *missing_comma (const char **string, struct adrctx *ctx)
{
  const char *s = *string, *t;
  ADDRESS *a;
  if (*s == '<' || *s == '"' || is_atext (*s)) {
    t = s;
    if ((a = parse_mailbox (&t, ctx->host)) && !a->next &&
	strcmp (a->host, ERRHOST) && strcmp (a->host, BADHOST) &&
	memchr (s, (*s == '<') ? '<' : '@', t - s)) {
      const char *u = skip_cfws (t);
      if (!*u || *u == ',') {
	*string = t;
	return a;
      }
    }
    if (a) mail_free_address (&a);
  }
  return NIL;
}

void rfc822_parse_adrlist (ADDRESS **lst, char *string, char *host)
{
  struct adrctx ctx = { host, 0, 0, 0 };
  const char *s = string, *t;
  ADDRESS *last, *a;
  if (!lst || !string) return;
  ctx.nogroup = !strpbrk (string, ":(");
  for (last = *lst; last && last->next; last = last->next);
  for (;;) {
    s = skip_cfws (s);
    if (!*s) break;
    if (*s == ',') {		/* empty list element (obs-addr-list) */
      s++;
      continue;
    }
    if (!room (&ctx)) break;
    if (!(a = parse_address (lst, last, &s, 0, &ctx))) {
      mail_log (NIL, PARSE, "Invalid mailbox list: %.80s", s);
      append (lst, last, error_address ("INVALID_ADDRESS"), &ctx);
      break;
    }
    last = a;
    t = skip_cfws (s);
    while (*t && *t != ',') {	/* something other than a comma follows */
      mail_log (NIL, PARSE, "Must use comma to separate addresses: %.80s", t);
      if (!room (&ctx)) return;
      if (!(a = missing_comma (&t, &ctx))) {
	append (lst, last, error_address ("UNEXPECTED_DATA_AFTER_ADDRESS"),
		&ctx);
	return;
      }
      last = append (lst, last, a, &ctx);
      t = skip_cfws (t);
    }
    s = t;
  }
}

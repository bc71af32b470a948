/*
 * Unit tests for proto/address.c and proto/header-output.c: RFC 5322
 * address parsing, writing and quoting.  Expected structures were checked
 * against UW c-client (Debian's imap-2007e) except where a comment says we
 * differ on purpose.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "rfc822-int.h"
#include "unit.h"

/* Render a list as "personal|adl|mailbox|host" items joined by " ; ",
 * with ~ for NIL, so a table row can say what it expects in one string. */
static char *dump (ADDRESS *a)
{
  struct buf b = BUF_INIT;
  for (; a; a = a->next) {
    const char *f[4] = { a->personal, a->adl, a->mailbox, a->host };
    int i;
    if (b.len) buf_puts (&b, " ; ");
    for (i = 0; i < 4; i++) {
      if (i) buf_putc (&b, '|');
      buf_puts (&b, f[i] ? f[i] : "~");
    }
  }
  return buf_detach (&b);
}

static unsigned long count (ADDRESS *a)
{
  unsigned long n = 0;
  for (; a; a = a->next) n++;
  return n;
}

struct parse_case {
  const char *in;
  const char *host;		/* default host */
  const char *want;		/* dump() of the result, "" for none */
  const char *written;		/* rfc822_write_address() of it, or NIL */
};

#define SE ".SYNTAX-ERROR."
static const struct parse_case parse_cases[] = {
  /* ordinary forms */
  { "John Doe <john@example.com>", "d", "John Doe|~|john|example.com",
    "John Doe <john@example.com>" },
  { "john@example.com (John Doe)", "d", "John Doe|~|john|example.com",
    "John Doe <john@example.com>" },
  { "user", "dflt.example", "~|~|user|dflt.example", "user@dflt.example" },
  { "user", NIL, "~|~|user|.MISSING-HOST-NAME.", NIL },
  { "<user>", "d", "~|~|user|d", "user@d" },
  { "\"quoted local\"@host", "d", "~|~|quoted local|host",
    "\"quoted local\"@host" },
  { "\"a..b\"@x", "d", "~|~|a..b|x", "\"a..b\"@x" },
  { "a.@b", "d", "~|~|a.|b", "\"a.\"@b" },
  { "\"a\\\"b\"@x", "d", "~|~|a\"b|x", "\"a\\\"b\"@x" },
  { "\"a\\\\b\"@x", "d", "~|~|a\\b|x", "\"a\\\\b\"@x" },
  { "\\a@b", "d", "~|~|a|b", "a@b" },
  /* quoted-pairs between runs of plain characters */
  { "ab\\cd.e\\\\f@x", "d", "~|~|abcd.e\\f|x", NIL },
  { "\"ab\\cd\\ef gh\\\\\"@x", "d", "~|~|abcdef gh\\|x", NIL },
  { "john.q.public@example.com", "d", "~|~|john.q.public|example.com",
    "john.q.public@example.com" },
  { "john . q . public @ example . com", "d",
    "~|~|john.q.public|example.com", "john.q.public@example.com" },
  { "user @ host . com", "d", "~|~|user|host.com", NIL },
  { "user@[1.2.3.4]", "d", "~|~|user|[1.2.3.4]",
    "user@[1.2.3.4]" },		/* UW writes user@"[1.2.3.4]" */
  { "user@host.", "d", "~|~|user|host.", "user@\"host.\"" },
  { "a@\"quoted host\"", "d", "~|~|a|quoted host", "a@\"quoted host\"" },
  { "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>", "d",
    "Mary Smith|~|mary|x.test ; ~|~|jdoe|example.org ; Who?|~|one|y.test",
    "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>" },
  { "\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>", "d",
    "Giant; \"Big\" Box|~|sysservices|example.net",
    "\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>" },
  { "\"John Q. Public\" <a@b>", "d", "John Q. Public|~|a|b",
    "\"John Q. Public\" <a@b>" },
  { "John Q. Public <a@b>", "d", "John Q. Public|~|a|b",
    "\"John Q. Public\" <a@b>" },
  { "\"a b\" c <d@e>", "d", "a b c|~|d|e", "a b c <d@e>" },
  { "a<b@c>", "d", "a|~|b|c", "a <b@c>" },
  { "=?utf-8?q?J=C3=B6?= <j@x>", "d", "=?utf-8?q?J=C3=B6?=|~|j|x",
    "=?utf-8?q?J=C3=B6?= <j@x>" },
  /* comments */
  { "(comment only)", "d", "", NIL },
  { "(c) a@b", "d", "~|~|a|b", "a@b" },
  { "a@b (first) (second)", "d", "first|~|a|b", "first <a@b>" },
  { "a@b ()", "d", "~|~|a|b", "a@b" },
  { "<a@b> (x)", "d", "~|~|a|b", "a@b" },
  { "a@b (com (nested) ment), Joe <joe@x> (trailing)", "d",
    "com (nested) ment|~|a|b ; Joe|~|joe|x",
    "\"com (nested) ment\" <a@b>, Joe <joe@x>" },
  { "John   (x)  Doe <a@b>", "d", "John   (x)  Doe|~|a|b",
    "\"John   (x)  Doe\" <a@b>" },
  { "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "d",
    "Pete|~|pete|silly.test", "Pete <pete@silly.test>" },
  { "a(@b", "d", "~|~|a|d", NIL },
  /* routes: UW parses them but drops the route when writing; we keep it */
  { "<@a,@b:user@host>", "d", "~|@a,@b|user|host", "<@a,@b:user@host>" },
  { "<@a:u@h>", "d", "~|@a|u|h", "<@a:u@h>" },
  { "Joe <@a,@b:u@h>", "d", "Joe|@a,@b|u|h", "Joe <@a,@b:u@h>" },
  { "<@a,,@b:u@h>", "d", "~|@a,@b|u|h", NIL },
  /* groups */
  { "group: a@b, c@d;, e@f", "d",
    "~|~|group|~ ; ~|~|a|b ; ~|~|c|d ; ~|~|~|~ ; ~|~|e|f",
    "group: a@b, c@d;, e@f" },
  { "outer: inner: x@y;;", "d",
    "~|~|outer|~ ; ~|~|inner|~ ; ~|~|x|y ; ~|~|~|~ ; ~|~|~|~",
    "outer: inner: x@y;;" },
  { "undisclosed-recipients:;", "d",
    "~|~|undisclosed-recipients|~ ; ~|~|~|~", "undisclosed-recipients: ;" },
  { "g: a@b", "d", "~|~|g|~ ; ~|~|a|b ; ~|~|~|~", "g: a@b;" },
  { "g:", "d", "~|~|g|~ ; ~|~|~|~", "g: ;" },
  { ":", "d", "~|~||~ ; ~|~|~|~", "\"\": ;" },
  { "a@b, g: h: i: j@k;;;, l@m", "d",
    "~|~|a|b ; ~|~|g|~ ; ~|~|h|~ ; ~|~|i|~ ; ~|~|j|k ; ~|~|~|~ ; ~|~|~|~ ; "
    "~|~|~|~ ; ~|~|l|m", "a@b, g: h: i: j@k;;;, l@m" },
  { "A Group(Some people):Chris Jones <c@(Chris's host.)public.example>,"
    "joe@example.org,John <jdoe@one.test> (my dear friend); (the end)", "d",
    "~|~|A Group|~ ; Chris Jones|~|c|public.example ; ~|~|joe|example.org ; "
    "John|~|jdoe|one.test ; ~|~|~|~",
    "A Group: Chris Jones <c@public.example>, joe@example.org, "
    "John <jdoe@one.test>;" },
  { "g: @@@;", "d", "~|~|g|~ ; ~|~|INVALID_ADDRESS_IN_GROUP|" SE " ; ~|~|~|~",
    NIL },
  /* UW stops at the error and loses e@f; we resume after the ';' */
  { "g: a@b c;, e@f", "d",
    "~|~|g|~ ; ~|~|a|b ; ~|~|UNEXPECTED_DATA_AFTER_ADDRESS_IN_GROUP|" SE
    " ; ~|~|~|~ ; ~|~|e|f", NIL },
  /* empty elements and separators */
  { " a@b,,, ,c@d", "d", "~|~|a|b ; ~|~|c|d", "a@b, c@d" },
  { ",", "d", "", NIL },
  { "a@b.c,", "d", "~|~|a|b.c", "a@b.c" },
  { "", "d", "", NIL },
  { "   \t\r\n ", "d", "", NIL },
  /* errors, as UW names them */
  { "@@@", "d", "~|~|INVALID_ADDRESS|" SE, "INVALID_ADDRESS@\".SYNTAX-ERROR.\"" },
  { "<>", "d", "~|~|INVALID_ADDRESS|" SE, NIL },
  { ";", "d", "~|~|INVALID_ADDRESS|" SE, NIL },
  { "\"unbalanced", "d", "~|~|INVALID_ADDRESS|" SE, NIL },
  { "user@", "d", "~|~|user|" SE, "user@\".SYNTAX-ERROR.\"" },
  { "a@[1.2.3.4", "d", "~|~|a|" SE, NIL },
  { "Fred <fred@", "d",
    "Fred|~|fred|" SE " ; ~|~|MISSING_MAILBOX_TERMINATOR|" SE, NIL },
  { "<user@host", "d",
    "~|~|user|host ; ~|~|MISSING_MAILBOX_TERMINATOR|" SE, NIL },
  { "user@host>", "d",
    "~|~|user|host ; ~|~|UNEXPECTED_DATA_AFTER_ADDRESS|" SE, NIL },
  { "user@host extra garbage", "d",
    "~|~|user|host ; ~|~|UNEXPECTED_DATA_AFTER_ADDRESS|" SE, NIL },
  { "a@b@c", "d", "~|~|a|b ; ~|~|UNEXPECTED_DATA_AFTER_ADDRESS|" SE, NIL },
  { "a)b@c", "d", "~|~|a|d ; ~|~|UNEXPECTED_DATA_AFTER_ADDRESS|" SE, NIL },
  { "a@b\tc", "d", "~|~|a|b ; ~|~|UNEXPECTED_DATA_AFTER_ADDRESS|" SE, NIL },
  /* a missing comma before an unmistakable address is forgiven (UW gives
   * UNEXPECTED_DATA_AFTER_ADDRESS) */
  { "a@b c@d", "d", "~|~|a|b ; ~|~|c|d", "a@b, c@d" },
  { "a@b <c@d>", "d", "~|~|a|b ; ~|~|c|d", "a@b, c@d" },
  { "Joe <a@b> Jim <c@d>", "d", "Joe|~|a|b ; Jim|~|c|d", NIL },
  { "g: a@b; x@y", "d", "~|~|g|~ ; ~|~|a|b ; ~|~|~|~ ; ~|~|x|y", NIL },
  /* hostile bits */
  { "(((((", "d", "", NIL },
  { "a@b (unterminated", "d", "~|~|a|b", NIL },
  { "<<<<>>>>", "d", "~|~|INVALID_ADDRESS|" SE, NIL },
  { "\"\"@x", "d", "~|~|INVALID_ADDRESS|" SE, NIL },
  { "\\", "d", "~|~|INVALID_ADDRESS|" SE, NIL },
  { "a\\", "d", "~|~|a|d ; ~|~|UNEXPECTED_DATA_AFTER_ADDRESS|" SE, NIL },
};

static void test_parse_table (void)
{
  size_t i;
  for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
    const struct parse_case *c = &parse_cases[i];
    char *in = cpystr (c->in), *d, *w;
    ADDRESS *a = NIL, *b = NIL;
    rfc822_parse_adrlist (&a, in, (char *) c->host);
    CHECK_STREQ (in, c->in);	/* the input is not modified */
    d = dump (a);
    if (!CHECK_STREQ (d, c->want)) printf ("  input: %s\n", c->in);
    w = rfc822_address_string (a);
    if (c->written && !CHECK_STREQ (w, c->written))
      printf ("  input: %s\n", c->in);
    /* writing then reading gives the same list back */
    if (a && !strstr (d, SE)) {
      char *d2;
      rfc822_parse_adrlist (&b, w, (char *) c->host);
      d2 = dump (b);
      if (!CHECK_STREQ (d2, d)) printf ("  round trip of: %s\n", c->in);
      fs_give ((void **) &d2);
      mail_free_address (&b);
    }
    fs_give ((void **) &w);
    fs_give ((void **) &d);
    fs_give ((void **) &in);
    mail_free_address (&a);
  }
}

/* Structures built directly (not parsed) survive write + parse */
static void test_write_roundtrip (void)
{
  static const char *odd[] = {
    "plain", "has space", "quote\"in", "back\\slash", "dot.ted", ".lead",
    "trail.", "dou..ble", "semi;colon", "at@sign", "comma,", "<angle>",
    "paren(", "[brack]", "tab\there", "8bit\xc3\xa9", "=?utf-8?q?x?=",
    "colon:", "ütf8 ñame",
  };
  size_t i, j;
  for (i = 0; i < sizeof odd / sizeof odd[0]; i++)
    for (j = 0; j < 3; j++) {
      ADDRESS *a = mail_newaddr (), *b = NIL;
      char *w, *d1, *d2;
      a->mailbox = cpystr (j == 1 ? odd[i] : "user");
      a->host = cpystr ("example.com");
      if (j != 1) a->personal = cpystr (odd[i]);
      if (j == 2) a->adl = cpystr ("@relay.example");
      w = rfc822_address_string (a);
      rfc822_parse_adrlist (&b, w, "d");
      d1 = dump (a);
      d2 = dump (b);
      if (!CHECK_STREQ (d2, d1)) printf ("  written as: %s\n", w);
      fs_give ((void **) &w);
      fs_give ((void **) &d1);
      fs_give ((void **) &d2);
      mail_free_address (&a);
      mail_free_address (&b);
    }
}

struct cat_case {
  const char *src, *specials, *want;
};

static void test_cat_quote (void)
{
  static const struct cat_case cats[] = {
    { "a b", NIL, "\"a b\"" },
    { "a.b", NIL, "a.b" },
    { "a\"b\\c", NIL, "\"a\\\"b\\\\c\"" },
    { "", NIL, "\"\"" },
    { ".a", NIL, "\".a\"" },
    { "a.", NIL, "\"a.\"" },
    { "a..b", NIL, "\"a..b\"" },
    { "a b", "()", "a b" },
    { "a(b", "()", "\"a(b\"" },
    { "John Q. Public", NIL, "\"John Q. Public\"" },
    { "line\r\nbreak", "()<>@,;:\\\"[].\r\n", "\"line  break\"" },
  };
  static const struct { const char *in, *cpy; } q[] = {
    { "\"a b\"c\\d", "a bcd" }, { "simple", "simple" },
    { "has\"quote", "hasquote" }, { "back\\\\slash", "back\\slash" },
    { "trail\\", "trail" }, { "", "" },
  };
  size_t i;
  char dest[200];
  for (i = 0; i < sizeof cats / sizeof cats[0]; i++) {
    strcpy (dest, "X");
    rfc822_cat (dest, (char *) cats[i].src, cats[i].specials);
    CHECK (dest[0] == 'X');	/* appends */
    CHECK_STREQ (dest + 1, cats[i].want);
  }
  for (i = 0; i < sizeof q / sizeof q[0]; i++) {
    char *c = rfc822_cpy ((char *) q[i].in), *m = cpystr (q[i].in);
    CHECK_STREQ (c, q[i].cpy);
    CHECK (rfc822_quote (m) == m);
    CHECK_STREQ (m, q[i].cpy);
    fs_give ((void **) &c);
    fs_give ((void **) &m);
  }
  CHECK (rfc822_cpy (NIL) == NIL);
  /* the specials strings are UW's (plus the CTLs, as Debian's build) */
  CHECK (strncmp (wspecials, " ()<>@,;:\\\"[]", 13) == 0);
  CHECK (strncmp (tspecials, " ()<>@,;:\\\"[]/?=", 16) == 0);
  CHECK (strncmp (ptspecials, " ()<>@,;:\\\"[]/?=", 16) == 0);
  CHECK (strchr (wspecials, '\t') && strchr (wspecials, '\177'));
  CHECK (!strchr (wspecials, '.') && !strchr (wspecials, '/'));
}

/* The default delimiters are looked up in a table, any other set with
 * strchr(): both must end a word at the same characters. */
static void test_word_delimiters (void)
{
  char copy[64], s[16];
  int c;
  CHECK (strlen (wspecials) < sizeof copy);
  strcpy (copy, wspecials);
  for (c = 1; c < 256; c++) {
    char *a, *b;
    snprintf (s, sizeof s, "ab%ccd e", c);
    a = rfc822_parse_word (s, NIL);
    b = rfc822_parse_word (s, copy);
    if (!CHECK (a == b)) printf ("  character %d\n", c);
  }
  /* an application's own wspecials is honoured by the address parser */
  {
    const char *saved = wspecials;
    ADDRESS *adr = NIL;
    strcpy (copy, saved);
    strcat (copy, "/");
    wspecials = copy;
    rfc822_parse_adrlist (&adr, (strcpy (s, "a/b@c"), s), "d");
    wspecials = saved;
    CHECK (adr && adr->mailbox && !strcmp (adr->mailbox, "a"));
    mail_free_address (&adr);
    rfc822_parse_adrlist (&adr, (strcpy (s, "a/b@c"), s), "d");
    CHECK (adr && adr->mailbox && !strcmp (adr->mailbox, "a/b"));
    mail_free_address (&adr);
  }
}

/* The lower-level UW entry points */
static void test_pieces (void)
{
  char s[200], *p, *r, *e;
  ADDRESS *a, *lst = NIL;

  strcpy (s, "  word\"quoted part\"more rest");
  p = rfc822_parse_word (s, NIL);
  CHECK (p && !strcmp (p, " rest"));
  CHECK (rfc822_parse_word ((strcpy (s, "   "), s), NIL) == NIL);
  CHECK (rfc822_parse_word ((strcpy (s, "\"open"), s), NIL) == NIL);
  p = rfc822_parse_word ((strcpy (s, "a=b;c"), s), "=;");
  CHECK (p && *p == '=');

  strcpy (s, "Joe (x) Q. Public <a@b>");
  p = rfc822_parse_phrase (s);
  CHECK (p && !strcmp (p, " <a@b>"));
  CHECK (rfc822_phraseonly (p) == NIL);
  strcpy (s, "Just A Name , next");
  p = rfc822_parse_phrase (s);
  CHECK (p && rfc822_phraseonly (p));

  strcpy (s, "( a (nested) comment )tail");
  p = s;
  r = rfc822_skip_comment (&p, NIL);
  CHECK (r == s + 1 && !strcmp (p, "tail"));
  p = s;
  r = rfc822_skip_comment (&p, LONGT);
  CHECK_STREQ (r, "a (nested) comment");
  strcpy (s, "(never ends");
  p = s;
  CHECK (rfc822_skip_comment (&p, NIL) == NIL && p == s);

  strcpy (s, " (c) \t x");
  p = s;
  rfc822_skipws (&p);
  CHECK_STREQ (p, "x");

  strcpy (s, " example . com rest");
  r = rfc822_parse_domain (s, &e);
  CHECK_STREQ (r, "example.com");
  CHECK_STREQ (e, " rest");
  fs_give ((void **) &r);
  strcpy (s, "[10.0.0.1]>");
  r = rfc822_parse_domain (s, &e);
  CHECK_STREQ (r, "[10.0.0.1]");
  CHECK_STREQ (e, ">");
  fs_give ((void **) &r);
  CHECK (rfc822_parse_domain ((strcpy (s, "@"), s), &e) == NIL);

  strcpy (s, "u@h (Name), next");
  a = rfc822_parse_addrspec (s, &e, "d");
  CHECK (a && !strcmp (a->mailbox, "u") && !strcmp (a->host, "h") &&
	 a->personal && !strcmp (a->personal, "Name"));
  CHECK (e && *e == ',');
  mail_free_address (&a);

  strcpy (s, "<@r:u@h> more");
  a = rfc822_parse_routeaddr (s, &e, "d");
  CHECK (a && !strcmp (a->adl, "@r") && !strcmp (e, " more"));
  mail_free_address (&a);
  CHECK (rfc822_parse_routeaddr ((strcpy (s, "u@h"), s), &e, "d") == NIL);

  strcpy (s, "Ann <a@b>, rest");
  p = s;
  a = rfc822_parse_mailbox (&p, "d");
  CHECK (a && !strcmp (a->personal, "Ann") && !strcmp (p, ", rest"));
  mail_free_address (&a);

  strcpy (s, "grp: a@b, c@d; after");
  p = s;
  a = rfc822_parse_group (&lst, NIL, &p, "d", 0);
  CHECK (a && !a->mailbox && !a->host && count (lst) == 4);
  CHECK_STREQ (p, " after");
  strcpy (s, "x@y");
  p = s;
  a = rfc822_parse_address (&lst, a, &p, "d", 0);
  CHECK (a && !strcmp (a->mailbox, "x") && count (lst) == 5 && !*p);
  CHECK (rfc822_parse_group (&lst, NIL, (p = strcpy (s, "no group"), &p),
			     "d", 0) == NIL);
  mail_free_address (&lst);

  /* adrlist appends to an existing list */
  strcpy (s, "one@x");
  rfc822_parse_adrlist (&lst, s, "d");
  strcpy (s, "two@x, three@x");
  rfc822_parse_adrlist (&lst, s, "d");
  r = dump (lst);
  CHECK_STREQ (r, "~|~|one|x ; ~|~|two|x ; ~|~|three|x");
  fs_give ((void **) &r);

  /* rfc822_cpy_adr copies every field */
  lst->orcpt.type = cpystr ("rfc822");
  lst->orcpt.addr = cpystr ("one@x");
  lst->error = cpystr ("550 no");
  a = rfc822_cpy_adr (lst);
  r = dump (a);
  e = dump (lst);
  CHECK_STREQ (r, e);
  CHECK (a != lst && a->mailbox != lst->mailbox);
  CHECK_STREQ (a->orcpt.type, "rfc822");
  CHECK_STREQ (a->orcpt.addr, "one@x");
  CHECK_STREQ (a->error, "550 no");
  CHECK (rfc822_cpy_adr (NIL) == NIL);
  fs_give ((void **) &r);
  fs_give ((void **) &e);
  mail_free_address (&a);

  /* the char-array writers append and return the end */
  strcpy (s, "To: ");
  r = rfc822_write_address_full (s, lst, NIL);
  CHECK_STREQ (s, "To: one@x, two@x, three@x");
  CHECK (r == s + strlen (s));
  s[0] = '\0';
  rfc822_write_address (s, lst);
  CHECK_STREQ (s, "one@x, two@x, three@x");
  s[0] = '\0';
  rfc822_address (s, lst->next);
  CHECK_STREQ (s, "two@x");
  r = rfc822_address_string (NIL);
  CHECK_STREQ (r, "");
  fs_give ((void **) &r);
  mail_free_address (&lst);
}

/* Big and deep inputs: limits hold, nothing crashes or loops */
static void test_hostile (void)
{
  struct buf b = BUF_INIT;
  ADDRESS *a = NIL;
  unsigned long i, n;
  char *s;

  /* 10k addresses parse; more are cut at the limit */
  for (i = 0; i < LIM_ADDRESSES + 500; i++)
    buf_printf (&b, "%su%lu@h%lu.example", i ? ", " : "", i, i);
  rfc822_parse_adrlist (&a, b.data, "d");
  CHECK_INTEQ (count (a), LIM_ADDRESSES);
  mail_free_address (&a);
  buf_reset (&b);
  for (i = 0; i < LIM_ADDRESSES; i++)
    buf_printf (&b, "%s\"N %lu\" <u%lu@h>", i ? "," : "", i, i);
  rfc822_parse_adrlist (&a, b.data, "d");
  CHECK_INTEQ (count (a), LIM_ADDRESSES);
  s = rfc822_address_string (a);	/* writes and reads back the same */
  {
    ADDRESS *c = NIL;
    char *d1 = dump (a), *d2;
    rfc822_parse_adrlist (&c, s, "d");
    d2 = dump (c);
    CHECK (!strcmp (d1, d2));
    fs_give ((void **) &d1);
    fs_give ((void **) &d2);
    mail_free_address (&c);
  }
  fs_give ((void **) &s);
  mail_free_address (&a);

  /* groups nested far deeper than allowed */
  buf_reset (&b);
  for (i = 0; i < 5000; i++) buf_puts (&b, "g: ");
  buf_puts (&b, "x@y");
  for (i = 0; i < 5000; i++) buf_putc (&b, ';');
  rfc822_parse_adrlist (&a, b.data, "d");
  n = count (a);
  CHECK (a != NIL && n < 2 * LIM_GROUP_DEPTH + 10);
  mail_free_address (&a);

  /* deeply nested comments */
  buf_reset (&b);
  for (i = 0; i < 100000; i++) buf_putc (&b, '(');
  buf_puts (&b, "x@y");
  for (i = 0; i < 100000; i++) buf_putc (&b, ')');
  rfc822_parse_adrlist (&a, b.data, "d");
  CHECK (count (a) <= 1);
  mail_free_address (&a);

  /* one enormous local part, phrase and comment */
  buf_reset (&b);
  for (i = 0; i < 1000000; i++) buf_putc (&b, 'a' + i % 26);
  buf_puts (&b, "@example.com");
  rfc822_parse_adrlist (&a, b.data, "d");
  CHECK (a && strlen (a->mailbox) == 1000000 && !a->next);
  mail_free_address (&a);
  buf_reset (&b);
  for (i = 0; i < 200000; i++) buf_puts (&b, "word ");
  rfc822_parse_adrlist (&a, b.data, "d");
  CHECK (a && a->next && !a->next->next);	/* word@d + error */
  mail_free_address (&a);

  /* runs of specials */
  {
    static const char *junk[] = { "@", "<", ">", ":", ";", ",", "\"", "(",
				  ")", "[", "]", "\\", ".", "@<", ":;" };
    size_t j;
    for (j = 0; j < sizeof junk / sizeof junk[0]; j++) {
      buf_reset (&b);
      for (i = 0; i < 20000; i++) buf_puts (&b, junk[j]);
      rfc822_parse_adrlist (&a, b.data, "d");
      CHECK (count (a) <= LIM_ADDRESSES);
      mail_free_address (&a);
    }
  }
  buf_free (&b);
}

int main (void)
{
  test_parse_table ();
  test_write_roundtrip ();
  test_cat_quote ();
  test_word_delimiters ();
  test_pieces ();
  test_hostile ();
  return unit_done ();
}

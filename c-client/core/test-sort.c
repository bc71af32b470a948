/*
 * Unit tests for core/sort.c's pure part: mail_strip_subject() (RFC 5256
 * base subject).  SORT over a mailbox is tested in test-search.c, which
 * has the in-memory test driver.
 *
 * Expected values were checked against UW's mail_strip_subject (Debian
 * libc-client2007e) except where marked: UW upper-cases too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "unit.h"

static const struct {
  const char *in;
  const char *base;
  int refwd;
} cases[] = {
  /* the brief's case: leaders, blobs, trailers in every case */
  { "[foo] Fwd: [bar] Re: fw: b (fWd) (fwd)", "B", 1 },
  { "hello", "HELLO", 0 },
  { "Re: hello", "HELLO", 1 },
  { "RE : x", "X", 1 },
  { "re:re:re:x", "X", 1 },
  { "Fwd: Re: hello world", "HELLO WORLD", 1 },
  { "fwd : x", "X", 1 },
  { "fwd:x", "X", 1 },
  { "fw: x", "X", 1 },
  { "Fw[x]: a", "A", 1 },	/* refwd with a blob before the colon */
  { "Re [x] : a", "A", 1 },
  { "[x]re:y", "Y", 1 },	/* blobs before a refwd go with it */
  { "Re:[a][b]: c", ": C", 1 },	/* only one blob inside a refwd */
  /* blobs: dropped only if something is left */
  { "[foo]", "[FOO]", 0 },
  { "[a] ", "[A]", 0 },
  { "[foo] [bar]", "[BAR]", 0 },
  { "[a] [b] c", "C", 0 },
  { " [a] b", "B", 0 },
  { "[] x", "X", 0 },
  { "Re: [foo]", "[FOO]", 1 },
  { "Re: [a]", "[A]", 1 },
  { "[fwd: Re: x] trailing", "TRAILING", 0 },
  /* trailers */
  { "x (fwd) (fwd) ", "X", 1 },
  { "x(fwd)", "X", 1 },
  { "(fwd)", "", 1 },
  { "Re:  re: Hello  (fwd)", "HELLO", 1 },	/* UW: "HELLO (FWD)" */
  /* [fwd: ...] wrappers, repeated */
  { "[fwd: hello]", "HELLO", 1 },
  { "[Fwd: Re: hello (fwd)]", "HELLO", 1 },
  { "Re:[fwd: x]", "X", 1 },
  { "[fwd: [fwd: x]]", "X", 1 },
  { "[fwd:]", "", 1 },
  { "[fwd: ]", "", 1 },
  { "[fwd: a] (fwd)", "A", 1 },
  { "[fwd", "[FWD", 0 },
  { "[fwd:", "[FWD:", 0 },
  /* whitespace */
  { "", "", 0 },
  { "   ", "", 0 },
  { "re:", "", 1 },
  { "a\t b", "A B", 0 },
  { "A  B   C", "A B C", 0 },
  { "a\r\n b", "A B", 0 },
  /* not prefixes */
  { "f: x", "F: X", 0 },
  { "reply: x", "REPLY: X", 0 },
  { "Ré: x", "Ré: X", 0 },
  { "Re: Re: Re: hello [x]", "HELLO [X]", 1 },
  /* RFC 2047 is decoded before anything else; only ASCII is upper-cased
   * (UW also upper-cased the decoded \xc3\xa9) */
  { "=?utf-8?q?Re=3A_caf=C3=A9?=", "CAF\xc3\xa9", 1 },
  { "=?iso-8859-1?q?R=E9?= x", "R\xc3\xa9 X", 0 },
  { "=?us-ascii?q?=5Bfoo=5D?= bar", "BAR", 0 },
  /* hostile */
  { "[[[[", "[[[[", 0 },
  { "]]]]", "]]]]", 0 },
  { "[a[b]c] x", "[A[B]C] X", 0 },
  { "Re: [a", "[A", 1 },
};

static void test_strip (void)
{
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *in = cpystr (cases[i].in), *ret = NIL;
    unsigned int r = mail_strip_subject (in, &ret);
    if (!CHECK_STREQ (ret, cases[i].base) |
	!CHECK_INTEQ (r ? 1 : 0, cases[i].refwd))
      printf ("  input: \"%s\"\n", cases[i].in);
    CHECK_STREQ (in, cases[i].in);	/* input untouched */
    fs_give ((void **) &ret);
    fs_give ((void **) &in);
  }
}

static void test_strip_hostile (void)
{
  struct buf b = BUF_INIT;
  char *ret;
  int i;

  CHECK (!mail_strip_subject (NIL, &ret));
  CHECK_STREQ (ret, "");
  fs_give ((void **) &ret);
  /* 100k "Re: " leaders and a long blob run stay linear and correct */
  for (i = 0; i < 100000; i++) buf_puts (&b, "Re: [x] ");
  buf_puts (&b, "end (fwd)");
  CHECK (mail_strip_subject (b.data, &ret));
  CHECK_STREQ (ret, "END");
  fs_give ((void **) &ret);
  buf_reset (&b);
  for (i = 0; i < 20000; i++) buf_puts (&b, "[fwd: ");
  buf_puts (&b, "core");
  for (i = 0; i < 20000; i++) buf_puts (&b, "]");
  CHECK (mail_strip_subject (b.data, &ret));
  CHECK_STREQ (ret, "CORE");
  fs_give ((void **) &ret);
  buf_reset (&b);
  for (i = 0; i < 100000; i++) buf_puts (&b, "[a] ");
  buf_puts (&b, "z");
  CHECK (!mail_strip_subject (b.data, &ret));
  CHECK_STREQ (ret, "Z");
  fs_give ((void **) &ret);
  buf_reset (&b);
  for (i = 0; i < 100000; i++) buf_puts (&b, "[a] ");
  buf_puts (&b, "re: z");
  CHECK (mail_strip_subject (b.data, &ret));
  CHECK_STREQ (ret, "Z");
  fs_give ((void **) &ret);
  buf_reset (&b);
  buf_putc (&b, '[');
  for (i = 0; i < 100000; i++) buf_puts (&b, "Re: ");
  CHECK (!mail_strip_subject (b.data, &ret));
  CHECK (ret && !strncmp (ret, "[RE: RE:", 8));
  fs_give ((void **) &ret);
  buf_free (&b);
}

int main (void)
{
  test_strip ();
  test_strip_hostile ();
  return unit_done ();
}

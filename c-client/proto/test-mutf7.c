/*
 * Tests for proto/mutf7.c: modified UTF-7 mailbox names (RFC 3501 5.1.3).
 */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "c-client.h"
#include "internal.h"

/* pairs that must convert both ways */
static const struct { const char *utf8, *mutf7; } pairs[] = {
  { "INBOX", "INBOX" },
  { "", "" },
  { "a&b", "a&-b" },
  { "&", "&-" },
  { "&&", "&-&-" },
  { "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
    "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },		/* RFC 3501 example */
  { "caf\xc3\xa9", "caf&AOk-" },
  { "\xc3\xa9", "&AOk-" },
  { "\xc3\xa9\xc3\xa9", "&AOkA6Q-" },
  { "\xc3\xa9\xc3\xa9\xc3\xa9", "&AOkA6QDp-" },
  { "\xf0\x9f\x98\x80", "&2D3eAA-" },			/* surrogate pair */
  { "a\tb", "a&AAk-b" },				/* control encoded */
  { "\x7f", "&AH8-" },
  { "\xc3\xa9&\xc3\xa9", "&AOk-&-&AOk-" },
  { "Entw\xc3\xbc" "rfe", "Entw&APw-rfe" },
  { "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
    "&BB8EQAQ4BDIENQRC-" },
};

/* modified UTF-7 that must be refused */
static const char *bad_mutf7[] = {
  "&",			/* unterminated */
  "&AOk",		/* unterminated */
  "&AOk-&AOk-",		/* two runs back to back: not shortest */
  "&AOl-",		/* non-zero leftover bits */
  "&AOkA-",		/* partial UTF-16 unit */
  "&AGE-",		/* encoded printable ASCII "a" */
  "&ACY-",		/* encoded "&" */
  "&AAA-",		/* NUL */
  "&2D0-",		/* lone high surrogate */
  "&3gA-",		/* lone low surrogate */
  "&2D3YPQ-",		/* high surrogate then high surrogate */
  "&AO!-",		/* bad base64 character */
  "&AO/-",		/* "/" is not in the modified alphabet */
  "caf\xc3\xa9",	/* raw 8-bit */
  "a\tb",		/* raw control */
  "&A-",		/* too short */
  "&=-",
};

/* UTF-8 that must be refused */
static const char *bad_utf8[] = {
  "\xff", "a\xc3", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80",
};

int main (void)
{
  size_t i;
  unsigned char *r;

  for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    r = utf8_to_mutf7 ((unsigned char *) pairs[i].utf8);
    CHECK_STREQ ((char *) r, pairs[i].mutf7);
    if (r) fs_give ((void **) &r);
    r = utf8_from_mutf7 ((unsigned char *) pairs[i].mutf7);
    CHECK_STREQ ((char *) r, pairs[i].utf8);
    if (r) fs_give ((void **) &r);
  }
  for (i = 0; i < sizeof bad_mutf7 / sizeof bad_mutf7[0]; i++) {
    r = utf8_from_mutf7 ((unsigned char *) bad_mutf7[i]);
    if (!CHECK (r == NULL)) printf ("  accepted %s\n", bad_mutf7[i]);
    if (r) fs_give ((void **) &r);
  }
  for (i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
    r = utf8_to_mutf7 ((unsigned char *) bad_utf8[i]);
    CHECK (r == NULL);
    if (r) fs_give ((void **) &r);
  }
  CHECK (utf8_to_mutf7 (NULL) == NULL);
  CHECK (utf8_from_mutf7 (NULL) == NULL);
  /* round trip every BMP code point in runs, plus some astral ones */
  {
    struct buf b = BUF_INIT;
    unsigned long c;
    unsigned char tmp[8], *e, *back;
    int fails = 0;
    for (c = 1; c < 0x10000; c += 7) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      e = utf8_put (tmp, c);
      buf_append (&b, tmp, e - tmp);
      if (b.len > 300 || c % 50 == 0) {
	r = utf8_to_mutf7 ((unsigned char *) b.data);
	back = r ? utf8_from_mutf7 (r) : NULL;
	if (!back || strcmp ((char *) back, b.data)) fails++;
	if (r) fs_give ((void **) &r);
	if (back) fs_give ((void **) &back);
	buf_reset (&b);
      }
    }
    for (c = 0x10000; c < 0x110000; c += 0x1357) {
      e = utf8_put (tmp, c);
      buf_append (&b, tmp, e - tmp);
      buf_putc (&b, 'x');
    }
    r = utf8_to_mutf7 ((unsigned char *) b.data);
    back = r ? utf8_from_mutf7 (r) : NULL;
    if (!back || strcmp ((char *) back, b.data)) fails++;
    if (r) fs_give ((void **) &r);
    if (back) fs_give ((void **) &back);
    buf_free (&b);
    CHECK_INTEQ (fails, 0);
  }
  return unit_done ();
}

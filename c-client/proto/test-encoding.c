/*
 * Tests for proto/encoding.c: base64 and quoted-printable, both ways.
 * Expected values were checked against UW c-client where UW follows the
 * RFC; the few deliberate differences are marked.
 */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "c-client.h"

/* expected parse warnings: count them instead of printing them */
static unsigned long nlogs;
void mm_log (char *string, long errflg)
{
  (void) string;
  (void) errflg;
  nlogs++;
}

#define NOTNIL ((const char *) 1)

static const struct {
  const char *in;
  const char *out;		/* NULL: must fail */
  unsigned long outlen;
} b64_cases[] = {
  { "aGVsbG8=", "hello", 5 },
  { "aGVs\r\nbG8=", "hello", 5 },
  { "aGVsbG8", "hello", 5 },		/* missing padding tolerated */
  { "aGVsbA==", "hell", 4 },
  { "aGVsbA=", NULL, 0 },		/* padding cut short */
  { "aGVsbA", "hell", 4 },
  { "a*GVsbA==", NULL, 0 },		/* garbage character */
  { "aGVsbA==garbage", "hell", 4 },	/* junk after padding ignored */
  { "aGVsbA==\r\n", "hell", 4 },
  { "YQ==YQ==", "a", 1 },
  { "====", NULL, 0 },
  { "=", NULL, 0 },
  { "a", "", 0 },
  { "ab", "i", 1 },
  { "abc", "i\xb7", 2 },
  { "ab==", "i", 1 },
  { "a===", NULL, 0 },
  { "ab=c", NULL, 0 },			/* data after one pad */
  { "", "", 0 },
  { "   \r\n\t", "", 0 },
  { "aGVs bG8h", "hello!", 6 },
  { "aGVs!bG8h", NULL, 0 },
  { "AAEC", "\0\1\2", 3 },
  { "/+/+", "\xff\xef\xfe", 3 },
  { "\xc3\xa9QQ==", NULL, 0 },		/* 8-bit byte */
};

static const struct {
  const char *in;
  const char *out;
} qp_cases[] = {
  { "a=3Db", "a=b" },
  { "a=3db", "a=b" },
  { "a=\r\nb", "ab" },
  { "a=\nb", "ab" },
  { "a=\rb", "ab" },
  { "a=ZZb", "a=ZZb" },			/* invalid kept literally */
  { "a=", "a" },			/* trailing "=" dropped */
  { "a= \r\nb", "ab" },			/* RFC 2045; UW keeps "= \r\n" */
  { "a=  \t\r\nb", "ab" },
  { "a=4", "a=4" },
  { "a=4\r\n", "a=4\r\n" },		/* UW drops the CR here */
  { "a   \r\nb", "a\r\nb" },		/* transport padding removed */
  { "a\tb  \r\n", "a\tb\r\n" },
  { "a  b", "a  b" },
  { "=C3=A9t=C3=A9", "\xc3\xa9t\xc3\xa9" },
  { "==41", "=A" },
  { "", "" },
  { "=", "" },
  { "a=\r\n=\r\n=\r\nb", "ab" },
  { "x=0", "x=0" },
  { "=\r\n", "" },
  { "line1\r\nline2\r\n", "line1\r\nline2\r\n" },
};

static void test_base64 (void)
{
  size_t i;
  for (i = 0; i < sizeof b64_cases / sizeof b64_cases[0]; i++) {
    unsigned long len = 12345;
    unsigned char *r = rfc822_base64 ((unsigned char *) b64_cases[i].in,
				      strlen (b64_cases[i].in), &len);
    if (!b64_cases[i].out) {
      if (!CHECK (r == NULL)) printf ("  case %zu: %s\n", i, b64_cases[i].in);
    }
    else if (CHECK (r != NULL)) {
      CHECK_MEMEQ (r, len, b64_cases[i].out, b64_cases[i].outlen);
      CHECK_INTEQ (r[len], 0);
    }
    if (r) fs_give ((void **) &r);
  }
}

static void test_qprint (void)
{
  size_t i;
  for (i = 0; i < sizeof qp_cases / sizeof qp_cases[0]; i++) {
    unsigned long len = 12345;
    unsigned char *r = rfc822_qprint ((unsigned char *) qp_cases[i].in,
				      strlen (qp_cases[i].in), &len);
    if (CHECK (r != NULL)) {
      CHECK_MEMEQ (r, len, qp_cases[i].out, strlen (qp_cases[i].out));
      CHECK_INTEQ (r[len], 0);
      fs_give ((void **) &r);
    }
  }
}

static void test_logs (void)
{
  unsigned long len;
  unsigned char *r;
  nlogs = 0;			/* clean input: silent */
  r = rfc822_qprint ((unsigned char *) "a=41", 4, &len);
  fs_give ((void **) &r);
  r = rfc822_base64 ((unsigned char *) "QQ==", 4, &len);
  fs_give ((void **) &r);
  CHECK_INTEQ (nlogs, 0);
  r = rfc822_qprint ((unsigned char *) "a=ZZ", 4, &len);	/* one report */
  fs_give ((void **) &r);
  CHECK_INTEQ (nlogs, 1);
  r = rfc822_base64 ((unsigned char *) "QQ==junk", 8, &len);
  fs_give ((void **) &r);
  CHECK_INTEQ (nlogs, 2);
}

static void test_binary (void)
{
  unsigned long len, dlen;
  unsigned char *r, *d;
  unsigned char all[1000];
  size_t i, n;

  r = rfc822_binary ((void *) "", 0, &len);
  CHECK_MEMEQ (r, len, "\r\n", 2);
  fs_give ((void **) &r);
  r = rfc822_binary ((void *) "hello", 5, &len);
  CHECK_MEMEQ (r, len, "aGVsbG8=\r\n", 10);
  fs_give ((void **) &r);
  /* 45 bytes = one full 60-character line, as UW lays it out */
  memset (all, 'x', 45);
  r = rfc822_binary (all, 45, &len);
  CHECK_INTEQ (len, 62);
  CHECK (r[60] == '\r' && r[61] == '\n');
  fs_give ((void **) &r);
  r = rfc822_binary (all, 46, &len);
  CHECK_INTEQ (len, 62 + 4 + 2);
  fs_give ((void **) &r);
  /* round trips of every length up to 1000 over all byte values */
  for (i = 0; i < sizeof all; i++) all[i] = (unsigned char) (i * 7 + 3);
  for (n = 0; n <= sizeof all; n += (n < 20 ? 1 : 37)) {
    r = rfc822_binary (all, n, &len);
    for (i = 0; i + 1 < len; i++)	/* no line over 60 characters */
      if (r[i] == '\r') break;
    CHECK (i <= 60);
    d = rfc822_base64 (r, len, &dlen);
    if (CHECK (d != NULL)) {
      CHECK_MEMEQ (d, dlen, all, n);
      fs_give ((void **) &d);
    }
    fs_give ((void **) &r);
  }
}

static void test_8bit (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "caf\xc3\xa9 = ok \r\nline2\r\n",
      "caf=C3=A9 =3D ok=20\r\nline2\r\n" },
    { "tab\t", "tab=09" },
    { "bare\nlf", "bare=0Alf" },
    { "", "" },
  };
  unsigned char all[600], *r, *d;
  unsigned long len, dlen, i, col;
  size_t k;

  for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    r = rfc822_8bit ((unsigned char *) cases[k].in, strlen (cases[k].in),
		     &len);
    CHECK_MEMEQ (r, len, cases[k].out, strlen (cases[k].out));
    fs_give ((void **) &r);
  }
  /* long line: soft breaks keep every line within 76 characters */
  for (i = 0; i < sizeof all; i++) all[i] = (unsigned char) i;
  r = rfc822_8bit (all, sizeof all, &len);
  for (i = col = 0; i < len; i++) {
    if (r[i] == '\r') col = 0, i++;
    else if (++col > 76) break;
  }
  CHECK (i == len);
  d = rfc822_qprint (r, len, &dlen);
  CHECK_MEMEQ (d, dlen, all, sizeof all);
  fs_give ((void **) &d);
  fs_give ((void **) &r);
}

int main (void)
{
  test_base64 ();
  test_qprint ();
  test_binary ();
  test_8bit ();
  test_logs ();
  return unit_done ();
}

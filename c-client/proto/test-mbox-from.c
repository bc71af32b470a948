/*
 * test-mbox-from.c - From_ line recognition, checked against what UW
 * c-client 2007 (Debian's libc-client) does with the same lines: whether a
 * line starts a message, and the internal date it gives (TZ=UTC here, so a
 * line without a zone reads as +0000).
 */
#include <stdlib.h>
#include "unit.h"
#include "internal.h"
#include "unix-int.h"

static const struct {
  const char *line;
  int valid;
  const char *date;		/* mail_date() form, NULL if not checked */
} cases[] = {
  {"From a@b Mon May  7 20:54:30 2001", 1, " 7-May-2001 20:54:30 +0000"},
  {"From a@b Mon May 7 20:54:30 2001", 0, NULL},
  {"From a@b Mon May 17 20:54:30 2001", 1, "17-May-2001 20:54:30 +0000"},
  {"From a@b Mon May  7 20:54 2001", 1, " 7-May-2001 20:54:00 +0000"},
  {"From a@b Mon May  7 20:54:30 PDT 2001", 1, " 7-May-2001 20:54:30 -0700"},
  {"From a@b Mon May  7 20:54 PDT 2001", 1, " 7-May-2001 20:54:00 -0700"},
  {"From a@b Mon May  7 20:54:30 -0700 2001", 1, " 7-May-2001 20:54:30 -0700"},
  {"From a@b Mon May  7 20:54:30 2001 PDT", 1, " 7-May-2001 20:54:30 -0700"},
  {"From a@b Mon May  7 20:54:30 2001 -0700", 1, " 7-May-2001 20:54:30 -0700"},
  {"From a@b Mon May  7 20:54:30 2001 +0200", 1, " 7-May-2001 20:54:30 +0200"},
  {"From a@b Mon May  7 20:54:30 2001 remote from foo", 1,
   " 7-May-2001 20:54:30 +0000"},
  {"From a@b Mon May  7 20:54:30 2001 -0700 remote from foo", 1,
   " 7-May-2001 20:54:30 -0700"},
  {"From a@b Mon May  7 20:54:30 2001   remote from foo", 0, NULL},
  {"From a@b Mon May  7 20:54:30 01", 0, NULL},
  {"From a@b Mon May  7 20:54:3 2001", 0, NULL},
  {"From a@b Mon May  7 2:54:30 2001", 0, NULL},
  {"From  Mon May  7 20:54:30 2001", 1, " 7-May-2001 20:54:30 +0000"},
  {"From Mon May  7 20:54:30 2001", 1, " 7-May-2001 20:54:30 +0000"},
  {"From a@b Xyz Abc  7 20:54:30 2001", 1, " 1-Jan-1970 00:00:00 +0000"},
  {"From a@b Mon May  7 20:54:30 2001 GMT+1", 0, NULL},
  {"From a@b Mon May  7 20:54:30 2001x", 0, NULL},
  {"From a@b Mon, 7 May 2001 20:54:30 +0000", 0, NULL},
  {"From a@b  Mon May  7 20:54:30 2001", 1, " 7-May-2001 20:54:30 +0000"},
  {"From someone with spaces Mon May  7 20:54:30 2001", 1, NULL},
  {"From a@b Mon May  7 20:54:30 2001 remote from", 0, NULL},
  {"From a@b Mon May  7 20:54:30 +0200 2001 remote from x", 1,
   " 7-May-2001 20:54:30 +0200"},
  {"From a@b Mon May  7 20:54:30 2001 EST", 1, " 7-May-2001 20:54:30 -0500"},
  {"From a@b Mon May  7 20:54:30 2001 +02000", 0, NULL},
  {"From a@b Mon May  7 20:54:30 2001 +020", 0, NULL},
  {"From a@b Mon May  7 20:54 -0700 2001", 1, " 7-May-2001 20:54:00 -0700"},
  {"From  Mon May  7 20:54 2001", 1, " 7-May-2001 20:54:00 +0000"},
  {"From a Mon May  7 20:54 2001", 1, NULL},
  {"From a@b Mon May  7 20:54:30 1969", 1, " 1-Jan-1970 00:00:00 +0000"},
  {"From a@b Mon May  7 20:54:30 2001 remote from a b", 0, NULL},
  {"From a@b Mon May  7 20:54:30 2001 xremote from foo", 0, NULL},
  {"from a@b Mon May  7 20:54:30 2001", 0, NULL},
  {"From a@b Mon May  7 20:54:30 2001\t", 0, NULL},
  {"From a@b Mon May  7 20:54:30 2001 ", 0, NULL},
  /* hostile / short */
  {"", 0, NULL},
  {"From", 0, NULL},
  {"From ", 0, NULL},
  {"From                                          ", 0, NULL},
  {"From ::::::::::::::::::::::::::::::::::::::::::", 0, NULL},
  {"From a@b Mon May  7 99:99:99 2001", 1, " 1-Jan-1970 00:00:00 +0000"},
  {"From a@b Mon Feb 31 20:54:30 2001 +9999", 1, NULL},
};

int main (void)
{
  size_t i;
  setenv ("TZ", "UTC", 1);
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    MESSAGECACHE elt;
    char d[64];
    int v;
    memset (&elt, 0, sizeof elt);
    v = mbox_from_parse (cases[i].line, strlen (cases[i].line), &elt);
    if (!CHECK_INTEQ (v, cases[i].valid))
      printf ("  line: \"%s\"\n", cases[i].line);
    if (v && cases[i].date) {
      mail_date (d, &elt);
      if (!CHECK_STREQ (d, cases[i].date))
	printf ("  line: \"%s\"\n", cases[i].line);
    }
    /* with its newline, and with CR LF, the answer is the same */
    {
      char buf[300];
      int n = snprintf (buf, sizeof buf, "%s\r\nSubject: x\n", cases[i].line);
      CHECK_INTEQ (mbox_from_parse (buf, (size_t) n, NULL), cases[i].valid);
      n = snprintf (buf, sizeof buf, "%s\n", cases[i].line);
      CHECK_INTEQ (mbox_from_parse (buf, (size_t) n, NULL), cases[i].valid);
    }
  }
  /* a NUL inside the line is never valid */
  CHECK_INTEQ (mbox_from_parse ("From a\0b Mon May  7 20:54:30 2001", 34,
				NULL), 0);
  /* an over-long line (1 MB) is refused without reading past len */
  {
    size_t n = 1 << 20;
    char *big = malloc (n);
    memset (big, 'x', n);
    memcpy (big, "From ", 5);
    memcpy (big + n - 24, "Mon May  7 20:54:30 2001", 24);
    CHECK_INTEQ (mbox_from_parse (big, n, NULL), 0);
    free (big);
  }
  /* every prefix of a valid line: no crash, and only the whole is valid */
  {
    const char *l = "From a@b Mon May  7 20:54:30 2001 -0700 remote from x";
    size_t n;
    for (n = 0; n < strlen (l); n++) {
      char *p = malloc (n ? n : 1);
      memcpy (p, l, n);
      mbox_from_parse (p, n, NULL);
      free (p);
    }
    CHECK_INTEQ (mbox_from_parse (l, strlen (l), NULL), 1);
  }
  return unit_done ();
}

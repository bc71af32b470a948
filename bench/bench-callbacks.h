/* The mm_* callbacks c-client requires of a program, for the benchmark
 * drivers: quiet except for errors.  Included once by each driver. */
void mm_searched (MAILSTREAM *s, unsigned long n) { }
void mm_exists (MAILSTREAM *s, unsigned long n) { }
void mm_expunged (MAILSTREAM *s, unsigned long n) { }
void mm_flags (MAILSTREAM *s, unsigned long n) { }
void mm_notify (MAILSTREAM *s, char *str, long e) { }
void mm_list (MAILSTREAM *s, int d, char *n, long a) { }
void mm_lsub (MAILSTREAM *s, int d, char *n, long a) { }
void mm_status (MAILSTREAM *s, char *m, MAILSTATUS *st) { }
void mm_log (char *str, long e)
{
  if (e == ERROR)
    fprintf (stderr, "error: %s\n", str);
}
void mm_dlog (char *str) { }
void mm_login (NETMBX *mb, char *u, char *p, long t) { *u = *p = '\0'; }
void mm_critical (MAILSTREAM *s) { }
void mm_nocritical (MAILSTREAM *s) { }
long mm_diskerror (MAILSTREAM *s, long c, long serious) { return T; }
void mm_fatal (char *str) { fprintf (stderr, "fatal: %s\n", str); }

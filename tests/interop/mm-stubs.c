/*
 * mm-stubs.c - the application callbacks c-client requires, shared by the
 * interop programs (#included, so each builds against UW or Bamboo as one
 * file).  Logs go to stderr.
 */

void mm_searched (MAILSTREAM *stream, unsigned long number) { }
void mm_exists (MAILSTREAM *stream, unsigned long number) { }
void mm_expunged (MAILSTREAM *stream, unsigned long number) { }
void mm_flags (MAILSTREAM *stream, unsigned long number) { }
void mm_notify (MAILSTREAM *stream, char *string, long errflg)
{
  fprintf (stderr, "notify: %s\n", string);
}
void mm_list (MAILSTREAM *stream, int delimiter, char *name, long attributes) { }
void mm_lsub (MAILSTREAM *stream, int delimiter, char *name, long attributes) { }
void mm_status (MAILSTREAM *stream, char *mailbox, MAILSTATUS *status) { }
void mm_log (char *string, long errflg)
{
  fprintf (stderr, "%s: %s\n", errflg == ERROR ? "error" : errflg == WARN
	   ? "warning" : "log", string);
}
void mm_dlog (char *string)
{
  fprintf (stderr, "debug: %s\n", string);
}
void mm_login (NETMBX *mb, char *user, char *pwd, long trial)
{
  user[0] = pwd[0] = '\0';
}
void mm_critical (MAILSTREAM *stream) { }
void mm_nocritical (MAILSTREAM *stream) { }
long mm_diskerror (MAILSTREAM *stream, long errcode, long serious)
{
  fprintf (stderr, "disk error %ld\n", errcode);
  return T;			/* abort the operation */
}
void mm_fatal (char *string)
{
  fprintf (stderr, "fatal: %s\n", string);
}

/* Bamboo IMAP c-client: put "#include "linkage.c"" inside main(). */
  mail_link (&unixdriver);		/* traditional mbox */
  mail_link (&dummydriver);		/* must be last */
  mail_versioncheck (CCLIENTVERSION);

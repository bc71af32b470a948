/* Bamboo IMAP c-client: drivers and authenticators this build provides. */
extern DRIVER unixdriver;	/* traditional mbox */
extern DRIVER dummydriver;	/* directories and empty files */

/*
 * Every limit Bamboo enforces on untrusted input lives here, so an
 * administrator or auditor can see them all at once.  Exceeding one is an
 * error with a message, never a crash or unbounded memory.
 */
#ifndef BAMBOO_LIMITS_H
#define BAMBOO_LIMITS_H

/* RFC 5322 / MIME parsing */
#define LIM_MIME_DEPTH 50		/* nested multipart/message levels */
#define LIM_MIME_PARTS 10000		/* parts in one message, all levels */
#define LIM_MIME_PARAMS 100		/* parameters on one Content-* field */
#define LIM_RFC2231_SECTIONS 100	/* name*0 .. name*99 */
#define LIM_BOUNDARY_LEN 200		/* RFC 2046 says 70; be lenient */
#define LIM_GROUP_DEPTH 50		/* nested address groups */
#define LIM_ADDRESSES 10000		/* addresses in one header field */
#define LIM_COMMENT_DEPTH 100		/* nested (comments) in a header */
#define LIM_HEADER_FIELDS 100000	/* fields in one header */
#define LIM_ENCODED_WORDS 10000		/* RFC 2047 words in one field */
#define LIM_CHARSET_NAME 64		/* bytes in a charset name in a word */
#define LIM_MSGID_REFS 10000		/* References entries used for threading */

/* Mailboxes */
#define LIM_KEYWORDS 30			/* = NUSERFLAGS, as UW */
#define LIM_KEYWORD_LEN 50		/* = MAXUSERFLAG, as UW */
#define LIM_MAILBOX_NAME 1000		/* bytes in a mailbox name or path */
#define LIM_LIST_ENTRIES 100000		/* names one LIST/LSUB may report */
#define LIM_SUBSCRIPTIONS 100000	/* lines read from ~/.mailboxlist */
#define LIM_MBOX_FROM_LINE 1000		/* bytes in a From_ line we accept */
#define LIM_LIST_DEPTH 64		/* directory levels LIST walks, whatever
					   list-maximum-level says */

/* Configuration files (/etc/c-client.cf, ~/.mminit) */
#define LIM_CONFIG_LINE 1000		/* bytes in one line */
#define LIM_CONFIG_LINES 10000		/* lines read before giving up */

/* Search programs */
#define LIM_SEARCH_DEPTH 100		/* nested OR/NOT levels */
#define LIM_SEARCH_KEYS 10000		/* keys in one program */

/* Sequence sets */
#define LIM_SEQSET_RANGES 100000	/* ranges in one sequence set */

/* IMAP server (imapd): what one client may send.  Exceeding a limit gets
 * BAD (or BYE when the input cannot be resynchronised), never a crash. */
#define LIM_IMAP_TAG 64			/* bytes in a tag */
#define LIM_IMAP_LINE 65536		/* bytes in one line (between literals) */
#define LIM_IMAP_LITERAL (64UL << 20)	/* bytes in one literal once logged in */
#define LIM_IMAP_LITERAL_NOAUTH 8192	/* bytes in one literal before login */
#define LIM_IMAP_COMMAND (128UL << 20)	/* bytes in a whole command, literals
					   included (MULTIAPPEND) */
#define LIM_IMAP_COMMAND_NOAUTH 16384	/* the same before login */
#define LIM_IMAP_LITERALS 10000		/* literals in one command */
#define LIM_IMAP_ARGS 100000		/* parsed arguments (atoms, strings,
					   lists) in one command */
#define LIM_IMAP_DEPTH 100		/* nested parentheses */
#define LIM_IMAP_BAD_COMMANDS 20	/* consecutive BAD replies, then BYE */
#define LIM_IMAP_LOGIN_FAILURES 3	/* failed logins, then BYE (UW: 3) */
#define LIM_IMAP_LOGIN_DELAY 3		/* seconds of delay per failed login */
#define LIM_IMAP_AUTH_RESPONSE 16384	/* bytes in one SASL response line */
#define LIM_IMAP_FETCH_ATTS 1000	/* attributes in one FETCH (UW: 100) */
#define LIM_FETCH_PART_COMPONENTS (2 * LIM_MIME_DEPTH) /* numbers in a
					   section part (1.2.3...); deeper
					   cannot name a real part */
#define LIM_FETCH_FIELD_NAME 998	/* bytes in a HEADER.FIELDS name (an
					   RFC 5322 line) */
#define LIM_IMAP_IDLE_LINE 1024	/* bytes in the line ending IDLE */
#define LIM_IMAP_ID_PARAMS 30		/* ID field/value pairs (RFC 2971) */
#define LIM_IMAP_ID_STRING 1024		/* bytes in one ID field or value */
#define LIM_IMAP_TIMEOUT_NOAUTH 120	/* seconds idle before login */
#define LIM_IMAP_TIMEOUT_AUTH 1800	/* seconds idle after login (30 min) */
#define LIM_IMAP_IDLE_NUDGE 1740	/* IDLE: fake new-mail nudge (29 min) */

/* Both servers (server/: connection I/O, account file) */
#define LIM_SERVER_WRITE_TIMEOUT 900	/* seconds a stalled client may block
					   one write */
#define LIM_ACCOUNT_LINE 4096		/* bytes in an account or secrets file
					   line, or a checkpassword reply */
#define LIM_CHECKPASSWORD_TIME 30	/* seconds a checkpassword program
					   may take to answer */
#define LIM_SASL_RESPONSE 8192		/* bytes in one decoded SASL client
					   message (every mechanism) */
#define LIM_SASL_NAME 1024		/* bytes in a SASL user name or
					   authorization identity */
#define LIM_SASL_TRACE 255		/* characters in an ANONYMOUS trace
					   (RFC 4505) */
#define LIM_SASL_SCRAM_ITERATIONS 4096	/* PBKDF2 rounds SCRAM-SHA-256 asks
					   for (RFC 7677's minimum) */
#define LIM_SERVER_TLS_HANDSHAKE 60	/* seconds for a client's whole TLS
					   handshake (implicit, STARTTLS) */
#define LIM_SERVER_LOGIN_DELAY_MAX 60	/* seconds: cap of the growing delay
					   after failed logins */
#define LIM_SERVER_PASSWD_BUFFER (1UL << 20) /* bytes getpwnam_r() may need
					   for one system account */
#define LIM_PAM_LOG_MESSAGE 200		/* bytes of a PAM module's message
					   copied to syslog */
#define LIM_TLS_IO_TIMEOUT 60		/* seconds the rest of a TLS record
					   may take once it has begun */
#define LIM_TLS_CLOSE_TIMEOUT 1		/* seconds close_notify may wait for
					   room at the end */

/* POP3 server (ipop3d): what one client may send.  Exceeding a limit gets
 * -ERR, never a crash. */
#define LIM_POP3_LINE 1024		/* bytes in a command line, CRLF not
					   counted (RFC 2449 asks for 255) */
#define LIM_POP3_KEYWORD 4		/* letters in a command keyword */
#define LIM_POP3_ARGS 8			/* arguments of one command */
#define LIM_POP3_AUTH_RESPONSE 16384	/* bytes in one SASL response line */
#define LIM_POP3_ERRORS 20		/* consecutive -ERR for bad commands,
					   then the connection is closed */
#define LIM_POP3_LOGIN_FAILURES 3	/* failed logins, then close */
#define LIM_POP3_LOGIN_DELAY 3		/* seconds of delay per failed login */
#define LIM_POP3_TIMEOUT_NOAUTH 180	/* seconds idle before login (UW: 3 min) */
#define LIM_POP3_TIMEOUT 600		/* seconds idle after login (UW, RFC
					   1939: at least 10 min) */
#define LIM_POP3_KOD_IDLE 300		/* seconds idle before a kiss of death
					   is obeyed (UW's KODTIMEOUT) */

/* Time (server/clock.c; docs/time.md).  Only warnings depend on these. */
#define LIM_CLOCK_JUMP 30		/* seconds the wall clock must move
					   beyond the steady clock between two
					   checks to be logged as a jump: far
					   above what NTP slewing (500 ppm)
					   adds in the longest wait (30 min:
					   0.9 s) and routine steps (< 1 s) */
#define LIM_CLOCK_SKEW 60		/* seconds the mail file system's clock
					   may differ from ours before a
					   warning: NFS time stamps have 1 s
					   grain; a minute is 1/5 of the lock
					   staleness timeout (300 s) */

#endif

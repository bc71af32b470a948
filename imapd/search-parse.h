/*
 * IMAP search keys (RFC 3501 6.4.4, RFC 5032 WITHIN) -> c-client SEARCHPGM.
 *
 * Pure: no stream, no I/O.  The caller gives the mailbox size and the
 * highest UID so that "*" in sequence sets can be resolved; the program
 * holds plain numbers only.  Shared by SEARCH, SORT and THREAD, and fuzzed
 * through fuzz/fuzz-imap-search.c.
 */
#ifndef BAMBOO_IMAPD_SEARCH_PARSE_H
#define BAMBOO_IMAPD_SEARCH_PARSE_H

#include "imapd.h"

/*
 * Parse the search keys args[0 ..] up to IMAP_ARG_END (all of them are
 * keys: CHARSET and RETURN are the caller's business).  nmsgs is the
 * number of messages ("*" in a message set), maxuid the UID of the last
 * message, or the last UID assigned when the mailbox is empty ("*" in a
 * UID set).  Returns a program for mail_free_searchpgm(), or NULL with
 * *error_r set to a short static reason for a BAD reply (no keys, unknown
 * key, missing or malformed argument, invalid date or sequence set, more
 * than LIM_SEARCH_DEPTH levels or LIM_SEARCH_KEYS keys).
 */
SEARCHPGM *search_parse (const struct imap_arg *args, unsigned long nmsgs,
			 unsigned long maxuid, const char **error_r);

/* Parse an RFC 3501 date-text "d-Mmm-yyyy" (day of one or two digits,
 * month name in any case) into *year, *month (1-12), *day.  0, or -1 when
 * malformed or not a real date (31-Feb). */
int search_parse_date (const char *s, unsigned int *year,
		       unsigned int *month, unsigned int *day);

#endif

/*
 * Bamboo IMAP c-client: environment internals (os/env.c, os/config.c,
 * os/subscribe.c, os/pmatch.c, drivers/dummy.c).  Not installed.
 */
#ifndef BAMBOO_ENV_INT_H
#define BAMBOO_ENV_INT_H

#include "internal.h"

/* Environment variable that overrides SYSCONFIG (/etc/c-client.cf), for
 * tests and unusual installs.  An empty value means "no system file". */
#define ENV_CF_VARIABLE "BAMBOO_CCLIENT_CF"

/* Map a mailbox name to a file path (the rules of mailboxfile()).  Returns
 * an fs_get'ed string, "" meaning "the spool INBOX, the driver decides",
 * or NIL with *error_r set to a message naming the problem. */
char *env_mailbox_path (const char *name, const char **error_r);

/* The directory ordinary mailbox names are relative to: the home directory,
 * or home/mail-subdirectory.  "" if no home is known. */
const char *env_mailbox_root (void);

/* restrictBox hook: may this name be used at all?  Applies UW's rules
 * ("..", "//" and "/~" are refused in #namespace names and whenever the
 * session is anonymous or restricted).  1 = allowed; 0 with *error_r. */
int env_name_allowed (const char *name, const char **error_r);

/* Load SYSCONFIG (or $BAMBOO_CCLIENT_CF) once per process. */
void env_config_load_once (void);
/* Forget that the system file was loaded (tests only). */
void env_config_reset (void);
/* Use this configuration file instead of SYSCONFIG (NULL: back to it). */
void env_config_path (const char *path);

/* Parse one configuration line (bytes, no I/O).  Returns 1 with the name
 * and value spans of a "set NAME VALUE" line, 0 for a line to skip (blank,
 * comment, "I accept the risk..."), -1 with *error_r for a bad line. */
int cf_parse_line (const char *line, size_t len, const char **name,
		   size_t *namelen, const char **value, size_t *valuelen,
		   const char **error_r);

/* Settings that have no mail_parameters() code; set by config.c */
void env_set_restrictbox (long bits);		/* RESTRICTROOT|RESTRICTOTHERUSER */
long env_get_restrictbox (void);
void env_set_allow_user_config (int on);
int env_get_allow_user_config (void);
void env_set_new_folder_format (const char *driver);	/* NIL = default */
const char *env_get_new_folder_format (void);		/* NIL = unix */
/* The driver new mailboxes get: new-folder-format, else unixdriver */
DRIVER *env_create_driver (void);
/* "set keywords a,b,c" (also the user_flags() defaults); -1 if bad */
int env_set_keywords (const char *list, const char **error_r);

/* Free all environment state (tests and leak checkers) */
void env_free_all (void);

/* Parse a protection value ("0600", "384", "0x180"), 0..07777; -1 if bad */
long env_parse_mode (const char *s);

#endif

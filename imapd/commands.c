/*
 * imapd command table: one row per command with the states it is valid in
 * and whether it has a UID form.  Adding a command is a handler and a row.
 */
#include <strings.h>

#include "imapd.h"

#define SEL (CMD_AUTH | CMD_SELECTED)
#define MSG (SEL | CMD_UID | CMD_SEQNUMS)

static const struct imapd_command commands[] = {
  /* any state */
  { "CAPABILITY", cmd_capability, CMD_ANY },
  { "NOOP", cmd_noop, CMD_ANY },
  { "LOGOUT", cmd_logout, CMD_ANY },
  { "ID", cmd_id, CMD_ANY },
  /* not authenticated */
  { "LOGIN", cmd_login, CMD_NOAUTH },
  { "AUTHENTICATE", cmd_authenticate, CMD_NOAUTH },
  { "STARTTLS", cmd_starttls, CMD_NOAUTH },
  /* authenticated (and selected) */
  { "ENABLE", cmd_enable, CMD_AUTH | CMD_UNSELECTED },
  { "SELECT", cmd_select, CMD_AUTH },
  { "EXAMINE", cmd_examine, CMD_AUTH },
  { "CREATE", cmd_create, CMD_AUTH | CMD_WRITES },
  { "DELETE", cmd_delete, CMD_AUTH | CMD_WRITES },
  { "RENAME", cmd_rename, CMD_AUTH | CMD_WRITES },
  { "SUBSCRIBE", cmd_subscribe, CMD_AUTH | CMD_WRITES },
  { "UNSUBSCRIBE", cmd_unsubscribe, CMD_AUTH | CMD_WRITES },
  { "LIST", cmd_list, CMD_AUTH },
  { "LSUB", cmd_lsub, CMD_AUTH },
  { "STATUS", cmd_status, CMD_AUTH },
  { "NAMESPACE", cmd_namespace, CMD_AUTH },
  { "SCAN", cmd_scan, CMD_AUTH },
  { "APPEND", cmd_append, CMD_AUTH | CMD_WRITES },
  { "IDLE", cmd_idle, CMD_AUTH },
  /* selected */
  { "CHECK", cmd_check, SEL },
  { "CLOSE", cmd_close, SEL },
  { "UNSELECT", cmd_unselect, SEL },
  { "EXPUNGE", cmd_expunge, SEL | CMD_UID | CMD_WRITES },	/* UID EXPUNGE: RFC 4315 */
  { "FETCH", cmd_fetch, MSG },
  { "STORE", cmd_store, MSG | CMD_WRITES },
  { "SEARCH", cmd_search, MSG },
  { "SORT", cmd_sort, MSG },
  { "THREAD", cmd_thread, MSG },
  { "COPY", cmd_copy, MSG | CMD_WRITES },
  { "MOVE", cmd_move, MSG | CMD_WRITES },
};

const struct imapd_command *
imapd_command_find (const char *name)
{
  size_t i;
  if (!name)
    return NULL;
  for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcasecmp (commands[i].name, name))
      return &commands[i];
  return NULL;
}

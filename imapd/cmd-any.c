/*
 * Commands valid in every state: CAPABILITY, NOOP, LOGOUT, ID (RFC 2971),
 * and ENABLE (RFC 5161; valid once logged in, before a SELECT).
 */
#include <string.h>

#include "imapd.h"
#include "bamboo-config.h"

/* A command that takes no arguments got some: the UW wording. */
static int
no_args (struct imapd *s, const struct imap_arg *args, const char *name)
{
  if (args[0].type == IMAP_ARG_END)
    return 1;
  reply_bad (s, "Argument given to %s when none expected", name);
  return 0;
}

void
cmd_capability (struct imapd *s, const struct imap_arg *args, int uid)
{
  struct buf b = BUF_INIT;
  if (!no_args (s, args, "CAPABILITY"))
    return;
  session_capabilities (s, &b);
  client_printf (s->client, "* CAPABILITY %s\r\n", buf_cstr (&b));
  buf_free (&b);
}

void
cmd_noop (struct imapd *s, const struct imap_arg *args, int uid)
{
  /* nothing to do: session_dispatch pings the mailbox after every command
   * where that is allowed, which is what the client is asking for */
  no_args (s, args, "NOOP");
}

void
cmd_logout (struct imapd *s, const struct imap_arg *args, int uid)
{
  if (!no_args (s, args, "LOGOUT"))
    return;
  client_printf (s->client, "* BYE %s IMAP4rev1 server terminating "
		 "connection\r\n", s->localhost);
  /* Close (and so save) the mailbox before the tagged OK: a client may
   * drop the connection, or the process be killed, as soon as it sees
   * it.  main.c then logs "Logout" and exits 0. */
  session_deselect (s, 0);
  s->state = STATE_LOGOUT;
}

/* RFC 2971: "(" field value ... ")" or NIL; fields are strings, values
 * nstrings; both bounded. */
static int
id_valid (const struct imap_arg *arg)
{
  size_t i;
  if (imap_arg_is_nil (arg))
    return 1;
  if (arg->type != IMAP_ARG_LIST || arg->count % 2 ||
      arg->count > 2 * LIM_IMAP_ID_PARAMS)
    return 0;
  for (i = 0; i < arg->count; i += 2) {
    const struct imap_arg *field = &arg->list[i], *value = &arg->list[i + 1];
    const char *v;
    size_t vlen;
    if (!imap_arg_string (field) || field->len > LIM_IMAP_ID_STRING)
      return 0;
    if (!imap_arg_nstring (value, &v, &vlen) || vlen > LIM_IMAP_ID_STRING)
      return 0;
  }
  return 1;
}

void
cmd_id (struct imapd *s, const struct imap_arg *args, int uid)
{
  if (args[0].type == IMAP_ARG_END || args[1].type != IMAP_ARG_END ||
      !id_valid (&args[0])) {
    reply_bad (s, "Missing or invalid argument to ID");
    return;
  }
  client_puts (s->client, "* ID (\"name\" \"Bamboo IMAP\" \"version\" ");
  out_cstring (s->client, BAMBOO_VERSION);
  client_puts (s->client, ")\r\n");
}

void
cmd_enable (struct imapd *s, const struct imap_arg *args, int uid)
{
  const struct imap_arg *a;
  if (args[0].type == IMAP_ARG_END) {
    reply_bad (s, "Missing argument to ENABLE");
    return;
  }
  for (a = args; a->type != IMAP_ARG_END; a++)
    if (!imap_arg_atom (a)) {
      reply_bad (s, "Invalid argument to ENABLE");
      return;
    }
  /* No extension we have can be enabled yet (UTF8=ACCEPT is reserved):
   * RFC 5161 says to name only what was enabled, so the list is empty. */
  client_puts (s->client, "* ENABLED\r\n");
}

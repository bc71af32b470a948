/*
 * pam_bamboo_test.so - a PAM module for tests/pam only (never install
 * it).  The suite compiles it and names it in pam_wrapper service files.
 *
 * Arguments:
 *   record=FILE   append "TYPE user=U rhost=R tty=T uid=N" for every call
 *                 (auth, account, open_session, close_session)
 *   multi=PASS    auth: one conversation call of four messages (info,
 *                 visible prompt, error, hidden prompt); success when the
 *                 visible answer is the user name and the hidden one PASS
 *   badstyle      auth: a conversation with an unknown message style;
 *                 PAM_CONV_ERR when the application refuses it
 *   map=NAME      auth: PAM_USER becomes NAME (as an alias module would)
 * Without multi/badstyle, auth succeeds (stack it after a real check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_modules.h>
#include <security/pam_ext.h>

static const char *
arg (int argc, const char **argv, const char *name)
{
  size_t n = strlen (name);
  int i;
  for (i = 0; i < argc; i++)
    if (!strncmp (argv[i], name, n) && (argv[i][n] == '=' || !argv[i][n]))
      return argv[i][n] ? argv[i] + n + 1 : "";
  return NULL;
}

static const char *
item (pam_handle_t *h, int type)
{
  const void *v = NULL;
  return pam_get_item (h, type, &v) == PAM_SUCCESS && v ? v : "-";
}

static void
record (pam_handle_t *h, int argc, const char **argv, const char *type)
{
  const char *file = arg (argc, argv, "record");
  FILE *f;
  if (!file || !(f = fopen (file, "a")))
    return;
  fprintf (f, "%s user=%s rhost=%s tty=%s uid=%lu\n", type,
	   item (h, PAM_USER), item (h, PAM_RHOST), item (h, PAM_TTY),
	   (unsigned long) geteuid ());
  fclose (f);
}

static void
free_resp (struct pam_response *r, int n)
{
  int i;
  if (!r)
    return;
  for (i = 0; i < n; i++)
    free (r[i].resp);
  free (r);
}

static int
converse (pam_handle_t *h, const struct pam_message *m, int n,
	  struct pam_response **resp)
{
  const struct pam_conv *conv = NULL;
  const struct pam_message *p[8];
  int i;
  if (pam_get_item (h, PAM_CONV, (const void **) &conv) != PAM_SUCCESS ||
      !conv || n > 8)
    return PAM_CONV_ERR;
  for (i = 0; i < n; i++)
    p[i] = &m[i];
  *resp = NULL;
  return conv->conv (n, p, resp, conv->appdata_ptr);
}

static int
multi (pam_handle_t *h, const char *password)
{
  struct pam_message m[4] = {
    { PAM_TEXT_INFO, "bamboo-test info line" },
    { PAM_PROMPT_ECHO_ON, "login: " },
    { PAM_ERROR_MSG, "bamboo-test error line" },
    { PAM_PROMPT_ECHO_OFF, "Password: " },
  };
  struct pam_response *r = NULL;
  const char *user = item (h, PAM_USER);
  int ok;
  if (converse (h, m, 4, &r) != PAM_SUCCESS || !r)
    return PAM_CONV_ERR;
  ok = r[1].resp && !strcmp (r[1].resp, user) && r[3].resp &&
    !strcmp (r[3].resp, password) && !r[0].resp && !r[2].resp;
  free_resp (r, 4);
  return ok ? PAM_SUCCESS : PAM_AUTH_ERR;
}

static int
badstyle (pam_handle_t *h)
{
  struct pam_message m[2] = {
    { PAM_TEXT_INFO, "bamboo-test before the odd one" },
    { 4711, "a binary prompt" },
  };
  struct pam_response *r = NULL;
  int rc = converse (h, m, 2, &r);
  free_resp (r, 2);
  return rc == PAM_SUCCESS ? PAM_SUCCESS : PAM_CONV_ERR;
}

int
pam_sm_authenticate (pam_handle_t *h, int flags, int argc, const char **argv)
{
  const char *v;
  (void) flags;
  record (h, argc, argv, "auth");
  if ((v = arg (argc, argv, "map")))
    pam_set_item (h, PAM_USER, v);
  if ((v = arg (argc, argv, "multi")))
    return multi (h, v);
  if (arg (argc, argv, "badstyle"))
    return badstyle (h);
  return PAM_SUCCESS;
}

int
pam_sm_setcred (pam_handle_t *h, int flags, int argc, const char **argv)
{
  record (h, argc, argv, (flags & PAM_DELETE_CRED) ? "delete_cred"
	  : "establish_cred");
  return PAM_SUCCESS;
}

int
pam_sm_acct_mgmt (pam_handle_t *h, int flags, int argc, const char **argv)
{
  (void) flags;
  record (h, argc, argv, "account");
  return PAM_SUCCESS;
}

int
pam_sm_open_session (pam_handle_t *h, int flags, int argc,
		     const char **argv)
{
  (void) flags;
  record (h, argc, argv, "open_session");
  return PAM_SUCCESS;
}

int
pam_sm_close_session (pam_handle_t *h, int flags, int argc,
		      const char **argv)
{
  (void) flags;
  record (h, argc, argv, "close_session");
  return PAM_SUCCESS;
}

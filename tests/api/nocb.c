/* nocb.c: a program that defines no mm_* callbacks still links, because
 * the library has weak defaults (docs/api.md). */
#include "c-client.h"

int main (void)
{
  BODY *b = mail_newbody ();
  mail_free_body (&b);
  return 0;
}

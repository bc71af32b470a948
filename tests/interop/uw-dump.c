/*
 * uw-dump.c - the interop tool (see dump-common.c) built against Debian's
 * UW c-client (libc-client2007e-dev): the oracle.
 *   gcc -I/usr/include/c-client uw-dump.c -lc-client
 */
#include "c-client.h"
#include "dump-common.c"

int main (int argc, char **argv)
{
#include "linkage.c"
  return dump_main (argc, argv);
}

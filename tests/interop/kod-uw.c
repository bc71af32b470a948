/*
 * kod-uw.c - the kiss-of-death tool (see kod-common.c) built against
 * Debian's UW c-client (libc-client2007e-dev).
 *   gcc -I/usr/include/c-client kod-uw.c -lc-client
 */
#include "c-client.h"
#include "kod-common.c"

int main (int argc, char **argv)
{
#include "linkage.c"
  return kod_main (argc, argv);
}

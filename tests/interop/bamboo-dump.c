/*
 * bamboo-dump.c - the interop tool (see dump-common.c) built against our
 * library, exactly as an application would use it.
 *   gcc -Ic-client -Ic-client/bamboo tests/interop/bamboo-dump.c build/libc-client.a -lcrypt
 */
#include "c-client.h"
#include "dump-common.c"

int main (int argc, char **argv)
{
#include "linkage.c"
  return dump_main (argc, argv);
}

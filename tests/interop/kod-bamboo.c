/*
 * kod-bamboo.c - the kiss-of-death tool (see kod-common.c) built against
 * our library, exactly as an application would use it.
 *   gcc -Ic-client -Ic-client/bamboo tests/interop/kod-bamboo.c build/libc-client.a -lcrypt
 */
#include "c-client.h"
#include "kod-common.c"

int main (int argc, char **argv)
{
#include "linkage.c"
  return kod_main (argc, argv);
}

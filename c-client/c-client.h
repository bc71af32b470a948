/*
 * Bamboo IMAP c-client: the one header applications include.
 * Same include structure as UW c-client.
 */
#ifndef __CCLIENT_H
#define __CCLIENT_H

#ifdef __cplusplus
extern "C" {
#define private cclientPrivate	/* the field name is a C++ keyword */
#define and cclientAnd
#define or cclientOr
#define not cclientNot
#endif

#include "mail.h"
#include "osdep.h"
#include "rfc822.h"
#include "utf8.h"
#include "misc.h"
#include "linkage.h"	/* drivers linkage.c links (UW: end of mail.h) */

#ifdef __cplusplus
#undef private
}
#endif

#endif

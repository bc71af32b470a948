/* Bamboo IMAP c-client: operating-system layer (Linux/glibc). */
#ifndef BAMBOO_OSDEP_H
#define BAMBOO_OSDEP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/file.h>

#include "env.h"
#include "fs.h"

#endif

/* Bamboo IMAP c-client: free storage (UW fs.h). */
#ifndef BAMBOO_FS_H
#define BAMBOO_FS_H
#include <stddef.h>
void *fs_get (size_t size);
void fs_resize (void **block, size_t size);
void fs_give (void **block);
#endif

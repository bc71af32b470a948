/*
 * mlock's argument checks (mlock/args.c): pure, no I/O, fuzzed
 * (fuzz/fuzz-mlock-args.c).  mlock runs setgid mail on a caller's words.
 */
#ifndef BAMBOO_MLOCK_ARGS_H
#define BAMBOO_MLOCK_ARGS_H

/* A plain decimal number >= 3 (no sign, no blanks, no junk, no overflow
 * of int), or -1. */
int mlock_parse_fd (const char *s);

/* NULL when path is absolute with no empty, "." or ".." component and
 * "<path>.lock" fits in PATH_MAX; else what is wrong with it. */
const char *mlock_path_problem (const char *path);

#endif

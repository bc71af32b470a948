/*
 * unit.h - header-only unit test helpers for Bamboo IMAP.
 *
 *   #include "unit.h"
 *   int main(void) {
 *       CHECK(1 + 1 == 2);
 *       CHECK_STREQ(got, "expected");          NULL-safe
 *       CHECK_INTEQ(n, 42);                    compared as long long
 *       CHECK_MEMEQ(buf, len, "a\0b", 3);      byte strings with lengths
 *       return unit_done();
 *   }
 *
 * Each CHECK* evaluates its arguments once, counts a pass or a failure, prints
 * "file:line: ..." with both values on failure, and returns 1 on pass, 0 on
 * failure (so "if (!CHECK(p)) return;" works).  unit_done() prints
 * "N passed, M failed" as the program's last line and returns the exit status.
 * Output goes to stdout and is flushed after every failure, so it survives a
 * later crash.  The counters are per translation unit: keep a test program in
 * one .c file.
 */
#ifndef BAMBOO_UNIT_H
#define BAMBOO_UNIT_H

#include <stdio.h>
#include <string.h>

static unsigned long unit_npassed __attribute__((unused));
static unsigned long unit_nfailed __attribute__((unused));

/* Prints up to 200 bytes of s, C-escaped, in double quotes. */
static inline void unit_print_bytes(const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i, shown = len > 200 ? 200 : len;

	putchar('"');
	for (i = 0; i < shown; i++) {
		unsigned char c = s[i];
		switch (c) {
		case '\r': fputs("\\r", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '"':  fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		default:
			if (c < 0x20 || c >= 0x7f)
				printf("\\x%02x", c);
			else
				putchar(c);
		}
	}
	putchar('"');
	if (shown < len)
		printf("... (%zu bytes)", len);
}

static inline int unit_result(int ok)
{
	if (ok)
		unit_npassed++;
	else
		unit_nfailed++;
	return ok;
}

static inline int unit_check(int ok, const char *file, int line, const char *expr)
{
	if (!ok) {
		printf("%s:%d: FAILED: CHECK(%s)\n", file, line, expr);
		fflush(stdout);
	}
	return unit_result(ok);
}

static inline int unit_check_streq(const char *a, const char *b, const char *file,
				   int line, const char *ea, const char *eb)
{
	int ok = (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;

	if (!ok) {
		printf("%s:%d: FAILED: CHECK_STREQ(%s, %s)\n  got:      ", file, line, ea, eb);
		if (a) unit_print_bytes(a, strlen(a)); else fputs("NULL", stdout);
		fputs("\n  expected: ", stdout);
		if (b) unit_print_bytes(b, strlen(b)); else fputs("NULL", stdout);
		putchar('\n');
		fflush(stdout);
	}
	return unit_result(ok);
}

static inline int unit_check_inteq(long long a, long long b, const char *file,
				   int line, const char *ea, const char *eb)
{
	int ok = a == b;

	if (!ok) {
		printf("%s:%d: FAILED: CHECK_INTEQ(%s, %s)\n  got:      %lld\n  expected: %lld\n",
		       file, line, ea, eb, a, b);
		fflush(stdout);
	}
	return unit_result(ok);
}

static inline int unit_check_memeq(const void *a, size_t alen, const void *b, size_t blen,
				   const char *file, int line, const char *ea, const char *eb)
{
	int ok;
	size_t i = 0, n = alen < blen ? alen : blen;

	if (a == NULL || b == NULL)
		ok = (a == NULL && b == NULL) || (alen == 0 && blen == 0);
	else
		ok = alen == blen && memcmp(a, b, alen) == 0;
	if (!ok) {
		size_t from = 0;

		printf("%s:%d: FAILED: CHECK_MEMEQ(%s, %s)\n", file, line, ea, eb);
		if (a != NULL && b != NULL) {
			while (i < n && ((const unsigned char *)a)[i] == ((const unsigned char *)b)[i])
				i++;
			printf("  lengths %zu vs %zu, first difference at offset %zu\n", alen, blen, i);
			if (i > 150) {
				from = i - 40;
				printf("  (showing from offset %zu)\n", from);
			}
		}
		fputs("  got:      ", stdout);
		if (a) unit_print_bytes((const char *)a + from, alen - from); else fputs("NULL", stdout);
		fputs("\n  expected: ", stdout);
		if (b) unit_print_bytes((const char *)b + from, blen - from); else fputs("NULL", stdout);
		putchar('\n');
		fflush(stdout);
	}
	return unit_result(ok);
}

static inline int unit_done(void)
{
	printf("%lu passed, %lu failed\n", unit_npassed, unit_nfailed);
	fflush(stdout);
	return unit_nfailed == 0 ? 0 : 1;
}

#define CHECK(cond) unit_check(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_STREQ(a, b) unit_check_streq((a), (b), __FILE__, __LINE__, #a, #b)
#define CHECK_INTEQ(a, b) \
	unit_check_inteq((long long)(a), (long long)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_MEMEQ(a, alen, b, blen) \
	unit_check_memeq((a), (size_t)(alen), (b), (size_t)(blen), __FILE__, __LINE__, #a, #b)

#endif

#!/usr/bin/env bash
# tests/fuzz/run.sh : replay the fuzz corpus (fuzz/corpus/NAME/) through
# each fuzz target (fuzz/fuzz-NAME.c) built with the normal toolchain and
# fuzz/replay.c instead of libFuzzer.  One check per target: every input
# runs to the end (no failed FUZZ_CHECK, no crash).  When $BUILDDIR's
# library is an ASan/UBSan build (make check-asan: SANITIZE=1, or the
# archive has ASan symbols) the targets are built with the same flags, so
# memory errors, UB and leaks fail the check too.
# Env: TOP, BUILDDIR (as tests/run-all sets them), CC (default gcc),
# SANITIZE.  The last line is "N passed, M failed".
set -u

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILDDIR=${BUILDDIR:-$TOP/build}
case $BUILDDIR in /*) ;; *) BUILDDIR=$TOP/$BUILDDIR ;; esac
CC=${CC:-gcc}
SANITIZE=${SANITIZE:-0}
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

lib=$BUILDDIR/libc-client.a
if [ ! -f "$lib" ]; then
	bad "$lib does not exist (run make first)"
	finish
fi
san=""
if [ "$SANITIZE" = 1 ] || nm "$lib" 2>/dev/null | grep -q ' U __asan_report'; then
	san="-fsanitize=address,undefined -fno-omit-frame-pointer"
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# LeakSanitizer needs ptrace; where it cannot run, check without it.
if [ -n "$san" ] && [ -z "${ASAN_OPTIONS:-}" ]; then
	printf 'int main(void){return 0;}\n' >"$tmp/probe.c"
	if $CC $san -o "$tmp/probe" "$tmp/probe.c" 2>/dev/null &&
		! ASAN_OPTIONS=detect_leaks=1 "$tmp/probe" >/dev/null 2>&1; then
		echo "note: LeakSanitizer does not work here; running with detect_leaks=0"
		export ASAN_OPTIONS=detect_leaks=0
	fi
fi

# Keep the corpus small: it lives in the repository.
files=$(find "$TOP/fuzz/corpus" -type f | wc -l)
bytes=$(find "$TOP/fuzz/corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
if [ "$files" -lt 500 ] && [ "$bytes" -lt 2097152 ]; then
	ok "fuzz/corpus is small ($files files, $bytes bytes)"
else
	bad "fuzz/corpus is too big ($files files, $bytes bytes; limits 500 files, 2 MB)"
fi

for src in "$TOP"/fuzz/fuzz-*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz-}
	corpus=$TOP/fuzz/corpus/$name
	# Targets for program code name its sources: "/* fuzz-link: imapd/parse.c */"
	extra=$(sed -n 's|^/\* fuzz-link: \(.*\) \*/$|\1|p' "$src" | tr ' ' '\n' | sed "/^\$/d; s|^|$TOP/|")
	# shellcheck disable=SC2086  # $san is a word list
	if ! $CC -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
		-Wno-sign-compare $san -I"$TOP/c-client" -I"$TOP/c-client/bamboo" -I"$TOP/server" -I"$BUILDDIR" \
		-o "$tmp/replay-$name" "$src" $extra "$TOP/fuzz/replay.c" "$lib" -lcrypt -lssl -lcrypto -lpam \
		>"$tmp/build-$name.log" 2>&1; then
		bad "build fuzz-$name with replay.c"
		head -n 30 "$tmp/build-$name.log"
		continue
	fi
	if [ -s "$tmp/build-$name.log" ]; then
		bad "fuzz-$name builds without warnings"
		head -n 30 "$tmp/build-$name.log"
	fi
	if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then
		bad "fuzz/corpus/$name has no inputs"
		continue
	fi
	n=$(find "$corpus" -maxdepth 1 -type f | wc -l)
	if (cd "$tmp" && timeout -k 5 300 "$tmp/replay-$name" "$corpus") >"$tmp/run-$name.log" 2>&1; then
		ok "fuzz-$name: $n inputs replayed${san:+ (ASan/UBSan)}"
	else
		bad "fuzz-$name: an input in fuzz/corpus/$name fails (the last 'replay' line names it)"
		grep -v '^replay ' "$tmp/run-$name.log" | head -n 40
		grep '^replay ' "$tmp/run-$name.log" | tail -n 1
	fi
done
finish

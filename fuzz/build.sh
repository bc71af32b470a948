#!/usr/bin/env bash
# fuzz/build.sh [OUT] : build the libFuzzer targets with clang.
#
# The library is compiled with -fsanitize=fuzzer-no-link plus ASan/UBSan
# into OUT/lib (default OUT=/tmp/bamboo-fuzz), then each fuzz/fuzz-NAME.c
# is linked with -fsanitize=fuzzer into OUT/fuzz-NAME.  Run one with e.g.
#   OUT/fuzz-rfc822 -max_total_time=300 -max_len=65536 \
#       OUT/corpus-rfc822 fuzz/corpus/rfc822
# (the first directory collects new inputs; fuzz/corpus/ stays small).
set -eu
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-${FUZZ_OUT:-/tmp/bamboo-fuzz}}
CLANG=${CLANG:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
mkdir -p "$OUT"
make -C "$TOP" --no-print-directory -j"$(nproc)" lib BUILDDIR="$OUT/lib" CC="$CLANG" \
	SANITIZE=1 CFLAGS="-g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined"
for src in "$TOP"/fuzz/fuzz-*.c; do
	name=$(basename "$src" .c)
	# program sources a target needs: a "/* fuzz-link: imapd/parse.c */" line
	extra=$(sed -n 's|^/\* fuzz-link: \(.*\) \*/$|\1|p' "$src" | tr ' ' '\n' | sed "/^\$/d; s|^|$TOP/|")
	echo "CC $name"
	# shellcheck disable=SC2086  # $extra is a word list
	$CLANG -g -O1 -std=gnu11 -D_GNU_SOURCE $SAN -fsanitize=fuzzer \
		-I"$TOP/c-client" -I"$TOP/c-client/bamboo" -I"$TOP/server" -I"$OUT/lib" \
		-o "$OUT/$name" "$src" $extra "$OUT/lib/libc-client.a" -lcrypt -lssl -lcrypto -lpam
done

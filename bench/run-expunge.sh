#!/usr/bin/env bash
# bench/run-expunge.sh [MESSAGES [RUNS]] : time a large EXPUNGE on an mbox.
#
# On the cached genmail mbox of MESSAGES messages (default 100000, the one
# bench/run-mbox-open.sh makes), each run: copy the file, give it UIDs and
# status headers once (untimed), then time one process that opens it
# read-write, sets \Deleted on the first half and expunges.  That is the
# flag write-back, the crash-safe rewrite and the cache compaction together.
# Bamboo and UW 2007f (Debian's libc-client) run the same tool
# (tests/interop/dump-common.c), alternately, as the unprivileged user
# bamboo-uw with home-relative names (UW refuses root and absolute paths).
# Prints each side's median and the ratio.  Never passes or fails.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
n=${1:-100000}
runs=${2:-3}
half=$((n / 2))

echo "command: bench/run-expunge.sh $n $runs   ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores)"
[ "$(id -u)" -eq 0 ] || { echo "run as root (it uses the $UW_USER account)" >&2; exit 1; }
bench_need_lib
bench_data "$n"
bench_user
rel=bench-expunge.$$
dir=$home/$rel
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
gcc -O2 -w -I"$TOP/c-client" -I"$TOP/c-client/bamboo" -I"$BUILDDIR" -I"$TOP/tests/interop" \
	-o "$dir/ours" "$TOP/tests/interop/bamboo-dump.c" "$BUILDDIR/libc-client.a" -lcrypt
gcc -O2 -w -I/usr/include/c-client -I"$TOP/tests/interop" \
	-o "$dir/uw" "$TOP/tests/interop/uw-dump.c" -lc-client
chown -R "$UW_USER:" "$dir"

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A t
for ((r = 0; r < runs; r++)); do
	for side in ours uw; do
		cp "$data" "$dir/x.mbox"
		chown "$UW_USER:" "$dir/x.mbox"
		as_user "./$rel/$side" "$rel/x.mbox" check >/dev/null 2>&1
		s=$(date +%s.%N)
		as_user "./$rel/$side" "$rel/x.mbox" "flag 1:$half \\Deleted" expunge >/dev/null 2>&1
		e=$(date +%s.%N)
		t[$side]="${t[$side]:-} $(awk -v s="$s" -v e="$e" 'BEGIN { print e - s }')"
	done
done
mo=$(median ${t[ours]})
mu=$(median ${t[uw]})
printf 'expunge %d of %d messages, median of %d runs\n' "$half" "$n" "$runs"
printf '  Bamboo  %8.3f s\n  UW      %8.3f s\n  ratio Bamboo/UW %.2f\n' "$mo" "$mu" \
	"$(awk -v a="$mo" -v b="$mu" 'BEGIN { print a / b }')"

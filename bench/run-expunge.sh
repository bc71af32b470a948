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

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${BUILDDIR:-$TOP/build}
case $BUILDDIR in /*) ;; *) BUILDDIR=$TOP/$BUILDDIR ;; esac
SHARED=${SHARED:-$(realpath -m "$TOP/../shared")}
BENCH_DATA=${BENCH_DATA:-/tmp/bamboo-bench}
UW_USER=${UW_USER:-bamboo-uw}
n=${1:-100000}
runs=${2:-3}
half=$((n / 2))

echo "command: bench/run-expunge.sh $n $runs   ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores)"
[ "$(id -u)" -eq 0 ] || { echo "run as root (it uses the $UW_USER account)" >&2; exit 1; }
[ -f "$BUILDDIR/libc-client.a" ] || { echo "no $BUILDDIR/libc-client.a: run make first" >&2; exit 1; }
mkdir -p "$BENCH_DATA"
data=$BENCH_DATA/genmail-mbox-$n-seed1.mbox
if [ ! -s "$data" ]; then
	echo "generating $data ($n messages, once)"
	python3 "$SHARED/tools/genmail.py" mbox "$n" "$data.tmp" --seed 1
	mv "$data.tmp" "$data"
fi

id "$UW_USER" >/dev/null 2>&1 || useradd -m -s /bin/sh "$UW_USER"
home=$(getent passwd "$UW_USER" | cut -d: -f6)
[ -d "$home" ] || { mkdir -p "$home"; chown "$UW_USER:" "$home"; }
as_user() { runuser -u "$UW_USER" -- env -i HOME="$home" PATH=/usr/bin:/bin \
	sh -c 'cd "$HOME" && exec "$@"' sh "$@"; }
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

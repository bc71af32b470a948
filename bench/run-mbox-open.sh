#!/usr/bin/env bash
# bench/run-mbox-open.sh [MESSAGES [RUNS]] : time opening a large mbox.
#
# Generates (once, cached) a genmail mbox of MESSAGES messages (default
# 100000, about 300 MB, --seed 1), then in one session measures, warm cache,
# RUNS runs each (default 5; the first is a warm-up and is left out):
#   cat FILE > /dev/null            baseline: reading the bytes
#   mmap + memchr newline scan      baseline: the least a parser must do
#   Bamboo mail_open read-only / read-write + touching every elt
#   UW     mail_open read-only / read-write + touching every elt
# and prints medians, MB/s and the ratio Bamboo / UW.  Never passes or fails.
#
# UW (Debian's libc-client) refuses root and absolute paths, so both libraries
# run as the unprivileged user bamboo-uw (created if missing, when root) on
# copies in its home, by relative names.  Our library is built by `make`
# (-O2); do not benchmark the sanitizer build.
#
# Environment: see bench/common.sh.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
n=${1:-100000}
runs=${2:-5}
runs=$((runs + 1))		# plus the warm-up run

echo "command: bench/run-mbox-open.sh $n $((runs - 1))   ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores)"
bench_data "$n"
size=$(stat -c %s "$data")
echo "input: $data, $n messages, $((size / 1000000)) MB"

bench_need_lib

# ---- user and copies
bench_user
rel=bench.$$
dir=$home/$rel
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

bin=$(mktemp -d "${TMPDIR:-/tmp}/bench-bin.XXXXXX")
trap 'rm -rf "$dir" "$bin"' EXIT
have_ours=1
gcc -O2 -std=gnu11 -D_GNU_SOURCE -w -I"$TOP/c-client" -I"$TOP/c-client/bamboo" -I"$BUILDDIR" \
	-o "$bin/ours" "$TOP/bench/mbox-open.c" "$BUILDDIR/libc-client.a" -lcrypt 2>"$bin/ld.err" \
	|| { have_ours=0; echo "note: bench/mbox-open.c does not link against our library yet:";
	     grep -o "undefined reference to \`[^']*'" "$bin/ld.err" | sort -u | head -n 10; }
have_uw=1
gcc -O2 -w -I/usr/include/c-client -o "$bin/uw" "$TOP/bench/mbox-open.c" -lc-client 2>/dev/null \
	|| { have_uw=0; echo "note: UW c-client (libc-client2007e-dev) not installed: no UW figures"; }
cp "$bin"/* "$dir/"
for f in ro ours-rw uw-rw; do cp "$data" "$dir/$f.mbox"; done
[ "$(id -u)" -eq 0 ] && chown -R "$UW_USER:" "$dir"

# ---- baselines
cat_times=()
for ((i = 0; i < runs; i++)); do
	t0=$(date +%s.%N)
	cat "$dir/ro.mbox" >/dev/null
	t1=$(date +%s.%N)
	[ $i -gt 0 ] && cat_times+=("$(python3 -c "print($t1 - $t0)")")
done
cat_med=$(printf '%s\n' "${cat_times[@]}" | sort -g | python3 -c '
import sys; v=[float(x) for x in sys.stdin]; v.sort(); n=len(v)
print("%.4f" % (v[n//2] if n % 2 else (v[n//2-1]+v[n//2])/2))')

echo
echo "results (median of $((runs - 1)) warm runs; MB/s = file size / median)"
printf '%-28s %10s %10s\n' "what" "seconds" "MB/s"
printf '%-28s %10s %10.1f\n' "cat > /dev/null" "$cat_med" "$(python3 -c "print($size/1e6/$cat_med)")"
field() { sed -n "s|.* $1=\\([^ ]*\\).*|\\1|p"; }
declare -A med
scanner=ours
[ $have_ours = 1 ] || scanner=uw
line=$(as_user "./$rel/$scanner" scan "$rel/ro.mbox" "$runs")
printf '%-28s %10s %10s\n' "mmap + memchr newline scan" "$(echo "$line" | field median)" "$(echo "$line" | field MB/s)"
for side in ours uw; do
	[ $side = uw ] && [ $have_uw = 0 ] && continue
	[ $side = ours ] && [ $have_ours = 0 ] && continue
	for mode in ro rw; do
		mbox=$rel/ro.mbox
		[ $mode = rw ] && mbox=$rel/$side-rw.mbox
		if line=$(as_user "./$rel/$side" "$mode" "$mbox" "$runs" 2>"$bin/err"); then
			med[$side-$mode]=$(echo "$line" | field median)
			printf '%-28s %10s %10s   (%s messages)\n' "$side mail_open $mode" "${med[$side-$mode]}" \
				"$(echo "$line" | field MB/s)" "$(echo "$line" | field msgs)"
		else
			echo "$side $mode: failed: $(head -c 300 "$bin/err")"
		fi
	done
done
echo
for mode in ro rw; do
	if [ -n "${med[ours-$mode]:-}" ] && [ -n "${med[uw-$mode]:-}" ]; then
		printf 'ratio Bamboo/UW, %s: %s\n' "$mode" \
			"$(python3 -c "print('%.2f' % (${med[ours-$mode]} / ${med[uw-$mode]}))")"
	fi
done

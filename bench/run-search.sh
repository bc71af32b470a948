#!/usr/bin/env bash
# bench/run-search.sh [SIZES [RUNS]] : the library's SEARCH and THREAD on
# large mboxes, our build against a baseline build of an earlier commit.
#
# SIZES defaults to "10000 100000", RUNS to 5 (plus one warm-up run).  For
# each size, bench/search-bench.c is built against both libraries and run on
# the cached genmail mbox (seed 1), one library right after the other; it
# prints, per operation, median wall and CPU seconds and a checksum of the
# result (the two builds must agree).  The long-key search uses a key of
# 2000000000 / SIZE bytes (200 KB for 10000 messages), so it costs the
# baseline about the same at every size.
#
# Baseline: BASE_BUILDDIR (a build dir holding libc-client.a of the earlier
# code) if set, else the library of git HEAD, built from `git archive` in a
# scratch directory.  Ours: BUILDDIR (default build; run `make` first, never
# the sanitizer build).  Environment: see bench/common.sh.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sizes=${1:-"10000 100000"}
runs=${2:-5}
runs=$((runs + 1))		# plus the warm-up run

echo "command: bench/run-search.sh \"$sizes\" $((runs - 1))   ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores)"
bench_need_lib
bin=$(mktemp -d "${TMPDIR:-/tmp}/bench-search.XXXXXX")
trap 'rm -rf "$bin"' EXIT

if [ -z "${BASE_BUILDDIR:-}" ]; then
	echo "baseline: git HEAD ($(git -C "$TOP" rev-parse --short HEAD)), building its library"
	mkdir -p "$bin/base-src"
	git -C "$TOP" archive HEAD | tar -x -C "$bin/base-src"
	make -C "$bin/base-src" BUILDDIR="$bin/base-build" -j"$(nproc)" lib >"$bin/base-build.log" 2>&1 \
		|| { echo "baseline build failed: see $bin/base-build.log" >&2; trap - EXIT; exit 1; }
	BASE_BUILDDIR=$bin/base-build
else
	echo "baseline: $BASE_BUILDDIR"
fi
for side in ours:$BUILDDIR base:$BASE_BUILDDIR; do
	gcc -O2 -std=gnu11 -D_GNU_SOURCE -w -I"$TOP/c-client" -I"$TOP/c-client/bamboo" \
		-I"${side#*:}" -o "$bin/${side%%:*}" "$TOP/bench/search-bench.c" \
		"${side#*:}/libc-client.a" -lcrypt
done

for n in $sizes; do
	bench_data "$n"
	cp "$data" "$bin/box.mbox"	# read-only, but never touch the cache
	key=$((2000000000 / n))
	echo "== $n messages, long key $key bytes"
	"$bin/ours" "$bin/box.mbox" "$runs" "$key" >"$bin/ours.out"
	"$bin/base" "$bin/box.mbox" "$runs" "$key" >"$bin/base.out"
	python3 - "$bin/ours.out" "$bin/base.out" <<'EOF'
import sys
def load(path):
    r = {}
    for line in open(path):
        f = line.split()
        if '=' in f[1] and f[0] != 'open':
            r[f[0]] = dict(kv.split('=') for kv in f[1:])
    return r
ours, base = load(sys.argv[1]), load(sys.argv[2])
print("%-8s %10s %10s %7s %9s %9s %7s  %s" % ("op", "ours s", "base s", "ratio",
      "ours cpu", "base cpu", "ratio", "results"))
for op in ours:
    o, b = ours[op], base[op]
    same = "same" if (o['hits'], o['sum']) == (b['hits'], b['sum']) else "DIFFER"
    fo, fb, co, cb = (float(o['median']), float(b['median']),
                      float(o['cpu']), float(b['cpu']))
    print("%-8s %10.4f %10.4f %7.3f %9.4f %9.4f %7.3f  %s (%s hits)" % (
        op, fo, fb, fo / fb if fb else 0, co, cb, co / cb if cb else 0,
        same, o['hits']))
EOF
done

#!/usr/bin/env bash
# tests/mtest/run.sh [NAME...] : scripted mtest sessions compared with
# reviewed transcripts.
#
# For each tests/mtest/cases/NAME.in (mtest commands, one per line):
#   - a fresh scratch HOME is made; NAME.mbox (if any) is copied there as
#     test.mbox and the files in NAME.files/ (if any) are copied there too;
#   - "mtest -s -e" runs in that HOME with NAME.in on stdin;
#   - NAME.post (if any) then runs in the same HOME (bash) to show what the
#     session left in the files, e.g. the Status:/X-Status: lines;
#   - the transcript (stdout, exit status, post output), with the HOME path
#     replaced by $HOME, must equal NAME.out.  Anything on stderr fails.
#
# Two more checks ("options") cover -f, end of input and a bad option.
#
# UPDATE=1 rewrites NAME.out from the current output instead of comparing.
# Review every rewritten transcript by hand: a transcript that records a bug
# is worse than none.
#
# Environment (set by tests/run-all): TOP, BUILDDIR.  MTEST overrides the
# program.  The last line printed is "N passed, M failed".
set -u

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILDDIR=${BUILDDIR:-$TOP/build}
MTEST=${MTEST:-$BUILDDIR/mtest}
CASES=$TOP/tests/mtest/cases
pass=0
fail=0
. "$TOP/tests/lib/transcript.sh"

if [ ! -x "$MTEST" ]; then
	echo "FAIL: $MTEST is not built: the library or mtest does not build/link yet (run make)"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! command -v perl >/dev/null 2>&1; then
	echo "FAIL: perl is needed to normalise transcripts"
	echo "0 passed, 1 failed"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mtest-cases.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

# run_case NAME : writes the normalised transcript to $work/NAME.got
run_case() {
	local name=$1 home=$work/home-$1 rc
	mkdir -p "$home"
	if [ -f "$CASES/$name.mbox" ]; then
		cp "$CASES/$name.mbox" "$home/test.mbox"
		chmod 600 "$home/test.mbox"
	fi
	if [ -d "$CASES/$name.files" ]; then
		cp -R "$CASES/$name.files/." "$home/"
	fi
	(cd "$home" && HOME=$home timeout -k 5 60 "$MTEST" -s -e \
		<"$CASES/$name.in" >"$work/$name.raw" 2>"$work/$name.err")
	rc=$?
	echo "==== mtest exit status $rc" >>"$work/$name.raw"
	if [ -f "$CASES/$name.post" ]; then
		echo "==== $name.post" >>"$work/$name.raw"
		(cd "$home" && HOME=$home bash "$CASES/$name.post") >>"$work/$name.raw" 2>&1
	fi
	H=$home perl -pe 's/\Q$ENV{H}\E/\$HOME/g' "$work/$name.raw" >"$work/$name.got"
	# NAME.norm: extra perl substitutions for output that depends on timing
	# (e.g. \Marked, decided by whole-second file times as UW does)
	if [ -f "$CASES/$name.norm" ]; then
		perl -pi "$CASES/$name.norm" "$work/$name.got"
	fi
}

for f in "$CASES"/*.in; do
	name=$(basename "$f" .in)
	wanted "$name" "$@" || continue
	run_case "$name"
	if [ -s "$work/$name.err" ]; then
		echo "FAIL $name: mtest wrote to stderr:"
		head -n 40 "$work/$name.err"
		fail=$((fail + 1))
		continue
	fi
	transcript_check "$name" "$work/$name.got" "$CASES/$name.out"
done

# Command-line handling, outside the transcripts.
if wanted options "$@"; then
	home=$work/home-options
	mkdir -p "$home"
	cp "$CASES/flags.mbox" "$home/test.mbox"
	out=$(cd "$home" && HOME=$home "$MTEST" -s -f test.mbox </dev/null 2>&1)
	last=$(printf '%s\n' "$out" | tail -n 1)
	if [ "$last" = "Mailbox test.mbox: 3 messages, 1 recent" ] ||
		[ "$last" = "Mailbox $home/test.mbox: 3 messages, 1 recent" ]; then
		echo "ok   options: -f opens the mailbox, end of input quits"
		pass=$((pass + 1))
	else
		echo "FAIL options: mtest -s -f test.mbox </dev/null printed: $out"
		fail=$((fail + 1))
	fi
	(cd "$home" && "$MTEST" -x </dev/null >"$work/opt.out" 2>"$work/opt.err")
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q '^usage: mtest' "$work/opt.err" && [ ! -s "$work/opt.out" ]; then
		echo "ok   options: a bad option gives usage and exit status 2"
		pass=$((pass + 1))
	else
		echo "FAIL options: mtest -x exited $rc"
		fail=$((fail + 1))
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

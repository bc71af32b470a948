#!/usr/bin/env bash
# run-demo.sh : the "make run" demo.  Puts a small mbox in a scratch home and
# starts mtest on it.  BUILDDIR (default build) says where mtest is.
# DEMO_HOME=DIR uses DIR as the scratch home and keeps it afterwards;
# otherwise a mktemp -d directory is used and removed on exit.
# With a terminal on stdin mtest is interactive; otherwise mtest reads
# whatever stdin holds (e.g. a script of commands).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${BUILDDIR:-build}
case $BUILDDIR in /*) ;; *) BUILDDIR=$TOP/$BUILDDIR ;; esac
mtest=$BUILDDIR/mtest

if [ ! -x "$mtest" ]; then
	echo "run-demo: $mtest is not built (mtest/ has no sources yet?)" >&2
	exit 1
fi

if [ -n "${DEMO_HOME:-}" ]; then
	mkdir -p "$DEMO_HOME"
	home=$(cd "$DEMO_HOME" && pwd)
	echo "run-demo: using DEMO_HOME=$home (kept afterwards)"
else
	home=$(mktemp -d "${TMPDIR:-/tmp}/bamboo-demo.XXXXXX")
	trap 'rm -rf "$home"' EXIT
	echo "run-demo: scratch home $home (removed on exit; set DEMO_HOME to keep one)"
fi

mbox=$home/demo.mbox
if [ -e "$mbox" ]; then
	echo "run-demo: keeping existing $mbox"
elif [ -f "$TOP/tests/fixtures/demo.mbox" ]; then
	echo "run-demo: copying tests/fixtures/demo.mbox to $mbox"
	cp "$TOP/tests/fixtures/demo.mbox" "$mbox"
else
	echo "run-demo: writing 5 small messages to $mbox"
	days=(x Mon Tue Wed Thu Fri)	# 1-5 January 2024
	for i in 1 2 3 4 5; do
		printf 'From demo%d@example.org %s Jan %2d 10:0%d:00 2024\n' "$i" "${days[i]}" "$i" "$i"
		printf 'Date: %s, %d Jan 2024 10:0%d:00 +0000\n' "${days[i]}" "$i" "$i"
		printf 'From: Demo Sender %d <demo%d@example.org>\n' "$i" "$i"
		printf 'To: you@example.org\n'
		printf 'Subject: Demo message %d\n' "$i"
		printf 'Message-ID: <demo-%d@example.org>\n' "$i"
		printf '\n'
		printf 'This is demo message number %d.\n' "$i"
		printf 'It has two lines of text.\n'
		printf '\n'
	done >"$mbox"
fi
chmod 600 "$mbox"

echo "run-demo: HOME=$home $mtest -f $mbox"
cd "$home"
rc=0
HOME=$home "$mtest" -f "$mbox" || rc=$?
echo "run-demo: mtest exited with status $rc"
exit $rc

#!/usr/bin/env bash
# tests/interop/run.sh : UW c-client <-> Bamboo interoperability on mbox files.
#
# Debian's UW library (libc-client2007e, uw-mailutils) is the oracle.  The same
# small tool (dump-common.c) is compiled against UW (uw-dump) and against our
# build/libc-client.a (bamboo-dump); each can append, set flags and keywords,
# expunge, and print a mailbox's state.  The suite checks:
#   - every fixture in tests/fixtures: UW finds the EXPECTED message count, and
#     Bamboo's dump equals UW's (flags, keywords, UIDs, sizes, dates, subjects);
#   - UW writes (mailutil copy + appends + flags + keywords + expunge), Bamboo
#     reads: same dump including UIDVALIDITY, and Bamboo's look leaves the
#     file's bytes alone;
#   - Bamboo writes the same way, UW reads: same dump, and UW has nothing to
#     complain about (no "bogus" headers, no UID reassignment);
#   - each side appends to the other's file and UIDs continue;
#   - UW waits while Bamboo's lock_dot holds the mailbox's dotlock
#     (bamboo-lock.c), then appends.
#
# Why a separate user (the "mailutil says no such mailbox" puzzle): Debian's
# UW build answers "no such mailbox" for every name when run as root, even a
# file in /root named relatively or as ~/name, and for every absolute path
# whoever runs it.  Relative names are resolved against the user's home
# directory (from passwd), not the current directory, so the user needs a
# home that holds the files.  /etc/c-client.cf plays no part (there is none).
# So as root (CI) we create an ordinary user, bamboo-uw, with a home, and run
# both tools as that user with names relative to its home.  As an ordinary
# user we run them as ourselves with names relative to $HOME.
#
# Prints "N passed, M failed" last; exits non-zero if anything failed.  It never
# passes by skipping: a missing package or a library that does not link yet is
# a failure with a message saying so.
set -uo pipefail

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILDDIR=${BUILDDIR:-$TOP/build}
case $BUILDDIR in /*) ;; *) BUILDDIR=$TOP/$BUILDDIR ;; esac
SANITIZE=${SANITIZE:-0}
UW_USER=${UW_USER:-bamboo-uw}
HERE=$TOP/tests/interop
FIXTURES=$TOP/tests/fixtures

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "FAIL - $*"; }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

# ---------------------------------------------------------------- prerequisites
missing=""
command -v mailutil >/dev/null 2>&1 || missing="$missing uw-mailutils"
[ -f /usr/include/c-client/c-client.h ] || missing="$missing libc-client2007e-dev"
command -v gcc >/dev/null 2>&1 || missing="$missing gcc"
if [ -n "$missing" ]; then
	notok "prerequisites: missing Debian packages:$missing (scripts/deps.sh check installs them)"
	finish
fi

# ---------------------------------------------------------------- the UW user
if [ "$(id -u)" -eq 0 ]; then
	if ! id "$UW_USER" >/dev/null 2>&1; then
		if ! useradd -m -s /bin/sh "$UW_USER" >/dev/null 2>&1 && ! id "$UW_USER" >/dev/null 2>&1; then
			notok "could not create the unprivileged user $UW_USER (useradd failed)"
			finish
		fi
	fi
	uw_home=$(getent passwd "$UW_USER" | cut -d: -f6)
	uw_group=$(id -gn "$UW_USER")
	if [ -z "$uw_home" ]; then
		notok "user $UW_USER has no home directory in passwd"
		finish
	fi
	# UW maps names relative to the home: it must exist and be the user's.
	if [ ! -d "$uw_home" ]; then
		mkdir -p "$uw_home" && chown "$UW_USER:$uw_group" "$uw_home"
	fi
	as_uw() { runuser -u "$UW_USER" -- env -i HOME="$uw_home" USER="$UW_USER" LOGNAME="$UW_USER" \
		PATH=/usr/local/bin:/usr/bin:/bin ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" sh -c 'cd "$HOME" && exec "$@"' sh "$@"; }
else
	uw_home=$HOME
	as_uw() { (cd "$uw_home" && "$@"); }
fi

rel=interop.$$			# every mailbox name is relative to uw_home
work=$uw_home/$rel
rm -rf "$work"
mkdir -p "$work"
[ "$(id -u)" -eq 0 ] && chown "$UW_USER:$uw_group" "$work"
trap 'rm -rf "$work"' EXIT
scratch=$(mktemp -d "${TMPDIR:-/tmp}/interop.XXXXXX")
trap 'rm -rf "$work" "$scratch"' EXIT

give() {			# copy a file into the work dir, owned by the UW user
	cp "$1" "$work/$2" && { [ "$(id -u)" -ne 0 ] || chown "$UW_USER:$uw_group" "$work/$2"; }
}

# ---------------------------------------------------------------- the two tools
if gcc -g -O1 -w -I/usr/include/c-client -I"$HERE" -o "$scratch/uw-dump" \
	"$HERE/uw-dump.c" -lc-client >"$scratch/uw-build.log" 2>&1; then
	ok "build uw-dump against Debian's UW c-client"
	cp "$scratch/uw-dump" "$work/uw-dump"
else
	notok "build uw-dump against Debian's UW c-client:"
	head -n 20 "$scratch/uw-build.log"
	finish
fi

have_bamboo=0
san_flags=""
[ "$SANITIZE" = 1 ] && san_flags="-fsanitize=address,undefined -fno-omit-frame-pointer"
if [ ! -f "$BUILDDIR/libc-client.a" ]; then
	notok "build bamboo-dump: $BUILDDIR/libc-client.a does not exist (run make first)"
elif gcc -g -O1 -std=gnu11 -D_GNU_SOURCE -w $san_flags -I"$TOP/c-client" -I"$TOP/c-client/bamboo" \
	-I"$BUILDDIR" -I"$HERE" -o "$scratch/bamboo-dump" "$HERE/bamboo-dump.c" \
	"$BUILDDIR/libc-client.a" -lcrypt >"$scratch/bamboo-build.log" 2>&1; then
	ok "build bamboo-dump against $BUILDDIR/libc-client.a"
	cp "$scratch/bamboo-dump" "$work/bamboo-dump"
	have_bamboo=1
else
	notok "build bamboo-dump against $BUILDDIR/libc-client.a: a c-client application does not" \
		"build against our library yet ($(grep -c 'undefined reference' "$scratch/bamboo-build.log")" \
		"undefined references):"
	grep -o "undefined reference to \`[^']*'" "$scratch/bamboo-build.log" | sort -u | head -n 25
	grep -v -e "undefined reference" -e "in function" -e "relocation against" -e "DT_TEXTREL" \
		"$scratch/bamboo-build.log" | head -n 10
fi
have_locker=0
if [ $have_bamboo -eq 1 ] && gcc -g -O1 -std=gnu11 -D_GNU_SOURCE -w $san_flags -I"$TOP/c-client" \
	-I"$TOP/c-client/bamboo" -I"$BUILDDIR" -o "$work/bamboo-lock" "$HERE/bamboo-lock.c" \
	"$BUILDDIR/libc-client.a" -lcrypt >"$scratch/lock-build.log" 2>&1; then
	have_locker=1
fi
[ "$(id -u)" -eq 0 ] && chown "$UW_USER:$uw_group" "$work"/*-dump "$work"/bamboo-lock 2>/dev/null

uw() { as_uw "./$rel/uw-dump" "$@"; }
bamboo() { as_uw "./$rel/bamboo-dump" "$@"; }

# compare NAME FILE_A FILE_B : ok if equal, else show the diff
# undeclared_keywords UW BAMBOO OUT: writes BAMBOO to OUT without the
# keywords UW does not list (stream "keyword K" lines and entries of each
# message's keywords=), and prints those keywords.
undeclared_keywords() {
	awk -v out="$3" '
		FNR == NR { if ($1 == "keyword") uw[$2] = 1; next }
		$1 == "keyword" { if (!($2 in uw)) { extra[$2] = 1; next } print > out; next }
		match($0, / keywords=[^ ]*/) {
			n = split(substr($0, RSTART + 10, RLENGTH - 10), kw, ","); v = ""
			for (j = 1; j <= n; j++)
				if (kw[j] in uw) v = v (v == "" ? "" : ",") kw[j]
				else extra[kw[j]] = 1
			$0 = substr($0, 1, RSTART - 1) " keywords=" v substr($0, RSTART + RLENGTH)
		}
		{ print > out }
		END { for (e in extra) printf "%s ", e }' "$1" "$2"
}

compare() {
	if diff -u "$2" "$3" >"$scratch/diff" 2>&1; then
		ok "$1"
	else
		notok "$1:"
		head -n 40 "$scratch/diff" | cut -c1-200
	fi
}

# ---------------------------------------------------------------- 0. the oracle
give "$FIXTURES/demo.mbox" demo.mbox
if as_uw mailutil check "$rel/demo.mbox" >"$scratch/mu" 2>&1 && grep -q "7 total" "$scratch/mu"; then
	ok "mailutil (as $(as_uw id -un)) reads a fixture by a home-relative name"
else
	notok "mailutil check $rel/demo.mbox: $(head -c 300 "$scratch/mu")"
fi

# ---------------------------------------------------------------- 1. fixtures
while read -r name count; do
	case $name in ''|'#'*) continue ;; esac
	give "$FIXTURES/$name" "fx-$name"
	give "$FIXTURES/$name" "fb-$name"
	uw "$rel/fx-$name" dump-nouidv >"$scratch/uw.txt" 2>"$scratch/uw.err"
	uw_rc=$?
	if [ "$count" -lt 0 ]; then
		# UW opens any file with its "phile" driver (one message: the file);
		# what matters is that no mailbox driver claims it.
		if [ $uw_rc -ne 0 ] || ! grep -qE '^driver (unix|mbox|mmdf)$' "$scratch/uw.txt"; then
			ok "fixture $name: UW does not take it for a mailbox ($(sed -n 's/^driver //p' "$scratch/uw.txt"))"
		else notok "fixture $name: UW opened it as a mailbox"; fi
	else
		got=$(sed -n 's/^messages //p' "$scratch/uw.txt")
		if [ $uw_rc -eq 0 ] && [ "$got" = "$count" ]; then
			ok "fixture $name: UW finds $count messages"
		else
			notok "fixture $name: UW found '${got}' messages (rc $uw_rc), EXPECTED says $count: $(head -c 300 "$scratch/uw.err")"
		fi
	fi
	if [ $have_bamboo -eq 1 ]; then
		bamboo "$rel/fb-$name" dump-nouidv >"$scratch/bam.txt" 2>"$scratch/bam.err"
		bam_rc=$?
		if [ "$count" -lt 0 ]; then
			if [ $bam_rc -ne 0 ] || ! grep -qE '^driver (unix|mbox|mmdf)$' "$scratch/bam.txt"; then
				ok "fixture $name: Bamboo does not take it for a mailbox either"
			else notok "fixture $name: Bamboo opened it as a mailbox"; fi
		elif [ $bam_rc -ne 0 ]; then
			notok "fixture $name: Bamboo failed (rc $bam_rc): $(tail -n 5 "$scratch/bam.err" | head -c 600)"
		elif [ "$count" -eq 0 ]; then
			# A 0-byte file: UW hands it to its dummy driver, Bamboo to the
			# mbox driver (so an empty ~/mbox or spool is a real, appendable
			# mailbox; docs/formats.md).  Everything but the driver must agree.
			grep -v '^driver ' "$scratch/uw.txt" >"$scratch/uw0.txt"
			grep -v '^driver ' "$scratch/bam.txt" >"$scratch/bam0.txt"
			if grep -q '^driver unix$' "$scratch/bam.txt"; then
				compare "fixture $name: Bamboo sees an empty mailbox as UW does" "$scratch/uw0.txt" "$scratch/bam0.txt"
			else notok "fixture $name: Bamboo did not open the empty file as an empty mbox"; fi
		else
			# One documented difference (docs/formats.md): a read-only
			# open shows keywords found only in X-Keywords, which UW's
			# drops until a read-write open declares them.  Those extra
			# keywords must really be in the file; the rest must match.
			extra=$(undeclared_keywords "$scratch/uw.txt" "$scratch/bam.txt" "$scratch/bamk.txt")
			compare "fixture $name: Bamboo sees what UW sees" "$scratch/uw.txt" "$scratch/bamk.txt"
			if [ -n "$extra" ]; then
				missing=
				for k in $extra; do
					grep -qE "^X-Keywords:.*(^| |:)$(printf '%s' "$k" | sed 's/[]$.*[^\\]/\\&/g')( |$)" "$FIXTURES/$name" || missing="$missing $k"
				done
				if [ -z "$missing" ]; then
					ok "fixture $name: Bamboo's read-only open also shows X-Keywords keywords ($extra)"
				else notok "fixture $name: keywords shown by Bamboo but not in the file:$missing"; fi
			fi
		fi
		if cmp -s "$FIXTURES/$name" "$work/fb-$name"; then
			ok "fixture $name: a read-only open by Bamboo leaves the file alone"
		else
			notok "fixture $name: Bamboo's read-only open changed the file"
		fi
	else
		notok "fixture $name: Bamboo side not run (bamboo-dump did not build)"
	fi
done <"$FIXTURES/EXPECTED"

# ---------------------------------------------------------------- 2. writers
# Messages to append (LF line ends; the tools send them as CRLF).
mkmsg() {			# mkmsg FILE N SUBJECT
	printf 'Date: Tue, %d Jan 2024 1%d:00:00 +0100\nFrom: Writer %d <w%d@example.org>\nTo: you@example.org\nSubject: %s\nMessage-ID: <w%d@example.org>\n\nBody of message %d.\nFrom here on a second line.\n' \
		"$2" "$2" "$2" "$2" "$3" "$2" "$2" >"$1"
}
for i in 1 2 3 4 5; do
	mkmsg "$scratch/m$i.eml" "$i" "interop message $i"
	give "$scratch/m$i.eml" "m$i.eml"
done
# One script of writes, run by either side.  Keywords are created by setting
# them on an open stream (UW cannot create a keyword while appending to a
# mailbox it has not opened); message 3 is expunged so later UIDs show the gap.
writes=(
	"append $rel/m1.eml"
	"append $rel/m2.eml (\\Seen) 02-Jan-2024 10:00:00 +0100"
	"append $rel/m3.eml (\\Flagged) 03-Jan-2024 11:30:00 -0500"
	"append $rel/m4.eml"
	"append $rel/m5.eml (\\Draft)"
	"flag 1 \\Seen \\Flagged"
	"flag 2 \$Label1 project-x"
	"flag 4 \\Answered Junk"
	"flag 3 \\Deleted"
	"expunge"
	"unflag 1 \\Flagged"
	"check"
)

# writer SIDE MBOX : the other's tool name is given, we run the script
run_writes() {
	local side=$1 mbox=$2
	# UW: start from a fixture copied by mailutil, as a user would
	"$side" "$rel/$mbox" "${writes[@]}" >"$scratch/$side-write.out" 2>"$scratch/$side-write.err"
}

# (a) UW writes, Bamboo reads
give "$FIXTURES/demo.mbox" a-src.mbox
if as_uw mailutil copy "$rel/a-src.mbox" "$rel/a.mbox" >"$scratch/mu" 2>&1 && [ -s "$work/a.mbox" ]; then
	ok "UW mailutil copy creates a.mbox from a fixture"
else
	notok "UW mailutil copy a-src.mbox a.mbox: $(head -c 300 "$scratch/mu")"
fi
if run_writes uw a.mbox; then
	ok "UW appends, sets flags and keywords, expunges"
else
	notok "UW writes failed: $(head -c 500 "$scratch/uw-write.err")"
fi
uw "$rel/a.mbox" dump >"$scratch/a-uw.txt" 2>"$scratch/a-uw.err"
if grep -q '^messages 11$' "$scratch/a-uw.txt" && grep -q 'keywords=\$Label1,project-x' "$scratch/a-uw.txt"; then
	ok "UW's own view of a.mbox: 11 messages, keywords set"
else
	notok "UW's own view of a.mbox is not what the writes asked for:"
	head -n 20 "$scratch/a-uw.txt"
fi
if [ $have_bamboo -eq 1 ]; then
	sum_before=$(cksum <"$work/a.mbox")
	if bamboo "$rel/a.mbox" dump >"$scratch/a-bam.txt" 2>"$scratch/a-bam.err"; then
		compare "UW wrote, Bamboo reads the same state (uidvalidity, uids, flags, keywords)" \
			"$scratch/a-uw.txt" "$scratch/a-bam.txt"
	else
		notok "Bamboo cannot open UW's a.mbox: $(tail -n 5 "$scratch/a-bam.err" | head -c 600)"
	fi
	if [ "$sum_before" = "$(cksum <"$work/a.mbox")" ]; then
		ok "Bamboo's read-only look at UW's file leaves its bytes alone"
	else
		notok "Bamboo's read-only open changed UW's file"
	fi
	# Bamboo appends to UW's file; UW must see UIDs continue
	mkmsg "$scratch/m6.eml" 6 "appended by Bamboo"
	give "$scratch/m6.eml" m6.eml
	if bamboo "$rel/a.mbox" "append $rel/m6.eml (\\Seen)" >/dev/null 2>"$scratch/a6.err"; then
		uw "$rel/a.mbox" dump >"$scratch/a6-uw.txt" 2>/dev/null
		bamboo "$rel/a.mbox" dump >"$scratch/a6-bam.txt" 2>/dev/null
		if grep -q '^12 uid=.*subject=appended by Bamboo$' "$scratch/a6-uw.txt"; then
			ok "UW sees Bamboo's append to UW's mailbox"
		else
			notok "UW does not see Bamboo's append as message 12:"
			tail -n 3 "$scratch/a6-uw.txt"
		fi
		compare "after Bamboo's append both agree" "$scratch/a6-uw.txt" "$scratch/a6-bam.txt"
	else
		notok "Bamboo cannot append to UW's mailbox: $(tail -n 3 "$scratch/a6.err" | head -c 400)"
	fi
else
	notok "UW wrote, Bamboo reads: not run (bamboo-dump did not build)"
fi

# (b) Bamboo writes, UW reads
if [ $have_bamboo -eq 1 ]; then
	give "$FIXTURES/demo.mbox" b.mbox
	if run_writes bamboo b.mbox; then
		ok "Bamboo appends, sets flags and keywords, expunges"
	else
		notok "Bamboo writes failed: $(tail -n 5 "$scratch/bamboo-write.err" | head -c 600)"
	fi
	bamboo "$rel/b.mbox" dump >"$scratch/b-bam.txt" 2>"$scratch/b-bam.err"
	uw "$rel/b.mbox" dump >"$scratch/b-uw.txt" 2>"$scratch/b-uw.err"
	if grep -q '^messages 11$' "$scratch/b-bam.txt"; then
		ok "Bamboo's own view of b.mbox: 11 messages"
	else
		notok "Bamboo's own view of b.mbox:"
		head -n 5 "$scratch/b-bam.txt"
	fi
	compare "Bamboo wrote, UW reads the same state (uidvalidity, uids, flags, keywords)" \
		"$scratch/b-bam.txt" "$scratch/b-uw.txt"
	if grep -qiE 'bogus|assigning new unique|invalid|error' "$scratch/b-uw.err"; then
		notok "UW complains about Bamboo's file: $(head -c 400 "$scratch/b-uw.err")"
	else
		ok "UW reads Bamboo's file without complaint"
	fi
	# Where the mailbox metadata lives must match what UW does with the same
	# writes on the same file: UW keeps an existing file without a
	# pseudo-message that way and puts X-IMAPbase in the first message.
	give "$FIXTURES/demo.mbox" c.mbox
	run_writes uw c.mbox
	layout() {
		printf 'pseudo-message=%s X-IMAPbase=%s X-UID=%s\n' \
			"$(head -n 5 "$1" | grep -c "^Subject: DON'T DELETE THIS MESSAGE -- FOLDER INTERNAL DATA")" \
			"$(grep -c '^X-IMAPbase:' "$1")" "$(grep -c '^X-UID:' "$1")"
	}
	layout "$work/c.mbox" >"$scratch/c-layout"
	layout "$work/b.mbox" >"$scratch/b-layout"
	compare "Bamboo lays out metadata as UW does ($(cat "$scratch/c-layout"))" \
		"$scratch/c-layout" "$scratch/b-layout"
	# UW appends to Bamboo's file; Bamboo must see UIDs continue
	mkmsg "$scratch/m7.eml" 7 "appended by UW"
	give "$scratch/m7.eml" m7.eml
	if uw "$rel/b.mbox" "append $rel/m7.eml (\\Flagged)" >/dev/null 2>"$scratch/b7.err"; then
		uw "$rel/b.mbox" dump >"$scratch/b7-uw.txt" 2>/dev/null
		bamboo "$rel/b.mbox" dump >"$scratch/b7-bam.txt" 2>"$scratch/b7-bam.err"
		compare "after UW's append to Bamboo's file both agree" "$scratch/b7-uw.txt" "$scratch/b7-bam.txt"
	else
		notok "UW cannot append to Bamboo's mailbox: $(head -c 400 "$scratch/b7.err")"
	fi
else
	notok "Bamboo wrote, UW reads: not run (bamboo-dump did not build)"
fi

# ---------------------------------------------------------------- 3. locking
# UW must wait while we hold the mailbox's dotlock, then go ahead.
if [ $have_locker -eq 1 ]; then
	give "$FIXTURES/demo.mbox" l.mbox
	as_uw "./$rel/bamboo-lock" "$rel/l.mbox" 3 >"$scratch/locker.out" 2>&1 &
	locker=$!
	for _ in $(seq 50); do
		[ -e "$work/l.mbox.lock" ] && break
		sleep 0.1
	done
	if [ -e "$work/l.mbox.lock" ]; then
		ok "Bamboo's lock_dot creates l.mbox.lock next to the mailbox"
		t0=$(date +%s.%N)
		uw "$rel/l.mbox" "append $rel/m1.eml" >/dev/null 2>"$scratch/l-uw.err"
		uw_rc=$?
		t1=$(date +%s.%N)
		waited=$(python3 -c "print('%.1f' % ($t1 - $t0))")
		wait "$locker"
		if [ $uw_rc -eq 0 ] && python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= 1.5 else 1)"; then
			ok "UW waited ${waited}s for Bamboo's dotlock, then appended"
		else
			notok "UW did not wait for Bamboo's dotlock (rc $uw_rc, ${waited}s): $(head -c 300 "$scratch/l-uw.err")"
		fi
		if grep -q '^unlocked$' "$scratch/locker.out" && [ ! -e "$work/l.mbox.lock" ]; then
			ok "Bamboo released its dotlock (UW had not overridden it)"
		else
			notok "Bamboo's dotlock release: $(cat "$scratch/locker.out")"
		fi
		if uw "$rel/l.mbox" dump-nouidv 2>/dev/null | grep -q '^messages 8$'; then
			ok "UW's append after the wait is in the mailbox"
		else
			notok "UW's append after the wait is missing"
		fi
	else
		wait "$locker"
		notok "bamboo-lock did not create l.mbox.lock: $(cat "$scratch/locker.out")"
	fi
else
	notok "locking interop: bamboo-lock did not build: $(grep -m3 -E 'error|undefined' "$scratch/lock-build.log" 2>/dev/null)"
fi

finish

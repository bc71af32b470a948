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
#   - the session lock /tmp/.<dev>.<ino> and the kiss of death (SIGUSR2)
#     work across the two: our imapd takes a mailbox from a UW application
#     and a UW application from our imapd, and a Bamboo and a UW
#     application (kod-common.c) take it from each other.
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
# The kiss-of-death tool (kod-common.c) on both libraries, and our imapd,
# copied where the UW user can run them.
have_kod_uw=0 have_kod_bamboo=0 have_imapd=0
if gcc -g -O1 -w -I/usr/include/c-client -I"$HERE" -o "$work/kod-uw" "$HERE/kod-uw.c" \
	-lc-client >"$scratch/kod-uw-build.log" 2>&1; then
	have_kod_uw=1
fi
if [ $have_bamboo -eq 1 ] && gcc -g -O1 -std=gnu11 -D_GNU_SOURCE -w $san_flags -I"$TOP/c-client" \
	-I"$TOP/c-client/bamboo" -I"$BUILDDIR" -I"$HERE" -o "$work/kod-bamboo" "$HERE/kod-bamboo.c" \
	"$BUILDDIR/libc-client.a" -lcrypt >"$scratch/kod-bamboo-build.log" 2>&1; then
	have_kod_bamboo=1
fi
if [ -x "$BUILDDIR/imapd" ] && cp "$BUILDDIR/imapd" "$work/imapd"; then
	have_imapd=1
fi
[ "$(id -u)" -eq 0 ] && chown "$UW_USER:$uw_group" "$work"/*-dump "$work"/bamboo-lock \
	"$work"/kod-* "$work"/imapd 2>/dev/null

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

# ---------------------------------------------------------------- 4. kiss of death
# The session lock /tmp/.<dev>.<ino> (hex st_dev and st_ino of the mailbox
# file, mode 0666, the owner's pid inside) and SIGUSR2: UW and Bamboo
# processes of the same user must find each other's lock under the same
# name and kick each other out.  kod-common.c holds a mailbox read/write
# and, kissed, closes it and exits, as UW's imapd does; our imapd is
# preauthenticated on a pipe, as the UW user.

lockname() {			# lockname FILE : UW's session lock name for FILE
	printf '/tmp/.%x.%x' "$(stat -c %d "$1")" "$(stat -c %i "$1")"
}
wait_for() {			# wait_for FILE ERE [SECONDS] : until a line matches
	local i
	for i in $(seq $((${3:-20} * 10))); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
is_imapd_of_uw() {		# is_imapd_of_uw PID : our imapd, run as the UW user
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = imapd ] &&
		[ "$(stat -c %U "/proc/$1" 2>/dev/null)" = "$(as_uw id -un)" ]
}
# imapd_start NAME : imapd reading the fifo NAME.in (our fd $imapd_fd),
# writing NAME.out and NAME.err (its syslog); its job is $imapd_job.
imapd_start() {
	rm -f "$scratch/$1.in"
	mkfifo "$scratch/$1.in"
	as_uw timeout 120 "./$rel/imapd" --syslog-stderr <"$scratch/$1.in" \
		>"$scratch/$1.out" 2>"$scratch/$1.err" &
	imapd_job=$!
	exec {imapd_fd}>"$scratch/$1.in"
}
imapd_send() { printf '%s\r\n' "$1" >&"$imapd_fd"; }
imapd_end() {			# close its input; its exit status
	exec {imapd_fd}>&-
	wait "$imapd_job"
}
# tool_start SIDE NAME MBOX FLAGSEQ SECONDS : kod-SIDE holding MBOX
tool_start() {
	as_uw "./$rel/kod-$1" "$rel/$3" "$4" "$5" >"$scratch/$2.out" 2>"$scratch/$2.err" &
	tool_job=$!
	wait_for "$scratch/$2.out" '^(ready)$' 20
}
tool_pid() { sed -n 's/^pid //p' "$scratch/$1.out"; }
crlf_grep() { tr -d '\r' <"$2" | grep -qE "$1"; }

# (a) a UW application holds the mailbox; our imapd SELECTs it
if [ $have_kod_uw -eq 1 ] && [ $have_imapd -eq 1 ]; then
	give "$FIXTURES/demo.mbox" k1.mbox
	if tool_start uw k1-uw k1.mbox 2 60; then
		uwpid=$(tool_pid k1-uw)
		lk=$(lockname "$work/k1.mbox")
		if [ -f "$lk" ] && [ ! -L "$lk" ] && [ "$(stat -c %a "$lk")" = 666 ] &&
			[ "$(cat "$lk")" = "$uwpid" ] && [ "$(stat -c %s "$lk")" -eq ${#uwpid} ]; then
			ok "UW's session lock is $lk: mode 0666, its pid $uwpid, no newline"
		else
			notok "UW's session lock $lk: $(ls -l "$lk" 2>&1) content '$(cat "$lk" 2>&1)' (UW pid $uwpid)"
		fi
		imapd_start k1
		imapd_send "a SELECT $rel/k1.mbox"
		wait_for "$scratch/k1.out" '^a (OK|NO|BAD)' 30
		if crlf_grep "^\* (NO|OK) Trying to get mailbox lock from process $uwpid\$" "$scratch/k1.out" &&
			crlf_grep '^a OK \[READ-WRITE\]' "$scratch/k1.out"; then
			ok "our imapd kisses the UW owner (pid $uwpid) and gets READ-WRITE"
		else
			notok "our imapd vs the UW owner: $(tr -d '\r' <"$scratch/k1.out" | tail -n 4)"
		fi
		wait "$tool_job"
		rc=$?
		if [ $rc -eq 0 ] && grep -q '^kissed$' "$scratch/k1-uw.out" && grep -q '^released$' "$scratch/k1-uw.out"; then
			ok "the UW application got SIGUSR2, closed the mailbox and exited"
		else
			notok "the UW application (rc $rc): $(tr '\n' ' ' <"$scratch/k1-uw.out") $(head -c 300 "$scratch/k1-uw.err")"
		fi
		imapd_send "b FETCH 2 FLAGS"
		wait_for "$scratch/k1.out" '^b (OK|NO|BAD)' 10
		if crlf_grep '^\* 2 FETCH \(FLAGS \(\\Flagged\)\)$' "$scratch/k1.out"; then
			ok "the flag UW set before the kiss is in the file our imapd reads"
		else
			notok "UW's \\Flagged on message 2 is lost: $(tr -d '\r' <"$scratch/k1.out" | tail -n 3)"
		fi
		holder=$(cat "$lk" 2>/dev/null)
		if [ -n "$holder" ] && is_imapd_of_uw "$holder"; then
			ok "the lock file now holds our imapd's pid ($holder)"
		else
			notok "after the takeover $lk holds '$holder', not our imapd's pid"
		fi
		imapd_send "z LOGOUT"
		imapd_end
		rc=$?
		if [ $rc -eq 0 ] && [ ! -e "$lk" ]; then
			ok "our imapd logs out with status 0 and removes $lk"
		else
			notok "our imapd's LOGOUT: status $rc, lock file $(ls -l "$lk" 2>&1)"
		fi
	else
		notok "kod-uw did not get ready: $(cat "$scratch/k1-uw.out" "$scratch/k1-uw.err" | head -c 400)"
		wait "$tool_job"
	fi
else
	notok "kiss of death, UW owner: kod-uw or imapd missing ($(head -c 300 "$scratch/kod-uw-build.log"))"
fi

# (b) our imapd holds the mailbox; a UW application opens it read/write
if [ $have_kod_uw -eq 1 ] && [ $have_imapd -eq 1 ]; then
	give "$FIXTURES/demo.mbox" k2.mbox
	lk=$(lockname "$work/k2.mbox")
	imapd_start k2
	imapd_send "a SELECT $rel/k2.mbox"
	imapd_send "b STORE 3 +FLAGS.SILENT (\\Flagged)"
	wait_for "$scratch/k2.out" '^b (OK|NO|BAD)' 20
	holder=$(cat "$lk" 2>/dev/null)
	if crlf_grep '^a OK \[READ-WRITE\]' "$scratch/k2.out" && [ -n "$holder" ] &&
		is_imapd_of_uw "$holder" && [ "$(stat -c %a "$lk")" = 666 ] &&
		[ "$(stat -c %s "$lk")" -eq ${#holder} ]; then
		ok "our imapd holds $lk (mode 0666, its pid $holder, no newline)"
	else
		notok "our imapd's lock: $(tr -d '\r' <"$scratch/k2.out" | tail -n 2) $(ls -l "$lk" 2>&1) '$holder'"
	fi
	as_uw "./$rel/kod-uw" "$rel/k2.mbox" - 0 >"$scratch/k2-uw.out" 2>"$scratch/k2-uw.err"
	rc=$?
	if [ $rc -eq 0 ] && grep -qx "warning: Trying to get mailbox lock from process $holder" "$scratch/k2-uw.err" &&
		grep -qx 'open rw' "$scratch/k2-uw.out"; then
		ok "a UW application kisses our imapd (pid $holder) and opens read/write"
	else
		notok "UW opening our imapd's mailbox (rc $rc): $(tr '\n' ' ' <"$scratch/k2-uw.out") $(head -c 300 "$scratch/k2-uw.err")"
	fi
	if grep -qx 'flagged 3' "$scratch/k2-uw.out"; then
		ok "the flag our imapd set before the kiss is in the file UW reads"
	else
		notok "UW does not see our imapd's \\Flagged on message 3: $(grep '^flagged' "$scratch/k2-uw.out")"
	fi
	wait "$imapd_job"
	rc=$?
	exec {imapd_fd}>&-
	if [ $rc -eq 0 ] && [ "$(tr -d '\r' <"$scratch/k2.out" | tail -n 1)" = "* BYE Killed (lost mailbox lock)" ] &&
		grep -q "Killed (lost mailbox lock) user=$(as_uw id -un)" "$scratch/k2.err"; then
		ok "our imapd says '* BYE Killed (lost mailbox lock)', syslogs it and exits 0"
	else
		notok "our imapd kissed by UW: status $rc, last line '$(tr -d '\r' <"$scratch/k2.out" | tail -n 1)', log: $(head -c 300 "$scratch/k2.err")"
	fi
	if [ ! -e "$lk" ]; then
		ok "no lock file is left once UW closed"
	else
		notok "$lk left behind: $(ls -l "$lk") '$(cat "$lk")'"
	fi
else
	notok "kiss of death, imapd owner: kod-uw or imapd missing"
fi

# (c) library to library: a Bamboo application and a UW application, each
# kissing the other (the same application code on both libraries)
kod_pair() {			# kod_pair OWNER NEWCOMER MBOX FLAGSEQ
	local own=$1 new=$2 mbox=$3 seq=$4 opid lk rc
	give "$FIXTURES/demo.mbox" "$mbox"
	lk=$(lockname "$work/$mbox")
	if ! tool_start "$own" "$mbox-$own" "$mbox" "$seq" 60; then
		notok "kod-$own did not get ready: $(cat "$scratch/$mbox-$own.out" "$scratch/$mbox-$own.err" | head -c 400)"
		wait "$tool_job"
		return
	fi
	opid=$(tool_pid "$mbox-$own")
	if [ "$(cat "$lk" 2>/dev/null)" = "$opid" ] && [ "$(stat -c %a "$lk")" = 666 ] &&
		[ "$(stat -c %s "$lk")" -eq ${#opid} ]; then
		ok "$own application holds $lk (mode 0666, its pid $opid, no newline)"
	else
		notok "$own application's lock $lk: $(ls -l "$lk" 2>&1) '$(cat "$lk" 2>&1)' (pid $opid)"
	fi
	as_uw "./$rel/kod-$new" "$rel/$mbox" - 0 >"$scratch/$mbox-$new.out" 2>"$scratch/$mbox-$new.err"
	rc=$?
	if [ $rc -eq 0 ] && grep -qx "warning: Trying to get mailbox lock from process $opid" "$scratch/$mbox-$new.err" &&
		grep -qx 'open rw' "$scratch/$mbox-$new.out" && grep -qx "flagged $seq" "$scratch/$mbox-$new.out"; then
		ok "$new application kisses the $own one, opens read/write and sees its flag"
	else
		notok "$new kissing $own (rc $rc): $(tr '\n' ' ' <"$scratch/$mbox-$new.out") $(head -c 300 "$scratch/$mbox-$new.err")"
	fi
	wait "$tool_job"
	rc=$?
	if [ $rc -eq 0 ] && grep -qx kissed "$scratch/$mbox-$own.out" && grep -qx released "$scratch/$mbox-$own.out" &&
		[ ! -e "$lk" ]; then
		ok "$own application was kissed, released the mailbox, and no lock file is left"
	else
		notok "$own application after the kiss (rc $rc): $(tr '\n' ' ' <"$scratch/$mbox-$own.out") lock: $(ls -l "$lk" 2>&1)"
	fi
}
if [ $have_kod_uw -eq 1 ] && [ $have_kod_bamboo -eq 1 ]; then
	kod_pair bamboo uw k3.mbox 4
	kod_pair uw bamboo k4.mbox 5
else
	notok "kiss of death between applications: kod-uw ($have_kod_uw) or kod-bamboo ($have_kod_bamboo) did not build: $(head -c 300 "$scratch/kod-bamboo-build.log")"
fi

finish

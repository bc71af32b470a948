#!/usr/bin/env bash
# tests/imapd/run.sh [NAME...] : imapd transcript tests.
#
# For each tests/imapd/cases/NAME.in a fresh scratch dir is made:
#   SCRATCH/home            HOME of the session (imapd's test mode serves it)
#   SCRATCH/spool/USER      INBOX (mode 1777 dir, like /var/mail), a copy of
#                           NAME.mbox, or of the file a "#mbox FILE" line in
#                           NAME.in names (FILE relative to cases/)
#   SCRATCH/c-client.cf     "set mail-spool-directory SCRATCH/spool"
# NAME.setup (optional, bash, run as the invoking user before the session,
# env SCRATCH SPOOL INBOX HOME TOP) can add more mailboxes.
# imapd then runs on a pipe, preauthenticated (the test mode: a non-root
# user on a non-socket stdin), as "imapd --config SCRATCH/c-client.cf
# --syslog-stderr --alert FILE" (FILE: a copy of NAME.alert, or one that
# does not exist), driven by driver.py with NAME.in (see driver.py for the
# syntax: literals, waits, shell steps).  As root (CI's make check) imapd
# runs as nobody (uid/gid 65534) through setpriv, on a scratch dir it owns.
#
# The transcript (C:/S: lines, exit status, syslog lines on stderr) goes
# through normalise.py (host, version, dates near now, UIDVALIDITY) and
# NAME.norm when present (perl -p substitutions), and must equal NAME.out.
#
# UPDATE=1 writes NAME.out from the current output instead of comparing.
# Review every rewritten file against RFC 3501 by hand: an expected output
# must be what the RFC wants, not merely what the server printed.
#
# Environment (set by tests/run-all): TOP, BUILDDIR.  IMAPD overrides the
# program.  The last line printed is "N passed, M failed".
set -u

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILDDIR=${BUILDDIR:-$TOP/build}
case $BUILDDIR in /*) ;; *) BUILDDIR=$TOP/$BUILDDIR ;; esac
IMAPD=${IMAPD:-$BUILDDIR/imapd}
HERE=$TOP/tests/imapd
CASES=$HERE/cases
PY=${PYTHON:-python3}
pass=0
fail=0
. "$TOP/tests/lib/transcript.sh"

if [ ! -x "$IMAPD" ]; then
	echo "FAIL: $IMAPD is not built (imapd does not build/link yet? run make)"
	echo "0 passed, 1 failed"
	exit 1
fi

version=$(sed -n 's/^#define BAMBOO_VERSION "\(.*\)"/\1/p' "$BUILDDIR/bamboo-config.h" 2>/dev/null)
if [ "$(id -u)" -eq 0 ]; then
	run_uid=65534
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
	run_uid=$(id -u)
	as_user=()
fi
run_user=$(getent passwd "$run_uid" | cut -d: -f1)
run_user=${run_user:-$run_uid}

work=$(mktemp -d "${TMPDIR:-/tmp}/imapd-cases.XXXXXX") || exit 1
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

# nobody must be able to reach the scratch dirs (a mode-700 parent would
# make every case fail in a confusing way): check once.
if [ ${#as_user[@]} -gt 0 ] && ! "${as_user[@]}" test -x "$work"; then
	echo "FAIL: $work is not traversable by uid 65534 (TMPDIR=${TMPDIR:-/tmp}); use TMPDIR=/tmp"
	echo "0 passed, 1 failed"
	exit 1
fi

# run_case NAME : writes the normalised transcript to $work/NAME.got
run_case() {
	local name=$1 s=$work/$1 cf mbox m alert
	mkdir -p "$s/home" "$s/spool"
	chmod 755 "$s" "$s/home"
	chmod 1777 "$s/spool"
	cf=$s/c-client.cf
	printf 'set mail-spool-directory %s\n' "$s/spool" >"$cf"
	chmod 644 "$cf"
	# INBOX: NAME.mbox, or the file named by a "#mbox FILE" line in NAME.in
	mbox=$CASES/$name.mbox
	m=$(sed -n 's/^#mbox //p' "$CASES/$name.in" | head -n 1)
	[ -n "$m" ] && mbox=$CASES/$m
	if [ -f "$mbox" ]; then
		cp "$mbox" "$s/spool/$run_user"
		chmod 600 "$s/spool/$run_user"
	fi
	if [ -f "$CASES/$name.setup" ]; then
		(cd "$s" && SCRATCH=$s SPOOL=$s/spool INBOX=$s/spool/$run_user HOME=$s/home \
			TOP=$TOP bash "$CASES/$name.setup") >"$work/$name.setup.out" 2>&1 ||
			echo "setup failed: $(cat "$work/$name.setup.out")" >>"$work/$name.raw"
	fi
	# The alert file: NAME.alert, else none (not the machine's /etc/imapd.alert)
	alert=$s/no-alert
	if [ -f "$CASES/$name.alert" ]; then
		cp "$CASES/$name.alert" "$s/alert"
		chmod 644 "$s/alert"
		alert=$s/alert
	fi
	if [ ${#as_user[@]} -gt 0 ]; then
		chown -R "$run_uid:$run_uid" "$s/home"
		[ -e "$s/spool/$run_user" ] && chown "$run_uid:$run_uid" "$s/spool/$run_user"
	fi
	(cd "$s/home" && SCRATCH=$s SPOOL=$s/spool INBOX=$s/spool/$run_user HOME=$s/home \
		IMAPD=$IMAPD CONFIG=$cf AS_USER="${as_user[*]}" timeout -k 5 120 "$PY" "$HERE/driver.py" "$CASES/$name.in" -- \
		"${as_user[@]}" env -i HOME="$s/home" PATH=/usr/bin:/bin TZ=UTC LANG=C \
		"$IMAPD" --config "$cf" --syslog-stderr --alert "$alert") >>"$work/$name.raw" 2>&1
	NORM_HOSTS="$(hostname) $(hostname -f 2>/dev/null) localhost" NORM_USER=$run_user \
		NORM_VERSION=$version NORM_SCRATCH=$s \
		"$PY" "$HERE/normalise.py" <"$work/$name.raw" >"$work/$name.got"
	if [ -f "$CASES/$name.norm" ]; then
		perl -pi "$CASES/$name.norm" "$work/$name.got"
	fi
}

for f in "$CASES"/*.in; do
	name=$(basename "$f" .in)
	wanted "$name" "$@" || continue
	run_case "$name"
	transcript_check "$name" "$work/$name.got" "$CASES/$name.out"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# run-demo.sh : the "make run" demo.  Starts imapd under ucspi-tcp's
# tcpserver on 127.0.0.1:1143 (and ipop3d on 127.0.0.1:1110 when it is
# built) with two accounts, demo and demo2, both with password "demo", and
# waits in the foreground; Ctrl-C (SIGINT) or SIGTERM stops everything.
#
# Storage: a mktemp -d directory removed on exit, or DEMO_HOME=DIR, kept
# and reused.  In it:
#   DIR/demo, DIR/demo2      the homes (other mailboxes, .mailboxlist)
#   DIR/spool/USER           INBOX, an mbox spool file ("set
#                            mail-spool-directory" in DIR/c-client.cf);
#                            tests/fixtures/demo.mbox is copied there only
#                            when the file is missing
#   DIR/passwd               the account file (rewritten each run)
#   DIR/cram-md5.pwd         ipop3d's APOP secrets (rewritten each run): the
#                            demo accounts with password "demo", so APOP
#                            works and /etc/cram-md5.pwd is never used
# As root the demo users get two unused uids (>= 60000, absent from the
# passwd and group databases; an existing DEMO_HOME keeps its owners), since
# imapd refuses to serve a session as root.  Otherwise both accounts are us.
# BUILDDIR (default build) says where imapd is.  Installs nothing: "make
# run" runs scripts/deps.sh run first.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${BUILDDIR:-build}
case $BUILDDIR in /*) ;; *) BUILDDIR=$TOP/$BUILDDIR ;; esac
imapd=$BUILDDIR/imapd
ipop3d=$BUILDDIR/ipop3d
IMAP_PORT=${IMAP_PORT:-1143}
POP_PORT=${POP_PORT:-1110}
users=(demo demo2)

if [ ! -x "$imapd" ]; then
	echo "run-demo: $imapd is not built (run make)" >&2
	exit 1
fi
if ! command -v tcpserver >/dev/null 2>&1; then
	echo "run-demo: tcpserver is missing: apt-get install ucspi-tcp (scripts/deps.sh run)" >&2
	exit 1
fi

if [ -n "${DEMO_HOME:-}" ]; then
	mkdir -p "$DEMO_HOME"
	home=$(cd "$DEMO_HOME" && pwd)
	keep=1
	echo "run-demo: using DEMO_HOME=$home (kept afterwards)"
else
	home=$(mktemp -d "${TMPDIR:-/tmp}/bamboo-demo.XXXXXX")
	keep=0
	echo "run-demo: scratch directory $home (removed on exit; set DEMO_HOME to keep one)"
fi
# The demo users must be able to reach their homes and the spool.
chmod 755 "$home"

pids=()
# Each tcpserver runs in a process group of its own (set -m below), with
# its imapd sessions: a Ctrl-C at the terminal reaches this script only,
# and the cleanup stops each group (tcpserver and its live sessions) with
# SIGTERM, which imapd holds while it rewrites a mailbox.
cleanup() {
	local p
	trap - EXIT INT TERM
	for p in "${pids[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ "$keep" = 0 ]; then
		rm -rf "$home"
	fi
	echo "run-demo: stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# uid_free N: true when no user or group has the number N
uid_free() {
	! getent passwd "$1" >/dev/null && ! getent group "$1" >/dev/null
}

declare -A uid
if [ "$(id -u)" -eq 0 ]; then
	next=60000
	for u in "${users[@]}"; do
		if [ -d "$home/$u" ] && [ "$(stat -c %u "$home/$u")" -ne 0 ]; then
			uid[$u]=$(stat -c %u "$home/$u")	# a kept DEMO_HOME
			continue
		fi
		while ! uid_free "$next" || [ "$next" = "${uid[demo]:-}" ]; do
			next=$((next + 1))
		done
		uid[$u]=$next
		next=$((next + 1))
	done
else
	for u in "${users[@]}"; do uid[$u]=$(id -u); done
fi

spool=$home/spool
mkdir -p "$spool"
chmod 1777 "$spool"	# like /var/mail: the mbox driver dot-locks there
cf=$home/c-client.cf
printf 'set mail-spool-directory %s\n' "$spool" >"$cf"
chmod 644 "$cf"

hash=$(printf 'demo\n' | "$imapd" --make-password)
pw=$home/passwd
{
	echo "# run-demo.sh accounts: user:hash:uid:gid:gecos:home:shell"
	for u in "${users[@]}"; do
		echo "$u:$hash:${uid[$u]}:${uid[$u]}:Demo user $u:$home/$u:/bin/sh"
	done
} >"$pw"
chmod 600 "$pw"	# hashes: only tcpserver (us) reads it

# ipop3d's secrets file (UW format, user<TAB>secret).  While it exists, POP3
# passwords are checked against it (UW's rule), so it says "demo" too.
secrets=$home/cram-md5.pwd
{
	echo "# run-demo.sh APOP secrets: user<TAB>secret"
	for u in "${users[@]}"; do
		printf '%s\tdemo\n' "$u"
	done
} >"$secrets"
chmod 600 "$secrets"

for u in "${users[@]}"; do
	mkdir -p "$home/$u"
	if [ -e "$spool/$u" ]; then
		echo "run-demo: keeping existing $spool/$u"
	else
		cp "$TOP/tests/fixtures/demo.mbox" "$spool/$u"
		chmod 600 "$spool/$u"
		echo "run-demo: sample mailbox $spool/$u (from tests/fixtures/demo.mbox)"
	fi
	if [ "$(id -u)" -eq 0 ]; then
		chown -R "${uid[$u]}:${uid[$u]}" "$home/$u"
		chown "${uid[$u]}:${uid[$u]}" "$spool/$u"
	fi
done

# start NAME PORT PROGRAM [OPTION...] : tcpserver on 127.0.0.1:PORT in the
# background, in a process group of its own
set -m
start() {
	local name=$1 port=$2 prog=$3
	shift 3
	tcpserver -R -H -l localhost 127.0.0.1 "$port" \
		"$prog" --passwd "$pw" --config "$cf" --syslog-stderr "$@" &
	pids+=($!)
	sleep 0.3
	if ! kill -0 "$!" 2>/dev/null; then
		echo "run-demo: tcpserver for $name on 127.0.0.1:$port did not start (port in use?)" >&2
		exit 1
	fi
}
start imapd "$IMAP_PORT" "$imapd"
pop=""
if [ -x "$ipop3d" ]; then
	start ipop3d "$POP_PORT" "$ipop3d" --secrets "$secrets"
	pop="  POP3: 127.0.0.1 port $POP_PORT (plain text; USER/PASS, APOP, AUTH PLAIN), same accounts"
fi

cat <<EOT

Bamboo IMAP demo is running.
  IMAP: 127.0.0.1 port $IMAP_PORT, no TLS (plain text, for this demo only)
  accounts: demo and demo2, password: demo$(if [ "$(id -u)" -eq 0 ]; then echo " (uids ${uid[demo]} and ${uid[demo2]})"; fi)
$pop
  storage: $home (INBOX = $spool/USER, other mailboxes in $home/USER)

Connect with:
  mutt -f imap://demo@127.0.0.1:$IMAP_PORT/
  Thunderbird: new mail account, "Configure manually": incoming IMAP,
    server 127.0.0.1, port $IMAP_PORT, connection security None,
    authentication "Normal password", user name demo
  python3 -c 'import imaplib; m = imaplib.IMAP4("127.0.0.1", $IMAP_PORT); m.login("demo", "demo"); print(m.select())'
  (openssl is not needed: this port speaks plain IMAP)
$(if [ -n "$pop" ]; then
	echo "  mutt -f pop://demo@127.0.0.1:$POP_PORT/"
	echo "  python3 -c 'import poplib; p = poplib.POP3(\"127.0.0.1\", $POP_PORT); p.apop(\"demo\", \"demo\"); print(p.stat()); p.quit()'"
fi)

Session log lines (syslog) are shown here too.  Ctrl-C stops everything.
EOT

wait

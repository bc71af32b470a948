#!/usr/bin/env bash
# run-demo.sh : the "make run" demo.  Starts imapd under ucspi-tcp's
# tcpserver on 127.0.0.1:1143 (STARTTLS) and 1993 (IMAPS, implicit TLS),
# and ipop3d on 127.0.0.1:1110 (STLS) and 1995 (POP3S), with two accounts,
# demo and demo2, both with password "demo", and waits in the foreground;
# Ctrl-C (SIGINT) or SIGTERM stops everything.  A self-signed certificate
# for 127.0.0.1/localhost is made with the openssl CLI on each run.
# Plaintext logins stay allowed without TLS so that simple clients can try
# the demo; DEMO_NOPWD=1 adds --nopwd (LOGINDISABLED, no USER in CAPA
# until STARTTLS/STLS), which is one line in a real setup (see CONFIG).
#
# Storage: a mktemp -d directory removed on exit, or DEMO_HOME=DIR, kept
# and reused.  In it:
#   DIR/demo, DIR/demo2      the homes (other mailboxes, .mailboxlist)
#   DIR/spool/USER           INBOX, an mbox spool file ("set
#                            mail-spool-directory" in DIR/c-client.cf);
#                            tests/fixtures/demo.mbox is copied there only
#                            when the file is missing
#   DIR/passwd               the account file (rewritten each run)
#   DIR/cram-md5.pwd         the secrets file (rewritten each run): the
#                            demo accounts with password "demo", so APOP,
#                            CRAM-MD5 and SCRAM-SHA-256 work and
#                            /etc/cram-md5.pwd is never used
#   DIR/tls/certs/imapd.pem, ipop3d.pem   the demo certificate (UW's names)
#   DIR/tls/private/imapd.pem, ipop3d.pem its key
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
IMAPS_PORT=${IMAPS_PORT:-1993}
POPS_PORT=${POPS_PORT:-1995}
users=(demo demo2)

if [ ! -x "$imapd" ]; then
	echo "run-demo: $imapd is not built (run make)" >&2
	exit 1
fi
if ! command -v openssl >/dev/null 2>&1; then
	echo "run-demo: the openssl CLI is missing: apt-get install openssl (scripts/deps.sh run)" >&2
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

# The demo certificate, named as UW names them: <program>.pem in the
# certificate directory, the key under the same name in the key directory.
tls=$home/tls
mkdir -p "$tls/certs" "$tls/private"
chmod 700 "$tls/private"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-days 30 -subj "/CN=localhost" \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$tls/private/imapd.pem" -out "$tls/certs/imapd.pem" 2>/dev/null
cp "$tls/certs/imapd.pem" "$tls/certs/ipop3d.pem"
cp "$tls/private/imapd.pem" "$tls/private/ipop3d.pem"
chmod 600 "$tls/private/"*.pem
tlsopts=(--tls-cert-dir "$tls/certs" --tls-key-dir "$tls/private")
if [ "${DEMO_NOPWD:-0}" = 1 ]; then
	tlsopts+=(--nopwd)
fi

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
		"$prog" --passwd "$pw" --config "$cf" --secrets "$secrets" \
		"${tlsopts[@]}" --syslog-stderr "$@" &
	pids+=($!)
	sleep 0.3
	if ! kill -0 "$!" 2>/dev/null; then
		echo "run-demo: tcpserver for $name on 127.0.0.1:$port did not start (port in use?)" >&2
		exit 1
	fi
}
start imapd "$IMAP_PORT" "$imapd"
start imaps "$IMAPS_PORT" "$imapd" --tls
pop=""
if [ -x "$ipop3d" ]; then
	start ipop3d "$POP_PORT" "$ipop3d"
	start pop3s "$POPS_PORT" "$ipop3d" --tls
	pop="  POP3: 127.0.0.1 port $POP_PORT (STLS), port $POPS_PORT (POP3S, TLS); USER/PASS, APOP, AUTH"
fi

cat <<EOT

Bamboo IMAP demo is running.
  IMAP: 127.0.0.1 port $IMAP_PORT (STARTTLS), port $IMAPS_PORT (IMAPS, TLS)
  SASL: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256 (the secrets file); APOP for POP3
  certificate: self-signed for localhost/127.0.0.1: $tls/certs/imapd.pem
  plaintext LOGIN and USER/PASS work without TLS here$(if [ "${DEMO_NOPWD:-0}" = 1 ]; then echo " -- NOT with DEMO_NOPWD=1"; fi)
  accounts: demo and demo2, password: demo$(if [ "$(id -u)" -eq 0 ]; then echo " (uids ${uid[demo]} and ${uid[demo2]})"; fi)
$pop
  storage: $home (INBOX = $spool/USER, other mailboxes in $home/USER)

Connect with:
  mutt -f imap://demo@127.0.0.1:$IMAP_PORT/
  Thunderbird: new mail account, "Configure manually": incoming IMAP,
    server 127.0.0.1, port $IMAP_PORT, connection security None,
    authentication "Normal password", user name demo
  python3 -c 'import imaplib; m = imaplib.IMAP4("127.0.0.1", $IMAP_PORT); m.login("demo", "demo"); print(m.select())'
  openssl s_client -connect 127.0.0.1:$IMAPS_PORT -CAfile $tls/certs/imapd.pem
  openssl s_client -connect 127.0.0.1:$IMAP_PORT -starttls imap -CAfile $tls/certs/imapd.pem
$(if [ -n "$pop" ]; then
	echo "  mutt -f pop://demo@127.0.0.1:$POP_PORT/"
	echo "  python3 -c 'import poplib; p = poplib.POP3(\"127.0.0.1\", $POP_PORT); p.apop(\"demo\", \"demo\"); print(p.stat()); p.quit()'"
fi)

Session log lines (syslog) are shown here too.  Ctrl-C stops everything.
EOT

wait

#!/usr/bin/env bash
# bench/run-login.sh [N [RUNS]] : the cost of logging in to imapd, with and
# without TLS, against the password hash and OpenSSL's own handshake.
# Defaults: N=200 sequential connections per row and run, RUNS=5.
#
# The issue's targets: login overhead beyond the password hash itself under
# 2 ms, and a full TLS handshake plus login adding no more than OpenSSL's
# own handshake cost.
#
# Everything listens on 127.0.0.1 under ucspi-tcp's tcpserver (one process
# per connection), on free ports.  As root, the account has uid/gid 65534
# (nobody) and a scratch home and spool it owns.  Servers:
#   - imapd --passwd (a hash from imapd --make-password, yescrypt on Debian
#     12), with an absent --secrets file and an empty certificate directory:
#     no secrets file, no TLS;
#   - imapd --passwd --secrets (same password in a UW secrets file, so LOGIN
#     compares plaintext: no hash), no TLS;
#   - the same with --tls-cert/--tls-key (a self-signed EC P-256 certificate
#     made with the openssl CLI): STARTTLS offered;
#   - the same with --tls: IMAPS, TLS from the first byte;
#   - the baseline, bench/tls-echo.c (built here with cc -lssl -lcrypto):
#     a process that does only what OpenSSL needs (fresh SSL_CTX set up
#     like server/tls.c's, certificate and key loaded, SSL_accept on the
#     socket), then greeting, one command, "* BYE" + tagged OK, close_notify;
#     the same program with --plain (no TLS), with --ctx (SSL_CTX made
#     and certificate loaded, then no TLS), and with --crypt (one crypt_r()
#     of the account's hash, then no TLS: the hash in a fresh process).
# bench/login-bench.py is the client for all of them (the same code; TLS
# with Python's ssl module, certificate verified, no tickets, nothing
# resumed).  Each row is N connections, each timed from connect() until
# the server has closed after LOGOUT; a run goes through every row once,
# one warm-up run of 10 connections per row is discarded, and the figures
# are the medians over RUNS runs of each run's per-connection median (and
# mean).  Rows are interleaved in blocks of 10 connections (every row's
# block, then the next round), so that the load of the machine falls on
# all of them alike.  The account's hash is timed alone between the
# blocks: 2 calls of crypt_r() (libcrypt through ctypes) per round.
#
# Printed: a table of the rows in ms, then the derived figures:
#   login overhead (hash)    = LOGIN(hash) - greeting+LOGOUT - crypt_r, with
#     crypt_r timed in the client and in a fresh process (tls-echo --crypt
#     - tls-echo --plain)
#   login overhead (secrets) = LOGIN(secrets) - greeting+LOGOUT (--secrets)
#   both against the 2 ms target;
#   certificate loaded but unused, by imapd and by tls-echo --ctx;
#   OpenSSL handshake H      = tls-echo - tls-echo --plain
#   TLS added to a login     = IMAPS LOGIN - plain LOGIN (secrets), and the
#     same for STARTTLS, each as a ratio to H and as ms beyond H;
#   TLS added to greeting+LOGOUT; and IMAPS LOGIN / tls-echo.
# Never passes or fails.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
n=${1:-200}
runs=${2:-5}
imapd=$BUILDDIR/imapd
client=$TOP/bench/login-bench.py
PY=${PYTHON:-/usr/bin/python3}
CC=${CC:-cc}

echo "command: bench/run-login.sh $n $runs   (BUILDDIR=$BUILDDIR; $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores)"
[ -x "$imapd" ] || { echo "no $imapd: run make first" >&2; exit 1; }
for t in tcpserver openssl "$CC"; do
	command -v "$t" >/dev/null 2>&1 || { echo "no $t: scripts/deps.sh check" >&2; exit 1; }
done

# ------------------------------------------------------------- scratch
home=$(mktemp -d "${TMPDIR:-/tmp}/bench-login.XXXXXX")
chmod 755 "$home"
pgids=()
client_pid=
cleanup() {
	local p
	trap - EXIT INT TERM
	if [ -n "$client_pid" ]; then
		kill "$client_pid" 2>/dev/null || true
		wait "$client_pid" 2>/dev/null || true
	fi
	# each tcpserver leads its own process group, with its imapd children
	for p in "${pgids[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null || true
	done
	for p in "${pgids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$home"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bench_account

pw=benchpw
mkdir -p "$home/spool" "$home/bench" "$home/nocerts"
chmod 1777 "$home/spool"
own "$home/bench"
printf 'set mail-spool-directory %s\n' "$home/spool" >"$home/c-client.cf"
hash=$(printf '%s\n' "$pw" | "$imapd" --make-password)
echo "bench:$hash:$bench_uid:$bench_gid:bench:$home/bench:/bin/sh" >"$home/passwd"
chmod 644 "$home/passwd"
printf 'bench\t%s\n' "$pw" >"$home/secrets"
chmod 400 "$home/secrets"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$home/key.pem" -out "$home/cert.pem" 2>/dev/null
chmod 600 "$home/key.pem"
"$CC" -O2 -Wall -o "$home/tls-echo" "$TOP/bench/tls-echo.c" -lssl -lcrypto -lcrypt

# serve NAME ARGV... : tcpserver on a free port in its own process group;
# sets port[NAME]; its stderr (and imapd's --syslog-stderr) in NAME.log
declare -A port=()
serve() {
	local name=$1 p
	shift
	p=$(free_port)
	setsid tcpserver -R -H -l 0 127.0.0.1 "$p" "$@" </dev/null >"$home/$name.log" 2>&1 &
	pgids+=($!)
	port[$name]=$p
}
common=("$imapd" --passwd "$home/passwd" --config "$home/c-client.cf" --syslog-stderr)
tls=(--tls-cert "$home/cert.pem" --tls-key "$home/key.pem")
serve pw "${common[@]}" --secrets "$home/no-secrets" \
	--tls-cert-dir "$home/nocerts" --tls-key-dir "$home/nocerts"
serve sec "${common[@]}" --secrets "$home/secrets" \
	--tls-cert-dir "$home/nocerts" --tls-key-dir "$home/nocerts"
serve sec-cert "${common[@]}" --secrets "$home/secrets" "${tls[@]}" --no-tls
serve imaps "${common[@]}" --secrets "$home/secrets" "${tls[@]}" --tls
serve echo-plain "$home/tls-echo" --plain
serve echo-crypt "$home/tls-echo" --crypt "$hash" "$pw"
serve echo-ctx "$home/tls-echo" --ctx "$home/cert.pem" "$home/key.pem"
serve echo-tls "$home/tls-echo" "$home/cert.pem" "$home/key.pem"
for s in "${!port[@]}"; do
	"$PY" "$client" wait "${port[$s]}"
done

# ------------------------------------------------------------ the rows
# NAME SERVER TRANSPORT AUTH DESCRIPTION
rows="echo-plain echo-plain plain none baseline tls-echo --plain: greeting+LOGOUT
echo-crypt echo-crypt plain none baseline tls-echo --crypt: same, one crypt_r
echo-ctx echo-ctx plain none baseline tls-echo --ctx: same, SSL_CTX+cert loaded
echo-tls echo-tls tls none baseline tls-echo: handshake+greeting+LOGOUT
null pw plain none imapd: greeting+LOGOUT
login-hash pw plain login imapd: LOGIN, account-file hash
null-sec sec plain none imapd --secrets: greeting+LOGOUT
login-secrets sec plain login imapd --secrets: LOGIN (plaintext compare)
cram sec plain cram imapd --secrets: AUTHENTICATE CRAM-MD5
scram sec plain scram imapd --secrets: AUTHENTICATE SCRAM-SHA-256
login-cert sec-cert plain login imapd --secrets, cert: LOGIN, STARTTLS unused
starttls-login sec-cert starttls login imapd --secrets, cert: STARTTLS+LOGIN
imaps-null imaps tls none imapd --secrets --tls: greeting+LOGOUT
imaps-login imaps tls login imapd --secrets --tls: LOGIN"
specs=()
declare -A server_of=()
while read -r name srv tr auth desc; do
	specs+=("$name:${port[$srv]}:$tr:$auth")
	server_of[$name]=$srv
done <<<"$rows"
specs+=(hash:crypt:2)	# 2 crypt_r() per block, between the connections

# measure COUNT: every row COUNT times, interleaved in blocks of 10;
# appends "NAME MEDIAN MEAN" lines to $home/out.  The client runs in the
# background so that a signal reaches our trap at once (wait returns).
measure() {
	local row st=0
	BENCH_HASH=$hash "$PY" "$client" rows "$1" 10 "$home/cert.pem" bench "$pw" "${specs[@]}" \
		>>"$home/out" 2>"$home/err" &
	client_pid=$!
	wait "$client_pid" || st=$?
	client_pid=
	[ "$st" -ne 0 ] || return 0
	row=$(sed -n 's/^\([a-z-]*\): .*/\1/p' "$home/err" | head -n 1)
	cat "$home/err" >&2
	if [ -n "$row" ] && [ -n "${server_of[$row]:-}" ]; then
		echo "the server's log (${server_of[$row]}):" >&2
		tail -n 20 "$home/${server_of[$row]}.log" >&2
	fi
	exit 1
}

measure 10	# warm-up, discarded
: >"$home/out"
for ((r = 1; r <= runs; r++)); do
	measure "$n"
done
declare -A med=() mean=()
while read -r name a b; do
	med[$name]="${med[$name]:-} $a"
	mean[$name]="${mean[$name]:-} $b"
done <"$home/out"

# ------------------------------------------------------------ the table
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A M=() A=()
for k in "${!med[@]}"; do
	M[$k]=$(median ${med[$k]})
	A[$k]=$(median ${mean[$k]})
done
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }	# seconds
ms() { awk "BEGIN { printf \"%.3f\", ($1) * 1000 }"; }
ratio() { awk "BEGIN { printf \"%.2f\", $1 }"; }
echo
printf '%d connections per row, median over %d runs; ms per connection (connect to server close):\n' \
	"$n" "$runs"
printf '  %-15s %9s %9s   %s\n' row median mean what
while read -r name srv tr auth desc; do
	printf '  %-15s %9s %9s   %s\n' "$name" "$(ms "${M[$name]}")" "$(ms "${A[$name]}")" "$desc"
done <<<"$rows"
printf '  %-15s %9s %9s   %s\n' crypt_r "$(ms "${M[hash]}")" "$(ms "${A[hash]}")" \
	"one crypt_r() of the account's hash (${hash:0:3}...) in the client"

m() { echo "${M[$1]}"; }
verdict() { awk -v x="$1" -v t="$2" 'BEGIN { print (x <= t) ? "within" : "OVER" }'; }
H=$(calc "$(m echo-tls) - $(m echo-plain)")
oh_hash=$(ms "$(m login-hash) - $(m null) - $(m hash)")
fresh=$(calc "$(m echo-crypt) - $(m echo-plain)")
oh_fresh=$(ms "$(m login-hash) - $(m null) - $fresh")
oh_sec=$(ms "$(m login-secrets) - $(m null-sec)")
tls_add=$(calc "$(m imaps-login) - $(m login-secrets)")
stls_add=$(calc "$(m starttls-login) - $(m login-secrets)")
hs_add=$(calc "$(m imaps-null) - $(m null-sec)")
echo
echo "from the medians (ms):"
printf '  %-34s %8s   %s\n' "crypt_r in a fresh process" "$(ms "$fresh")" \
	"echo-crypt - echo-plain"
printf '  %-34s %8s   %-36s target < 2 ms: %s\n' "login overhead beyond the hash" "$oh_hash" \
	"login-hash - null - crypt_r" "$(verdict "$oh_hash" 2)"
printf '  %-34s %8s   %-36s target < 2 ms: %s\n' "  same, hash in a fresh process" \
	"$oh_fresh" "login-hash - null - (that)" "$(verdict "$oh_fresh" 2)"
printf '  %-34s %8s   %-36s target < 2 ms: %s\n' "login overhead, secrets file" "$oh_sec" \
	"login-secrets - null-sec" "$(verdict "$oh_sec" 2)"
printf '  %-34s %8s   %s\n' "LOGIN inside IMAPS" "$(ms "$(m imaps-login) - $(m imaps-null)")" \
	"imaps-login - imaps-null"
printf '  %-34s %8s   %s\n' "certificate loaded, unused: imapd" \
	"$(ms "$(m login-cert) - $(m login-secrets)")" "login-cert - login-secrets"
printf '  %-34s %8s   %s\n' "                          OpenSSL" \
	"$(ms "$(m echo-ctx) - $(m echo-plain)")" "echo-ctx - echo-plain"
printf '  %-34s %8s   %s\n' "OpenSSL's own handshake H" "$(ms "$H")" "echo-tls - echo-plain"
printf '  %-34s %8s   %-36s = %s x H, %s beyond H; target <= H: %s\n' \
	"TLS added to a login, IMAPS" "$(ms "$tls_add")" "imaps-login - login-secrets" \
	"$(ratio "$tls_add / $H")" "$(ms "$tls_add - $H")" "$(verdict "$tls_add" "$H")"
printf '  %-34s %8s   %-36s = %s x H, %s beyond H (one more round trip)\n' \
	"TLS added to a login, STARTTLS" "$(ms "$stls_add")" "starttls-login - login-secrets" \
	"$(ratio "$stls_add / $H")" "$(ms "$stls_add - $H")"
printf '  %-34s %8s   %-36s = %s x H\n' "TLS added to greeting+LOGOUT" "$(ms "$hs_add")" \
	"imaps-null - null-sec" "$(ratio "$hs_add / $H")"
printf '  %-34s %8s   %s\n' "ratio IMAPS login / tls-echo" \
	"$(ratio "$(m imaps-login) / $(m echo-tls)")" "imaps-login / echo-tls"
echo
echo "(Every row includes tcpserver's fork+exec and the Python client's own time; the"
echo " differences cancel both.  Rows are interleaved in blocks of 10 connections, so"
echo " a change in the machine's load falls on all of them.  Server OpenSSL $(openssl version |
	awk '{print $2}'),"
echo " client $("$PY" -c 'import ssl; print(ssl.OPENSSL_VERSION)').)"

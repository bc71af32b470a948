#!/usr/bin/env bash
# bench/run-pop3.sh [MESSAGES [RUNS [CYCLES]]] : ipop3d against a loopback
# byte stream and Dovecot's POP3 server, on the same mailbox, in one session.
#
# Input: the cached genmail mbox of MESSAGES messages (default 10000, seed 1,
# bench/common.sh).  Three servers listen on 127.0.0.1, each under
# ucspi-tcp's tcpserver or its own listener:
#   - ipop3d ($BUILDDIR/ipop3d, --passwd/--config as in tests/ipop3d), INBOX a
#     spool copy of the mbox;
#   - the baseline stream: tcpserver running "cat MBOX", i.e. the raw mbox
#     bytes written to a loopback socket;
#   - Dovecot (Debian's dovecot-pop3d, installed here when missing), run
#     standalone as "dovecot -F -c CONF" with a private configuration in the
#     scratch dir (passdb/userdb passwd-file, mail_location mbox with its own
#     copy of the same INBOX, pop3_uidl_format as UW's, no TLS); stopped at
#     the end.  Nothing outside the scratch dir is changed.
# Both servers check the same MD5-crypt password (one account file in the
# common user:hash:uid:gid:gecos:home:shell format serves both).
#
# bench/pop3-bench.py times each step from the client side, on one
# connection per run: USER+PASS (the mailbox is opened), STAT, UIDL, RETR of
# every message pipelined (all commands written at once) and one at a time,
# QUIT.  The stream baseline is read with the same reader (the same
# terminator scan and stuffed-dot count per byte).  One warm-up run of each
# (it also gives the mailbox its UIDs and \Seen flags) is discarded; after it
# ipop3d's pipelined RETR replies are saved once and a second baseline,
# "replay", plays them back with cat and parses them exactly like the
# pipelined RETR run: the client's own share of that row.  Then RUNS
# (default 5) runs, alternating; the medians are printed with ipop3d/Dovecot
# ratios and RETR's throughput against the stream's.
#
# Then (unless CYCLES is 0) CYCLES (default 200) connect + USER/PASS + QUIT
# cycles on a 7-message INBOX (tests/fixtures/demo.mbox) against each server,
# and connect+greeting+close against tcpserver running printf (the cost of
# the connection and fork+exec alone).
#
# As root the accounts have uid/gid 65534 (nobody) and a scratch home and
# spool it owns.  UW and Panda ipop3d are not packaged for Debian 12, so no
# UW baseline runs.  Never passes or fails.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
n=${1:-10000}
runs=${2:-5}
cycles=${3:-200}
ipop3d=$BUILDDIR/ipop3d
client=$TOP/bench/pop3-bench.py
PY=${PYTHON:-/usr/bin/python3}

echo "command: bench/run-pop3.sh $n $runs $cycles   ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores)"
[ -x "$ipop3d" ] || { echo "no $ipop3d: run make first" >&2; exit 1; }
command -v tcpserver >/dev/null 2>&1 || { echo "no tcpserver: scripts/deps.sh check" >&2; exit 1; }

# --------------------------------------------------------------- Dovecot
# dovecot-pop3d only for this benchmark (not a check dependency); installing
# it never starts a system-wide Dovecot here (we run our own instance).
have_dovecot=1
if ! [ -x /usr/sbin/dovecot ] || ! [ -x /usr/lib/dovecot/pop3 ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "installing dovecot-pop3d (baseline server)"
		export DEBIAN_FRONTEND=noninteractive
		apt-get -o DPkg::Lock::Timeout=600 -q update >/dev/null
		apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
			dovecot-pop3d >/dev/null
	fi
	if ! [ -x /usr/sbin/dovecot ] || ! [ -x /usr/lib/dovecot/pop3 ]; then
		echo "no Dovecot (apt-get install dovecot-pop3d as root): its column is left out"
		have_dovecot=0
	fi
fi

# ------------------------------------------------------------- scratch
home=$(mktemp -d "${TMPDIR:-/tmp}/bench-pop3.XXXXXX")
chmod 755 "$home"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$home"
}
trap cleanup EXIT
bench_account
# wait_port PORT : until something accepts on 127.0.0.1:PORT (10 s at most)
wait_port() {
	"$PY" - "$1" <<'EOF'
import socket, sys, time
deadline = time.monotonic() + 10
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            raise SystemExit("nothing listens on port %s" % sys.argv[1])
        time.sleep(0.05)
EOF
}

bench_data "$n"
mkdir -p "$home/spool" "$home/dspool" "$home/bench" "$home/small" "$home/dovecot/run" \
	"$home/dovecot/state"
chmod 1777 "$home/spool" "$home/dspool"
for d in spool dspool; do
	cp "$data" "$home/$d/bench"
	cp "$TOP/tests/fixtures/demo.mbox" "$home/$d/small"
	chmod 600 "$home/$d/bench" "$home/$d/small"
done
own "$home/spool/bench" "$home/spool/small" "$home/dspool/bench" "$home/dspool/small" \
	"$home/bench" "$home/small"
cp "$data" "$home/stream.mbox"
printf 'set mail-spool-directory %s\n' "$home/spool" >"$home/c-client.cf"
pw=benchpw
hash=$("$PY" -W ignore -c 'import crypt; print(crypt.crypt("benchpw", crypt.mksalt(crypt.METHOD_MD5)))')
{
	echo "bench:$hash:$bench_uid:$bench_gid:bench:$home/bench:/bin/sh"
	echo "small:$hash:$bench_uid:$bench_gid:small:$home/small:/bin/sh"
} >"$home/passwd"
chmod 644 "$home/passwd"
if [ -e /etc/cram-md5.pwd ]; then
	echo "note: /etc/cram-md5.pwd exists, so ipop3d checks passwords against it (UW rule)"
fi

p_ipop3d=$(free_port)
tcpserver -R -H -l 0 127.0.0.1 "$p_ipop3d" "$ipop3d" --passwd "$home/passwd" \
	--config "$home/c-client.cf" >"$home/ipop3d.log" 2>&1 &
pids+=($!)
p_stream=$(free_port)
tcpserver -R -H -l 0 127.0.0.1 "$p_stream" cat "$home/stream.mbox" >/dev/null 2>&1 &
pids+=($!)
p_null=$(free_port)
tcpserver -R -H -l 0 127.0.0.1 "$p_null" printf '+OK null\r\n' >/dev/null 2>&1 &
pids+=($!)
wait_port "$p_ipop3d"
wait_port "$p_stream"
wait_port "$p_null"

servers=ipop3d
if [ $have_dovecot = 1 ]; then
	p_dovecot=$(free_port)
	if [ "$(id -u)" -eq 0 ]; then
		dv_internal=dovecot
		dv_login=dovenull
	else
		dv_internal=$(id -un)
		dv_login=$(id -un)
	fi
	cat >"$home/dovecot/dovecot.conf" <<EOF
# private instance for bench/run-pop3.sh; nothing outside $home
base_dir = $home/dovecot/run
state_dir = $home/dovecot/state
log_path = $home/dovecot/dovecot.log
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = $dv_internal
default_login_user = $dv_login
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=CRYPT $home/passwd
}
userdb {
  driver = passwd-file
  args = $home/passwd
}
mail_location = mbox:~/mail:INBOX=$home/dspool/%u
pop3_uidl_format = %08Xv%08Xu
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $p_dovecot
  }
}
EOF
	/usr/sbin/dovecot -F -c "$home/dovecot/dovecot.conf" &
	pids+=($!)
	wait_port "$p_dovecot"
	servers="ipop3d dovecot"
fi
port_of() { case $1 in ipop3d) echo "$p_ipop3d" ;; dovecot) echo "$p_dovecot" ;; esac; }

# ------------------------------------------------------------ the runs
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A t=() bytes=()
steps="login STAT UIDL RETR-all-pipelined RETR-all-lockstep QUIT"
for ((r = 0; r <= runs; r++)); do
	"$PY" "$client" stream "$p_stream" >"$home/out"
	for srv in $servers; do
		"$PY" "$client" session "$(port_of "$srv")" bench "$pw" | sed "s/^/$srv./" >>"$home/out"
	done
	if [ $r -eq 0 ]; then	# warm-up; then ipop3d's RETR replies are saved for the replay
		"$PY" "$client" capture "$p_ipop3d" bench "$pw" "$home/replay.raw" >/dev/null
		p_replay=$(free_port)
		tcpserver -R -H -l 0 127.0.0.1 "$p_replay" cat "$home/replay.raw" >/dev/null 2>&1 &
		pids+=($!)
		wait_port "$p_replay"
		continue
	fi
	"$PY" "$client" replay "$p_replay" "$n" >>"$home/out"
	while read -r step secs nb; do
		t[$step]="${t[$step]:-} $secs"
		bytes[$step]=$nb
	done <"$home/out"
done

printf '\n%d messages (%s mbox), median of %d runs (after 1 warm-up), seconds seen by the client:\n' \
	"$n" "$(du -h "$data" | cut -f1)" "$runs"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
mbs() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.1f", b / s / 1e6; else print "-" }'; }
ms=$(median ${t[stream]})
printf '  %-20s %10s %10s %8s\n' step ipop3d Dovecot "ipop3d/Dovecot"
for step in $steps; do
	a=$(median ${t[ipop3d.$step]})
	if [ $have_dovecot = 1 ]; then
		b=$(median ${t[dovecot.$step]})
		printf '  %-20s %10.4f %10.4f %8s\n' "$step" "$a" "$b" "$(ratio "$a" "$b")"
	else
		printf '  %-20s %10.4f %10s %8s\n' "$step" "$a" - -
	fi
done
for srv in $servers; do
	printf '  (%s STAT: %s messages, %s octets)\n' "$srv" "$(median ${t[$srv.messages]})" \
		"${bytes[$srv.messages]}"
done
echo
echo "  RETR of every message against the stream baseline (cat MBOX > loopback socket, same reader):"
printf '  %-28s %10s %12s %10s %14s\n' "" seconds bytes "MB/s" "time/stream"
printf '  %-28s %10.4f %12d %10s %14s\n' "stream (cat mbox)" "$ms" "${bytes[stream]}" \
	"$(mbs "${bytes[stream]}" "$ms")" 1.00
mr=$(median ${t[replay]})
printf '  %-28s %10.4f %12d %10s %14s\n' "replay (cat ipop3d replies)" "$mr" "${bytes[replay]}" \
	"$(mbs "${bytes[replay]}" "$mr")" "$(ratio "$mr" "$ms")"
for srv in $servers; do
	for step in RETR-all-pipelined RETR-all-lockstep; do
		a=$(median ${t[$srv.$step]})
		printf '  %-28s %10.4f %12d %10s %14s\n' "$srv $step" "$a" "${bytes[$srv.$step]}" \
			"$(mbs "${bytes[$srv.$step]}" "$a")" "$(ratio "$a" "$ms")"
	done
done
echo "  (bytes: the stream's are the mbox file's; a server's are the messages' CRLF text,"
echo "   without mbox From lines and status headers, as RETR sends it before dot-stuffing."
echo "   replay: ipop3d's own RETR replies, saved once, played back by cat and parsed as"
echo "   in RETR-all-pipelined: the client's share of that row, with no server work)"

# ------------------------------------------- byte sink (no client parsing)
# The issue's baseline is "cat to nc": the mailbox bytes written to a socket
# and thrown away by a reader that does nothing else.  socat is that reader
# here, for the stream and for whole pipelined sessions (USER, PASS, every
# RETR, QUIT written at once); a session with only USER, PASS, QUIT is
# subtracted, leaving RETR of every message.  -t 60: socat waits for the
# server's close after sending QUIT.
if command -v socat >/dev/null 2>&1; then
	now() { date +%s.%N; }
	{ printf 'USER bench\r\nPASS %s\r\n' "$pw"; printf 'QUIT\r\n'; } >"$home/login.cmd"
	{ printf 'USER bench\r\nPASS %s\r\n' "$pw"; seq 1 "$n" | sed 's/.*/RETR &\r/';
	  printf 'QUIT\r\n'; } >"$home/retr.cmd"
	declare -A sink=()
	for ((r = 0; r <= runs; r++)); do
		a=$(now); socat -u TCP:127.0.0.1:"$p_stream" /dev/null; b=$(now)
		[ $r -eq 0 ] || sink[stream]="${sink[stream]:-} $(awk -v a="$a" -v b="$b" 'BEGIN{print b-a}')"
		for srv in $servers; do
			a=$(now); socat -t 60 - TCP:127.0.0.1:"$(port_of "$srv")" <"$home/login.cmd" >/dev/null
			b=$(now); socat -t 60 - TCP:127.0.0.1:"$(port_of "$srv")" <"$home/retr.cmd" >"$home/sink.out"
			c=$(now)
			[ $r -eq 0 ] && { grep -c '^+OK .* octets' "$home/sink.out" >"$home/sink.$srv.count" || true; }
			[ $r -eq 0 ] || sink[$srv]="${sink[$srv]:-} $(awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN{print (c-b)-(b-a)}')"
		done
	done
	echo
	echo "  RETR of every message read by a byte sink (socat > /dev/null), median of $runs:"
	ss=$(median ${sink[stream]})
	printf '  %-28s %10.4f %14s
' "stream (cat mbox)" "$ss" 1.00
	for srv in $servers; do
		a=$(median ${sink[$srv]})
		printf '  %-28s %10.4f %14s   (%s RETR replies)\n' "$srv RETR-all" "$a" "$(ratio "$a" "$ss")" \
			"$(cat "$home/sink.$srv.count")"
	done
	echo "  (a server's row: the whole pipelined session minus a USER/PASS/QUIT session)"
else
	echo
	echo "  (no socat: the byte-sink rows are left out; apt-get install socat)"
fi

# ------------------------------------------------------- connection cycles
if [ "$cycles" -gt 0 ]; then
	echo
	echo "connect + USER/PASS (MD5-crypt) + QUIT on a 7-message INBOX, $cycles cycles, mean per cycle:"
	"$PY" "$client" cycles 5 "$p_null" - - >/dev/null
	c=$("$PY" "$client" cycles "$cycles" "$p_null" - - | awk '{print $2}')
	printf '  %-26s %8.3f ms\n' "null (tcpserver + printf)" "$(awk -v c="$c" 'BEGIN { print c * 1000 }')"
	declare -A cyc=()
	for srv in $servers; do
		"$PY" "$client" cycles 5 "$(port_of "$srv")" small "$pw" >/dev/null
		c=$("$PY" "$client" cycles "$cycles" "$(port_of "$srv")" small "$pw" | awk '{print $2}')
		cyc[$srv]=$c
		printf '  %-26s %8.3f ms\n' "$srv" "$(awk -v c="$c" 'BEGIN { print c * 1000 }')"
	done
	if [ $have_dovecot = 1 ]; then
		echo "  ipop3d/Dovecot: $(ratio "${cyc[ipop3d]}" "${cyc[dovecot]}")"
	fi
fi
echo
echo "Dovecot: $(/usr/sbin/dovecot --version 2>/dev/null || echo none), standalone, default"
echo "services (a login process and a pop3 process per connection).  No UW or Panda"
echo "ipop3d baseline: neither is packaged for Debian 12."

#!/usr/bin/env bash
# bench/run-imapd.sh [SIZES [RUNS [CYCLES]]] : the issue's imapd workload.
#
# For each size in SIZES (default "10000 100000") on the cached genmail
# mbox (seed 1, bench/common.sh): a copy gets its UIDs once (an untimed
# session), then RUNS times (default 3) a fresh copy of that is served by
# imapd in the preauthenticated pipe mode, and bench/imapd-bench.py times,
# from the client side (command sent -> tagged reply read, all output
# parsed), each step: SELECT; FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE
# ENVELOPE); FETCH 1:* BODYSTRUCTURE; FETCH 1:100 BODY.PEEK[]; SEARCH BODY /
# SUBJECT / FROM; SORT (DATE), SORT (SUBJECT), THREAD REFERENCES; STORE 1:*
# +FLAGS; APPEND x200; STORE+EXPUNGE x100.  The median of the runs is
# printed (wall time seen by the client, and imapd's own CPU time for the
# step from /proc/PID/schedstat), with the issue's Panda reference for 10k
# messages and the ratio of the wall time to it.
#
# Then (unless CYCLES is 0) CYCLES (default 200) connect+LOGIN+SELECT+LOGOUT cycles over
# tcpserver on 127.0.0.1, once with an MD5-crypt ("$1$") account and once
# with what imapd --make-password makes (yescrypt on Debian 12), with the
# cost of one crypt(3) of each measured alone, so that the server's own
# cost per cycle (cycle - hash) can be read off.  The INBOX for the cycles
# is tests/fixtures/demo.mbox.
#
# As root, imapd runs as nobody (65534) on a scratch home it owns;
# otherwise as us.  No baseline server is
# run: Debian 12 has no UW/Panda imapd package; the reference figures are
# the issue's.  Never passes or fails.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sizes=${1:-10000 100000}
runs=${2:-3}
cycles=${3:-200}
imapd=$BUILDDIR/imapd
client=$TOP/bench/imapd-bench.py
PY=${PYTHON:-/usr/bin/python3}

echo "command: bench/run-imapd.sh \"$sizes\" $runs $cycles   ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores)"
[ -x "$imapd" ] || { echo "no $imapd: run make first" >&2; exit 1; }
# A scratch home; as root it belongs to nobody (65534), whom imapd then
# runs as (no account is created).
home=$(mktemp -d "${TMPDIR:-/tmp}/bench-imapd.XXXXXX")
chmod 755 "$home"
rel=w
dir=$home/$rel
mkdir -p "$dir"
cleanup() {
	[ -n "${tcp_pid:-}" ] && kill "$tcp_pid" 2>/dev/null || true
	rm -rf "$home"
}
trap cleanup EXIT
bench_account
if [ "$(id -u)" -eq 0 ]; then
	chown -R "$bench_uid:$bench_gid" "$home"
	user_cmd=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
	user_cmd=()
fi
# imapd in the pipe test mode as the bench user, HOME = its home
serve=("${user_cmd[@]}" env -i HOME="$home" PATH=/usr/bin:/bin TZ=UTC "$imapd")

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A ref=([SELECT]=0.1 [FETCH-envelope]=0.19 [FETCH-bodystructure]=0.59 \
	[SEARCH-BODY]=0.57 [THREAD-REFERENCES]=0.08)
ops="SELECT FETCH-envelope FETCH-bodystructure FETCH-100-body SEARCH-BODY SEARCH-SUBJECT
SEARCH-FROM SORT-DATE SORT-SUBJECT THREAD-REFERENCES STORE-+FLAGS APPENDx200 expungex100"

for n in $sizes; do
	bench_data "$n"
	cp "$data" "$dir/master.mbox"
	own "$dir/master.mbox"
	# untimed: the first read-write open writes UIDs (X-UID, X-IMAP)
	printf 'u1 SELECT "%s"\r\nu2 LOGOUT\r\n' "$rel/master.mbox" | "${serve[@]}" >/dev/null
	declare -A t=() u=()
	for ((r = 0; r < runs; r++)); do
		cp "$dir/master.mbox" "$dir/x.mbox"
		own "$dir/x.mbox"
		while read -r op secs cpu; do
			t[$op]="${t[$op]:-} $secs"
			u[$op]="${u[$op]:-} $cpu"
		done < <("$PY" "$client" workload "$rel/x.mbox" -- "${serve[@]}")
	done
	printf '\n%d messages (%s), median of %d runs, seconds from the client side:\n' \
		"$n" "$(du -h "$dir/master.mbox" | cut -f1)" "$runs"
	printf '  %-22s %9s %10s %12s %8s\n' operation Bamboo "imapd CPU" "Panda(10k)" ratio
	for op in $ops; do
		m=$(median ${t[$op]})
		cm=$(median ${u[$op]})
		if [ "$n" = 10000 ] && [ -n "${ref[$op]:-}" ]; then
			printf '  %-22s %9.3f %10.3f %12s %8.2f\n' "$op" "$m" "$cm" "${ref[$op]}" \
				"$(awk -v a="$m" -v b="${ref[$op]}" 'BEGIN { print a / b }')"
		else
			printf '  %-22s %9.3f %10.3f %12s %8s\n' "$op" "$m" "$cm" - -
		fi
	done
	unset t u
done

# ---------------------------------------------------------- connection cycles
if [ "$cycles" -le 0 ]; then
	exit 0
fi
if ! command -v tcpserver >/dev/null 2>&1; then
	echo "no tcpserver (ucspi-tcp): connection cycles skipped"
	exit 0
fi
mkdir -p "$dir/spool" "$dir/cyclehome"
chmod 1777 "$dir/spool"
cp "$TOP/tests/fixtures/demo.mbox" "$dir/spool/bench"
own "$dir/spool/bench" "$dir/cyclehome"
printf 'set mail-spool-directory %s\n' "$dir/spool" >"$dir/c-client.cf"
yes_hash=$(printf 'benchpw\n' | "$imapd" --make-password)
md5_hash=$("$PY" -W ignore -c 'import crypt; print(crypt.crypt("benchpw", crypt.mksalt(crypt.METHOD_MD5)))')
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo
echo "connect + LOGIN + SELECT INBOX (7 messages) + LOGOUT over tcpserver, $cycles cycles each:"
for kind in null md5 native; do
	if [ $kind = native ]; then h=$yes_hash; else h=$md5_hash; fi
	echo "bench:$h:$bench_uid:$bench_gid::$dir/cyclehome:/bin/sh" >"$dir/passwd"
	chmod 644 "$dir/passwd"
	tcpserver -R -H -l localhost 127.0.0.1 "$port" "$imapd" --passwd "$dir/passwd" \
		--config "$dir/c-client.cf" &
	tcp_pid=$!
	sleep 0.5
	"$PY" "$client" cycles 5 "$port" bench benchpw INBOX >/dev/null	# warm-up
	if [ $kind = null ]; then
		c=$("$PY" "$client" cycles "$cycles" "$port" - - INBOX | awk '{print $2}')
		kill "$tcp_pid"; wait "$tcp_pid" 2>/dev/null || true
		tcp_pid=
		null=$c
		printf '  %-7s connect + greeting + LOGOUT only: %7.2f ms\n' null \
			"$(awk -v c="$c" 'BEGIN { print c * 1000 }')"
		continue
	fi
	c=$("$PY" "$client" cycles "$cycles" "$port" bench benchpw INBOX | awk '{print $2}')
	kill "$tcp_pid"; wait "$tcp_pid" 2>/dev/null || true
	tcp_pid=
	hc=$("$PY" "$client" hash "$h" 20 | awk '{print $2}')
	printf '  %-7s hash %-10s cycle %7.2f ms   one crypt() %7.2f ms   cycle - hash %6.2f ms\n' \
		"$kind" "${h:0:3}..." "$(awk -v c="$c" 'BEGIN { print c * 1000 }')" \
		"$(awk -v c="$hc" 'BEGIN { print c * 1000 }')" \
		"$(awk -v c="$c" -v h="$hc" 'BEGIN { print (c - h) * 1000 }')"
done
echo "(cycle - hash includes tcpserver's fork+exec of imapd and the client's own time; the"
echo " null line is that part alone, so LOGIN+SELECT's own cost is about cycle - hash - null)"

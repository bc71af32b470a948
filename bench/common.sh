# Sourced by bench/run-*.sh: paths, the cached genmail input and the
# unprivileged account both libraries run as (UW's Debian build refuses root
# and absolute paths).  Environment: BUILDDIR (default build), BENCH_DATA
# (cache directory, default /tmp/bamboo-bench), UW_USER (default bamboo-uw),
# SHARED (default ../shared).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${BUILDDIR:-$TOP/build}
case $BUILDDIR in /*) ;; *) BUILDDIR=$TOP/$BUILDDIR ;; esac
SHARED=${SHARED:-$(realpath -m "$TOP/../shared")}
BENCH_DATA=${BENCH_DATA:-/tmp/bamboo-bench}
UW_USER=${UW_USER:-bamboo-uw}

# bench_data N: set $data to the genmail mbox of N messages (seed 1),
# generating it once into BENCH_DATA
bench_data() {
	mkdir -p "$BENCH_DATA"
	data=$BENCH_DATA/genmail-mbox-$1-seed1.mbox
	if [ ! -s "$data" ]; then
		echo "generating $data ($1 messages; this takes a minute, once)"
		python3 "$SHARED/tools/genmail.py" mbox "$1" "$data.tmp" --seed 1
		mv "$data.tmp" "$data"
	fi
}

# bench_need_lib: stop unless our library is built
bench_need_lib() {
	if [ ! -f "$BUILDDIR/libc-client.a" ]; then
		echo "no $BUILDDIR/libc-client.a: run make first" >&2
		exit 1
	fi
}

# bench_user: set $home and define as_user CMD... (runs CMD in $home as
# UW_USER when we are root, creating the account if needed; else as us)
bench_user() {
	if [ "$(id -u)" -eq 0 ]; then
		id "$UW_USER" >/dev/null 2>&1 || useradd -m -s /bin/sh "$UW_USER"
		home=$(getent passwd "$UW_USER" | cut -d: -f6)
		[ -d "$home" ] || { mkdir -p "$home"; chown "$UW_USER:" "$home"; }
		as_user() { runuser -u "$UW_USER" -- env -i HOME="$home" PATH=/usr/bin:/bin \
			sh -c 'cd "$HOME" && exec "$@"' sh "$@"; }
	else
		home=$HOME
		as_user() { (cd "$home" && "$@"); }
	fi
}

# bench_account: $bench_uid/$bench_gid, the account the servers run as
# (nobody as root, else ourselves), and own PATH... to give it files
bench_account() {
	if [ "$(id -u)" -eq 0 ]; then
		bench_uid=65534
		bench_gid=65534
	else
		bench_uid=$(id -u)
		bench_gid=$(id -g)
	fi
}
own() { [ "$(id -u)" -ne 0 ] || chown "$bench_uid:$bench_gid" "$@"; }

# free_port: a TCP port on 127.0.0.1 nobody listens on just now
free_port() {
	"${PY:-/usr/bin/python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

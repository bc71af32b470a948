#!/usr/bin/env bash
# bench/run-kod.sh [ROUNDS] : how long a newcomer waits for the mailbox when
# it kisses the owner (UW's session lock and kiss of death), Bamboo against
# UW.  Default ROUNDS=15.
#
# tests/interop/kod-common.c is one c-client application built twice here
# (-O2): against build/libc-client.a and against Debian's UW c-client.  It
# opens an mbox read/write, prints "open rw|ro", and on SIGUSR2 closes the
# mailbox and exits, as UW's imapd does.  A round starts an owner, waits
# until it holds the mailbox, then starts a newcomer of the same library on
# the same mailbox and times it from fork until it prints "open ...": the
# kiss, the owner's close, the newcomer getting the lock, and the open.
# The baseline row "open, no owner" is the same program opening the same
# mailbox with nobody holding it (the cost of the program and the open).
# UW refuses root and absolute names, so everything runs as the user
# bamboo-uw (made with useradd -m, as tests/interop does) in its home.
# Printed: the median of ROUNDS per row and library, in ms, and the ratio.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-15}
UW_USER=${UW_USER:-bamboo-uw}
[ "$(id -u)" -eq 0 ] || { echo "run as root (the programs run as $UW_USER)"; exit 1; }
make -C "$TOP" --no-print-directory all >/dev/null
id "$UW_USER" >/dev/null 2>&1 || useradd -m -s /bin/sh "$UW_USER"
home=$(getent passwd "$UW_USER" | cut -d: -f6)
work=$(mktemp -d "$home/kod-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
gcc -O2 -w -I/usr/include/c-client -I"$TOP/tests/interop" -o "$work/kod-uw" \
	"$TOP/tests/interop/kod-uw.c" -lc-client
gcc -O2 -std=gnu11 -D_GNU_SOURCE -w -I"$TOP/c-client" -I"$TOP/c-client/bamboo" \
	-I"$TOP/build" -I"$TOP/tests/interop" -o "$work/kod-bamboo" \
	"$TOP/tests/interop/kod-bamboo.c" "$TOP/build/libc-client.a" -lcrypt
python3 "$TOP/../shared/tools/genmail.py" mbox 200 "$work/box" --seed 1 >/dev/null
chown -R "$UW_USER:" "$work"
exec python3 - "$work" "$UW_USER" "$home" "$ROUNDS" <<'PY'
import os, pwd, statistics, subprocess, sys, time
work, user, home, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
pw = pwd.getpwnam(user)
rel = os.path.relpath(os.path.join(work, "box"), home)
env = {"HOME": home, "USER": user, "LOGNAME": user, "PATH": "/usr/bin:/bin"}

def start(prog, hold):
    return subprocess.Popen([os.path.join(work, prog), rel, "-", str(hold)],
                            cwd=home, env=env, user=pw.pw_uid, group=pw.pw_gid,
                            extra_groups=[], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)

def until(p, word):
    for line in p.stdout:
        if line.startswith(word):
            return line.strip()
    raise SystemExit("no %r from %s" % (word, p.args[0]))

def one(prog, with_owner):
    owner = None
    if with_owner:
        owner = start(prog, 30)
        assert until(owner, "open") == "open rw"
        until(owner, "ready")
    t0 = time.monotonic()
    p = start(prog, 0)
    got = until(p, "open")
    dt = (time.monotonic() - t0) * 1000
    p.wait()
    if owner:
        owner.wait()
    assert got == "open rw", got
    return dt

rows = {}
for r in range(rounds + 1):             # round 0 warms up
    for lib in ("bamboo", "uw"):
        for owner in (False, True):
            dt = one("kod-" + lib, owner)
            if r:
                rows.setdefault((lib, owner), []).append(dt)
print("kiss-of-death handover, %d rounds, medians in ms" % rounds)
print("%-28s %10s %10s %8s" % ("", "Bamboo", "UW", "ratio"))
for owner, name in ((False, "open, no owner"), (True, "open, owner kissed")):
    b = statistics.median(rows[("bamboo", owner)])
    u = statistics.median(rows[("uw", owner)])
    print("%-28s %10.1f %10.1f %8.3f" % (name, b, u, b / u))
PY

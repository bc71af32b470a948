#!/usr/bin/env bash
# tests/api/run.sh : an application builds against the installed library.
#
#  1. make install PREFIX=<tmp>/usr BUILDDIR=<tmp>/build (a separate build
#     directory, so the shared build/ is not rebuilt with another PREFIX);
#  2. the installed tree has the public headers, linkage.c, the library,
#     c-client.pc, mtest and its man page, and no internal headers;
#  3. tests/api/app.c, a UW-style application, is compiled with
#     cc app.c $(pkg-config --cflags --static --libs c-client) and run on a
#     scratch mbox; it prints PASS/FAIL lines; the mbox is checked after;
#  4. probe.c checks what PHP's configure probes for; nocb.c checks that a
#     program without mm_* callbacks links (weak defaults);
#  5. docs/api.md shows app.c verbatim.
# With SANITIZE=1 (make check-asan) the library and programs are built with
# ASan/UBSan.  The last line is "N passed, M failed".
set -u

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HERE=$TOP/tests/api
CC=${CC:-cc}
SANITIZE=${SANITIZE:-0}
pass=0
fail=0

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
# check NAME COMMAND... : one counted check; output shown on failure
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		bad "$name"
		printf '%s\n' "$out" | head -n 40
	fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/api-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/usr
san=""
[ "$SANITIZE" = 1 ] && san="-fsanitize=address,undefined -fno-omit-frame-pointer"

echo "installing into $prefix (BUILDDIR=$tmp/build)"
if make -C "$TOP" -j4 --no-print-directory install PREFIX="$prefix" \
	BUILDDIR="$tmp/build" SANITIZE="$SANITIZE" >"$tmp/install.log" 2>&1; then
	ok "make install PREFIX=$prefix"
else
	bad "make install: the library does not build, link or install yet"
	tail -n 30 "$tmp/install.log"
	finish
fi

inc=$prefix/include/c-client
for f in c-client.h mail.h rfc822.h utf8.h misc.h env.h fs.h osdep.h linkage.h linkage.c; do
	check "installed include/c-client/$f" test -f "$inc/$f"
done
check "internal headers are not installed" test ! -e "$inc/bamboo" -a ! -e "$inc/internal.h" -a ! -e "$inc/buf.h"
check "installed lib/libc-client.a" test -f "$prefix/lib/libc-client.a"
check "installed bin/mtest" test -x "$prefix/bin/mtest"
check "installed share/man/man1/mtest.1" test -f "$prefix/share/man/man1/mtest.1"

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
if ! flags=$(pkg-config --cflags --static --libs c-client 2>&1); then
	bad "pkg-config --cflags --static --libs c-client: $flags"
	finish
fi
ok "pkg-config c-client: $flags"
check "pkg-config Cflags point into the install" \
	grep -q -- "-I$inc\( \|$\)" <<<"$(pkg-config --cflags c-client)"

# PHP's configure: the text "mail_fetch_overview_sequence" in mail.h
check "mail.h mentions mail_fetch_overview_sequence (PHP HAVE_IMAP2004)" \
	grep -q mail_fetch_overview_sequence "$inc/mail.h"

# shellcheck disable=SC2086,SC2317  # word lists; called through check
build() {
	local out=$1 src=$2
	$CC -std=gnu11 -Wall -g "${@:3}" $san -o "$tmp/$out" "$src" $flags $san
}
check "app.c compiles cleanly (-Wall -Werror) with pkg-config flags" \
	build app "$HERE/app.c" -Werror

# The scratch mailbox app.c expects: 3 messages, #2 a multipart.
home=$tmp/home
mkdir -p "$home"
cat >"$home/test.mbox" <<'EOF'
From alice@example.org Mon Apr  1 10:00:00 2024
Date: Mon, 1 Apr 2024 10:00:00 +0000
From: Alice <alice@example.org>
To: bob@example.net
Subject: One

One.

From bob@example.net Tue Apr  2 10:00:00 2024
Date: Tue, 2 Apr 2024 10:00:00 +0000
From: Bob <bob@example.net>
To: alice@example.org
Subject: Parts
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

First part text
--b
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

AAECAwQ=
--b--

From alice@example.org Wed Apr  3 10:00:00 2024
Date: Wed, 3 Apr 2024 10:00:00 +0000
From: Alice <alice@example.org>
To: bob@example.net
Subject: Three

Three.

EOF
chmod 600 "$home/test.mbox"

if [ -x "$tmp/app" ]; then
	(cd "$home" && HOME=$home timeout -k 5 60 "$tmp/app" "$home/test.mbox") >"$tmp/app.out" 2>&1
	rc=$?
	cat "$tmp/app.out"
	n=$(grep -c '^PASS: ' "$tmp/app.out")
	m=$(grep -c '^FAIL: ' "$tmp/app.out")
	pass=$((pass + n))
	fail=$((fail + m))
	want=$(grep -c '^  check (' "$HERE/app.c")
	[ $((n + m)) -eq "$want" ] || bad "app printed $((n + m)) PASS/FAIL lines, expected $want"
	if [ "$rc" -eq 0 ]; then ok "app exit status 0"; else bad "app exit status $rc"; fi
	# app.c's mm_log prints what the library reports as errors or warnings;
	# nothing it does should cause one.
	if grep -q -E '^(error|warning|fatal): ' "$tmp/app.out"; then
		bad "the library logged errors or warnings during app.c (above)"
	else
		ok "no errors or warnings logged during app.c"
	fi
	# What the app left in the file: message 1 expunged, one appended.
	subjects=$(grep -E '^Subject: ' "$home/test.mbox" | grep -v 'FOLDER INTERNAL DATA' | tr '\n' '|')
	if [ "$subjects" = "Subject: Parts|Subject: Three|Subject: Appended by app|" ]; then
		ok "mbox after app: Parts, Three, Appended by app"
	else
		bad "mbox after app has subjects: $subjects"
	fi
fi

check "probe.c (PHP configure probes) compiles and links" build probe "$HERE/probe.c"
[ -x "$tmp/probe" ] && check "probe.c results" "$tmp/probe"
check "a program with no mm_* callbacks links (weak defaults)" build nocb "$HERE/nocb.c"
if command -v c++ >/dev/null 2>&1; then
	# As with UW, C++ needs -fno-operator-names (SEARCHPGM has members
	# named "or" and "not").
	check "c-client.h compiles as C++ (with -fno-operator-names, as UW)" \
		sh -c "printf '#include \"c-client.h\"\nint main(){return 0;}\n' | c++ -x c++ -fno-operator-names -fsyntax-only -I'$inc' -"
fi

# docs/api.md shows the example application; it must be this file.
if [ -f "$TOP/docs/api.md" ] &&
	awk '/^<!-- app.c begin -->/{f=1;next} /^<!-- app.c end -->/{f=0} f' "$TOP/docs/api.md" |
	sed '1d;$d' | cmp -s - "$HERE/app.c"; then
	ok "docs/api.md shows tests/api/app.c verbatim"
else
	bad "docs/api.md does not show tests/api/app.c verbatim (between <!-- app.c begin/end --> and a \`\`\`c fence)"
fi

finish

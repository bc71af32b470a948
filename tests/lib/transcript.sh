# tests/lib/transcript.sh: sourced by transcript suites (tests/*/run.sh).
#
# wanted NAME [ARG...] : true when no case names were given on the command
# line (ARG...), or when NAME is one of them.
#
# transcript_check NAME GOT EXPECTED : compares the output a case produced
# (GOT) with its reviewed transcript (EXPECTED) and counts the result in
# the caller's pass/fail variables.  With UPDATE=1 the transcript is
# replaced by GOT instead, to be reviewed by eye before it is committed.

transcript_check() {
	local name=$1 got=$2 want=$3
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$got" "$want"
		echo "UPDATED: $name (review it!)"
		pass=$((pass + 1))
	elif [ ! -f "$want" ]; then
		echo "FAIL: $name: no $(basename "$want") (run with UPDATE=1 and review); output was:"
		head -n 80 "$got"
		fail=$((fail + 1))
	elif diff -u "$want" "$got" >"$got.diff"; then
		echo "ok: $name"
		pass=$((pass + 1))
	else
		echo "FAIL: $name: transcript differs (- expected, + got):"
		head -n 80 "$got.diff"
		fail=$((fail + 1))
	fi
}

wanted() {
	local f
	[ $# -gt 1 ] || return 0
	for f in "${@:2}"; do
		[ "$1" = "$f" ] && return 0
	done
	return 1
}

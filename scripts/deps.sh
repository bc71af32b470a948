#!/usr/bin/env bash
# deps.sh TARGET... : install the Debian 12 packages that TARGET needs, but only
# the ones that are missing.  Targets: build, check, run.
# Does nothing (quickly) when everything is present.  Installing needs root.
# BAMBOO_SKIP_DEPS=1 skips the whole step (for non-Debian hosts or packagers).
set -euo pipefail

build_pkgs="gcc make pkg-config libc6-dev libssl-dev libpam0g-dev"
check_pkgs="$build_pkgs python3 python3-pytest uw-mailutils libc-client2007e-dev faketime ucspi-tcp procps getmail6 openssl libpam-wrapper libnss-wrapper"
run_pkgs="$build_pkgs ucspi-tcp openssl"

usage() { echo "usage: $0 {build|check|run}..." >&2; exit 2; }

[ $# -gt 0 ] || usage
want=""
for t in "$@"; do
	case $t in
	build) want="$want $build_pkgs" ;;
	check) want="$want $check_pkgs" ;;
	run)   want="$want $run_pkgs" ;;
	*)     usage ;;
	esac
done

if [ "${BAMBOO_SKIP_DEPS:-0}" = 1 ]; then
	exit 0
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: no dpkg-query (not Debian?); make sure these are installed:$want" >&2
	exit 0
fi

missing=()
for p in $(echo "$want" | tr ' ' '\n' | sort -u); do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
	echo "deps.sh: run this as root, or install them first:" >&2
	echo "    apt-get install --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt/dpkg may hold the locks (e.g. unattended upgrades): wait for it.
lockwait=(-o DPkg::Lock::Timeout=600)
tries=0
until apt-get "${lockwait[@]}" -q update; do
	tries=$((tries + 1))
	if [ $tries -ge 10 ]; then
		echo "deps.sh: apt-get update keeps failing" >&2
		exit 1
	fi
	echo "deps.sh: apt-get update failed (lock held or network); retrying in 15s" >&2
	sleep 15
done
apt-get "${lockwait[@]}" install -y --no-install-recommends "${missing[@]}"

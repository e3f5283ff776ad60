#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch (once) and unpack the kernel uAPI headers the layout check compares
# against besides the machine's own: Debian's linux-libc-dev of the 6.12
# series (trixie) and the newest 7.x (trixie-backports), through a private
# APT configuration (harness/lane/lib.sh), cached like the lane's kernel.
#
# Usage: fetch-headers.sh     prints one line per header set: LABEL<TAB>DIR
#                             (DIR/usr/include holds the headers)
# Env:   ACCEL_LANE_CACHE     cache root (see harness/lane/fetch-kernel.sh)
#        ACCEL_LANE_OFFLINE=1 never touch the network, use the cache only
#        ACCEL_LANE_REFRESH=1 look for newer packages even if some are cached
#        ACCEL_LANE_MIRROR=URL Debian mirror instead of /etc/apt/sources.list*

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../lane/lib.sh"

# Messages name this script, not the lane.
lane_die() {
	printf 'layout check: %s\n' "$*" >&2
	exit 1
}

cache=$(lane_cache)
aptdir=$cache/apt-uapi
debs=$cache/debs
mkdir -p "$debs" "$cache/uapi"
lane_apt_setup "$aptdir"

# SERIES (6.12, 7) -> newest cached linux-libc-dev deb of it.
cached_deb() {
	{ ls -1 "$debs"/linux-libc-dev_"$1".*_*.deb 2>/dev/null || true; } | sort -V | tail -n 1
}

updated=0
update() {
	[ "$updated" = 1 ] && return 0
	local mirror keyring
	mirror=${ACCEL_LANE_MIRROR:-}
	[ -n "$mirror" ] || mirror=$(lane_debian_mirror) || lane_die "no Debian mirror in /etc/apt/sources.list*; set ACCEL_LANE_MIRROR"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$keyring" ] || lane_die "missing $keyring (Debian package: debian-archive-keyring)"
	printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" trixie "$keyring" "$mirror" trixie-backports \
		>"$aptdir/etc/sources.list"
	# shellcheck disable=SC2046
	# apt-get update exits 0 when a source cannot be fetched; its log says so.
	if ! apt-get $(lane_apt_opts "$aptdir") -q update >"$aptdir/update.log" 2>&1 ||
		grep -qE '^(Err:|W: Failed to fetch|E: )' "$aptdir/update.log"; then
		lane_die "could not reach the package archive ($mirror) to fetch linux-libc-dev (log: $aptdir/update.log); ACCEL_LANE_OFFLINE=1 uses what is cached"
	fi
	updated=1
}

fetch() { # SERIES
	update
	local v
	# shellcheck disable=SC2046
	v=$(apt-cache $(lane_apt_opts "$aptdir") madison linux-libc-dev 2>/dev/null |
		awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | grep -E "^$1\." | sort -V | tail -n 1)
	[ -n "$v" ] || lane_die "no linux-libc-dev $1.x in trixie or trixie-backports"
	# shellcheck disable=SC2046
	(cd "$debs" && apt-get $(lane_apt_opts "$aptdir") -q download "linux-libc-dev=$v") >&2 ||
		lane_die "apt-get download linux-libc-dev=$v failed"
}

for series in 6.12 7; do
	deb=
	[ "${ACCEL_LANE_REFRESH:-0}" = 1 ] || deb=$(cached_deb "$series")
	if [ -z "$deb" ]; then
		[ "${ACCEL_LANE_OFFLINE:-0}" = 1 ] && lane_die "ACCEL_LANE_OFFLINE=1 and no linux-libc-dev $series.x cached in $debs"
		fetch "$series"
		deb=$(cached_deb "$series")
		[ -n "$deb" ] || lane_die "download finished but no linux-libc-dev $series.x in $debs"
	fi
	ver=$(basename "$deb" | sed 's/^linux-libc-dev_\([^_]*\)_.*\.deb$/\1/')
	out=$cache/uapi/linux-libc-dev-$ver
	if [ ! -e "$out/.ready" ]; then
		rm -rf "$out"
		mkdir -p "$out"
		dpkg-deb -x "$deb" "$out"
		touch "$out/.ready"
	fi
	printf 'linux-libc-dev %s\t%s\n' "$ver" "$out"
done

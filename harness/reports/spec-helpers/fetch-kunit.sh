#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch (once) the kernel's own KTAP parser, tools/testing/kunit/ (kunit.py
# parse), from the newest linux-source-N.M package of the Debian archive the
# machine already uses, through a private APT state directory so that the
# machine's /etc/apt and its package lists are never touched. Only the kunit
# directory is kept; the 150 MB package is deleted once it is unpacked.
#
# Usage: fetch-kunit.sh             prints the path of kunit.py (last line)
# Env:   ACCEL_LANE_CACHE           cache root (default
#                                   ${XDG_CACHE_HOME:-$HOME/.cache}/accel-conformance)
#        ACCEL_LANE_OFFLINE=1       never touch the network, use the cache only
#
# Exit 1 with one line on stderr when it cannot be had.

set -euo pipefail

die() {
	printf 'fetch-kunit: %s\n' "$*" >&2
	exit 1
}

cache=${ACCEL_LANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/accel-conformance}
out=$cache/kunit
if [ -e "$out/.ready" ]; then
	echo "$out/tools/testing/kunit/kunit.py"
	exit 0
fi
[ "${ACCEL_LANE_OFFLINE:-0}" = 1 ] && die "ACCEL_LANE_OFFLINE=1 and kunit.py is not cached in $out"
command -v apt-get >/dev/null || die "apt-get is needed to fetch Debian's linux-source package"

aptdir=$cache/apt-source
mkdir -p "$aptdir/lists/partial" "$aptdir/archives/partial" "$aptdir/etc/preferences.d"
# The machine's own sources (read, never written); lists and downloads stay private.
opts=(-o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir"
	-o "Dir::Cache::archives=$aptdir/archives" -o "Dir::Cache::pkgcache="
	-o "Dir::Cache::srcpkgcache=" -o "Dir::Etc::preferencesparts=$aptdir/etc/preferences.d"
	-o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
if ! apt-get "${opts[@]}" -q update >"$aptdir/update.log" 2>&1 ||
	grep -qE '^(Err:|W: Failed to fetch|E: )' "$aptdir/update.log"; then
	cat "$aptdir/update.log" >&2
	die "could not reach the Debian archive and kunit.py is not cached in $out"
fi
pkg=$(apt-cache "${opts[@]}" pkgnames linux-source- 2>/dev/null |
	grep -E '^linux-source-[0-9]+\.[0-9]+$' | sort -V | tail -n 1)
[ -n "$pkg" ] || die "no linux-source-N.M package in the archive"
ver=${pkg#linux-source-}
work=$cache/kunit.tmp
rm -rf "$work"
mkdir -p "$work"
printf 'fetch-kunit: downloading %s (about 150 MB, once)\n' "$pkg" >&2
(cd "$work" && apt-get "${opts[@]}" -q download "$pkg") >&2 || die "apt-get download $pkg failed"
deb=$(ls "$work"/"$pkg"_*.deb)
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/linux-source-$ver.tar.xz" |
	tar -xJ -C "$work" "linux-source-$ver/tools/testing/kunit" ||
	die "cannot unpack tools/testing/kunit from $deb"
rm -rf "$out"
mkdir -p "$out/tools/testing"
mv "$work/linux-source-$ver/tools/testing/kunit" "$out/tools/testing/kunit"
basename "$deb" >"$out/SOURCE"
rm -rf "$work"
touch "$out/.ready"
echo "$out/tools/testing/kunit/kunit.py"

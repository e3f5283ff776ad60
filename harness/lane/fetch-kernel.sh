#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch (once) and unpack Debian bookworm-backports' 6.12 kernel image (or,
# with ACCEL_LANE_KSERIES=7, trixie-backports' 7.x), headers and kbuild into
# the lane cache, through a private APT
# configuration so that the machine's /etc/apt is never touched.
#
# Usage: fetch-kernel.sh            prints the prepared kernel directory
# Env:   ACCEL_LANE_CACHE           cache root (default
#                                   ${XDG_CACHE_HOME:-$HOME/.cache}/accel-conformance)
#        ACCEL_LANE_KVER            exact kernel ABI to use (e.g. 6.12.48+deb12-amd64);
#                                   default: newest 6.12 cached, else newest in the archive
#        ACCEL_LANE_OFFLINE=1       never touch the network, use the cache only
#        ACCEL_LANE_REFRESH=1       look for a newer 6.12 kernel even if one is cached
#        ACCEL_LANE_KSERIES=7       Debian's 7.x kernel from trixie-backports (built with
#                                   gcc-14) instead of 6.12 from bookworm-backports (gcc-12)
#        ACCEL_LANE_MIRROR=URL      Debian mirror to use instead of the one in
#                                   /etc/apt/sources.list*
#
# Layout of the prepared directory ($CACHE/kernel/$KVER):
#   vmlinuz                         the kernel
#   root/lib/modules/$KVER/         modules + modules.dep (depmod -b root)
#   headers/                        the -amd64 headers, Makefile fixed to point
#                                   at headers-common/ (no absolute /usr/src)
#   headers-common/                 the -common headers
#   kbuild/                         linux-kbuild (scripts, tools) linked in
#
# The result is printed on stdout as the last line: the prepared directory.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

cache=$(lane_cache)
case ${ACCEL_LANE_KSERIES:-6.12} in
# image_parts: the packages linux-image-ABI depends on for the kernel and its
# modules (7.x splits them out of the image package; 6.12 has none).
6.12) suite=bookworm-backports kprefix=6.12 abi_re='6\.12\.[0-9]+\+(bpo|deb12)-amd64' image_parts= ;;
7) suite=trixie-backports kprefix=7. abi_re='7\.[0-9]+\.[0-9]+\+(bpo|deb13)-amd64' image_parts='base binary modules' ;;
*) lane_die "ACCEL_LANE_KSERIES must be 6.12 or 7" ;;
esac
aptdir=$cache/apt/$suite
debs=$cache/debs
mkdir -p "$aptdir/lists/partial" "$aptdir/archives/partial" "$aptdir/etc/sources.list.d" \
	"$aptdir/etc/preferences.d" "$debs"

debian_mirror() { lane_debian_mirror; }
apt_opts() { lane_apt_opts "$aptdir"; }

# Newest ABI of the series whose packages are all cached.
cached_kver() {
	local img k
	for img in $(ls -1 "$debs"/linux-image-"$kprefix"*-amd64_*.deb 2>/dev/null | sort -V -r); do
		k=$(basename "$img" | sed -n 's/^linux-image-\([^_]*\)_.*/\1/p' | grep -E "^$abi_re\$" || true)
		[ -n "$k" ] || continue
		[ -n "${ACCEL_LANE_KVER:-}" ] && [ "$k" != "$ACCEL_LANE_KVER" ] && continue
		local part missing=
		for part in $image_parts; do
			ls "$debs"/linux-"$part"-"$k"_*.deb >/dev/null 2>&1 || missing=1
		done
		[ -z "$missing" ] || continue
		if ls "$debs"/linux-headers-"$k"_*.deb >/dev/null 2>&1 &&
			ls "$debs"/linux-headers-"${k%-amd64}"-common_*.deb >/dev/null 2>&1 &&
			ls "$debs"/linux-kbuild-"${k%%+*}"*_*.deb >/dev/null 2>&1; then
			echo "$k"
			return 0
		fi
	done
	return 1
}

fetch() {
	local mirror keyring
	mirror=${ACCEL_LANE_MIRROR:-}
	[ -n "$mirror" ] || mirror=$(lane_debian_mirror) || lane_die "no Debian mirror found in /etc/apt/sources.list*; cannot fetch the kernel and nothing is cached in $debs"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$keyring" ] || lane_die "missing $keyring (Debian package: debian-archive-keyring)"
	echo "deb [signed-by=$keyring] $mirror $suite main" >"$aptdir/etc/sources.list"
	lane_log "apt-get update (private config, $suite from $mirror)"
	# shellcheck disable=SC2046
	# apt-get update exits 0 when a source cannot be fetched; its log says so.
	if ! apt-get $(apt_opts) -q update >"$aptdir/update.log" 2>&1 ||
		grep -qE '^(Err:|W: Failed to fetch|E: )' "$aptdir/update.log"; then
		cat "$aptdir/update.log" >&2
		lane_die "could not reach the package archive ($mirror) and no kernel is cached in $debs"
	fi
	local k
	if [ -n "${ACCEL_LANE_KVER:-}" ]; then
		k=$ACCEL_LANE_KVER
	else
		# shellcheck disable=SC2046
		k=$(apt-cache $(apt_opts) pkgnames "linux-image-$kprefix" 2>/dev/null |
			grep -E "^linux-image-$abi_re\$" |
			sed 's/^linux-image-//' | sort -V | tail -n 1)
	fi
	[ -n "$k" ] || lane_die "no linux-image-$kprefix*-amd64 in $suite"
	local common=${k%-amd64}-common
	local kbuild
	# shellcheck disable=SC2046
	kbuild=$(apt-cache $(apt_opts) show "linux-headers-$k" 2>/dev/null |
		sed -n 's/^Depends:.*\(linux-kbuild-[^ ,]*\).*/\1/p' | head -n 1)
	[ -n "$kbuild" ] || kbuild=linux-kbuild-${k%%+*}
	local pkgs=("linux-image-$k" "linux-headers-$k" "linux-headers-$common" "$kbuild") part
	for part in $image_parts; do pkgs+=("linux-$part-$k"); done
	lane_log "downloading ${pkgs[*]}"
	# shellcheck disable=SC2046
	(cd "$debs" && apt-get $(apt_opts) -q download "${pkgs[@]}") >&2 ||
		lane_die "apt-get download failed"
	echo "$k"
}

kver=
if [ "${ACCEL_LANE_REFRESH:-0}" != 1 ]; then
	kver=$(cached_kver) || kver=
fi
if [ -z "$kver" ]; then
	[ "${ACCEL_LANE_OFFLINE:-0}" = 1 ] && lane_die "ACCEL_LANE_OFFLINE=1 and no kernel cached in $debs"
	kver=$(fetch)
	kver=$(cached_kver) || lane_die "download finished but the packages for $kver are not all in $debs"
fi

out=$cache/kernel/$kver
if [ ! -e "$out/.ready" ]; then
	lane_log "unpacking kernel $kver into $out"
	rm -rf "$out"
	mkdir -p "$out/x"
	parts=()
	for part in $image_parts; do parts+=("$debs"/linux-"$part"-"$kver"_*.deb); done
	for d in "$debs"/linux-image-"$kver"_*.deb "${parts[@]}" "$debs"/linux-headers-"$kver"_*.deb \
		"$debs"/linux-headers-"${kver%-amd64}"-common_*.deb "$debs"/linux-kbuild-"${kver%%+*}"*_*.deb; do
		dpkg-deb -x "$d" "$out/x"
	done
	mkdir -p "$out/root/lib"
	if [ -d "$out/x/usr/lib/modules/$kver" ]; then
		mv "$out/x/usr/lib/modules" "$out/root/lib/modules"
	else
		mv "$out/x/lib/modules" "$out/root/lib/modules"
	fi
	rm -f "$out/root/lib/modules/$kver/build" "$out/root/lib/modules/$kver/source"
	if [ -f "$out/x/boot/vmlinuz-$kver" ]; then
		cp "$out/x/boot/vmlinuz-$kver" "$out/vmlinuz"
		cp "$out/x/boot/config-$kver" "$out/config"
	else # 7.x: linux-binary and linux-base put them beside the modules
		mv "$out/root/lib/modules/$kver/vmlinuz" "$out/vmlinuz"
		cp "$out/root/lib/modules/$kver/config" "$out/config"
	fi
	mv "$out/x/usr/src/linux-headers-$kver" "$out/headers"
	mv "$out/x/usr/src/linux-headers-${kver%-amd64}-common" "$out/headers-common"
	kb=$(ls -d "$out"/x/usr/lib/linux-kbuild-* | head -n 1)
	mv "$kb" "$out/kbuild"
	rm -rf "$out/x"
	# The -amd64 headers reach -common and kbuild through absolute paths
	# (Makefile include, scripts/tools symlinks); point them here instead.
	# 7.x also names its own directory (KBUILD_OUTPUT).
	sed -i -e "s|/usr/src/linux-headers-${kver%-amd64}-common|$out/headers-common|g" \
		-e "s|/usr/src/linux-headers-$kver\$|$out/headers|" "$out/headers/Makefile"
	for l in "$out"/headers/scripts "$out"/headers/tools "$out"/headers-common/scripts "$out"/headers-common/tools; do
		if [ -L "$l" ]; then
			rm "$l"
			ln -s "$out/kbuild/$(basename "$l")" "$l"
		fi
	done
	find "$out/headers" "$out/headers-common" -xtype l | while read -r l; do
		t=$(readlink "$l")
		case $t in
		/usr/lib/linux-kbuild-*) rm "$l"; ln -s "$out/kbuild/${t#/usr/lib/linux-kbuild-*/}" "$l" ;;
		esac
	done
	depmod -b "$out/root" "$kver"
	touch "$out/.ready"
fi
echo "$out"

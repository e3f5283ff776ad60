#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch (once) and unpack everything the arm64 (ethosu) lane boots, into the
# lane cache, through a private APT configuration (lib.sh lane_apt_opts, plus an
# empty dpkg status and arm64 as the only architecture) so that the machine's
# /etc/apt and dpkg database are never touched:
#
#   kernel     Debian trixie-backports linux-binary-7.3.*-arm64 (the Image,
#              already uncompressed) and linux-modules-7.3.*-arm64
#   userland   trixie's nodejs for arm64 with the closure of its dependencies
#              (libc6, libnode, ICU, OpenSSL, ...) and busybox-static, unpacked
#              with dpkg-deb -x: no maintainer script runs
#   koffi      @koromix/koffi-linux-arm64 at the version of the repo's koffi
#              (npm pack: the npm registry through npm itself)
#
# Usage: fetch.sh REPO        prints the prepared directory (last line of stdout)
# Env:   ACCEL_LANE_CACHE, ACCEL_LANE_OFFLINE=1, ACCEL_LANE_MIRROR (as fetch-kernel.sh)
#        ACCEL_LANE_ARM64_KVER  exact arm64 kernel ABI (e.g. 7.3.4+deb13-arm64);
#                               default: newest 7.3 cached, else newest in the archive
#        ACCEL_LANE_REFRESH=1   look for a newer kernel and userland even if cached
#
# Layout of the prepared directory ($CACHE/arm64/$KVER-$USERLAND_KEY):
#   Image                       the kernel
#   modules/lib/modules/$KVER/  the modules tree (compressed .ko.xz) + modules.dep
#   userland/                   the unpacked arm64 debs (usr/bin/node, usr/lib/...)
#   koffi/                      the koffi arm64 package (linux_arm64/koffi.node)
#   kver, versions              the kernel ABI, the package versions used

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

repo=${1:?usage: fetch.sh REPO}
cache=$(lane_cache)
aptdir=$cache/apt-arm64
debs=$cache/debs-arm64
mkdir -p "$aptdir/lists/partial" "$aptdir/archives/partial" "$aptdir/etc/sources.list.d" \
	"$aptdir/etc/preferences.d" "$debs" "$cache/npm"
: >"$aptdir/status"
offline=${ACCEL_LANE_OFFLINE:-0}

# The userland packages: node and a shell. Their dependency closure is resolved
# by apt against an empty dpkg status, so it is the whole closure.
USERLAND_ROOTS=(nodejs busybox-static)

arm64_apt_opts() {
	echo $(lane_apt_opts "$aptdir") -o "Dir::State::status=$aptdir/status" \
		-o "APT::Architecture=arm64" -o "APT::Architectures=arm64" \
		-o "APT::Install-Recommends=0"
}

updated=0
apt_update() {
	[ "$updated" = 1 ] && return 0
	[ "$offline" = 1 ] && lane_die "ACCEL_LANE_OFFLINE=1 and the arm64 lane's packages are not all cached in $debs"
	local mirror keyring
	mirror=${ACCEL_LANE_MIRROR:-}
	[ -n "$mirror" ] || mirror=$(lane_debian_mirror) || lane_die "no Debian mirror found in /etc/apt/sources.list*; cannot fetch the arm64 kernel and nothing is cached in $debs"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$keyring" ] || lane_die "missing $keyring (Debian package: debian-archive-keyring)"
	{
		echo "deb [arch=arm64 signed-by=$keyring] $mirror trixie main"
		echo "deb [arch=arm64 signed-by=$keyring] $mirror trixie-updates main"
		echo "deb [arch=arm64 signed-by=$keyring] $mirror trixie-backports main"
	} >"$aptdir/etc/sources.list"
	lane_log "apt-get update (private config, arm64: trixie, trixie-updates, trixie-backports from $mirror)"
	# apt-get update exits 0 when a source cannot be fetched; its log says so.
	# shellcheck disable=SC2046
	if ! apt-get $(arm64_apt_opts) -q update >"$aptdir/update.log" 2>&1 ||
		grep -qE '^(Err:|W: Failed to fetch|E: )' "$aptdir/update.log"; then
		cat "$aptdir/update.log" >&2
		lane_die "could not reach the package archive ($mirror) and the arm64 lane's packages are not all cached in $debs"
	fi
	updated=1
}

# --- kernel -------------------------------------------------------------------
cached_kver() { # newest 7.3 arm64 ABI whose linux-binary and linux-modules are both cached
	local img k
	for img in $(ls -1 "$debs"/linux-binary-7.3.*-arm64_*.deb 2>/dev/null | sort -V -r); do
		k=$(basename "$img" | sed -n 's/^linux-binary-\(7\.3\.[^_]*-arm64\)_.*/\1/p')
		[ -n "$k" ] || continue
		[ -n "${ACCEL_LANE_ARM64_KVER:-}" ] && [ "$k" != "$ACCEL_LANE_ARM64_KVER" ] && continue
		if ls "$debs"/linux-modules-"$k"_*.deb >/dev/null 2>&1; then
			echo "$k"
			return 0
		fi
	done
	return 1
}

fetch_kernel() {
	apt_update
	local k
	if [ -n "${ACCEL_LANE_ARM64_KVER:-}" ]; then
		k=$ACCEL_LANE_ARM64_KVER
	else
		# shellcheck disable=SC2046
		k=$(apt-cache $(arm64_apt_opts) pkgnames linux-binary-7.3. 2>/dev/null |
			grep -E '^linux-binary-7\.3\.[0-9]+\+(bpo|deb13)-arm64$' |
			sed 's/^linux-binary-//' | sort -V | tail -n 1)
	fi
	[ -n "$k" ] || lane_die "no linux-binary-7.3.*-arm64 in trixie-backports"
	lane_log "downloading linux-binary-$k linux-modules-$k (about 100 MB)"
	# shellcheck disable=SC2046
	(cd "$debs" && apt-get $(arm64_apt_opts) -q download "linux-binary-$k" "linux-modules-$k") >&2 ||
		lane_die "apt-get download of the arm64 kernel failed"
}

kver=
[ "${ACCEL_LANE_REFRESH:-0}" = 1 ] || kver=$(cached_kver) || kver=
if [ -z "$kver" ]; then
	fetch_kernel
	kver=$(cached_kver) || lane_die "download finished but linux-binary/linux-modules are not both in $debs"
fi

# --- userland -------------------------------------------------------------------
# userland.list: the exact debs of the closure, one file name a line, written
# after a complete download; the set is cached as long as every file is there.
list=$debs/userland.list
userland_cached() {
	[ -s "$list" ] || return 1
	local f
	while read -r f; do [ -f "$debs/$f" ] || return 1; done <"$list"
}
fetch_userland() {
	apt_update
	local pkgs
	# shellcheck disable=SC2046
	pkgs=$(apt-get $(arm64_apt_opts) -s install "${USERLAND_ROOTS[@]}" 2>/dev/null |
		sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*/\1=\2/p')
	[ -n "$pkgs" ] || lane_die "apt could not resolve ${USERLAND_ROOTS[*]} for arm64"
	lane_log "downloading the arm64 userland: $(echo "$pkgs" | sed 's/=.*//' | tr '\n' ' ')"
	# shellcheck disable=SC2046,SC2086
	(cd "$debs" && apt-get $(arm64_apt_opts) -q download $pkgs) >&2 ||
		lane_die "apt-get download of the arm64 userland failed"
	# apt-get download names files NAME_VERSION_ARCH.deb with ':' in versions escaped as %3a.
	echo "$pkgs" | while IFS='=' read -r p v; do
		f=$(ls "$debs/${p}_$(printf '%s' "$v" | sed 's/:/%3a/')_"*.deb 2>/dev/null | head -n 1)
		[ -n "$f" ] || lane_die "apt-get download left no deb for $p $v in $debs"
		basename "$f"
	done >"$list.tmp"
	mv "$list.tmp" "$list"
}
if [ "${ACCEL_LANE_REFRESH:-0}" = 1 ] || ! userland_cached; then
	fetch_userland
fi

# --- koffi ----------------------------------------------------------------------
koffi_version=$(node -p 'require(process.argv[1]).version' "$repo/node_modules/koffi/package.json" 2>/dev/null) ||
	lane_die "$repo/node_modules/koffi is missing: run 'npm ci' first"
koffi_tgz=$cache/npm/koromix-koffi-linux-arm64-$koffi_version.tgz
if [ ! -s "$koffi_tgz" ]; then
	[ "$offline" = 1 ] && lane_die "ACCEL_LANE_OFFLINE=1 and $koffi_tgz is not cached"
	lane_need npm npm || lane_die "install npm to fetch koffi's arm64 build"
	lane_log "npm pack @koromix/koffi-linux-arm64@$koffi_version"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-lane-npm.XXXXXX")
	# The integrity npm checks is the registry's; the repo's lockfile records the same one.
	if ! (cd "$tmp" && npm pack --silent "@koromix/koffi-linux-arm64@$koffi_version" >/dev/null 2>"$tmp/err"); then
		cat "$tmp/err" >&2
		rm -rf "$tmp"
		lane_die "could not fetch @koromix/koffi-linux-arm64@$koffi_version from the npm registry and it is not cached"
	fi
	mv "$tmp"/*.tgz "$koffi_tgz"
	rm -rf "$tmp"
fi

# --- unpack -------------------------------------------------------------------
key=$( (echo "$kver"; cat "$list"; basename "$koffi_tgz") | sha256sum | cut -c1-12)
out=$cache/arm64/$kver-$key
if [ ! -e "$out/.ready" ]; then
	lane_log "unpacking the arm64 kernel $kver and userland into $out"
	rm -rf "$out"
	mkdir -p "$out/x" "$out/modules/lib" "$out/userland" "$out/koffi"
	dpkg-deb -x "$(ls "$debs"/linux-binary-"$kver"_*.deb | head -n 1)" "$out/x"
	dpkg-deb -x "$(ls "$debs"/linux-modules-"$kver"_*.deb | head -n 1)" "$out/x"
	# 7.x packages put the Image in the modules directory (usr/lib/modules/$kver/vmlinuz).
	for img in "$out/x/usr/lib/modules/$kver/vmlinuz" "$out/x/boot/vmlinuz-$kver" ""; do
		[ -z "$img" ] && lane_die "linux-binary-$kver has neither usr/lib/modules/$kver/vmlinuz nor boot/vmlinuz-$kver"
		[ -f "$img" ] && break
	done
	mv "$img" "$out/Image"
	if [ -d "$out/x/usr/lib/modules/$kver" ]; then
		mv "$out/x/usr/lib/modules" "$out/modules/lib/modules"
	else
		mv "$out/x/lib/modules" "$out/modules/lib/modules"
	fi
	rm -rf "$out/x"
	# modules.dep is written by the package's postinst, which is not run.
	depmod -b "$out/modules" "$kver" 2>&1 | { grep -v 'could not open modules\.\(order\|builtin\)' || true; } >&2
	while read -r f; do
		dpkg-deb -x "$debs/$f" "$out/userland"
	done <"$list"
	tar -xzf "$koffi_tgz" -C "$out/koffi" --strip-components=1
	[ -f "$out/koffi/linux_arm64/koffi.node" ] || lane_die "$koffi_tgz has no linux_arm64/koffi.node"
	echo "$kver" >"$out/kver"
	{ echo "kernel $kver"; sed 's/^/deb /' "$list"; echo "koffi $(basename "$koffi_tgz")"; } >"$out/versions"
	touch "$out/.ready"
	# Older prepared trees of the same cache are dead weight (about 400 MB each).
	for old in "$cache"/arm64/*; do
		[ "$old" = "$out" ] || rm -rf "$old"
	done
fi
echo "$out"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the arm64 guest initramfs of the ethosu lane as three concatenated
# cpio archives (the kernel unpacks them in order):
#
#   base     busybox-static and node for arm64 with their libraries (the
#            userland fetch.sh unpacked, less docs, man pages and gconv), the
#            modules ethosu needs (modules.dep) and the virtio-9p stack,
#            decompressed. Cached per prepared tree and per this script.
#   project  /opt/accel-conformance: dist/, package.json and the production
#            node_modules of the repo, with koffi's arm64 build in place of
#            the host's (node_modules/@koromix/koffi-linux-arm64, where npm
#            would install it on an arm64 machine).
#   lane     /init, /lane/*.sh and *.js, the module load order, the phases and
#            the per-phase command of this run.
#
# Usage: mkinitramfs.sh --prepared DIR --repo DIR --cmd-file FILE --out FILE
#                       [--phases "silent completing"]
#                       [--guest-timeout SEC]

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

prep='' repo='' cmdfile='' out='' phases='silent completing' guest_timeout=0
while [ $# -gt 0 ]; do
	case $1 in
	--prepared) prep=$2; shift 2 ;;
	--repo) repo=$2; shift 2 ;;
	--cmd-file) cmdfile=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--phases) phases=$2; shift 2 ;;
	--guest-timeout) guest_timeout=$2; shift 2 ;;
	*) lane_die "arm64/mkinitramfs.sh: unknown argument $1" ;;
	esac
done
if [ -z "$prep" ] || [ -z "$repo" ] || [ -z "$cmdfile" ] || [ -z "$out" ]; then
	lane_die "arm64/mkinitramfs.sh: --prepared, --repo, --cmd-file and --out are required"
fi
[ -d "$repo/dist" ] || lane_die "$repo/dist does not exist: run 'npm run build' first"

kver=$(cat "$prep/kver")
cache=$(lane_cache)
work=$(mktemp -d "${TMPDIR:-/tmp}/accel-lane-arm64-initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT


# --- module load order ----------------------------------------------------------
# ethosu last: the guest inserts it per phase, after presetting its registers.
modroot=$prep/modules
show_deps() { # module -> paths relative to lib/modules/$kver, dependencies first
	modprobe -d "$modroot" -S "$kver" --show-depends "$1" |
		sed -n "s|^insmod $modroot/lib/modules/$kver/\([^ ]*\).*|\1|p"
}
order=$work/modules.load
for m in 9pnet_virtio 9p ethosu; do show_deps "$m"; done | awk '!seen[$0]++' >"$order.xz"
grep -q 'ethosu\.ko' "$order.xz" || lane_die "no ethosu module in $modroot (kernel $kver)"
sed 's/\.xz$//' "$order.xz" >"$order"

# --- base (cached) ----------------------------------------------------------------
key=$( (echo "$prep"; cat "$order" "$0") | sha256sum | cut -c1-16)
base=$cache/initramfs/arm64-base-$kver-$key.cpio
if [ ! -s "$base" ]; then
	lane_log "building the arm64 base initramfs (busybox, node, modules); cached as $base"
	b=$work/base
	mkdir -p "$b"
	cp -a "$prep/userland/." "$b/"
	rm -rf "$b/usr/share/doc" "$b/usr/share/man" "$b/usr/share/lintian" "$b/usr/share/bug" \
		"$b/usr/share/gdb" "$b/usr/share/bash-completion" "$b/usr/share/initramfs-tools" \
		"$b/usr/lib/aarch64-linux-gnu/gconv" "$b/usr/share/nodejs/corepack" "$b/etc"
	# Debian's merged /usr: the program interpreter is /lib/ld-linux-aarch64.so.1.
	for d in bin sbin lib; do
		mkdir -p "$b/usr/$d"
		[ -e "$b/$d" ] || ln -s "usr/$d" "$b/$d"
	done
	[ -x "$b/usr/bin/busybox" ] || lane_die "the arm64 userland has no usr/bin/busybox"
	[ -x "$b/usr/bin/node" ] || lane_die "the arm64 userland has no usr/bin/node"
	while read -r rel; do
		mkdir -p "$b/usr/lib/modules/$kver/$(dirname "$rel")"
		xz -dc "$modroot/lib/modules/$kver/$rel" >"$b/usr/lib/modules/$kver/${rel%.xz}"
	done <"$order.xz"
	mkdir -p "$b/etc"
	echo "root:x:0:0:root:/root:/bin/sh" >"$b/etc/passwd"
	echo "root:x:0:" >"$b/etc/group"
	mkdir -p "$(dirname "$base")"
	rm -f "$cache"/initramfs/arm64-base-*.cpio
	lane_mkcpio "$b" | lane_compress >"$base.tmp"
	mv "$base.tmp" "$base"
fi

# --- project ------------------------------------------------------------------------
p=$work/project/opt/accel-conformance
mkdir -p "$p/node_modules"
cp -r "$repo/dist" "$repo/package.json" "$p/"
[ -d "$repo/docs" ] && cp -r "$repo/docs" "$p/"
if list=$(cd "$repo" && npm ls --omit=dev --all --parseable 2>/dev/null) && [ -n "$list" ]; then
	echo "$list" | while read -r d; do
		case $d in
		"$repo"/node_modules/*)
			rel=${d#"$repo"/}
			mkdir -p "$p/$(dirname "$rel")"
			[ -e "$p/$rel" ] || cp -r "$d" "$p/$rel"
			;;
		esac
	done
else
	lane_log "npm ls failed: copying all of node_modules"
	cp -r "$repo/node_modules/." "$p/node_modules/"
fi
# The host's native koffi is x86-64: replace it by the arm64 package fetch.sh prepared.
rm -rf "$p"/node_modules/@koromix/koffi-*
mkdir -p "$p/node_modules/@koromix"
cp -r "$prep/koffi" "$p/node_modules/@koromix/koffi-linux-arm64"
rm -rf "$p/node_modules/@koromix/koffi-linux-arm64/musl_arm64"
lane_mkcpio "$work/project" | lane_compress >"$work/project.cpio"

# --- lane ---------------------------------------------------------------------------
l=$work/lane
mkdir -p "$l/lane"
cp "$here/guest/init" "$l/init"
chmod 755 "$l/init"
cp "$here"/guest/*.sh "$here"/guest/*.js "$l/lane/"
cp "$order" "$l/lane/modules.load"
cp "$cmdfile" "$l/lane/cmd"
{
	printf 'KVER=%s\n' "$kver"
	printf 'PHASES=%s\n' "'$phases'"
	printf 'GUEST_TIMEOUT=%s\n' "$guest_timeout"
} >"$l/lane/config"
lane_mkcpio "$l" >"$work/lane.cpio"

# Each archive starts on a 512-byte boundary; the kernel skips the zero padding.
: >"$out.tmp"
for part in "$base" "$work/project.cpio" "$work/lane.cpio"; do
	cat "$part" >>"$out.tmp"
	size=$(stat -c %s "$out.tmp")
	pad=$(((512 - size % 512) % 512))
	[ "$pad" = 0 ] || head -c "$pad" /dev/zero >>"$out.tmp"
done
mv "$out.tmp" "$out"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the guest initramfs of the kernel lane as three concatenated cpio
# archives (the kernel unpacks them in order, see
# Documentation/driver-api/early-userspace/buffer-format.rst):
#
#   base     busybox-static, the host's node with the libraries ldd lists,
#            the kernel modules apu needs (from modules.dep) plus vgem and
#            the virtio-9p stack. Cached per kernel, node and busybox.
#   project  /opt/accel-conformance: dist/, package.json and the production
#            node_modules of the repo (skipped with --no-project).
#   lane     /init, apu.ko, the module load order, the parameters and the
#            command of this run.
#
# Usage: mkinitramfs.sh --kernel DIR --ko APU_KO --repo DIR --cmd-file FILE
#                       --params "k=v ..." --out FILE [--no-project]
#                       [--guest-timeout SEC]

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

kdir='' ko='' repo='' cmdfile='' params='' out='' project=1 guest_timeout=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kdir=$2; shift 2 ;;
	--ko) ko=$2; shift 2 ;;
	--repo) repo=$2; shift 2 ;;
	--cmd-file) cmdfile=$2; shift 2 ;;
	--params) params=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--no-project) project=0; shift ;;
	--guest-timeout) guest_timeout=$2; shift 2 ;;
	*) lane_die "mkinitramfs.sh: unknown argument $1" ;;
	esac
done
if [ -z "$kdir" ] || [ -z "$ko" ] || [ -z "$repo" ] || [ -z "$cmdfile" ] || [ -z "$out" ]; then
	lane_die "mkinitramfs.sh: --kernel, --ko, --repo, --cmd-file and --out are required"
fi

kver=$(basename "$kdir")
cache=$(lane_cache)
work=$(mktemp -d "${TMPDIR:-/tmp}/accel-lane-initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT


# --- module load order ------------------------------------------------------
modroot=$kdir/root
show_deps() { # module name -> relative paths, dependencies first
	modprobe -d "$modroot" -S "$kver" --show-depends "$1" |
		sed -n "s|^insmod $modroot/lib/modules/$kver/\([^ ]*\).*|\1|p"
}
order=$work/modules.load
{
	for m in 9pnet_virtio 9p vgem; do show_deps "$m"; done
	deps=$(modinfo -F depends "$ko" | tr ',' ' ')
	for m in $deps; do show_deps "$m"; done
} | awk '!seen[$0]++' >"$order.xz"
sed 's/\.xz$//' "$order.xz" >"$order"
echo "extra/apu.ko" >>"$order"

# --- base (cached) ------------------------------------------------------------
node_bin=$(command -v node)
node_bin=$(readlink -f "$node_bin")
key=$(cat "$node_bin" /bin/busybox "$order" "$0" | sha256sum | cut -c1-16)
base=$cache/initramfs/base-$kver-$key.cpio
if [ ! -s "$base" ]; then
	lane_log "building the base initramfs (busybox, node, modules); cached as $base"
	b=$work/base
	mkdir -p "$b/bin" "$b/usr/bin" "$b/lib/modules/$kver" "$b/etc"
	cp /bin/busybox "$b/bin/busybox"
	cp "$node_bin" "$b/usr/bin/node"
	node_libs=$(ldd "$node_bin" | awk '/=>/ { print $3 } /^[ \t]*\// { print $1 }')
	for lib in $node_libs; do
		[ -f "$lib" ] || continue
		mkdir -p "$b$(dirname "$lib")"
		cp -L "$lib" "$b$lib"
	done
	# Debian's trixie node (libnode) loads some builtins from files of other packages
	# (/usr/share/nodejs/cjs-module-lexer/lexer.js, undici, acorn): without them it
	# aborts at start ("Cannot load externalized builtin"). Their paths are in the binary.
	for f in $(cat "$node_bin" $node_libs 2>/dev/null | tr -c '[:print:]' '\n' | grep -E '^/usr/share/nodejs/[^ ]+\.js$' | sort -u); do
		[ -f "$f" ] || continue
		mkdir -p "$b$(dirname "$f")"
		cp -L "$f" "$b$f"
	done
	while read -r rel; do
		mkdir -p "$b/lib/modules/$(dirname "$rel")"
		xz -dc "$modroot/lib/modules/$kver/$rel" >"$b/lib/modules/${rel%.xz}"
	done <"$order.xz"
	echo "root:x:0:0:root:/root:/bin/sh" >"$b/etc/passwd"
	echo "root:x:0:" >"$b/etc/group"
	mkdir -p "$(dirname "$base")"
	rm -f "$cache"/initramfs/base-"$kver"-*.cpio
	lane_mkcpio "$b" | lane_compress >"$base.tmp"
	mv "$base.tmp" "$base"
fi

# --- project ----------------------------------------------------------------
parts="$base"
if [ "$project" = 1 ]; then
	[ -d "$repo/dist" ] || lane_die "$repo/dist does not exist: run 'npm run build' first (or pass --no-project)"
	p=$work/project/opt/accel-conformance
	mkdir -p "$p"
	cp -r "$repo/dist" "$repo/package.json" "$p/"
	[ -d "$repo/drivers/apu/uapi" ] && mkdir -p "$p/drivers/apu" && cp -r "$repo/drivers/apu/uapi" "$p/drivers/apu/"
	[ -d "$repo/docs" ] && cp -r "$repo/docs" "$p/"
	mkdir -p "$p/node_modules"
	# The production dependencies, as npm resolved them in the repo.
	if command -v npm >/dev/null 2>&1 &&
		list=$(cd "$repo" && npm ls --omit=dev --all --parseable 2>/dev/null) && [ -n "$list" ]; then
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
		lane_log "npm not found or failed: copying all of node_modules"
		cp -r "$repo/node_modules/." "$p/node_modules/"
	fi
	# Native addons for other platforms are dead weight in the guest.
	find "$p/node_modules" -type d -path '*koffi*' \( -name 'musl_*' -o -name 'darwin_*' -o -name 'win32_*' \
		-o -name 'freebsd_*' -o -name 'openbsd_*' -o -name 'linux_arm*' -o -name 'linux_ia32' \
		-o -name 'linux_riscv*' -o -name 'linux_loong*' \) -prune -exec rm -rf {} + 2>/dev/null || true
	lane_mkcpio "$work/project" | lane_compress >"$work/project.cpio"
	parts="$parts $work/project.cpio"
fi

# --- lane ---------------------------------------------------------------------
l=$work/lane
mkdir -p "$l/lane" "$l/lib/modules/extra" "$l/opt/accel-conformance"
cp "$here/guest/init" "$l/init"
chmod 755 "$l/init"
cp "$here"/guest/*.js "$l/lane/"
cp "$ko" "$l/lib/modules/extra/apu.ko"
cp "$order" "$l/lane/modules.load"
cp "$cmdfile" "$l/lane/cmd"
{
	printf 'APU_PARAMS=%s\n' "'$(printf '%s' "$params" | sed "s/'/'\\\\''/g")'"
	printf 'GUEST_TIMEOUT=%s\n' "$guest_timeout"
} >"$l/lane/config"
lane_mkcpio "$l" >"$work/lane.cpio"
parts="$parts $work/lane.cpio"

# Each archive starts on a 512-byte boundary; the kernel skips the zero padding.
: >"$out.tmp"
for part in $parts; do
	cat "$part" >>"$out.tmp"
	size=$(stat -c %s "$out.tmp")
	pad=$(( (512 - size % 512) % 512 ))
	[ "$pad" = 0 ] || head -c "$pad" /dev/zero >>"$out.tmp"
done
mv "$out.tmp" "$out"

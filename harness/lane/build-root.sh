#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Makes (once, cached) the module build root for a kernel prepared by
# fetch-kernel.sh: a minimal Debian root of the release whose compiler built
# that kernel, so that the module is built with the kernel's own toolchain
# whatever the host runs (bookworm, trixie, Ubuntu). Debian's kbuild calls
# the exact compiler of the kernel build ($(CROSS_COMPILE)gcc-N in
# .kernelvariables); the 6.12 kernels of bookworm(-backports) name gcc-12,
# trixie's and its backports' gcc-14.
#
# Usage: build-root.sh KERNEL_DIR      prints the root directory (last line)
#        build-root.sh --compiler KERNEL_DIR   prints the compiler (gcc-N) only
# Env:   ACCEL_LANE_CACHE, ACCEL_LANE_OFFLINE, ACCEL_LANE_MIRROR as for fetch-kernel.sh
#
# The root ($CACHE/buildroot/RELEASE-gcc-N) is made by mmdebstrap (variant
# essential) with gcc-N, make, libc6-dev and dwarves (pahole, for the module's
# BTF), from the same mirror as the kernel. lane_in_root (lib.sh) runs a
# command in it. Making it needs root (mmdebstrap's root mode and chroot).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

only_compiler=
if [ "${1:-}" = --compiler ]; then only_compiler=1; shift; fi
[ $# -eq 1 ] || lane_die "usage: build-root.sh [--compiler] KERNEL_DIR"
kdir=$1
vars=$kdir/headers/.kernelvariables
[ -f "$vars" ] || lane_die "$kdir has no headers/.kernelvariables: not a Debian kernel prepared by fetch-kernel.sh"

# CC = $(if ...) $(CROSS_COMPILE)gcc-12
compiler=$(sed -n 's/^CC *=.*(CROSS_COMPILE)\(gcc-[0-9][0-9]*\) *$/\1/p' "$vars" | head -n 1)
[ -n "$compiler" ] || lane_die "cannot tell the kernel's compiler from $vars"
if [ -n "$only_compiler" ]; then
	echo "$compiler"
	exit 0
fi

# The Debian release whose default compiler that is (the kernel was built there).
case $compiler in
gcc-12) release=bookworm ;;
gcc-14) release=trixie ;;
*) lane_die "no Debian release known for the kernel's compiler $compiler (harness/lane/build-root.sh)" ;;
esac
packages="$compiler,make,libc6-dev,dwarves"

root=$(lane_cache)/buildroot/$release-$compiler
if [ -f "$root/.ready" ] && [ "$(cat "$root/.ready")" = "$packages" ]; then
	echo "$root"
	exit 0
fi
[ "${ACCEL_LANE_OFFLINE:-0}" = 1 ] && lane_die "ACCEL_LANE_OFFLINE=1 and no $release build root cached in $root"
[ "$(id -u)" -eq 0 ] || lane_die "making the $release build root ($compiler) needs root (mmdebstrap, chroot); run the lane as root once, or set ACCEL_LANE_BUILD_ROOT=host to build with this machine's $compiler"
command -v mmdebstrap >/dev/null 2>&1 || lane_die "missing mmdebstrap (Debian package: mmdebstrap)"
mirror=${ACCEL_LANE_MIRROR:-}
[ -n "$mirror" ] || mirror=$(lane_debian_mirror) || lane_die "no Debian mirror found in /etc/apt/sources.list*; set ACCEL_LANE_MIRROR"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || lane_die "missing $keyring (Debian package: debian-archive-keyring)"

lane_log "making the $release build root with $compiler in $root (once; mmdebstrap)"
rm -rf "$root" "$root.tmp"
mkdir -p "$(dirname "$root")"
log=$(dirname "$root")/$release-$compiler.log
if ! mmdebstrap --variant=essential --include="$packages" --skip=output/mknod \
	"$release" "$root.tmp" "deb [signed-by=$keyring] $mirror $release main" >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	rm -rf "$root.tmp"
	lane_die "mmdebstrap of the $release build root failed (log: $log)"
fi
echo "$packages" >"$root.tmp/.ready"
mv "$root.tmp" "$root"
echo "$root"

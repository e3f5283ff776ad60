#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds drivers/apu/kernel (apu.ko) against a kernel prepared by
# fetch-kernel.sh, out of the source tree (a copy under the lane cache), and
# fails on any compiler or modpost warning. The build runs in the kernel's own
# toolchain: a cached Debian build root of the release that built the kernel
# (build-root.sh), so the host's compiler does not matter.
#
# Usage: build-module.sh KERNEL_DIR REPO_DIR
# Env:   ACCEL_LANE_BUILD_ROOT=host   build with this machine's make and compiler
#                                     instead (it must have the kernel's gcc-N)
# Prints the path of the built apu.ko as the last line of stdout.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -eq 2 ] || lane_die "usage: build-module.sh KERNEL_DIR REPO_DIR"
kdir=$1
repo=$(cd "$2" && pwd)
[ -f "$kdir/headers/Makefile" ] || lane_die "$kdir is not a kernel prepared by fetch-kernel.sh"
[ -f "$repo/drivers/apu/kernel/Kbuild" ] || lane_die "$repo has no drivers/apu/kernel/Kbuild"

if [ "${ACCEL_LANE_BUILD_ROOT:-}" = host ]; then
	root=
	toolchain="host $(command -v "x86_64-linux-gnu-$("$here/build-root.sh" --compiler "$kdir")" || true)"
else
	root=$("$here/build-root.sh" "$kdir" | tail -n 1)
	toolchain="root $root"
fi

build=$(lane_cache)/build/$(basename "$kdir")
ko=$build/drivers/apu/kernel/apu.ko
# The same sources, kernel and script built warning-free before: reuse that apu.ko
# (the lane boots twice per run). Object files are excluded: only the sources count.
key=$( (cd "$repo/drivers/apu" && find kernel uapi -type f ! -name '*.o' ! -name '*.ko' ! -name '*.mod*' \
	! -name '.*.cmd' ! -name Module.symvers ! -name modules.order | LC_ALL=C sort | xargs sha256sum
	echo "$kdir"; echo "$toolchain"; sha256sum "$here/build-module.sh" "$here/build-root.sh") | sha256sum | cut -c1-16)
if [ -f "$ko" ] && [ "$(cat "$build/.key" 2>/dev/null)" = "$key" ]; then
	lane_log "apu.ko is up to date (sources unchanged since its warning-free build)"
	echo "$ko"
	exit 0
fi
rm -rf "$build"
mkdir -p "$build/drivers/apu"
cp -r "$repo/drivers/apu/kernel" "$repo/drivers/apu/uapi" "$build/drivers/apu/"
# Never reuse objects a developer may have built in the work tree.
find "$build" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \
	-o -name 'Module.symvers' -o -name 'modules.order' \) -delete

log=$build/build.log
lane_log "building apu.ko against $(basename "$kdir") (${toolchain%% *}: ${toolchain#* })"
make=(make -C "$kdir/headers" M="$build/drivers/apu/kernel" W=1 -j"$(nproc)" modules)
if [ -n "$root" ]; then
	make=(lane_in_root "$root" "${make[@]}")
fi
if ! "${make[@]}" >"$log" 2>&1; then
	cat "$log" >&2
	lane_die "module build failed"
fi
if grep -E 'warning:|WARNING:' "$log" >&2; then
	lane_die "module build has warnings (see above); the lane requires a warning-free build"
fi
[ -f "$ko" ] || lane_die "no apu.ko after the build"
echo "$key" >"$build/.key"
echo "$ko"

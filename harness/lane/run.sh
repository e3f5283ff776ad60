#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel lane: boots Debian's 6.12 kernel under QEMU (TCG) with the real apu
# module loaded and runs a command in the guest against /dev/accel/accel0.
# See docs/kernel-lane.md.
#
# Usage: harness/lane/run.sh [options] [--] [COMMAND...]
#
#   COMMAND             run by busybox sh in the guest, in /opt/accel-conformance
#                       (default: the suite on accel:0, node dist/harness/cli/main.js
#                       run --device accel:0 --allow-destructive --results-dir /results/module;
#                       with --no-project: only that /dev/accel/accel0 exists)
#   --params "K=V ..."  apu module parameters (e.g. "exclusive=1 timeout_ms=200")
#   --repo DIR          repository to take the module source and project from
#                       (default: the one this script is in)
#   --results DIR       host directory the guest writes /results to
#                       (default: REPO/reports/kernel-lane; emptied first)
#   --no-project        leave dist/ and node_modules out of the initramfs
#   --build             run 'npm run build' in REPO first
#   --timeout SEC       kill QEMU after SEC seconds (default 1800)
#   --memory SIZE       guest memory (default 2G)
#   --smp N             guest CPUs (default 2)
#
# Exit status: the guest command's status; 1 if it passed but apu or vgem did
# not unload, GEM objects were left, or the kernel log has a warning; 2 for a
# lane failure (missing tool, no kernel, QEMU died or timed out).
#
# Environment: ACCEL_LANE_CACHE (cache dir), ACCEL_LANE_OFFLINE=1 (never use
# the network), ACCEL_LANE_KVER (pin a kernel ABI), ACCEL_LANE_REFRESH=1.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# A failure of the lane itself (set -e) exits 2, never 1: 1 is a test result.
cmdfile='' img='' final=0
cleanup() {
	local rc=$?
	rm -f "$cmdfile" "$img"
	[ "$final" = 1 ] || [ "$rc" -eq 0 ] || exit 2
	exit "$rc"
}
trap cleanup EXIT

repo=$(cd "$here/../.." && pwd)
params='' results='' project=1 build=0 timeout=1800 memory=2G smp=2
while [ $# -gt 0 ]; do
	case $1 in
	--params) params=$2; shift 2 ;;
	--repo) repo=$(cd "$2" && pwd); shift 2 ;;
	--results) results=$2; shift 2 ;;
	--no-project) project=0; shift ;;
	--build) build=1; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	--memory) memory=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	-h | --help) sed -n '/^# Usage/,/^# the network/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) lane_die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done


now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(now)

lane_check_tools

# The command, as a busybox sh script.
cmdfile=$(mktemp "${TMPDIR:-/tmp}/accel-lane-cmd.XXXXXX")
img=$(mktemp "${TMPDIR:-/tmp}/accel-lane-initramfs.XXXXXX")
if [ $# -eq 0 ] && [ "$project" = 0 ]; then
	# Without the project there is no runner: the module loads and its node is there.
	echo 'ls -l /dev/accel && test -c /dev/accel/accel0' >"$cmdfile"
elif [ $# -eq 0 ]; then
	echo 'node dist/harness/cli/main.js run --device accel:0 --allow-destructive --results-dir /results/module' >"$cmdfile"
elif [ $# -eq 1 ]; then
	printf '%s\n' "$1" >"$cmdfile"
else
	for a in "$@"; do
		printf "'%s' " "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")"
	done >"$cmdfile"
	echo >>"$cmdfile"
fi

if [ "$build" = 1 ]; then
	lane_log "npm run build"
	(cd "$repo" && npm run build >&2) || lane_die "npm run build failed"
fi
if [ "$project" = 1 ] && [ ! -d "$repo/dist" ]; then
	lane_log "note: $repo/dist does not exist (run 'npm run build' or pass --build); the guest gets node_modules only"
fi

t=$(now)
kdir=$("$here/fetch-kernel.sh" | tail -n 1)
t_fetch=$(since "$t")

t=$(now)
ko=$("$here/build-module.sh" "$kdir" "$repo" | tail -n 1)
t_build=$(since "$t")

t=$(now)
# The guest's own watchdog fires well before QEMU is killed, so the log says why.
guest_timeout=$((timeout > 120 ? timeout - 60 : timeout / 2))
mkargs=(--kernel "$kdir" --ko "$ko" --repo "$repo" --cmd-file "$cmdfile" --params "$params" --out "$img"
	--guest-timeout "$guest_timeout")
[ "$project" = 1 ] || mkargs+=(--no-project)
"$here/mkinitramfs.sh" "${mkargs[@]}"
t_initramfs=$(since "$t")
img_mb=$(du -m "$img" | cut -f1)

results=${results:-$repo/reports/kernel-lane}
results=$(lane_fresh_results "$results" .kernel-lane) ||
	lane_die "$results is not empty and not a kernel-lane results directory; pass --results"
console=$results/console.log

boot() {
	set +e
	timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
		-accel tcg -cpu max -m "$memory" -smp "$smp" \
		-display none -monitor none -serial stdio -no-reboot -nic none \
		-kernel "$kdir/vmlinuz" -initrd "$img" \
		-append "console=ttyS0 quiet loglevel=4 panic=-1 rdinit=/init" \
		-virtfs "local,path=$results,mount_tag=results,security_model=none,id=results" \
		</dev/null 2>&1 | tee "$console"
	qemu_rc=${PIPESTATUS[0]}
	set -e
}

lane_log "booting $(basename "$kdir") (initramfs ${img_mb} MB, params: ${params:-none})"
t=$(now)
boot
# A boot that died before /init ran is not a result: once more (lib.sh). A
# second early death, or any death after /init started, is reported as always.
if lane_died_before_init "$qemu_rc" "$console" "$results"; then boot; fi
t_guest=$(since "$t")

val() { # KEY -> last value printed by the guest
	tr -d '\r' <"$console" | sed -n "s/^ACCEL_LANE_$1=//p" | tail -n 1
}
guest_exit=$(val EXIT)
rmmod_rc=$(val RMMOD)
rmmod_vgem=$(val RMMOD_VGEM)
warnings=$(val KERNEL_WARNINGS)
objects=$(val GEM_OBJECTS)
done_mark=$(val DONE)

status=0
reason=
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	status=2 reason="QEMU timed out after ${timeout}s"
elif [ "$done_mark" != 1 ] || [ -z "$guest_exit" ]; then
	status=2 reason="the guest did not finish (QEMU exit $qemu_rc; kernel panic or crash?)"
elif [ -n "$(val WATCHDOG)" ]; then
	status=2 reason="guest watchdog: $(val WATCHDOG) (blocked tasks in $results/dmesg.txt)"
elif [ "$guest_exit" = 125 ]; then
	status=2 reason="guest setup failed: $(val ERROR)"
elif [ "$guest_exit" != 0 ]; then
	status=$guest_exit reason="the guest command failed"
fi
if [ "$status" = 0 ]; then
	if [ "$rmmod_rc" != 0 ]; then
		status=1 reason="rmmod apu failed after the run"
	elif [ "$rmmod_vgem" != 0 ]; then
		status=1 reason="rmmod vgem failed after the run (a vgem file or dma-buf is still referenced)"
	elif [ "$objects" != 0 ]; then
		status=1 reason="debugfs gem_objects is $objects after the run (leaked objects)"
	elif [ "$warnings" != 0 ]; then
		status=1 reason="$warnings warning line(s) in the guest kernel log ($results/dmesg.txt)"
	fi
fi
if [ "$status" != 0 ] && [ -f "$results/dmesg.txt" ]; then
	grep -nE 'WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|refcount_t:|corruption|blocked for more' "$results/dmesg.txt" >&2 || true
fi

{
	echo "kernel:        $(basename "$kdir")"
	echo "params:        ${params:-(defaults)}"
	echo "command:       $(tr '\n' ' ' <"$cmdfile")"
	echo "guest exit:    ${guest_exit:-none}"
	echo "rmmod apu:     ${rmmod_rc:-not reached}"
	echo "rmmod vgem:    ${rmmod_vgem:-not reached}"
	echo "gem_objects:   ${objects:-not reached}"
	echo "kernel warns:  ${warnings:-not reached}"
	echo "times (s):     fetch $t_fetch, module $t_build, initramfs $t_initramfs, qemu $t_guest, command $(val SECONDS), total $(since "$t0")"
	echo "initramfs:     ${img_mb} MB"
	echo "results:       $results"
	if [ "$status" = 0 ]; then echo "KERNEL LANE: PASS"; else echo "KERNEL LANE: FAIL ($reason)"; fi
} | tee "$results/summary.txt" >&2
final=1
exit "$status"

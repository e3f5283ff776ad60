#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The arm64 lane: boots Debian trixie-backports' 7.3 arm64 kernel under QEMU
# (virt machine, TCG) with a fake Ethos-U85 in the device tree (npu.dtsi) and
# runs a command against the unmodified ethosu driver once per register
# personality (guest/npu.sh), each an insmod/rmmod cycle. See
# docs/kernel-lane.md.
#
# Usage: harness/lane/arm64/run.sh [options] [--] [COMMAND]
#
#   COMMAND             busybox sh script run in each phase, in /opt/accel-conformance,
#                       with PHASE (= PERSONALITY) and OUT (/results/PHASE) set
#                       (default: node dist/harness/cli/main.js list --json >"$OUT/list.json")
#   --phases "P ..."    personalities, in order (default "silent completing")
#   --repo DIR          repository to take dist/ and node_modules from (default: this one)
#   --results DIR       host directory the guest writes /results to
#                       (default: REPO/reports/kernel-lane-arm64; emptied first)
#   --timeout SEC       kill QEMU after SEC seconds (default 900)
#   --memory MB         guest memory in MiB (default 1024)
#   --smp N             guest CPUs (default 2)
#
# Exit status: 0 when every phase set up, its command and both personality
# probes (before and after the command) exited 0, rmmod ethosu succeeded and
# its kernel log has no unexpected warning; 1 when one of those failed; 2 for
# a lane failure (missing tool, nothing to boot, QEMU died or timed out, guest
# setup failed). A warning is expected only when a test the shipped ethosu
# expectations list as failing captured that very record (OUT/run/results.json,
# phase-check.js warnings); the taint may then gain TAINT_WARN (512) and
# nothing else.
#
# Environment: ACCEL_LANE_CACHE, ACCEL_LANE_OFFLINE=1, ACCEL_LANE_MIRROR,
# ACCEL_LANE_ARM64_KVER, ACCEL_LANE_REFRESH=1 (harness/lane/arm64/fetch.sh).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

cmdfile='' img=''
final=0
cleanup() {
	local rc=$?
	rm -f "$cmdfile" "$img"
	[ "$final" = 1 ] || [ "$rc" -eq 0 ] || exit 2
	exit "$rc"
}
trap cleanup EXIT

repo=$(cd "$here/../../.." && pwd)
phases='silent completing' results='' timeout=900 memory=1024 smp=2
while [ $# -gt 0 ]; do
	case $1 in
	--phases) phases=$2; shift 2 ;;
	--repo) repo=$(cd "$2" && pwd); shift 2 ;;
	--results) results=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--memory) memory=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	-h | --help) sed -n '/^# Usage/,/^# ACCEL_LANE_ARM64_KVER/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) lane_die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
for p in $phases; do
	case $p in silent | completing) ;; *) lane_die "unknown personality '$p' (silent, completing)" ;; esac
done
case $memory in '' | *[!0-9]*) lane_die "--memory takes MiB, a number" ;; esac

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(now)

lane_missing=
lane_need qemu-system-aarch64 qemu-system-arm || true
lane_need dtc device-tree-compiler || true
lane_need cpio cpio || true
lane_need xz xz-utils || true
lane_need depmod kmod || true
lane_need modprobe kmod || true
lane_need dpkg-deb dpkg || true
lane_need apt-get apt || true
lane_need timeout coreutils || true
lane_need node nodejs || true
[ -z "$lane_missing" ] || lane_die "install the missing tools: apt-get install$lane_missing"

cmdfile=$(mktemp "${TMPDIR:-/tmp}/accel-lane-arm64-cmd.XXXXXX")
img=$(mktemp "${TMPDIR:-/tmp}/accel-lane-arm64-initramfs.XXXXXX")
if [ $# -eq 0 ]; then
	# shellcheck disable=SC2016
	echo 'node dist/harness/cli/main.js list --json >"$OUT/list.json"' >"$cmdfile"
else
	printf '%s\n' "$*" >"$cmdfile"
fi

t=$(now)
prep=$("$here/fetch.sh" "$repo" | tail -n 1)
t_fetch=$(since "$t")

results=${results:-$repo/reports/kernel-lane-arm64}
results=$(lane_fresh_results "$results" .kernel-lane) ||
	lane_die "$results is not empty and not a kernel-lane results directory; pass --results"
console=$results/console.log

# --- the machine and its device tree ---------------------------------------------
machine=(-machine virt -cpu max,pauth-impdef=on -m "${memory}M" -smp "$smp"
	-display none -monitor none -serial stdio -no-reboot -nic none
	-fsdev "local,id=results,path=$results,security_model=none"
	-device virtio-9p-pci,fsdev=results,mount_tag=results)
t=$(now)
# QEMU's own tree for exactly these options, plus the NPU: RAM starts at 1 GiB
# on virt, the NPU takes its last two 64 KiB.
qemu-system-aarch64 "${machine[@]}" -machine "dumpdtb=$results/virt.dtb" >/dev/null 2>"$results/dtb.log" ||
	lane_die "qemu-system-aarch64 could not dump its device tree (see $results/dtb.log)"
top=$((0x40000000 + memory * 1024 * 1024))
regs=$(printf '%x' $((top - 0x20000)))
sram=$(printf '%x' $((top - 0x10000)))
{
	dtc -q -I dtb -O dts "$results/virt.dtb"
	sed -e "s/@REGS@/$regs/g" -e "s/@SRAM@/$sram/g" "$here/npu.dtsi"
} >"$results/npu.dts"
dtc -q -I dts -O dtb -o "$results/npu.dtb" "$results/npu.dts" 2>"$results/dtb.log" ||
	lane_die "dtc could not compile $results/npu.dts (see $results/dtb.log)"

guest_timeout=$((timeout > 120 ? timeout - 60 : timeout / 2))
"$here/mkinitramfs.sh" --prepared "$prep" --repo "$repo" --cmd-file "$cmdfile" --out "$img" \
	--phases "$phases" --guest-timeout "$guest_timeout"
t_initramfs=$(since "$t")
img_mb=$(du -m "$img" | cut -f1)

lane_log "booting arm64 $(cat "$prep/kver") (initramfs ${img_mb} MB; phases: $phases)"
boot() {
	set +e
	timeout --foreground -k 10 "$timeout" qemu-system-aarch64 "${machine[@]}" \
		-dtb "$results/npu.dtb" -kernel "$prep/Image" -initrd "$img" \
		-append "console=ttyAMA0 quiet loglevel=4 panic=-1 rdinit=/init" \
		</dev/null 2>&1 | tee "$console"
	qemu_rc=${PIPESTATUS[0]}
	set -e
}
t=$(now)
boot
# A boot that died before /init ran is not a result: once more (lib.sh).
if lane_died_before_init "$qemu_rc" "$console" "$results"; then boot; fi
t_guest=$(since "$t")

val() { # KEY -> last value printed by the guest
	tr -d '\r' <"$console" | sed -n "s/^ACCEL_LANE_$1=//p" | tail -n 1
}
field() { # LINE KEY -> value of KEY=value in LINE
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

status=0 reason=
problems=()
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	status=2 reason="QEMU timed out after ${timeout}s"
elif [ "$(val DONE)" != 1 ]; then
	status=2 reason="the guest did not finish (QEMU exit $qemu_rc; kernel panic or crash?)"
elif [ -n "$(val WATCHDOG)" ]; then
	status=2 reason="guest watchdog: $(val WATCHDOG)"
elif [ "$(val EXIT)" = 125 ]; then
	status=2 reason="guest setup failed: $(val ERROR)"
fi

phase_lines=$(tr -d '\r' <"$console" | sed -n 's/^ACCEL_LANE_PHASE=//p')
for p in $phases; do
	line=$(printf '%s\n' "$phase_lines" | awk -v p="$p" '$1 == p' | tail -n 1)
	if [ -z "$line" ]; then
		problems+=("$p: the phase did not report")
		continue
	fi
	[ "$(field "$line" setup)" = ok ] || { problems+=("$p: setup failed ($(field "$line" setup))"); continue; }
	[ "$(field "$line" exit)" = 0 ] || problems+=("$p: the command exited $(field "$line" exit)")
	[ "$(field "$line" probe)" = ok ] || problems+=("$p: the personality probe failed (see $results/$p/probe.log)")
	[ "$(field "$line" probe_after)" = ok ] ||
		problems+=("$p: the personality probe after the command failed (see $results/$p/probe-after.log)")
	[ "$(field "$line" rmmod)" = 0 ] || problems+=("$p: rmmod ethosu failed after the phase")
	accepted=0
	if [ "$(field "$line" warnings)" != 0 ]; then
		# Warning lines an expected failing test captured are its own; any other fails the phase.
		verdict=$(node "$repo/dist/harness/lane/arm64/phase-check.js" warnings "$results/$p/dmesg.txt" "$results/$p/run/results.json" 2>&1) || true
		printf '%s\n' "$verdict" >"$results/$p/warnings.txt"
		accepted=$(printf '%s\n' "$verdict" | sed -n 's/^accepted=\([0-9]*\) unexpected=.*/\1/p')
		unexpected=$(printf '%s\n' "$verdict" | sed -n 's/^accepted=[0-9]* unexpected=\([0-9]*\)$/\1/p')
		[ "${unexpected:-x}" = 0 ] ||
			problems+=("$p: ${unexpected:-?} unexpected warning line(s) in the kernel log ($results/$p/dmesg.txt, $results/$p/warnings.txt)")
	fi
	taint=$(field "$line" taint)
	taint_before=${taint%-*} taint_after=${taint#*-}
	if [ "$taint_before" != "$taint_after" ]; then
		# An accepted WARN taints W (TAINT_WARN, 512); any other bit is unexpected.
		if [ "${accepted:-0}" -gt 0 ] && [ $((taint_before | 512)) = "$taint_after" ]; then
			echo "$p: taint $taint from the expected warning(s)" >>"$results/$p/warnings.txt"
		else
			problems+=("$p: the kernel became tainted ($taint)")
		fi
	fi
done
if [ "$status" = 0 ] && [ ${#problems[@]} -gt 0 ]; then
	status=1 reason="${problems[0]}"
fi

{
	echo "kernel:        $(cat "$prep/kver") (arm64)"
	echo "phases:        $phases"
	for p in $phases; do
		echo "  $p: $(printf '%s\n' "$phase_lines" | awk -v p="$p" '$1 == p { $1 = ""; print }' | tail -n 1)"
	done
	for pr in "${problems[@]}"; do echo "  PROBLEM $pr"; done
	echo "times (s):     fetch $t_fetch, dtb+initramfs $t_initramfs, qemu $t_guest, guest $(val SECONDS), total $(since "$t0")"
	echo "initramfs:     ${img_mb} MB"
	echo "results:       $results"
	if [ "$status" = 0 ]; then echo "ARM64 LANE: PASS"; else echo "ARM64 LANE: FAIL ($reason)"; fi
} | tee "$results/summary.txt" >&2
final=1
exit "$status"

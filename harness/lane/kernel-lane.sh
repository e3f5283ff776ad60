#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole kernel lane (npm run kernel-lane; docs/kernel-lane.md):
#
#   1. npm run build when dist/ is missing or older than a source file.
#   2. Boot 1, apu with default parameters (shared policy): list --json, the
#      full suite on accel:0, again with docs/examples/apu-driver-plugin.js
#      (copied out of the tree) as the adapter, the suite on vgem's primary
#      node (drm:cardN), and dmabuf@import-other-device across the module and vgem.
#   3. Boot 2, apu with exclusive=1 timeout_ms=200 (the MT8183 policy):
#      list --json and the full suite on accel:0, built-in and plugin.
#      The suite (with the module's own family, accel@apu@...) is all the
#      guest checks; both boots then run guest/stress.js (STRESS_SECONDS,
#      STRESS_WORKERS).
#      After each boot run.sh checks that apu and vgem unload, no GEM object
#      is left and the kernel log has no warning (oops, WARN, ...).
#   4. The suite on the host on sim:apu and sim:mt8183, and the differential
#      check: per test the module's status must equal the simulator's
#      (shared <-> sim:apu, exclusive <-> sim:mt8183); only a test skipped
#      on the kernel as "simulated kernel only" may differ. The plugin runs
#      must equal the built-in adapter's runs of the same boot, test for test.
#   5. arm64/lane.sh: Debian's arm64 kernel with its unmodified ethosu driver
#      on a fake Ethos-U85, in two register personalities (silent,
#      completing), accel@ethosu@unbind-pending-close (an expected failure,
#      its kernel warnings accepted only as that test's) and the differential
#      against sim:ethosu (docs/kernel-lane.md, "The arm64 lane: ethosu").
#   Each amd64 boot also runs the differential fuzz (harness/fuzz): FUZZ_PROGRAMS
#   seeded ioctl programs on the module and on sim:apu (boot 1) or sim:mt8183
#   (boot 2) in the guest; any difference fails the lane with the shrunk program.
#
# Usage: harness/lane/kernel-lane.sh [--results DIR] [--timeout SEC] [--fuzz N]
#   --results DIR   default REPO/reports/kernel-lane (emptied first)
#   --timeout SEC   QEMU time limit per boot (default 900)
#   --fuzz N        fuzz programs per boot (default FUZZ_PROGRAMS; 0: no fuzz)
#
# Exit status: 0 when every step and check passed; 1 when a check failed
# (differences, failing tests, leaks, warnings); 2 when the lane could not
# run (missing tool, no kernel and no archive, build failure, QEMU died).
# The environment of run.sh applies (ACCEL_LANE_CACHE, ACCEL_LANE_OFFLINE, ...).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)

# vgem must pass at least this many tests: all 24 DRM-core tests that apply to it pass on
# 6.12.95; the other 26 skip with a reason (accel-only rules, no jobs, no IOMMU).
VGEM_MIN_PASSES=24
# DRM-core rules that must pass on vgem, not merely skip.
VGEM_MUST_PASS=(
	accel@gem@basic-create-close accel@gem@handles-per-file accel@gem@mmap-outlives-close
	accel@dmabuf@basic-self-import accel@dmabuf@dmabuf-mmap accel@dmabuf@dmabuf-outlives-exporter
	accel@exclusive-open@dup-shares-context accel@exclusive-open@inherited-fd-shares-context
	accel@exclusive-open@passed-fd-shares-context
)

# guest/stress.js in each boot: bounded, a few seconds of every kind of job and close.
STRESS_SECONDS=10
STRESS_WORKERS=4

# The differential fuzz in each boot (docs/kernel-lane.md, "The differential fuzz"): the CI
# budget per boot, and the campaign seed (fixed, so a CI failure reproduces with the same command).
FUZZ_PROGRAMS=1000
FUZZ_SEED=1

results='' timeout=900
while [ $# -gt 0 ]; do
	case $1 in
	--results) results=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--fuzz)
		[[ ${2:-} =~ ^[0-9]+$ ]] || { printf '[kernel-lane] ERROR: --fuzz needs a number of programs, not %s\n' "${2:-nothing}" >&2; exit 2; }
		FUZZ_PROGRAMS=$2; shift 2 ;;
	-h | --help) sed -n '/^# Usage/,/^# The environment/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) printf '[kernel-lane] ERROR: unknown option %s (see --help)\n' "$1" >&2; exit 2 ;;
	esac
done

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(now)

failures=()
fail() { # REASON: a check failed; the lane goes on to report everything, then exits 1
	failures+=("$1")
	lane_log "FAIL: $1"
}
lane_abort() { # REASON: the lane cannot go on
	lane_log "ERROR: $1"
	echo "KERNEL LANE (all): ERROR ($1)" >&2
	exit 2
}

# --- 1. build -----------------------------------------------------------------
stamp=$repo/dist/harness/lane/check.js
stale=
if [ ! -f "$stamp" ] || [ ! -f "$repo/dist/harness/cli/main.js" ]; then
	stale="dist/ is missing"
else
	newer=$(cd "$repo" && find harness drivers tests -name '*.ts' ! -name '*.spec.ts' -newer "$stamp" -print -quit)
	[ -z "$newer" ] || stale="$newer is newer than dist/"
	for f in tsconfig.json tsconfig.build.json package.json; do
		[ -z "$stale" ] && [ "$repo/$f" -nt "$stamp" ] && stale="$f is newer than dist/"
	done
fi
if [ -n "$stale" ]; then
	lane_log "npm run build ($stale)"
	t=$(now)
	(cd "$repo" && npm run build --silent >&2) || lane_abort "npm run build failed"
	lane_log "built in $(since "$t") s"
fi
cli=(node "$repo/dist/harness/cli/main.js")
check=(node "$repo/dist/harness/lane/check.js")

results=${results:-$repo/reports/kernel-lane}
results=$(lane_fresh_results "$results" .kernel-lane) ||
	lane_abort "$results is not empty and not a kernel-lane results directory; pass --results"

# --- the differential fuzz: one guest step per boot, against the boot's model ($fuzz_against) ---
fuzz_step() {
	[ "$FUZZ_PROGRAMS" -gt 0 ] || return 0
	# shellcheck disable=SC2016
	printf '%s\n' 'fuzz_run() { $cli fuzz --device accel:0 --allow-destructive --against "$fuzz_against" --seed '"$FUZZ_SEED"' --programs '"$FUZZ_PROGRAMS"' --out /results/fuzz.json >/results/fuzz.txt; r=$?; cat /results/fuzz.txt; return $r; }' \
		'step fuzz fuzz_run'
}
fuzz_report() { # NAME: the shrunk programs of a failed fuzz step, on stderr
	local f=$results/$1/fuzz.txt
	[ -f "$f" ] && grep -q '^DIFFERENT' "$f" && sed -n '1,120p' "$f" >&2
	return 0
}

# --- 2./3. the guest ------------------------------------------------------------
# Each step's failure is remembered and the next steps still run, so one boot reports everything.
# The scripts are single-quoted on purpose: busybox sh expands them in the guest.
# shellcheck disable=SC2016
guest_common='set -u
rc=0
step() { name=$1; shift; echo "== lane step: $name"; "$@" || { echo "== lane step FAILED: $name (exit $?)"; rc=1; }; }
cli="node dist/harness/cli/main.js"
list_json() { $cli list --json >/results/list.json; }
step list list_json
step module $cli run --device accel:0 --allow-destructive --results-dir /results/module
# The APU adapter written as a driver plugin (docs/adapters.md), loaded from outside the source tree.
mkdir -p /tmp/driver-plugin && cp docs/examples/apu-driver-plugin.js /tmp/driver-plugin/
step plugin $cli run --device accel:0 --allow-destructive --driver-plugin /tmp/driver-plugin/apu-driver-plugin.js --results-dir /results/plugin
step stress node /lane/stress.js --seconds '"$STRESS_SECONDS"' --workers '"$STRESS_WORKERS"'
'"$(fuzz_step)"'
'
# shellcheck disable=SC2016
guest_shared="$guest_common"'
# vgem registers one primary node under its own device (vgem_drv.c: vgem_init): a platform
# device on 6.12, a faux device since 6.15 (ACCEL_LANE_KSERIES=7).
card=$(ls /sys/devices/platform/vgem/drm /sys/devices/faux/vgem/drm 2>/dev/null | grep "^card" | head -n 1)
if [ -z "$card" ]; then
	echo "== lane step FAILED: vgem has no primary node under /sys/devices/{platform,faux}/vgem/drm"; rc=1
else
	echo "$card" >/results/vgem-node
	step vgem $cli run --device "drm:$card" --allow-destructive --results-dir /results/vgem
	step cross $cli run --device "accel:0;drm:$card" --jobs 1 -t dmabuf@import-other-device --results-dir /results/cross
fi
exit $rc'
# shellcheck disable=SC2016
guest_exclusive="$guest_common"'
exit $rc'

boot() { # NAME PARAMS SCRIPT
	local name=$1 params=$2 script=$3 rc=0 t
	t=$(now)
	lane_log "boot '$name' (apu ${params:-default parameters})"
	"$here/run.sh" --results "$results/$name" --timeout "$timeout" --params "$params" -- "$script" || rc=$?
	times+=("boot $name $(since "$t") s")
	case $rc in
	0) ;;
	2)
		if [ -f "$results/$name/summary.txt" ]; then
			lane_abort "the $name boot: $(tail -n 1 "$results/$name/summary.txt") (see $results/$name/console.log)"
		fi
		lane_abort "the $name boot could not start (see the messages above)"
		;;
	*) fail "$name boot: $(tail -n 1 "$results/$name/summary.txt" 2>/dev/null || echo "exit $rc")" ;;
	esac
	while read -r l; do
		fail "$name: guest ${l#== lane step }"
	done < <(grep -h '^== lane step FAILED' "$results/$name/command.log" 2>/dev/null || true)
	fuzz_report "$name"
	if [ -f "$results/$name/list.json" ]; then
		"${check[@]}" list "$results/$name/list.json" apu platform >&2 || fail "$name: list --json does not show the apu platform device"
	else
		fail "$name: no list.json from the guest"
	fi
}
times=()
boot shared '' "fuzz_against=sim:apu
$guest_shared"
boot exclusive 'exclusive=1 timeout_ms=200' "fuzz_against=sim:mt8183
$guest_exclusive"

# --- 4. the simulators and the differential ------------------------------------
sim_run() { # SPEC DIR
	local t rc=0
	t=$(now)
	(cd "$repo" && "${cli[@]}" run --device "$1" --results-dir "$2" -q) >"$2.log" 2>&1 || rc=$?
	times+=("host $1 $(since "$t") s")
	[ "$rc" = 0 ] || { cat "$2.log" >&2; fail "the suite on $1 exited $rc (see $2.log)"; }
}
sim_run sim:apu "$results/sim-apu"
sim_run sim:mt8183 "$results/sim-mt8183"

differential() { # LABEL KERNEL_DIR SIM_DIR [WHAT_DIFFERS]
	if [ ! -f "$2/results.json" ] || [ ! -f "$3/results.json" ]; then
		fail "$1: no results to compare ($2/results.json, $3/results.json)"
		return
	fi
	"${check[@]}" differential "$1" "$2/results.json" "$3/results.json" | tee "$results/differential-$1.txt" >&2 ||
		fail "$1: ${4:-the kernel module and the simulator} differ (see $results/differential-$1.txt)"
}
differential 'shared (apu) vs sim:apu' "$results/shared/module" "$results/sim-apu"
differential 'exclusive (apu exclusive=1 timeout_ms=200) vs sim:mt8183' "$results/exclusive/module" "$results/sim-mt8183"
# The plugin example must give the built-in adapter's results, test for test.
differential 'shared plugin (apu-driver-plugin.js) vs built-in adapter' "$results/shared/plugin" "$results/shared/module" 'the plugin and the built-in adapter'
differential 'exclusive plugin (apu-driver-plugin.js) vs built-in adapter' "$results/exclusive/plugin" "$results/exclusive/module" 'the plugin and the built-in adapter'

# --- vgem and the cross-device import --------------------------------------------
card=$(cat "$results/shared/vgem-node" 2>/dev/null || true)
if [ -z "$card" ]; then
	fail "vgem: the guest found no vgem primary node"
else
	if [ -f "$results/shared/vgem/results.json" ]; then
		"${check[@]}" clean-run "vgem (drm:$card)" "$results/shared/vgem/results.json" "$VGEM_MIN_PASSES" "${VGEM_MUST_PASS[@]}" >&2 ||
			fail "vgem: failing results or too few passes"
	else
		fail "vgem: no results"
	fi
	cross=$results/shared/cross
	if [ -f "$cross/results-$card.json" ] && [ -f "$cross/results-accel0.json" ]; then
		"${check[@]}" clean-run "cross-device, exporter vgem" "$cross/results-$card.json" 1 accel@dmabuf@import-other-device >&2 ||
			fail "dmabuf@import-other-device from vgem into the module did not pass"
		"${check[@]}" clean-run "cross-device, exporter apu" "$cross/results-accel0.json" 0 >&2 ||
			fail "dmabuf@import-other-device on the module side failed"
	else
		fail "cross-device: no results in $cross"
	fi
fi

# --- 5. arm64: the unmodified ethosu driver on a fake NPU (arm64/lane.sh) ---------
t=$(now) arm64_rc=0
"$here/arm64/lane.sh" --results "$results/ethosu" --timeout "$timeout" || arm64_rc=$?
times+=("arm64 ethosu $(since "$t") s")
[ "$arm64_rc" = 0 ] || fail "ethosu (arm64): $(tail -n 1 "$results/ethosu/summary.txt" 2>/dev/null || echo "exit $arm64_rc") (see $results/ethosu/summary.txt)"

{
	echo "times: ${times[*]/%/;} total $(since "$t0") s"
	if [ ${#failures[@]} -eq 0 ]; then
		echo "KERNEL LANE (all): PASS (results in $results)"
	else
		echo "KERNEL LANE (all): FAIL, ${#failures[@]} problem(s):"
		printf '  - %s\n' "${failures[@]}"
	fi
} | tee "$results/summary.txt" >&2
[ "$arm64_rc" != 2 ] || exit 2
[ ${#failures[@]} -eq 0 ]

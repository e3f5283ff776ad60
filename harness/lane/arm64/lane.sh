#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The arm64 part of `npm run kernel-lane`: the unmodified ethosu driver of
# Debian's arm64 kernel on a fake Ethos-U85 (docs/kernel-lane.md, "arm64").
#
#   1. One boot (run.sh), two phases, one per register personality (silent,
#      completing): list --json and the full suite with --allow-destructive
#      on accel:0, judged by ethosu's shipped expectations
#      (drivers/ethosu/expectations/ethosu-fails.txt). run.sh requires of
#      each phase that the personality probe holds before and after the
#      suite, the suite exits 0 (no unexpected result), rmmod ethosu succeeds
#      and the kernel log has no warning but those an expected failing test
#      captured (accel@ethosu@unbind-pending-close in the silent phase: the
#      7.3 teardown bug, docs/upstream-bugs.md).
#   2. Per phase: list --json shows a device bound to ethosu on the platform
#      bus; the suite passes at least ETHOSU_MIN_PASSES tests, with no failing
#      result but the expected ones and no skip without a reason.
#   3. The differential step: per test, the status on the driver must equal
#      the status on sim:ethosu with the same personality (differential.ts,
#      as for the APU). Without a sim:ethosu model the step reports NOT
#      AVAILABLE; ETHOSU_DIFFERENTIAL_REQUIRED=1 turns that into a failure.
#
# Usage: harness/lane/arm64/lane.sh [--results DIR] [--timeout SEC]
#   --results DIR   default REPO/reports/kernel-lane-arm64 (emptied first)
#   --timeout SEC   QEMU time limit of the boot (default 900)
#
# Exit status: 0 when every check passed; 1 when a check failed; 2 when the
# lane could not run (missing tool, nothing cached and no archive, QEMU died).
# The environment of run.sh applies (ACCEL_LANE_CACHE, ACCEL_LANE_OFFLINE, ...).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
repo=$(cd "$here/../../.." && pwd)

PERSONALITIES='silent completing'
# A floor under the tests that pass on ethosu with its adapter (sim:ethosu: 38
# silent, 37 completing); the differential holds each status to the model's.
# Fewer means the suite silently stopped running them.
ETHOSU_MIN_PASSES=30
# sim:ethosu exists: a missing model fails the lane.
ETHOSU_DIFFERENTIAL_REQUIRED=${ETHOSU_DIFFERENTIAL_REQUIRED:-1}
# The simulated driver of a personality (the model's device parameters).
sim_spec() { echo "sim:ethosu?npu=$1"; }

results='' timeout=900
while [ $# -gt 0 ]; do
	case $1 in
	--results) results=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	-h | --help) sed -n '/^# Usage/,/^# The environment/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) printf '[kernel-lane] ERROR: unknown option %s (see --help)\n' "$1" >&2; exit 2 ;;
	esac
done

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(now)
failures=()
notes=()
fail() {
	failures+=("$1")
	lane_log "FAIL (arm64): $1"
}

cli=(node "$repo/dist/harness/cli/main.js")
check=(node "$repo/dist/harness/lane/check.js")
phase_check=(node "$repo/dist/harness/lane/arm64/phase-check.js")
[ -f "$repo/dist/harness/cli/main.js" ] || lane_die "$repo/dist is not built: run 'npm run build' (npm run kernel-lane does)"
results=${results:-$repo/reports/kernel-lane-arm64}
results=$(lane_fresh_results "$results" .kernel-lane) ||
	lane_die "$results is not empty and not a kernel-lane results directory; pass --results"

# --- 1. the boot ------------------------------------------------------------------
# shellcheck disable=SC2016
guest_cmd='rc=0
cli="node dist/harness/cli/main.js"
$cli list --json >"$OUT/list.json" || { echo "== list --json exited $?"; rc=1; }
# The ethosu adapter is told when the NPU completes nothing (drivers/ethosu/adapter.ts).
ACCEL_ETHOSU_NPU=$PERSONALITY $cli run --device accel:0 --allow-destructive --results-dir "$OUT/run" || { echo "== the suite exited $?"; rc=1; }
exit $rc'
t=$(now)
rc=0
"$here/run.sh" --results "$results/boot" --timeout "$timeout" --phases "$PERSONALITIES" -- "$guest_cmd" || rc=$?
t_boot=$(since "$t")
if [ "$rc" = 2 ]; then
	lane_log "ERROR: the arm64 boot could not run: $(tail -n 1 "$results/boot/summary.txt" 2>/dev/null || echo 'see the messages above')"
	echo "ARM64 LANE (ethosu): ERROR (the boot could not run; see $results/boot)" | tee "$results/summary.txt" >&2
	exit 2
fi
[ "$rc" = 0 ] || fail "boot: $(tail -n 1 "$results/boot/summary.txt")"

# --- 2. per phase ---------------------------------------------------------------------
for p in $PERSONALITIES; do
	d=$results/boot/$p
	if [ -f "$d/list.json" ]; then
		"${check[@]}" list "$d/list.json" ethosu platform >&2 || fail "$p: list --json does not show the ethosu platform device"
	else
		fail "$p: no list.json from the guest"
	fi
	if [ ! -f "$d/run/results.json" ]; then
		fail "$p: no results from the suite"
	else
		"${phase_check[@]}" results "ethosu $p" "$d/run/results.json" "$ETHOSU_MIN_PASSES" >&2 ||
			fail "$p: unexpected failing results, skips without a reason or fewer than $ETHOSU_MIN_PASSES passes"
	fi
	[ ! -f "$results/boot/$p/warnings.txt" ] ||
		notes+=("$p: kernel log warnings of expected failing tests: $(head -n 1 "$results/boot/$p/warnings.txt") (see $results/boot/$p/warnings.txt)")
done

# --- 3. the differential step -------------------------------------------------------------
# The suite on sim:ethosu is the step itself; the CLI's "unknown driver 'ethosu'"
# (exit 2, before anything ran) is how a missing model shows.
differential_status=done
t=$(now)
for p in $PERSONALITIES; do
	spec=$(sim_spec "$p")
	src=0
	(cd "$repo" && ACCEL_ETHOSU_NPU=$p "${cli[@]}" run --device "$spec" --allow-destructive --results-dir "$results/sim-$p" -q) \
		>"$results/sim-$p.log" 2>&1 || src=$?
	if [ "$src" = 2 ] && grep -q "unknown driver 'ethosu'" "$results/sim-$p.log"; then
		why=$(grep -m1 "unknown driver 'ethosu'" "$results/sim-$p.log" | sed 's/^accel-conformance: error: //')
		differential_status="NOT AVAILABLE ($why)"
		[ "$ETHOSU_DIFFERENTIAL_REQUIRED" = 1 ] && fail "differential: no sim:ethosu model ($why)"
		break
	fi
	[ "$src" = 0 ] || { cat "$results/sim-$p.log" >&2; fail "the suite on $spec exited $src (see $results/sim-$p.log)"; }
	k=$results/boot/$p/run/results.json s=$results/sim-$p/results.json
	if [ ! -f "$k" ] || [ ! -f "$s" ]; then
		fail "differential $p: no results to compare ($k, $s)"
		continue
	fi
	"${check[@]}" differential "ethosu $p vs $spec" "$k" "$s" | tee "$results/differential-$p.txt" >&2 ||
		fail "differential $p: the driver and $spec differ (see $results/differential-$p.txt)"
done
t_diff=$(since "$t")

{
	echo "arm64 times: boot $t_boot s; differential $t_diff s; total $(since "$t0") s"
	sed -n 's/^times (s): */arm64 boot times (s): /p' "$results/boot/summary.txt" 2>/dev/null || true
	echo "differential (ethosu vs sim:ethosu): $differential_status"
	[ "$differential_status" = done ] || [ "$ETHOSU_DIFFERENTIAL_REQUIRED" = 1 ] ||
		echo "  (a missing model does not fail the lane: set ETHOSU_DIFFERENTIAL_REQUIRED=1 in harness/lane/arm64/lane.sh once sim:ethosu exists)"
	for n in "${notes[@]}"; do echo "note: $n"; done
	if [ ${#failures[@]} -eq 0 ]; then
		echo "ARM64 LANE (ethosu): PASS$([ "$differential_status" = done ] || echo ', WITHOUT the differential') (results in $results)"
	else
		echo "ARM64 LANE (ethosu): FAIL, ${#failures[@]} problem(s):"
		printf '  - %s\n' "${failures[@]}"
	fi
} | tee "$results/summary.txt" >&2
[ ${#failures[@]} -eq 0 ]

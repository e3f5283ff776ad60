#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the conformance suite twice with the same module parameters: inside the
# kernel-lane guest against the real apu module, and on the host against the
# simulated driver (sim:apu), then compares the two result directories with
# 'accel-conformance compare'. See docs/kernel-lane.md.
#
# Usage: harness/lane/compare.sh [options] [-- RUN_ARGS...]
#
#   --params "K=V ..."  apu module parameters, also given to sim:apu
#                       (e.g. "exclusive=1 timeout_ms=200")
#   --repo DIR          repository (default: the one this script is in);
#                       its dist/ must be built ('npm run build', or --build)
#   --results DIR       where kernel/, sim/, compare.txt go
#                       (default: REPO/reports/kernel-lane-compare; emptied first)
#   --build             run 'npm run build' first
#   --timeout SEC       QEMU time limit (default 3000)
#   RUN_ARGS            more 'accel-conformance run' options for both runs,
#                       e.g. -t 'sched@*'
#
# Exit status: 0 when both runs had no unexpected result and compare found no
# regression of the kernel against the simulator; 1 otherwise; 2 when the lane
# itself failed.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# A failure of the lane or of this script (set -e, lane_die) exits 2.
final=0
on_exit() {
	local rc=$?
	[ "$final" = 1 ] || [ "$rc" -eq 0 ] || exit 2
}
trap on_exit EXIT

repo=$(cd "$here/../.." && pwd)
params='' results='' build=0 timeout=3000
while [ $# -gt 0 ]; do
	case $1 in
	--params) params=$2; shift 2 ;;
	--repo) repo=$(cd "$2" && pwd); shift 2 ;;
	--results) results=$2; shift 2 ;;
	--build) build=1; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	-h | --help) sed -n '/^# Usage/,/^# itself failed/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	*) lane_die "unknown option $1 (see --help)" ;;
	esac
done

if [ "$build" = 1 ]; then
	(cd "$repo" && npm run build >&2) || lane_die "npm run build failed"
fi
cli=$repo/dist/harness/cli/main.js
[ -f "$cli" ] || lane_die "$cli does not exist: run 'npm run build' first (or pass --build)"

results=${results:-$repo/reports/kernel-lane-compare}
results=$(lane_fresh_results "$results" .kernel-lane-compare) ||
	lane_die "$results is not empty and not a compare results directory; pass --results"

# Shell-quoted extra run arguments, for the guest's command line.
extra=
for a in "$@"; do
	extra="$extra '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
done

# 1. The real module in the guest.
set +e
"$here/run.sh" --repo "$repo" --results "$results/kernel" --timeout "$timeout" --params "$params" -- \
	"node dist/harness/cli/main.js run --device accel:0 --allow-destructive --results-dir /results/run$extra"
lane_rc=$?
set -e
if [ "$lane_rc" = 2 ] || [ ! -f "$results/kernel/run/results.json" ]; then
	lane_die "the kernel lane did not produce results (exit $lane_rc)"
fi

# 2. The simulator on the host, same parameters (sim:apu?k=v&k=v).
spec=sim:apu
[ -z "$params" ] || spec="sim:apu?$(echo "$params" | xargs | tr ' ' '&')"
lane_log "running the suite on $spec"
set +e
(cd "$repo" && node "$cli" run --device "$spec" --results-dir "$results/sim" -q "$@") >"$results/sim.log" 2>&1
sim_rc=$?
set -e
cat "$results/sim.log" >&2

# 3. What differs: sim is "before", the kernel "after".
set +e
node "$cli" compare "$results/sim" "$results/kernel/run" | tee "$results/compare.txt" >&2
cmp_rc=${PIPESTATUS[0]}
set -e

lane_log "kernel lane exit $lane_rc, simulator run exit $sim_rc, compare exit $cmp_rc; results in $results"
if [ "$lane_rc" = 0 ] && [ "$sim_rc" = 0 ] && [ "$cmp_rc" = 0 ]; then
	echo "KERNEL VS SIMULATOR: SAME VERDICTS (differences listed in $results/compare.txt)" >&2
	final=1
	exit 0
fi
echo "KERNEL VS SIMULATOR: FAIL" >&2
final=1
exit 1

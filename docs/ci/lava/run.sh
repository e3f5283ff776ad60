#!/bin/sh
# The LAVA test shell's step (docs/ci/lava/accel-conformance.yaml): runs the
# suite with the definition's parameters (SHARD, DEVICE, XFAILS, ARGS, all
# optional), reports one LAVA test case per test through lava-test-case, and
# one case `accel-conformance` for the run as a whole (its exit code).
# ACCEL_CLI overrides how the suite is called (default: the compiled CLI).
set -u
cli=${ACCEL_CLI:-node dist/harness/cli/main.js}
results=${RESULTS_DIR:-results/lava}
set -- run --results-dir "$results"
if [ -n "${SHARD:-}" ]; then set -- "$@" --shard "$SHARD"; fi
if [ -n "${DEVICE:-}" ]; then set -- "$@" --device "$DEVICE"; fi
for kind in fails flakes skips; do
	f="${XFAILS:-}-$kind.txt"
	[ -n "${XFAILS:-}" ] && [ -f "$f" ] || continue
	case $kind in
	fails) set -- "$@" --expectations "$f" ;;
	*) set -- "$@" --"$kind" "$f" ;;
	esac
done
# shellcheck disable=SC2086 # ARGS and the CLI are word lists on purpose.
$cli "$@" ${ARGS:-}
rc=$?
# Results were written whatever the exit code (docs/runner.md): report them.
if [ -f "$results/results.json" ]; then
	node "$(dirname "$0")/lava-cases.mjs" "$results/results.json" | while read -r name result; do
		lava-test-case "$name" --result "$result"
	done
fi
if [ "$rc" -eq 0 ]; then lava-test-case accel-conformance --result pass; else lava-test-case accel-conformance --result fail --measurement "$rc" --units exit-code; fi
exit 0

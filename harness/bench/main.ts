/**
 * `npm run bench`: prints the project's performance figures and their ratio
 * to the targets the issues set. Figures, not pass/fail: nothing in
 * `npm test` is timed, because a loaded CI machine would make such tests lie.
 */
import { benchSimulator } from '../../drivers/sim/bench';
import { BUNDLED_MODEL_NAMES } from '../../drivers/sim/machine';
import { benchRunner } from '../runner/bench';
import { benchNativeIoctl } from '../sys/native/bench';

const US = 1_000;
const MS = 1_000_000;

/** Targets from the bundled-drivers issue, on a 2-core machine. */
const SIM_TARGET_NS: Readonly<Record<string, number>> = {
  hang: 10 * MS,
};
const SIM_OP_TARGET_NS = 5 * US;

function row(name: string, value: string, ratio?: string): void {
  process.stdout.write(`  ${name.padEnd(48)} ${value.padStart(14)}${ratio ? `   ${ratio}` : ''}\n`);
}

function formatNs(ns: number): string {
  if (ns >= MS) return `${(ns / MS).toFixed(2)} ms`;
  if (ns >= US) return `${(ns / US).toFixed(2)} us`;
  return `${ns.toFixed(0)} ns`;
}

async function main(): Promise<void> {
  process.stdout.write('simulator (per operation, wall clock)\n');
  for (const r of benchSimulator()) {
    const target = /hang/i.test(r.name) ? (SIM_TARGET_NS.hang as number) : SIM_OP_TARGET_NS;
    row(r.name, formatNs(r.nsPerOp), `${(r.nsPerOp / target).toFixed(2)} x target ${formatNs(target)}`);
  }

  process.stdout.write('\nnative backend (ioctl on /dev/null, ENOTTY)\n');
  const n = benchNativeIoctl(100_000);
  row('koffi binding, errno read', formatNs(n.rawNsPerCall));
  row('Sys.ioctl, SysError thrown', formatNs(n.nsPerCall), `${(n.nsPerCall / n.rawNsPerCall).toFixed(1)} x binding`);

  process.stdout.write('\nrunner (full suite on sim:apu and sim:mt8183)\n');
  const r = await benchRunner({ print: false });
  row('tests run', String(r.tests));
  row('wall time', `${r.wallMs.toFixed(0)} ms`);
  row('time inside tests', `${r.insideTestsMs.toFixed(0)} ms`);
  row('harness overhead per test', `${r.overheadPerTestMs.toFixed(2)} ms`);
  row('steady-state overhead per test', `${r.steadyOverheadPerTestMs.toFixed(2)} ms`);

  // One run per model: what a user of that driver waits for, start-up and reports included.
  process.stdout.write('\nrunner wall time, full suite, one run per bundled model\n');
  for (const model of BUNDLED_MODEL_NAMES) {
    const m = await benchRunner({ print: false, device: `sim:${model}` });
    row(`sim:${model}`, `${m.wallMs.toFixed(0)} ms`, `${m.tests} tests, ${m.insideTestsMs.toFixed(0)} ms inside tests`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

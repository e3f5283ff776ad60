/**
 * Prints the fuzz's defect coverage table (./coverage.ts): for every defect
 * of the catalogue (drivers/sim/defects.ts), on each bundled APU model, the
 * number of programs of the CI budget's campaign (kernel-lane.sh FUZZ_SEED,
 * FUZZ_PROGRAMS) the fuzz needed to see it, or "-" when it did not; then the
 * campaign's device time and HANG count on the healthy models.
 *
 *   npx ts-node --transpile-only harness/fuzz/coverage-main.ts [--seed S] [--programs N] [--model sim:apu] [DEFECT...]
 */
import { DEFECTS } from '../../drivers/sim/defects';
import { campaignCost, measureDefect } from './coverage';

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return v;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seed = Number(arg(argv, 'seed') ?? 1);
  const programs = Number(arg(argv, 'programs') ?? 1000);
  const model = arg(argv, 'model');
  const models = model ? [model] : ['sim:apu', 'sim:mt8183'];
  if (!Number.isInteger(seed) || !Number.isInteger(programs) || programs < 1) {
    process.stderr.write('coverage-main: --seed and --programs take integers\n');
    process.exitCode = 2;
    return;
  }
  const names = argv.length > 0 ? argv : Object.keys(DEFECTS);
  const unknown = names.filter((n) => !(n in DEFECTS));
  if (unknown.length > 0) {
    process.stderr.write(`coverage-main: unknown defect ${unknown.join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  process.stdout.write(`seed ${seed}, ${programs} programs; programs needed to detect (- : not detected)\n`);
  process.stdout.write(`${'defect'.padEnd(32)} layer   ${models.map((m) => m.padStart(10)).join(' ')}\n`);
  for (const name of names) {
    const cells: string[] = [];
    for (const m of models) {
      const c = await measureDefect(m, name, { seed, programs });
      cells.push((c.error && c.firstDifference === null ? 'n/a' : c.firstDifference === null ? '-' : String(c.firstDifference + 1)).padStart(10));
    }
    process.stdout.write(`${name.padEnd(32)} ${DEFECTS[name as keyof typeof DEFECTS].layer.padEnd(7)} ${cells.join(' ')}\n`);
  }
  for (const m of models) {
    const cost = await campaignCost(m, { seed, programs });
    process.stdout.write(`${m}: ${cost.hangs} HANG jobs generated, ${cost.seconds.toFixed(1)} s of device time for ${programs} programs\n`);
  }
}

void main();

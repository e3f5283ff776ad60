/**
 * A fuzz campaign: programs 0..N-1 of a seed run on the device under test
 * and on the simulator it is compared against; every program whose records
 * differ is kept, and the first few are shrunk to the shortest program that
 * still differs.
 */
import { type Difference, firstDifference } from './compare';
import { Executor, type FuzzDevice } from './execute';
import { type GenerateOptions, generateProgram } from './generate';
import { Prng } from './prng';
import type { Program } from './program';
import type { OpRecord } from './record';
import { shrink } from './shrink';

export interface CampaignOptions extends GenerateOptions {
  readonly seed: number;
  readonly programs: number;
  /** How many differing programs are shrunk (each costs up to `maxTrials` runs on both sides); default 3. */
  readonly shrinkFirst?: number;
  readonly maxTrials?: number;
  /** Called after each program (progress output). */
  readonly onProgram?: (index: number, differs: boolean) => void;
}

export interface Finding {
  /** Index of the program in the campaign, and its own seed. */
  readonly index: number;
  readonly seed: number;
  readonly opsBefore: number;
  /** The shrunk program (the original when not shrunk), with both sides' records of it. */
  readonly program: Program;
  readonly device: readonly OpRecord[];
  readonly against: readonly OpRecord[];
  readonly difference: Difference;
  readonly shrunk: boolean;
  readonly trials: number;
}

export interface CampaignResult {
  readonly programs: number;
  readonly ops: number;
  readonly differing: number;
  readonly findings: readonly Finding[];
  readonly seconds: number;
}

/** Runs `program` on both sides; the records and their first difference. */
export async function runBoth(
  device: Executor,
  against: Executor,
  program: Program,
): Promise<{ device: OpRecord[]; against: OpRecord[]; difference: Difference | null }> {
  const d = await device.run(program);
  const s = await against.run(program);
  return { device: d, against: s, difference: firstDifference(d, s) };
}

export async function runCampaign(dev: FuzzDevice, sim: FuzzDevice, options: CampaignOptions): Promise<CampaignResult> {
  const started = Date.now();
  const device = new Executor(dev);
  const against = new Executor(sim);
  const findings: Finding[] = [];
  let ops = 0;
  let differing = 0;
  try {
    for (let i = 0; i < options.programs; i++) {
      const seed = Prng.forProgram(options.seed, i);
      const program = generateProgram(seed, options);
      ops += program.ops.length;
      const r = await runBoth(device, against, program);
      options.onProgram?.(i, r.difference !== null);
      if (!r.difference) continue;
      differing++;
      if (findings.length >= (options.shrinkFirst ?? 3)) continue;
      const s = await shrink(program, async (c) => (await runBoth(device, against, c)).difference !== null, options.maxTrials);
      const last = await runBoth(device, against, s.program);
      // A difference that does not come back on the shrunk program is reported as first seen.
      const keep = last.difference ? { program: s.program, ...last, difference: last.difference } : { program, ...r, difference: r.difference };
      findings.push({
        index: i,
        seed,
        opsBefore: program.ops.length,
        program: keep.program,
        device: keep.device,
        against: keep.against,
        difference: keep.difference,
        shrunk: last.difference !== null,
        trials: s.trials,
      });
    }
  } finally {
    await device.dispose();
    await against.dispose();
  }
  return { programs: options.programs, ops, differing, findings, seconds: (Date.now() - started) / 1000 };
}

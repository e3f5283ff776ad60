/**
 * Defect coverage of the differential fuzz: for a catalogue defect, the
 * first program of a campaign on which `MODEL?defect=NAME` and the healthy
 * `MODEL` differ, or null when none of the budget's programs shows it. The
 * same generator and executor as a campaign, stopped at the first
 * difference and never shrinking, so a whole catalogue is measured in
 * minutes of simulated (virtual) time.
 */
import { openSession } from '../session';
import { runBoth } from './campaign';
import { Executor, type FuzzDevice } from './execute';
import { type GenerateOptions, generateProgram } from './generate';
import { Prng } from './prng';

export interface CoverageOptions extends GenerateOptions {
  readonly seed: number;
  /** The budget: programs 0..programs-1 of the seed. */
  readonly programs: number;
}

export interface DefectCoverage {
  readonly model: string;
  readonly defect: string;
  /** Index of the first differing program (so index + 1 programs were needed), or null: not detected. */
  readonly firstDifference: number | null;
  /** Why the defect could not be measured (its device failed to come up), when it could not. */
  readonly error?: string;
}

export async function simFuzzDevice(spec: string): Promise<FuzzDevice> {
  const s = await openSession({ device: spec, env: {} });
  const d = s.devices[0];
  if (!d) throw new Error(`${spec}: no device`);
  return { sys: d.sys, devnode: d.info.devnode };
}

/** Whether, and after how many programs, the fuzz tells `model?defect=defect` from `model`. */
export async function measureDefect(model: string, defect: string, options: CoverageOptions): Promise<DefectCoverage> {
  let device: Executor;
  let against: Executor;
  try {
    device = new Executor(await simFuzzDevice(`${model}?defect=${defect}`));
    against = new Executor(await simFuzzDevice(model));
  } catch (e) {
    return { model, defect, firstDifference: null, error: e instanceof Error ? e.message : String(e) };
  }
  try {
    for (let i = 0; i < options.programs; i++) {
      const program = generateProgram(Prng.forProgram(options.seed, i), options);
      try {
        if ((await runBoth(device, against, program)).difference) return { model, defect, firstDifference: i };
      } catch (e) {
        // A side that throws (not an errno: the executor records those) is a difference the campaign would abort on.
        return { model, defect, firstDifference: i, error: e instanceof Error ? e.message : String(e) };
      }
    }
    return { model, defect, firstDifference: null };
  } finally {
    await device.dispose();
    await against.dispose();
  }
}

/** What a campaign costs in device time: virtual seconds the healthy model spent, and HANG jobs generated. */
export async function campaignCost(model: string, options: CoverageOptions): Promise<{ seconds: number; hangs: number }> {
  const dev = await simFuzzDevice(model);
  const ex = new Executor(dev);
  const start = dev.sys.monotonicNs();
  let hangs = 0;
  try {
    for (let i = 0; i < options.programs; i++) {
      const program = generateProgram(Prng.forProgram(options.seed, i), options);
      hangs += program.ops.filter((o) => o.op === 'queue' && o.cmd.kind === 'hang').length;
      await ex.run(program);
    }
  } finally {
    await ex.dispose();
  }
  return { seconds: Number(dev.sys.monotonicNs() - start) / 1e9, hangs };
}

/**
 * The shrinker: delta debugging (Zeller's ddmin) over a program's ops. A
 * candidate drops a chunk of ops together with every op that depends on them
 * (program.ts withoutOps), so each candidate is well-formed; it is kept when
 * it still shows a difference. Ends 1-minimal: no single op can go.
 */
import { type Program, withoutOps } from './program';

/** Whether a candidate still shows a difference (runs it on both sides). */
export type StillFails = (candidate: Program) => Promise<boolean>;

export interface ShrinkResult {
  readonly program: Program;
  /** Candidates tried (each one a run on both sides). */
  readonly trials: number;
}

export async function shrink(program: Program, stillFails: StillFails, maxTrials = 400): Promise<ShrinkResult> {
  let best = program;
  let trials = 0;
  let chunks = 2;
  while (best.ops.length > 1 && trials < maxTrials) {
    const ids = best.ops.map((o) => o.id);
    const size = Math.ceil(ids.length / chunks);
    let reduced = false;
    for (let start = 0; start < ids.length && trials < maxTrials; start += size) {
      const candidate = withoutOps(best, new Set(ids.slice(start, start + size)));
      if (candidate.ops.length === best.ops.length || candidate.ops.length === 0) continue;
      trials++;
      if (await stillFails(candidate)) {
        best = candidate;
        chunks = Math.max(chunks - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (size <= 1) break;
      chunks = Math.min(chunks * 2, best.ops.length);
    }
  }
  return { program: best, trials };
}

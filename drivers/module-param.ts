/**
 * A driver's module parameters, read back from /sys/module/<module>/parameters
 * through the Sys file view, so a profile tells what the running driver does,
 * simulated or real.
 */
import type { Sys } from '../harness/sys/types';

/** Reads one integer module parameter; null when absent or unreadable. */
export function readModuleParam(sys: Sys, module: string, param: string): number | null {
  const path = `/sys/module/${module}/parameters/${param}`;
  try {
    if (!sys.fs.exists(path)) return null;
    const text = sys.fs.readFile(path).toString('utf8').trim();
    // bool parameters print Y/N (kernel/params.c param_get_bool).
    if (text === 'Y') return 1;
    if (text === 'N') return 0;
    const n = Number.parseInt(text, 10);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

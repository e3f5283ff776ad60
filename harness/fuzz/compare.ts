/**
 * The comparer: two sides' records of one program must be equal op by op,
 * field by field (free values are already renamed, ./record.ts). Reports the
 * first op that differs.
 */
import type { OpRecord } from './record';

export interface Difference {
  /** Index in the program's op list. */
  readonly index: number;
  readonly device: OpRecord | undefined;
  readonly against: OpRecord | undefined;
}

const canonical = (r: OpRecord | undefined): string =>
  r === undefined
    ? 'none'
    : JSON.stringify({ id: r.id, op: r.op, result: r.result, out: r.out ?? {}, data: r.data ?? null }, (_k, v: unknown) =>
        v && typeof v === 'object' && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
          : v,
      );

/** The first op whose records differ, or null when the two sides agree on everything. */
export function firstDifference(device: readonly OpRecord[], against: readonly OpRecord[]): Difference | null {
  const n = Math.max(device.length, against.length);
  for (let i = 0; i < n; i++) {
    if (canonical(device[i]) !== canonical(against[i])) return { index: i, device: device[i], against: against[i] };
  }
  return null;
}

/** One line of a record, as the report prints it. */
export function formatRecord(r: OpRecord | undefined): string {
  if (!r) return '(no record)';
  const out = r.out && Object.keys(r.out).length > 0 ? ` ${Object.entries(r.out).map(([k, v]) => `${k}=${v}`).join(' ')}` : '';
  const data = r.data !== undefined ? ` data=[${r.data}]` : '';
  return `${r.result}${out}${data}`;
}

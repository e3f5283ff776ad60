/**
 * The modelled PDIs: what sim:amdxdna's firmware accepts in place of the
 * device-specific PDI images (from an xclbin) a real NPU runs. A real PDI is
 * an AIE array configuration the model cannot execute, so the model knows
 * two marked images, each a CU whose behaviour it can state: one that
 * completes every command started on it, one that never does. Any other
 * image configures fine and every command on it ends with an error status.
 * The adapter loads these on a simulated machine when no real PDI is given
 * (drivers/amdxdna/adapter.ts).
 */
export type PdiKind = 'nop' | 'hang' | 'unknown';

const MARK = 'accel-conformance modelled PDI: ';

export const MODELLED_NOP_PDI = Buffer.from(`${MARK}nop\n`);
export const MODELLED_HANG_PDI = Buffer.from(`${MARK}hang\n`);

export function classifyPdi(bytes: Buffer): PdiKind {
  if (bytes.subarray(0, MODELLED_NOP_PDI.length).equals(MODELLED_NOP_PDI)) return 'nop';
  if (bytes.subarray(0, MODELLED_HANG_PDI.length).equals(MODELLED_HANG_PDI)) return 'hang';
  return 'unknown';
}

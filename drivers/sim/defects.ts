/**
 * The defect catalogue of the bundled simulated drivers, selected as
 * `sim:apu?defect=NAME[,NAME...]`. Each breaks exactly one rule the suite
 * checks; tests/proofs.ts names the subtests that must fail for each one.
 *
 * A defect is a small module: its rule, and an `install` that changes the
 * device through the same public hooks a plugin uses (docs/plugins.md).
 * `layer` says whose hooks: 'core' defects (./kernel/drm/defects.ts) install
 * hooks of the simulated DRM core, which registerDrmDriver applies to any
 * driver's device that names them; 'driver' defects (../apu/sim/defects.ts)
 * replace ops of the APU driver and hooks of its scheduler.
 */
import { APU_DEFECTS } from '../apu/sim/defects';
import { CORE_DEFECTS } from './kernel/drm/defects';

/** What the catalogue and a model's own defect list say about a defect. */
export interface DefectInfo {
  readonly layer: 'core' | 'driver';
  readonly rule: string;
}

export const DEFECTS = { ...CORE_DEFECTS, ...APU_DEFECTS } as const;

export type DefectName = keyof typeof DEFECTS;

export function isDefectName(name: string): name is DefectName {
  return Object.prototype.hasOwnProperty.call(DEFECTS, name);
}

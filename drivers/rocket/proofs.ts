/**
 * Proof that every test running on sim:rocket can fail there: the core's
 * defects for the generic families (they live in the simulated DRM core,
 * which rocket uses as every driver does), the model's own defects for the
 * rest and for the accel@rocket family.
 */
import type { DefectProof } from '../driver-module';
import { coreDefectProofs } from '../sim/core-proofs';

const p = (defect: string, ...mustFail: string[]): DefectProof => ({ defect, sim: 'rocket', mustFail });

export const ROCKET_PROOFS: readonly DefectProof[] = [
  ...coreDefectProofs('rocket'),
  // the rocket model
  p('open-once', 'accel@exclusive-open@basic-second-open', 'accel@exclusive-open@reopen-after-close', 'accel@rocket@basic-create-bo'),
  p('mmap-copy', 'accel@gem@basic-mmap'),
  p('mm-global', 'accel@rocket@basic-create-bo'),
  p('dma-address-unaligned', 'accel@rocket@basic-create-bo'),
  p('create-bo-handle-first', 'accel@rocket@bad-create-bo-aperture-full'),
  p('prep-bo-reserved-ignored', 'accel@rocket@bad-prep-fini-bo'),
  p('fini-bo-reserved-ignored', 'accel@rocket@bad-prep-fini-bo'),
  p('job-struct-size-unchecked', 'accel@rocket@bad-submit-args'),
  p('submit-reserved-ignored', 'accel@rocket@bad-submit-args'),
  p('task-struct-size-unchecked', 'accel@rocket@bad-submit-job'),
  p('regcmd-count-zero-ok', 'accel@rocket@bad-submit-job'),
  p('unknown-handle-skipped', 'accel@rocket@bad-submit-job'),
  p('duplicate-bo-runs', 'accel@rocket@bad-submit-job'),
  p('out-bo-unfenced', 'accel@rocket@basic-submit-fence'),
  p('close-kills-jobs', 'accel@rocket@basic-close-finishes-jobs'),
  p('prep-bo-poll-etimedout', 'accel@rocket@basic-submit-fence'),
  p('prime-import-foreign-ok', 'accel@rocket@bad-import-foreign'),
];

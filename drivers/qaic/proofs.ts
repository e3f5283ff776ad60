/**
 * Proof that every test running on sim:qaic can fail there: the core's
 * defects for the generic families (they live in the simulated DRM core,
 * which qaic uses as every driver does), the model's own defects for the
 * rest and for the accel@qaic family.
 */
import type { DefectProof } from '../driver-module';
import { coreDefectProofs } from '../sim/core-proofs';

const p = (defect: string, ...mustFail: string[]): DefectProof => ({ defect, sim: 'qaic', mustFail });

export const QAIC_PROOFS: readonly DefectProof[] = [
  ...coreDefectProofs('qaic'),
  // the qaic model
  p('open-once', 'accel@exclusive-open@basic-second-open', 'accel@exclusive-open@reopen-after-close'),
  p('mmap-copy', 'accel@gem@basic-mmap', 'accel@qaic@basic-create-bo'),
  p('create-bo-size-written', 'accel@qaic@basic-create-bo'),
  p('create-bo-pad-ignored', 'accel@qaic@bad-bo-args'),
  p('attach-dir-unchecked', 'accel@qaic@bad-attach-slice'),
  p('attach-copy-before-checks', 'accel@qaic@bad-attach-slice'),
  p('execute-unowned-ok', 'accel@qaic@bad-execute'),
  p('wait-unowned-ok', 'accel@qaic@bad-wait'),
  p('detach-unsliced-ok', 'accel@qaic@bad-detach-slice', 'accel@qaic@bad-attach-slice'),
  p('mmap-bo-imported-offset', 'accel@qaic@bad-mmap-imported'),
  p('manage-unencoded', 'accel@qaic@bad-manage'),
  p('manage-deactivate-unowned-ok', 'accel@qaic@bad-manage'),
];

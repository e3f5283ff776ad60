/**
 * Proof that every test running on sim:ethosu can fail there: the core's
 * defects for the generic families (they live in the simulated DRM core,
 * which ethosu uses as every driver does), the model's own defects for the
 * rest and for the accel@ethosu family.
 */
import type { DefectProof } from '../driver-module';
import { coreDefectProofs } from '../sim/core-proofs';

const p = (defect: string, ...mustFail: string[]): DefectProof => ({ defect, sim: 'ethosu', mustFail });

export const ETHOSU_PROOFS: readonly DefectProof[] = [
  ...coreDefectProofs('ethosu'),
  // the ethosu model
  p('open-once', 'accel@exclusive-open@basic-second-open', 'accel@exclusive-open@reopen-after-close'),
  p('mmap-copy', 'accel@gem@basic-mmap'),
  p('bo-create-bad-flags-ok', 'accel@ethosu@bad-bo-create'),
  p('no-mmap-ignored', 'accel@ethosu@bad-mmap-no-mmap'),
  p('cmdstream-stop-anywhere', 'accel@ethosu@bad-cmdstream-stop'),
  p('cmdstream-state-zeroed', 'accel@ethosu@bad-cmdstream-dma-unset'),
  p('cmdstream-overflow-unchecked', 'accel@ethosu@bad-cmdstream-overflow'),
  p('region-size-unchecked', 'accel@ethosu@bad-submit-region-beyond-bo'),
  p('region-index-unmasked', 'accel@ethosu@bad-submit-region-beyond-bo'),
  p('cmdstream-bo-as-region-ok', 'accel@ethosu@bad-submit-cmdstream-as-region'),
  p('perfmon-ncounters-unchecked', 'accel@ethosu@bad-perfmon-counters'),
  p('prime-import-foreign-ok', 'accel@ethosu@bad-import-foreign'),
  // On a model with the fix (cancel_job=1) the test passes (drivers/ethosu/sim/ethosu.spec.ts);
  // unmodified, the model fails it on the kernel log, as 7.3 does.
  {
    defect: 'unbind-keeps-node',
    sim: 'ethosu',
    params: 'npu=silent&cancel_job=1',
    env: { ACCEL_ETHOSU_NPU: 'silent' },
    mustFail: ['accel@ethosu@unbind-pending-close'],
  },
];

/**
 * Proof that every test running on sim:amdxdna can fail there: the core's
 * defects for the generic families (they live in the simulated DRM core,
 * which amdxdna uses as every driver does), the model's own defects for the
 * rest and for the accel@amdxdna family. Two re-create bugs fixed
 * upstream (docs/upstream-bugs.md).
 */
import type { DefectProof } from '../driver-module';
import { coreDefectProofs } from '../sim/core-proofs';

const p = (defect: string, ...mustFail: string[]): DefectProof => ({ defect, sim: 'amdxdna', mustFail });

export const AMDXDNA_PROOFS: readonly DefectProof[] = [
  ...coreDefectProofs('amdxdna'),
  // the amdxdna model: bugs fixed upstream
  p('timeout-state-abort', 'accel@amdxdna@hang-timeout-state', 'accel@sched@hang-timeout', 'accel@sched@hang-ten-in-a-row'),
  p('exec-no-cmd-bo-ok', 'accel@amdxdna@bad-exec-cmd'),
  // the amdxdna model: the rest of its rules
  p('destroy-keeps-pending', 'accel@amdxdna@destroy-aborts-pending'),
  p('open-once', 'accel@exclusive-open@basic-second-open', 'accel@exclusive-open@reopen-after-close'),
  p('mmap-copy', 'accel@gem@basic-mmap'),
  p('create-bo-flags-ok', 'accel@amdxdna@bad-create-bo'),
  p('heap-unaligned-ok', 'accel@amdxdna@bad-create-bo'),
  p('dev-bo-without-heap-ok', 'accel@amdxdna@bad-create-bo'),
  p('dev-bo-map-offset', 'accel@amdxdna@basic-heap-dev-bo'),
  p('hwctx-id-lowest', 'accel@amdxdna@basic-hwctx-ids'),
  p('hwctx-any-file', 'accel@amdxdna@bad-hwctx-args'),
  p('cu-reconfig-ok', 'accel@amdxdna@bad-config-cu'),
  p('sync-bo-from-device-ok', 'accel@amdxdna@bad-sync-bo'),
  p('wait-cmd-supported', 'accel@amdxdna@bad-wait-cmd'),
  p('syncobj-point-missing', 'accel@amdxdna@basic-exec-seq'),
  p('prime-import-same-object', 'accel@amdxdna@basic-prime-import-new-object'),
  p('bo-usage-cmd-external', 'accel@amdxdna@bad-get-array'),
  p('power-mode-unchecked', 'accel@amdxdna@bad-set-state'),
];

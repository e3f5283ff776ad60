/**
 * Every test that passes on a healthy sim:habanalabs, shown to fail with one
 * defect of the model (its own catalogue, sim/defects.ts) or of the simulated
 * core (drivers/sim/defects.ts) injected into it.
 */
import type { DefectProof } from '../driver-module';

const hl = (defect: string, ...tests: string[]): DefectProof => ({
  defect,
  sim: 'habanalabs',
  mustFail: tests.map((t) => `accel@${t}`),
});

export const HABANALABS_PROOFS: readonly DefectProof[] = [
  // The simulated DRM core under the habanalabs driver.
  hl('version-empty-desc', 'core@basic-version'),
  hl('sysfs-dev-wrong-minor', 'core@basic-node'),
  // O_EXCL's EBUSY only shows on this exclusive driver when the driver itself lets a second user in
  // (bad-open-excl holds the device first): the core defect needs the driver's beside it.
  hl('excl-open-allowed,hl-second-open-allowed', 'core@bad-open-excl'),
  hl('unknown-ioctl-enotty', 'core@bad-ioctl'),
  hl('master-allowed', 'core@bad-master'),
  hl('render-node', 'feature-flags@no-drm-nodes'),
  hl('kms-ioctls-succeed', 'feature-flags@bad-kms-ioctls', 'feature-flags@bad-dumb-buffers'),
  // The habanalabs model.
  hl(
    'hl-second-open-allowed',
    'exclusive-open@basic-second-open',
    'exclusive-open@dup-shares-context',
    'exclusive-open@inherited-fd-shares-context',
    'exclusive-open@passed-fd-shares-context',
    'exclusive-open@reopen-after-close',
  ),
  hl('hl-release-on-second-close', 'exclusive-open@last-process-anywhere', 'exclusive-open@close-every-order'),
  hl('hl-release-on-foreign-close', 'exclusive-open@last-process-anywhere', 'exclusive-open@close-every-order'),
  hl('hl-cs-seq-skips', 'habanalabs@basic-nop-submissions'),
  hl('hl-cs-chunks-unbounded', 'habanalabs@bad-cs-args'),
  hl('hl-cs-queue-unchecked', 'habanalabs@bad-cs-args'),
  hl('hl-wait-future-seq', 'habanalabs@bad-wait-unsubmitted'),
  hl('hl-cs-no-reset-on-timeout', 'habanalabs@endless-cs-one-reset'),
  hl('hl-cs-double-reset', 'habanalabs@endless-cs-one-reset'),
  hl('hl-wait-early-complete', 'habanalabs@endless-cs-one-reset', 'sched@hang-timeout'),
  hl('hl-tdr-late', 'sched@hang-timeout'),
  hl('hl-reset-stuck', 'habanalabs@endless-cs-one-reset', 'sched@hang-recovery', 'sched@hang-ten-in-a-row'),
  hl('hl-control-any-ioctl', 'habanalabs@control-node-info-only', 'exclusive-open@control-node'),
  hl('hl-control-single-open', 'habanalabs@control-node-info-only'),
  hl('hl-info-stale-bytes', 'habanalabs@info-no-stale-bytes'),
  hl('hl-info-pad-unchecked', 'habanalabs@bad-info-pad'),
  hl('hl-cb-mmap-twice', 'habanalabs@cb-mmap-once'),
  hl('hl-cb-destroy-twice', 'habanalabs@bad-cb-destroy-twice'),
  hl('hl-mem-free-mapped', 'habanalabs@memory-free-mapped'),
  hl('hl-export-unaligned', 'habanalabs@export-dmabuf-args'),
  hl('hl-export-no-file-ref', 'habanalabs@export-holds-device'),
  hl('hl-gem-feature', 'habanalabs@bad-gem-ioctls'),
];

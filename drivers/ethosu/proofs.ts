/**
 * Proof that every test running on sim:ethosu can fail there: the core's
 * defects for the generic families (they live in the simulated DRM core,
 * which ethosu uses as every driver does), the model's own defects for the
 * rest and for the accel@ethosu family.
 */
import type { DefectProof } from '../driver-module';

const p = (defect: string, ...mustFail: string[]): DefectProof => ({ defect, sim: 'ethosu', mustFail });

export const ETHOSU_PROOFS: readonly DefectProof[] = [
  // the simulated DRM core (drm_file.c, drm_ioctl.c, drm_gem.c, drm_prime.c, dma-buf.c)
  p('excl-open-allowed', 'accel@core@bad-open-excl'),
  p('version-empty-desc', 'accel@core@basic-version'),
  p('unknown-ioctl-enotty', 'accel@core@bad-ioctl'),
  p('master-allowed', 'accel@core@bad-master'),
  p('kms-ioctls-succeed', 'accel@feature-flags@bad-kms-ioctls', 'accel@feature-flags@bad-dumb-buffers'),
  p('render-node', 'accel@feature-flags@no-drm-nodes'),
  p('prime-cap-missing', 'accel@core@basic-prime-cap'),
  p('sysfs-dev-wrong-minor', 'accel@core@basic-node'),
  p('gem-close-unknown-ok', 'accel@gem@basic-create-close', 'accel@gem@bad-close', 'accel@exclusive-open@dup-shares-context', 'accel@exclusive-open@inherited-fd-shares-context', 'accel@exclusive-open@passed-fd-shares-context'),
  p('handles-global', 'accel@gem@handles-per-file', 'accel@exclusive-open@shared-contexts-isolated'),
  p('handles-no-reuse', 'accel@gem@handle-reuse-lowest'),
  p('mmap-any-file', 'accel@gem@bad-mmap-other-file'),
  p('mmap-no-ref', 'accel@gem@mmap-outlives-close'),
  p('no-prime-cache', 'accel@dmabuf@basic-self-import'),
  p('dmabuf-no-ref', 'accel@dmabuf@dmabuf-mmap', 'accel@dmabuf@dmabuf-outlives-exporter', 'accel@dmabuf@import-other-device'),
  p('prime-flags-unchecked', 'accel@dmabuf@bad-prime-flags'),
  p('prime-import-any-fd', 'accel@dmabuf@bad-import'),
  p('dmabuf-lseek-any', 'accel@dmabuf@basic-lseek'),
  p('dmabuf-sync-any-flags', 'accel@dmabuf@bad-sync-flags'),
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
];

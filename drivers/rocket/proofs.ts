/**
 * Proof that every test running on sim:rocket can fail there: the core's
 * defects for the generic families (they live in the simulated DRM core,
 * which rocket uses as every driver does), the model's own defects for the
 * rest and for the accel@rocket family.
 */
import type { DefectProof } from '../driver-module';

const p = (defect: string, ...mustFail: string[]): DefectProof => ({ defect, sim: 'rocket', mustFail });

export const ROCKET_PROOFS: readonly DefectProof[] = [
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
  p('out-bo-unfenced', 'accel@rocket@basic-submit-fence'),
  p('prep-bo-poll-etimedout', 'accel@rocket@basic-submit-fence'),
  p('prime-import-foreign-ok', 'accel@rocket@bad-import-foreign'),
];

/**
 * Proof that every test running on sim:qaic can fail there: the core's
 * defects for the generic families (they live in the simulated DRM core,
 * which qaic uses as every driver does), the model's own defects for the
 * rest and for the accel@qaic family.
 */
import type { DefectProof } from '../driver-module';

const p = (defect: string, ...mustFail: string[]): DefectProof => ({ defect, sim: 'qaic', mustFail });

export const QAIC_PROOFS: readonly DefectProof[] = [
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
  p('mmap-imported-ok', 'accel@qaic@bad-mmap-imported'),
];

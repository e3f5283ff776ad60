/**
 * The simulated DRM core's defects (drivers/sim/defects.ts, layer 'core')
 * and the generic tests each makes fail on a GEM driver model that runs them:
 * every model shares the core (drm_file.c, drm_ioctl.c, drm_gem.c,
 * drm_prime.c, dma-buf.c), so a driver module proves its generic tests with
 * these, and its own defects for the rest (tests/proofs.spec.ts fails a
 * proof whose test does not fail on that model).
 */
import type { DefectProof } from '../driver-module';

const CORE: readonly (readonly [string, ...string[]])[] = [
  ['excl-open-allowed', 'accel@core@bad-open-excl'],
  ['version-empty-desc', 'accel@core@basic-version'],
  ['unknown-ioctl-enotty', 'accel@core@bad-ioctl'],
  ['master-allowed', 'accel@core@bad-master'],
  ['kms-ioctls-succeed', 'accel@feature-flags@bad-kms-ioctls', 'accel@feature-flags@bad-dumb-buffers'],
  ['render-node', 'accel@feature-flags@no-drm-nodes'],
  ['prime-cap-missing', 'accel@core@basic-prime-cap'],
  ['sysfs-dev-wrong-minor', 'accel@core@basic-node'],
  ['gem-close-unknown-ok', 'accel@gem@basic-create-close', 'accel@gem@bad-close', 'accel@exclusive-open@dup-shares-context', 'accel@exclusive-open@inherited-fd-shares-context', 'accel@exclusive-open@passed-fd-shares-context'],
  ['handles-global', 'accel@gem@handles-per-file', 'accel@exclusive-open@shared-contexts-isolated'],
  ['handles-no-reuse', 'accel@gem@handle-reuse-lowest'],
  ['mmap-any-file', 'accel@gem@bad-mmap-other-file'],
  ['mmap-no-ref', 'accel@gem@mmap-outlives-close'],
  ['no-prime-cache', 'accel@dmabuf@basic-self-import'],
  ['dmabuf-no-ref', 'accel@dmabuf@dmabuf-mmap', 'accel@dmabuf@dmabuf-outlives-exporter', 'accel@dmabuf@import-other-device'],
  ['prime-flags-unchecked', 'accel@dmabuf@bad-prime-flags'],
  ['prime-import-any-fd', 'accel@dmabuf@bad-import'],
  ['dmabuf-lseek-any', 'accel@dmabuf@basic-lseek'],
  ['dmabuf-sync-any-flags', 'accel@dmabuf@bad-sync-flags'],
];

/** The core defects' proofs on the model `sim`. */
export function coreDefectProofs(sim: string): DefectProof[] {
  return CORE.map(([defect, ...mustFail]) => ({ defect, sim, mustFail }));
}

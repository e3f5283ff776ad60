/**
 * Named defects of the bundled simulated drivers, selected as
 * `sim:apu?defect=NAME[,NAME...]`. Each breaks exactly one rule the suite
 * checks; tests/proofs.ts names the subtests that must fail for each one.
 * `layer` says where the defect lives: 'core' defects are knobs of the
 * simulated DRM core that a buggy driver could cause; 'driver' defects live
 * in the APU driver models.
 */
export interface DefectInfo {
  readonly layer: 'core' | 'driver';
  readonly rule: string;
}

export const DEFECTS = {
  // core: drm_file.c / drm_ioctl.c / drm_accel.c
  'excl-open-allowed': { layer: 'core', rule: 'open(O_EXCL) of an accel node succeeds instead of EBUSY' },
  'version-empty-desc': { layer: 'core', rule: 'DRM_IOCTL_VERSION returns an empty desc string' },
  'unknown-ioctl-enotty': { layer: 'core', rule: 'an unknown DRM ioctl number gives ENOTTY instead of EINVAL' },
  'master-allowed': { layer: 'core', rule: 'DRM_MASTER-flagged ioctls and SET_MASTER succeed on an accel file' },
  'kms-ioctls-succeed': { layer: 'core', rule: 'KMS ioctls (MODE_GETRESOURCES, MODE_CREATE_DUMB) succeed without DRIVER_MODESET' },
  'render-node': { layer: 'core', rule: 'a render node is registered beside the accel node, sharing its parent' },
  'prime-cap-missing': { layer: 'core', rule: 'GET_CAP(DRM_CAP_PRIME) reports no import/export' },
  'sysfs-dev-wrong-minor': { layer: 'core', rule: 'the accel class device\'s sysfs `dev` reports a minor other than its node\'s' },
  // drm_dev_init is shared by every driver: this one is kernel-wide once any device's spec names it.
  'accel-render-accepted': { layer: 'core', rule: 'drm_dev_init accepts DRIVER_COMPUTE_ACCEL together with DRIVER_RENDER or DRIVER_MODESET' },
  'control-node-unrestricted': { layer: 'core', rule: 'drm_ioctl_permit lets a control-node file run ioctls without DRM_CONTROL_ALLOW' },
  // core: drm_gem.c
  'gem-close-unknown-ok': { layer: 'core', rule: 'GEM_CLOSE of an unknown handle succeeds instead of EINVAL' },
  'handles-global': { layer: 'core', rule: 'GEM handles are shared by every file of the device' },
  'handles-no-reuse': { layer: 'core', rule: 'a closed GEM handle number is never reused (not the lowest free)' },
  'close-leaks-objects': { layer: 'core', rule: 'closing a file does not drop its handles: objects leak' },
  'mmap-any-file': { layer: 'core', rule: 'mmap of a fake offset works on a file that holds no handle' },
  'mmap-no-ref': { layer: 'core', rule: 'a mapping does not hold its object: memory is freed at GEM_CLOSE' },
  // core: drm_prime.c / dma-buf.c
  'no-prime-cache': { layer: 'core', rule: 'no PRIME cache: re-export makes a new dma-buf and self-import a new handle' },
  'dmabuf-no-ref': { layer: 'core', rule: 'a dma-buf does not hold its object: memory is freed with the last handle' },
  'prime-flags-unchecked': { layer: 'core', rule: 'PRIME_HANDLE_TO_FD accepts flags other than DRM_CLOEXEC|DRM_RDWR' },
  'prime-import-any-fd': { layer: 'core', rule: 'PRIME_FD_TO_HANDLE accepts an fd that is not a dma-buf' },
  'dmabuf-lseek-any': { layer: 'core', rule: 'lseek on a dma-buf accepts offsets other than 0 with SEEK_SET/SEEK_END' },
  'dmabuf-sync-any-flags': { layer: 'core', rule: 'DMA_BUF_IOCTL_SYNC accepts flags outside DMA_BUF_SYNC_VALID_FLAGS_MASK' },
  // driver: drivers/apu/sim
  'excl-release-on-close': { layer: 'driver', rule: 'the exclusive-open lock drops at any close(), not at the last release of the file' },
  'excl-not-enforced': { layer: 'driver', rule: 'an exclusive-policy device accepts a second open' },
  'gem-new-bad-flags-ok': { layer: 'driver', rule: 'GEM_NEW accepts unknown flags' },
  'gem-new-dirty-output': { layer: 'driver', rule: 'GEM_NEW writes handle/offset before failing' },
  'gem-new-size-zero-ok': { layer: 'driver', rule: 'GEM_NEW accepts size 0' },
  'no-job-timeout': { layer: 'driver', rule: 'the scheduler never times a job out' },
  'timeout-late': { layer: 'driver', rule: 'the scheduler times a job out at three times its declared timeout' },
  'timeout-early': { layer: 'driver', rule: 'the scheduler times a job out at half its declared timeout' },
  'queue-drops-after-hang': { layer: 'driver', rule: 'a job queued behind a timed-out job is lost (never signalled)' },
  'reset-kills-innocent': { layer: 'driver', rule: 'a reset fails the running jobs of other contexts too' },
  'no-recovery': { layer: 'driver', rule: 'after a timeout the device never comes back ONLINE' },
  'shared-iommu': { layer: 'driver', rule: 'one IO page table for all contexts' },
  'unmap-keeps-mapping': { layer: 'driver', rule: 'GEM_IOMMU_UNMAP leaves the pages mapped' },
  'map-not-refcounted': { layer: 'driver', rule: 'mapping an object twice gives a second address and one unmap removes both' },
  'map-unknown-ok': { layer: 'driver', rule: 'GEM_IOMMU_MAP of an unknown handle succeeds' },
  'ro-ignored': { layer: 'driver', rule: 'APU_BO_DEVICE_RO objects are mapped writable' },
  'fault-partial-write': { layer: 'driver', rule: 'a faulting FILL/COPY writes the bytes before the faulting page' },
  'fault-wedges': { layer: 'driver', rule: 'after an IOMMU fault the next job never runs' },
  'queue-unbounded-handles': { layer: 'driver', rule: 'GEM_QUEUE accepts a bo_handle_count above APU_MAX_BO_HANDLES' },
  'dequeue-global': { layer: 'driver', rule: 'GEM_DEQUEUE searches every file\'s jobs, as the drm/apu series did' },
  'checksum-wrong': { layer: 'driver', rule: 'CHECKSUM returns a wrong value' },
} as const satisfies Record<string, DefectInfo>;

export type DefectName = keyof typeof DEFECTS;

export function isDefectName(name: string): name is DefectName {
  return Object.prototype.hasOwnProperty.call(DEFECTS, name);
}

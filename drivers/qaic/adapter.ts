/**
 * The qaic adapter: GEM buffers (CREATE_BO, MMAP_BO, GEM_CLOSE) and dma-bufs
 * through the PRIME core (export over qaic_get_sg_table, import through
 * qaic_gem_prime_import). No jobs: EXECUTE_BO needs a DMA bridge channel
 * activated by a workload loaded through MANAGE, whose messages are the
 * firmware's (qaic_control.c encode_message/decode_activate), and the
 * programs a workload runs are not public. No device state either: the
 * driver's own view (QAIC_ONLINE, subsystem restarts) shows only as ENODEV
 * and EPIPE answers, not through an ioctl that reports it.
 */
import type { BufferCapability, DriverAdapter } from '../adapter';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import type { Sys } from '../../harness/sys/types';
import { DRM_IOCTL_GEM_CLOSE, drm_gem_close } from '../../harness/uapi/drm';
import { createBo, mmapBoOffset, pageAligned } from './lib';
import { QAIC_ADAPTER_NAME } from './profile';

export function createQaicAdapter(sys: Sys): DriverAdapter {
  const buffers: BufferCapability = {
    handles: 'gem',
    create(fd, size) {
      const handle = createBo(sys, fd, size);
      return { handle, size: pageAligned(size), mmapOffset: mmapBoOffset(sys, fd, handle) };
    },
    mmap(fd, bo) {
      const offset = bo.mmapOffset ?? mmapBoOffset(sys, fd, bo.handle);
      return sys.mmap(fd, bo.size, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
    },
    close(fd, handle) {
      sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle }));
    },
  };
  return { name: QAIC_ADAPTER_NAME, buffers };
}

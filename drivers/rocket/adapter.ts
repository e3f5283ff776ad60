/**
 * The rocket adapter: GEM buffers (CREATE_BO, whose reply carries the mmap
 * offset; GEM_CLOSE) and dma-bufs through the PRIME core.
 *
 * No jobs. A rocket job is a list of tasks, each the NPU address and length
 * of a register command list (struct drm_rocket_task) that the NPU's PC block
 * fetches and writes into its CNA/CORE/DPU registers (rocket_job.c
 * rocket_job_hw_submit). The kernel never looks inside the list; its format
 * and the register programming a job that ends with a DPU interrupt needs
 * are documented only in Rockchip's TRM and Mesa's rocket driver, which this
 * project does not encode. A list of zeroes or guessed registers could hang
 * or misprogram real hardware, so the adapter offers no job kind, and the
 * generic job tests skip on rocket; the accel@rocket family checks SUBMIT's
 * argument handling, which the kernel does before any job reaches the NPU.
 */
import type { BufferCapability, DriverAdapter } from '../adapter';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import type { Sys } from '../../harness/sys/types';
import { DRM_IOCTL_GEM_CLOSE, drm_gem_close } from '../../harness/uapi/drm';
import { createBo } from './lib';
import { ROCKET_ADAPTER_NAME } from './profile';

/** rocket_ioctl_create_bo: drm_gem_shmem_create page-aligns the object. */
const PAGE_SIZE = 4096;

export function createRocketAdapter(sys: Sys): DriverAdapter {
  const buffers: BufferCapability = {
    handles: 'gem',
    create(fd, size) {
      const bo = createBo(sys, fd, size);
      return { handle: bo.handle, size: Math.ceil(size / PAGE_SIZE) * PAGE_SIZE, mmapOffset: bo.offset, deviceAddress: bo.dmaAddress };
    },
    mmap(fd, bo) {
      if (bo.mmapOffset === undefined) throw new Error('rocket adapter: a BO without the mmap offset CREATE_BO returned');
      return sys.mmap(fd, bo.size, PROT_READ | PROT_WRITE, MAP_SHARED, bo.mmapOffset);
    },
    close(fd, handle) {
      sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle }));
    },
  };
  return { name: ROCKET_ADAPTER_NAME, buffers };
}

/**
 * DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR of sim:ivpu (ivpu_gem_userptr.c
 * ivpu_bo_create_from_userptr_ioctl): a BO over the caller's own pages,
 * pinned (pin_user_pages_fast, FOLL_LONGTERM, FOLL_WRITE unless READ_ONLY),
 * wrapped in a private dma-buf and imported (ivpu_gem_prime_import): the BO
 * counts as imported, cannot be mmapped (its obj->dma_buf is NULL:
 * drm_gem_shmem_mmap -> dma_buf_mmap -> EINVAL) nor re-exported.
 */
import {
  DRM_IVPU_BO_DMA_MEM,
  DRM_IVPU_BO_HIGH_MEM,
  DRM_IVPU_BO_READ_ONLY,
  drm_ivpu_bo_create_from_userptr,
} from '../uapi';
import { PAGE_SIZE } from '../../sim/kernel/drm/driver';
import { fail } from './device';
import type { IvpuIoctl } from './ioctls';
import { Resv } from './objects';

/** The flags a userptr BO may have: no cache mode, no MAPPABLE. */
const USERPTR_FLAGS = DRM_IVPU_BO_HIGH_MEM | DRM_IVPU_BO_DMA_MEM | DRM_IVPU_BO_READ_ONLY;
/** arch/x86 valid_user_address: USER_PTR_MAX = TASK_SIZE_MAX, 4-level paging: (1 << 47) - PAGE_SIZE. */
const USER_PTR_MAX = (1n << 47n) - BigInt(PAGE_SIZE);
/** mm/util.c kvmalloc_node refuses more than INT_MAX bytes (the page array: 8 bytes a page). */
const KVMALLOC_MAX = 2 ** 31 - 1;

const ARGS = drm_ivpu_bo_create_from_userptr.offsets;

/**
 * Flags (EINVAL), a zero pointer or size (EINVAL), either unaligned (EINVAL),
 * access_ok (EFAULT), the page array (ENOMEM), the pin (EFAULT when any page
 * is unmapped, not anonymous memory, or read-only for a writable BO), then the
 * import and the handle, whose gem open gives the NPU address (ENOSPC).
 * handle and vpu_addr are written only on success.
 */
export const boCreateFromUserptr: IvpuIoctl = (dev, data, drm, ctx) => {
  const a = drm_ivpu_bo_create_from_userptr.decode(data);
  if (a.flags & ~USERPTR_FLAGS) throw fail('EINVAL', 'BO_CREATE_FROM_USERPTR', `flags 0x${a.flags.toString(16)}`);
  if (a.user_ptr === 0n || a.size === 0n) throw fail('EINVAL', 'BO_CREATE_FROM_USERPTR', 'user_ptr or size is zero');
  const page = BigInt(PAGE_SIZE);
  if (a.user_ptr % page !== 0n || a.size % page !== 0n) throw fail('EINVAL', 'BO_CREATE_FROM_USERPTR', 'user_ptr or size not page aligned');
  const end = BigInt.asUintN(64, a.user_ptr + a.size);
  if (end > USER_PTR_MAX || end < a.user_ptr) throw fail('EFAULT', 'BO_CREATE_FROM_USERPTR', 'range not accessible (access_ok)');
  const size = Number(a.size);
  if ((size / PAGE_SIZE) * 8 > KVMALLOC_MAX) throw fail('ENOMEM', 'BO_CREATE_FROM_USERPTR', 'page array too large for kvmalloc');
  const pages = dev.has('userptr-unpinned-ok') ? Buffer.alloc(size) : ctx.pinUserPages(a.user_ptr, size, !(a.flags & DRM_IVPU_BO_READ_ONLY));
  const obj = dev.drm.gemObjectWrap(size, pages, dev.boFuncs);
  // ivpu_gem_prime_import lists it; ivpu_bo_create_from_userptr sets bo->flags; obj->resv is the new dma-buf's.
  const bo = dev.track(obj, a.flags, new Resv());
  bo.userptr = true;
  let handle: number;
  try {
    handle = dev.drm.gemHandleCreate(drm, obj);
  } finally {
    obj.put();
  }
  data.writeUInt32LE(handle, ARGS.handle);
  data.writeBigUInt64LE(bo.vpuAddr, ARGS.vpu_addr);
  return 0;
};

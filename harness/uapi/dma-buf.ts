/** dma-buf uAPI: include/uapi/linux/dma-buf.h, each ioctl declared once. */
import type { UapiHeader } from './header';
import { defineIoctl, ioctlNameMap } from './ioctl';
import { array, s32, scalarArg, struct, u8, u32, u64 } from './layout';

export const dma_buf_sync = struct('dma_buf_sync', { flags: u64 });
export const dma_buf_export_sync_file = struct('dma_buf_export_sync_file', { flags: u32, fd: s32 });
export const dma_buf_import_sync_file = struct('dma_buf_import_sync_file', { flags: u32, fd: s32 });
/** DMA_BUF_SET_NAME_B is `_IOW('b', 1, __u64)`: the argument is the user pointer to the name. */
export const dma_buf_set_name_arg = scalarArg('__u64', u64);
/** DMA_BUF_SET_NAME_A, the original form, declared with a 32-bit size. */
export const dma_buf_set_name_a_arg = scalarArg('__u32', u32);

export const DMA_BUF_SYNC_READ = 1n << 0n;
export const DMA_BUF_SYNC_WRITE = 2n << 0n;
export const DMA_BUF_SYNC_RW = DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE;
export const DMA_BUF_SYNC_START = 0n << 2n;
export const DMA_BUF_SYNC_END = 1n << 2n;
export const DMA_BUF_SYNC_VALID_FLAGS_MASK = DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END;

export const DMA_BUF_BASE = 'b';
export const DMA_BUF_IOCTLS = {
  SYNC: defineIoctl('DMA_BUF_IOCTL_SYNC', 'IOW', DMA_BUF_BASE, 0, dma_buf_sync),
  SET_NAME_A: defineIoctl('DMA_BUF_SET_NAME_A', 'IOW', DMA_BUF_BASE, 1, dma_buf_set_name_a_arg),
  SET_NAME_B: defineIoctl('DMA_BUF_SET_NAME_B', 'IOW', DMA_BUF_BASE, 1, dma_buf_set_name_arg),
  EXPORT_SYNC_FILE: defineIoctl('DMA_BUF_IOCTL_EXPORT_SYNC_FILE', 'IOWR', DMA_BUF_BASE, 2, dma_buf_export_sync_file),
  IMPORT_SYNC_FILE: defineIoctl('DMA_BUF_IOCTL_IMPORT_SYNC_FILE', 'IOW', DMA_BUF_BASE, 3, dma_buf_import_sync_file),
} as const;

export const DMA_BUF_IOCTL_SYNC = DMA_BUF_IOCTLS.SYNC.request;
export const DMA_BUF_SET_NAME_A = DMA_BUF_IOCTLS.SET_NAME_A.request;
export const DMA_BUF_SET_NAME_B = DMA_BUF_IOCTLS.SET_NAME_B.request;
export const DMA_BUF_IOCTL_EXPORT_SYNC_FILE = DMA_BUF_IOCTLS.EXPORT_SYNC_FILE.request;
export const DMA_BUF_IOCTL_IMPORT_SYNC_FILE = DMA_BUF_IOCTLS.IMPORT_SYNC_FILE.request;

export const DMA_BUF_IOCTL_NAMES: ReadonlyMap<number, string> = ioctlNameMap(Object.values(DMA_BUF_IOCTLS));

export const DMA_BUF_UAPI: UapiHeader = {
  include: 'linux/dma-buf.h',
  source: { kind: 'kernel', since: '3.3' },
  ioctls: Object.values(DMA_BUF_IOCTLS),
  structs: [dma_buf_sync, dma_buf_export_sync_file, dma_buf_import_sync_file],
  constants: {
    DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW, DMA_BUF_SYNC_START, DMA_BUF_SYNC_END,
    DMA_BUF_SYNC_VALID_FLAGS_MASK,
    DMA_BUF_BASE: DMA_BUF_BASE.charCodeAt(0),
  },
};

/** sync_file uAPI: include/uapi/linux/sync_file.h (the fence of a dma-buf, exported with EXPORT_SYNC_FILE). */
export const sync_file_info = struct('sync_file_info', {
  name: array(u8, 32),
  status: s32,
  flags: u32,
  num_fences: u32,
  pad: u32,
  sync_fence_info: u64,
});
export const SYNC_IOC_MAGIC = '>';
export const SYNC_IOCTLS = {
  FILE_INFO: defineIoctl('SYNC_IOC_FILE_INFO', 'IOWR', SYNC_IOC_MAGIC, 4, sync_file_info),
} as const;
export const SYNC_IOC_FILE_INFO = SYNC_IOCTLS.FILE_INFO.request;

export const SYNC_FILE_UAPI: UapiHeader = {
  include: 'linux/sync_file.h',
  source: { kind: 'kernel', since: '4.7' },
  ioctls: Object.values(SYNC_IOCTLS),
  structs: [sync_file_info],
};

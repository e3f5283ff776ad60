/** dma-buf uAPI: include/uapi/linux/dma-buf.h. */
import { IOW, IOWR } from './ioctl';
import { array, s32, struct, u8, u32, u64 } from './layout';

export const dma_buf_sync = struct('dma_buf_sync', { flags: u64 });
export const dma_buf_export_sync_file = struct('dma_buf_export_sync_file', { flags: u32, fd: s32 });
export const dma_buf_import_sync_file = struct('dma_buf_import_sync_file', { flags: u32, fd: s32 });

export const DMA_BUF_SYNC_READ = 1n << 0n;
export const DMA_BUF_SYNC_WRITE = 2n << 0n;
export const DMA_BUF_SYNC_RW = DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE;
export const DMA_BUF_SYNC_START = 0n << 2n;
export const DMA_BUF_SYNC_END = 1n << 2n;
export const DMA_BUF_SYNC_VALID_FLAGS_MASK = DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END;

export const DMA_BUF_BASE = 'b';
export const DMA_BUF_IOCTL_SYNC = IOW(DMA_BUF_BASE, 0, dma_buf_sync.size);
export const DMA_BUF_SET_NAME_B = IOW(DMA_BUF_BASE, 1, 8);
export const DMA_BUF_IOCTL_EXPORT_SYNC_FILE = IOWR(DMA_BUF_BASE, 2, dma_buf_export_sync_file.size);
export const DMA_BUF_IOCTL_IMPORT_SYNC_FILE = IOW(DMA_BUF_BASE, 3, dma_buf_import_sync_file.size);

export const DMA_BUF_IOCTL_NAMES: ReadonlyMap<number, string> = new Map([
  [DMA_BUF_IOCTL_SYNC, 'DMA_BUF_IOCTL_SYNC'],
  [DMA_BUF_SET_NAME_B, 'DMA_BUF_SET_NAME_B'],
  [DMA_BUF_IOCTL_EXPORT_SYNC_FILE, 'DMA_BUF_IOCTL_EXPORT_SYNC_FILE'],
  [DMA_BUF_IOCTL_IMPORT_SYNC_FILE, 'DMA_BUF_IOCTL_IMPORT_SYNC_FILE'],
]);

/** sync_file uAPI: include/uapi/linux/sync_file.h. */
export const sync_file_info = struct('sync_file_info', {
  name: array(u8, 32),
  status: s32,
  flags: u32,
  num_fences: u32,
  pad: u32,
  sync_fence_info: u64,
});
export const SYNC_IOC_MAGIC = '>';
export const SYNC_IOC_FILE_INFO = IOWR(SYNC_IOC_MAGIC, 4, sync_file_info.size);

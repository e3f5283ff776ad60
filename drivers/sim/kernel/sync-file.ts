/**
 * sync_file (drivers/dma-buf/sync_file.c): a file carrying one dma_fence.
 * poll() reports POLLIN once the fence has signalled (sync_file_poll).
 * SYNC_IOC_FILE_INFO tells the fence's status (sync_file_ioctl_fence_info);
 * SYNC_IOC_MERGE and SET_DEADLINE are not modelled: ENOTTY.
 */
import { O_RDONLY, POLLIN, S_IFREG } from '../../../harness/sys/constants';
import { SysError } from '../../../harness/sys/errno';
import { SYNC_IOC_FILE_INFO, sync_file_info } from '../../../harness/uapi/dma-buf';
import type { DmaFence } from './fence';
import type { KernelServices } from './services';
import { anonInode } from './vfs/anon';
import type { FileOperations, KFile } from './vfs/file';

interface SyncFile {
  readonly fence: DmaFence;
}

const syncFileOps: FileOperations = {
  kind: 'sync_file',
  poll(file) {
    return (file.privateData as SyncFile).fence.signaled ? POLLIN : 0;
  },
  ioctl(file, cmd, arg, ctx) {
    if (cmd >>> 0 !== SYNC_IOC_FILE_INFO) throw SysError.of('ENOTTY', 'ioctl');
    const fence = (file.privateData as SyncFile).fence;
    const info = sync_file_info.decode(ctx.mm.copyFromUser(arg, sync_file_info.size, 'ioctl'));
    if (info.flags || info.pad) throw SysError.of('EINVAL', 'ioctl', 'sync_file_info flags/pad');
    // One fence per sync_file here (no merges): per-fence details are not modelled, so a caller
    // asking for them (num_fences != 0) is refused rather than answered wrongly.
    if (info.num_fences !== 0) throw SysError.of('EINVAL', 'ioctl', 'per-fence info is not modelled');
    // dma_fence_get_status: 0 while pending, else the error or 1.
    const status = !fence.signaled ? 0 : fence.error !== 0 ? fence.error : 1;
    const name = Buffer.alloc(32);
    name.write(fence.timeline.slice(0, 31));
    ctx.mm.copyToUser(arg, sync_file_info.encode({ ...info, name: [...name], status, num_fences: 1 }), 'ioctl');
    return 0;
  },
};

/** sync_file_create: anon_inode_getfile(..., 0): an O_RDONLY file. */
export function syncFileCreate(k: KernelServices, fence: DmaFence): KFile {
  const f = k.newFile(syncFileOps, anonInode(S_IFREG | 0o600), O_RDONLY);
  f.privateData = { fence } satisfies SyncFile;
  return f;
}

/** sync_file_get_fence: null when the file is not a sync_file. */
export function syncFileGetFence(file: KFile): DmaFence | null {
  return file.fop === syncFileOps ? (file.privateData as SyncFile).fence : null;
}

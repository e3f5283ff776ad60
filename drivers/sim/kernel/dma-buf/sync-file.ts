/**
 * sync_file (drivers/dma-buf/sync_file.c): a file carrying one dma_fence.
 * poll() reports POLLIN once the fence has signalled (sync_file_poll).
 * Its ioctls (SYNC_IOC_MERGE, SYNC_IOC_FILE_INFO) are not modelled: ENOTTY.
 */
import { O_RDONLY, POLLIN, S_IFREG } from '../../../../harness/sys/constants';
import type { DmaFence } from './dma-fence';
import type { KernelServices } from '../services';
import { anonInode } from '../vfs/anon';
import type { FileOperations, KFile } from '../vfs/file';

interface SyncFile {
  readonly fence: DmaFence;
}

const syncFileOps: FileOperations = {
  kind: 'sync_file',
  poll(file) {
    return (file.privateData as SyncFile).fence.signaled ? POLLIN : 0;
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

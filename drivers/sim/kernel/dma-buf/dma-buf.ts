/**
 * dma-buf files (drivers/dma-buf/dma-buf.c) whose exporter is a GEM object
 * of the DRM core (drm_prime.c: drm_gem_dmabuf_release / drm_gem_prime_mmap
 * as its ops; the export itself is in ../drm/prime.ts). llseek and SYNC ask
 * the exporting device's hooks (../drm/core-hooks.ts).
 */
import { SysError } from '../../../../harness/sys/errno';
import { MAP_SHARED, POLLIN, POLLOUT } from '../../../../harness/sys/constants';
import {
  DMA_BUF_IOCTL_EXPORT_SYNC_FILE,
  DMA_BUF_IOCTL_IMPORT_SYNC_FILE,
  DMA_BUF_IOCTL_SYNC,
  DMA_BUF_SET_NAME_A,
  DMA_BUF_SET_NAME_B,
  DMA_BUF_SYNC_RW,
  DMA_BUF_SYNC_WRITE,
  dma_buf_export_sync_file,
  dma_buf_sync,
} from '../../../../harness/uapi/dma-buf';
import { DmaFence } from './dma-fence';
import { dmaResvUsageRw } from './dma-resv';
import type { KernelServices } from '../services';
import { syncFileCreate, syncFileGetFence } from './sync-file';
import type { CallCtx, FileOperations, KFile } from '../vfs/file';
import type { DmaBufRef } from '../drm/core-hooks';
import { PAGE_SIZE } from '../drm/driver';
import type { GemObjectImpl } from '../drm/gem';

const DMA_BUF_NAME_LEN = 32;

/** A driver's own dma_buf_ops (not the DRM core's drm_gem_prime_dmabuf_ops). */
export interface DriverDmaBufOps {
  /** The exporter has an mmap op; without one dma_buf_mmap_internal is EINVAL. */
  readonly mmap: boolean;
  /** dma_buf_ops.release: the exporter's own teardown. */
  release(): void;
}

export class DmaBuf implements DmaBufRef {
  file!: KFile;
  name = '';
  /** Set for a driver's own exporter; null for the DRM core's PRIME export. */
  driverOps: DriverDmaBufOps | null = null;

  constructor(
    /** dmabuf->priv: the exporting GEM object. */
    readonly obj: GemObjectImpl,
    readonly size: number,
    /** Drops the object reference the dma-buf holds (null when it took none: DrmCoreHooks.objectHold). */
    readonly dropObject: (() => void) | null,
    readonly kernel: KernelServices,
  ) {}

  get(): void {
    this.file.get();
  }

  put(): void {
    this.file.put();
  }
}

function str(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return buf.subarray(0, nul < 0 ? buf.length : nul).toString('latin1');
}

export const dmaBufOps: FileOperations = {
  kind: 'dmabuf',
  /** dma_buf_release -> drm_gem_dmabuf_release: drops the object reference taken at export. */
  release(file) {
    const d = file.privateData as DmaBuf;
    d.kernel.acct.remove('dmabuf', d);
    d.driverOps?.release();
    d.dropObject?.();
  },
  /** dma_buf_llseek (DrmCoreHooks.dmabufLlseek): f_pos is not changed. */
  llseek(file, offset, whence) {
    const d = file.privateData as DmaBuf;
    return d.obj.dev.hooks.dmabufLlseek(d, offset, whence);
  },
  /**
   * dma_buf_mmap_internal: EINVAL past the end of the buffer; then
   * drm_gem_prime_mmap maps the object's pages and holds a reference.
   */
  mmap(file, vma) {
    const d = file.privateData as DmaBuf;
    if (d.driverOps && !d.driverOps.mmap) throw SysError.of('EINVAL', 'mmap', 'the exporter has no mmap');
    const pages = BigInt(Math.ceil(vma.length / PAGE_SIZE));
    if (vma.pgoff + pages > BigInt(d.size / PAGE_SIZE)) throw SysError.of('EINVAL', 'mmap', 'beyond the dma-buf');
    if (!(vma.flags & MAP_SHARED)) throw SysError.of('EINVAL', 'mmap', 'copy-on-write mapping of a dma-buf');
    const start = Number(vma.pgoff) * PAGE_SIZE;
    vma.memory = d.obj.memory.subarray(start, start + vma.length);
    if (d.obj.tryGet()) {
      const obj = d.obj;
      d.kernel.acct.add('vma', vma);
      vma.close = () => {
        d.kernel.acct.remove('vma', vma);
        obj.put();
      };
    }
  },
  ioctl(file, cmd, arg, ctx) {
    return dmaBufIoctl(file.privateData as DmaBuf, cmd, arg, ctx);
  },
  /** dma_buf_poll: readable once the writers' fences signalled, writable once every fence has. */
  poll(file) {
    const resv = (file.privateData as DmaBuf).obj.resv;
    return (resv.signaled('write') ? POLLIN : 0) | (resv.signaled('read') ? POLLOUT : 0);
  },
};

/** dma_buf_ioctl: the request must match exactly; anything else ENOTTY. */
function dmaBufIoctl(d: DmaBuf, cmd: number, arg: bigint, ctx: CallCtx): number {
  switch (cmd >>> 0) {
    case DMA_BUF_IOCTL_SYNC: {
      const sync = dma_buf_sync.decode(ctx.mm.copyFromUser(arg, dma_buf_sync.size, 'ioctl'));
      d.obj.dev.hooks.dmabufSync(d, sync.flags);
      return 0;
    }
    case DMA_BUF_SET_NAME_A:
    case DMA_BUF_SET_NAME_B: {
      // dma_buf_set_name: strndup_user(buf, DMA_BUF_NAME_LEN).
      const bytes: number[] = [];
      for (let i = 0; ; i++) {
        const b = ctx.mm.copyFromUser(arg + BigInt(i), 1, 'ioctl')[0] as number;
        if (b === 0) break;
        bytes.push(b);
        if (bytes.length >= DMA_BUF_NAME_LEN) throw SysError.of('EINVAL', 'ioctl', 'dma-buf name too long');
      }
      d.name = str(Buffer.from(bytes));
      return 0;
    }
    case DMA_BUF_IOCTL_EXPORT_SYNC_FILE: {
      const a = dma_buf_export_sync_file.decode(ctx.mm.copyFromUser(arg, dma_buf_export_sync_file.size, 'ioctl'));
      const rw = Number(DMA_BUF_SYNC_RW);
      if (a.flags & ~rw || (a.flags & rw) === 0) throw SysError.of('EINVAL', 'ioctl', 'EXPORT_SYNC_FILE flags');
      // dma_buf_export_sync_file: the singleton of the fences a reader (WRITE usage) or a
      // writer (READ usage) must wait for, or a signalled stub when there are none.
      const usage = dmaResvUsageRw((a.flags & Number(DMA_BUF_SYNC_WRITE)) !== 0);
      const sf = syncFileCreate(d.kernel, d.obj.resv.singleton(usage) ?? DmaFence.signaled('dma-buf'));
      const fd = ctx.task.files.install(sf, true, 'ioctl');
      try {
        ctx.mm.copyToUser(arg, dma_buf_export_sync_file.encode({ flags: a.flags, fd }), 'ioctl');
      } catch (e) {
        ctx.task.files.close(fd);
        throw e;
      }
      return 0;
    }
    case DMA_BUF_IOCTL_IMPORT_SYNC_FILE: {
      const a = dma_buf_export_sync_file.decode(ctx.mm.copyFromUser(arg, dma_buf_export_sync_file.size, 'ioctl'));
      const rw = Number(DMA_BUF_SYNC_RW);
      if (a.flags & ~rw || (a.flags & rw) === 0) throw SysError.of('EINVAL', 'ioctl', 'IMPORT_SYNC_FILE flags');
      const f = ctx.task.files.has(a.fd) ? ctx.task.files.lookup(a.fd, 'ioctl') : null;
      if (!f || !syncFileGetFence(f)) throw SysError.of('EINVAL', 'ioctl', 'not a sync_file');
      return 0;
    }
    default:
      throw SysError.of('ENOTTY', 'ioctl');
  }
}

export function isDmaBufFile(file: KFile): boolean {
  return file.fop === dmaBufOps;
}

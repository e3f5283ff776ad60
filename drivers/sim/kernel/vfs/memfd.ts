/**
 * memfd_create(2) (mm/memfd.c over shmem): a growable anonymous regular file
 * with read/write at f_pos, lseek (fs/read_write.c generic_file_llseek:
 * EINVAL for a negative result or an unknown whence) and shared mmap of its
 * pages. No ioctl op: ENOTTY.
 */
import { SysError } from '../../../../harness/sys/errno';
import { O_RDWR, S_IFREG, SEEK_CUR, SEEK_END, SEEK_SET, POLLIN, POLLOUT } from '../../../../harness/sys/constants';
import { PAGE_SIZE } from '../mm';
import { anonInode } from './anon';
import { KFile, type FileOperations } from './file';

/**
 * Largest memfd the simulator backs with memory (1 GiB). shmem would take any
 * size up to MAX_LFS_FILESIZE as a sparse file; the simulator holds real
 * bytes, so beyond this it answers ENOMEM, as shmem does when it cannot get
 * pages, instead of failing inside JavaScript.
 */
export const SIM_MEMFD_MAX = 1 << 30;

function checkCapacity(size: number, syscall: string): void {
  if (size > SIM_MEMFD_MAX) throw SysError.of('ENOMEM', syscall, `simulated memfds hold at most ${SIM_MEMFD_MAX} bytes`);
}

/** shmem pages: capacity in whole pages, `size` is i_size. */
class Shmem {
  data: Buffer;
  constructor(public size: number) {
    checkCapacity(size, 'ftruncate');
    this.data = Buffer.alloc(pageUp(size));
  }
  /** Growing past the capacity moves the pages: mappings made before keep the old ones. */
  grow(size: number): void {
    checkCapacity(size, 'write');
    if (size > this.data.length) {
      const n = Buffer.alloc(pageUp(Math.max(size, this.data.length * 2)));
      this.data.copy(n);
      this.data = n;
    }
    if (size > this.size) this.size = size;
  }
}

const pageUp = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

const ops: FileOperations = {
  kind: 'memfd',
  read(file, length) {
    const s = file.privateData as Shmem;
    const pos = Number(file.pos);
    const out = Buffer.from(s.data.subarray(Math.min(pos, s.size), Math.min(pos + length, s.size)));
    file.pos += BigInt(out.length);
    return out;
  },
  write(file, data) {
    const s = file.privateData as Shmem;
    const pos = Number(file.pos);
    s.grow(pos + data.length);
    data.copy(s.data, pos);
    file.pos += BigInt(data.length);
    return data.length;
  },
  llseek(file, offset, whence) {
    const s = file.privateData as Shmem;
    let base: bigint;
    if (whence === SEEK_SET) base = 0n;
    else if (whence === SEEK_CUR) base = file.pos;
    else if (whence === SEEK_END) base = BigInt(s.size);
    else throw SysError.of('EINVAL', 'lseek');
    const pos = base + offset;
    if (pos < 0n) throw SysError.of('EINVAL', 'lseek');
    file.pos = pos;
    return pos;
  },
  mmap(file, vma) {
    const s = file.privateData as Shmem;
    const start = Number(vma.pgoff) * PAGE_SIZE;
    // Pages wholly beyond EOF would SIGBUS on access; the simulator refuses the mapping instead.
    if (start + vma.length > pageUp(s.size)) throw SysError.of('ENXIO', 'mmap', 'beyond the end of the memfd');
    vma.memory = s.data.subarray(start, start + vma.length);
  },
  poll() {
    return POLLIN | POLLOUT;
  },
};

export function createMemfd(size: number, onFree: (f: KFile) => void, uid: number, gid: number): KFile {
  const shm = new Shmem(Math.max(0, size));
  const f = new KFile(ops, anonInode(S_IFREG | 0o777, () => BigInt(shm.size), uid, gid), O_RDWR, onFree);
  f.privateData = shm;
  return f;
}

/**
 * pipe(2) (fs/pipe.c): a byte queue with a read end and a write end. A read
 * on an empty pipe whose writers are gone returns 0 bytes (EOF); a write
 * with no reader left is EPIPE. No ioctl op: ioctl(2) gives ENOTTY.
 * A read that would block returns EAGAIN in the simulator even without
 * O_NONBLOCK: nothing else can run during a synchronous call to fill it.
 */
import { SysError } from '../../../../harness/sys/errno';
import { O_RDONLY, O_WRONLY, POLLHUP, POLLIN, POLLOUT, POLLERR, S_IFIFO } from '../../../../harness/sys/constants';
import { anonInode } from './anon';
import { KFile, type FileOperations } from './file';

class PipeBuffer {
  data: Buffer = Buffer.alloc(0);
  readers = 1;
  writers = 1;
}

const readOps: FileOperations = {
  kind: 'pipe',
  read(file, length) {
    const p = file.privateData as PipeBuffer;
    if (p.data.length === 0) {
      if (p.writers === 0) return Buffer.alloc(0);
      throw SysError.of('EAGAIN', 'read');
    }
    const out = Buffer.from(p.data.subarray(0, length));
    p.data = p.data.subarray(out.length);
    return out;
  },
  poll(file) {
    const p = file.privateData as PipeBuffer;
    return (p.data.length > 0 ? POLLIN : 0) | (p.writers === 0 ? POLLHUP : 0);
  },
  release(file) {
    (file.privateData as PipeBuffer).readers--;
  },
};

const writeOps: FileOperations = {
  kind: 'pipe',
  write(file, data) {
    const p = file.privateData as PipeBuffer;
    if (p.readers === 0) throw SysError.of('EPIPE', 'write');
    p.data = Buffer.concat([p.data, data]);
    return data.length;
  },
  poll(file) {
    const p = file.privateData as PipeBuffer;
    return p.readers === 0 ? POLLERR : POLLOUT;
  },
  release(file) {
    (file.privateData as PipeBuffer).writers--;
  },
};

export function createPipe(onFree: (f: KFile) => void): [KFile, KFile] {
  const buf = new PipeBuffer();
  const inode = anonInode(S_IFIFO | 0o600, () => BigInt(buf.data.length));
  const r = new KFile(readOps, inode, O_RDONLY, onFree);
  const w = new KFile(writeOps, inode, O_WRONLY, onFree);
  r.privateData = buf;
  w.privateData = buf;
  return [r, w];
}

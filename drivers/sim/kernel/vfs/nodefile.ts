/**
 * Files opened by path that are not devices: sysfs/debugfs attributes
 * (content captured at open, as seq_file does at the first read), directories
 * (read gives EISDIR), and the stdio placeholders of a new process.
 */
import { SysError } from '../../../../harness/sys/errno';
import { SEEK_CUR, SEEK_END, SEEK_SET, POLLIN, POLLOUT } from '../../../../harness/sys/constants';
import type { FileOperations } from './file';

export const attrOps: FileOperations = {
  kind: 'attr',
  read(file, length) {
    const data = file.privateData as Buffer;
    const pos = Number(file.pos);
    const out = Buffer.from(data.subarray(Math.min(pos, data.length), Math.min(pos + length, data.length)));
    file.pos += BigInt(out.length);
    return out;
  },
  write() {
    throw SysError.of('EACCES', 'write');
  },
  llseek(file, offset, whence) {
    const data = file.privateData as Buffer;
    const base = whence === SEEK_SET ? 0n : whence === SEEK_CUR ? file.pos : whence === SEEK_END ? BigInt(data.length) : -1n;
    if (base < 0n || base + offset < 0n) throw SysError.of('EINVAL', 'lseek');
    file.pos = base + offset;
    return file.pos;
  },
};

/** A sysfs attribute with a store(): each write(2) is one store call (kernfs_fop_write_iter). */
export function storeAttrOps(store: (data: Buffer) => number): FileOperations {
  return { ...attrOps, kind: 'attr', write: (_file, data) => store(data) };
}

export const dirOps: FileOperations = {
  kind: 'dir',
  read() {
    throw SysError.of('EISDIR', 'read');
  },
  llseek(file, offset) {
    file.pos = offset;
    return offset;
  },
};

/** A tty stand-in for fds 0-2: reads return EOF, writes are swallowed, ioctls ENOTTY. */
export const stdioOps: FileOperations = {
  kind: 'stdio',
  read() {
    return Buffer.alloc(0);
  },
  write(_file, data) {
    return data.length;
  },
  poll() {
    return POLLIN | POLLOUT;
  },
};

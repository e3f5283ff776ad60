/**
 * The simulated machine's file tree: sysfs, devfs, debugfs and /etc in one
 * in-memory namespace. Paths resolve as fs/namei.c does: symlinks followed
 * (relative to their directory) for stat/open/realpath, not for lstat/readlink;
 * ELOOP after 40 links (MAXSYMLINKS), ENOENT/ENOTDIR on the way.
 */
import { SysError } from '../../../../harness/sys/errno';
import { S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG } from '../../../../harness/sys/constants';
import type { FsView, Stat } from '../../../../harness/sys/types';

const MAXSYMLINKS = 40;
let inoSeq = 1n;

interface Base {
  readonly ino: bigint;
  mode: number;
  uid: number;
  gid: number;
}
export interface DirNode extends Base {
  readonly type: 'dir';
  readonly children: Map<string, Node>;
}
export interface FileNode extends Base {
  readonly type: 'file';
  read(): Buffer;
  /** A sysfs attribute's store(): bytes accepted, or a thrown SysError. Absent: writes fail (EACCES). */
  readonly store?: (data: Buffer) => number;
}
export interface LinkNode extends Base {
  readonly type: 'link';
  readonly target: string;
}
export interface ChrNode extends Base {
  readonly type: 'chr';
  readonly major: number;
  readonly minor: number;
}
export type Node = DirNode | FileNode | LinkNode | ChrNode;

const split = (p: string): string[] => p.split('/').filter((s) => s.length > 0 && s !== '.');

export class FsTree implements FsView {
  readonly root: DirNode = { type: 'dir', ino: inoSeq++, mode: S_IFDIR | 0o755, uid: 0, gid: 0, children: new Map() };

  mkdirp(path: string, mode = 0o755): DirNode {
    let d = this.root;
    for (const part of split(path)) {
      let n = d.children.get(part);
      if (!n) {
        n = { type: 'dir', ino: inoSeq++, mode: S_IFDIR | mode, uid: 0, gid: 0, children: new Map() };
        d.children.set(part, n);
      }
      if (n.type !== 'dir') throw new Error(`mkdirp: ${path}: ${part} is not a directory`);
      d = n;
    }
    return d;
  }

  private parentOf(path: string): [DirNode, string] {
    const parts = split(path);
    const name = parts.pop();
    if (!name) throw new Error(`bad path ${path}`);
    return [this.mkdirp(parts.join('/')), name];
  }

  /** A file whose content is computed at each read (sysfs show, debugfs); with `store`, a writable attribute. */
  addFile(path: string, read: () => string | Buffer, mode = 0o444, store?: (data: Buffer) => number): FileNode {
    const [dir, name] = this.parentOf(path);
    const node: FileNode = {
      type: 'file',
      ino: inoSeq++,
      mode: S_IFREG | mode,
      uid: 0,
      gid: 0,
      read: () => {
        const v = read();
        return typeof v === 'string' ? Buffer.from(v) : v;
      },
      ...(store ? { store } : {}),
    };
    dir.children.set(name, node);
    return node;
  }

  addSymlink(path: string, target: string): void {
    const [dir, name] = this.parentOf(path);
    dir.children.set(name, { type: 'link', ino: inoSeq++, mode: S_IFLNK | 0o777, uid: 0, gid: 0, target });
  }

  addChr(path: string, major: number, minor: number, mode: number, uid: number, gid: number): void {
    const [dir, name] = this.parentOf(path);
    dir.children.set(name, { type: 'chr', ino: inoSeq++, mode: S_IFCHR | mode, uid, gid, major, minor });
  }

  remove(path: string): void {
    const [dir, name] = this.parentOf(path);
    dir.children.delete(name);
  }

  /**
   * Walks `path`; returns the node and its canonical path. `followLast`
   * decides whether a symlink in the last component is followed.
   */
  resolve(path: string, followLast: boolean, syscall: string): { node: Node; path: string } {
    if (!path.startsWith('/')) throw SysError.of('ENOENT', syscall, `relative path ${path}`);
    let budget = MAXSYMLINKS;
    // Every name on `stack` is a real directory from the root, so '..' is a pop.
    const dirAt = (stack: readonly string[]): DirNode => {
      let d = this.root;
      for (const s of stack) d = d.children.get(s) as DirNode;
      return d;
    };
    const walk = (parts: readonly string[], startStack: readonly string[]): { node: Node; path: string } => {
      const stack = [...startStack];
      let cur: Node = dirAt(stack);
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as string;
        if (cur.type !== 'dir') throw SysError.of('ENOTDIR', syscall, path);
        if (part === '..') {
          stack.pop();
          cur = dirAt(stack);
          continue;
        }
        const next: Node | undefined = cur.children.get(part);
        if (!next) throw SysError.of('ENOENT', syscall, path);
        const last = i === parts.length - 1;
        if (next.type === 'link' && (!last || followLast)) {
          if (--budget < 0) throw SysError.of('ELOOP', syscall, path);
          const r = walk(split(next.target), next.target.startsWith('/') ? [] : stack);
          if (last) return r;
          if (r.node.type !== 'dir') throw SysError.of('ENOTDIR', syscall, path);
          stack.length = 0;
          stack.push(...split(r.path));
          cur = r.node;
          continue;
        }
        stack.push(part);
        cur = next;
      }
      return { node: cur, path: '/' + stack.join('/') };
    };
    return walk(split(path), []);
  }

  private statOf(n: Node): Stat {
    let size = 0n;
    if (n.type === 'link') size = BigInt(Buffer.byteLength(n.target));
    else if (n.type === 'dir') size = 0n;
    // sysfs attributes report a size of 4096 (one page) whatever they hold.
    else if (n.type === 'file') size = 4096n;
    return {
      mode: n.mode,
      ino: n.ino,
      size,
      uid: n.uid,
      gid: n.gid,
      rdevMajor: n.type === 'chr' ? n.major : 0,
      rdevMinor: n.type === 'chr' ? n.minor : 0,
    };
  }

  stat(path: string): Stat {
    return this.statOf(this.resolve(path, true, 'stat').node);
  }

  lstat(path: string): Stat {
    return this.statOf(this.resolve(path, false, 'lstat').node);
  }

  readdir(path: string): string[] {
    const { node } = this.resolve(path, true, 'opendir');
    if (node.type !== 'dir') throw SysError.of('ENOTDIR', 'opendir', path);
    return [...node.children.keys()];
  }

  readlink(path: string): string {
    const { node } = this.resolve(path, false, 'readlink');
    if (node.type !== 'link') throw SysError.of('EINVAL', 'readlink', path);
    return node.target;
  }

  realpath(path: string): string {
    return this.resolve(path, true, 'realpath').path;
  }

  readFile(path: string): Buffer {
    const { node } = this.resolve(path, true, 'open');
    if (node.type === 'dir') throw SysError.of('EISDIR', 'read', path);
    if (node.type === 'chr') throw SysError.of('EINVAL', 'read', `${path} is a device node`);
    if (node.type !== 'file') throw SysError.of('ENOENT', 'open', path);
    return node.read();
  }

  exists(path: string): boolean {
    try {
      this.resolve(path, true, 'access');
      return true;
    } catch {
      return false;
    }
  }
}

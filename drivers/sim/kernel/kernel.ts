/**
 * The simulated kernel: one VirtualClock, one file tree (sysfs, devfs,
 * debugfs, /etc), the char-device table, the tasks, and drm.ko (./drm/drv.ts)
 * with the DRM devices registered by drivers. Sys objects (../sys.ts) are bound to one
 * task of one SimKernel.
 */
import { SysError } from '../../../harness/sys/errno';
import { O_ACCMODE, O_RDONLY, O_RDWR, O_WRONLY, O_CREAT, O_DIRECTORY, S_IFCHR } from '../../../harness/sys/constants';
import { Accounting } from './accounting';
import { VirtualClock } from './clock';
import { DrmDeviceImpl } from './drm/device';
import type { DriverCdev, DrmDevice, DrmDriver, DrmRegisterOptions, DrmRegistrar } from './drm/driver';
import { IoctlCtx } from './drm/ctx';
import { DrmDrv, type ChrdevOpen } from './drm/drv';
import type { KernelServices } from './services';
import { Task, type Credentials } from './task';
import { KFile, type FileOperations, type InodeInfo } from './vfs/file';
import { attrOps, dirOps, stdioOps, storeAttrOps } from './vfs/nodefile';
import { KernelLogBuffer, kmsgFops } from './printk';
import { PlatformBus } from './driver-core';
import { FsTree } from './vfs/tree';
import { anonInode } from './vfs/anon';

import { RENDER_GID } from './drm/drv';
import { ACCEL_MAJOR, DRM_MAJOR } from '../../../harness/uapi/drm';

export { RENDER_GID };
export const VIDEO_GID = 44;
export const DEFAULT_UID = 1000;
/** The default user: not root, in group render (as udev's uaccess/render rules usually give). */
export const DEFAULT_CRED: Credentials = { uid: DEFAULT_UID, gid: DEFAULT_UID, groups: [RENDER_GID, VIDEO_GID] };


export interface DeviceStats {
  readonly accel: number;
  readonly driver: string;
  readonly files: number;
  readonly gemObjects: number;
  readonly flinkNames: number;
  readonly mmapOffsets: number;
}

export interface KernelStats {
  /** Open file descriptions alive (stdio placeholders excluded). */
  readonly files: number;
  readonly filesByKind: Readonly<Record<string, number>>;
  readonly drmFiles: number;
  readonly gemObjects: number;
  readonly dmaBufs: number;
  readonly syncobjs: number;
  /** Mappings that hold a GEM object (GEM and dma-buf mmaps). */
  readonly vmas: number;
  readonly tasks: number;
  readonly devices: readonly DeviceStats[];
  /** Refcount underflows and uses after free seen so far (kernel bugs). */
  readonly bugs: readonly string[];
}

/** A device of the simulated DRM core (the DrmDevice interface is what models hold). */
function asImpl(dev: DrmDevice): DrmDeviceImpl {
  if (!(dev instanceof DrmDeviceImpl)) throw new TypeError(`${dev.parentName}: not a DRM device of the simulated core`);
  return dev;
}

export class SimKernel implements DrmRegistrar, KernelServices {
  readonly clock = new VirtualClock();
  readonly acct = new Accounting();
  readonly fs = new FsTree();
  private readonly chrdevs = new Map<string, ChrdevOpen>();
  private readonly tasks = new Set<Task>();
  private nextPid = 1000;
  /** drm.ko: registration of DRM devices and their minors. */
  readonly drm = new DrmDrv(this);
  /** The kernel log (/dev/kmsg) and taint (/proc/sys/kernel/tainted). */
  readonly log = new KernelLogBuffer(this.clock);
  /** The platform bus's driver core: sysfs bind/unbind of the drivers that allow it. */
  readonly platform = new PlatformBus(this.fs, this.log);

  constructor() {
    for (const d of [
      '/dev/accel',
      '/dev/dri',
      '/sys/class/accel',
      '/sys/class/drm',
      '/sys/bus/platform/drivers',
      '/sys/bus/platform/devices',
      '/sys/devices/platform',
      '/sys/module',
      '/sys/kernel/debug/accel',
      '/sys/kernel/debug/dri',
      '/proc',
    ]) {
      this.fs.mkdirp(d);
    }
    this.fs.addFile(
      '/etc/group',
      () => `root:x:0:\nvideo:x:${VIDEO_GID}:sim\nrender:x:${RENDER_GID}:sim\nsim:x:${DEFAULT_UID}:\n`,
      0o644,
    );
    // mem_class's kmsg device (drivers/char/mem.c devlist: 1:11, 0644).
    this.fs.addChr('/dev/kmsg', 1, 11, 0o644, 0, 0);
    this.addChrdev(1, 11, (_task, flags, inode) => this.newFile(kmsgFops(this.log), inode, flags));
    this.fs.addFile('/proc/sys/kernel/tainted', () => `${this.log.taint}\n`, 0o644);
    this.fs.addFile('/proc/version', () => 'Linux version 6.12.0-sim (accel-conformance simulated kernel)\n');
  }

  /** register_chrdev_region + cdev_add for one MAJOR:MINOR. */
  addChrdev(major: number, minor: number, open: ChrdevOpen): void {
    this.chrdevs.set(`${major}:${minor}`, open);
  }

  removeChrdev(major: number, minor: number): void {
    this.chrdevs.delete(`${major}:${minor}`);
  }

  newFile(fop: FileOperations, inode: InodeInfo, flags: number): KFile {
    const f = new KFile(fop, inode, flags, (x) => this.acct.remove('file', x));
    this.acct.add('file', f);
    return f;
  }

  // ---- tasks ----

  /** A new process with fds 0-2 open on a tty stand-in. */
  createTask(cred: Credentials = DEFAULT_CRED): Task {
    const t = new Task(this.nextPid++, cred);
    const tty = new KFile(stdioOps, anonInode(S_IFCHR | 0o620), O_RDWR, () => undefined);
    t.files.install(tty, false, 'open');
    t.files.install(tty.get(), false, 'open');
    t.files.install(tty.get(), false, 'open');
    this.tasks.add(t);
    return t;
  }

  /**
   * fork + exec keeping `fds` open: the child's fd table holds new
   * references to the same open file descriptions, at the same numbers.
   */
  forkTask(parent: Task, fds: readonly number[]): { task: Task; inherited: Map<number, number> } {
    const child = this.createTask(parent.cred);
    const inherited = new Map<number, number>();
    for (const fd of fds) {
      const f = parent.files.lookup(fd, 'fork');
      if (child.files.has(fd)) child.files.close(fd);
      const got = child.files.install(f.get(), false, 'fork', fd);
      inherited.set(fd, got);
    }
    return { task: child, inherited };
  }

  /** do_exit: exit_files closes every fd, exit_mm drops every mapping. */
  exitTask(task: Task): void {
    if (!task.alive) return;
    task.alive = false;
    task.files.closeAll();
    task.mm.teardown();
    this.tasks.delete(task);
  }

  // ---- open(2) ----

  /** generic_permission: root passes, then owner, group or other bits for the access mode. */
  private permitted(task: Task, mode: number, uid: number, gid: number, flags: number): boolean {
    if (task.admin) return true;
    const acc = flags & O_ACCMODE;
    const need = (acc === O_RDONLY ? 4 : acc === O_WRONLY ? 2 : 6);
    const bits = task.cred.uid === uid ? (mode >> 6) & 7 : task.inGroup(gid) ? (mode >> 3) & 7 : mode & 7;
    return (bits & need) === need;
  }

  openPath(task: Task, path: string, flags: number): KFile {
    let r;
    try {
      r = this.fs.resolve(path, true, 'open');
    } catch (e) {
      if (e instanceof SysError && e.code === 'ENOENT' && flags & O_CREAT) {
        throw SysError.of('EACCES', 'open', `${path}: the simulated file system is read-only`);
      }
      throw e;
    }
    const n = r.node;
    if (flags & O_DIRECTORY && n.type !== 'dir') throw SysError.of('ENOTDIR', 'open', path);
    if (!this.permitted(task, n.mode, n.uid, n.gid, flags)) throw SysError.of('EACCES', 'open', path);
    const inode: InodeInfo = {
      mode: n.mode,
      ino: n.ino,
      uid: n.uid,
      gid: n.gid,
      rdevMajor: n.type === 'chr' ? n.major : 0,
      rdevMinor: n.type === 'chr' ? n.minor : 0,
      size: () => 0n,
    };
    switch (n.type) {
      case 'dir':
        if ((flags & O_ACCMODE) !== O_RDONLY) throw SysError.of('EISDIR', 'open', path);
        return this.newFile(dirOps, inode, flags);
      case 'file': {
        const f = this.newFile(n.store ? storeAttrOps(n.store) : attrOps, inode, flags);
        f.privateData = n.read();
        return f;
      }
      case 'chr': {
        // chrdev_open: no driver behind the number is ENXIO.
        const open = this.chrdevs.get(`${n.major}:${n.minor}`);
        if (!open) throw SysError.of('ENXIO', 'open', path);
        return open(task, flags, inode);
      }
      default:
        throw SysError.of('ENOENT', 'open', path);
    }
  }

  // ---- DRM (drm_drv.c, drm_accel.c: ./drm/drv.ts) ----

  registerDrmDriver(driver: DrmDriver, options: DrmRegisterOptions): DrmDevice {
    return this.drm.register(driver, options);
  }

  unregisterDrmDevice(dev: DrmDevice): void {
    this.drm.unregister(asImpl(dev));
  }

  putDrmDevice(dev: DrmDevice): void {
    this.drm.put(asImpl(dev));
  }

  /** Dynamic majors by chrdev region name (fs/char_dev.c find_dynamic_major: from 254 down). */
  private readonly cdevRegions = new Map<string, number>();

  addDriverCdev(cdev: DriverCdev): number {
    let major = this.cdevRegions.get(cdev.region);
    if (major === undefined) {
      const used = new Set([...this.cdevRegions.values(), ACCEL_MAJOR, DRM_MAJOR]);
      major = 254;
      while (used.has(major)) major--;
      this.cdevRegions.set(cdev.region, major);
    }
    const dir = `/sys/devices/virtual/accel/${cdev.name}`;
    if (this.fs.exists(dir) || this.chrdevs.has(`${major}:${cdev.minor}`)) throw SysError.of('EBUSY', 'cdev_device_add', cdev.name);
    const m = major;
    this.fs.mkdirp(dir);
    this.fs.addFile(`${dir}/dev`, () => `${m}:${cdev.minor}\n`);
    this.fs.addFile(`${dir}/uevent`, () => `MAJOR=${m}\nMINOR=${cdev.minor}\nDEVNAME=accel/${cdev.name}\n`, 0o644);
    this.fs.addSymlink(`${dir}/subsystem`, '../../../../class/accel');
    this.fs.addSymlink(`/sys/class/accel/${cdev.name}`, `../../devices/virtual/accel/${cdev.name}`);
    this.fs.addChr(`/dev/accel/${cdev.name}`, m, cdev.minor, 0o660, 0, RENDER_GID);
    this.chrdevs.set(`${m}:${cdev.minor}`, (task, flags, inode) => {
      const file = cdev.open({ pid: task.pid, uid: task.cred.uid, flags });
      const fops: FileOperations = {
        kind: `cdev:${cdev.region}`,
        release: () => file.release(),
        ioctl: (_f, cmd, arg, c) => file.ioctl(cmd, arg, new IoctlCtx(c.task, this, c.async)),
      };
      return this.newFile(fops, inode, flags);
    });
    return m;
  }

  get devices(): readonly DrmDeviceImpl[] {
    return this.drm.devices;
  }

  // ---- introspection ----

  stats(): KernelStats {
    const byKind: Record<string, number> = {};
    for (const f of (this.acct.live.get('file') ?? new Set()) as Set<KFile>) byKind[f.fop.kind] = (byKind[f.fop.kind] ?? 0) + 1;
    return {
      files: this.acct.count('file'),
      filesByKind: byKind,
      drmFiles: this.acct.count('drm_file'),
      gemObjects: this.acct.count('gem'),
      dmaBufs: this.acct.count('dmabuf'),
      syncobjs: this.acct.count('syncobj'),
      vmas: this.acct.count('vma'),
      tasks: this.tasks.size,
      devices: this.devices.map((d) => ({
        accel: d.accelIndex,
        driver: d.driver.name,
        files: d.fileList.length,
        gemObjects: d.objects.size,
        flinkNames: d.objectNames.size,
        mmapOffsets: d.vmaManager.size,
      })),
      bugs: [...this.acct.bugs],
    };
  }
}

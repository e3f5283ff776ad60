/**
 * The simulated kernel: one VirtualClock, one file tree (sysfs, devfs,
 * debugfs, /etc), the char-device table, the tasks, and the DRM devices
 * registered by bundled drivers. Sys objects (../sys.ts) are bound to one
 * task of one SimKernel.
 */
import { SysError } from '../../../harness/sys/errno';
import { O_ACCMODE, O_RDONLY, O_RDWR, O_WRONLY, O_CREAT, O_DIRECTORY, S_IFCHR } from '../../../harness/sys/constants';
import { ACCEL_MAJOR, ACCEL_MAX_MINORS, DRM_COMMAND_BASE, DRM_COMMAND_END, DRM_IOCTL_BASE_CODE, DRM_MAJOR } from '../../../harness/uapi/drm';
import { decodeIoctl } from '../../../harness/uapi/ioctl';
import { Accounting } from './accounting';
import { VirtualClock } from './clock';
import { DrmDeviceImpl } from './drm/device';
import type { DriverCdev, DrmDevice, DrmDriver, DrmRegisterOptions, DrmRegistrar } from './drm/driver';
import { IoctlCtx } from './drm/ctx';
import { DRIVER_COMPUTE_ACCEL, DRIVER_MODESET, DRIVER_RENDER } from './drm/driver';
import { drmOpen } from './drm/fops';
import type { MinorType } from './drm/file';
import type { KernelServices } from './services';
import { Task, type Credentials } from './task';
import { KFile, type FileOperations, type InodeInfo } from './vfs/file';
import { attrOps, dirOps, stdioOps } from './vfs/nodefile';
import { FsTree } from './vfs/tree';
import { anonInode } from './vfs/anon';

export const RENDER_GID = 109;
export const VIDEO_GID = 44;
export const DEFAULT_UID = 1000;
/** The default user: not root, in group render (as udev's uaccess/render rules usually give). */
export const DEFAULT_CRED: Credentials = { uid: DEFAULT_UID, gid: DEFAULT_UID, groups: [RENDER_GID, VIDEO_GID] };

type ChrdevOpen = (task: Task, flags: number, inode: InodeInfo) => KFile;

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

export class SimKernel implements DrmRegistrar, KernelServices {
  readonly clock = new VirtualClock();
  readonly acct = new Accounting();
  readonly fs = new FsTree();
  readonly devices: DrmDeviceImpl[] = [];
  private readonly chrdevs = new Map<string, ChrdevOpen>();
  private readonly tasks = new Set<Task>();
  private nextPid = 1000;
  private readonly accelMinors = new Set<number>();
  private readonly renderMinors = new Set<number>();
  private readonly controlMinors = new Set<number>();
  /**
   * Core defects that live in code every driver shares (drm_dev_init in
   * drm.ko): once a device's spec names one, the kernel carries it for every
   * registration after it, including a test's own probe drivers.
   */
  private readonly kernelDefects = new Set<string>();

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
    this.fs.addFile('/proc/version', () => 'Linux version 6.12.0-sim (accel-conformance simulated kernel)\n');
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
        const f = this.newFile(attrOps, inode, flags);
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

  // ---- DRM ----

  registerDrmDriver(driver: DrmDriver, options: DrmRegisterOptions): DrmDevice {
    const f = driver.features;
    if (options.defects.has('accel-render-accepted')) this.kernelDefects.add('accel-render-accepted');
    // drm_dev_init: "DRM driver can't be both a compute acceleration and graphics driver".
    if (f & DRIVER_COMPUTE_ACCEL && f & (DRIVER_RENDER | DRIVER_MODESET) && !this.kernelDefects.has('accel-render-accepted')) {
      throw SysError.of('EINVAL', 'drm_dev_init', 'DRIVER_COMPUTE_ACCEL with DRIVER_RENDER or DRIVER_MODESET');
    }
    if (!(f & DRIVER_COMPUTE_ACCEL)) throw SysError.of('EINVAL', 'drm_dev_register', 'the simulator only hosts accel drivers');
    checkIoctlTable(driver);
    const parentPath = `/sys/devices/platform/${options.parentName}`;
    if (this.fs.exists(parentPath)) throw SysError.of('EEXIST', 'platform_device_add', options.parentName);
    // drm_minor_alloc: xa_alloc in [0, ACCEL_MAX_MINORS), lowest free; full is EBUSY.
    let index = 0;
    while (this.accelMinors.has(index)) index++;
    if (index >= ACCEL_MAX_MINORS) throw SysError.of('EBUSY', 'drm_minor_alloc', 'no accel minor left');
    this.accelMinors.add(index);

    const dev = new DrmDeviceImpl(
      {
        driver,
        accelIndex: index,
        module: options.module,
        parentName: options.parentName,
        params: options.params,
        defects: options.defects,
      },
      this,
    );
    this.devices.push(dev);
    this.populateParent(dev, parentPath);
    this.addMinor(dev, 'accel', ACCEL_MAJOR, index, parentPath);
    if (dev.defects.has('render-node')) {
      let r = 128;
      while (this.renderMinors.has(r)) r++;
      this.renderMinors.add(r);
      dev.renderIndex = r;
      this.addMinor(dev, 'render', DRM_MAJOR, r, parentPath);
    }
    if (options.controlNode) {
      // The legacy control range of drm_minor_alloc: 64 * DRM_MINOR_CONTROL, lowest free.
      let c = 64;
      while (this.controlMinors.has(c)) c++;
      if (c >= 128) throw SysError.of('EBUSY', 'drm_minor_alloc', 'no control minor left');
      this.controlMinors.add(c);
      this.addMinor(dev, 'control', DRM_MAJOR, c, parentPath);
    }
    this.populateDebugfs(dev);
    return dev;
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

  private populateParent(dev: DrmDeviceImpl, parentPath: string): void {
    const name = dev.driver.name;
    const parent = dev.parentName;
    this.fs.mkdirp(parentPath);
    this.fs.addSymlink(`${parentPath}/driver`, `../../../bus/platform/drivers/${name}`);
    this.fs.addSymlink(`${parentPath}/subsystem`, '../../../bus/platform');
    this.fs.addFile(`${parentPath}/modalias`, () => `platform:${name}\n`);
    this.fs.addFile(`${parentPath}/uevent`, () => `DRIVER=${name}\nMODALIAS=platform:${name}\n`, 0o644);
    this.fs.mkdirp(`/sys/bus/platform/drivers/${name}`);
    this.fs.addSymlink(`/sys/bus/platform/drivers/${name}/${parent}`, `../../../../devices/platform/${parent}`);
    this.fs.addSymlink(`/sys/bus/platform/devices/${parent}`, `../../../devices/platform/${parent}`);
    for (const [p, v] of Object.entries(dev.params)) {
      this.fs.addFile(`/sys/module/${dev.module}/parameters/${p}`, () => `${v}\n`);
    }
    this.fs.mkdirp(`/sys/module/${dev.module}/drivers`);
    if (!this.fs.exists(`/sys/bus/platform/drivers/${name}/module`)) {
      this.fs.addSymlink(`/sys/bus/platform/drivers/${name}/module`, `../../../../module/${dev.module}`);
      this.fs.addSymlink(`/sys/module/${dev.module}/drivers/platform:${name}`, `../../../bus/platform/drivers/${name}`);
    }
  }

  private addMinor(dev: DrmDeviceImpl, type: MinorType, major: number, minor: number, parentPath: string): void {
    const isAccel = type === 'accel';
    const name = isAccel ? `accel${minor}` : type === 'control' ? `controlD${minor}` : `renderD${minor}`;
    const cls = isAccel ? 'accel' : 'drm';
    const devname = isAccel ? `accel/${name}` : `dri/${name}`;
    const dir = `${parentPath}/${cls}/${name}`;
    this.fs.mkdirp(dir);
    // sysfs-dev-wrong-minor: the class device's devt (what `dev` prints, drivers/base/core.c
    // dev_show) is not the node's MKDEV(ACCEL_MAJOR, index) of accel_set_device_instance_params.
    const devtMinor = isAccel && dev.defects.has('sysfs-dev-wrong-minor') ? minor + 1 : minor;
    this.fs.addFile(`${dir}/dev`, () => `${major}:${devtMinor}\n`);
    this.fs.addFile(`${dir}/uevent`, () => `MAJOR=${major}\nMINOR=${minor}\nDEVNAME=${devname}\n`, 0o644);
    this.fs.addSymlink(`${dir}/device`, '../../../' + dev.parentName);
    this.fs.addSymlink(`${dir}/subsystem`, `../../../../../class/${cls}`);
    this.fs.addSymlink(`/sys/class/${cls}/${name}`, `../../devices/platform/${dev.parentName}/${cls}/${name}`);
    this.fs.addChr(`/dev/${devname}`, major, minor, 0o660, 0, RENDER_GID);
    this.chrdevs.set(`${major}:${minor}`, (task, flags, inode) => drmOpen(this, dev, type, inode, task, flags));
  }

  /**
   * drm_debugfs.c drm_debugfs_dev_init: an accel device's directory is named
   * after dev->unique (the parent's dev_name) under <debugfs>/accel/, and
   * accel minors get no "<minor>" symlink (drm_minor_register skips
   * drm_debugfs_register for DRM_MINOR_ACCEL). Then name, clients,
   * gem_objects and the driver's files.
   */
  private populateDebugfs(dev: DrmDeviceImpl): void {
    const dir = `/sys/kernel/debug/accel/${dev.parentName}`;
    this.fs.mkdirp(dir, 0o700);
    this.fs.addFile(`${dir}/name`, () => `${dev.driver.name} dev=${dev.parentName} unique=${dev.parentName}\n`);
    this.fs.addFile(`${dir}/clients`, () => {
      const head = `${'command'.padStart(20)} ${'tgid'.padStart(5)} dev master a ${'uid'.padStart(5)} ${'magic'.padStart(10)}\n`;
      return head + dev.fileList.map((f) => `${'sim'.padStart(20)} ${String(f.pid).padStart(5)} ${String(dev.accelIndex).padStart(3)} ${'n'.padStart(6)} ${f.authenticated ? 'y' : 'n'} ${'-'.padStart(5)} ${'0'.padStart(10)}\n`).join('');
    });
    this.fs.addFile(`${dir}/gem_objects`, () => `${dev.objects.size}\n`);
    for (const df of dev.driver.debugfs ?? []) this.fs.addFile(`${dir}/${df.name}`, () => df.show(dev));
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

/** The driver's table must be what DRM_IOCTL_DEF_DRV would build: nr == _IOC_NR(cmd) - DRM_COMMAND_BASE, type 'd'. */
function checkIoctlTable(driver: DrmDriver): void {
  const seen = new Set<number>();
  for (const d of driver.ioctls) {
    const { type, nr } = decodeIoctl(d.cmd);
    if (type !== DRM_IOCTL_BASE_CODE || nr !== DRM_COMMAND_BASE + d.nr || nr >= DRM_COMMAND_END || seen.has(d.nr)) {
      throw new Error(`${driver.name}: ioctl ${d.name} (nr ${d.nr}) does not match its cmd or is declared twice`);
    }
    seen.add(d.nr);
  }
}

/**
 * drm.ko's device registration (drm_drv.c drm_dev_init / drm_dev_register,
 * drm_accel.c accel minors, drm_sysfs.c class devices, drm_debugfs.c): a
 * driver's ops table becomes a device with its minors, nodes, sysfs and
 * debugfs entries. The core hooks a device runs with are installed here,
 * before anything of it exists: the core defects it names (./defects.ts),
 * then the installers its registration passes (DrmRegisterOptions.hooks).
 */
import { SysError } from '../../../../harness/sys/errno';
import { ACCEL_MAJOR, ACCEL_MAX_MINORS, DRM_COMMAND_BASE, DRM_COMMAND_END, DRM_IOCTL_BASE_CODE, DRM_MAJOR } from '../../../../harness/uapi/drm';
import { decodeIoctl } from '../../../../harness/uapi/ioctl';
import { Hooks } from '../hooks';
import type { KernelServices } from '../services';
import type { KernelLogBuffer } from '../printk';
import type { Task } from '../task';
import type { InodeInfo, KFile } from '../vfs/file';
import type { FsTree } from '../vfs/tree';
import { CORE_HOOK_DEFAULTS, KERNEL_HOOK_DEFAULTS } from './core-defaults';
import type { DrmCoreHookSet, DrmCoreHooks, DrmKernelHooks, ExtraMinor } from './core-hooks';
import type { CoreIoctlFunc } from './core-ioctls';
import { coreDefect } from './defects';
import { DrmDeviceImpl } from './device';
import { DRIVER_COMPUTE_ACCEL, type DrmDriver, type DrmIoctlFunc, type DrmRegisterOptions } from './driver';
import type { MinorType } from './file';
import { drmOpen } from './fops';
import { CORE_IOCTL_NAMES, coreIoctlByName } from './ioctl';

/** The group udev gives DRM and accel nodes (crw-rw---- root:render). */
export const RENDER_GID = 109;

export type ChrdevOpen = (task: Task, flags: number, inode: InodeInfo) => KFile;

/** What registration needs from the kernel. */
export interface DrvHost extends KernelServices {
  readonly fs: FsTree;
  addChrdev(major: number, minor: number, open: ChrdevOpen): void;
  /** cdev_del: opening the number is ENXIO again. */
  removeChrdev(major: number, minor: number): void;
  readonly log: KernelLogBuffer;
}

export class DrmDrv {
  readonly devices: DrmDeviceImpl[] = [];
  private readonly accelMinors = new Set<number>();
  private readonly renderMinors = new Set<number>();
  private readonly controlMinors = new Set<number>();
  /** Hooks of code every driver shares (drm_dev_init): a change stays for every later registration. */
  private readonly kernelHooks = new Hooks<DrmKernelHooks>(KERNEL_HOOK_DEFAULTS);
  /** What drm_dev_unregister undoes per device: its minors' nodes, class devices and debugfs. */
  private readonly registered = new Map<DrmDeviceImpl, (() => void)[]>();

  constructor(private readonly host: DrvHost) {}

  /**
   * drm_dev_alloc + drm_dev_register on a new platform device: EINVAL
   * (drm_dev_init) for a driver that is not accel or also render/modeset,
   * EBUSY when the accel minors are used up (xa_alloc in drm_minor_alloc).
   */
  register(registered: DrmDriver, options: DrmRegisterOptions): DrmDeviceImpl {
    const hooks = new Hooks<DrmCoreHooks>(CORE_HOOK_DEFAULTS);
    const coreIoctls = new Map<string, CoreIoctlFunc>();
    const set = this.hookSet(hooks, coreIoctls);
    for (const name of options.defects) coreDefect(name)?.install(set);
    for (const install of options.hooks ?? []) install(set);
    const driver = hooks.call.driver(registered);
    // drm_dev_init: "DRM driver can't be both a compute acceleration and graphics driver".
    this.kernelHooks.call.devInit(driver.features);
    if (!(driver.features & DRIVER_COMPUTE_ACCEL)) throw SysError.of('EINVAL', 'drm_dev_register', 'the simulator only hosts accel drivers');
    checkIoctlTable(driver);
    const fs = this.host.fs;
    const parentPath = `/sys/devices/platform/${options.parentName}`;
    // A platform device stays after its driver is unbound (no `driver` link): probing it again is a bind.
    if (this.host.fs.exists(parentPath) && this.host.fs.exists(`${parentPath}/driver`)) {
      throw SysError.of('EEXIST', 'platform_device_add', options.parentName);
    }
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
      this.host,
      hooks.call,
      coreIoctls,
    );
    this.devices.push(dev);
    this.registered.set(dev, [() => fs.remove(`/sys/kernel/debug/accel/${dev.parentName}`)]);
    this.populateParent(dev, parentPath);
    this.addMinor(dev, 'accel', ACCEL_MAJOR, index, parentPath);
    const requested: ExtraMinor[] = options.controlNode ? ['control'] : [];
    for (const type of hooks.call.minors(dev, requested)) {
      if (type === 'render') {
        let r = 128;
        while (this.renderMinors.has(r)) r++;
        this.renderMinors.add(r);
        dev.renderIndex = r;
        this.addMinor(dev, 'render', DRM_MAJOR, r, parentPath);
      } else {
        // The legacy control range of drm_minor_alloc: 64 * DRM_MINOR_CONTROL, lowest free.
        let c = 64;
        while (this.controlMinors.has(c)) c++;
        if (c >= 128) throw SysError.of('EBUSY', 'drm_minor_alloc', 'no control minor left');
        this.controlMinors.add(c);
        this.addMinor(dev, 'control', DRM_MAJOR, c, parentPath);
      }
    }
    this.populateDebugfs(dev);
    return dev;
  }

  /**
   * drm_dev_unregister: the minors' nodes, class devices, chrdevs and
   * debugfs go, so the device can no longer be opened; open files keep it.
   */
  unregister(dev: DrmDeviceImpl): void {
    for (const undo of this.registered.get(dev) ?? []) undo();
    this.registered.delete(dev);
    const i = this.devices.indexOf(dev);
    if (i >= 0) this.devices.splice(i, 1);
  }

  /**
   * The devres drm_dev_put of devm_drm_dev_alloc: once no file holds the
   * device, drm_managed_release runs: drm_gem_init_release ->
   * drm_vma_offset_manager_destroy -> drm_mm_takedown (drm_mm.c), which
   * WARNs when a GEM object still holds a fake offset (an object leaked by
   * its driver), then drm_minor_free frees the minors.
   */
  put(dev: DrmDeviceImpl): void {
    dev.releaseWhenIdle(() => {
      if (dev.vmaManager.size > 0) {
        this.host.log.warn({ file: 'drivers/gpu/drm/drm_mm.c', line: 965, func: 'drm_mm_takedown [drm]' }, 'Memory manager not clean during takedown.', 'sim');
      }
      this.accelMinors.delete(dev.accelIndex);
      if (dev.renderIndex !== null) this.renderMinors.delete(dev.renderIndex);
    });
  }

  private hookSet(hooks: Hooks<DrmCoreHooks>, coreIoctls: Map<string, CoreIoctlFunc>): DrmCoreHookSet {
    return {
      call: hooks.call,
      override: (name, fn) => hooks.override(name, fn),
      overrideIoctl(name, fn) {
        const base = coreIoctls.get(name) ?? coreIoctlByName(name);
        if (!base) throw new Error(`no core ioctl named '${name}' (DrmCoreHookSet.coreIoctlNames lists them)`);
        // The core calls core ioctls only with its own device, file and context, which implement the public ones.
        const publicBase = base as unknown as DrmIoctlFunc;
        coreIoctls.set(name, (dev, data, file, ctx) => fn(dev, data, file, ctx, publicBase));
      },
      coreIoctlNames: CORE_IOCTL_NAMES,
      kernel: this.kernelHooks,
    };
  }

  private populateParent(dev: DrmDeviceImpl, parentPath: string): void {
    const fs = this.host.fs;
    const name = dev.driver.name;
    const parent = dev.parentName;
    fs.mkdirp(parentPath);
    fs.addSymlink(`${parentPath}/driver`, `../../../bus/platform/drivers/${name}`);
    fs.addSymlink(`${parentPath}/subsystem`, '../../../bus/platform');
    fs.addFile(`${parentPath}/modalias`, () => `platform:${name}\n`);
    fs.addFile(`${parentPath}/uevent`, () => `DRIVER=${name}\nMODALIAS=platform:${name}\n`, 0o644);
    fs.mkdirp(`/sys/bus/platform/drivers/${name}`);
    fs.addSymlink(`/sys/bus/platform/drivers/${name}/${parent}`, `../../../../devices/platform/${parent}`);
    fs.addSymlink(`/sys/bus/platform/devices/${parent}`, `../../../devices/platform/${parent}`);
    for (const [p, v] of Object.entries(dev.params)) {
      fs.addFile(`/sys/module/${dev.module}/parameters/${p}`, () => `${v}\n`);
    }
    fs.mkdirp(`/sys/module/${dev.module}/drivers`);
    if (!fs.exists(`/sys/bus/platform/drivers/${name}/module`)) {
      fs.addSymlink(`/sys/bus/platform/drivers/${name}/module`, `../../../../module/${dev.module}`);
      fs.addSymlink(`/sys/module/${dev.module}/drivers/platform:${name}`, `../../../bus/platform/drivers/${name}`);
    }
  }

  /** drm_minor_register (accel: accel_minor_register) and drm_sysfs_minor_alloc: node, class device, chrdev. */
  private addMinor(dev: DrmDeviceImpl, type: MinorType, major: number, minor: number, parentPath: string): void {
    const fs = this.host.fs;
    const isAccel = type === 'accel';
    const name = isAccel ? `accel${minor}` : type === 'control' ? `controlD${minor}` : `renderD${minor}`;
    const cls = isAccel ? 'accel' : 'drm';
    const devname = isAccel ? `accel/${name}` : `dri/${name}`;
    const dir = `${parentPath}/${cls}/${name}`;
    fs.mkdirp(dir);
    const devtMinor = dev.hooks.sysfsDevMinor(dev, isAccel ? 'accel' : type === 'control' ? 'control' : 'render', minor);
    fs.addFile(`${dir}/dev`, () => `${major}:${devtMinor}\n`);
    fs.addFile(`${dir}/uevent`, () => `MAJOR=${major}\nMINOR=${minor}\nDEVNAME=${devname}\n`, 0o644);
    fs.addSymlink(`${dir}/device`, '../../../' + dev.parentName);
    fs.addSymlink(`${dir}/subsystem`, `../../../../../class/${cls}`);
    fs.addSymlink(`/sys/class/${cls}/${name}`, `../../devices/platform/${dev.parentName}/${cls}/${name}`);
    fs.addChr(`/dev/${devname}`, major, minor, 0o660, 0, RENDER_GID);
    this.host.addChrdev(major, minor, (task, flags, inode) => drmOpen(this.host, dev, type, inode, task, flags));
    this.registered.get(dev)?.push(() => {
      fs.remove(`/dev/${devname}`);
      this.host.removeChrdev(major, minor);
      fs.remove(`/sys/class/${cls}/${name}`);
      fs.remove(dir);
      if (type === 'control') this.controlMinors.delete(minor);
    });
  }

  /**
   * drm_debugfs.c drm_debugfs_dev_init: an accel device's directory is named
   * after dev->unique (the parent's dev_name) under <debugfs>/accel/, and
   * accel minors get no "<minor>" symlink (drm_minor_register skips
   * drm_debugfs_register for DRM_MINOR_ACCEL). Then name, clients,
   * gem_objects and the driver's files.
   */
  private populateDebugfs(dev: DrmDeviceImpl): void {
    const fs = this.host.fs;
    const dir = `/sys/kernel/debug/accel/${dev.parentName}`;
    fs.mkdirp(dir, 0o700);
    fs.addFile(`${dir}/name`, () => `${dev.driver.name} dev=${dev.parentName} unique=${dev.parentName}\n`);
    fs.addFile(`${dir}/clients`, () => {
      const head = `${'command'.padStart(20)} ${'tgid'.padStart(5)} dev master a ${'uid'.padStart(5)} ${'magic'.padStart(10)}\n`;
      return head + dev.fileList.map((f) => `${'sim'.padStart(20)} ${String(f.pid).padStart(5)} ${String(dev.accelIndex).padStart(3)} ${'n'.padStart(6)} ${f.authenticated ? 'y' : 'n'} ${'-'.padStart(5)} ${'0'.padStart(10)}\n`).join('');
    });
    fs.addFile(`${dir}/gem_objects`, () => `${dev.objects.size}\n`);
    for (const df of dev.driver.debugfs ?? []) fs.addFile(`${dir}/${df.name}`, () => df.show(dev));
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

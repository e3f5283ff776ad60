/**
 * sim:ivpu: the DRM driver of intel_vpu (ivpu_drv.c struct drm_driver
 * driver) registered with the simulated kernel, and the machine model.
 */
import type { Sys } from '../../../harness/sys/types';
import type { IoctlDecl } from '../../../harness/uapi/ioctl';
import type { DriverProfile } from '../../profile';
import type { SimDriverModel } from '../../sim/plugin-api';
import {
  drmIoctlDef,
  DRIVER_COMPUTE_ACCEL,
  DRIVER_GEM,
  type DebugfsFile,
  type DrmDriver,
  type DrmIoctlDesc,
  type DrmRegistrar,
} from '../../sim/kernel/drm/driver';
import { SysError } from '../../../harness/sys/errno';
import {
  DRM_IOCTL_IVPU_BO_CREATE,
  DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR,
  DRM_IOCTL_IVPU_BO_INFO,
  DRM_IOCTL_IVPU_BO_WAIT,
  DRM_IOCTL_IVPU_CMDQ_CREATE,
  DRM_IOCTL_IVPU_CMDQ_DESTROY,
  DRM_IOCTL_IVPU_CMDQ_SUBMIT,
  DRM_IOCTL_IVPU_GET_PARAM,
  DRM_IOCTL_IVPU_METRIC_STREAMER_GET_DATA,
  DRM_IOCTL_IVPU_METRIC_STREAMER_GET_INFO,
  DRM_IOCTL_IVPU_METRIC_STREAMER_START,
  DRM_IOCTL_IVPU_METRIC_STREAMER_STOP,
  DRM_IOCTL_IVPU_SET_PARAM,
  DRM_IOCTL_IVPU_SUBMIT,
} from '../uapi';
import { IVPU_DRIVER, IVPU_MODULE, ivpuProfile } from '../profile';
import { IVPU_DEFECTS } from './defects';
import { IvpuDevice, fileOf } from './device';
import { type IvpuBo, boHasPages, boOf } from './objects';
import { IVPU_IOCTL_HANDLERS, type IvpuIoctlName } from './ioctls';
import { IVPU_PARAM_DEFAULTS, parseIvpuParams } from './params';

/** ivpu_drv.c ivpu_drm_ioctls, every one with flags 0. */
const IOCTLS: readonly [IvpuIoctlName, IoctlDecl][] = [
  ['GET_PARAM', DRM_IOCTL_IVPU_GET_PARAM],
  ['SET_PARAM', DRM_IOCTL_IVPU_SET_PARAM],
  ['BO_CREATE', DRM_IOCTL_IVPU_BO_CREATE],
  ['BO_INFO', DRM_IOCTL_IVPU_BO_INFO],
  ['SUBMIT', DRM_IOCTL_IVPU_SUBMIT],
  ['BO_WAIT', DRM_IOCTL_IVPU_BO_WAIT],
  ['METRIC_STREAMER_START', DRM_IOCTL_IVPU_METRIC_STREAMER_START],
  ['METRIC_STREAMER_GET_DATA', DRM_IOCTL_IVPU_METRIC_STREAMER_GET_DATA],
  ['METRIC_STREAMER_STOP', DRM_IOCTL_IVPU_METRIC_STREAMER_STOP],
  ['METRIC_STREAMER_GET_INFO', DRM_IOCTL_IVPU_METRIC_STREAMER_GET_INFO],
  ['CMDQ_CREATE', DRM_IOCTL_IVPU_CMDQ_CREATE],
  ['CMDQ_DESTROY', DRM_IOCTL_IVPU_CMDQ_DESTROY],
  ['CMDQ_SUBMIT', DRM_IOCTL_IVPU_CMDQ_SUBMIT],
  ['BO_CREATE_FROM_USERPTR', DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR],
];

/** A stable stand-in for %p: vsprintf.c ptr_to_id prints a 32-bit hash of the address, unpadded. */
function fakeHashedPointer(bo: IvpuBo): string {
  return (Math.imul(bo.serial, 0x9e3779b1) >>> 0).toString(16);
}

/**
 * ivpu_gem.c ivpu_bo_list: the header ("%-9s %-3s %-14s %-10s %-10s %-4s %s"),
 * then per BO of vdev->bo_list ivpu_bo_print_info's
 * "%-9p %-3u 0x%-12llx %-10lu 0x%-8x %-4u" (bo, ctx_id, vpu_addr, size, flags,
 * refcount) and the words has_pages, mmu_mapped, imported.
 */
function boList(dev: IvpuDevice): string {
  const rows = [`${'bo'.padEnd(9)} ${'ctx'.padEnd(3)} ${'vpu_addr'.padEnd(14)} ${'size'.padEnd(10)} ${'flags'.padEnd(10)} ${'refs'.padEnd(4)} attribs`];
  for (const b of dev.bos) {
    let row =
      `${fakeHashedPointer(b).padEnd(9)} ${String(b.ctxId).padEnd(3)} 0x${b.vpuAddr.toString(16).padEnd(12)} ` +
      `${String(b.obj.size).padEnd(10)} 0x${b.flags.toString(16).padEnd(8)} ${String(b.obj.refcount).padEnd(4)}`;
    if (boHasPages(b)) row += ' has_pages';
    if (b.mmuMapped) row += ' mmu_mapped';
    if (b.imported) row += ' imported';
    rows.push(row);
  }
  return rows.join('\n') + '\n';
}

/** ivpu_debugfs.c vdev_debugfs_list: the files a test can read to watch resets. */
function debugfsFiles(dev: () => IvpuDevice): DebugfsFile[] {
  return [
    { name: 'fw_name', show: () => `${dev().fwName}\n` },
    { name: 'reset_counter', show: () => `${dev().resetCounter}\n` },
    { name: 'reset_pending', show: () => `${dev().resetPending ? 1 : 0}\n` },
    { name: 'engine_reset_counter', show: () => `${dev().engineResetCounter}\n` },
    { name: 'bo_list', show: () => boList(dev()) },
  ];
}

export function buildIvpuDriver(device: () => IvpuDevice): DrmDriver {
  const ioctls: DrmIoctlDesc[] = IOCTLS.map(([name, decl]) =>
    drmIoctlDef(decl, 0, (_drm, data, file, ctx) => IVPU_IOCTL_HANDLERS[name](device(), data, file, ctx)),
  );
  return {
    name: IVPU_DRIVER,
    desc: 'Driver for Intel NPU (Neural Processing Unit)',
    date: '',
    major: 1,
    minor: 0,
    patchlevel: 0,
    // ivpu_drv.c driver.driver_features: no DRIVER_SYNCOBJ.
    features: DRIVER_GEM | DRIVER_COMPUTE_ACCEL,
    ioctls,
    open: (_drm, file, ctx) => void device().open(file, ctx.uid),
    // ivpu_drv.c ivpu_postclose: the metric streamers go, then the file's reference; jobs in flight keep the context.
    postclose: (_drm, file) => {
      fileOf(file).metrics.clear();
      device().filePut(fileOf(file));
    },
    debugfs: debugfsFiles(device),
    gemPrimeImport: (_drm, obj, exporter) => {
      device().importBo(obj, exporter);
      return device().boFuncs;
    },
    // ivpu_drv.c ivpu_gem_prime_handle_to_fd: "Do not allow re-exporting".
    primeHandleToFd: (_drm, obj) => {
      if (boOf(obj).imported && !device().has('reexport-imported-ok')) throw SysError.of('EOPNOTSUPP', 'ioctl', 'an imported BO is not re-exported');
    },
  };
}

export const SIM_IVPU: SimDriverModel = {
  name: 'ivpu',
  driverName: IVPU_DRIVER,
  module: IVPU_MODULE,
  params: IVPU_PARAM_DEFAULTS,
  defects: IVPU_DEFECTS,
  probe(kernel: DrmRegistrar, config) {
    const params = parseIvpuParams(config.params);
    let vdev: IvpuDevice | null = null;
    const device = (): IvpuDevice => {
      if (!vdev) throw new Error('ivpu device used before registration finished');
      return vdev;
    };
    const drm = kernel.registerDrmDriver(buildIvpuDriver(device), {
      module: IVPU_MODULE,
      params: { ...IVPU_PARAM_DEFAULTS, ...config.params },
      // A PCI function on real machines; the simulated kernel has platform parents only.
      parentName: config.instance === 0 ? 'intel_vpu' : `intel_vpu.${config.instance}`,
      defects: config.defects,
    });
    vdev = new IvpuDevice(drm, params, config.defects);
    drm.devPrivate = vdev;
    return drm;
  },
  profile: (sys: Sys): DriverProfile => ivpuProfile(sys),
};

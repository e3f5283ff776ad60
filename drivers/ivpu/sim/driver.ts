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
  DRM_IOCTL_IVPU_BO_INFO,
  DRM_IOCTL_IVPU_BO_WAIT,
  DRM_IOCTL_IVPU_CMDQ_CREATE,
  DRM_IOCTL_IVPU_CMDQ_DESTROY,
  DRM_IOCTL_IVPU_CMDQ_SUBMIT,
  DRM_IOCTL_IVPU_GET_PARAM,
  DRM_IOCTL_IVPU_SET_PARAM,
  DRM_IOCTL_IVPU_SUBMIT,
} from '../uapi';
import { IVPU_DRIVER, IVPU_MODULE, ivpuProfile } from '../profile';
import { IVPU_DEFECTS } from './defects';
import { IvpuDevice, fileOf } from './device';
import { IVPU_IOCTL_HANDLERS, type IvpuIoctlName } from './ioctls';
import { IVPU_PARAM_DEFAULTS, parseIvpuParams } from './params';

/** ivpu_drv.c ivpu_drm_ioctls, flags 0. METRIC_STREAMER_* and BO_CREATE_FROM_USERPTR are not modelled: their slots are empty (EINVAL). */
const IOCTLS: readonly [IvpuIoctlName, IoctlDecl][] = [
  ['GET_PARAM', DRM_IOCTL_IVPU_GET_PARAM],
  ['SET_PARAM', DRM_IOCTL_IVPU_SET_PARAM],
  ['BO_CREATE', DRM_IOCTL_IVPU_BO_CREATE],
  ['BO_INFO', DRM_IOCTL_IVPU_BO_INFO],
  ['SUBMIT', DRM_IOCTL_IVPU_SUBMIT],
  ['BO_WAIT', DRM_IOCTL_IVPU_BO_WAIT],
  ['CMDQ_CREATE', DRM_IOCTL_IVPU_CMDQ_CREATE],
  ['CMDQ_DESTROY', DRM_IOCTL_IVPU_CMDQ_DESTROY],
  ['CMDQ_SUBMIT', DRM_IOCTL_IVPU_CMDQ_SUBMIT],
];

/** ivpu_debugfs.c vdev_debugfs_list: the files a test can read to watch resets. */
function debugfsFiles(dev: () => IvpuDevice): DebugfsFile[] {
  return [
    { name: 'fw_name', show: () => `${dev().fwName}\n` },
    { name: 'reset_counter', show: () => `${dev().resetCounter}\n` },
    { name: 'reset_pending', show: () => `${dev().resetPending ? 1 : 0}\n` },
    { name: 'engine_reset_counter', show: () => `${dev().engineResetCounter}\n` },
    { name: 'bo_list', show: () => ['bo        ctx vpu_addr       size       flags      refs attribs', ...[...dev().bos].map((b) => `${b.ctx?.ctxId ?? 0} 0x${b.vpuAddr.toString(16)} ${b.obj.size} 0x${b.flags.toString(16)} ${b.obj.refcount}`)].join('\n') + '\n' },
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
    // ivpu_drv.c ivpu_postclose: the file's reference; jobs in flight keep the context.
    postclose: (_drm, file) => device().filePut(fileOf(file)),
    debugfs: debugfsFiles(device),
    gemPrimeImport: (_drm, obj, exporter) => {
      device().importBo(obj, exporter);
      return device().boFuncs;
    },
    // ivpu_drv.c ivpu_gem_prime_handle_to_fd: "Do not allow re-exporting".
    primeHandleToFd: (_drm, obj) => {
      if (obj.imported && !device().has('reexport-imported-ok')) throw SysError.of('EOPNOTSUPP', 'ioctl', 'an imported BO is not re-exported');
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

/**
 * `sim:habanalabs`: the habanalabs driver (habanalabs_drv.c hl_driver) on the
 * simulated DRM core, for a Gaudi2 card. DRIVER_COMPUTE_ACCEL only: no
 * DRIVER_GEM (the core answers GEM ioctls with EOPNOTSUPP), no syncobj.
 */
import type { Sys } from '../../../harness/sys/types';
import type { DriverProfile } from '../../profile';
import { drmIoctlDef, DRIVER_COMPUTE_ACCEL, DRIVER_GEM, type DrmDriver, type DrmFile, type DrmIoctlDesc, type DrmRegistrar } from '../../sim/kernel/drm/driver';
import type { ProbeConfig, SimDriverModel } from '../../sim/plugin-api';
import { HABANALABS_DRIVER, habanalabsProfile } from '../profile';
import {
  DRM_IOCTL_HL_CB_DECL,
  DRM_IOCTL_HL_CS_DECL,
  DRM_IOCTL_HL_DEBUG_DECL,
  DRM_IOCTL_HL_INFO_DECL,
  DRM_IOCTL_HL_MEMORY_DECL,
  DRM_IOCTL_HL_WAIT_CS_DECL,
} from '../uapi';
import { DEFAULT_PARAMS, parseParams } from './config';
import { HABANALABS_DEFECTS, SimModelDefects } from './defects';
import { controlCdev } from './control';
import { HlDevice } from './device';
import { HL_HANDLERS, hlDeviceOpen, hlDeviceRelease, hlMmap } from './ioctls';

/** habanalabs_drv.c HL_DRIVER_DESC. */
const HL_DRIVER_DESC = "Driver for HabanaLabs's AI Accelerators";

/** hl_drm_ioctls: DRM_IOCTL_DEF_DRV(HL_*, hl_*_ioctl, 0): no DRM_RENDER_ALLOW needed on an accel node. */
const TABLE = [
  [DRM_IOCTL_HL_INFO_DECL, 'INFO'],
  [DRM_IOCTL_HL_CB_DECL, 'CB'],
  [DRM_IOCTL_HL_CS_DECL, 'CS'],
  [DRM_IOCTL_HL_WAIT_CS_DECL, 'WAIT_CS'],
  [DRM_IOCTL_HL_MEMORY_DECL, 'MEMORY'],
  [DRM_IOCTL_HL_DEBUG_DECL, 'DEBUG'],
] as const;

/**
 * hl_device_fops has no .flush: the compute context goes only at the file's
 * release (habanalabs_drv.c hl_device_release), whoever holds the last fd.
 * The two release defects add a flush that releases it early.
 */
function earlyReleaseFlush(
  device: () => HlDevice,
  defects: ReadonlySet<string>,
  openers: WeakMap<DrmFile, number>,
): DrmDriver['flush'] {
  const second = defects.has('hl-release-on-second-close');
  const foreign = defects.has('hl-release-on-foreign-close');
  if (!second && !foreign) return undefined;
  const closes = new WeakMap<DrmFile, number>();
  return (_drm, file, closer) => {
    const n = (closes.get(file) ?? 0) + 1;
    closes.set(file, n);
    if ((second && n === 2) || (foreign && closer.pid !== openers.get(file))) hlDeviceRelease(device(), file);
  };
}

function buildDriver(device: () => HlDevice, defects: ReadonlySet<string>): DrmDriver {
  const gem = defects.has('hl-gem-feature');
  const openers = new WeakMap<DrmFile, number>();
  const ioctls: DrmIoctlDesc[] = TABLE.map(([decl, name]) =>
    drmIoctlDef(decl, 0, (_drm, data, file, ctx) => HL_HANDLERS[name](device(), data, file, ctx)),
  );
  return {
    name: HABANALABS_DRIVER.driver,
    desc: HL_DRIVER_DESC,
    date: '0',
    // LINUX_VERSION_MAJOR / PATCHLEVEL / SUBLEVEL of the kernel the model copies.
    major: 7,
    minor: 3,
    patchlevel: 4,
    features: DRIVER_COMPUTE_ACCEL | (gem ? DRIVER_GEM : 0),
    // No gem_prime_import_sg_table: drm_gem_prime_import_dev answers a foreign dma-buf with EINVAL.
    primeImportForeign: false,
    ioctls,
    open: (_drm, file, ctx) => {
      hlDeviceOpen(device(), file, ctx);
      openers.set(file, ctx.pid);
    },
    postclose: (_drm, file) => hlDeviceRelease(device(), file),
    flush: earlyReleaseFlush(device, defects, openers),
    mmap: (_drm, file, vma) => hlMmap(device(), file, vma),
  };
}

function probe(kernel: DrmRegistrar, config: ProbeConfig): HlDevice['drm'] {
  const params = parseParams(config.params, new SimModelDefects(config.defects));
  let hl: HlDevice | null = null;
  const device = (): HlDevice => {
    if (!hl) throw new Error('habanalabs model: device used before registration');
    return hl;
  };
  const drm = kernel.registerDrmDriver(buildDriver(device, config.defects), {
    module: HABANALABS_DRIVER.module,
    params: { ...DEFAULT_PARAMS, ...config.params },
    // A PCI function on real machines; the simulated kernel hosts platform devices.
    parentName: `habanalabs.${config.instance}`,
    defects: config.defects,
  });
  hl = new HlDevice(drm, params);
  drm.devPrivate = hl;
  kernel.addDriverCdev(controlCdev(hl));
  return drm;
}

export const SIM_HABANALABS: SimDriverModel = {
  name: 'habanalabs',
  driverName: HABANALABS_DRIVER.driver,
  module: HABANALABS_DRIVER.module,
  params: DEFAULT_PARAMS,
  defects: HABANALABS_DEFECTS,
  probe,
  profile: (sys: Sys): DriverProfile => habanalabsProfile(sys),
};

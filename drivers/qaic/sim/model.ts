/**
 * sim:qaic, the simulated Qualcomm Cloud AI 100 (drivers/accel/qaic, Linux
 * 7.3): the driver's ops table (qaic_drv.c qaic_accel_driver:
 * DRIVER_GEM | DRIVER_COMPUTE_ACCEL, nine ioctls with no flags, its own
 * gem_prime_import) over the simulated DRM core, on a PCI device that is
 * QAIC_ONLINE. No firmware: see device.ts for where that stops the model.
 *
 * Module parameters: wait_exec_default_timeout_ms (qaic_data.c, WAIT_BO's
 * timeout when the caller passes 0) and control_resp_timeout_s (qaic_control.c,
 * how long MANAGE waits for the firmware's answer), shown under
 * /sys/module/qaic/parameters.
 */
import type { DrmDevice, DrmRegistrar } from '../../sim/kernel/drm/driver';
import { SysError } from '../../../harness/sys/errno';
import { drmIoctlDef, DRIVER_COMPUTE_ACCEL, DRIVER_GEM } from '../../sim/kernel/drm/driver';
import type { DefectInfo } from '../../sim/defects';
import type { ProbeConfig, SimDriverModel } from '../../sim/plugin-api';
import { QAIC_IOCTL, type QaicIoctlName } from '../uapi';
import { QAIC_DRIVER, QAIC_MODULE, QAIC_WAIT_DEFAULT_MS, qaicProfile } from '../profile';
import { QaicDevice, QaicUserIda, type QaicBo, type QaicUser } from './device';
import { CONTROL_RESP_TIMEOUT_S } from './manage';
import { QAIC_HANDLERS } from './ioctls';

/** The AIC100's PCI function as a probe names it (domain:bus:dev.fn). */
export const QAIC_PARENT = '0000:01:00.0';

export const QAIC_PARAMS = {
  wait_exec_default_timeout_ms: String(QAIC_WAIT_DEFAULT_MS),
  control_resp_timeout_s: String(CONTROL_RESP_TIMEOUT_S),
} as const;

/** The qaic_usrs ida of each simulated kernel: one per module, shared by all its devices. */
const USER_IDAS = new WeakMap<DrmRegistrar, QaicUserIda>();

function userIda(kernel: DrmRegistrar): QaicUserIda {
  let ida = USER_IDAS.get(kernel);
  if (!ida) USER_IDAS.set(kernel, (ida = new QaicUserIda()));
  return ida;
}

/** A module parameter of type uint (kernel/params.c param_set_uint: kstrtouint). */
function uintParam(name: string, value: string): string {
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) throw new Error(`${name}=${value}: not an unsigned int`);
  return value;
}

export const QAIC_DEFECTS = {
  'open-once': { layer: 'driver', rule: 'the first open marks the device busy for good: every later open fails with EBUSY' },
  'mmap-copy': { layer: 'driver', rule: 'each mmap shows its own snapshot of the BO instead of the BO\'s pages' },
  'create-bo-pad-ignored': { layer: 'driver', rule: 'CREATE_BO accepts a nonzero pad' },
  'create-bo-size-written': { layer: 'driver', rule: 'CREATE_BO writes the page-aligned size back into args->size' },
  'mmap-bo-imported-offset': { layer: 'driver', rule: 'MMAP_BO gives an imported BO an mmap offset (qaic_gem_prime_import creates none: the kernel answers 0)' },
  'attach-dir-unchecked': { layer: 'driver', rule: 'ATTACH_SLICE_BO accepts a DMA direction other than TO_DEVICE/FROM_DEVICE' },
  'attach-copy-before-checks': { layer: 'driver', rule: 'ATTACH_SLICE_BO copies the slice table before checking dbc_id' },
  'execute-unowned-ok': { layer: 'driver', rule: 'EXECUTE_BO queues on a DMA bridge channel the caller did not activate' },
  'wait-unowned-ok': { layer: 'driver', rule: 'WAIT_BO waits on a DMA bridge channel the caller did not activate' },
  'manage-unencoded': { layer: 'driver', rule: 'MANAGE sends a message without encode_message\'s checks (the firmware\'s silence then ends it with ETIMEDOUT)' },
  'manage-deactivate-unowned-ok': { layer: 'driver', rule: 'a MANAGE deactivation releases a DMA bridge channel the caller did not activate (no disable_dbc owner check)' },
  'detach-unsliced-ok': { layer: 'driver', rule: 'DETACH_SLICE_BO succeeds on a BO that has no slices' },
} as const satisfies Record<string, DefectInfo>;

function probe(kernel: DrmRegistrar, config: ProbeConfig): DrmDevice {
  const waitMs = uintParam('wait_exec_default_timeout_ms', config.params.wait_exec_default_timeout_ms ?? QAIC_PARAMS.wait_exec_default_timeout_ms);
  const respS = uintParam('control_resp_timeout_s', config.params.control_resp_timeout_s ?? QAIC_PARAMS.control_resp_timeout_s);
  let dev: QaicDevice | null = null;
  const device = (): QaicDevice => {
    if (!dev) throw new Error('qaic device used before registration finished');
    return dev;
  };
  const drm = kernel.registerDrmDriver(
    {
      name: QAIC_DRIVER,
      desc: 'Qualcomm Cloud AI Accelerators', // qaic_drv.c QAIC_NAME, QAIC_DESC; no major/minor (0.0.0)
      date: '0',
      major: 0,
      minor: 0,
      patchlevel: 0,
      features: DRIVER_GEM | DRIVER_COMPUTE_ACCEL,
      ioctls: (Object.keys(QAIC_IOCTL) as QaicIoctlName[]).map((name) =>
        drmIoctlDef(QAIC_IOCTL[name], 0, (_drm, data, file, ctx) => QAIC_HANDLERS[name](device(), data, file, ctx)),
      ),
      // qaic_open: ENODEV unless QAIC_ONLINE, then a new qaic_user on the device's list.
      open: (_drm, file) => {
        const d = device();
        if (!d.online) throw SysError.of('ENODEV', 'open', 'device not QAIC_ONLINE');
        if (d.has('open-once') && d.openedOnce) throw SysError.of('EBUSY', 'open', 'open-once defect');
        d.openedOnce = true;
        file.driverPriv = d.newUser();
      },
      // qaic_postclose: the user's channels are released (release_dbc).
      postclose: (_drm, file) => device().releaseUser(file.driverPriv as QaicUser),
      // qaic_gem_prime_import: every dma-buf, this device's own too, becomes a new object (no self-import shortcut).
      gemPrimeImport: (_drm, obj) => {
        obj.driverPriv = { sliced: false } satisfies QaicBo;
        return {
          // qaic_gem_object_mmap: drm_gem_is_imported -> EINVAL (reached only through the defect's offset).
          mmap: () => {
            throw SysError.of('EINVAL', 'mmap', 'qaic_gem_object_mmap: imported BO');
          },
        };
      },
    },
    {
      module: QAIC_MODULE,
      params: { wait_exec_default_timeout_ms: waitMs, control_resp_timeout_s: respS },
      parentName: config.instance === 0 ? QAIC_PARENT : `0000:0${1 + config.instance}:00.0`,
      defects: config.defects,
    },
  );
  dev = new QaicDevice(drm, config.defects, userIda(kernel));
  drm.devPrivate = dev;
  return drm;
}

export const SIM_QAIC: SimDriverModel = {
  name: 'qaic',
  driverName: QAIC_DRIVER,
  module: QAIC_MODULE,
  params: QAIC_PARAMS,
  defects: QAIC_DEFECTS,
  probe,
  profile: (sys) => qaicProfile(sys),
};

/**
 * sim:rocket, the simulated Rockchip RK3588 NPU (drivers/accel/rocket, Linux
 * 7.3): the driver's ops table (rocket_drv.c rocket_drm_driver:
 * DRIVER_COMPUTE_ACCEL | DRIVER_GEM, no syncobj, four ioctls with no flags,
 * rocket_open/rocket_postclose) over the simulated DRM core, on the facade
 * platform device rocket_register creates ("rknn").
 *
 * Its parameters are not module parameters (rocket has none): they describe
 * the hardware, so a test run can choose its behaviour:
 *   npu=completing|silent  every task raises the DPU interrupt, or none does
 *   iommu=present|absent   the cores sit behind rockchip-iommu, or behind none:
 *                          probe still succeeds (rocket_core_init takes a NULL
 *                          iommu_group) and every open fails with ENODEV
 */
import type { DrmDevice, DrmRegistrar } from '../../sim/kernel/drm/driver';
import { SysError } from '../../../harness/sys/errno';
import { drmIoctlDef, DRIVER_COMPUTE_ACCEL, DRIVER_GEM } from '../../sim/kernel/drm/driver';
import type { DefectInfo } from '../../sim/defects';
import type { ProbeConfig, SimDriverModel } from '../../sim/plugin-api';
import { ROCKET_IOCTL, type RocketIoctlName } from '../uapi';
import { ROCKET_DRIVER, ROCKET_MODULE, rocketProfile } from '../profile';
import { APERTURE_SIZE, APERTURE_START, DrmMm, RocketDevice, type NpuPersonality, type RocketFile } from './device';
import { ROCKET_HANDLERS } from './ioctls';

/** rocket_register: platform_device_register_simple("rknn", -1, NULL, 0). */
export const ROCKET_PARENT = 'rknn';

export const ROCKET_NPU_DEFAULTS = { npu: 'completing', iommu: 'present' } as const;

export const ROCKET_DEFECTS = {
  'create-bo-handle-first': {
    layer: 'driver',
    rule: 'CREATE_BO makes the handle before mapping the BO: a failed create leaves a live handle (before "accel/rocket: fix UAF via dangling GEM handle in create_bo")',
  },
  'mm-global': { layer: 'driver', rule: 'every file allocates DMA addresses from one drm_mm instead of its own IOMMU domain\'s' },
  'dma-address-unaligned': { layer: 'driver', rule: 'CREATE_BO places BOs at any byte address instead of PAGE_SIZE-aligned ones' },
  'prep-bo-reserved-ignored': { layer: 'driver', rule: 'PREP_BO accepts a non-zero reserved field' },
  'prep-bo-poll-etimedout': { layer: 'driver', rule: 'PREP_BO with a timeout already past reports ETIMEDOUT instead of EBUSY' },
  'fini-bo-reserved-ignored': { layer: 'driver', rule: 'FINI_BO accepts a non-zero reserved field' },
  'job-struct-size-unchecked': { layer: 'driver', rule: 'SUBMIT accepts a job_struct_size below sizeof(struct drm_rocket_job)' },
  'submit-reserved-ignored': { layer: 'driver', rule: 'SUBMIT accepts a non-zero reserved field' },
  'task-struct-size-unchecked': { layer: 'driver', rule: 'a job whose task_struct_size is below sizeof(struct drm_rocket_task) runs' },
  'regcmd-count-zero-ok': { layer: 'driver', rule: 'a job with a task of regcmd_count 0 runs' },
  'unknown-handle-skipped': { layer: 'driver', rule: 'a job naming an unknown BO handle runs without it' },
  'duplicate-bo-runs': { layer: 'driver', rule: 'a job naming the same BO twice runs, as if drm_gem_lock_reservations skipped a BO it already holds' },
  'close-kills-jobs': { layer: 'driver', rule: 'closing the file ends its queued and running jobs with -ESRCH instead of letting them run' },
  'out-bo-unfenced': { layer: 'driver', rule: 'a job\'s out BOs get no WRITE fence (no rocket_attach_object_fences)' },
  'open-once': { layer: 'driver', rule: 'the first open marks the device busy for good: every later open fails with EBUSY' },
  'mmap-copy': { layer: 'driver', rule: 'each mmap shows its own snapshot of the BO instead of the BO\'s pages' },
  'prime-import-foreign-ok': { layer: 'driver', rule: 'PRIME import of another device\'s dma-buf succeeds although the driver cannot attach it' },
} as const satisfies Record<string, DefectInfo>;

function personality(params: Readonly<Record<string, string>>): NpuPersonality {
  const p = params.npu ?? ROCKET_NPU_DEFAULTS.npu;
  if (p !== 'completing' && p !== 'silent') throw new Error(`npu=${p}: one of completing, silent`);
  return p;
}

function hasIommu(params: Readonly<Record<string, string>>): boolean {
  const p = params.iommu ?? ROCKET_NPU_DEFAULTS.iommu;
  if (p !== 'present' && p !== 'absent') throw new Error(`iommu=${p}: one of present, absent`);
  return p === 'present';
}

function probe(kernel: DrmRegistrar, config: ProbeConfig): DrmDevice {
  const mode = personality(config.params);
  const iommu = hasIommu(config.params);
  let dev: RocketDevice | null = null;
  let openedOnce = false;
  const device = (): RocketDevice => {
    if (!dev) throw new Error('rocket device used before registration finished');
    return dev;
  };
  const drm = kernel.registerDrmDriver(
    {
      name: ROCKET_DRIVER,
      desc: 'rocket DRM',
      date: '0',
      // rocket_drm_driver sets no .major/.minor/.patchlevel (the "1.0 - initial interface" above it is
      // only a comment): DRM_IOCTL_VERSION reports 0.0.0.
      major: 0,
      minor: 0,
      patchlevel: 0,
      features: DRIVER_COMPUTE_ACCEL | DRIVER_GEM,
      // rocket_drm_driver sets no gem_prime_import_sg_table: drm_gem_prime_import_dev refuses
      // other devices' dma-bufs with EINVAL (drm_prime.c); its own come back as the same object.
      primeImportForeign: config.defects.has('prime-import-foreign-ok'),
      ioctls: (Object.keys(ROCKET_IOCTL) as RocketIoctlName[]).map((name) =>
        drmIoctlDef(ROCKET_IOCTL[name], 0, (_drm, data, file, ctx) => ROCKET_HANDLERS[name](device(), data, file, ctx)),
      ),
      // rocket_open: an IOMMU domain of its own (rocket_iommu_domain_create), a drm_mm over its
      // aperture, a scheduler entity over every core's scheduler (rocket_job_open).
      open: (_drm, file) => {
        const d = device();
        // rocket_iommu_domain_create -> iommu_paging_domain_alloc: ENODEV without an IOMMU (iommu.c dev_has_iommu).
        if (!iommu) throw SysError.of('ENODEV', 'open', 'no IOMMU behind the NPU core');
        if (d.has('open-once') && openedOnce) throw SysError.of('EBUSY', 'open', 'open-once defect');
        openedOnce = true;
        const f: RocketFile = { mm: new DrmMm(APERTURE_START, APERTURE_SIZE), entity: d.sched.createEntity(`client ${file.clientId}`) };
        file.driverPriv = f;
      },
      // rocket_postclose -> rocket_job_close -> drm_sched_entity_destroy: drm_sched_entity_flush waits
      // (wait_event_killable, close(2) is not an exiting task) until every queued job of the entity has
      // gone to the hardware, so drm_sched_entity_fini's drm_sched_entity_kill finds none left; the job
      // on the hardware is not touched and ends as any job does (done, or -ECANCELED by the timeout).
      // The model's postclose cannot sleep: it lets the queue drain in virtual time after close returns,
      // every job ending as it would have. An exiting task's 1 s bound (MAX_WAIT_SCHED_ENTITY_Q_EMPTY)
      // and a SIGKILLed one's ESRCH are not modelled.
      // rocket_priv (its drm_mm) is then freed while BOs may outlive the file: the upstream
      // use-after-free of docs/upstream-bugs.md; the model keeps f.mm, which is what the freed memory
      // still holding its contents amounts to.
      postclose: (_drm, file) => {
        // The defect kills the file's queued and running jobs with ESRCH at close, as drm_sched_entity_kill would.
        if (config.defects.has('close-kills-jobs')) device().sched.killEntity((file.driverPriv as RocketFile).entity, 0n, () => undefined);
      },
    },
    {
      module: ROCKET_MODULE,
      // rocket has no module parameters: the NPU's description is not one.
      params: {},
      parentName: config.instance === 0 ? ROCKET_PARENT : `${ROCKET_PARENT}.${config.instance}`,
      defects: config.defects,
    },
  );
  dev = new RocketDevice(drm, mode, config.defects);
  drm.devPrivate = dev;
  return drm;
}

export const SIM_ROCKET: SimDriverModel = {
  name: 'rocket',
  driverName: ROCKET_DRIVER,
  module: ROCKET_MODULE,
  params: ROCKET_NPU_DEFAULTS,
  defects: ROCKET_DEFECTS,
  probe,
  profile: (sys) => rocketProfile(sys),
};

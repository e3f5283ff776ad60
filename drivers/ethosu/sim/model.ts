/**
 * sim:ethosu, the simulated Arm Ethos-U (drivers/accel/ethosu, Linux 7.3): the
 * driver's ops table (ethosu_drv.c ethosu_drm_driver: DRIVER_COMPUTE_ACCEL |
 * DRIVER_GEM, no syncobj, ten ioctls with no flags) over the simulated DRM
 * core, on a platform device named as the kernel lane's device tree names it.
 *
 * Its parameters are not module parameters (ethosu has none): they describe
 * the NPU, as the kernel lane presets its registers before `insmod`, so the
 * model and the real driver see the same device:
 *   npu=completing|silent  every job raises the completion IRQ, or none does
 *   id, config             the ID and CONFIG registers (default: a v2.0.0
 *                          r1p0 U85 with 256 MACs)
 *   sram_size              bytes of the mmio-sram pool (default 64 KiB)
 *   pmu_counters           PMCR.NUM_EVENT_CNT (default 8)
 *   cancel_job=0|1         1: the driver implements drm_sched_backend_ops.cancel_job,
 *                          so an unbind cancels a pending job instead of leaking it
 *                          (a fix 7.3's ethosu does not have; see `remove` below)
 *
 * An unbind through sysfs runs ethosu_remove (`remove`): the model reproduces
 * the 7.3 teardown bug of docs/upstream-bugs.md.
 */
import type { DrmDevice, DrmRegistrar } from '../../sim/kernel/drm/driver';
import { SysError } from '../../../harness/sys/errno';
import { drmIoctlDef, DRIVER_COMPUTE_ACCEL, DRIVER_GEM } from '../../sim/kernel/drm/driver';
import type { DefectInfo } from '../../sim/defects';
import type { ProbeConfig, SimDriverModel } from '../../sim/plugin-api';
import { ETHOSU_IOCTL, type EthosuIoctlName } from '../uapi';
import { ETHOSU_DRIVER, ETHOSU_MODULE, ethosuProfile } from '../profile';
import { EthosuDevice, type EthosuFile, type NpuPersonality } from './device';
import { ETHOSU_HANDLERS, perfmonDelete } from './ioctls';

/** The lane's device tree node npu@7ff00000 becomes platform device 7ff00000.npu. */
export const ETHOSU_PARENT = '7ff00000.npu';

export const ETHOSU_NPU_DEFAULTS = {
  npu: 'completing',
  // ID: arch 2.0.0 (bits 31-16), product 0, version r1p0 (bits 11-4).
  id: String(0x20000100),
  // CONFIG: MACS_PER_CC log2 = 8 (256 MACs).
  config: String(0x8),
  sram_size: String(64 * 1024),
  pmu_counters: '8',
  cancel_job: '0',
} as const;

export const ETHOSU_DEFECTS = {
  'bo-create-bad-flags-ok': { layer: 'driver', rule: 'BO_CREATE accepts flags other than DRM_ETHOSU_BO_NO_MMAP' },
  'no-mmap-ignored': { layer: 'driver', rule: 'a DRM_ETHOSU_BO_NO_MMAP object (every command stream BO) can be mmapped' },
  'cmdstream-state-zeroed': { layer: 'driver', rule: 'the validator starts from zeroed state: a DMA whose length was never set passes as 0 bytes' },
  'cmdstream-overflow-unchecked': { layer: 'driver', rule: 'the validator lets a DMA extent overflow 64 bits instead of refusing it' },
  'cmdstream-stop-anywhere': { layer: 'driver', rule: 'the validator accepts a STOP that is not the last command (the rest is never checked)' },
  'cmdstream-bo-as-region-ok': { layer: 'driver', rule: 'SUBMIT accepts a command stream BO as a region BO' },
  'region-index-unmasked': { layer: 'driver', rule: 'region indices past 7 are kept, outside the eight regions SUBMIT checks against BOs' },
  'region-size-unchecked': { layer: 'driver', rule: 'SUBMIT runs a stream whose region extends beyond the BO bound to it' },
  'perfmon-ncounters-unchecked': { layer: 'driver', rule: 'PERFMON_CREATE accepts more counters than the PMU has' },
  'open-once': { layer: 'driver', rule: 'the first open marks the device busy for good: every later open fails with EBUSY' },
  'mmap-copy': { layer: 'driver', rule: 'each mmap shows its own snapshot of the BO instead of the BO\'s pages' },
  'prime-import-foreign-ok': { layer: 'driver', rule: 'PRIME import of another device\'s dma-buf succeeds although the driver cannot attach it' },
  'unbind-keeps-node': { layer: 'driver', rule: 'ethosu_remove skips drm_dev_unregister: the accel node outlives the unbind' },
} as const satisfies Record<string, DefectInfo>;

function intParam(params: Readonly<Record<string, string>>, name: keyof typeof ETHOSU_NPU_DEFAULTS): number {
  const text = params[name] ?? ETHOSU_NPU_DEFAULTS[name];
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`${name}=${text}: not a 32-bit register value`);
  return n;
}

function flagParam(params: Readonly<Record<string, string>>, name: 'cancel_job'): boolean {
  const text = params[name] ?? ETHOSU_NPU_DEFAULTS[name];
  if (text !== '0' && text !== '1') throw new Error(`${name}=${text}: 0 or 1`);
  return text === '1';
}

function personality(params: Readonly<Record<string, string>>): NpuPersonality {
  const p = params.npu ?? ETHOSU_NPU_DEFAULTS.npu;
  if (p !== 'completing' && p !== 'silent') throw new Error(`npu=${p}: one of completing, silent`);
  return p;
}

function probe(kernel: DrmRegistrar, config: ProbeConfig): DrmDevice {
  const npu = {
    id: intParam(config.params, 'id'),
    config: intParam(config.params, 'config'),
    sramSize: intParam(config.params, 'sram_size'),
    // PMCR_NUM_EVENT_CNT_MASK is GENMASK(15, 11): five bits.
    pmuCounters: intParam(config.params, 'pmu_counters') & 0x1f,
  };
  const mode = personality(config.params);
  let dev: EthosuDevice | null = null;
  const device = (): EthosuDevice => {
    if (!dev) throw new Error('ethosu device used before registration finished');
    return dev;
  };
  const drm = kernel.registerDrmDriver(
    {
      name: ETHOSU_DRIVER,
      desc: 'Arm Ethos-U Accel driver',
      date: '0',
      major: 1,
      minor: 0,
      patchlevel: 0,
      features: DRIVER_COMPUTE_ACCEL | DRIVER_GEM,
      // ethosu_drm_driver sets no gem_prime_import_sg_table: drm_gem_prime_import_dev refuses
      // other devices' dma-bufs with EINVAL (drm_prime.c); its own come back as the same object.
      primeImportForeign: config.defects.has('prime-import-foreign-ok'),
      ioctls: (Object.keys(ETHOSU_IOCTL) as EthosuIoctlName[]).map((name) =>
        drmIoctlDef(ETHOSU_IOCTL[name], 0, (_drm, data, file, ctx) => ETHOSU_HANDLERS[name](device(), data, file, ctx)),
      ),
      // ethosu_open -> ethosu_job_open (drm_sched_entity_init) + ethosu_perfmon_open_file.
      open: (_drm, file) => {
        const d = device();
        if (d.has('open-once') && d.openedOnce) throw SysError.of('EBUSY', 'open', 'open-once defect');
        d.openedOnce = true;
        const f: EthosuFile = { entity: device().sched.createEntity(`client ${file.clientId}`), perfmons: new Map() };
        file.driverPriv = f;
      },
      // ethosu_postclose -> ethosu_job_close (drm_sched_entity_destroy) + ethosu_perfmon_close_file.
      // Nothing is cancelled: the file's jobs go to the NPU in turn and stay on the scheduler's
      // pending list until they complete or time out (GpuScheduler.closeEntity).
      postclose: (_drm, file) => {
        const d = device();
        const f = file.driverPriv as EthosuFile;
        d.sched.closeEntity(f.entity);
        for (const p of f.perfmons.values()) perfmonDelete(d, p);
        f.perfmons.clear();
      },
    },
    {
      module: ETHOSU_MODULE,
      // ethosu has no module parameters: the NPU's description is not one.
      params: {},
      parentName: config.instance === 0 ? ETHOSU_PARENT : `${ETHOSU_PARENT}.${config.instance}`,
      defects: config.defects,
    },
  );
  dev = new EthosuDevice(drm, npu, mode, config.defects);
  dev.cancelJob = flagParam(config.params, 'cancel_job');
  drm.devPrivate = dev;
  return drm;
}

/**
 * ethosu_remove (ethosu_drv.c), then the devres of the unbind: drm_dev_unregister;
 * ethosu_job_fini -> drm_sched_fini, which in 7.3 only warns about jobs still
 * pending ("Tearing down scheduler while jobs are pending!", sched_main.c)
 * since ethosu_sched_ops has no cancel_job: the job and its BO references
 * leak; then devm_drm_dev_init_release -> drm_dev_put -> drm_managed_release
 * -> drm_mm_takedown WARNs "Memory manager not clean during takedown." for
 * the leaked BOs' fake offsets (the simulated core's DrmDrv.put).
 */
function remove(kernel: DrmRegistrar, drm: DrmDevice): void {
  const dev = drm.devPrivate as EthosuDevice;
  if (!dev.has('unbind-keeps-node')) kernel.unregisterDrmDevice(drm);
  if (dev.sched.fini(dev.cancelJob) > 0) kernel.log.devWarn(ETHOSU_DRIVER, drm.parentName, 'Tearing down scheduler while jobs are pending!');
  kernel.putDrmDevice(drm);
}

export const SIM_ETHOSU: SimDriverModel = {
  name: 'ethosu',
  driverName: ETHOSU_DRIVER,
  module: ETHOSU_MODULE,
  params: ETHOSU_NPU_DEFAULTS,
  defects: ETHOSU_DEFECTS,
  probe,
  remove,
  profile: (sys) => ethosuProfile(sys),
};

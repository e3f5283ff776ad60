/**
 * sim:amdxdna, the simulated AMD XDNA NPU (drivers/accel/amdxdna, Linux 7.3)
 * of the NPU4 kind: the driver's ops table (amdxdna_pci_drv.c
 * amdxdna_drm_drv: DRIVER_GEM | DRIVER_COMPUTE_ACCEL | DRIVER_SYNCOBJ |
 * DRIVER_SYNCOBJ_TIMELINE, eleven ioctls, SET_STATE root only, its own
 * mmap and gem_prime_import) over the simulated DRM core, on a PCI device
 * named as the first NPU of a Ryzen AI laptop.
 *
 * Module parameter: tdr_timeout_ms (aie2_ctx.c, default 2000; 0 disables the TDR).
 */
import { SysError } from '../../../harness/sys/errno';
import type { DrmDevice, DrmRegistrar, GemObject } from '../../sim/kernel/drm/driver';
import { DRIVER_COMPUTE_ACCEL, DRIVER_GEM, DRIVER_SYNCOBJ, DRIVER_SYNCOBJ_TIMELINE, DRM_ROOT_ONLY, drmIoctlDef } from '../../sim/kernel/drm/driver';
import type { DefectInfo } from '../../sim/defects';
import type { ProbeConfig, SimDriverModel } from '../../sim/plugin-api';
import { AMDXDNA_INVALID_ADDR, AMDXDNA_IOCTL, type AmdxdnaIoctlName } from '../uapi';
import { AMDXDNA_DRIVER, AMDXDNA_MODULE, AMDXDNA_TDR_TIMEOUT_MS, amdxdnaProfile } from '../profile';
import { XdnaDevice, xdnaBo, type XdnaBo, type XdnaClient } from './device';
import { AMDXDNA_HANDLERS, addBoUsage, clientOf } from './ioctls';

/** The NPU of a Ryzen AI 300 laptop: PCI 0000:c5:00.1. */
export const AMDXDNA_PARENT = '0000:c5:00.1';

export const AMDXDNA_PARAMS = {
  tdr_timeout_ms: String(AMDXDNA_TDR_TIMEOUT_MS),
} as const;

export const AMDXDNA_DEFECTS = {
  'timeout-state-abort': {
    layer: 'driver',
    rule: 'a timed-out command is marked ABORT instead of TIMEOUT (before "accel/amdxdna: Fix incorrect command state for timed out job", stable 6.17.13)',
  },
  'destroy-keeps-pending': {
    layer: 'driver',
    rule: 'DESTROY_HWCTX frees the context without stopping its firmware context: a command still running is never marked ABORT',
  },
  'exec-no-cmd-bo-ok': {
    layer: 'driver',
    rule: 'EXEC_CMD accepts a user command without a command BO (before "accel/amdxdna: reject user command submission without a command BO", in 7.3)',
  },
  'hwctx-id-lowest': { layer: 'driver', rule: 'context handles reuse the lowest free id instead of going round (xa_alloc instead of xa_alloc_cyclic)' },
  'hwctx-any-file': { layer: 'driver', rule: 'a context handle of another file is accepted (one context table for the device)' },
  'cu-reconfig-ok': { layer: 'driver', rule: 'CONFIG_CU on a context whose CUs are configured replaces them' },
  'sync-bo-from-device-ok': { layer: 'driver', rule: 'SYNC_BO FROM_DEVICE succeeds on a BO that is no context\'s debug BO' },
  'bo-usage-cmd-external': { layer: 'driver', rule: 'BO_USAGE counts a CMD BO as external memory' },
  'power-mode-unchecked': { layer: 'driver', rule: 'SET_STATE(SET_POWER_MODE) accepts a mode above POWER_MODE_TURBO' },
  'syncobj-point-missing': { layer: 'driver', rule: 'a command\'s fence replaces the context syncobj\'s fence instead of becoming timeline point seq' },
  'create-bo-flags-ok': { layer: 'driver', rule: 'CREATE_BO accepts non-zero flags' },
  'heap-unaligned-ok': { layer: 'driver', rule: 'a DEV_HEAP BO whose size is not a multiple of 64 MiB is accepted' },
  'dev-bo-without-heap-ok': { layer: 'driver', rule: 'a DEV BO is allocated with no heap to back it' },
  'dev-bo-map-offset': { layer: 'driver', rule: 'GET_BO_INFO reports an mmap offset for a DEV BO, which cannot be mapped' },
  'wait-cmd-supported': { layer: 'driver', rule: 'WAIT_CMD claims success on an AIE2 device, which has no cmd_wait op' },
  'prime-import-same-object': { layer: 'driver', rule: 'PRIME import of the device\'s own dma-buf in another file gives back the exporting object instead of a new one' },
  'open-once': { layer: 'driver', rule: 'the first open marks the device busy for good: every later open fails with EBUSY' },
  'mmap-copy': { layer: 'driver', rule: 'each mmap shows its own snapshot of the BO instead of the BO\'s pages' },
} as const satisfies Record<string, DefectInfo>;

function tdrParam(params: Readonly<Record<string, string>>): number {
  const text = params.tdr_timeout_ms ?? AMDXDNA_PARAMS.tdr_timeout_ms;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new Error(`tdr_timeout_ms=${text}: not a millisecond count`);
  return n;
}

function probe(kernel: DrmRegistrar, config: ProbeConfig): DrmDevice {
  const tdrMs = tdrParam(config.params);
  let dev: XdnaDevice | null = null;
  const device = (): XdnaDevice => {
    if (!dev) throw new Error('amdxdna device used before registration finished');
    return dev;
  };
  const drm = kernel.registerDrmDriver(
    {
      name: AMDXDNA_DRIVER,
      desc: 'AMD XDNA DRM implementation',
      date: '0',
      major: 0,
      minor: 10,
      patchlevel: 0,
      features: DRIVER_GEM | DRIVER_COMPUTE_ACCEL | DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE,
      ioctls: (Object.keys(AMDXDNA_IOCTL) as AmdxdnaIoctlName[]).map((name) =>
        drmIoctlDef(AMDXDNA_IOCTL[name], name === 'SET_STATE' ? DRM_ROOT_ONLY : 0, (_drm, data, file, ctx) =>
          AMDXDNA_HANDLERS[name](device(), data, file, ctx),
        ),
      ),
      // amdxdna_drm_open: a client bound to the opener's mm (SVA), with its own heap allocator and context table.
      open: (_drm, file, ctx) => {
        const d = device();
        if (d.has('open-once') && d.openedOnce) throw SysError.of('EBUSY', 'open', 'open-once defect');
        d.openedOnce = true;
        const client: XdnaClient = {
          file,
          pid: ctx.pid,
          hwctxs: new Map(),
          nextHwctxId: 1,
          heaps: [],
          totalHeapSize: 0,
          heapNodes: [],
          heapUsage: 0,
          totalBoUsage: 0,
          totalIntBoUsage: 0,
          closed: false,
        };
        d.clients.push(client);
        file.driverPriv = client;
      },
      // amdxdna_drm_close -> amdxdna_client_cleanup: every context torn down, the heaps' references dropped.
      postclose: (_drm, file) => {
        const d = device();
        const client = clientOf(file);
        client.closed = true;
        const i = d.clients.indexOf(client);
        if (i >= 0) d.clients.splice(i, 1);
        for (const h of client.hwctxs.values()) d.finiHwctx(h);
        client.hwctxs.clear();
        for (const h of client.heaps) h.put();
      },
      // amdxdna_drm_gem_mmap -> drm_gem_mmap -> amdxdna_gem_obj_mmap, which records the user address (amdxdna_hmm_register).
      mmap: (drmDev, file, vma) => {
        drmDev.gemMmap(file, vma);
        const obj = drmDev.gemObjectByOffset(vma.pgoff, vma.length);
        if (!obj) return;
        const bo = xdnaBo(obj);
        obj.put();
        const close = vma.close;
        vma.mapped = (start) => {
          // The first mapping gives the BO its uva; later ones do not move it.
          if (bo.maps++ === 0) bo.uva = start;
        };
        vma.close = () => {
          close?.();
          // amdxdna_hmm_unregister: the last mapping gone, the BO has no user address.
          if (--bo.maps === 0) bo.uva = AMDXDNA_INVALID_ADDR;
        };
      },
      // amdxdna_gem_prime_import: every dma-buf, this device's too, becomes a new SHARE object.
      // (The defect leaves the hook out: the core then gives back the exporting object, drm_gem_prime_import_dev's shortcut.)
      gemPrimeImport: config.defects.has('prime-import-same-object') ? undefined : (_drm, obj) => {
        const bo: XdnaBo = {
          type: 'share',
          internal: false,
          client: null,
          devAddr: 0n,
          node: null,
          heap: null,
          uva: AMDXDNA_INVALID_ADDR,
          maps: 0,
          imported: true,
          assignedHwctx: 0,
        };
        obj.driverPriv = bo;
        return {
          open: (o: GemObject, f) => {
            const b = xdnaBo(o);
            if (b.client) return;
            b.client = clientOf(f);
            addBoUsage(o, b.client);
          },
        };
      },
      // amdxdna_gem_prime_export / amdxdna_gem_dev_obj_export: a DEV BO (a range of a heap) cannot be exported.
      primeHandleToFd: (_drm, obj) => {
        if (xdnaBo(obj).type === 'dev') throw SysError.of('EOPNOTSUPP', 'ioctl', 'a DEV BO cannot be exported');
      },
    },
    {
      module: AMDXDNA_MODULE,
      params: { tdr_timeout_ms: String(tdrMs) },
      parentName: config.instance === 0 ? AMDXDNA_PARENT : `0000:c${5 + config.instance}:00.1`,
      defects: config.defects,
    },
  );
  dev = new XdnaDevice(drm, tdrMs === 0 ? null : BigInt(tdrMs) * 1_000_000n, config.defects);
  drm.devPrivate = dev;
  return drm;
}

export const SIM_AMDXDNA: SimDriverModel = {
  name: 'amdxdna',
  driverName: AMDXDNA_DRIVER,
  module: AMDXDNA_MODULE,
  params: AMDXDNA_PARAMS,
  defects: AMDXDNA_DEFECTS,
  probe,
  profile: (sys) => amdxdnaProfile(sys),
};

/**
 * The reference APU as a driver plugin: profile, adapter and expectations of
 * drivers/apu/uapi/apu_drm.h (docs/uapi-apu.md), written only against the
 * plugin API, as a vendor would write one for real hardware
 * (docs/adapters.md). Load it from anywhere:
 *
 *   accel-conformance run --driver-plugin /path/to/apu-driver-plugin.js
 *   ACCEL_DRIVER_PLUGINS=/path/to/apu-driver-plugin.js accel-conformance run
 *
 * It replaces the built-in profile and adapter of the drivers `apu` and
 * `mt8183-apu`; the kernel lane runs the whole suite with it and checks the
 * results equal the built-in adapter's.
 */
'use strict';

module.exports = function apuDriverPlugin(api) {
  const { layout, constants, drm, driverIoctl } = api;
  const { struct, u16, u32, u64, ptr } = layout;

  // ---- uAPI: apu_drm.h, mirrored -------------------------------------------------
  const drm_apu_state = struct('drm_apu_state', { device: u32, flags: u32 });
  const drm_apu_gem_new = struct('drm_apu_gem_new', { size: u32, flags: u32, handle: u32, offset: u64 });
  const drm_apu_gem_queue = struct('drm_apu_gem_queue', {
    device: u32, cmd: u32, out_sync: u32, bo_handles: ptr, bo_handle_count: u32, size_in: u16, size_out: u16, data: ptr,
  });
  const drm_apu_gem_dequeue = struct('drm_apu_gem_dequeue', { out_sync: u32, result: u16, size: u16, data: ptr });
  const drm_apu_gem_iommu_map = struct('drm_apu_gem_iommu_map', { bo_handles: ptr, bo_handle_count: u32, bo_device_addresses: ptr });
  const apu_cmd_fill = struct('apu_cmd_fill', { dst: u64, len: u32, value: u32 });
  const apu_cmd_copy = struct('apu_cmd_copy', { src: u64, dst: u64, len: u32, pad: u32 });
  const apu_cmd_checksum = struct('apu_cmd_checksum', { src: u64, len: u32, pad: u32 });
  const CHECKSUM_OUT_SIZE = 8;

  const STATE = driverIoctl(0x00, drm_apu_state.size);
  const GEM_NEW = driverIoctl(0x01, drm_apu_gem_new.size);
  const GEM_QUEUE = driverIoctl(0x02, drm_apu_gem_queue.size);
  const GEM_DEQUEUE = driverIoctl(0x03, drm_apu_gem_dequeue.size);
  const GEM_IOMMU_MAP = driverIoctl(0x04, drm_apu_gem_iommu_map.size);
  const GEM_IOMMU_UNMAP = driverIoctl(0x05, drm_apu_gem_iommu_map.size);

  const APU_ONLINE = 1, APU_CRASHED = 2, APU_TIMEDOUT = 4;
  const APU_BO_DEVICE_RO = 1;
  const PAGE = 4096;
  const CMD = { nop: 0, fill: 1, copy: 2, checksum: 3, hang: 4, crash: 5 };
  const { ERRNO } = api;

  // ---- profile: what the driver declares, tunables read back from sysfs ----------
  function moduleParam(sys, module, param) {
    const path = `/sys/module/${module}/parameters/${param}`;
    try {
      if (!sys.fs.exists(path)) return null;
      const text = sys.fs.readFile(path).toString('utf8').trim();
      if (text === 'Y') return 1;
      if (text === 'N') return 0;
      const n = Number.parseInt(text, 10);
      return Number.isFinite(n) ? n : null;
    } catch {
      return null;
    }
  }

  function profileOf(driver, module, defaults) {
    return (sys) => {
      const exclusive = moduleParam(sys, module, 'exclusive');
      return {
        driver,
        openPolicy: exclusive === null ? defaults.policy : exclusive !== 0 ? 'exclusive' : 'shared',
        openPolicySource: 'declared',
        controlNode: false,
        jobTimeoutMs: moduleParam(sys, module, 'timeout_ms') ?? defaults.timeoutMs,
        iommu: 'per-context',
        prime: true,
        syncobj: true,
        banAfterHangs: moduleParam(sys, module, 'ban_after') ?? 3,
        debugfsObjectCount: 'gem_objects',
        uapi: 'apu',
        adapter: 'apu-example',
      };
    };
  }

  // ---- adapter ---------------------------------------------------------------------
  function encodeJob(job) {
    switch (job.kind) {
      case 'fill': return { args: apu_cmd_fill.encode({ dst: job.dst, len: job.len, value: job.value }), sizeOut: 0 };
      case 'copy': return { args: apu_cmd_copy.encode({ src: job.src, dst: job.dst, len: job.len }), sizeOut: 0 };
      case 'checksum': return { args: apu_cmd_checksum.encode({ src: job.src, len: job.len }), sizeOut: CHECKSUM_OUT_SIZE };
      default: return { args: Buffer.alloc(0), sizeOut: 0 };
    }
  }

  function statusOf(errno) {
    switch (errno) {
      case 0: return 'ok';
      case ERRNO.ETIMEDOUT: return 'timedout';
      case ERRNO.EFAULT: return 'fault';
      case ERRNO.ECANCELED: return 'canceled';
      case ERRNO.EIO: return 'crashed';
      default: return 'error';
    }
  }

  function createAdapter(sys) {
    /** User memory for the pointers an ioctl takes, freed after the call. */
    function withMemory(sizes, fn) {
      const mems = [];
      try {
        for (const s of sizes) mems.push(sys.alloc(Math.max(1, s)));
        return fn(mems);
      } finally {
        for (const m of mems) sys.free(m);
      }
    }
    function handleArray(mem, handles) {
      handles.forEach((h, i) => mem.bytes.writeUInt32LE(h >>> 0, i * 4));
    }
    function destroySyncobj(fd, handle) {
      try {
        sys.ioctl(fd, drm.DRM_IOCTL_SYNCOBJ_DESTROY, drm.drm_syncobj_destroy.encode({ handle }));
      } catch {
        // The file may be gone, and its syncobjs with it.
      }
    }

    return {
      name: 'apu-example',
      buffers: {
        handles: 'gem',
        deviceReadOnly: true,
        create(fd, size, opts) {
          const arg = drm_apu_gem_new.encode({ size, flags: opts && opts.deviceReadOnly ? APU_BO_DEVICE_RO : 0 });
          sys.ioctl(fd, GEM_NEW, arg);
          const out = drm_apu_gem_new.decode(arg);
          return { handle: out.handle, size: Math.ceil(size / PAGE) * PAGE, mmapOffset: out.offset };
        },
        mmap(fd, bo) {
          return sys.mmap(fd, bo.size, constants.PROT_READ | constants.PROT_WRITE, constants.MAP_SHARED, bo.mmapOffset);
        },
        close(fd, handle) {
          sys.ioctl(fd, drm.DRM_IOCTL_GEM_CLOSE, drm.drm_gem_close.encode({ handle }));
        },
      },
      deviceMap: {
        map(fd, handles) {
          return withMemory([handles.length * 4, handles.length * 8], ([hm, am]) => {
            handleArray(hm, handles);
            const arg = drm_apu_gem_iommu_map.encode({ bo_handles: hm.address, bo_handle_count: handles.length, bo_device_addresses: am.address });
            sys.ioctl(fd, GEM_IOMMU_MAP, arg);
            return handles.map((_, i) => am.bytes.readBigUInt64LE(i * 8));
          });
        },
        unmap(fd, handles) {
          withMemory([handles.length * 4], ([hm]) => {
            handleArray(hm, handles);
            sys.ioctl(fd, GEM_IOMMU_UNMAP, drm_apu_gem_iommu_map.encode({ bo_handles: hm.address, bo_handle_count: handles.length }));
          });
        },
      },
      jobs: {
        kinds: new Set(['nop', 'fill', 'copy', 'checksum', 'hang', 'crash']),
        submit(fd, job, bos = []) {
          const enc = encodeJob(job);
          const create = drm.drm_syncobj_create.encode({});
          sys.ioctl(fd, drm.DRM_IOCTL_SYNCOBJ_CREATE, create);
          const syncobj = drm.drm_syncobj_create.decode(create).handle;
          // Taken before the ioctl: the driver's timeout may start inside it.
          const submittedNs = sys.monotonicNs();
          try {
            withMemory([bos.length * 4, enc.args.length], ([bm, dm]) => {
              handleArray(bm, bos);
              enc.args.copy(dm.bytes);
              sys.ioctl(fd, GEM_QUEUE, drm_apu_gem_queue.encode({
                cmd: CMD[job.kind],
                out_sync: syncobj,
                bo_handles: bos.length > 0 ? bm.address : 0n,
                bo_handle_count: bos.length,
                size_in: enc.args.length,
                size_out: enc.sizeOut,
                data: enc.args.length > 0 ? dm.address : 0n,
              }));
            });
          } catch (e) {
            destroySyncobj(fd, syncobj);
            throw e;
          }
          return { fd, spec: job, syncobj, submittedNs };
        },
        async wait(job, timeoutMs) {
          // SYNCOBJ_WAIT takes an absolute CLOCK_MONOTONIC deadline; an expired wait throws ETIME and keeps the job.
          const deadline = sys.monotonicNs() + BigInt(Math.max(0, Math.round(timeoutMs))) * 1000000n;
          const hm = sys.alloc(4);
          try {
            hm.bytes.writeUInt32LE(job.syncobj, 0);
            await sys.ioctlAsync(job.fd, drm.DRM_IOCTL_SYNCOBJ_WAIT, drm.drm_syncobj_wait.encode({ handles: hm.address, timeout_nsec: deadline, count_handles: 1 }));
          } finally {
            sys.free(hm);
          }
          const completedNs = sys.monotonicNs();
          const size = encodeJob(job.spec).sizeOut;
          const result = withMemory([size], ([om]) => {
            const arg = drm_apu_gem_dequeue.encode({ out_sync: job.syncobj, size, data: size > 0 ? om.address : 0n });
            sys.ioctl(job.fd, GEM_DEQUEUE, arg);
            const out = drm_apu_gem_dequeue.decode(arg);
            return { errno: out.result, output: Buffer.from(om.bytes.subarray(0, Math.min(size, out.size))) };
          });
          destroySyncobj(job.fd, job.syncobj);
          return { status: statusOf(result.errno), errno: result.errno, output: result.output, completedNs };
        },
      },
      state: {
        query(fd) {
          const arg = drm_apu_state.encode({ device: 0 });
          sys.ioctl(fd, STATE, arg);
          const flags = drm_apu_state.decode(arg).flags;
          return { online: (flags & APU_ONLINE) !== 0, crashed: (flags & APU_CRASHED) !== 0, timedOut: (flags & APU_TIMEDOUT) !== 0 };
        },
      },
    };
  }

  return api.defineDriverModule({
    name: 'apu-example',
    profiles: {
      apu: profileOf('apu', 'apu', { policy: 'shared', timeoutMs: 500 }),
      'mt8183-apu': profileOf('mt8183-apu', 'mt8183_apu', { policy: 'exclusive', timeoutMs: 200 }),
    },
    adapters: { 'apu-example': createAdapter },
  });
};

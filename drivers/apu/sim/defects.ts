/**
 * The APU models' own defects ('driver' layer of drivers/sim/defects.ts):
 * each breaks one rule of the APU uAPI, and each is written only against
 * what a plugin gets (docs/plugins.md): op replacements of the driver
 * (ApuOpsOverrides), the scheduler's hooks, the uAPI struct codecs, and the
 * exported helpers (syncMappedRefs, the IOMMU library). probeApu installs
 * the ones a device names.
 */
import { ERRNO, SysError } from '../../../harness/sys/errno';
import {
  APU_BO_FLAGS,
  APU_CMD_CHECKSUM,
  APU_CMD_COPY,
  APU_CMD_FILL,
  APU_MAX_BO_HANDLES,
  APU_CMD_CRASH,
  apu_cmd_checksum,
  apu_cmd_checksum_out,
  apu_cmd_copy,
  apu_cmd_fill,
  drm_apu_gem_dequeue,
  drm_apu_gem_iommu_map,
  drm_apu_gem_new,
  drm_apu_gem_queue,
  drm_apu_state,
} from '../uapi';
import type { DrmFile, GemObject, IoctlContext } from '../../sim/kernel/drm/driver';
import { IOMMU_PAGE_SIZE, IommuDomain, type Segment, gather } from '../../sim/kernel/iommu';
import type { ApuDefect } from '../../sim/plugin-api';
import { apuBoOf, contextOf } from './context';
import type { Execution, Outcome } from './firmware';
import { syncMappedRefs } from './ops';

/** The firmware's execution of a job with `after` applied to what it did. */
function afterRun(e: Execution, after: (out: Outcome, domain: IommuDomain) => Outcome): Execution {
  return { durationNs: e.durationNs, run: (domain) => after(e.run(domain), domain) };
}

const isFault = (out: Outcome): boolean => out.kind === 'done' && out.result === ERRNO.EFAULT;

function readU32s(ctx: IoctlContext, address: bigint, count: number): number[] {
  const raw = ctx.copyFromUser(address, count * 4);
  return Array.from({ length: count }, (_, i) => raw.readUInt32LE(i * 4));
}

/** Writes `bytes` over translated segments until either runs out. */
function writeOver(segments: readonly Segment[], bytes: Buffer): void {
  let o = 0;
  for (const g of segments) {
    if (o >= bytes.length) break;
    const k = Math.min(g.length, bytes.length - o);
    bytes.copy(g.memory, g.offset, o, o + k);
    o += k;
  }
}

const NEW = drm_apu_gem_new.offsets;

/** A domain whose iommu_unmap clears only the first page of a range (an off-by-pages unmap). */
class FirstPageUnmapDomain extends IommuDomain {
  override unmap(iova: bigint, _pages: number, keepPtes = false): void {
    super.unmap(iova, 1, keepPtes);
  }
}

/** A domain that honours IOMMU_WRITE's absence on the first page of a range only. */
class FirstPageReadOnlyDomain extends IommuDomain {
  override map(iova: bigint, memory: Buffer, writable: boolean): void {
    if (writable || memory.length <= IOMMU_PAGE_SIZE) return super.map(iova, memory, writable);
    // Two ranges over one object: its first page read-only, the rest writable (views share the memory).
    super.map(iova, memory.subarray(0, IOMMU_PAGE_SIZE), false);
    super.map(iova + BigInt(IOMMU_PAGE_SIZE), memory.subarray(IOMMU_PAGE_SIZE), true);
  }
}

export const APU_DEFECTS = {
  'excl-release-on-close': {
    layer: 'driver',
    rule: 'the exclusive-open lock drops at any close(), not at the last release of the file',
    install: (t) =>
      t.overrideOps({
        flush: (dev, file, closer, base) => {
          base(dev, file, closer);
          dev.dropLock(file);
        },
      }),
  },
  'excl-release-on-second-close': {
    layer: 'driver',
    rule: 'the exclusive-open lock drops at the file\'s second close(), as if a file could have at most two fds',
    install: (t) => {
      const closes = new WeakMap<DrmFile, number>();
      t.overrideOps({
        flush: (dev, file, closer, base) => {
          base(dev, file, closer);
          const n = (closes.get(file) ?? 0) + 1;
          closes.set(file, n);
          if (n === 2) dev.dropLock(file);
        },
      });
    },
  },
  'excl-release-on-foreign-close': {
    layer: 'driver',
    rule: 'the exclusive-open lock drops when a process other than the opener closes its fd of the file',
    install: (t) => {
      const openers = new WeakMap<DrmFile, number>();
      t.overrideOps({
        open: (dev, file, ctx, base) => {
          base(dev, file, ctx);
          openers.set(file, ctx.pid);
        },
        flush: (dev, file, closer, base) => {
          base(dev, file, closer);
          if (closer.pid !== openers.get(file)) dev.dropLock(file);
        },
      });
    },
  },
  'excl-not-enforced': {
    layer: 'driver',
    rule: 'an exclusive-policy device accepts a second open',
    // The open op without its dev.acquire(file).
    install: (t) => t.overrideOps({ open: (dev, file) => void (file.driverPriv = dev.createContext(file)) }),
  },
  'gem-new-bad-flags-ok': {
    layer: 'driver',
    rule: 'GEM_NEW accepts unknown flags',
    install: (t) =>
      t.overrideOps({
        ioctls: {
          GEM_NEW: (dev, data, file, ctx, base) => {
            const flags = data.readUInt32LE(NEW.flags);
            data.writeUInt32LE(flags & APU_BO_FLAGS, NEW.flags);
            try {
              return base(dev, data, file, ctx);
            } finally {
              data.writeUInt32LE(flags, NEW.flags);
            }
          },
        },
      }),
  },
  'gem-new-dirty-output': {
    layer: 'driver',
    rule: 'GEM_NEW writes handle/offset before failing',
    install: (t) =>
      t.overrideOps({
        ioctls: {
          GEM_NEW: (dev, data, file, ctx, base) => {
            data.writeUInt32LE(1, NEW.handle);
            data.writeBigUInt64LE(0x100000000n, NEW.offset);
            return base(dev, data, file, ctx);
          },
        },
      }),
  },
  'gem-new-size-zero-ok': {
    layer: 'driver',
    rule: 'GEM_NEW accepts size 0',
    install: (t) =>
      t.overrideOps({
        ioctls: {
          GEM_NEW: (dev, data, file, ctx, base) => {
            // Size 0 is let through as the smallest object (one page).
            if (data.readUInt32LE(NEW.size) !== 0) return base(dev, data, file, ctx);
            data.writeUInt32LE(1, NEW.size);
            try {
              return base(dev, data, file, ctx);
            } finally {
              data.writeUInt32LE(0, NEW.size);
            }
          },
        },
      }),
  },
  'no-job-timeout': {
    layer: 'driver',
    rule: 'the scheduler never times a job out',
    install: (t) => t.overrideSched({ jobTimeout: () => null }),
  },
  'timeout-late': {
    layer: 'driver',
    rule: 'the scheduler times a job out at three times its declared timeout',
    install: (t) => t.overrideSched({ jobTimeout: (job, ns, base) => scale(base(job, ns), 3n, 1n) }),
  },
  'timeout-early': {
    layer: 'driver',
    rule: 'the scheduler times a job out at half its declared timeout',
    install: (t) => t.overrideSched({ jobTimeout: (job, ns, base) => scale(base(job, ns), 1n, 2n) }),
  },
  'queue-drops-after-hang': {
    layer: 'driver',
    rule: 'a job queued behind a timed-out job is lost (never signalled)',
    install: (t) =>
      t.overrideSched({
        timedOut: (guilty, reset, base) => {
          reset.lose(() => true);
          base(guilty, reset);
        },
      }),
  },
  'reset-kills-innocent': {
    layer: 'driver',
    rule: 'a reset fails the running jobs of other contexts too',
    install: (t) =>
      t.overrideSched({
        timedOut: (guilty, reset, base) => {
          reset.cancel((job) => job.entity !== guilty.entity, ERRNO.ECANCELED);
          base(guilty, reset);
        },
      }),
  },
  'no-recovery': {
    layer: 'driver',
    rule: 'after a timeout the device never comes back ONLINE',
    install: (t) => t.overrideSched({ timedOut: (guilty, reset, base) => base(guilty, { ...reset, recover: () => reset.stayDown() }) }),
  },
  'shared-iommu': {
    layer: 'driver',
    rule: 'one IO page table for all contexts',
    install: (t) => {
      let shared: IommuDomain | null = null;
      t.overrideOps({
        createMappings: (dev, file, options, base) =>
          base(dev, file, { ...options, domain: (shared ??= new IommuDomain(dev.model.aperture, 'shared')) }),
      });
    },
  },
  'unmap-keeps-mapping': {
    layer: 'driver',
    rule: 'GEM_IOMMU_UNMAP leaves the pages mapped',
    install: (t) =>
      t.overrideOps({ createMappings: (dev, file, options, base) => base(dev, file, { ...options, keepPtesOnUnmap: true }) }),
  },
  'unmap-first-page-only': {
    layer: 'driver',
    rule: 'GEM_IOMMU_UNMAP removes the first page of an object\'s mapping and leaves the others mapped',
    install: (t) =>
      t.overrideOps({
        createMappings: (dev, file, options, base) =>
          base(dev, file, { ...options, domain: options.domain ?? new FirstPageUnmapDomain(dev.model.aperture, `ctx${file.clientId}`) }),
      }),
  },
  'unmap-batch-first-only': {
    layer: 'driver',
    rule: 'GEM_IOMMU_UNMAP of several objects unmaps only the first of them',
    install: (t) => t.overrideOps({ iommuUnmap: (dev, ctx, objs, base) => base(dev, ctx, objs.slice(0, 1)) }),
  },
  'map-not-refcounted': {
    layer: 'driver',
    rule: 'mapping an object twice gives a second address and one unmap removes both',
    install: (t) =>
      t.overrideOps({ createMappings: (dev, file, options, base) => base(dev, file, { ...options, notRefcounted: true }) }),
  },
  'remap-batch-refs-first-only': {
    layer: 'driver',
    rule: 'a GEM_IOMMU_MAP batch takes a new reference only on the first of its objects that were already mapped',
    install: (t) =>
      t.overrideOps({
        iommuMap: (dev, ctx, objs, base) => {
          const already = objs.filter((o, i) => objs.indexOf(o) === i && ctx.mappings.lookup(o) !== undefined);
          const r = base(dev, ctx, objs);
          if (!Array.isArray(r) || already.length < 2) return r;
          // Every already-mapped object but the first gives its new reference back (it had one before: never to 0).
          const skipped = already.slice(1);
          if (ctx.mappings.unmapAll(skipped) === null) syncMappedRefs(ctx, skipped);
          return r;
        },
      }),
  },
  'map-unknown-ok': {
    layer: 'driver',
    rule: 'GEM_IOMMU_MAP of an unknown handle succeeds',
    install: (t) =>
      t.overrideOps({
        ioctls: {
          GEM_IOMMU_MAP: (dev, data, file, ctx, base) => {
            const a = drm_apu_gem_iommu_map.decode(data);
            const actx = contextOf(file);
            if (!actx || a.bo_handle_count === 0 || a.bo_handle_count > APU_MAX_BO_HANDLES) return base(dev, data, file, ctx);
            const handles = readU32s(ctx, a.bo_handles, a.bo_handle_count);
            const objs = handles.map((h) => dev.drm.gemObjectLookup(file, h));
            const known = objs.filter((o): o is GemObject => o !== null);
            if (known.length === objs.length) {
              for (const o of known) o.put();
              return base(dev, data, file, ctx);
            }
            // Unknown handles are skipped and "mapped" at the aperture's start.
            let addrs: bigint[];
            try {
              const r = known.length > 0 ? dev.ops.iommuMap(dev, actx, known) : [];
              if (!Array.isArray(r)) throw SysError.of(r, 'ioctl', 'DRM_IOCTL_APU_GEM_IOMMU_MAP');
              addrs = r;
            } finally {
              for (const o of known) o.put();
            }
            const out = Buffer.alloc(handles.length * 8);
            let k = 0;
            objs.forEach((o, i) => out.writeBigUInt64LE(o ? (addrs[k++] as bigint) : dev.model.aperture.start, i * 8));
            ctx.copyToUser(a.bo_device_addresses, out);
            return 0;
          },
        },
      }),
  },
  'ro-ignored': {
    layer: 'driver',
    rule: 'APU_BO_DEVICE_RO objects are mapped writable',
    install: (t) =>
      t.overrideOps({
        iommuMap: (_dev, ctx, objs) => {
          const r = ctx.mappings.mapAll(objs.map((obj) => ({ key: obj, memory: obj.memory, writable: true })));
          if (Array.isArray(r)) syncMappedRefs(ctx, objs);
          return r;
        },
      }),
  },
  'ro-first-page-only': {
    layer: 'driver',
    rule: 'an APU_BO_DEVICE_RO object is mapped read-only on its first page only',
    install: (t) =>
      t.overrideOps({
        createMappings: (dev, file, options, base) =>
          base(dev, file, { ...options, domain: options.domain ?? new FirstPageReadOnlyDomain(dev.model.aperture, `ctx${file.clientId}`) }),
      }),
  },
  'ro-flag-per-batch': {
    layer: 'driver',
    rule: 'GEM_IOMMU_MAP takes APU_BO_DEVICE_RO from the first object of a batch for every object of it',
    install: (t) =>
      t.overrideOps({
        iommuMap: (_dev, ctx, objs) => {
          const writable = !(apuBoOf(objs[0] as GemObject)?.deviceReadOnly ?? false);
          const r = ctx.mappings.mapAll(objs.map((obj) => ({ key: obj, memory: obj.memory, writable })));
          if (Array.isArray(r)) syncMappedRefs(ctx, objs);
          return r;
        },
      }),
  },
  'fault-partial-write': {
    layer: 'driver',
    rule: 'a faulting FILL/COPY writes the bytes before the faulting page',
    install: (t) =>
      t.overrideOps({
        executeJob: (dev, job, base) => {
          const e = base(dev, job);
          if (job.cmd === APU_CMD_FILL) {
            const a = apu_cmd_fill.decode(job.args);
            return afterRun(e, (out, domain) => {
              if (!isFault(out)) return out;
              const dst = domain.translate(a.dst, a.len, true);
              writeOver(dst.segments, Buffer.alloc(a.len, a.value & 0xff));
              return out;
            });
          }
          if (job.cmd === APU_CMD_COPY) {
            const a = apu_cmd_copy.decode(job.args);
            return afterRun(e, (out, domain) => {
              if (!isFault(out)) return out;
              const src = gather(domain.translate(a.src, a.len, false).segments);
              writeOver(domain.translate(a.dst, a.len, true).segments, src);
              return out;
            });
          }
          return e;
        },
      }),
  },
  'fault-checks-ends-only': {
    layer: 'driver',
    rule: 'a FILL checks only the first and last page of its range before writing: a hole between them faults after the pages before it were written',
    install: (t) =>
      t.overrideOps({
        executeJob: (dev, job, base) => {
          const e = base(dev, job);
          if (job.cmd !== APU_CMD_FILL) return e;
          const a = apu_cmd_fill.decode(job.args);
          return afterRun(e, (out, domain) => {
            if (!isFault(out) || a.len === 0) return out;
            const page = BigInt(IOMMU_PAGE_SIZE);
            const firstPage = a.dst - (a.dst % page);
            const last = a.dst + BigInt(a.len) - 1n;
            const lastPage = last - (last % page);
            const dst = domain.translate(a.dst, a.len, true);
            // Only a fault strictly inside the range escapes the ends-only check.
            if (dst.ok || dst.iova === firstPage || dst.iova === lastPage) return out;
            writeOver(dst.segments, Buffer.alloc(a.len, a.value & 0xff));
            return out;
          });
        },
      }),
  },
  'fault-wedges': {
    layer: 'driver',
    rule: 'after an IOMMU fault the next job never runs',
    install: (t) =>
      t.overrideOps({
        executeJob: (dev, job, base) =>
          afterRun(base(dev, job), (out) => {
            if (isFault(out)) dev.sched.wedge();
            return out;
          }),
      }),
  },
  'queue-unbounded-handles': {
    layer: 'driver',
    rule: 'GEM_QUEUE accepts a bo_handle_count above APU_MAX_BO_HANDLES',
    install: (t) =>
      t.overrideOps({
        ioctls: {
          GEM_QUEUE: (dev, data, file, ctx, base) => {
            const at = drm_apu_gem_queue.offsets.bo_handle_count;
            const count = data.readUInt32LE(at);
            if (count <= APU_MAX_BO_HANDLES) return base(dev, data, file, ctx);
            // Reads and looks up the whole array (ENOENT for an unknown handle), then queues with the first ones.
            for (const h of readU32s(ctx, data.readBigUInt64LE(drm_apu_gem_queue.offsets.bo_handles), count)) {
              const obj = dev.drm.gemObjectLookup(file, h);
              if (!obj) throw SysError.of('ENOENT', 'ioctl', `DRM_IOCTL_APU_GEM_QUEUE: unknown handle ${h}`);
              obj.put();
            }
            data.writeUInt32LE(APU_MAX_BO_HANDLES, at);
            try {
              return base(dev, data, file, ctx);
            } finally {
              data.writeUInt32LE(count, at);
            }
          },
        },
      }),
  },
  'dequeue-global': {
    layer: 'driver',
    rule: 'GEM_DEQUEUE searches every file\'s jobs, as the drm/apu series did',
    install: (t) =>
      t.overrideOps({
        findJob: (dev, ctx, outSync, base) => {
          const own = base(dev, ctx, outSync);
          if (own) return own;
          for (const other of dev.contexts) {
            const job = other.jobs.get(outSync);
            if (job) return { owner: other, job };
          }
          return null;
        },
      }),
  },
  'checksum-wrong': {
    layer: 'driver',
    rule: 'CHECKSUM returns a wrong value',
    install: (t) =>
      t.overrideOps({
        executeJob: (dev, job, base) => {
          const e = base(dev, job);
          if (job.cmd !== APU_CMD_CHECKSUM) return e;
          return afterRun(e, (out) => {
            if (out.kind !== 'done' || out.result !== 0) return out;
            const sum = apu_cmd_checksum_out.decode(out.output).checksum;
            return { ...out, output: apu_cmd_checksum_out.encode({ checksum: (sum ^ 0x1) >>> 0 }) };
          });
        },
      }),
  },
  'state-any-device': {
    layer: 'driver',
    rule: 'STATE answers for any device index, not only 0',
    install: (t) =>
      t.overrideOps({
        ioctls: {
          STATE: (dev, data, file, ctx, base) => {
            const at = drm_apu_state.offsets.device;
            const device = data.readUInt32LE(at);
            data.writeUInt32LE(0, at);
            try {
              return base(dev, data, file, ctx);
            } finally {
              data.writeUInt32LE(device, at);
            }
          },
        },
      }),
  },
  'map-count-zero-ok': {
    layer: 'driver',
    rule: 'GEM_IOMMU_MAP of 0 handles succeeds (maps nothing)',
    install: (t) =>
      t.overrideOps({
        ioctls: {
          GEM_IOMMU_MAP: (dev, data, file, ctx, base) =>
            data.readUInt32LE(drm_apu_gem_iommu_map.offsets.bo_handle_count) === 0 ? 0 : base(dev, data, file, ctx),
        },
      }),
  },
  'queue-pad-unchecked': {
    layer: 'driver',
    rule: 'GEM_QUEUE accepts a CHECKSUM whose pad is not zero',
    install: (t) =>
      t.overrideOps({
        ioctls: {
          GEM_QUEUE: (dev, data, file, ctx, base) => {
            const q = drm_apu_gem_queue.decode(data);
            if (q.cmd !== APU_CMD_CHECKSUM || q.size_in !== apu_cmd_checksum.size) return base(dev, data, file, ctx);
            // The pad is cleared in the caller's arguments for the check, then put back.
            const args = ctx.copyFromUser(q.data, apu_cmd_checksum.size);
            const a = apu_cmd_checksum.decode(args);
            if (a.pad === 0) return base(dev, data, file, ctx);
            ctx.copyToUser(q.data, apu_cmd_checksum.encode({ ...a, pad: 0 }));
            try {
              return base(dev, data, file, ctx);
            } finally {
              ctx.copyToUser(q.data, args);
            }
          },
        },
      }),
  },
  'dequeue-short-buffer-ok': {
    layer: 'driver',
    rule: 'GEM_DEQUEUE writes the whole output whatever size the caller gives',
    install: (t) =>
      t.overrideOps({
        ioctls: {
          GEM_DEQUEUE: (dev, data, file, ctx, base) => {
            data.writeUInt16LE(0xffff, drm_apu_gem_dequeue.offsets.size);
            return base(dev, data, file, ctx);
          },
        },
      }),
  },
  'fill-empty-ok': {
    layer: 'driver',
    rule: 'the firmware completes a FILL of length 0 with result 0',
    install: (t) =>
      t.overrideOps({
        executeJob: (dev, job, base) => {
          const e = base(dev, job);
          if (job.cmd !== APU_CMD_FILL || apu_cmd_fill.decode(job.args).len !== 0) return e;
          return afterRun(e, (out) => (out.kind === 'done' ? { ...out, result: 0 } : out));
        },
      }),
  },
  'copy-forward': {
    layer: 'driver',
    rule: 'COPY copies byte by byte upwards, so a destination above an overlapping source repeats its first bytes',
    install: (t) =>
      t.overrideOps({
        executeJob: (dev, job, base) => {
          const e = base(dev, job);
          if (job.cmd !== APU_CMD_COPY) return e;
          const a = apu_cmd_copy.decode(job.args);
          const d = Number(a.dst - a.src);
          if (d <= 0 || d >= a.len) return e;
          return afterRun(e, (out, domain) => {
            if (out.kind !== 'done' || out.result !== 0) return out;
            // After the correct memmove dst holds the old source; a forward copy gives old source[i % d].
            const moved = gather(domain.translate(a.dst, a.len, true).segments);
            writeOver(domain.translate(a.dst, a.len, true).segments, Buffer.from(Array.from({ length: a.len }, (_, i) => moved[i % d] as number)));
            return out;
          });
        },
      }),
  },
  'ban-never': {
    layer: 'driver',
    rule: 'a context is never banned, whatever ban_after says',
    install: (t) =>
      t.overrideSched({
        timedOut: (guilty, reset, base) => {
          guilty.entity.banned = false;
          base(guilty, reset);
        },
      }),
  },
  'close-waits-for-hang': {
    layer: 'driver',
    rule: 'closing a file leaves its running job on the hardware until the job timeout ends it',
    install: (t) =>
      t.overrideOps({
        // apu_hw_abort not called: the context goes only once a whole job timeout has passed.
        release: (dev, file, base) => void dev.drm.clock.after(BigInt(dev.params.timeoutMs) * 1_000_000n, () => base(dev, file)),
      }),
  },
  'crash-reported-ok': {
    layer: 'driver',
    rule: 'a CRASH job is reported as completed (result 0), not EIO',
    install: (t) =>
      t.overrideOps({
        executeJob: (dev, job, base) => {
          const e = base(dev, job);
          if (job.cmd !== APU_CMD_CRASH) return e;
          return { durationNs: e.durationNs, run: () => ({ kind: 'done', result: 0, output: Buffer.alloc(0) }) };
        },
      }),
  },
} as const satisfies Record<string, ApuDefect>;

/** A timeout times num/den, or still none. */
function scale(ns: bigint | null, num: bigint, den: bigint): bigint | null {
  return ns === null ? null : (ns * num) / den;
}

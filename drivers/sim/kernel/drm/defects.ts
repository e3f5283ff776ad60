/**
 * The simulated DRM core's defects ('core' layer of drivers/sim/defects.ts):
 * each breaks one rule, and each is written only against the public hooks
 * of ./core-hooks.ts (plus the public DrmDevice API and the uAPI struct
 * codecs), exactly as a plugin outside the project could write it
 * (docs/plugins.md). registerDrmDriver installs the ones a device names.
 */
import { SysError, isSysError } from '../../../../harness/sys/errno';
import { O_EXCL } from '../../../../harness/sys/constants';
import { DMA_BUF_SYNC_VALID_FLAGS_MASK } from '../../../../harness/uapi/dma-buf';
import {
  DRM_CAP_PRIME,
  DRM_CLOEXEC,
  DRM_RDWR,
  drm_get_cap,
  drm_mode_create_dumb,
  drm_mode_destroy_dumb,
  drm_mode_map_dumb,
  drm_prime_handle,
} from '../../../../harness/uapi/drm';
import type { DrmCoreHookSet, GemHandleEntry } from './core-hooks';
import { DRIVER_MODESET, DRIVER_RENDER, DRM_CONTROL_ALLOW, DRM_MASTER, type DrmDriver, type IoctlReturn } from './driver';
import { Idr } from './idr';

export interface CoreDefect {
  readonly layer: 'core';
  readonly rule: string;
  /** Installs the defect's hooks on one device being registered. */
  install(hooks: DrmCoreHookSet): void;
}

/** A handler's synchronous result (the core handlers these defects wrap never sleep). */
function sync(r: IoctlReturn): number {
  if (typeof r !== 'number') throw new Error('core ioctl went asynchronous');
  return r;
}

/** The KMS entry points: every drm_mode_* ioctl, the CRTC sequence ones and WAIT_VBLANK (all need DRIVER_MODESET). */
const isKms = (name: string): boolean => /^(MODE_|CRTC_)/.test(name) || name === 'WAIT_VBLANK';
const DUMB = new Set(['MODE_CREATE_DUMB', 'MODE_MAP_DUMB', 'MODE_DESTROY_DUMB']);

export const CORE_DEFECTS = {
  // drm_file.c / drm_ioctl.c / drm_accel.c / drm_drv.c
  'excl-open-allowed': {
    layer: 'core',
    rule: 'open(O_EXCL) of an accel node succeeds instead of EBUSY',
    install: (h) => h.override('openPermit', (dev, ctx, base) => base(dev, { ...ctx, flags: ctx.flags & ~O_EXCL })),
  },
  'version-empty-desc': {
    layer: 'core',
    rule: 'DRM_IOCTL_VERSION returns an empty desc string',
    // The driver as recorded, with its desc replaced (a prototype view keeps class-based drivers' methods).
    install: (h) =>
      h.override('driver', (driver, base): DrmDriver => Object.create(base(driver), { desc: { value: '', enumerable: true } }) as DrmDriver),
  },
  'unknown-ioctl-enotty': {
    layer: 'core',
    rule: 'an unknown DRM ioctl number gives ENOTTY instead of EINVAL',
    install: (h) => h.override('unknownIoctl', () => 'ENOTTY'),
  },
  'master-allowed': {
    layer: 'core',
    rule: 'DRM_MASTER-flagged ioctls and SET_MASTER succeed on an accel file',
    install: (h) => {
      h.override('ioctlPermit', (file, flags, ctx, base) => base(file, flags & ~DRM_MASTER, ctx));
      h.overrideIoctl('SET_MASTER', () => 0);
      h.overrideIoctl('DROP_MASTER', () => 0);
    },
  },
  'kms-ioctls-succeed': {
    layer: 'core',
    rule: 'KMS ioctls (MODE_GETRESOURCES, MODE_CREATE_DUMB) succeed without DRIVER_MODESET',
    install: (h) => {
      for (const name of h.coreIoctlNames) if (isKms(name) && !DUMB.has(name)) h.overrideIoctl(name, () => 0);
      // Dumb buffers as a driver with dumb_create would give them: plain GEM objects.
      h.overrideIoctl('MODE_CREATE_DUMB', (dev, data, file) => {
        const a = drm_mode_create_dumb.decode(data);
        const pitch = a.width * Math.ceil(a.bpp / 8);
        const obj = dev.gemObjectCreate(Math.max(1, pitch * a.height));
        let handle: number;
        try {
          handle = dev.gemHandleCreate(file, obj);
        } finally {
          obj.put();
        }
        const o = drm_mode_create_dumb.offsets;
        data.writeUInt32LE(handle, o.handle);
        data.writeUInt32LE(pitch >>> 0, o.pitch);
        data.writeBigUInt64LE(BigInt(obj.size), o.size);
        return 0;
      });
      h.overrideIoctl('MODE_MAP_DUMB', (dev, data, file) => {
        const obj = dev.gemObjectLookup(file, drm_mode_map_dumb.decode(data).handle);
        if (!obj) throw SysError.of('ENOENT', 'ioctl', 'no such dumb buffer');
        try {
          data.writeBigUInt64LE(dev.gemMmapOffset(obj), drm_mode_map_dumb.offsets.offset);
        } finally {
          obj.put();
        }
        return 0;
      });
      h.overrideIoctl('MODE_DESTROY_DUMB', (dev, data, file) => {
        dev.gemHandleDelete(file, drm_mode_destroy_dumb.decode(data).handle);
        return 0;
      });
    },
  },
  'render-node': {
    layer: 'core',
    rule: 'a render node is registered beside the accel node, sharing its parent',
    install: (h) => h.override('minors', (dev, requested, base) => ['render', ...base(dev, requested)]),
  },
  'prime-cap-missing': {
    layer: 'core',
    rule: 'GET_CAP(DRM_CAP_PRIME) reports no import/export',
    install: (h) =>
      h.overrideIoctl('GET_CAP', (dev, data, file, ctx, base) => {
        const r = sync(base(dev, data, file, ctx));
        if (drm_get_cap.decode(data).capability === DRM_CAP_PRIME) data.writeBigUInt64LE(0n, drm_get_cap.offsets.value);
        return r;
      }),
  },
  'sysfs-dev-wrong-minor': {
    layer: 'core',
    rule: 'the accel class device\'s sysfs `dev` reports a minor other than its node\'s',
    // The class device's devt (dev_show) is not the node's MKDEV(ACCEL_MAJOR, index) of accel_set_device_instance_params.
    install: (h) => h.override('sysfsDevMinor', (dev, type, minor, base) => base(dev, type, minor) + (type === 'accel' ? 1 : 0)),
  },
  'accel-render-accepted': {
    layer: 'core',
    rule: 'drm_dev_init accepts DRIVER_COMPUTE_ACCEL together with DRIVER_RENDER or DRIVER_MODESET',
    // drm_dev_init is shared by every driver: once installed it stays for every later registration.
    install: (h) => h.kernel.override('devInit', (features, base) => base(features & ~(DRIVER_RENDER | DRIVER_MODESET))),
  },
  'control-node-unrestricted': {
    layer: 'core',
    rule: 'drm_ioctl_permit lets a control-node file run ioctls without DRM_CONTROL_ALLOW',
    install: (h) =>
      h.override('ioctlPermit', (file, flags, ctx, base) =>
        base(file, file.minorType === 'control' ? flags | DRM_CONTROL_ALLOW : flags, ctx),
      ),
  },
  // drm_gem.c
  'gem-close-unknown-ok': {
    layer: 'core',
    rule: 'GEM_CLOSE of an unknown handle succeeds instead of EINVAL',
    install: (h) =>
      h.overrideIoctl('GEM_CLOSE', (dev, data, file, ctx, base) => {
        try {
          return sync(base(dev, data, file, ctx));
        } catch (e) {
          if (isSysError(e, 'EINVAL')) return 0;
          throw e;
        }
      }),
  },
  'handles-global': {
    layer: 'core',
    rule: 'GEM handles are shared by every file of the device',
    install: (h) => {
      let shared: Idr<GemHandleEntry> | null = null;
      h.override('fileHandles', (file, fresh, base) => (shared ??= base(file, fresh)));
    },
  },
  'handles-no-reuse': {
    layer: 'core',
    rule: 'a closed GEM handle number is never reused (not the lowest free)',
    install: (h) => h.override('handleIdr', () => new Idr<GemHandleEntry>(true)),
  },
  'close-leaks-objects': {
    layer: 'core',
    rule: 'closing a file does not drop its handles: objects leak',
    install: (h) => h.override('gemRelease', () => undefined),
  },
  'mmap-any-file': {
    layer: 'core',
    rule: 'mmap of a fake offset works on a file that holds no handle',
    install: (h) => h.override('mmapPermit', () => true),
  },
  'mmap-no-ref': {
    layer: 'core',
    rule: 'a mapping does not hold its object: memory is freed at GEM_CLOSE',
    install: (h) => h.override('objectHold', (obj, holder, base) => (holder === 'mmap' ? null : base(obj, holder))),
  },
  // drm_prime.c / dma-buf.c
  'no-prime-cache': {
    layer: 'core',
    rule: 'no PRIME cache: re-export makes a new dma-buf and self-import a new handle',
    install: (h) => {
      h.override('primeReuse', () => null);
      h.override('primeKnownHandle', () => null);
    },
  },
  'dmabuf-no-ref': {
    layer: 'core',
    rule: 'a dma-buf does not hold its object: memory is freed with the last handle',
    install: (h) => h.override('objectHold', (obj, holder, base) => (holder === 'dma-buf' ? null : base(obj, holder))),
  },
  'prime-flags-unchecked': {
    layer: 'core',
    rule: 'PRIME_HANDLE_TO_FD accepts flags other than DRM_CLOEXEC|DRM_RDWR',
    install: (h) =>
      h.overrideIoctl('PRIME_HANDLE_TO_FD', (dev, data, file, ctx, base) => {
        // The check sees only the valid bits; user space gets its flags back as given.
        const at = drm_prime_handle.offsets.flags;
        const flags = data.readUInt32LE(at);
        data.writeUInt32LE(flags & (DRM_CLOEXEC | DRM_RDWR), at);
        try {
          return sync(base(dev, data, file, ctx));
        } finally {
          data.writeUInt32LE(flags, at);
        }
      }),
  },
  'prime-import-any-fd': {
    layer: 'core',
    rule: 'PRIME_FD_TO_HANDLE accepts an fd that is not a dma-buf',
    install: (h) =>
      h.overrideIoctl('PRIME_FD_TO_HANDLE', (dev, data, file, ctx, base) => {
        try {
          return sync(base(dev, data, file, ctx));
        } catch (e) {
          // dma_buf_get's EINVAL ("not a dma-buf"): a handle to a junk object instead.
          if (!isSysError(e, 'EINVAL')) throw e;
          const junk = dev.gemObjectCreate(4096);
          try {
            data.writeUInt32LE(dev.gemHandleCreate(file, junk), drm_prime_handle.offsets.handle);
          } finally {
            junk.put();
          }
          return 0;
        }
      }),
  },
  'dmabuf-lseek-any': {
    layer: 'core',
    rule: 'lseek on a dma-buf accepts offsets other than 0 with SEEK_SET/SEEK_END',
    install: (h) => h.override('dmabufLlseek', (d, offset, whence, base) => base(d, 0n, whence) + offset),
  },
  'dmabuf-sync-any-flags': {
    layer: 'core',
    rule: 'DMA_BUF_IOCTL_SYNC accepts flags outside DMA_BUF_SYNC_VALID_FLAGS_MASK',
    install: (h) => h.override('dmabufSync', (d, flags, base) => base(d, flags & DMA_BUF_SYNC_VALID_FLAGS_MASK)),
  },
} as const satisfies Record<string, CoreDefect>;

export type CoreDefectName = keyof typeof CORE_DEFECTS;

export function coreDefect(name: string): CoreDefect | undefined {
  return Object.prototype.hasOwnProperty.call(CORE_DEFECTS, name) ? (CORE_DEFECTS as Record<string, CoreDefect>)[name] : undefined;
}

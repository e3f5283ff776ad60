/**
 * drm_ioctl (drivers/gpu/drm/drm_ioctl.c): request decoding, the core
 * ioctl table, drm_ioctl_permit, and the copy-in / copy-out protocol.
 */
import { SysError } from '../../../../harness/sys/errno';
import {
  IOC,
  IOC_DIRSHIFT,
  IOC_NONE,
  IOC_NRBITS,
  IOC_NRSHIFT,
  IOC_READ,
  IOC_SIZEBITS,
  IOC_SIZESHIFT,
  IOC_TYPEBITS,
  IOC_TYPESHIFT,
  IOC_WRITE,
} from '../../../../harness/uapi/ioctl';
import {
  DRM_COMMAND_BASE,
  DRM_COMMAND_END,
  DRM_IOCTL_BASE_CODE,
  drm_gem_close,
  drm_gem_flink,
  drm_gem_open,
  drm_get_cap,
  drm_mode_card_res,
  drm_mode_create_dumb,
  drm_mode_destroy_dumb,
  drm_mode_map_dumb,
  drm_prime_handle,
  drm_set_client_cap,
  drm_syncobj_array,
  drm_syncobj_create,
  drm_syncobj_destroy,
  drm_version,
  drm_auth,
} from '../../../../harness/uapi/drm';
import type { IoctlCtx } from './ctx';
import * as core from './core-ioctls';
import type { DrmDeviceImpl } from './device';
import { DRM_AUTH, DRM_CONTROL_ALLOW, DRM_MASTER, DRM_RENDER_ALLOW, DRM_ROOT_ONLY } from './driver';
import type { DrmFileImpl } from './file';
import { primeFdToHandleIoctl, primeHandleToFdIoctl } from './prime';
import {
  k_drm_syncobj_handle,
  k_drm_syncobj_wait,
  syncobjCreateIoctl,
  syncobjDestroyIoctl,
  syncobjFdToHandleIoctl,
  syncobjHandleToFdIoctl,
  syncobjResetIoctl,
  syncobjSignalIoctl,
  syncobjWaitIoctl,
} from './syncobj';

const IOC_IN = IOC_WRITE << IOC_DIRSHIFT;
const IOC_OUT = IOC_READ << IOC_DIRSHIFT;

interface CoreIoctlDesc {
  readonly cmd: number;
  readonly name: string;
  readonly flags: number;
  readonly func: core.CoreIoctlFunc;
}

const d = DRM_IOCTL_BASE_CODE;
const RW = IOC_READ | IOC_WRITE;
const def = (dir: number, nr: number, size: number, name: string, flags: number, func: core.CoreIoctlFunc): CoreIoctlDesc => ({
  cmd: IOC(dir, d, nr, size),
  name,
  flags,
  func,
});

/** struct drm_mode_* sizes the KMS entries are declared with (include/uapi/drm/drm_mode.h). */
const KMS: readonly [number, string, number, number][] = [
  // nr, name, struct size, flags
  [0xa1, 'MODE_GETCRTC', 104, 0],
  [0xa2, 'MODE_SETCRTC', 104, DRM_MASTER],
  [0xa3, 'MODE_CURSOR', 28, DRM_MASTER],
  [0xa4, 'MODE_GETGAMMA', 32, 0],
  [0xa5, 'MODE_SETGAMMA', 32, DRM_MASTER],
  [0xa6, 'MODE_GETENCODER', 20, 0],
  [0xa7, 'MODE_GETCONNECTOR', 80, 0],
  [0xaa, 'MODE_GETPROPERTY', 64, 0],
  [0xab, 'MODE_SETPROPERTY', 16, DRM_MASTER],
  [0xac, 'MODE_GETPROPBLOB', 16, 0],
  [0xad, 'MODE_GETFB', 28, 0],
  [0xae, 'MODE_ADDFB', 28, 0],
  [0xaf, 'MODE_RMFB', 4, 0],
  [0xb0, 'MODE_PAGE_FLIP', 24, DRM_MASTER],
  [0xb1, 'MODE_DIRTYFB', 24, DRM_MASTER],
  [0xb5, 'MODE_GETPLANERESOURCES', 16, 0],
  [0xb6, 'MODE_GETPLANE', 32, 0],
  [0xb7, 'MODE_SETPLANE', 48, DRM_MASTER],
  [0xb8, 'MODE_ADDFB2', 104, 0],
  [0xb9, 'MODE_OBJ_GETPROPERTIES', 32, 0],
  [0xba, 'MODE_OBJ_SETPROPERTY', 24, DRM_MASTER],
  [0xbb, 'MODE_CURSOR2', 36, DRM_MASTER],
  [0xbc, 'MODE_ATOMIC', 56, DRM_MASTER],
  [0xbd, 'MODE_CREATEPROPBLOB', 16, 0],
  [0xbe, 'MODE_DESTROYPROPBLOB', 4, 0],
  [0xc6, 'MODE_CREATE_LEASE', 24, DRM_MASTER],
  [0xc7, 'MODE_LIST_LESSEES', 16, DRM_MASTER],
  [0xc8, 'MODE_GET_LEASE', 16, DRM_MASTER],
  [0xc9, 'MODE_REVOKE_LEASE', 4, DRM_MASTER],
  [0xce, 'MODE_GETFB2', 64, 0],
  [0xd0, 'MODE_CLOSEFB', 8, 0],
  [0x3b, 'CRTC_GET_SEQUENCE', 24, 0],
  [0x3c, 'CRTC_QUEUE_SEQUENCE', 24, 0],
  [0x3a, 'WAIT_VBLANK', 24, 0],
];

/**
 * drm_ioctls[], indexed by nr. Entries the simulator leaves out (legacy
 * ioctls, GET_UNIQUE/GET_MAGIC/GET_CLIENT, SET_CLIENT_NAME) are empty
 * slots: EINVAL, as a NULL func. Flags follow the mainline table.
 */
function buildCoreTable(): Map<number, CoreIoctlDesc> {
  const t = new Map<number, CoreIoctlDesc>();
  const add = (e: CoreIoctlDesc): void => void t.set(e.cmd & 0xff, e);
  // DRM_CONTROL_ALLOW as in the kernels that had control minors (the only core entry of this table that carried it).
  add(def(RW, 0x00, drm_version.size, 'VERSION', DRM_RENDER_ALLOW | DRM_CONTROL_ALLOW, core.drmVersion));
  add(def(IOC_READ, 0x06, 248, 'GET_STATS', 0, core.drmGetStats));
  add(def(IOC_WRITE, 0x07, 16, 'SET_VERSION', DRM_MASTER, () => 0));
  add(def(RW, 0x0c, drm_get_cap.size, 'GET_CAP', DRM_RENDER_ALLOW, core.drmGetCap));
  add(def(IOC_WRITE, 0x0d, drm_set_client_cap.size, 'SET_CLIENT_CAP', 0, core.drmSetClientCap));
  add(def(IOC_WRITE, 0x10, 16, 'SET_UNIQUE', DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY, () => {
    throw SysError.of('EINVAL', 'ioctl'); // drm_invalid_op
  }));
  add(def(IOC_WRITE, 0x11, drm_auth.size, 'AUTH_MAGIC', DRM_MASTER, () => 0));
  add(def(IOC_NONE, 0x1e, 0, 'SET_MASTER', 0, core.drmSetMaster));
  add(def(IOC_NONE, 0x1f, 0, 'DROP_MASTER', 0, core.drmDropMaster));
  add(def(IOC_WRITE, 0x09, drm_gem_close.size, 'GEM_CLOSE', DRM_RENDER_ALLOW, core.drmGemClose));
  add(def(RW, 0x0a, drm_gem_flink.size, 'GEM_FLINK', DRM_AUTH, core.drmGemFlink));
  add(def(RW, 0x0b, drm_gem_open.size, 'GEM_OPEN', DRM_AUTH, core.drmGemOpen));
  add(def(RW, 0x2d, drm_prime_handle.size, 'PRIME_HANDLE_TO_FD', DRM_RENDER_ALLOW, primeHandleToFdIoctl));
  add(def(RW, 0x2e, drm_prime_handle.size, 'PRIME_FD_TO_HANDLE', DRM_RENDER_ALLOW, primeFdToHandleIoctl));
  add(def(RW, 0xa0, drm_mode_card_res.size, 'MODE_GETRESOURCES', 0, core.drmModeNoKms));
  add(def(RW, 0xa8, 68, 'MODE_ATTACHMODE', DRM_MASTER, () => 0));
  add(def(RW, 0xa9, 68, 'MODE_DETACHMODE', DRM_MASTER, () => 0));
  for (const [nr, name, size, flags] of KMS) add(def(RW, nr, size, name, flags, core.drmModeNoKms));
  add(def(RW, 0xb2, drm_mode_create_dumb.size, 'MODE_CREATE_DUMB', 0, core.drmModeCreateDumb));
  add(def(RW, 0xb3, drm_mode_map_dumb.size, 'MODE_MAP_DUMB', 0, core.drmModeMapDumb));
  add(def(RW, 0xb4, drm_mode_destroy_dumb.size, 'MODE_DESTROY_DUMB', 0, core.drmModeDestroyDumb));
  add(def(RW, 0xbf, drm_syncobj_create.size, 'SYNCOBJ_CREATE', DRM_RENDER_ALLOW, syncobjCreateIoctl));
  add(def(RW, 0xc0, drm_syncobj_destroy.size, 'SYNCOBJ_DESTROY', DRM_RENDER_ALLOW, syncobjDestroyIoctl));
  add(def(RW, 0xc1, k_drm_syncobj_handle.size, 'SYNCOBJ_HANDLE_TO_FD', DRM_RENDER_ALLOW, syncobjHandleToFdIoctl));
  add(def(RW, 0xc2, k_drm_syncobj_handle.size, 'SYNCOBJ_FD_TO_HANDLE', DRM_RENDER_ALLOW, syncobjFdToHandleIoctl));
  add(def(RW, 0xc3, k_drm_syncobj_wait.size, 'SYNCOBJ_WAIT', DRM_RENDER_ALLOW, syncobjWaitIoctl));
  add(def(RW, 0xc4, drm_syncobj_array.size, 'SYNCOBJ_RESET', DRM_RENDER_ALLOW, syncobjResetIoctl));
  add(def(RW, 0xc5, drm_syncobj_array.size, 'SYNCOBJ_SIGNAL', DRM_RENDER_ALLOW, syncobjSignalIoctl));
  add(def(RW, 0xca, 48, 'SYNCOBJ_TIMELINE_WAIT', DRM_RENDER_ALLOW, core.drmSyncobjTimeline));
  add(def(RW, 0xcb, 24, 'SYNCOBJ_QUERY', DRM_RENDER_ALLOW, core.drmSyncobjTimeline));
  add(def(RW, 0xcc, 32, 'SYNCOBJ_TRANSFER', DRM_RENDER_ALLOW, core.drmSyncobjTimeline));
  add(def(RW, 0xcd, 24, 'SYNCOBJ_TIMELINE_SIGNAL', DRM_RENDER_ALLOW, core.drmSyncobjTimeline));
  add(def(RW, 0xcf, 24, 'SYNCOBJ_EVENTFD', DRM_RENDER_ALLOW, core.drmSyncobjTimeline));
  return t;
}

const CORE = buildCoreTable();
/** DRM_CORE_IOCTL_COUNT: ARRAY_SIZE(drm_ioctls), one past the last core nr (SET_CLIENT_NAME 0xd1, GEM_CHANGE_HANDLE 0xd2). */
const DRM_CORE_IOCTL_COUNT = 0xd3;

/** drm_ioctl_permit (DrmCoreHooks.ioctlPermit; the mainline rules are in ./core-defaults.ts). */
function permit(flags: number, file: DrmFileImpl, ctx: IoctlCtx): void {
  file.dev.hooks.ioctlPermit(file, flags, ctx);
}

function unknown(dev: DrmDeviceImpl, cmd: number, what: string): SysError {
  return SysError.of(dev.hooks.unknownIoctl(dev, cmd), 'ioctl', what);
}

/** Names of the core table (drm_ioctls[]), for DrmCoreHookSet.overrideIoctl. */
export const CORE_IOCTL_NAMES: readonly string[] = [...CORE.values()].map((e) => e.name);

/** The core handler named `name`, or undefined. */
export function coreIoctlByName(name: string): core.CoreIoctlFunc | undefined {
  for (const e of CORE.values()) if (e.name === name) return e.func;
  return undefined;
}

/** One dispatched call: what to run and how many bytes move each way. */
export interface Dispatch {
  readonly flags: number;
  readonly func: core.CoreIoctlFunc;
  readonly drvSize: number;
  readonly inSize: number;
  readonly outSize: number;
}

const DISPATCH_CACHE_MAX = 64;

/* _IOC_TYPE / _IOC_NR / _IOC_SIZE without building a decodeIoctl object on every call. */
const iocType = (cmd: number): number => (cmd >>> IOC_TYPESHIFT) & ((1 << IOC_TYPEBITS) - 1);
const iocNr = (cmd: number): number => (cmd >>> IOC_NRSHIFT) & ((1 << IOC_NRBITS) - 1);
const iocSize = (cmd: number): number => (cmd >>> IOC_SIZESHIFT) & ((1 << IOC_SIZEBITS) - 1);

/**
 * The Dispatch of `cmd` on `dev`. It depends only on the request and on
 * tables fixed at registration (the core table, the driver's ioctls), so
 * it is worked out once per request number and device. The cache keeps
 * the first DISPATCH_CACHE_MAX request numbers (a program uses a handful; a
 * fuzzer's random sizes and directions are decoded each time instead of
 * growing it). Refusals are never cached: they are raised on every call.
 */
function dispatch(dev: DrmDeviceImpl, cmd: number): Dispatch {
  const cached = dev.ioctlDispatch.get(cmd);
  if (cached !== undefined) return cached;
  const dsp = decodeDispatch(dev, cmd);
  if (dev.ioctlDispatch.size < DISPATCH_CACHE_MAX) dev.ioctlDispatch.set(cmd, dsp);
  return dsp;
}

function decodeDispatch(dev: DrmDeviceImpl, cmd: number): Dispatch {
  const nr = iocNr(cmd);
  const size = iocSize(cmd);
  // "if (DRM_IOCTL_TYPE(cmd) != DRM_IOCTL_BASE) return -ENOTTY" (since 5.14; isatty() on DRM fds).
  if (iocType(cmd) !== DRM_IOCTL_BASE_CODE) throw SysError.of('ENOTTY', 'ioctl', 'not a DRM ioctl');
  let desc: { readonly cmd: number; readonly flags: number; readonly func: unknown } | undefined;
  if (nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END) {
    const index = nr - DRM_COMMAND_BASE;
    if (index >= dev.ioctlTable.length) throw unknown(dev, cmd, `driver ioctl ${index} beyond num_ioctls`);
    desc = dev.ioctlTable[index];
  } else {
    if (nr >= DRM_CORE_IOCTL_COUNT) throw unknown(dev, cmd, `core ioctl ${nr} beyond DRM_CORE_IOCTL_COUNT`);
    const c = CORE.get(nr);
    // A core ioctl replaced through DrmCoreHookSet.overrideIoctl (decoded once per request, then cached).
    desc = c && { cmd: c.cmd, flags: c.flags, func: dev.coreIoctls.get(c.name) ?? c.func };
  }
  if (!desc) throw unknown(dev, cmd, `no function for ioctl nr 0x${nr.toString(16)}`);
  const drvSize = iocSize(desc.cmd);
  const inSize = cmd & desc.cmd & IOC_IN ? size : 0;
  const outSize = cmd & desc.cmd & IOC_OUT ? size : 0;
  // Driver handlers get the same objects through the driver-facing interfaces.
  return { flags: desc.flags, func: desc.func as core.CoreIoctlFunc, drvSize, inSize, outSize };
}

/**
 * drm_ioctl's `char stack_kdata[128]`: an argument up to that size is
 * handled in one preallocated buffer instead of a kmalloc (here a
 * Buffer.alloc, and the copies in and out of a fresh small Buffer are the
 * costly part of an ioctl). Only for synchronous calls, one at a time: an
 * async handler keeps its kdata across sleeps, and a handler blocking on
 * the clock can run a timer that makes another ioctl.
 */
const STACK_KDATA = 128;
let stackKdata = Buffer.alloc(STACK_KDATA);
/** Views of stackKdata by length: the exact-size `data` each handler gets. */
let stackViews: (Buffer | undefined)[] = [];
let stackInUse = false;

function stackView(size: number): Buffer {
  let v = stackViews[size];
  if (v === undefined) stackViews[size] = v = stackKdata.subarray(0, size);
  return v;
}

/**
 * The whole of drm_ioctl: kernel buffer of max(in, out, driver size), user
 * bytes copied in and the rest zeroed, permission check, handler, and the
 * copy-out of `out_size` bytes even when the handler failed (a copy-out
 * fault turns the result into EFAULT).
 */
export function drmIoctl(file: DrmFileImpl, cmd: number, arg: bigint, ctx: IoctlCtx): number | Promise<number> {
  const dsp = dispatch(file.dev, cmd >>> 0);
  const size = Math.max(dsp.inSize, dsp.outSize, dsp.drvSize);
  if (ctx.async || stackInUse || size > STACK_KDATA) {
    const kdata = Buffer.alloc(size);
    // The handler sees exactly the kernel struct; a view only when user space passed a larger one.
    return runIoctl(file, dsp, arg, ctx, kdata, size === dsp.drvSize ? kdata : kdata.subarray(0, dsp.drvSize));
  }
  stackInUse = true;
  try {
    return runIoctl(file, dsp, arg, ctx, stackKdata, stackView(dsp.drvSize));
  } catch (e) {
    // A synchronous call whose handler went asynchronous (see below) may still
    // write its `data` later: it keeps this buffer, the next call gets another.
    if (e instanceof SyncPromiseError) {
      stackKdata = Buffer.alloc(STACK_KDATA);
      stackViews = [];
    }
    throw e;
  } finally {
    stackInUse = false;
  }
}

class SyncPromiseError extends Error {}

function runIoctl(
  file: DrmFileImpl,
  dsp: Dispatch,
  arg: bigint,
  ctx: IoctlCtx,
  kdata: Buffer,
  data: Buffer,
): number | Promise<number> {
  const dev = file.dev;
  const mm = ctx.task.mm;
  const size = Math.max(dsp.inSize, dsp.outSize, dsp.drvSize);
  mm.copyFromUserInto(arg, dsp.inSize, kdata, 'ioctl');
  if (dsp.inSize < size) kdata.fill(0, dsp.inSize, size);
  let ret: number | Promise<number>;
  try {
    permit(dsp.flags, file, ctx);
    ret = dsp.func(dev, data, file, ctx);
  } catch (e) {
    // A copy-out fault replaces the handler's error with EFAULT.
    mm.copyToUserFrom(arg, kdata, dsp.outSize, 'ioctl');
    throw e;
  }
  if (typeof ret === 'number') {
    mm.copyToUserFrom(arg, kdata, dsp.outSize, 'ioctl');
    return 0;
  }
  if (!ctx.async) {
    throw new SyncPromiseError('driver ioctl returned a promise to a synchronous call: use IoctlContext.sleep');
  }
  const finish = (err: unknown): number => {
    mm.copyToUserFrom(arg, kdata, dsp.outSize, 'ioctl');
    if (err !== null) throw err;
    return 0;
  };
  return ret.then(
    () => finish(null),
    (e: unknown) => finish(e),
  );
}

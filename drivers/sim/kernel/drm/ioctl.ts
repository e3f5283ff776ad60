/**
 * drm_ioctl (drivers/gpu/drm/drm_ioctl.c): request decoding, the core
 * ioctl table, drm_ioctl_permit, and the copy-in / copy-out protocol.
 */
import { SysError } from '../../../../harness/sys/errno';
import {
  IOC_DIRSHIFT,
  IOC_NRBITS,
  IOC_NRSHIFT,
  IOC_READ,
  IOC_SIZEBITS,
  IOC_SIZESHIFT,
  IOC_TYPEBITS,
  IOC_TYPESHIFT,
  IOC_WRITE,
} from '../../../../harness/uapi/ioctl';
import { DRM_COMMAND_BASE, DRM_COMMAND_END, DRM_CORE_IOCTLS as D, DRM_IOCTL_BASE_CODE } from '../../../../harness/uapi/drm';
import type { IoctlDecl } from '../../../../harness/uapi/ioctl';
import type { IoctlCtx } from './ctx';
import * as core from './core-ioctls';
import type { DrmDeviceImpl } from './device';
import { DRM_AUTH, DRM_CONTROL_ALLOW, DRM_MASTER, DRM_RENDER_ALLOW, DRM_ROOT_ONLY } from './driver';
import type { DrmFileImpl } from './file';
import { primeFdToHandleIoctl, primeHandleToFdIoctl } from './prime';
import {
  syncobjCreateIoctl,
  syncobjDestroyIoctl,
  syncobjFdToHandleIoctl,
  syncobjHandleToFdIoctl,
  syncobjResetIoctl,
  syncobjSignalIoctl,
  syncobjTimelineWaitIoctl,
  syncobjWaitIoctl,
} from './syncobj';

const IOC_IN = IOC_WRITE << IOC_DIRSHIFT;
const IOC_OUT = IOC_READ << IOC_DIRSHIFT;

interface CoreIoctlDesc {
  /** The request number the newest kernel declares (its struct size and direction decide the copies). */
  readonly cmd: number;
  /** The name in drm_ioctls[] (DRM_IOCTL_DEF(DRM_IOCTL_GEM_CLOSE, ...) is 'GEM_CLOSE'): what overrides name. */
  readonly name: string;
  readonly flags: number;
  readonly func: core.CoreIoctlFunc;
}

/** DRM_IOCTL_DEF: the declaration (drivers: the kernel's struct size), the permission flags, the handler. */
const def = (decl: IoctlDecl, flags: number, func: core.CoreIoctlFunc): CoreIoctlDesc => ({
  cmd: decl.kernelRequest,
  name: decl.name.replace(/^DRM_IOCTL_/, ''),
  flags,
  func,
});

/**
 * drm_ioctls[] (drivers/gpu/drm/drm_ioctl.c), flags as in the mainline
 * table. Entries the simulator leaves out (legacy ioctls,
 * GET_UNIQUE/GET_MAGIC/GET_CLIENT, SET_CLIENT_NAME, GEM_CHANGE_HANDLE) are
 * empty slots: EINVAL, as a NULL func.
 */
const CORE_IOCTLS: readonly CoreIoctlDesc[] = [
  // DRM_CONTROL_ALLOW as in the kernels that had control minors (the only core entry of this table that carried it).
  def(D.VERSION, DRM_RENDER_ALLOW | DRM_CONTROL_ALLOW, core.drmVersion),
  def(D.GET_STATS, 0, core.drmGetStats),
  def(D.SET_VERSION, DRM_MASTER, () => 0),
  def(D.GET_CAP, DRM_RENDER_ALLOW, core.drmGetCap),
  def(D.SET_CLIENT_CAP, 0, core.drmSetClientCap),
  def(D.SET_UNIQUE, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY, () => {
    throw SysError.of('EINVAL', 'ioctl'); // drm_invalid_op
  }),
  def(D.AUTH_MAGIC, DRM_MASTER, () => 0),
  def(D.SET_MASTER, 0, core.drmSetMaster),
  def(D.DROP_MASTER, 0, core.drmDropMaster),
  def(D.GEM_CLOSE, DRM_RENDER_ALLOW, core.drmGemClose),
  def(D.GEM_FLINK, DRM_AUTH, core.drmGemFlink),
  def(D.GEM_OPEN, DRM_AUTH, core.drmGemOpen),
  def(D.PRIME_HANDLE_TO_FD, DRM_RENDER_ALLOW, primeHandleToFdIoctl),
  def(D.PRIME_FD_TO_HANDLE, DRM_RENDER_ALLOW, primeFdToHandleIoctl),
  def(D.WAIT_VBLANK, 0, core.drmModeNoKms),
  def(D.CRTC_GET_SEQUENCE, 0, core.drmModeNoKms),
  def(D.CRTC_QUEUE_SEQUENCE, 0, core.drmModeNoKms),
  def(D.MODE_GETRESOURCES, 0, core.drmModeNoKms),
  def(D.MODE_GETCRTC, 0, core.drmModeNoKms),
  def(D.MODE_SETCRTC, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_CURSOR, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_GETGAMMA, 0, core.drmModeNoKms),
  def(D.MODE_SETGAMMA, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_GETENCODER, 0, core.drmModeNoKms),
  def(D.MODE_GETCONNECTOR, 0, core.drmModeNoKms),
  def(D.MODE_ATTACHMODE, DRM_MASTER, () => 0),
  def(D.MODE_DETACHMODE, DRM_MASTER, () => 0),
  def(D.MODE_GETPROPERTY, 0, core.drmModeNoKms),
  def(D.MODE_SETPROPERTY, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_GETPROPBLOB, 0, core.drmModeNoKms),
  def(D.MODE_GETFB, 0, core.drmModeNoKms),
  def(D.MODE_ADDFB, 0, core.drmModeNoKms),
  def(D.MODE_RMFB, 0, core.drmModeNoKms),
  def(D.MODE_PAGE_FLIP, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_DIRTYFB, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_CREATE_DUMB, 0, core.drmModeCreateDumb),
  def(D.MODE_MAP_DUMB, 0, core.drmModeMapDumb),
  def(D.MODE_DESTROY_DUMB, 0, core.drmModeDestroyDumb),
  def(D.MODE_GETPLANERESOURCES, 0, core.drmModeNoKms),
  def(D.MODE_GETPLANE, 0, core.drmModeNoKms),
  def(D.MODE_SETPLANE, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_ADDFB2, 0, core.drmModeNoKms),
  def(D.MODE_OBJ_GETPROPERTIES, 0, core.drmModeNoKms),
  def(D.MODE_OBJ_SETPROPERTY, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_CURSOR2, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_ATOMIC, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_CREATEPROPBLOB, 0, core.drmModeNoKms),
  def(D.MODE_DESTROYPROPBLOB, 0, core.drmModeNoKms),
  def(D.SYNCOBJ_CREATE, DRM_RENDER_ALLOW, syncobjCreateIoctl),
  def(D.SYNCOBJ_DESTROY, DRM_RENDER_ALLOW, syncobjDestroyIoctl),
  def(D.SYNCOBJ_HANDLE_TO_FD, DRM_RENDER_ALLOW, syncobjHandleToFdIoctl),
  def(D.SYNCOBJ_FD_TO_HANDLE, DRM_RENDER_ALLOW, syncobjFdToHandleIoctl),
  def(D.SYNCOBJ_WAIT, DRM_RENDER_ALLOW, syncobjWaitIoctl),
  def(D.SYNCOBJ_RESET, DRM_RENDER_ALLOW, syncobjResetIoctl),
  def(D.SYNCOBJ_SIGNAL, DRM_RENDER_ALLOW, syncobjSignalIoctl),
  def(D.MODE_CREATE_LEASE, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_LIST_LESSEES, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_GET_LEASE, DRM_MASTER, core.drmModeNoKms),
  def(D.MODE_REVOKE_LEASE, DRM_MASTER, core.drmModeNoKms),
  def(D.SYNCOBJ_TIMELINE_WAIT, DRM_RENDER_ALLOW, syncobjTimelineWaitIoctl),
  def(D.SYNCOBJ_QUERY, DRM_RENDER_ALLOW, core.drmSyncobjTimeline),
  def(D.SYNCOBJ_TRANSFER, DRM_RENDER_ALLOW, core.drmSyncobjTimeline),
  def(D.SYNCOBJ_TIMELINE_SIGNAL, DRM_RENDER_ALLOW, core.drmSyncobjTimeline),
  def(D.MODE_GETFB2, 0, core.drmModeNoKms),
  def(D.SYNCOBJ_EVENTFD, DRM_RENDER_ALLOW, core.drmSyncobjTimeline),
  def(D.MODE_CLOSEFB, 0, core.drmModeNoKms),
];

/** drm_ioctls[] indexed by nr. */
function buildCoreTable(): Map<number, CoreIoctlDesc> {
  const t = new Map<number, CoreIoctlDesc>();
  for (const e of CORE_IOCTLS) {
    const nr = iocNr(e.cmd);
    if (t.has(nr)) throw new Error(`core ioctl table: ${e.name} and ${t.get(nr)?.name} share nr 0x${nr.toString(16)}`);
    t.set(nr, e);
  }
  return t;
}

/** DRM_CORE_IOCTL_COUNT: ARRAY_SIZE(drm_ioctls), one past the last core nr (SET_CLIENT_NAME 0xd1, GEM_CHANGE_HANDLE 0xd2). */
const DRM_CORE_IOCTL_COUNT = 0xd3;

/** drm_ioctl_permit (DrmCoreHooks.ioctlPermit; the mainline rules are in ./core-defaults.ts). */
function permit(flags: number, file: DrmFileImpl, ctx: IoctlCtx): void {
  file.dev.hooks.ioctlPermit(file, flags, ctx);
}

function unknown(dev: DrmDeviceImpl, cmd: number, what: string): SysError {
  return SysError.of(dev.hooks.unknownIoctl(dev, cmd), 'ioctl', what);
}


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

const CORE = buildCoreTable();

/** Names of the core table (drm_ioctls[]), for DrmCoreHookSet.overrideIoctl. */
export const CORE_IOCTL_NAMES: readonly string[] = [...CORE.values()].map((e) => e.name);

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

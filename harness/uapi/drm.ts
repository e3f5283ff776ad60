/**
 * DRM core uAPI: include/uapi/drm/drm.h and the two KMS structs the
 * feature-flag tests send (include/uapi/drm/drm_mode.h).
 */
import { IO, IOR, IOW, IOWR, defineIoctl, type IoctlDecl, type IoctlKind } from './ioctl';
import { ptr, s32, s64, struct, u32, u64 } from './layout';

export const DRM_IOCTL_BASE = 'd';
export const DRM_IOCTL_BASE_CODE = 0x64;
export const DRM_COMMAND_BASE = 0x40;
export const DRM_COMMAND_END = 0xa0;

type Layout = { readonly size: number; readonly name: string };

/** A DRM core ioctl: DRM_IO*(nr, struct) of drm.h. */
export function drmIoctl<S extends Layout | null>(name: string, kind: IoctlKind, nr: number, struct: S): IoctlDecl<S> {
  return defineIoctl(name, kind, DRM_IOCTL_BASE, nr, struct);
}

/** A driver ioctl: DRM_IO*(DRM_COMMAND_BASE + index, struct), as every drivers/accel uAPI header declares them. */
export function drmDriverIoctl<S extends Layout | null>(name: string, kind: IoctlKind, index: number, struct: S): IoctlDecl<S> {
  if (index < 0 || DRM_COMMAND_BASE + index >= DRM_COMMAND_END) throw new RangeError(`${name}: driver ioctl index ${index} outside the driver range`);
  return defineIoctl(name, kind, DRM_IOCTL_BASE, DRM_COMMAND_BASE + index, struct);
}

export const drm_version = struct('drm_version', {
  version_major: s32,
  version_minor: s32,
  version_patchlevel: s32,
  name_len: ptr,
  name: ptr,
  date_len: ptr,
  date: ptr,
  desc_len: ptr,
  desc: ptr,
});
export const drm_unique = struct('drm_unique', { unique_len: ptr, unique: ptr });
export const drm_auth = struct('drm_auth', { magic: u32 });
export const drm_gem_close = struct('drm_gem_close', { handle: u32, pad: u32 });
export const drm_gem_flink = struct('drm_gem_flink', { handle: u32, name: u32 });
export const drm_gem_open = struct('drm_gem_open', { name: u32, handle: u32, size: u64 });
export const drm_get_cap = struct('drm_get_cap', { capability: u64, value: u64 });
export const drm_set_client_cap = struct('drm_set_client_cap', { capability: u64, value: u64 });
export const drm_prime_handle = struct('drm_prime_handle', { handle: u32, flags: u32, fd: s32 });
export const drm_syncobj_create = struct('drm_syncobj_create', { handle: u32, flags: u32 });
export const drm_syncobj_destroy = struct('drm_syncobj_destroy', { handle: u32, pad: u32 });
/** The 16-byte form; kernels since 6.15 append `__u64 point`, and drm_ioctl zero-fills it. */
export const drm_syncobj_handle = struct('drm_syncobj_handle', { handle: u32, flags: u32, fd: s32, pad: u32 });
/** The 32-byte form; kernels since 6.5 append `__u64 deadline_nsec`, zero-filled when absent. */
export const drm_syncobj_wait = struct('drm_syncobj_wait', {
  handles: u64,
  timeout_nsec: s64,
  count_handles: u32,
  flags: u32,
  first_signaled: u32,
  pad: u32,
});
export const drm_syncobj_array = struct('drm_syncobj_array', { handles: u64, count_handles: u32, pad: u32 });

export const drm_mode_card_res = struct('drm_mode_card_res', {
  fb_id_ptr: u64,
  crtc_id_ptr: u64,
  connector_id_ptr: u64,
  encoder_id_ptr: u64,
  count_fbs: u32,
  count_crtcs: u32,
  count_connectors: u32,
  count_encoders: u32,
  min_width: u32,
  max_width: u32,
  min_height: u32,
  max_height: u32,
});
export const drm_mode_create_dumb = struct('drm_mode_create_dumb', {
  height: u32,
  width: u32,
  bpp: u32,
  flags: u32,
  handle: u32,
  pitch: u32,
  size: u64,
});
export const drm_mode_map_dumb = struct('drm_mode_map_dumb', { handle: u32, pad: u32, offset: u64 });
export const drm_mode_destroy_dumb = struct('drm_mode_destroy_dumb', { handle: u32 });


const d = DRM_IOCTL_BASE;
export const DRM_IOCTL_VERSION = IOWR(d, 0x00, drm_version.size);
export const DRM_IOCTL_GET_UNIQUE = IOWR(d, 0x01, drm_unique.size);
export const DRM_IOCTL_GET_MAGIC = IOR(d, 0x02, drm_auth.size);
export const DRM_IOCTL_GEM_CLOSE = IOW(d, 0x09, drm_gem_close.size);
export const DRM_IOCTL_GEM_FLINK = IOWR(d, 0x0a, drm_gem_flink.size);
export const DRM_IOCTL_GEM_OPEN = IOWR(d, 0x0b, drm_gem_open.size);
export const DRM_IOCTL_GET_CAP = IOWR(d, 0x0c, drm_get_cap.size);
export const DRM_IOCTL_SET_CLIENT_CAP = IOW(d, 0x0d, drm_set_client_cap.size);
export const DRM_IOCTL_SET_UNIQUE = IOW(d, 0x10, drm_unique.size);
export const DRM_IOCTL_AUTH_MAGIC = IOW(d, 0x11, drm_auth.size);
export const DRM_IOCTL_SET_MASTER = IO(d, 0x1e);
export const DRM_IOCTL_DROP_MASTER = IO(d, 0x1f);
export const DRM_IOCTL_PRIME_HANDLE_TO_FD = IOWR(d, 0x2d, drm_prime_handle.size);
export const DRM_IOCTL_PRIME_FD_TO_HANDLE = IOWR(d, 0x2e, drm_prime_handle.size);
export const DRM_IOCTL_MODE_GETRESOURCES = IOWR(d, 0xa0, drm_mode_card_res.size);
export const DRM_IOCTL_MODE_CREATE_DUMB = IOWR(d, 0xb2, drm_mode_create_dumb.size);
export const DRM_IOCTL_MODE_MAP_DUMB = IOWR(d, 0xb3, drm_mode_map_dumb.size);
export const DRM_IOCTL_MODE_DESTROY_DUMB = IOWR(d, 0xb4, drm_mode_destroy_dumb.size);
export const DRM_IOCTL_SYNCOBJ_CREATE = IOWR(d, 0xbf, drm_syncobj_create.size);
export const DRM_IOCTL_SYNCOBJ_DESTROY = IOWR(d, 0xc0, drm_syncobj_destroy.size);
export const DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD = IOWR(d, 0xc1, drm_syncobj_handle.size);
export const DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE = IOWR(d, 0xc2, drm_syncobj_handle.size);
export const DRM_IOCTL_SYNCOBJ_WAIT = IOWR(d, 0xc3, drm_syncobj_wait.size);
export const DRM_IOCTL_SYNCOBJ_RESET = IOWR(d, 0xc4, drm_syncobj_array.size);
export const DRM_IOCTL_SYNCOBJ_SIGNAL = IOWR(d, 0xc5, drm_syncobj_array.size);

/** DRM_CAP_* (drm.h). */
export const DRM_CAP_DUMB_BUFFER = 0x1n;
export const DRM_CAP_PRIME = 0x5n;
export const DRM_CAP_TIMESTAMP_MONOTONIC = 0x6n;
export const DRM_CAP_SYNCOBJ = 0x13n;
export const DRM_CAP_SYNCOBJ_TIMELINE = 0x14n;
export const DRM_PRIME_CAP_IMPORT = 0x1n;
export const DRM_PRIME_CAP_EXPORT = 0x2n;

/** Flags of drm_prime_handle: DRM_CLOEXEC is O_CLOEXEC, DRM_RDWR is O_RDWR. */
export const DRM_CLOEXEC = 0o2000000;
export const DRM_RDWR = 0o2;

export const DRM_SYNCOBJ_CREATE_SIGNALED = 1 << 0;
export const DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE = 1 << 0;
export const DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE = 1 << 1;
export const DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE = 1 << 0;
export const DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE = 1 << 1;
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL = 1 << 0;
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT = 1 << 1;
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE = 1 << 2;
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE = 1 << 3;

/** Major number of accel nodes: include/drm/drm_accel.h ACCEL_MAJOR. */
export const ACCEL_MAJOR = 261;
/** Major number of /dev/dri nodes: include/drm/drm_file.h DRM_MAJOR. */
export const DRM_MAJOR = 226;
export const ACCEL_MAX_MINORS = 256;

/** Every core ioctl the suite names, for readable failure messages. */
export const DRM_IOCTL_NAMES: ReadonlyMap<number, string> = new Map([
  [DRM_IOCTL_VERSION, 'DRM_IOCTL_VERSION'],
  [DRM_IOCTL_GET_UNIQUE, 'DRM_IOCTL_GET_UNIQUE'],
  [DRM_IOCTL_GET_MAGIC, 'DRM_IOCTL_GET_MAGIC'],
  [DRM_IOCTL_GEM_CLOSE, 'DRM_IOCTL_GEM_CLOSE'],
  [DRM_IOCTL_GEM_FLINK, 'DRM_IOCTL_GEM_FLINK'],
  [DRM_IOCTL_GEM_OPEN, 'DRM_IOCTL_GEM_OPEN'],
  [DRM_IOCTL_GET_CAP, 'DRM_IOCTL_GET_CAP'],
  [DRM_IOCTL_SET_CLIENT_CAP, 'DRM_IOCTL_SET_CLIENT_CAP'],
  [DRM_IOCTL_SET_UNIQUE, 'DRM_IOCTL_SET_UNIQUE'],
  [DRM_IOCTL_AUTH_MAGIC, 'DRM_IOCTL_AUTH_MAGIC'],
  [DRM_IOCTL_SET_MASTER, 'DRM_IOCTL_SET_MASTER'],
  [DRM_IOCTL_DROP_MASTER, 'DRM_IOCTL_DROP_MASTER'],
  [DRM_IOCTL_PRIME_HANDLE_TO_FD, 'DRM_IOCTL_PRIME_HANDLE_TO_FD'],
  [DRM_IOCTL_PRIME_FD_TO_HANDLE, 'DRM_IOCTL_PRIME_FD_TO_HANDLE'],
  [DRM_IOCTL_MODE_GETRESOURCES, 'DRM_IOCTL_MODE_GETRESOURCES'],
  [DRM_IOCTL_MODE_CREATE_DUMB, 'DRM_IOCTL_MODE_CREATE_DUMB'],
  [DRM_IOCTL_MODE_MAP_DUMB, 'DRM_IOCTL_MODE_MAP_DUMB'],
  [DRM_IOCTL_MODE_DESTROY_DUMB, 'DRM_IOCTL_MODE_DESTROY_DUMB'],
  [DRM_IOCTL_SYNCOBJ_CREATE, 'DRM_IOCTL_SYNCOBJ_CREATE'],
  [DRM_IOCTL_SYNCOBJ_DESTROY, 'DRM_IOCTL_SYNCOBJ_DESTROY'],
  [DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD'],
  [DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE'],
  [DRM_IOCTL_SYNCOBJ_WAIT, 'DRM_IOCTL_SYNCOBJ_WAIT'],
  [DRM_IOCTL_SYNCOBJ_RESET, 'DRM_IOCTL_SYNCOBJ_RESET'],
  [DRM_IOCTL_SYNCOBJ_SIGNAL, 'DRM_IOCTL_SYNCOBJ_SIGNAL'],
]);

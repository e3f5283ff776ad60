/**
 * DRM core uAPI: every ioctl of include/uapi/drm/drm.h the suite or the
 * simulated core names, with its struct (drm.h, drm_mode.h), each declared
 * once. Request numbers, name maps, the simulated core's table and the C
 * layout check are derived from DRM_CORE_IOCTLS.
 */
import { defineIoctl, ioctlNameMap, type IoctlDecl, type IoctlKind, type IoctlOptions } from './ioctl';
import { array, extendStruct, ptr, s32, s64, scalarArg, struct, u16, u32, u64, u8, ulong, union } from './layout';
import type { UapiHeader } from './header';

export const DRM_IOCTL_BASE = 'd';
export const DRM_IOCTL_BASE_CODE = 0x64;
export const DRM_COMMAND_BASE = 0x40;
export const DRM_COMMAND_END = 0xa0;

type Layout = { readonly size: number; readonly name: string };

/** A DRM core ioctl: DRM_IO*(nr, struct) of drm.h. */
export function drmIoctl<S extends Layout | null>(name: string, kind: IoctlKind, nr: number, struct: S, options?: IoctlOptions): IoctlDecl<S> {
  return defineIoctl(name, kind, DRM_IOCTL_BASE, nr, struct, options);
}

/** A driver ioctl: DRM_IO*(DRM_COMMAND_BASE + index, struct), as every drivers/accel uAPI header declares them. */
export function drmDriverIoctl<S extends Layout | null>(
  name: string,
  kind: IoctlKind,
  index: number,
  struct: S,
  options?: IoctlOptions,
): IoctlDecl<S> {
  if (index < 0 || DRM_COMMAND_BASE + index >= DRM_COMMAND_END) throw new RangeError(`${name}: driver ioctl index ${index} outside the driver range`);
  return defineIoctl(name, kind, DRM_IOCTL_BASE, DRM_COMMAND_BASE + index, struct, options);
}

/* ---- drm.h ---------------------------------------------------------------- */

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
/** Legacy statistics: `unsigned long count` and 15 `{ unsigned long value; enum drm_stat_type type; }`. */
export const drm_stats = struct('drm_stats', {
  count: ulong,
  data: array(struct('drm_stats_entry', { value: ulong, type: u32 }), 15),
});
export const drm_set_version = struct('drm_set_version', { drm_di_major: s32, drm_di_minor: s32, drm_dd_major: s32, drm_dd_minor: s32 });
export const drm_gem_close = struct('drm_gem_close', { handle: u32, pad: u32 });
export const drm_gem_flink = struct('drm_gem_flink', { handle: u32, name: u32 });
export const drm_gem_open = struct('drm_gem_open', { name: u32, handle: u32, size: u64 });
export const drm_get_cap = struct('drm_get_cap', { capability: u64, value: u64 });
export const drm_set_client_cap = struct('drm_set_client_cap', { capability: u64, value: u64 });
export const drm_prime_handle = struct('drm_prime_handle', { handle: u32, flags: u32, fd: s32 });
export const drm_wait_vblank_request = struct('drm_wait_vblank_request', { type: u32, sequence: u32, signal: ulong });
export const drm_wait_vblank_reply = struct('drm_wait_vblank_reply', { type: u32, sequence: u32, tval_sec: s64, tval_usec: s64 });
export const drm_wait_vblank = union('drm_wait_vblank', { request: drm_wait_vblank_request, reply: drm_wait_vblank_reply });
export const drm_crtc_get_sequence = struct('drm_crtc_get_sequence', { crtc_id: u32, active: u32, sequence: u64, sequence_ns: s64 });
export const drm_crtc_queue_sequence = struct('drm_crtc_queue_sequence', { crtc_id: u32, flags: u32, sequence: u64, user_data: u64 });
export const drm_syncobj_create = struct('drm_syncobj_create', { handle: u32, flags: u32 });
export const drm_syncobj_destroy = struct('drm_syncobj_destroy', { handle: u32, pad: u32 });
/** The 16-byte form the suite sends; kernels since 6.15 append `__u64 point` (below), and drm_ioctl zero-fills it. */
export const drm_syncobj_handle = struct('drm_syncobj_handle', { handle: u32, flags: u32, fd: s32, pad: u32 });
/** The kernel's current struct drm_syncobj_handle, as the simulated core reads it. */
export const drm_syncobj_handle_current = extendStruct(drm_syncobj_handle, { point: u64 });
/** The 32-byte form the suite sends; kernels since 6.5 append `__u64 deadline_nsec` (below), zero-filled when absent. */
export const drm_syncobj_wait = struct('drm_syncobj_wait', {
  handles: u64,
  timeout_nsec: s64,
  count_handles: u32,
  flags: u32,
  first_signaled: u32,
  pad: u32,
});
export const drm_syncobj_wait_current = extendStruct(drm_syncobj_wait, { deadline_nsec: u64 });
export const drm_syncobj_array = struct('drm_syncobj_array', { handles: u64, count_handles: u32, pad: u32 });
export const drm_syncobj_timeline_wait = struct('drm_syncobj_timeline_wait', {
  handles: u64,
  points: u64,
  timeout_nsec: s64,
  count_handles: u32,
  flags: u32,
  first_signaled: u32,
  pad: u32,
});
export const drm_syncobj_timeline_wait_current = extendStruct(drm_syncobj_timeline_wait, { deadline_nsec: u64 });
export const drm_syncobj_timeline_array = struct('drm_syncobj_timeline_array', { handles: u64, points: u64, count_handles: u32, flags: u32 });
export const drm_syncobj_transfer = struct('drm_syncobj_transfer', {
  src_handle: u32,
  dst_handle: u32,
  src_point: u64,
  dst_point: u64,
  flags: u32,
  pad: u32,
});
export const drm_syncobj_eventfd = struct('drm_syncobj_eventfd', { handle: u32, flags: u32, point: u64, fd: s32, pad: u32 });

/* ---- drm_mode.h ------------------------------------------------------------ */

export const DRM_DISPLAY_MODE_LEN = 32;
export const DRM_PROP_NAME_LEN = 32;

export const drm_mode_modeinfo = struct('drm_mode_modeinfo', {
  clock: u32,
  hdisplay: u16,
  hsync_start: u16,
  hsync_end: u16,
  htotal: u16,
  hskew: u16,
  vdisplay: u16,
  vsync_start: u16,
  vsync_end: u16,
  vtotal: u16,
  vscan: u16,
  vrefresh: u32,
  flags: u32,
  type: u32,
  name: array(u8, DRM_DISPLAY_MODE_LEN),
});
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
export const drm_mode_crtc = struct('drm_mode_crtc', {
  set_connectors_ptr: u64,
  count_connectors: u32,
  crtc_id: u32,
  fb_id: u32,
  x: u32,
  y: u32,
  gamma_size: u32,
  mode_valid: u32,
  mode: drm_mode_modeinfo,
});
export const drm_mode_cursor = struct('drm_mode_cursor', { flags: u32, crtc_id: u32, x: s32, y: s32, width: u32, height: u32, handle: u32 });
export const drm_mode_cursor2 = struct('drm_mode_cursor2', {
  flags: u32,
  crtc_id: u32,
  x: s32,
  y: s32,
  width: u32,
  height: u32,
  handle: u32,
  hot_x: s32,
  hot_y: s32,
});
export const drm_mode_crtc_lut = struct('drm_mode_crtc_lut', { crtc_id: u32, gamma_size: u32, red: u64, green: u64, blue: u64 });
export const drm_mode_get_encoder = struct('drm_mode_get_encoder', {
  encoder_id: u32,
  encoder_type: u32,
  crtc_id: u32,
  possible_crtcs: u32,
  possible_clones: u32,
});
export const drm_mode_get_connector = struct('drm_mode_get_connector', {
  encoders_ptr: u64,
  modes_ptr: u64,
  props_ptr: u64,
  prop_values_ptr: u64,
  count_modes: u32,
  count_props: u32,
  count_encoders: u32,
  encoder_id: u32,
  connector_id: u32,
  connector_type: u32,
  connector_type_id: u32,
  connection: u32,
  mm_width: u32,
  mm_height: u32,
  subpixel: u32,
  pad: u32,
});
export const drm_mode_mode_cmd = struct('drm_mode_mode_cmd', { connector_id: u32, mode: drm_mode_modeinfo });
export const drm_mode_get_property = struct('drm_mode_get_property', {
  values_ptr: u64,
  enum_blob_ptr: u64,
  prop_id: u32,
  flags: u32,
  name: array(u8, DRM_PROP_NAME_LEN),
  count_values: u32,
  count_enum_blobs: u32,
});
export const drm_mode_connector_set_property = struct('drm_mode_connector_set_property', { value: u64, prop_id: u32, connector_id: u32 });
export const drm_mode_get_blob = struct('drm_mode_get_blob', { blob_id: u32, length: u32, data: u64 });
export const drm_mode_fb_cmd = struct('drm_mode_fb_cmd', {
  fb_id: u32,
  width: u32,
  height: u32,
  pitch: u32,
  bpp: u32,
  depth: u32,
  handle: u32,
});
/** DRM_IOCTL_MODE_RMFB takes a bare `unsigned int` framebuffer id. */
export const drm_mode_rmfb_arg = scalarArg('unsigned int', u32);
export const drm_mode_crtc_page_flip = struct('drm_mode_crtc_page_flip', { crtc_id: u32, fb_id: u32, flags: u32, reserved: u32, user_data: u64 });
export const drm_mode_fb_dirty_cmd = struct('drm_mode_fb_dirty_cmd', { fb_id: u32, flags: u32, color: u32, num_clips: u32, clips_ptr: u64 });
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
export const drm_mode_get_plane_res = struct('drm_mode_get_plane_res', { plane_id_ptr: u64, count_planes: u32 });
export const drm_mode_get_plane = struct('drm_mode_get_plane', {
  plane_id: u32,
  crtc_id: u32,
  fb_id: u32,
  possible_crtcs: u32,
  gamma_size: u32,
  count_format_types: u32,
  format_type_ptr: u64,
});
export const drm_mode_set_plane = struct('drm_mode_set_plane', {
  plane_id: u32,
  crtc_id: u32,
  fb_id: u32,
  flags: u32,
  crtc_x: s32,
  crtc_y: s32,
  crtc_w: u32,
  crtc_h: u32,
  src_x: u32,
  src_y: u32,
  src_h: u32,
  src_w: u32,
});
export const drm_mode_fb_cmd2 = struct('drm_mode_fb_cmd2', {
  fb_id: u32,
  width: u32,
  height: u32,
  pixel_format: u32,
  flags: u32,
  handles: array(u32, 4),
  pitches: array(u32, 4),
  offsets: array(u32, 4),
  modifier: array(u64, 4),
});
export const drm_mode_obj_get_properties = struct('drm_mode_obj_get_properties', {
  props_ptr: u64,
  prop_values_ptr: u64,
  count_props: u32,
  obj_id: u32,
  obj_type: u32,
});
export const drm_mode_obj_set_property = struct('drm_mode_obj_set_property', { value: u64, prop_id: u32, obj_id: u32, obj_type: u32 });
export const drm_mode_atomic = struct('drm_mode_atomic', {
  flags: u32,
  count_objs: u32,
  objs_ptr: u64,
  count_props_ptr: u64,
  props_ptr: u64,
  prop_values_ptr: u64,
  reserved: u64,
  user_data: u64,
});
export const drm_mode_create_blob = struct('drm_mode_create_blob', { data: u64, length: u32, blob_id: u32 });
export const drm_mode_destroy_blob = struct('drm_mode_destroy_blob', { blob_id: u32 });
export const drm_mode_create_lease = struct('drm_mode_create_lease', { object_ids: u64, object_count: u32, flags: u32, lessee_id: u32, fd: u32 });
export const drm_mode_list_lessees = struct('drm_mode_list_lessees', { count_lessees: u32, pad: u32, lessees_ptr: u64 });
export const drm_mode_get_lease = struct('drm_mode_get_lease', { count_objects: u32, pad: u32, objects_ptr: u64 });
export const drm_mode_revoke_lease = struct('drm_mode_revoke_lease', { lessee_id: u32 });
export const drm_mode_closefb = struct('drm_mode_closefb', { fb_id: u32, pad: u32 });

/* ---- the ioctls ------------------------------------------------------------ */

const RW = 'IOWR';
/** Every core ioctl the suite sends or the simulated core dispatches, as drm.h declares it. */
export const DRM_CORE_IOCTLS = {
  VERSION: drmIoctl('DRM_IOCTL_VERSION', RW, 0x00, drm_version),
  GET_UNIQUE: drmIoctl('DRM_IOCTL_GET_UNIQUE', RW, 0x01, drm_unique),
  GET_MAGIC: drmIoctl('DRM_IOCTL_GET_MAGIC', 'IOR', 0x02, drm_auth),
  GET_STATS: drmIoctl('DRM_IOCTL_GET_STATS', 'IOR', 0x06, drm_stats),
  SET_VERSION: drmIoctl('DRM_IOCTL_SET_VERSION', RW, 0x07, drm_set_version),
  GEM_CLOSE: drmIoctl('DRM_IOCTL_GEM_CLOSE', 'IOW', 0x09, drm_gem_close),
  GEM_FLINK: drmIoctl('DRM_IOCTL_GEM_FLINK', RW, 0x0a, drm_gem_flink),
  GEM_OPEN: drmIoctl('DRM_IOCTL_GEM_OPEN', RW, 0x0b, drm_gem_open),
  GET_CAP: drmIoctl('DRM_IOCTL_GET_CAP', RW, 0x0c, drm_get_cap),
  SET_CLIENT_CAP: drmIoctl('DRM_IOCTL_SET_CLIENT_CAP', 'IOW', 0x0d, drm_set_client_cap),
  SET_UNIQUE: drmIoctl('DRM_IOCTL_SET_UNIQUE', 'IOW', 0x10, drm_unique),
  AUTH_MAGIC: drmIoctl('DRM_IOCTL_AUTH_MAGIC', 'IOW', 0x11, drm_auth),
  SET_MASTER: drmIoctl('DRM_IOCTL_SET_MASTER', 'IO', 0x1e, null),
  DROP_MASTER: drmIoctl('DRM_IOCTL_DROP_MASTER', 'IO', 0x1f, null),
  PRIME_HANDLE_TO_FD: drmIoctl('DRM_IOCTL_PRIME_HANDLE_TO_FD', RW, 0x2d, drm_prime_handle),
  PRIME_FD_TO_HANDLE: drmIoctl('DRM_IOCTL_PRIME_FD_TO_HANDLE', RW, 0x2e, drm_prime_handle),
  WAIT_VBLANK: drmIoctl('DRM_IOCTL_WAIT_VBLANK', RW, 0x3a, drm_wait_vblank),
  CRTC_GET_SEQUENCE: drmIoctl('DRM_IOCTL_CRTC_GET_SEQUENCE', RW, 0x3b, drm_crtc_get_sequence),
  CRTC_QUEUE_SEQUENCE: drmIoctl('DRM_IOCTL_CRTC_QUEUE_SEQUENCE', RW, 0x3c, drm_crtc_queue_sequence),
  MODE_GETRESOURCES: drmIoctl('DRM_IOCTL_MODE_GETRESOURCES', RW, 0xa0, drm_mode_card_res),
  MODE_GETCRTC: drmIoctl('DRM_IOCTL_MODE_GETCRTC', RW, 0xa1, drm_mode_crtc),
  MODE_SETCRTC: drmIoctl('DRM_IOCTL_MODE_SETCRTC', RW, 0xa2, drm_mode_crtc),
  MODE_CURSOR: drmIoctl('DRM_IOCTL_MODE_CURSOR', RW, 0xa3, drm_mode_cursor),
  MODE_GETGAMMA: drmIoctl('DRM_IOCTL_MODE_GETGAMMA', RW, 0xa4, drm_mode_crtc_lut),
  MODE_SETGAMMA: drmIoctl('DRM_IOCTL_MODE_SETGAMMA', RW, 0xa5, drm_mode_crtc_lut),
  MODE_GETENCODER: drmIoctl('DRM_IOCTL_MODE_GETENCODER', RW, 0xa6, drm_mode_get_encoder),
  MODE_GETCONNECTOR: drmIoctl('DRM_IOCTL_MODE_GETCONNECTOR', RW, 0xa7, drm_mode_get_connector),
  MODE_ATTACHMODE: drmIoctl('DRM_IOCTL_MODE_ATTACHMODE', RW, 0xa8, drm_mode_mode_cmd),
  MODE_DETACHMODE: drmIoctl('DRM_IOCTL_MODE_DETACHMODE', RW, 0xa9, drm_mode_mode_cmd),
  MODE_GETPROPERTY: drmIoctl('DRM_IOCTL_MODE_GETPROPERTY', RW, 0xaa, drm_mode_get_property),
  MODE_SETPROPERTY: drmIoctl('DRM_IOCTL_MODE_SETPROPERTY', RW, 0xab, drm_mode_connector_set_property),
  MODE_GETPROPBLOB: drmIoctl('DRM_IOCTL_MODE_GETPROPBLOB', RW, 0xac, drm_mode_get_blob),
  MODE_GETFB: drmIoctl('DRM_IOCTL_MODE_GETFB', RW, 0xad, drm_mode_fb_cmd),
  MODE_ADDFB: drmIoctl('DRM_IOCTL_MODE_ADDFB', RW, 0xae, drm_mode_fb_cmd),
  MODE_RMFB: drmIoctl('DRM_IOCTL_MODE_RMFB', RW, 0xaf, drm_mode_rmfb_arg),
  MODE_PAGE_FLIP: drmIoctl('DRM_IOCTL_MODE_PAGE_FLIP', RW, 0xb0, drm_mode_crtc_page_flip),
  MODE_DIRTYFB: drmIoctl('DRM_IOCTL_MODE_DIRTYFB', RW, 0xb1, drm_mode_fb_dirty_cmd),
  MODE_CREATE_DUMB: drmIoctl('DRM_IOCTL_MODE_CREATE_DUMB', RW, 0xb2, drm_mode_create_dumb),
  MODE_MAP_DUMB: drmIoctl('DRM_IOCTL_MODE_MAP_DUMB', RW, 0xb3, drm_mode_map_dumb),
  MODE_DESTROY_DUMB: drmIoctl('DRM_IOCTL_MODE_DESTROY_DUMB', RW, 0xb4, drm_mode_destroy_dumb),
  MODE_GETPLANERESOURCES: drmIoctl('DRM_IOCTL_MODE_GETPLANERESOURCES', RW, 0xb5, drm_mode_get_plane_res),
  MODE_GETPLANE: drmIoctl('DRM_IOCTL_MODE_GETPLANE', RW, 0xb6, drm_mode_get_plane),
  MODE_SETPLANE: drmIoctl('DRM_IOCTL_MODE_SETPLANE', RW, 0xb7, drm_mode_set_plane),
  MODE_ADDFB2: drmIoctl('DRM_IOCTL_MODE_ADDFB2', RW, 0xb8, drm_mode_fb_cmd2),
  MODE_OBJ_GETPROPERTIES: drmIoctl('DRM_IOCTL_MODE_OBJ_GETPROPERTIES', RW, 0xb9, drm_mode_obj_get_properties),
  MODE_OBJ_SETPROPERTY: drmIoctl('DRM_IOCTL_MODE_OBJ_SETPROPERTY', RW, 0xba, drm_mode_obj_set_property),
  MODE_CURSOR2: drmIoctl('DRM_IOCTL_MODE_CURSOR2', RW, 0xbb, drm_mode_cursor2),
  MODE_ATOMIC: drmIoctl('DRM_IOCTL_MODE_ATOMIC', RW, 0xbc, drm_mode_atomic),
  MODE_CREATEPROPBLOB: drmIoctl('DRM_IOCTL_MODE_CREATEPROPBLOB', RW, 0xbd, drm_mode_create_blob),
  MODE_DESTROYPROPBLOB: drmIoctl('DRM_IOCTL_MODE_DESTROYPROPBLOB', RW, 0xbe, drm_mode_destroy_blob),
  SYNCOBJ_CREATE: drmIoctl('DRM_IOCTL_SYNCOBJ_CREATE', RW, 0xbf, drm_syncobj_create),
  SYNCOBJ_DESTROY: drmIoctl('DRM_IOCTL_SYNCOBJ_DESTROY', RW, 0xc0, drm_syncobj_destroy),
  SYNCOBJ_HANDLE_TO_FD: drmIoctl('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', RW, 0xc1, drm_syncobj_handle, {
    kernelStruct: drm_syncobj_handle_current,
  }),
  SYNCOBJ_FD_TO_HANDLE: drmIoctl('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', RW, 0xc2, drm_syncobj_handle, {
    kernelStruct: drm_syncobj_handle_current,
  }),
  SYNCOBJ_WAIT: drmIoctl('DRM_IOCTL_SYNCOBJ_WAIT', RW, 0xc3, drm_syncobj_wait, { kernelStruct: drm_syncobj_wait_current }),
  SYNCOBJ_RESET: drmIoctl('DRM_IOCTL_SYNCOBJ_RESET', RW, 0xc4, drm_syncobj_array),
  SYNCOBJ_SIGNAL: drmIoctl('DRM_IOCTL_SYNCOBJ_SIGNAL', RW, 0xc5, drm_syncobj_array),
  MODE_CREATE_LEASE: drmIoctl('DRM_IOCTL_MODE_CREATE_LEASE', RW, 0xc6, drm_mode_create_lease),
  MODE_LIST_LESSEES: drmIoctl('DRM_IOCTL_MODE_LIST_LESSEES', RW, 0xc7, drm_mode_list_lessees),
  MODE_GET_LEASE: drmIoctl('DRM_IOCTL_MODE_GET_LEASE', RW, 0xc8, drm_mode_get_lease),
  MODE_REVOKE_LEASE: drmIoctl('DRM_IOCTL_MODE_REVOKE_LEASE', RW, 0xc9, drm_mode_revoke_lease),
  SYNCOBJ_TIMELINE_WAIT: drmIoctl('DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', RW, 0xca, drm_syncobj_timeline_wait, {
    kernelStruct: drm_syncobj_timeline_wait_current,
  }),
  SYNCOBJ_QUERY: drmIoctl('DRM_IOCTL_SYNCOBJ_QUERY', RW, 0xcb, drm_syncobj_timeline_array),
  SYNCOBJ_TRANSFER: drmIoctl('DRM_IOCTL_SYNCOBJ_TRANSFER', RW, 0xcc, drm_syncobj_transfer),
  SYNCOBJ_TIMELINE_SIGNAL: drmIoctl('DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', RW, 0xcd, drm_syncobj_timeline_array),
  MODE_GETFB2: drmIoctl('DRM_IOCTL_MODE_GETFB2', RW, 0xce, drm_mode_fb_cmd2),
  SYNCOBJ_EVENTFD: drmIoctl('DRM_IOCTL_SYNCOBJ_EVENTFD', RW, 0xcf, drm_syncobj_eventfd),
  MODE_CLOSEFB: drmIoctl('DRM_IOCTL_MODE_CLOSEFB', RW, 0xd0, drm_mode_closefb),
} as const;

const C = DRM_CORE_IOCTLS;
/* The request numbers, under the C macro names call sites use. */
export const DRM_IOCTL_VERSION = C.VERSION.request;
export const DRM_IOCTL_GET_UNIQUE = C.GET_UNIQUE.request;
export const DRM_IOCTL_GET_MAGIC = C.GET_MAGIC.request;
export const DRM_IOCTL_GEM_CLOSE = C.GEM_CLOSE.request;
export const DRM_IOCTL_GEM_FLINK = C.GEM_FLINK.request;
export const DRM_IOCTL_GEM_OPEN = C.GEM_OPEN.request;
export const DRM_IOCTL_GET_CAP = C.GET_CAP.request;
export const DRM_IOCTL_SET_CLIENT_CAP = C.SET_CLIENT_CAP.request;
export const DRM_IOCTL_SET_UNIQUE = C.SET_UNIQUE.request;
export const DRM_IOCTL_AUTH_MAGIC = C.AUTH_MAGIC.request;
export const DRM_IOCTL_SET_MASTER = C.SET_MASTER.request;
export const DRM_IOCTL_DROP_MASTER = C.DROP_MASTER.request;
export const DRM_IOCTL_PRIME_HANDLE_TO_FD = C.PRIME_HANDLE_TO_FD.request;
export const DRM_IOCTL_PRIME_FD_TO_HANDLE = C.PRIME_FD_TO_HANDLE.request;
export const DRM_IOCTL_MODE_GETRESOURCES = C.MODE_GETRESOURCES.request;
export const DRM_IOCTL_MODE_CREATE_DUMB = C.MODE_CREATE_DUMB.request;
export const DRM_IOCTL_MODE_MAP_DUMB = C.MODE_MAP_DUMB.request;
export const DRM_IOCTL_MODE_DESTROY_DUMB = C.MODE_DESTROY_DUMB.request;
export const DRM_IOCTL_SYNCOBJ_CREATE = C.SYNCOBJ_CREATE.request;
export const DRM_IOCTL_SYNCOBJ_DESTROY = C.SYNCOBJ_DESTROY.request;
export const DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD = C.SYNCOBJ_HANDLE_TO_FD.request;
export const DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE = C.SYNCOBJ_FD_TO_HANDLE.request;
export const DRM_IOCTL_SYNCOBJ_WAIT = C.SYNCOBJ_WAIT.request;
export const DRM_IOCTL_SYNCOBJ_RESET = C.SYNCOBJ_RESET.request;
export const DRM_IOCTL_SYNCOBJ_SIGNAL = C.SYNCOBJ_SIGNAL.request;

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


/** Every core ioctl, by request number, for readable failure messages. */
export const DRM_IOCTL_NAMES: ReadonlyMap<number, string> = ioctlNameMap(Object.values(DRM_CORE_IOCTLS));

/**
 * drm.h and drm_mode.h as the layout check compares them: drm_mode.h is
 * included by drm.h. Declarations newer than a header version are data
 * (`since`), not errors.
 */
export const DRM_UAPI: UapiHeader = {
  include: 'drm/drm.h',
  source: { kind: 'kernel', since: '2.6' },
  ioctls: Object.values(DRM_CORE_IOCTLS),
  structs: [
    drm_version, drm_unique, drm_auth, drm_stats, drm_set_version, drm_gem_close, drm_gem_flink, drm_gem_open,
    drm_get_cap, drm_set_client_cap, drm_prime_handle, drm_wait_vblank_request, drm_wait_vblank_reply, drm_wait_vblank,
    drm_crtc_get_sequence, drm_crtc_queue_sequence, drm_syncobj_create, drm_syncobj_destroy, drm_syncobj_handle,
    drm_syncobj_wait, drm_syncobj_array, drm_syncobj_timeline_wait, drm_syncobj_timeline_array, drm_syncobj_transfer,
    drm_syncobj_eventfd, drm_mode_modeinfo, drm_mode_card_res, drm_mode_crtc, drm_mode_cursor, drm_mode_cursor2,
    drm_mode_crtc_lut, drm_mode_get_encoder, drm_mode_get_connector, drm_mode_mode_cmd, drm_mode_get_property,
    drm_mode_connector_set_property, drm_mode_get_blob, drm_mode_fb_cmd, drm_mode_crtc_page_flip, drm_mode_fb_dirty_cmd,
    drm_mode_create_dumb, drm_mode_map_dumb, drm_mode_destroy_dumb, drm_mode_get_plane_res, drm_mode_get_plane,
    drm_mode_set_plane, drm_mode_fb_cmd2, drm_mode_obj_get_properties, drm_mode_obj_set_property, drm_mode_atomic,
    drm_mode_create_blob, drm_mode_destroy_blob, drm_mode_create_lease, drm_mode_list_lessees, drm_mode_get_lease,
    drm_mode_revoke_lease, drm_mode_closefb,
  ],
  since: {
    // First kernel whose uAPI has each (git log of include/uapi/drm/drm.h).
    drm_syncobj_eventfd: '6.6',
    DRM_IOCTL_SYNCOBJ_EVENTFD: '6.6',
    drm_mode_closefb: '6.8',
    DRM_IOCTL_MODE_CLOSEFB: '6.8',
    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE: '6.5',
    DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE: '6.15',
    DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE: '6.15',
  },
  constants: {
    DRM_COMMAND_BASE, DRM_COMMAND_END, DRM_DISPLAY_MODE_LEN, DRM_PROP_NAME_LEN,
    DRM_CAP_DUMB_BUFFER, DRM_CAP_PRIME, DRM_CAP_TIMESTAMP_MONOTONIC, DRM_CAP_SYNCOBJ, DRM_CAP_SYNCOBJ_TIMELINE,
    DRM_PRIME_CAP_IMPORT, DRM_PRIME_CAP_EXPORT, DRM_CLOEXEC, DRM_RDWR,
    DRM_SYNCOBJ_CREATE_SIGNALED, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE,
    DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE,
    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE,
  },
};

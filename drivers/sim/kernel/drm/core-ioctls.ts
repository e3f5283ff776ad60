/**
 * Core ioctl handlers other than GEM, PRIME and syncobj: drm_ioctl.c
 * (drm_version, drm_getcap, drm_getstats, drm_setclientcap), drm_auth.c
 * (SET/DROP_MASTER), and the KMS entry points, which all refuse a driver
 * without DRIVER_MODESET.
 */
import { SysError } from '../../../../harness/sys/errno';
import {
  DRM_CAP_PRIME,
  DRM_CAP_SYNCOBJ,
  DRM_CAP_SYNCOBJ_TIMELINE,
  DRM_CAP_TIMESTAMP_MONOTONIC,
  DRM_PRIME_CAP_EXPORT,
  DRM_PRIME_CAP_IMPORT,
  drm_get_cap,
  drm_mode_create_dumb,
  drm_version,
} from '../../../../harness/uapi/drm';
import type { IoctlCtx } from './ctx';
import type { DrmDeviceImpl } from './device';
import { DRIVER_MODESET, DRIVER_SYNCOBJ, DRIVER_SYNCOBJ_TIMELINE } from './driver';
import type { DrmFileImpl } from './file';

export type CoreIoctlFunc = (dev: DrmDeviceImpl, data: Buffer, file: DrmFileImpl, ctx: IoctlCtx) => number | Promise<number>;

/**
 * drm_copy_field: copies at most *buf_len bytes (no NUL), then reports the
 * full length, so user space can call twice (lengths first, then strings).
 */
function copyField(ctx: IoctlCtx, data: Buffer, lenOff: number, ptrOff: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  const room = data.readBigUInt64LE(lenOff);
  const len = BigInt(bytes.length) < room ? bytes.length : Number(room);
  data.writeBigUInt64LE(BigInt(bytes.length), lenOff);
  const ptr = data.readBigUInt64LE(ptrOff);
  if (len > 0 && ptr !== 0n) ctx.copyToUser(ptr, bytes.subarray(0, len));
}

/** drm_version. Mainline reports the deprecated driver date as "0". */
export const drmVersion: CoreIoctlFunc = (dev, data, _file, ctx) => {
  const o = drm_version.offsets;
  data.writeInt32LE(dev.driver.major | 0, o.version_major);
  data.writeInt32LE(dev.driver.minor | 0, o.version_minor);
  data.writeInt32LE(dev.driver.patchlevel | 0, o.version_patchlevel);
  copyField(ctx, data, o.name_len, o.name, dev.driver.name);
  copyField(ctx, data, o.date_len, o.date, '0');
  copyField(ctx, data, o.desc_len, o.desc, dev.driver.desc);
  return 0;
};

/** drm_getcap: the caps that make sense without KMS, then EOPNOTSUPP without DRIVER_MODESET. */
export const drmGetCap: CoreIoctlFunc = (dev, data) => {
  const cap = drm_get_cap.decode(data).capability;
  const f = dev.driver.features;
  let value: bigint;
  switch (cap) {
    case DRM_CAP_TIMESTAMP_MONOTONIC:
      value = 1n;
      break;
    case DRM_CAP_PRIME:
      value = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT;
      break;
    case DRM_CAP_SYNCOBJ:
      value = f & DRIVER_SYNCOBJ ? 1n : 0n;
      break;
    case DRM_CAP_SYNCOBJ_TIMELINE:
      value = f & DRIVER_SYNCOBJ_TIMELINE ? 1n : 0n;
      break;
    default:
      if (!(f & DRIVER_MODESET)) throw SysError.of('EOPNOTSUPP', 'ioctl', `DRM_CAP ${cap} needs KMS`);
      throw SysError.of('EINVAL', 'ioctl', `DRM_CAP ${cap}`);
  }
  data.writeBigUInt64LE(value, drm_get_cap.offsets.value);
  return 0;
};

/** drm_getstats: legacy, all counters zero. */
export const drmGetStats: CoreIoctlFunc = (_dev, data) => {
  data.fill(0);
  return 0;
};

/** drm_setclientcap: no client cap is settable without KMS. */
export const drmSetClientCap: CoreIoctlFunc = (dev) => {
  if (!(dev.driver.features & DRIVER_MODESET)) throw SysError.of('EOPNOTSUPP', 'ioctl', 'client caps need KMS');
  throw SysError.of('EINVAL', 'ioctl');
};

/**
 * drm_setmaster_ioctl / drm_dropmaster_ioctl after drm_master_check_perm:
 * a non-root caller that was never master gets EACCES; for root, an accel
 * file has no drm_master (drm_open_helper only runs drm_master_open for
 * primary clients): SET_MASTER is EINVAL (!file_priv->master), DROP_MASTER
 * EINVAL (not the current master).
 */
export const drmSetMaster: CoreIoctlFunc = (_dev, _data, _file, ctx) => {
  if (!ctx.admin) throw SysError.of('EACCES', 'ioctl', 'SET_MASTER needs CAP_SYS_ADMIN');
  throw SysError.of('EINVAL', 'ioctl', 'file has no master');
};

export const drmDropMaster: CoreIoctlFunc = (_dev, _data, _file, ctx) => {
  if (!ctx.admin) throw SysError.of('EACCES', 'ioctl', 'DROP_MASTER needs CAP_SYS_ADMIN');
  throw SysError.of('EINVAL', 'ioctl', 'not the current master');
};

// The GEM ioctls live with GEM (drm_gem.c); the table (./ioctl.ts) reaches them through here.
export { drmGemClose, drmGemFlink, drmGemOpen } from './gem';

/** Every drm_mode_* ioctl starts with `if (!drm_core_check_feature(dev, DRIVER_MODESET)) return -EOPNOTSUPP`. */
export const drmModeNoKms: CoreIoctlFunc = (dev) => {
  if (!(dev.driver.features & DRIVER_MODESET)) throw SysError.of('EOPNOTSUPP', 'ioctl', 'KMS ioctl without DRIVER_MODESET');
  throw SysError.of('EINVAL', 'ioctl', 'KMS is not modelled');
};

/**
 * drm_dumb_buffers.c: without drm_driver.dumb_create (no bundled driver has
 * one) every dumb ioctl is ENOSYS; CREATE_DUMB zeroes its outputs on error.
 */
export const drmModeCreateDumb: CoreIoctlFunc = (_dev, data) => {
  const o = drm_mode_create_dumb.offsets;
  data.writeUInt32LE(0, o.handle);
  data.writeUInt32LE(0, o.pitch);
  data.writeBigUInt64LE(0n, o.size);
  throw SysError.of('ENOSYS', 'ioctl', 'driver has no dumb_create');
};

export const drmModeMapDumb: CoreIoctlFunc = () => {
  throw SysError.of('ENOSYS', 'ioctl', 'driver has no dumb_create');
};

export const drmModeDestroyDumb: CoreIoctlFunc = () => {
  throw SysError.of('ENOSYS', 'ioctl', 'driver has no dumb_create');
};

/** Timeline syncobj ioctls other than TIMELINE_WAIT (syncobj.ts): EOPNOTSUPP without DRIVER_SYNCOBJ_TIMELINE; not modelled with it. */
export const drmSyncobjTimeline: CoreIoctlFunc = (dev) => {
  if (!(dev.driver.features & DRIVER_SYNCOBJ_TIMELINE)) throw SysError.of('EOPNOTSUPP', 'ioctl', 'no DRIVER_SYNCOBJ_TIMELINE');
  throw SysError.of('EOPNOTSUPP', 'ioctl', 'timeline syncobjs are not modelled by the simulator');
};

/**
 * What a driver plugin (docs/adapters.md) gets as its argument when it
 * exports a function: the pieces an adapter needs to speak a driver's uAPI
 * (errors, constants, C struct layouts, ioctl numbers, the DRM core
 * ioctls), so a plain `.js` plugin anywhere on disk needs no import.
 */
import { ERRNO, SysError } from '../harness/sys/errno';
import { MAP_SHARED, O_CLOEXEC, O_RDWR, PROT_READ, PROT_WRITE } from '../harness/sys/constants';
import * as drm from '../harness/uapi/drm';
import { IO, IOR, IOW, IOWR } from '../harness/uapi/ioctl';
import { array, ptr, s32, s64, struct, u16, u32, u64, u8 } from '../harness/uapi/layout';
import type { DriverAdapter } from './adapter';
import { CAPABILITY_GROUPS, JOB_KINDS } from './adapter';
import { defineDriverModule } from './driver-module';

export const DRIVER_PLUGIN_API = {
  SysError,
  ERRNO,
  constants: { O_RDWR, O_CLOEXEC, PROT_READ, PROT_WRITE, MAP_SHARED },
  /** C struct layouts (LP64): `struct('name', { size: u32, offset: u64 })` with encode/decode. */
  layout: { struct, array, u8, u16, u32, u64, s32, s64, ptr },
  /** ioctl numbers: `IOWR('d', nr, size)`. */
  ioctl: { IO, IOR, IOW, IOWR },
  /** A driver ioctl number: DRM_IOWR(DRM_COMMAND_BASE + nr, size), as drm.h's DRM_IOWR. */
  driverIoctl: (nr: number, size: number): number => IOWR(drm.DRM_IOCTL_BASE, drm.DRM_COMMAND_BASE + nr, size),
  /** The DRM core ioctls and their structs (DRM_IOCTL_GEM_CLOSE, drm_gem_close, DRM_IOCTL_SYNCOBJ_WAIT, ...). */
  drm,
  JOB_KINDS,
  CAPABILITY_GROUPS,
  defineDriverModule,
  /** Returns the adapter as is: typing help for plugins. */
  defineAdapter: (adapter: DriverAdapter): DriverAdapter => adapter,
} as const;

export type DriverPluginApi = typeof DRIVER_PLUGIN_API;

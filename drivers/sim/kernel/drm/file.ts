/**
 * struct drm_file (drm_file.c): one per open file description of a DRM
 * node, made in drm_file_alloc and freed in drm_file_free when the last
 * reference to the struct file drops (drm_release).
 */
import type { DrmFile } from './driver';
import { Idr } from './idr';
import { PrimeCache } from './prime-cache';
import type { DrmDeviceImpl } from './device';
import type { GemObjectImpl } from './gem';
import type { DrmSyncobjImpl } from './syncobj';

export interface HandleEntry {
  readonly obj: GemObjectImpl;
  /** The file that created the handle (another one only when a hook shares handle tables). */
  readonly owner: DrmFileImpl;
}

export type MinorType = DrmFile['minorType'];

export class DrmFileImpl implements DrmFile {
  driverPriv: unknown = null;
  /**
   * drm_file_alloc: "for compatibility root is always authenticated";
   * other accel openers never are (only primary clients authenticate
   * through a master, and accel files have no master).
   */
  readonly authenticated: boolean;
  readonly objectIdr: Idr<HandleEntry>;
  readonly syncobjIdr = new Idr<DrmSyncobjImpl>();
  readonly prime = new PrimeCache();

  constructor(
    readonly dev: DrmDeviceImpl,
    readonly clientId: number,
    readonly pid: number,
    readonly minorType: MinorType,
    admin: boolean,
  ) {
    this.authenticated = admin;
    // Entries are only ever made by the core (gemHandleCreateTail), so they hold the core's objects.
    this.objectIdr = dev.hooks.fileHandles(this, () => dev.hooks.handleIdr(dev)) as unknown as Idr<HandleEntry>;
  }
}

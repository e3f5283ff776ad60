/** What discovery knows about one accel device (one /sys/class/accel/accelN). */

export type Bus = 'pci' | 'platform' | 'other';

export interface PciIds {
  readonly slot: string; // 0000:01:00.0
  readonly vendor: number;
  readonly device: number;
  readonly subsystemVendor?: number;
  readonly subsystemDevice?: number;
}

export type DrmNodeKind = 'card' | 'render' | 'control' | 'accel' | 'other';

export interface DrmNode {
  readonly name: string; // card0, renderD128, accel0
  readonly kind: DrmNodeKind;
  readonly devnode: string;
  readonly sysfsPath: string;
}

export interface DrmVersionInfo {
  readonly major: number;
  readonly minor: number;
  readonly patchlevel: number;
  readonly name: string;
  readonly date: string;
  readonly desc: string;
}

export interface OpenFailure {
  readonly errno: string; // EACCES
  readonly message: string;
  /** What to fix, e.g. "add the user to group 'render' or install a udev rule ...". */
  readonly hint?: string;
}

export type DevnodeStatus = 'ok' | 'missing' | 'not-char-device' | 'rdev-mismatch';

export interface AccelDevice {
  readonly name: string; // accel0
  readonly minor: number;
  readonly sysfsPath: string; // <sysfs-root>/class/accel/accel0
  readonly devnode: string; // <dev-root>/accel/accel0
  readonly devnodeStatus: DevnodeStatus;
  /** Resolved `device` link: the parent device in /sys/devices. */
  readonly parent: string | null;
  readonly bus: Bus | null;
  readonly pci?: PciIds;
  /** Name of the bound driver (basename of device/driver). */
  readonly driver: string | null;
  /** DRM nodes (/sys/class/drm/*) that share the parent device. */
  readonly drmNodes: readonly DrmNode[];
  readonly version?: DrmVersionInfo;
  readonly openError?: OpenFailure;
  /**
   * 'drm' for a DRM node of a non-accel driver picked with a `drm:` filter
   * (class drm, major 226, /dev/dri/<name>); absent for an accel minor.
   */
  readonly nodeClass?: 'drm';
  /** Set for devices of the bundled simulated kernel: the `sim:` spec that made them. */
  readonly simSpec?: string;
  /**
   * One line per sysfs entry that could not be read, devnode defect or failed
   * DRM_IOCTL_VERSION: what discovery could not learn about this device and why.
   */
  readonly problems?: readonly string[];
}

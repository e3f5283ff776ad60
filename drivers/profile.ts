/**
 * What a driver declares about itself, so tests choose the right expectation
 * (never to skip a rule silently). Bundled drivers and known real drivers
 * declare one; for an unknown driver the harness detects the open policy.
 */
import type { ErrnoName } from '../harness/sys/errno';

export type OpenPolicy = 'shared' | 'exclusive';
export type IommuKind = 'per-context' | 'shared' | 'none';

export interface DriverProfile {
  /** Driver name as sysfs and DRM_IOCTL_VERSION report it. */
  readonly driver: string;
  /** 'unknown' only when detection could not tell (see openPolicyUnknownReason). */
  readonly openPolicy: OpenPolicy | 'unknown';
  /**
   * 'detected' when no profile exists and a second open was tried; 'unknown'
   * when no profile exists and detection failed (the first open, or the
   * second with an errno that says nothing about the policy).
   */
  readonly openPolicySource: 'declared' | 'detected' | 'unknown';
  /** Why detection could not tell the policy (set with openPolicySource 'unknown'); tests that need it skip with it. */
  readonly openPolicyUnknownReason?: string;
  readonly controlNode: boolean;
  /**
   * A control node that is not a DRM control minor (a driver's own char
   * device, e.g. habanalabs' accel_controlD<N>) has its own rules: the errno of
   * every request it refuses and whether DRM_IOCTL_VERSION runs there. Absent:
   * a DRM control minor (drm_ioctl_permit: EACCES, VERSION allowed).
   */
  readonly controlNodeRules?: { readonly refusal: ErrnoName; readonly versionAllowed: boolean };
  /** Scheduler job timeout in ms, or null when the driver has none (or is unknown). */
  readonly jobTimeoutMs: number | null;
  readonly iommu: IommuKind;
  readonly prime: boolean;
  /**
   * Set when PRIME import refuses another device's dma-buf (only the driver's
   * own come back): the errno and the kernel reference. Absent: a foreign
   * dma-buf is imported (drm_gem_prime_import_dev attaches and maps it).
   */
  readonly foreignImportRefused?: { readonly errno: ErrnoName; readonly reference: string };
  readonly syncobj: boolean;
  /** Consecutive hangs after which a context is banned (0 or absent: never). */
  readonly banAfterHangs?: number;
  /** File under the device's debugfs dir (`<debugfs>/accel/<minor>/`) holding the live GEM object count. */
  readonly debugfsObjectCount?: string;
  /** The driver uAPI the device speaks, for tests of its own ioctls (`uapi:apu` requirement). */
  readonly uapi?: string;
  /** Name of the driver adapter that can make buffers and jobs, if any. */
  readonly adapter?: string;
}

/**
 * One driver, one folder, one module: everything the suite knows about a
 * driver lives in `drivers/<driver>/` (as `drivers/accel/<driver>/` in the
 * kernel) and is declared by the folder's `index.ts` as a DriverModule.
 * `drivers/modules.ts` lists the modules; the harness reaches drivers through
 * that list (drivers/registry.ts) and nothing else.
 */
import type { Family } from '../harness/testing/define';
import type { UapiHeader } from '../harness/uapi/header';
import type { AdapterFactory } from './adapter';
import type { ProfileSource } from './registry';
import type { SimDriverModel } from './sim/plugin-api';

/**
 * Proof that tests can fail: with `defect` injected into the simulated model
 * `sim` (a `sim:` spec target), every test of `mustFail` fails.
 */
export interface DefectProof {
  readonly defect: string;
  /** The model the defect is injected into: a bundled model name or a fixture plugin path. */
  readonly sim: string;
  /** Model parameters the proof boots with besides the defect (`npu=silent&cancel_job=1`). */
  readonly params?: string;
  /** Environment the adapter reads during the proof (ACCEL_ETHOSU_NPU=silent declares a never-completing NPU). */
  readonly env?: Readonly<Record<string, string>>;
  /** Full names (accel@family@subtest) that must fail on that device. */
  readonly mustFail: readonly string[];
}

/** drm-ci style expectation files shipped for a driver (paths absolute, from the module's __dirname). */
export interface ShippedExpectations {
  /** `<driver>-fails.txt`: `test,Status` lines, each with its reason. */
  readonly fails?: string;
  /** `<driver>-skips.txt`: regexes of tests not to run, each with its reason. */
  readonly skips?: string;
  /** `<driver>-flakes.txt`. */
  readonly flakes?: string;
}

export interface DriverModule {
  /** The folder name under drivers/. */
  readonly name: string;
  /** Profiles, keyed by driver name (the bound driver in sysfs, or DRM_IOCTL_VERSION's name). */
  readonly profiles?: Readonly<Record<string, ProfileSource>>;
  /** Adapters, keyed by the adapter name a profile gives (DriverProfile.adapter). */
  readonly adapters?: Readonly<Record<string, AdapterFactory>>;
  /**
   * Simulated models, keyed by the name a `sim:` spec gives (`sim:ivpu`).
   * Loaded on first use: a run on real devices never builds a simulated kernel.
   */
  readonly simModels?: Readonly<Record<string, () => SimDriverModel>>;
  /** Families of rules only this driver has (`accel@<driver>@...`), like IGT's per-driver binaries. */
  readonly families?: readonly Family[];
  /** Defect proofs on this module's simulated models. */
  readonly proofs?: readonly DefectProof[];
  /** Shipped expectations, keyed by driver name. */
  readonly expectations?: Readonly<Record<string, ShippedExpectations>>;
  /** The uAPI headers the module mirrors, for the C layout check. */
  readonly uapi?: readonly UapiHeader[];
}

export function defineDriverModule(m: DriverModule): DriverModule {
  return m;
}

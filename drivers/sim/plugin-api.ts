/**
 * The plugin API of the simulated machine. A plugin is a CommonJS module
 * named in a spec (`sim:./path/driver.js`) that exports either
 *
 *   - a function `(api: PluginApi) => SimDriverModel` (no import needed, so a
 *     plain .js file works from any directory), or
 *   - a `SimDriverModel` itself (module.exports or `default`).
 *
 * A model is either written from scratch against the simulated kernel's
 * driver interface (`defineDriver`, probe registers a DrmDriver) or derived
 * from a bundled APU driver with some ops replaced (`extendApuDriver`).
 * Either may install hooks of the DRM core (DrmRegisterOptions.hooks,
 * ApuExtension.coreHooks) and of its scheduler, and bring its own defects:
 * the bundled defect catalogue is written with nothing more.
 * docs/plugins.md walks through every hook; docs/examples/ holds complete plugins.
 */
import type { ERRNO, SysError } from '../../harness/sys/errno';
import type * as ApuUapi from '../apu/uapi';
import type * as DmaBufUapi from '../../harness/uapi/dma-buf';
import type * as DrmUapi from '../../harness/uapi/drm';
import type { syncMappedRefs } from '../apu/sim/ops';
import type { Idr } from './kernel/drm/idr';
import type { ContextMappings, IommuDomain } from './kernel/iommu';
import type { GpuScheduler } from './kernel/sched';
import type { Sys } from '../../harness/sys/types';
import type { DriverProfile } from '../profile';
import type { DefectInfo } from './defects';
import type { DrmCoreHookInstaller } from './kernel/drm/core-hooks';
import type { HookOverride } from './kernel/hooks';
import type { SchedHooks } from './kernel/sched';
import type {
  CloseContext,
  DrmDevice,
  DrmFile,
  DrmRegistrar,
  GemObject,
  IoctlContext,
  IoctlReturn,
  OpenContext,
} from './kernel/drm/driver';
import type { MapError } from './kernel/iommu';
import type { ApuContext, ApuJob } from '../apu/sim/context';
import type { ApuDevice } from '../apu/sim/device';
import type { Execution } from '../apu/sim/firmware';
import type { ApuIoctlName } from '../apu/sim/ioctls';
import type { ApuDriverOps } from '../apu/sim/ops';

/** What a model's probe gets for one device. */
export interface ProbeConfig {
  /** Module parameters given in the spec (validated against SimDriverModel.params). */
  readonly params: Readonly<Record<string, string>>;
  /** Defects given in the spec: core defects (drivers/sim/defects.ts) or the model's own (SimDriverModel.defects). */
  readonly defects: ReadonlySet<string>;
  /** How many devices of this model the machine probed before this one (0 for the first). */
  readonly instance: number;
}

export interface SimDriverModel {
  /** Name of the model (the bundled ones: `apu`, `mt8183`). */
  readonly name: string;
  /** Driver name as DRM_IOCTL_VERSION and sysfs report it; the registry keys profiles by it. */
  readonly driverName: string;
  readonly module: string;
  /** Every module parameter the model accepts, with its default value. */
  readonly params: Readonly<Record<string, string>>;
  /**
   * The model's own defects (`sim:<name>?defect=NAME`), each breaking one rule;
   * the simulated core's defects (layer 'core' of drivers/sim/defects.ts) apply to every model.
   */
  readonly defects?: Readonly<Record<string, DefectInfo>>;
  /** Registers one device with the kernel; throws an Error for unusable parameters. */
  probe(kernel: DrmRegistrar, config: ProbeConfig): DrmDevice;
  /**
   * The platform driver's remove, then its devres (an unbind through sysfs).
   * A model with one gets /sys/bus/platform/drivers/<driver>/{bind,unbind}
   * (drivers/sim/kernel/driver-core.ts); without, it has none, as a driver
   * with suppress_bind_attrs.
   */
  remove?(kernel: DrmRegistrar, dev: DrmDevice): void;
  /** The profile of devices of this driver; without one, the harness detects it. */
  profile?(sys: Sys): DriverProfile;
}

/**
 * An op replacement receives the op's arguments plus the bundled op (`base`)
 * to wrap or ignore.
 */
export type OpOverride<F extends (...args: never[]) => unknown> = (...args: [...Parameters<F>, F]) => ReturnType<F>;

export type ApuIoctlOverride = (
  dev: ApuDevice,
  data: Buffer,
  file: DrmFile,
  ctx: IoctlContext,
  base: (dev: ApuDevice, data: Buffer, file: DrmFile, ctx: IoctlContext) => IoctlReturn,
) => IoctlReturn;

export interface ApuOpsOverrides {
  readonly open?: (dev: ApuDevice, file: DrmFile, ctx: OpenContext, base: ApuDriverOps['open']) => void;
  readonly release?: (dev: ApuDevice, file: DrmFile, base: ApuDriverOps['release']) => void;
  readonly flush?: (dev: ApuDevice, file: DrmFile, closer: CloseContext, base: ApuDriverOps['flush']) => void;
  readonly ioctls?: Partial<Record<ApuIoctlName, ApuIoctlOverride>>;
  readonly executeJob?: (dev: ApuDevice, job: ApuJob, base: ApuDriverOps['executeJob']) => Execution;
  readonly iommuMap?: (
    dev: ApuDevice,
    ctx: ApuContext,
    objs: readonly GemObject[],
    base: ApuDriverOps['iommuMap'],
  ) => bigint[] | MapError;
  readonly iommuUnmap?: (
    dev: ApuDevice,
    ctx: ApuContext,
    objs: readonly GemObject[],
    base: ApuDriverOps['iommuUnmap'],
  ) => MapError | null;
  readonly createMappings?: OpOverride<ApuDriverOps['createMappings']>;
  readonly findJob?: OpOverride<ApuDriverOps['findJob']>;
  readonly mmap?: OpOverride<ApuDriverOps['mmap']>;
}

/** Replacements of the scheduler's hooks (drivers/sim/kernel/sched.ts SchedHooks), each receiving the hook it replaces. */
export type SchedHookOverrides = { readonly [K in keyof SchedHooks<ApuJob>]?: HookOverride<SchedHooks<ApuJob>[K]> };

/** What an APU defect (or a plugin's own) may change on one device: the driver's ops, its scheduler's hooks, the core's hooks. */
export interface ApuDefectTarget {
  overrideOps(overrides: ApuOpsOverrides): void;
  overrideSched(overrides: SchedHookOverrides): void;
  /** The DRM core's hooks of the device being registered (drivers/sim/kernel/drm/core-hooks.ts). */
  coreHooks(install: DrmCoreHookInstaller): void;
}

/** A defect of an APU model: its rule, and how it breaks it. */
export interface ApuDefect extends DefectInfo {
  install(target: ApuDefectTarget): void;
}

export interface ApuExtension {
  /** The bundled driver to start from. */
  readonly base: 'apu' | 'mt8183';
  /** Model name (defaults to the base's). */
  readonly name?: string;
  /** New driver name; defaults to the base's (then the base's profile applies). */
  readonly driverName?: string;
  readonly module?: string;
  readonly desc?: string;
  /** Give the device a control node (controlD64+) beside the accel node; see DrmRegisterOptions.controlNode. */
  readonly controlNode?: boolean;
  readonly overrides?: ApuOpsOverrides;
  /** Replacements of the scheduler's hooks (job timeout, reset after a hang). */
  readonly sched?: SchedHookOverrides;
  /** Installers of the DRM core's hooks for each device (handle allocation, PRIME cache, ioctl permit, ...). */
  readonly coreHooks?: readonly DrmCoreHookInstaller[];
  /** The model's own defects (`sim:<plugin>?defect=NAME`), beside the base's and the core's. */
  readonly defects?: Readonly<Record<string, ApuDefect>>;
}

/** Values a .js plugin may need without importing anything. */
export interface PluginConstants {
  readonly DRIVER_GEM: number;
  readonly DRIVER_SYNCOBJ: number;
  readonly DRIVER_COMPUTE_ACCEL: number;
  readonly DRM_RENDER_ALLOW: number;
  readonly PAGE_SIZE: number;
}

export interface PluginApi {
  /** The error every failing syscall or ioctl throws: `new api.SysError(errno, 'ioctl')` or `api.SysError.of('EINVAL', 'ioctl')`. */
  readonly SysError: typeof SysError;
  readonly ERRNO: typeof ERRNO;
  readonly constants: PluginConstants;
  /** Builds the argument ioctl number of a driver ioctl: DRM_IOWR(DRM_COMMAND_BASE + nr, size). */
  driverIoctl(nr: number, size: number): number;
  /** A model derived from a bundled APU driver with some ops replaced. */
  extendApuDriver(ext: ApuExtension): SimDriverModel;
  /** A model written from scratch; returned as is (typing help for .js plugins). */
  defineDriver(model: SimDriverModel): SimDriverModel;
  /** The bundled models, to inspect or wrap. */
  readonly bundled: { readonly apu: SimDriverModel; readonly mt8183: SimDriverModel };
  /**
   * uAPI struct codecs and constants (harness/uapi): each struct has `size`,
   * `offsets`, `decode(buf)` and `encode(fields)`, so a plugin never hard-codes an offset.
   */
  readonly uapi: {
    readonly drm: typeof DrmUapi;
    readonly apu: typeof ApuUapi;
    readonly dmaBuf: typeof DmaBufUapi;
  };
  /** Kernel libraries and helpers a model builds on. */
  readonly lib: {
    /** lib/idr.c: lowest-free (or, with `new Idr(true)`, cyclic) id allocation; what handle tables use. */
    readonly Idr: typeof Idr;
    readonly IommuDomain: typeof IommuDomain;
    /** Refcounted object mappings of one context over a domain (mapAll / unmapAll, all or nothing). */
    readonly ContextMappings: typeof ContextMappings;
    readonly GpuScheduler: typeof GpuScheduler;
    /** After changing ctx.mappings in an iommuMap / iommuUnmap replacement: one object reference per mapped object. */
    readonly syncMappedRefs: typeof syncMappedRefs;
  };
}

export type PluginModule = SimDriverModel | ((api: PluginApi) => SimDriverModel);

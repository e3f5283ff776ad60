/**
 * The fixed characteristics of the two bundled APU models and their module
 * parameters. Times are virtual (the simulated kernel's clock).
 */
import { NS_PER_MS, NS_PER_US } from '../../sim/kernel/clock';
import type { Aperture } from '../../sim/kernel/iommu';
import type { OpenPolicy } from '../../profile';
// The driver facts a profile declares (shared with the kernel module) are the model's defaults.
import { APU_DRIVER, MT8183_APU_DRIVER } from '../profile';

export interface ApuModelConfig {
  /** DRM driver name (DRM_IOCTL_VERSION, sysfs driver). */
  readonly driverName: string;
  readonly desc: string;
  /** Module name: /sys/module/<module>/parameters. */
  readonly module: string;
  /** Platform parent device name. */
  readonly parentName: string;
  /** Default open policy; `exclusive` (when the model has it) overrides. */
  readonly openPolicy: OpenPolicy;
  /** Whether the model has the `exclusive` module parameter (the reference module does). */
  readonly hasExclusiveParam: boolean;
  readonly aperture: Aperture;
  readonly defaultTimeoutMs: number;
  readonly defaultBanAfter: number;
  /** Reset after a job timeout (STATE shows APU_TIMEDOUT meanwhile). */
  readonly resetNs: bigint;
  /** Firmware reboot after a crash (STATE shows APU_CRASHED meanwhile). */
  readonly crashRecoveryNs: bigint;
  /** After the last release: cancel in-flight work and idle the firmware (open gives EAGAIN meanwhile). */
  readonly teardownNs: bigint;
  /** Largest GEM object (max_bo_size). */
  readonly maxBoSize: number;
  /**
   * Register a control node beside the accel node (DrmRegisterOptions.controlNode).
   * Neither bundled model has one, as no mainline accel device does; plugins
   * set it (drivers/sim/fixtures/control-apu.js) so the suite's control-node
   * rule has a device to run on.
   */
  readonly controlNode?: boolean;
}

export const APU_MODEL: ApuModelConfig = {
  driverName: APU_DRIVER.driver,
  desc: 'AI Processor Unit (accel-conformance reference model)',
  module: APU_DRIVER.module,
  parentName: 'apu.0',
  openPolicy: APU_DRIVER.defaultPolicy,
  hasExclusiveParam: true,
  aperture: { start: 0x10000000n, end: 0x40000000n },
  defaultTimeoutMs: APU_DRIVER.defaultTimeoutMs,
  defaultBanAfter: APU_DRIVER.defaultBanAfter,
  resetNs: 20n * NS_PER_MS,
  crashRecoveryNs: 10n * NS_PER_MS,
  teardownNs: 0n,
  maxBoSize: 64 << 20,
};

/**
 * MT8183 APU: a Cadence VP6 DSP started as a remote processor
 * (drivers/remoteproc/mtk_apu.c in the 2023 series), behind the M4U with a
 * fixed IOVA window; one compute user at a time in this model.
 */
export const MT8183_MODEL: ApuModelConfig = {
  driverName: MT8183_APU_DRIVER.driver,
  desc: 'MediaTek MT8183 APU (VP6 DSP, remoteproc)',
  module: MT8183_APU_DRIVER.module,
  parentName: '19100000.apu',
  openPolicy: MT8183_APU_DRIVER.defaultPolicy,
  hasExclusiveParam: false,
  aperture: { start: 0x60000000n, end: 0x70000000n },
  defaultTimeoutMs: MT8183_APU_DRIVER.defaultTimeoutMs,
  defaultBanAfter: MT8183_APU_DRIVER.defaultBanAfter,
  // A reset reloads and reboots the DSP firmware.
  resetNs: 50n * NS_PER_MS,
  crashRecoveryNs: 30n * NS_PER_MS,
  teardownNs: 5n * NS_PER_MS,
  maxBoSize: 64 << 20,
};

/** Virtual execution times of the reference firmware. */
export const FIRMWARE_TIMING = {
  nopNs: 2n * NS_PER_US,
  crashNs: 10n * NS_PER_US,
  /** Per command start-up, then per byte: FILL 4 GB/s, COPY and CHECKSUM 2 GB/s. */
  setupNs: 1n * NS_PER_US,
  fillBytesPerNs: 4,
  copyBytesPerNs: 2,
  checksumBytesPerNs: 2,
} as const;

export interface ApuParams {
  readonly timeoutMs: number;
  readonly banAfter: number;
  readonly exclusive: boolean;
}

/** Module parameters a model accepts, with their defaults as sysfs shows them. */
export function defaultParams(model: ApuModelConfig): Record<string, string> {
  const p: Record<string, string> = {
    timeout_ms: String(model.defaultTimeoutMs),
    ban_after: String(model.defaultBanAfter),
  };
  if (model.hasExclusiveParam) p['exclusive'] = model.openPolicy === 'exclusive' ? '1' : '0';
  return p;
}

export class ParamError extends Error {
  override readonly name = 'ParamError';
}

const uint = (name: string, text: string, max: number): number => {
  if (!/^\d+$/.test(text)) throw new ParamError(`module parameter ${name}=${text}: not an unsigned integer`);
  const n = Number(text);
  if (n > max) throw new ParamError(`module parameter ${name}=${text}: above ${max}`);
  return n;
};

/** Validates and decodes parameter strings (unknown names are the caller's to reject). */
export function parseParams(model: ApuModelConfig, given: Readonly<Record<string, string>>): ApuParams {
  const all = { ...defaultParams(model), ...given };
  const timeoutMs = uint('timeout_ms', all['timeout_ms'] as string, 3_600_000);
  if (timeoutMs === 0) throw new ParamError('module parameter timeout_ms=0: must be at least 1');
  const banAfter = uint('ban_after', all['ban_after'] as string, 1_000_000);
  let exclusive = model.openPolicy === 'exclusive';
  if (model.hasExclusiveParam) {
    const e = all['exclusive'] as string;
    if (e !== '0' && e !== '1') throw new ParamError(`module parameter exclusive=${e}: must be 0 or 1`);
    exclusive = e === '1';
  }
  return { timeoutMs, banAfter, exclusive };
}

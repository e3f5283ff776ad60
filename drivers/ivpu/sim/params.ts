/**
 * Module parameters of sim:ivpu, as intel_vpu.ko declares them: sched_mode
 * (ivpu_drv.c, 0444), tdr_timeout_ms and inference_timeout_ms (ivpu_pm.c,
 * 0644; 0 means the hardware default of ivpu_hw.c timeouts_init).
 */
import { IVPU_DEFAULT_INFERENCE_MS, IVPU_DEFAULT_TDR_MS, type IvpuSchedMode, ivpuHwIpGen, ivpuSchedModeSelect } from '../profile';
import { SIM_IVPU_IDENTITY, VPU_JSM_API_VER_INDEX } from './hw';

export interface IvpuParams {
  readonly schedMode: IvpuSchedMode;
  readonly tdrMs: number;
  readonly inferenceMs: number;
}

export const IVPU_PARAM_DEFAULTS: Readonly<Record<string, string>> = {
  sched_mode: '-1',
  tdr_timeout_ms: '0',
  inference_timeout_ms: '0',
};

function int(params: Readonly<Record<string, string>>, name: string, min: number, max: number): number {
  const text = params[name] ?? IVPU_PARAM_DEFAULTS[name] ?? '0';
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(`sim:ivpu: ${name}=${text}: expected an integer in ${min}..${max}`);
  }
  return n;
}

/**
 * ivpu_fw.c ivpu_fw_sched_mode_select over the simulated NPU's generation
 * (ivpu_drv.h ivpu_hw_ip_gen of its PCI id: LNL, 40xx, where 0 still means
 * the OS scheduler) and its firmware's JSM API version (3.30: auto is HW).
 */
export function parseIvpuParams(params: Readonly<Record<string, string>>): IvpuParams {
  const mode = int(params, 'sched_mode', -1, 1);
  const tdr = int(params, 'tdr_timeout_ms', 0, 86_400_000);
  const inference = int(params, 'inference_timeout_ms', 0, 86_400_000);
  return {
    schedMode: ivpuSchedModeSelect(ivpuHwIpGen(SIM_IVPU_IDENTITY.deviceId), mode, SIM_IVPU_IDENTITY.fwApiVersions[VPU_JSM_API_VER_INDEX] ?? 0n),
    tdrMs: tdr > 0 ? tdr : IVPU_DEFAULT_TDR_MS,
    inferenceMs: inference > 0 ? inference : IVPU_DEFAULT_INFERENCE_MS,
  };
}

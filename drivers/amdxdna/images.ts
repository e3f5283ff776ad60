/**
 * What the amdxdna adapter options give each job kind to run: a CU image
 * (PDI and cu_func) and the context shape, or the reason there is none.
 *
 *   ACCEL_AMDXDNA_XCLBIN       an xclbin whose first DPU kernel completes at
 *                              once with no arguments: the 'nop' job kind
 *   ACCEL_AMDXDNA_HANG_XCLBIN  an xclbin whose first DPU kernel never
 *                              completes: 'hang'
 *   ACCEL_AMDXDNA_PDI,         the lower-level alternative: a raw PDI image
 *   ACCEL_AMDXDNA_HANG_PDI     (cu_func 0, a one-column context)
 *
 * An xclbin option wins over the PDI option of the same kind. From an xclbin
 * the adapter takes what XRT takes (drivers/amdxdna/xclbin.ts): the CU's PDI
 * and function for CONFIG_CU, the partition's columns and operations per
 * cycle for CREATE_HWCTX. XRT configures every DPU CU of the xclbin; the
 * adapter configures the one it starts, which CONFIG_CU takes the same way
 * (aie2_hwctx_cu_config: any num_cus from 1 to MAX_NUM_CUS). With no option
 * a simulated machine gets the modelled PDIs (drivers/amdxdna/pdi.ts) and a
 * real one no image: the reason names the options.
 */
import type { Sys } from '../../harness/sys/types';
import { ONE_COLUMN, type ContextShape, type CuImage } from './lib';
import { MODELLED_HANG_PDI, MODELLED_NOP_PDI } from './pdi';
import { parseXclbin } from './xclbin';

export type XdnaJobKind = 'nop' | 'hang';

export const XDNA_JOB_KINDS: readonly XdnaJobKind[] = ['nop', 'hang'];

export const IMAGE_OPTIONS: Readonly<Record<XdnaJobKind, { readonly xclbin: string; readonly pdi: string }>> = {
  nop: { xclbin: 'ACCEL_AMDXDNA_XCLBIN', pdi: 'ACCEL_AMDXDNA_PDI' },
  hang: { xclbin: 'ACCEL_AMDXDNA_HANG_XCLBIN', pdi: 'ACCEL_AMDXDNA_HANG_PDI' },
};

export interface JobImages {
  /** The CU each kind runs on, named by the kind (CU i of CONFIG_CU is the i-th present). */
  readonly cus: Readonly<Partial<Record<XdnaJobKind, CuImage>>>;
  /** The widest context any of the xclbins asks for (one column without one). */
  readonly shape: ContextShape;
  /** Why a kind has no CU: the options unset, a file unreadable or not an xclbin. One line each. */
  readonly missing: Readonly<Partial<Record<XdnaJobKind, string>>>;
}

type Resolved = { readonly cu: CuImage; readonly shape: ContextShape } | { readonly missing: string };

function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

function read(sys: Sys, option: string, path: string): Buffer | string {
  try {
    return sys.fs.readFile(path);
  } catch (e) {
    return `${option}: cannot read ${path}: ${messageOf(e)}`;
  }
}

function resolve(sys: Sys, env: NodeJS.ProcessEnv, kind: XdnaJobKind): Resolved {
  const opt = IMAGE_OPTIONS[kind];
  const xclbinPath = env[opt.xclbin];
  if (xclbinPath) {
    const bytes = read(sys, opt.xclbin, xclbinPath);
    if (typeof bytes === 'string') return { missing: bytes };
    try {
      const x = parseXclbin(bytes, xclbinPath);
      const [first] = x.cus;
      return { cu: { name: kind, pdi: first.pdi, func: first.func }, shape: { columns: x.columnWidth, opsPerCycle: x.opsPerCycle } };
    } catch (e) {
      return { missing: `${opt.xclbin}: ${messageOf(e)}` };
    }
  }
  const pdiPath = env[opt.pdi];
  if (pdiPath) {
    const bytes = read(sys, opt.pdi, pdiPath);
    if (typeof bytes === 'string') return { missing: bytes };
    return { cu: { name: kind, pdi: bytes, func: 0 }, shape: ONE_COLUMN };
  }
  if (sys.kind === 'sim') return { cu: { name: kind, pdi: kind === 'nop' ? MODELLED_NOP_PDI : MODELLED_HANG_PDI, func: 0 }, shape: ONE_COLUMN };
  return { missing: `no ${kind} kernel: set ${opt.xclbin} (an xclbin for this NPU) or ${opt.pdi}` };
}

/** Reads the files the options name (never throws: a bad file is a `missing` reason). */
export function amdxdnaJobImages(sys: Sys, env: NodeJS.ProcessEnv = process.env): JobImages {
  const cus: Partial<Record<XdnaJobKind, CuImage>> = {};
  const missing: Partial<Record<XdnaJobKind, string>> = {};
  let shape: ContextShape | null = null;
  for (const kind of XDNA_JOB_KINDS) {
    const r = resolve(sys, env, kind);
    if ('missing' in r) {
      missing[kind] = r.missing;
      continue;
    }
    cus[kind] = r.cu;
    shape = shape
      ? { columns: Math.max(shape.columns, r.shape.columns), opsPerCycle: Math.max(shape.opsPerCycle, r.shape.opsPerCycle) }
      : r.shape;
  }
  return { cus, shape: shape ?? ONE_COLUMN, missing };
}

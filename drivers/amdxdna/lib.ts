/**
 * User-space calls of the amdxdna uAPI, shared by the adapter, the driver
 * family and the model's specs (as IGT's per-driver helpers): each issues
 * one ioctl and returns what the kernel wrote back. The command BO layout
 * (struct amdxdna_cmd: a header word, CU masks, payload) is the one
 * drivers/accel/amdxdna/amdxdna_ctx.h defines and XRT writes.
 */
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import type { Mapping, Sys } from '../../harness/sys/types';
import { DRM_CORE_IOCTLS, drm_syncobj_timeline_wait } from '../../harness/uapi/drm';
import {
  AMDXDNA_BO_DEV,
  AMDXDNA_BO_DEV_HEAP,
  AMDXDNA_BO_SHARE,
  AMDXDNA_CMD_SUBMIT_EXEC_BUF,
  AMDXDNA_IOCTL,
  AMDXDNA_QOS_NORMAL_PRIORITY,
  DRM_AMDXDNA_HWCTX_CONFIG_CU,
  amdxdna_cu_config,
  amdxdna_drm_config_hwctx,
  amdxdna_drm_create_bo,
  amdxdna_drm_create_hwctx,
  amdxdna_drm_destroy_hwctx,
  amdxdna_drm_exec_cmd,
  amdxdna_drm_get_bo_info,
  amdxdna_hwctx_param_config_cu,
  amdxdna_qos_info,
} from './uapi';

/* amdxdna_ctx.h */
export const ERT_START_CU = 0;
export const ERT_CMD_STATE_NEW = 1;
export const ERT_CMD_STATE_COMPLETED = 4;
export const ERT_CMD_STATE_ERROR = 5;
export const ERT_CMD_STATE_ABORT = 6;
export const ERT_CMD_STATE_TIMEOUT = 8;
/** AIE2 heaps come in multiples of AIE2_DEVM_SIZE (aie2_pci.h). */
export const AIE2_HEAP_SIZE = 64 * 1024 * 1024;
/** Tiles of a one-column context on AIE2 (4 core rows): aie2_hwctx_col_list divides num_tiles by them. */
export const ONE_COLUMN_TILES = 4;

export function createBo(sys: Sys, fd: number, size: number | bigint, type = AMDXDNA_BO_SHARE, flags = 0n): number {
  const arg = amdxdna_drm_create_bo.encode({ size: BigInt(size), type, flags });
  sys.ioctl(fd, AMDXDNA_IOCTL.CREATE_BO.request, arg);
  return amdxdna_drm_create_bo.decode(arg).handle;
}

export interface BoInfo {
  readonly mapOffset: bigint;
  readonly vaddr: bigint;
  readonly xdnaAddr: bigint;
}

export function boInfo(sys: Sys, fd: number, handle: number): BoInfo {
  const arg = amdxdna_drm_get_bo_info.encode({ handle });
  sys.ioctl(fd, AMDXDNA_IOCTL.GET_BO_INFO.request, arg);
  const o = amdxdna_drm_get_bo_info.decode(arg);
  return { mapOffset: o.map_offset, vaddr: o.vaddr, xdnaAddr: o.xdna_addr };
}

export interface Hwctx {
  readonly handle: number;
  readonly syncobj: number;
}

/** max_opc when no xclbin gives operations_per_cycle (the driver passes it to the firmware unchecked). */
export const DEFAULT_MAX_OPC = 0x800;

/** CREATE_HWCTX with normal-priority QoS (XRT always passes one: a NULL qos_p is EFAULT). */
export function createHwctx(sys: Sys, fd: number, numTiles = ONE_COLUMN_TILES, maxOpc = DEFAULT_MAX_OPC): Hwctx {
  const qos = sys.alloc(amdxdna_qos_info.size);
  try {
    amdxdna_qos_info.encode({ priority: AMDXDNA_QOS_NORMAL_PRIORITY }).copy(qos.bytes);
    const arg = amdxdna_drm_create_hwctx.encode({ qos_p: qos.address, num_tiles: numTiles, max_opc: maxOpc, mem_size: 0x10000 });
    sys.ioctl(fd, AMDXDNA_IOCTL.CREATE_HWCTX.request, arg);
    const o = amdxdna_drm_create_hwctx.decode(arg);
    return { handle: o.handle, syncobj: o.syncobj_handle };
  } finally {
    sys.free(qos);
  }
}

export function destroyHwctx(sys: Sys, fd: number, handle: number): void {
  sys.ioctl(fd, AMDXDNA_IOCTL.DESTROY_HWCTX.request, amdxdna_drm_destroy_hwctx.encode({ handle }));
}

/** CONFIG_HWCTX(CONFIG_CU): CU i runs the PDI in DEV BO cuBos[i] with function funcs[i] (0 when absent). */
export function configCu(sys: Sys, fd: number, hwctx: number, cuBos: readonly number[], funcs: readonly number[] = []): void {
  const cfg = Buffer.concat([
    amdxdna_hwctx_param_config_cu.encode({ num_cus: cuBos.length }),
    ...cuBos.map((cu_bo, i) => amdxdna_cu_config.encode({ cu_bo, cu_func: funcs[i] ?? 0 })),
  ]);
  const mem = sys.alloc(cfg.length);
  try {
    cfg.copy(mem.bytes);
    const arg = amdxdna_drm_config_hwctx.encode({
      handle: hwctx,
      param_type: DRM_AMDXDNA_HWCTX_CONFIG_CU,
      param_val: mem.address,
      param_val_size: cfg.length,
    });
    sys.ioctl(fd, AMDXDNA_IOCTL.CONFIG_HWCTX.request, arg);
  } finally {
    sys.free(mem);
  }
}

/** The header of an ERT_START_CU command with one CU mask and `payloadWords` argument words (state 0). */
export function startCuHeader(payloadWords = 0): number {
  // AMDXDNA_CMD_COUNT (bits 22-12): the mask word plus the payload; OPCODE (27-23) ERT_START_CU.
  return (((1 + payloadWords) << 12) | (ERT_START_CU << 23)) >>> 0;
}

/** Writes an ERT_START_CU command for CU `cu` at the start of a command BO mapping. */
export function writeStartCu(bytes: Buffer, cu: number): void {
  bytes.fill(0, 0, 64);
  bytes.writeUInt32LE(startCuHeader(), 0);
  bytes.writeUInt32LE((1 << cu) >>> 0, 4);
}

/** The ERT state (bits 3-0) of a command BO's header. */
export function cmdState(bytes: Buffer): number {
  return bytes.readUInt32LE(0) & 0xf;
}

/** EXEC_CMD of one command BO on a context; returns the sequence number. */
export function execCmd(sys: Sys, fd: number, hwctx: number, cmdBo: number, args: readonly number[] = []): bigint {
  const mem = sys.alloc(Math.max(4, 4 * args.length));
  try {
    args.forEach((h, i) => mem.bytes.writeUInt32LE(h, 4 * i));
    const arg = amdxdna_drm_exec_cmd.encode({
      hwctx,
      type: AMDXDNA_CMD_SUBMIT_EXEC_BUF,
      cmd_handles: BigInt(cmdBo),
      args: args.length ? mem.address : 0n,
      cmd_count: 1,
      arg_count: args.length,
    });
    sys.ioctl(fd, AMDXDNA_IOCTL.EXEC_CMD.request, arg);
    return amdxdna_drm_exec_cmd.decode(arg).seq;
  } finally {
    sys.free(mem);
  }
}

/** DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT for point `seq` of a context's syncobj, absolute deadline. */
export function waitSeqAsync(sys: Sys, fd: number, syncobj: number, seq: bigint, deadlineNs: bigint): Promise<number> {
  const mem = sys.alloc(16);
  mem.bytes.writeUInt32LE(syncobj, 0);
  mem.bytes.writeBigUInt64LE(seq, 8);
  const arg = drm_syncobj_timeline_wait.encode({ handles: mem.address, points: mem.address + 8n, count_handles: 1, timeout_nsec: deadlineNs });
  return sys.ioctlAsync(fd, DRM_CORE_IOCTLS.SYNCOBJ_TIMELINE_WAIT.request, arg).finally(() => sys.free(mem));
}

/** One CU to configure: the PDI it runs and its cu_func (an xclbin's ps_kernel.m_functional). */
export interface CuImage {
  readonly name: string;
  readonly pdi: Buffer;
  readonly func: number;
}

/** The context an xclbin asks for: its partition's columns and operations per cycle. */
export interface ContextShape {
  readonly columns: number;
  readonly opsPerCycle: number;
}

export const ONE_COLUMN: ContextShape = { columns: 1, opsPerCycle: DEFAULT_MAX_OPC };

/** What a file needs before it can run commands (XRT does it once per process and xclbin). */
export interface FileSetup {
  readonly heap: number;
  /** The heap's mmap offset: identifies the object device-wide. */
  readonly heapOffset: bigint;
  readonly heapMap: Mapping;
  readonly hwctx: Hwctx;
  /** CU index by name (the PDI loaded on it). */
  readonly cu: Readonly<Record<string, number>>;
}

/**
 * A 64 MiB heap (DEV_HEAP, mapped: DEV BOs need its user address), one DEV
 * BO per CU holding its PDI (written through the heap mapping: a DEV BO has
 * none of its own), a context of `shape` (num_tiles = columns * core rows,
 * max_opc = operations per cycle, as XRT's create_ctx_on_device) and
 * CONFIG_CU with CU i running cus[i].
 */
export function setUpFile(sys: Sys, fd: number, cus: readonly CuImage[], shape: ContextShape = ONE_COLUMN): FileSetup {
  const heap = createBo(sys, fd, AIE2_HEAP_SIZE, AMDXDNA_BO_DEV_HEAP);
  const heapOffset = boInfo(sys, fd, heap).mapOffset;
  const heapMap = sys.mmap(fd, AIE2_HEAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, heapOffset);
  const heapBase = boInfo(sys, fd, heap).xdnaAddr;
  const cuBos: number[] = [];
  const cu: Record<string, number> = {};
  for (const { name, pdi } of cus) {
    const bo = createBo(sys, fd, Math.max(pdi.length, 1), AMDXDNA_BO_DEV);
    pdi.copy(heapMap.bytes, Number(boInfo(sys, fd, bo).xdnaAddr - heapBase));
    cu[name] = cuBos.length;
    cuBos.push(bo);
  }
  const hwctx = createHwctx(sys, fd, shape.columns * ONE_COLUMN_TILES, shape.opsPerCycle);
  if (cuBos.length) configCu(sys, fd, hwctx.handle, cuBos, cus.map((c) => c.func));
  return { heap, heapOffset, heapMap, hwctx, cu };
}

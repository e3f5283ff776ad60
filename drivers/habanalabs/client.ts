/**
 * The habanalabs uAPI as a user program drives it, through `Sys` only:
 * INFO queries, command buffers, command submissions of packets and waits.
 * Shared by the family, the model's spec and the adapter.
 *
 * Packets: Gaudi2's, from drivers/accel/habanalabs/include/gaudi2/gaudi2_packets.h
 * (public with the kernel source): every packet starts with a 64-bit header whose
 * high word is `ctl`, the opcode in bits 24-28 (GAUDI2_PKT_CTL_OPCODE_SHIFT/MASK).
 * A NOP (PACKET_NOP 0xA, struct packet_nop {reserved, ctl}) is 8 bytes; a FENCE
 * (PACKET_FENCE 0x8, struct packet_fence {cfg, ctl}) waits until fence counter
 * `id` reaches `target`, decrementing it by `dec` (GAUDI2_PKT_FENCE_CFG_*).
 */
import { isSysError } from '../../harness/sys/errno';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import type { Sys } from '../../harness/sys/types';
import {
  DRM_IOCTL_HL_CB,
  DRM_IOCTL_HL_CS,
  DRM_IOCTL_HL_INFO,
  DRM_IOCTL_HL_WAIT_CS,
  HL_CB_FLAGS_GET_DEVICE_VA,
  HL_CB_FLAGS_MAP,
  HL_CB_OP_CREATE,
  HL_CB_OP_DESTROY,
  HL_CB_OP_INFO,
  HL_CS_CHUNK_FLAGS_USER_ALLOC_CB,
  HL_CS_FLAGS_CUSTOM_TIMEOUT,
  hl_cb_in,
  hl_cb_out,
  hl_cs_chunk,
  hl_cs_in,
  hl_cs_out,
  hl_info_args,
  hl_wait_cs_in,
  hl_wait_cs_out,
} from './uapi';

export const PACKET_SIZE = 8;
const PACKET_FENCE = 0x8;
const PACKET_NOP = 0xa;
const PKT_CTL_OPCODE_SHIFT = 24;
/** GAUDI2_PKT_FENCE_CFG_{DEC_VAL,TARGET_VAL,ID}_SHIFT. */
const FENCE_CFG_DEC_VAL_SHIFT = 0;
const FENCE_CFG_TARGET_VAL_SHIFT = 16;
const FENCE_CFG_ID_SHIFT = 30;
/** GAUDI2_QUEUE_ID_PDMA_0_0: a user queue (QUEUE_TYPE_HW, CB_ALLOC_USER) on Gaudi2. */
export const USER_QUEUE = 0;

/** `count` NOP packets. */
export function nopPackets(count: number): Buffer {
  const b = Buffer.alloc(count * PACKET_SIZE);
  for (let i = 0; i < count; i++) b.writeUInt32LE((PACKET_NOP << PKT_CTL_OPCODE_SHIFT) >>> 0, i * PACKET_SIZE + 4);
  return b;
}

/** A FENCE on counter 0 for a value nothing signals: the queue waits forever (an endless job). */
export function endlessFencePacket(): Buffer {
  const b = Buffer.alloc(PACKET_SIZE);
  const cfg = (1 << FENCE_CFG_DEC_VAL_SHIFT) | (0xff << FENCE_CFG_TARGET_VAL_SHIFT) | (0 << FENCE_CFG_ID_SHIFT);
  b.writeUInt32LE(cfg >>> 0, 0);
  b.writeUInt32LE((PACKET_FENCE << PKT_CTL_OPCODE_SHIFT) >>> 0, 4);
  return b;
}

/** INFO `op` into a fresh buffer of `size` bytes (pre-filled with `fill`); returns the bytes the kernel left. */
export function info(sys: Sys, fd: number, op: number, size: number, fill = 0, extra: { pad?: number } = {}): Buffer {
  const out = sys.alloc(size);
  out.bytes.fill(fill);
  const arg = hl_info_args.encode({ return_pointer: out.address, return_size: size, op, pad: extra.pad ?? 0 });
  sys.ioctl(fd, DRM_IOCTL_HL_INFO, arg);
  return Buffer.from(out.bytes);
}

export interface Cb {
  readonly handle: bigint;
  readonly size: number;
}

/** HL_CB_OP_CREATE; `map` also maps it to the device MMU (HL_CB_FLAGS_MAP). */
export function cbCreate(sys: Sys, fd: number, size: number, map = true): Cb {
  const arg = hl_cb_in.encode({ op: HL_CB_OP_CREATE, cb_size: size, flags: map ? HL_CB_FLAGS_MAP : 0 });
  sys.ioctl(fd, DRM_IOCTL_HL_CB, arg);
  return { handle: hl_cb_out.decode(arg).cb_handle, size };
}

export function cbDestroy(sys: Sys, fd: number, handle: bigint): void {
  sys.ioctl(fd, DRM_IOCTL_HL_CB, hl_cb_in.encode({ cb_handle: handle, op: HL_CB_OP_DESTROY }));
}

/** HL_CB_OP_INFO with HL_CB_FLAGS_GET_DEVICE_VA: where the device sees the CB. */
export function cbDeviceVa(sys: Sys, fd: number, handle: bigint): bigint {
  const arg = hl_cb_in.encode({ cb_handle: handle, op: HL_CB_OP_INFO, flags: HL_CB_FLAGS_GET_DEVICE_VA });
  sys.ioctl(fd, DRM_IOCTL_HL_CB, arg);
  return hl_cb_out.decode(arg).cb_handle;
}

export interface Chunk {
  readonly va: bigint;
  readonly size: number;
  readonly queue?: number;
  readonly flags?: number;
}

export interface CsResult {
  readonly seq: bigint;
  readonly status: number;
  /** The whole argument as the kernel left it. */
  readonly arg: Buffer;
}

/** HL_CS of user-allocated CBs (Gaudi2's only kind); `timeoutS` sets HL_CS_FLAGS_CUSTOM_TIMEOUT. */
export function submit(sys: Sys, fd: number, chunks: readonly Chunk[], opts: { timeoutS?: number; csFlags?: number } = {}): CsResult {
  const mem = sys.alloc(Math.max(1, chunks.length) * hl_cs_chunk.size);
  chunks.forEach((c, i) =>
    hl_cs_chunk.write(mem.bytes, i * hl_cs_chunk.size, {
      ...hl_cs_chunk.zero,
      cb_handle: c.va,
      queue_index: c.queue ?? USER_QUEUE,
      cb_size: c.size,
      cs_chunk_flags: c.flags ?? HL_CS_CHUNK_FLAGS_USER_ALLOC_CB,
    }),
  );
  const flags = (opts.csFlags ?? 0) | (opts.timeoutS !== undefined ? HL_CS_FLAGS_CUSTOM_TIMEOUT : 0);
  const arg = hl_cs_in.encode({ chunks_execute: mem.address, num_chunks_execute: chunks.length, timeout: opts.timeoutS ?? 0, cs_flags: flags });
  sys.ioctl(fd, DRM_IOCTL_HL_CS, arg);
  const out = hl_cs_out.decode(arg);
  return { seq: out.seq, status: out.status, arg };
}

export interface WaitResult {
  /** 'ok' or the errno name the wait failed with (ETIMEDOUT, EIO, ...). */
  readonly result: string;
  readonly status: number;
  readonly flags: number;
}

/** HL_WAIT_CS on one sequence for at most `timeoutUs` (0: poll). */
export async function waitCs(sys: Sys, fd: number, seq: bigint, timeoutUs: bigint): Promise<WaitResult> {
  const arg = hl_wait_cs_in.encode({ seq, timeout_us: timeoutUs });
  let result = 'ok';
  try {
    await sys.ioctlAsync(fd, DRM_IOCTL_HL_WAIT_CS, arg);
  } catch (e) {
    if (!isSysError(e)) throw e;
    result = e.code;
  }
  const out = hl_wait_cs_out.decode(arg);
  return { result, status: out.status, flags: out.flags };
}

/** What mmap of a CB must ask for: ALIGN(max(size, PAGE_SIZE), PAGE_SIZE) (hl_cb_mmap_mem_alloc, hl_mem_mgr_mmap). */
export function cbMapLength(size: number): number {
  return Math.ceil(Math.max(size, 4096) / 4096) * 4096;
}

/** A mapped CB holding `packets`, ready to submit: its chunk and a way to destroy it. */
export function cbWithPackets(sys: Sys, fd: number, packets: Buffer): { cb: Cb; chunk: Chunk } {
  const cb = cbCreate(sys, fd, Math.max(packets.length, 4096));
  // hl_mem_mgr_mmap: the handle is the offset, the length the CB's page-rounded size.
  const map = sys.mmap(fd, cbMapLength(cb.size), PROT_READ | PROT_WRITE, MAP_SHARED, cb.handle);
  try {
    packets.copy(map.bytes);
  } finally {
    sys.munmap(map);
  }
  return { cb, chunk: { va: cbDeviceVa(sys, fd, cb.handle), size: packets.length } };
}

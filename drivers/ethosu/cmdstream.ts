/**
 * Ethos-U command stream words, as the driver's validator reads them
 * (drivers/accel/ethosu/ethosu_device.h, enum ethosu_cmds; the same opcodes
 * as Arm's published Ethos-U command stream format used by the Vela
 * compiler). A command is one 32-bit word: opcode in bits 0-15, parameter in
 * bits 16-31; opcodes with bit 14 set take a second word, and bits 16-23 of
 * the first word give bits 32-39 of the 40-bit address or value
 * (ethosu_gem.c cmd_to_addr).
 */
export const NPU_OP_STOP = 0x0;
export const NPU_OP_CONV = 0x2;
export const NPU_OP_DEPTHWISE = 0x3;
export const NPU_OP_POOL = 0x5;
export const NPU_OP_ELEMENTWISE = 0x6;
export const NPU_OP_RESIZE = 0x7;
export const NPU_OP_DMA_START = 0x10;

export const NPU_SET_IFM_PAD_TOP = 0x100;
export const NPU_SET_IFM_PAD_LEFT = 0x101;
export const NPU_SET_IFM_PAD_RIGHT = 0x102;
export const NPU_SET_IFM_PAD_BOTTOM = 0x103;
export const NPU_SET_IFM_DEPTH_M1 = 0x104;
export const NPU_SET_IFM_PRECISION = 0x105;
export const NPU_SET_IFM_BROADCAST = 0x108;
export const NPU_SET_IFM_WIDTH0_M1 = 0x10a;
export const NPU_SET_IFM_HEIGHT0_M1 = 0x10b;
export const NPU_SET_IFM_HEIGHT1_M1 = 0x10c;
export const NPU_SET_IFM_REGION = 0x10f;
export const NPU_SET_OFM_WIDTH_M1 = 0x111;
export const NPU_SET_OFM_HEIGHT_M1 = 0x112;
export const NPU_SET_OFM_DEPTH_M1 = 0x113;
export const NPU_SET_OFM_PRECISION = 0x114;
export const NPU_SET_OFM_WIDTH0_M1 = 0x11a;
export const NPU_SET_OFM_HEIGHT0_M1 = 0x11b;
export const NPU_SET_OFM_HEIGHT1_M1 = 0x11c;
export const NPU_SET_OFM_REGION = 0x11f;
export const NPU_SET_KERNEL_WIDTH_M1 = 0x120;
export const NPU_SET_KERNEL_HEIGHT_M1 = 0x121;
export const NPU_SET_KERNEL_STRIDE = 0x122;
export const NPU_SET_WEIGHT_REGION = 0x128;
export const NPU_SET_SCALE_REGION = 0x129;
export const NPU_SET_DMA0_SRC_REGION = 0x130;
export const NPU_SET_DMA0_DST_REGION = 0x131;
export const NPU_SET_DMA0_SIZE0 = 0x132;
export const NPU_SET_DMA0_SIZE1 = 0x133;
export const NPU_SET_IFM2_BROADCAST = 0x180;
export const NPU_SET_IFM2_PRECISION = 0x185;
export const NPU_SET_IFM2_WIDTH0_M1 = 0x18a;
export const NPU_SET_IFM2_HEIGHT0_M1 = 0x18b;
export const NPU_SET_IFM2_HEIGHT1_M1 = 0x18c;
export const NPU_SET_IFM2_REGION = 0x18f;
export const NPU_SET_IFM_BASE0 = 0x4000;
export const NPU_SET_IFM_STRIDE_X = 0x4004;
export const NPU_SET_IFM_STRIDE_Y = 0x4005;
export const NPU_SET_IFM_STRIDE_C = 0x4006;
export const NPU_SET_OFM_BASE0 = 0x4010;
export const NPU_SET_OFM_STRIDE_X = 0x4014;
export const NPU_SET_OFM_STRIDE_Y = 0x4015;
export const NPU_SET_OFM_STRIDE_C = 0x4016;
export const NPU_SET_WEIGHT_BASE = 0x4020;
export const NPU_SET_WEIGHT_LENGTH = 0x4021;
export const NPU_SET_SCALE_BASE = 0x4022;
export const NPU_SET_SCALE_LENGTH = 0x4023;
export const NPU_SET_DMA0_SRC = 0x4030;
export const NPU_SET_DMA0_DST = 0x4031;
export const NPU_SET_DMA0_LEN = 0x4032;
export const NPU_SET_DMA0_SRC_STRIDE0 = 0x4033;
export const NPU_SET_DMA0_SRC_STRIDE1 = 0x4034;
export const NPU_SET_DMA0_DST_STRIDE0 = 0x4035;
export const NPU_SET_DMA0_DST_STRIDE1 = 0x4036;
export const NPU_SET_IFM2_BASE0 = 0x4080;
export const NPU_SET_IFM2_STRIDE_X = 0x4084;
export const NPU_SET_IFM2_STRIDE_Y = 0x4085;
export const NPU_SET_IFM2_STRIDE_C = 0x4086;

/** Bit 14 of the opcode: the command has a second word. */
export const NPU_CMD_TWO_WORDS = 0x4000;
/** Region the driver reserves for the NPU's SRAM (ethosu_device.h ETHOSU_SRAM_REGION, "Matching Vela compiler"). */
export const ETHOSU_SRAM_REGION = 2;
export const NPU_BASEP_REGION_MAX = 8;

/** One single-word command. */
export function cmd1(op: number, param = 0): number {
  return ((param & 0xffff) << 16 | (op & 0xffff)) >>> 0;
}

/** One two-word command carrying a 40-bit value (bits 32-39 in bits 16-23 of the first word). */
export function cmd2(op: number, value: bigint | number, param = 0): [number, number] {
  const v = BigInt.asUintN(40, BigInt(value));
  const hi = Number(v >> 32n) & 0xff;
  return [cmd1(op | NPU_CMD_TWO_WORDS, (param & 0xff00) | hi), Number(v & 0xffffffffn)];
}

/** A region argument of NPU_SET_DMA0_{SRC,DST}_REGION: bit 8 selects "no region" (an external address), bits 9-10 the DMA mode (source only). */
export function dmaRegionParam(region: number | null, mode = 0): number {
  return (region === null ? 0x100 : region & 0x7) | ((mode & 0x3) << 9);
}

/**
 * A stream copying `len` bytes from `src` (region, offset) to `dst` (region,
 * offset) with one 1-D DMA, then STOP: the smallest stream that writes an
 * output region, so a submitted job attaches its fence to the destination BO
 * (ethosu_job.c ethosu_attach_object_fences: only output regions get one).
 */
export function dmaCopyStream(src: { region: number; offset: number }, dst: { region: number; offset: number }, len: number): Uint32Array {
  return Uint32Array.from([
    cmd1(NPU_SET_DMA0_SRC_REGION, dmaRegionParam(src.region, 0)),
    cmd1(NPU_SET_DMA0_DST_REGION, dmaRegionParam(dst.region)),
    ...cmd2(NPU_SET_DMA0_SRC, src.offset),
    ...cmd2(NPU_SET_DMA0_DST, dst.offset),
    ...cmd2(NPU_SET_DMA0_LEN, len),
    cmd1(NPU_OP_DMA_START),
    cmd1(NPU_OP_STOP),
  ]);
}

/** The smallest valid stream: one STOP command (uses no region, so no BO is fenced). */
export function stopStream(): Uint32Array {
  return Uint32Array.from([cmd1(NPU_OP_STOP)]);
}

/**
 * The model of ethosu_gem_cmdstream_copy_and_validate()
 * (drivers/accel/ethosu/ethosu_gem.c), the driver's security boundary: Ethos-U
 * has no IOMMU, so a command stream may only touch the regions it declares,
 * and SUBMIT later checks each region's extent against the BO bound to it.
 * The walk keeps the kernel's semantics: the state starts as all-ones
 * (cmd_state_init) so an unset base or length reads as U64_MAX/U32_MAX and
 * fails; region indices are masked to three bits; a DMA or feature-map extent
 * that overflows 64 bits fails; the stream must end with exactly one STOP as
 * its last word. Words are read one at a time, as get_user does, so a fault
 * on word N gives EFAULT after N words were examined.
 */
import {
  NPU_BASEP_REGION_MAX,
  NPU_CMD_TWO_WORDS,
  NPU_OP_CONV,
  NPU_OP_DEPTHWISE,
  NPU_OP_DMA_START,
  NPU_OP_ELEMENTWISE,
  NPU_OP_POOL,
  NPU_OP_RESIZE,
  NPU_OP_STOP,
} from '../cmdstream';
import * as op from '../cmdstream';

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** struct ethosu_validated_cmdstream_info (ethosu_gem.h). */
export interface ValidatedStream {
  readonly cmdSize: number;
  readonly regionSize: readonly bigint[];
  readonly outputRegion: readonly boolean[];
}

/** What the walk may be told to get wrong, one knob per defect of the model. */
export interface ValidatorFaults {
  /**
   * The walk's state starts zeroed instead of all-ones (cmd_state_init's
   * memset 0xff "to detect missing setup"): a DMA whose length was never set
   * reads as 0 bytes, a feature map without a base as address 0, and both pass.
   */
  readonly stateZeroed?: boolean;
  /** Extents that overflow 64 bits wrap instead of failing. */
  readonly overflowUnchecked?: boolean;
  /** A STOP that is not the last word is accepted (the rest is copied but never checked). */
  readonly stopAnywhere?: boolean;
  /**
   * Region indices keep their whole parameter instead of three bits, as the
   * IFM region did before "accel/ethosu: fix IFM region index out-of-bounds":
   * an index past 7 is recorded outside the eight regions SUBMIT checks.
   */
  readonly regionUnmasked?: boolean;
}

interface Dma {
  region: number;
  len: bigint;
  offset: bigint;
  stride: [bigint, bigint];
}

interface Buffer1 {
  base: bigint;
  length: number;
  region: number;
}

interface FeatMatrix {
  base: [bigint, bigint, bigint, bigint];
  strideX: bigint;
  strideY: bigint;
  strideC: bigint;
  region: number;
  broadcast: number;
  strideKernel: number;
  precision: number;
  depth: number;
  width: number;
  width0: number;
  height: [number, number, number];
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

// cmd_state_init: memset(0xff): s8 fields read -1, unsigned fields their maximum.
const unsetDma = (): Dma => ({ region: -1, len: U64_MAX, offset: U64_MAX, stride: [-1n, -1n] });
const unsetBuffer = (): Buffer1 => ({ base: U64_MAX, length: U32_MAX, region: -1 });
const unsetFm = (): FeatMatrix => ({
  base: [U64_MAX, U64_MAX, U64_MAX, U64_MAX],
  strideX: -1n,
  strideY: -1n,
  strideC: -1n,
  region: -1,
  broadcast: 0xff,
  strideKernel: U16_MAX,
  precision: U16_MAX,
  depth: U16_MAX,
  width: U16_MAX,
  width0: U16_MAX,
  height: [U16_MAX, U16_MAX, U16_MAX],
  padTop: 0xff,
  padLeft: 0xff,
  padBottom: 0xff,
  padRight: 0xff,
});

/** Why a stream was refused: the errno the ioctl returns. */
export type StreamError = 'EINVAL' | 'EFAULT';

export class StreamWalk {
  private readonly regionSize: bigint[] = new Array<bigint>(NPU_BASEP_REGION_MAX).fill(0n);
  private readonly outputRegion: boolean[] = new Array<boolean>(NPU_BASEP_REGION_MAX).fill(false);
  private dmaMode = -1;
  private dmaSize0 = U16_MAX;
  private dmaSize1 = U16_MAX;
  private readonly src = unsetDma();
  private readonly dst = unsetDma();
  private readonly weight = unsetBuffer();
  private readonly scale = unsetBuffer();
  private readonly ifm = unsetFm();
  private readonly ifm2 = unsetFm();
  private readonly ofm = unsetFm();

  constructor(
    private readonly isU65: boolean,
    private readonly faults: ValidatorFaults,
  ) {
    if (faults.stateZeroed) this.zeroState();
  }

  private zeroState(): void {
    this.dmaMode = 0;
    this.dmaSize0 = 0;
    this.dmaSize1 = 0;
    for (const d of [this.src, this.dst]) Object.assign(d, { region: 0, len: 0n, offset: 0n, stride: [0n, 0n] });
    for (const b of [this.weight, this.scale]) Object.assign(b, { base: 0n, length: 0, region: 0 });
    for (const fm of [this.ifm, this.ifm2, this.ofm]) {
      Object.assign(fm, { base: [0n, 0n, 0n, 0n], strideX: 0n, strideY: 0n, strideC: 0n, region: 0, broadcast: 0, strideKernel: 0 });
      Object.assign(fm, { precision: 0, depth: 0, width: 0, width0: 0, height: [0, 0, 0], padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 });
    }
  }

  /** A region index: three bits of the parameter (NPU_BASEP_REGION_MAX regions). */
  private region(param: number): number {
    return this.faults.regionUnmasked ? param & 0xff : param & 0x7;
  }

  private widen(region: number, end: bigint): void {
    const cur = this.regionSize[region] ?? 0n;
    if (end > cur) this.regionSize[region] = end;
  }

  /** dma_length(): the bytes one side of a DMA spans, recording its region's extent; U64_MAX when invalid. */
  private dmaLength(d: Dma): bigint {
    let len = d.len;
    if (len === U64_MAX) return U64_MAX;
    const steps: [number, bigint, number][] = [];
    if (this.dmaMode >= 1) steps.push([0, d.stride[0], this.dmaSize0]);
    if (this.dmaMode === 2) steps.push([1, d.stride[1], this.dmaSize1]);
    for (const [, stride, size] of steps) {
      if (stride < 0n && -stride > len) return U64_MAX;
      len = u64(len + stride);
      const product = len * BigInt(size);
      if (product > U64_MAX && !this.faults.overflowUnchecked) return U64_MAX; // check_mul_overflow
      len = u64(product);
    }
    if (d.region >= 0) {
      const end = len + d.offset;
      if (end > U64_MAX && !this.faults.overflowUnchecked) return U64_MAX; // check_add_overflow
      this.widen(d.region, u64(end));
    }
    return len;
  }

  private chained(fm: FeatMatrix): boolean {
    return !this.isU65 && fm.precision >> 14 === 2;
  }

  /** feat_matrix_length(): the address of the element (x, y, c) of a feature map, widening its region; U64_MAX when invalid. */
  private featLength(fm: FeatMatrix, x: number, y: number, c: number, ofm: boolean): bigint {
    const storage = this.isU65 ? 0 : fm.precision >> 14;
    if (fm.region < 0) return U64_MAX;
    if (this.chained(fm)) return 0n;
    let tile = 0;
    if (storage === 0) {
      if (x >= fm.width0 + 1) {
        x -= fm.width0 + 1;
        tile += 1;
      }
      if (y >= (fm.height[tile] as number) + 1) {
        y -= (fm.height[tile] as number) + 1;
        tile += 2;
      }
    } else if (storage === 1) {
      if (y >= fm.height[1] + 1) {
        y -= fm.height[1] + 1;
        tile = 2;
      } else if (y >= fm.height[0] + 1) {
        y -= fm.height[0] + 1;
        tile = 1;
      }
    } else {
      return U64_MAX;
    }
    const base = fm.base[tile] as bigint;
    if (base === U64_MAX) return U64_MAX;
    let addr = u64(base + BigInt(y >>> 0) * fm.strideY);
    const format = (fm.precision >> 6) & 0x3;
    const elementSize = BigInt(1 << ((fm.precision >> (ofm ? 1 : 2)) & 0x3));
    if (format === 0) addr = u64(addr + BigInt(x >>> 0) * fm.strideX + BigInt(c >>> 0) * elementSize);
    else if (format === 1) addr = u64(addr + BigInt(Math.floor((c >>> 0) / 16)) * fm.strideC + BigInt(16 * (x >>> 0) + (c & 0xf)) * elementSize);
    this.widen(fm.region, u64(addr + 1n));
    return addr;
  }

  private ofmExtent(): StreamError | null {
    if (this.featLength(this.ofm, this.ofm.width, this.ofm.height[2], this.ofm.depth, true) === U64_MAX) return 'EINVAL';
    if (!this.chained(this.ofm)) this.outputRegion[this.ofm.region] = true;
    return null;
  }

  private bufferExtent(b: Buffer1): StreamError | null {
    if (b.region < 0 || b.base === U64_MAX || b.length === U32_MAX) return 'EINVAL';
    this.widen(b.region, u64(b.base + BigInt(b.length)));
    return null;
  }

  /** calc_sizes(): CONV, DEPTHWISE, POOL. */
  private calcSizes(ifm: boolean, ifm2: boolean, weight: boolean, scale: boolean): StreamError | null {
    if (ifm) {
      const sk = this.ifm.strideKernel;
      if (sk === U16_MAX) return 'EINVAL';
      const strideY = ((sk >> 8) & 0x2) + ((sk >> 1) & 0x1) + 1;
      const strideX = ((sk >> 5) & 0x2) + (sk & 0x1) + 1;
      // u32 arithmetic stored into an s32: small enough here that a plain subtraction tells the sign.
      const h = this.ofm.height[2] * strideY + this.ifm.height[2] - (this.ifm.padTop + this.ifm.padBottom);
      const w = this.ofm.width * strideX + this.ifm.width - (this.ifm.padLeft + this.ifm.padRight);
      if (h < 0 || w < 0) return 'EINVAL';
      if (this.featLength(this.ifm, w, h, this.ifm.depth, false) === U64_MAX) return 'EINVAL';
    }
    if (ifm2 && this.featLength(this.ifm2, this.ifm.depth, 0, this.ofm.depth, false) === U64_MAX) return 'EINVAL';
    if (weight) {
      const e = this.bufferExtent(this.weight);
      if (e) return e;
    }
    if (scale) {
      const e = this.bufferExtent(this.scale);
      if (e) return e;
    }
    return this.ofmExtent();
  }

  /** calc_sizes_elemwise(): ELEMENTWISE, with broadcast dimensions counting as 0. */
  private calcSizesElemwise(ifm: boolean, ifm2: boolean): StreamError | null {
    for (const [use, fm] of [[ifm, this.ifm], [ifm2, this.ifm2]] as const) {
      if (!use) continue;
      const h = fm.broadcast & 0x1 ? 0 : this.ofm.height[2];
      const w = fm.broadcast & 0x2 ? 0 : this.ofm.width;
      const d = fm.broadcast & 0x4 ? 0 : this.ofm.depth;
      if (this.featLength(fm, w, h, d, false) === U64_MAX) return 'EINVAL';
    }
    return this.ofmExtent();
  }

  /** One command; `addr` and `second` only for two-word commands. */
  step(cmd: number, param: number, addr: bigint, second: number, isLast: boolean): StreamError | 'stop' | null {
    const sx40 = (v: bigint): bigint => BigInt.asIntN(40, v); // ((s64)addr << 24) >> 24
    switch (cmd) {
      case NPU_OP_STOP:
        if (!isLast && !this.faults.stopAnywhere) return 'EINVAL';
        return 'stop';
      case NPU_OP_DMA_START: {
        const s = this.dmaLength(this.src);
        const d = this.dmaLength(this.dst);
        if (s === U64_MAX || d === U64_MAX) return 'EINVAL';
        if (this.dst.region >= 0) this.outputRegion[this.dst.region] = true;
        return null;
      }
      case NPU_OP_CONV:
      case NPU_OP_DEPTHWISE: {
        const useIfm2 = (param & 0x1) !== 0;
        return this.calcSizes(true, useIfm2, !useIfm2, !(this.ofm.precision & 0x100));
      }
      case NPU_OP_POOL:
        return this.calcSizes(param !== 0x4, false, false, !(this.ofm.precision & 0x100));
      case NPU_OP_ELEMENTWISE: {
        const useScale = this.isU65 ? (this.ifm2.broadcast & 0x80) !== 0 : this.ifm2.broadcast === 8;
        const useIfm2 = !(useScale || param === 5 || param === 6 || param === 7 || param === 0x24);
        return this.calcSizesElemwise(this.ifm.broadcast !== 8, useIfm2);
      }
      case NPU_OP_RESIZE:
        return 'EINVAL';
      case op.NPU_SET_KERNEL_WIDTH_M1: this.ifm.width = param; return null;
      case op.NPU_SET_KERNEL_HEIGHT_M1: this.ifm.height[2] = param; return null;
      case op.NPU_SET_KERNEL_STRIDE: this.ifm.strideKernel = param; return null;
      case op.NPU_SET_IFM_PAD_TOP: this.ifm.padTop = param & 0x7f; return null;
      case op.NPU_SET_IFM_PAD_LEFT: this.ifm.padLeft = param & 0x7f; return null;
      case op.NPU_SET_IFM_PAD_RIGHT: this.ifm.padRight = param & 0xff; return null;
      case op.NPU_SET_IFM_PAD_BOTTOM: this.ifm.padBottom = param & 0xff; return null;
      case op.NPU_SET_IFM_DEPTH_M1: this.ifm.depth = param; return null;
      case op.NPU_SET_IFM_PRECISION: this.ifm.precision = param; return null;
      case op.NPU_SET_IFM_BROADCAST: this.ifm.broadcast = param & 0xff; return null;
      case op.NPU_SET_IFM_REGION: this.ifm.region = this.region(param); return null;
      case op.NPU_SET_IFM_WIDTH0_M1: this.ifm.width0 = param; return null;
      case op.NPU_SET_IFM_HEIGHT0_M1: this.ifm.height[0] = param; return null;
      case op.NPU_SET_IFM_HEIGHT1_M1: this.ifm.height[1] = param; return null;
      case op.NPU_SET_OFM_WIDTH_M1: this.ofm.width = param; return null;
      case op.NPU_SET_OFM_HEIGHT_M1: this.ofm.height[2] = param; return null;
      case op.NPU_SET_OFM_DEPTH_M1: this.ofm.depth = param; return null;
      case op.NPU_SET_OFM_PRECISION: this.ofm.precision = param; return null;
      case op.NPU_SET_OFM_REGION: this.ofm.region = this.region(param); return null;
      case op.NPU_SET_OFM_WIDTH0_M1: this.ofm.width0 = param; return null;
      case op.NPU_SET_OFM_HEIGHT0_M1: this.ofm.height[0] = param; return null;
      case op.NPU_SET_OFM_HEIGHT1_M1: this.ofm.height[1] = param; return null;
      case op.NPU_SET_IFM2_BROADCAST: this.ifm2.broadcast = param & 0xff; return null;
      case op.NPU_SET_IFM2_PRECISION: this.ifm2.precision = param; return null;
      case op.NPU_SET_IFM2_REGION: this.ifm2.region = this.region(param); return null;
      case op.NPU_SET_IFM2_WIDTH0_M1: this.ifm2.width0 = param; return null;
      case op.NPU_SET_IFM2_HEIGHT0_M1: this.ifm2.height[0] = param; return null;
      case op.NPU_SET_IFM2_HEIGHT1_M1: this.ifm2.height[1] = param; return null;
      case op.NPU_SET_WEIGHT_REGION: this.weight.region = this.region(param); return null;
      case op.NPU_SET_SCALE_REGION: this.scale.region = this.region(param); return null;
      case op.NPU_SET_WEIGHT_BASE: this.weight.base = addr; return null;
      case op.NPU_SET_WEIGHT_LENGTH: this.weight.length = second; return null;
      case op.NPU_SET_SCALE_BASE: this.scale.base = addr; return null;
      case op.NPU_SET_SCALE_LENGTH: this.scale.length = second; return null;
      case op.NPU_SET_DMA0_SRC_REGION:
        this.src.region = param & 0x100 ? -1 : this.region(param);
        this.dmaMode = (param >> 9) & 0x3;
        return null;
      case op.NPU_SET_DMA0_DST_REGION: this.dst.region = param & 0x100 ? -1 : this.region(param); return null;
      case op.NPU_SET_DMA0_SIZE0: this.dmaSize0 = param; return null;
      case op.NPU_SET_DMA0_SIZE1: this.dmaSize1 = param; return null;
      case op.NPU_SET_DMA0_SRC_STRIDE0: this.src.stride[0] = sx40(addr); return null;
      case op.NPU_SET_DMA0_SRC_STRIDE1: this.src.stride[1] = sx40(addr); return null;
      case op.NPU_SET_DMA0_DST_STRIDE0: this.dst.stride[0] = sx40(addr); return null;
      case op.NPU_SET_DMA0_DST_STRIDE1: this.dst.stride[1] = sx40(addr); return null;
      case op.NPU_SET_DMA0_SRC: this.src.offset = addr; return null;
      case op.NPU_SET_DMA0_DST: this.dst.offset = addr; return null;
      case op.NPU_SET_DMA0_LEN: this.src.len = addr; this.dst.len = addr; return null;
      default:
        if (cmd >= op.NPU_SET_IFM_BASE0 && cmd <= op.NPU_SET_IFM_BASE0 + 3) this.ifm.base[cmd & 0x3] = addr;
        else if (cmd >= op.NPU_SET_OFM_BASE0 && cmd <= op.NPU_SET_OFM_BASE0 + 3) this.ofm.base[cmd & 0x3] = addr;
        else if (cmd >= op.NPU_SET_IFM2_BASE0 && cmd <= op.NPU_SET_IFM2_BASE0 + 3) this.ifm2.base[cmd & 0x3] = addr;
        else if (cmd === op.NPU_SET_IFM_STRIDE_X) this.ifm.strideX = addr;
        else if (cmd === op.NPU_SET_IFM_STRIDE_Y) this.ifm.strideY = addr;
        else if (cmd === op.NPU_SET_IFM_STRIDE_C) this.ifm.strideC = addr;
        else if (cmd === op.NPU_SET_OFM_STRIDE_X) this.ofm.strideX = addr;
        else if (cmd === op.NPU_SET_OFM_STRIDE_Y) this.ofm.strideY = addr;
        else if (cmd === op.NPU_SET_OFM_STRIDE_C) this.ofm.strideC = addr;
        else if (cmd === op.NPU_SET_IFM2_STRIDE_X) this.ifm2.strideX = addr;
        else if (cmd === op.NPU_SET_IFM2_STRIDE_Y) this.ifm2.strideY = addr;
        else if (cmd === op.NPU_SET_IFM2_STRIDE_C) this.ifm2.strideC = addr;
        // Every other opcode (and the second weight/scale banks) sets state the walk does not bound.
        return null;
    }
  }

  result(cmdSize: number): ValidatedStream {
    return { cmdSize, regionSize: [...this.regionSize], outputRegion: [...this.outputRegion] };
  }
}

/**
 * Copies and validates `size` bytes of commands; `readWord(i)` is get_user on
 * the i-th 32-bit word (throws EFAULT), `store(i, w)` the copy into the BO.
 */
export function copyAndValidate(
  size: number,
  readWord: (index: number) => number,
  store: (index: number, word: number) => void,
  isU65: boolean,
  faults: ValidatorFaults = {},
): ValidatedStream | StreamError {
  const words = Math.floor(size / 4);
  const walk = new StreamWalk(isU65, faults);
  let endsWithStop = false;
  let next = 0;
  for (let i = 0; i < words; i++) {
    const w0 = readWord(next++);
    store(i, w0);
    const cmd = w0 & 0xffff;
    const param = w0 >>> 16;
    let second = 0;
    let addr = 0n;
    if (cmd & NPU_CMD_TWO_WORDS) {
      // The second word is read before the bounds check, as the kernel does.
      second = readWord(next++);
      i++;
      if (i >= words) return 'EINVAL';
      store(i, second);
      addr = (BigInt(w0 & 0xff0000) << 16n) | BigInt(second >>> 0);
    }
    const r = walk.step(cmd, param, addr, second, i === words - 1);
    if (r === 'stop') endsWithStop = true;
    else if (r !== null) return r;
  }
  if (!endsWithStop) return 'EINVAL';
  return walk.result(size);
}

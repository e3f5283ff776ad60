/**
 * The reference firmware's command set (docs/uapi-apu.md, "Firmware
 * commands"): decoding, virtual execution time, and the effect on memory
 * through the submitting context's IO page table. Every access is translated
 * and checked page by page before any byte moves, so a faulting FILL or COPY
 * changes nothing.
 */
import {
  APU_CMD_CHECKSUM,
  APU_CMD_COPY,
  APU_CMD_COUNT,
  APU_CMD_CRASH,
  APU_CMD_FILL,
  APU_CMD_HANG,
  APU_CMD_NOP,
  apu_cmd_checksum,
  apu_cmd_checksum_out,
  apu_cmd_copy,
  apu_cmd_fill,
  fnv1a32,
} from '../uapi';
import { ERRNO } from '../../../harness/sys/errno';
import { type IommuDomain, type Segment, gather, scatter } from '../../sim/kernel/iommu';
import { FIRMWARE_TIMING } from './config';

/** Argument and result sizes per command (size_in / size_out must match). */
export const COMMAND_SIZES: readonly { readonly sizeIn: number; readonly sizeOut: number }[] = [
  { sizeIn: 0, sizeOut: 0 }, // NOP
  { sizeIn: apu_cmd_fill.size, sizeOut: 0 },
  { sizeIn: apu_cmd_copy.size, sizeOut: 0 },
  { sizeIn: apu_cmd_checksum.size, sizeOut: apu_cmd_checksum_out.size },
  { sizeIn: 0, sizeOut: 0 }, // HANG
  { sizeIn: 0, sizeOut: 0 }, // CRASH
];

export function isKnownCommand(cmd: number): boolean {
  return Number.isInteger(cmd) && cmd >= 0 && cmd < APU_CMD_COUNT;
}

/** Pad fields of the argument struct that must be zero (EINVAL at queue time otherwise). */
export function argsPadsZero(cmd: number, args: Buffer): boolean {
  if (cmd === APU_CMD_COPY) return apu_cmd_copy.decode(args).pad === 0;
  if (cmd === APU_CMD_CHECKSUM) return apu_cmd_checksum.decode(args).pad === 0;
  return true;
}

/** Firmware behaviour a defect can bend. */
export interface FirmwareQuirks {
  /** A faulting FILL/COPY writes the pages before the faulting one. */
  readonly partialWriteOnFault?: boolean;
  /** CHECKSUM reports a wrong value. */
  readonly wrongChecksum?: boolean;
}

/** What a command does once it has run for its time. */
export type Outcome =
  | { readonly kind: 'done'; readonly result: number; readonly output: Buffer }
  | { readonly kind: 'hang' }
  | { readonly kind: 'crash' };

export interface Execution {
  /** Virtual time the command takes on the device before its effect lands. */
  readonly durationNs: bigint;
  /** Applies the effect at completion (null durationNs never happens: a hang never completes). */
  run(domain: IommuDomain): Outcome;
}

const perBytes = (len: number, bytesPerNs: number): bigint =>
  FIRMWARE_TIMING.setupNs + BigInt(Math.ceil(len / bytesPerNs));

/**
 * The empty argument / result of commands without one. A zero-length buffer
 * holds nothing to share, and Buffer.alloc(0) is costly (a fresh
 * ArrayBuffer) on a path every job takes.
 */
export const NO_BYTES: Buffer = Buffer.alloc(0);

const done = (result: number, output: Buffer = NO_BYTES): Outcome => ({ kind: 'done', result, output });

function writePrefix(segments: readonly Segment[], byte: number): void {
  for (const s of segments) s.memory.fill(byte, s.offset, s.offset + s.length);
}

/** Decodes a queued command (already validated at GEM_QUEUE) into its execution. */
export function plan(cmd: number, args: Buffer, quirks: FirmwareQuirks = {}): Execution {
  switch (cmd) {
    case APU_CMD_NOP:
      return { durationNs: FIRMWARE_TIMING.nopNs, run: () => done(0) };
    case APU_CMD_HANG:
      return { durationNs: FIRMWARE_TIMING.nopNs, run: () => ({ kind: 'hang' }) };
    case APU_CMD_CRASH:
      return { durationNs: FIRMWARE_TIMING.crashNs, run: () => ({ kind: 'crash' }) };
    case APU_CMD_FILL: {
      const a = apu_cmd_fill.decode(args);
      return {
        durationNs: perBytes(a.len, FIRMWARE_TIMING.fillBytesPerNs),
        run(domain) {
          if (a.len === 0) return done(ERRNO.EINVAL);
          const t = domain.translate(a.dst, a.len, true);
          if (!t.ok) {
            if (quirks.partialWriteOnFault) writePrefix(t.segments, a.value & 0xff);
            return done(ERRNO.EFAULT);
          }
          writePrefix(t.segments, a.value & 0xff);
          return done(0);
        },
      };
    }
    case APU_CMD_COPY: {
      const a = apu_cmd_copy.decode(args);
      return {
        durationNs: perBytes(a.len, FIRMWARE_TIMING.copyBytesPerNs),
        run(domain) {
          if (a.len === 0) return done(ERRNO.EINVAL);
          const src = domain.translate(a.src, a.len, false);
          const dst = domain.translate(a.dst, a.len, true);
          if (src.ok && dst.ok) {
            // Gather first: overlapping ranges copy as memmove does.
            scatter(dst.segments, gather(src.segments));
            return done(0);
          }
          if (quirks.partialWriteOnFault) {
            const bytes = gather(src.segments);
            const n = Math.min(bytes.length, dst.segments.reduce((s, g) => s + g.length, 0));
            let o = 0;
            for (const g of dst.segments) {
              if (o >= n) break;
              const k = Math.min(g.length, n - o);
              bytes.copy(g.memory, g.offset, o, o + k);
              o += k;
            }
          }
          return done(ERRNO.EFAULT);
        },
      };
    }
    case APU_CMD_CHECKSUM: {
      const a = apu_cmd_checksum.decode(args);
      return {
        durationNs: perBytes(a.len, FIRMWARE_TIMING.checksumBytesPerNs),
        run(domain) {
          if (a.len === 0) return done(ERRNO.EINVAL);
          const t = domain.translate(a.src, a.len, false);
          if (!t.ok) return done(ERRNO.EFAULT);
          const sum = quirks.wrongChecksum ? (fnv1a32(gather(t.segments)) ^ 0x1) >>> 0 : fnv1a32Segments(t.segments);
          return done(0, apu_cmd_checksum_out.encode({ checksum: sum }));
        },
      };
    }
    default:
      return { durationNs: FIRMWARE_TIMING.nopNs, run: () => done(ERRNO.EINVAL) };
  }
}

/** FNV-1a over segments without gathering them into one buffer. */
function fnv1a32Segments(segments: readonly Segment[]): number {
  let h = 0x811c9dc5;
  for (const s of segments) {
    const m = s.memory;
    for (let i = s.offset, end = s.offset + s.length; i < end; i++) {
      h ^= m[i] as number;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h >>> 0;
}

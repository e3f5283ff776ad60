/**
 * A process address space (struct mm_struct): user memory regions from
 * Sys.alloc, mmap()ed vmas, and the temporary region an ioctl argument
 * buffer occupies while the call runs. copy_from_user/copy_to_user fail with
 * EFAULT on any byte outside a region (arch/x86/lib/usercopy: a fault on an
 * unmapped page is -EFAULT), as on a real machine.
 */
import { SysError } from '../../../harness/sys/errno';

export const PAGE_SIZE = 4096;

export interface Region {
  readonly start: bigint;
  readonly bytes: Buffer;
  readonly writable: boolean;
  readonly kind: 'alloc' | 'mmap' | 'arg';
  /** vm_ops->close and the vma's file reference: run once at unmap. */
  onUnmap: (() => void) | null;
}

const pageAlign = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

/** Up to this many bytes, a kernel-buffer copy is a plain loop (see copyKernelBytes). */
const SMALL_COPY = 128;

/**
 * Copies between a user region and a kernel buffer (never overlapping).
 * ioctl argument structs are a few dozen bytes, and for those a plain loop
 * measured several times cheaper than Buffer#copy or TypedArray#set (about
 * a quarter of a microsecond per ioctl); larger copies use Buffer#copy.
 */
function copyKernelBytes(src: Buffer, srcOff: number, dst: Buffer, dstOff: number, length: number): void {
  if (length > SMALL_COPY) {
    src.copy(dst, dstOff, srcOff, srcOff + length);
    return;
  }
  for (let i = 0; i < length; i++) dst[dstOff + i] = src[srcOff + i] as number;
}

/**
 * A region with its bounds also as numbers, so a user copy checks them
 * without BigInt arithmetic. Exact: addresses start at 0x7f00_0000_0000 and
 * grow by the mapping sizes, far below 2^53; a user address above 2^53
 * converts to a number at least that large, beyond every region.
 */
interface MappedRegion extends Region {
  readonly lo: number;
  /** One past the last byte. */
  readonly hi: number;
}

export class AddressSpace {
  private regions: MappedRegion[] = [];
  /** Grows upwards from a typical x86_64 mmap base; never reuses an address, so stale pointers fault. */
  private next = 0x7f00_0000_0000n;

  map(bytes: Buffer, kind: Region['kind'], writable: boolean, onUnmap: (() => void) | null = null): Region {
    const lo = Number(this.next);
    const region: MappedRegion = { start: this.next, bytes, writable, kind, onUnmap, lo, hi: lo + bytes.length };
    // One guard page between regions: an overrun faults instead of reading a neighbour.
    this.next += BigInt(pageAlign(Math.max(bytes.length, 1)) + PAGE_SIZE);
    this.regions.push(region);
    return region;
  }

  find(start: bigint): Region | undefined {
    return this.regions.find((r) => r.start === start);
  }

  unmap(region: Region): boolean {
    // From the end: the region going is most often the ioctl argument just mapped.
    const i = this.regions.lastIndexOf(region as MappedRegion);
    if (i < 0) return false;
    this.regions.splice(i, 1);
    const cb = region.onUnmap;
    region.onUnmap = null;
    if (cb) cb();
    return true;
  }

  /** exit_mmap: every region goes, vmas drop what they hold. */
  teardown(): void {
    for (const r of [...this.regions]) this.unmap(r);
  }

  countKind(kind: Region['kind']): number {
    return this.regions.filter((r) => r.kind === kind).length;
  }

  /** The region holding [addr, addr + length), or EFAULT; `write` also needs it writable. */
  private locate(addr: bigint, length: number, write: boolean, syscall: string): MappedRegion {
    const a = Number(addr);
    for (const r of this.regions) {
      if (a >= r.lo && a + length <= r.hi) {
        if (write && !r.writable) break;
        return r;
      }
    }
    throw SysError.of('EFAULT', syscall, `user address 0x${addr.toString(16)}+${length}`);
  }

  copyFromUser(addr: bigint, length: number, syscall = 'copy_from_user'): Buffer {
    if (length === 0) return Buffer.alloc(0);
    if (length < 0 || addr < 0n) throw SysError.of('EFAULT', syscall);
    const region = this.locate(addr, length, false, syscall);
    const off = Number(addr) - region.lo;
    return Buffer.from(region.bytes.subarray(off, off + length));
  }

  /**
   * copy_from_user of a __u32 array (handle arrays), as numbers: the same
   * EFAULT rule, without a kernel Buffer per call.
   */
  copyU32sFromUser(addr: bigint, count: number, syscall = 'copy_from_user'): number[] {
    const out: number[] = [];
    if (count === 0) return out;
    const length = count * 4;
    if (length < 0 || addr < 0n) throw SysError.of('EFAULT', syscall);
    const region = this.locate(addr, length, false, syscall);
    const b = region.bytes;
    const off = Number(addr) - region.lo;
    for (let i = 0; i < count; i++) out.push(b.readUInt32LE(off + i * 4));
    return out;
  }

  /**
   * copy_from_user into a kernel buffer the caller owns (drm_ioctl's kdata),
   * without an intermediate copy: the first `length` bytes of `dst`.
   */
  copyFromUserInto(addr: bigint, length: number, dst: Buffer, syscall = 'copy_from_user'): void {
    if (length === 0) return;
    if (length < 0 || addr < 0n) throw SysError.of('EFAULT', syscall);
    const region = this.locate(addr, length, false, syscall);
    copyKernelBytes(region.bytes, Number(addr) - region.lo, dst, 0, length);
  }

  /**
   * pin_user_pages_fast(FOLL_LONGTERM [| FOLL_WRITE]) of [addr, addr + length):
   * a live view of the pages, which stay alive after an unmap as pinned pages
   * do. Only anonymous memory (Sys.alloc regions) pins: a mapping of a device
   * object is VM_PFNMAP/VM_IO, which gup refuses; so are unmapped bytes, and a
   * read-only region for a write pin. Each is EFAULT, as a short pin is.
   */
  pinUserPages(addr: bigint, length: number, write: boolean, syscall = 'pin_user_pages'): Buffer {
    if (length <= 0 || addr < 0n) throw SysError.of('EFAULT', syscall);
    const region = this.locate(addr, length, write, syscall);
    if (region.kind !== 'alloc') throw SysError.of('EFAULT', syscall, `user address 0x${addr.toString(16)} is not anonymous memory`);
    const off = Number(addr) - region.lo;
    return region.bytes.subarray(off, off + length);
  }

  copyToUser(addr: bigint, data: Buffer, syscall = 'copy_to_user'): void {
    if (data.length === 0) return;
    if (addr < 0n) throw SysError.of('EFAULT', syscall);
    const region = this.locate(addr, data.length, true, syscall);
    data.copy(region.bytes, Number(addr) - region.lo);
  }

  /**
   * copy_to_user of the first `length` bytes of a kernel buffer the caller
   * owns (drm_ioctl's kdata; never a view of user memory), without a
   * subarray view per call.
   */
  copyToUserFrom(addr: bigint, kbuf: Buffer, length: number, syscall = 'copy_to_user'): void {
    if (length === 0) return;
    if (addr < 0n) throw SysError.of('EFAULT', syscall);
    const region = this.locate(addr, length, true, syscall);
    copyKernelBytes(kbuf, 0, region.bytes, Number(addr) - region.lo, length);
  }
}

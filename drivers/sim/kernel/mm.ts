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

export class AddressSpace {
  private regions: Region[] = [];
  /** Grows upwards from a typical x86_64 mmap base; never reuses an address, so stale pointers fault. */
  private next = 0x7f00_0000_0000n;

  map(bytes: Buffer, kind: Region['kind'], writable: boolean, onUnmap: (() => void) | null = null): Region {
    const region: Region = { start: this.next, bytes, writable, kind, onUnmap };
    // One guard page between regions: an overrun faults instead of reading a neighbour.
    this.next += BigInt(pageAlign(Math.max(bytes.length, 1)) + PAGE_SIZE);
    this.regions.push(region);
    return region;
  }

  find(start: bigint): Region | undefined {
    return this.regions.find((r) => r.start === start);
  }

  unmap(region: Region): boolean {
    const i = this.regions.indexOf(region);
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

  private locate(addr: bigint, length: number, write: boolean, syscall: string): { region: Region; off: number } {
    for (const r of this.regions) {
      const end = r.start + BigInt(r.bytes.length);
      if (addr >= r.start && addr + BigInt(length) <= end) {
        if (write && !r.writable) break;
        return { region: r, off: Number(addr - r.start) };
      }
    }
    throw SysError.of('EFAULT', syscall, `user address 0x${addr.toString(16)}+${length}`);
  }

  copyFromUser(addr: bigint, length: number, syscall = 'copy_from_user'): Buffer {
    if (length === 0) return Buffer.alloc(0);
    if (length < 0 || addr < 0n) throw SysError.of('EFAULT', syscall);
    const { region, off } = this.locate(addr, length, false, syscall);
    return Buffer.from(region.bytes.subarray(off, off + length));
  }

  copyToUser(addr: bigint, data: Buffer, syscall = 'copy_to_user'): void {
    if (data.length === 0) return;
    if (addr < 0n) throw SysError.of('EFAULT', syscall);
    const { region, off } = this.locate(addr, data.length, true, syscall);
    data.copy(region.bytes, off);
  }
}

import { expect } from 'chai';
import fc from 'fast-check';
import { array, extendStruct, ptr, s16, s32, s64, s8, scalarArg, struct, u16, u32, u64, u8, union } from './layout';
import { drm_syncobj_handle, drm_syncobj_wait, drm_version, drm_prime_handle } from './drm';
import { drm_apu_gem_new, drm_apu_gem_queue, drm_apu_gem_iommu_map } from '../../drivers/apu/uapi';

describe('uapi/layout', () => {
  it('lays out members at natural alignment with tail padding (LP64)', () => {
    const s = struct('t', { a: u8, b: u32, c: u16, d: u64, e: u8 });
    expect(s.offsets).to.deep.equal({ a: 0, b: 4, c: 8, d: 16, e: 24 });
    expect(s.size).to.equal(32);
    expect(s.align).to.equal(8);
    expect(struct('small', { a: u16, b: u8 }).size).to.equal(4);
  });

  it('matches the kernel sizes of the structs the suite relies on', () => {
    expect(drm_version.offsets.name_len).to.equal(16);
    expect(drm_version.size).to.equal(64);
    expect(drm_prime_handle.size).to.equal(12);
    expect(drm_syncobj_handle.size).to.equal(16);
    expect(drm_syncobj_wait.size).to.equal(32);
    // The u64 after three u32s is aligned to 16: the hole the C compiler leaves too.
    expect(drm_apu_gem_new.offsets.offset).to.equal(16);
    expect(drm_apu_gem_new.size).to.equal(24);
    expect(drm_apu_gem_queue.offsets.bo_handles).to.equal(16);
    expect(drm_apu_gem_queue.offsets.data).to.equal(32);
    expect(drm_apu_gem_queue.size).to.equal(40);
    expect(drm_apu_gem_iommu_map.offsets.bo_device_addresses).to.equal(16);
  });

  it('encode fills missing fields with zero and decode reads them back', () => {
    const buf = drm_prime_handle.encode({ handle: 7 });
    expect(buf.length).to.equal(12);
    expect(drm_prime_handle.decode(buf)).to.deep.equal({ handle: 7, flags: 0, fd: 0 });
  });

  it('decode of a short buffer reads the missing tail as zero', () => {
    const full = drm_syncobj_wait.encode({ handles: 0x1122334455667788n, timeout_nsec: -1n, count_handles: 3, pad: 9 });
    const short = full.subarray(0, 20);
    expect(drm_syncobj_wait.decode(short)).to.deep.equal({
      handles: 0x1122334455667788n,
      timeout_nsec: -1n,
      count_handles: 3,
      flags: 0,
      first_signaled: 0,
      pad: 0,
    });
    expect(drm_syncobj_wait.decode(Buffer.alloc(0))).to.deep.equal(drm_syncobj_wait.zero);
  });

  it('signed and unsigned members wrap as C does', () => {
    const s = struct('w', { a: u8, b: s8, c: u16, d: s16, e: u32, f: s32, g: u64, h: s64, p: ptr });
    const v = s.decode(s.encode({ a: 0x1ff, b: -1, c: 0x1ffff, d: -2, e: -1, f: 0xffffffff, g: -1n, h: 1n << 63n, p: -1n }));
    expect(v).to.deep.equal({
      a: 0xff, b: -1, c: 0xffff, d: -2, e: 0xffffffff, f: -1, g: (1n << 64n) - 1n, h: -(1n << 63n), p: (1n << 64n) - 1n,
    });
  });

  it('arrays and nested structs encode in place', () => {
    const inner = struct('inner', { x: u16, y: u32 });
    const outer = struct('outer', { n: u8, items: array(inner, 2), tail: u8 });
    expect(outer.offsets).to.deep.equal({ n: 0, items: 4, tail: 20 });
    expect(outer.size).to.equal(24);
    const v = { n: 1, items: [{ x: 2, y: 3 }, { x: 4, y: 5 }], tail: 6 };
    expect(outer.decode(outer.encode(v))).to.deep.equal(v);
  });

  it('decode(encode(v)) is the identity for drm_version', () => {
    const s64v = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    const s32v = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    fc.assert(
      fc.property(
        fc.record({
          version_major: s32v, version_minor: s32v, version_patchlevel: s32v,
          name_len: s64v, name: s64v, date_len: s64v, date: s64v, desc_len: s64v, desc: s64v,
        }),
        (v) => {
          expect(drm_version.decode(drm_version.encode(v))).to.deep.equal(v);
        },
      ),
    );
  });

  it('member accessors read and write one member in place with its declared type', () => {
    const buf = drm_apu_gem_queue.encode({ size_in: 16, data: 0x1122334455667788n });
    const m = drm_apu_gem_queue.member;
    expect(m.size_in.get(buf)).to.equal(16);
    expect(m.data.get(buf)).to.equal(0x1122334455667788n);
    m.size_out.set(buf, 0x12345);
    expect(drm_apu_gem_queue.decode(buf).size_out).to.equal(0x2345);
    expect(m.bo_handles.offset).to.equal(16);
    expect(m.bo_handles.size).to.equal(8);
  });

  it('unions overlay their members; extended structs keep the base members in place', () => {
    const u = union('u', { a: u32, b: struct('pair', { x: u64, y: u64 }) });
    expect(u.size).to.equal(16);
    expect(u.offsets).to.deep.equal({ a: 0, b: 0 });
    expect(u.decode(u.encode({ a: 7 })).a).to.equal(7);
    const ext = extendStruct(drm_syncobj_wait, { deadline_nsec: u64 });
    expect(ext.name).to.equal('drm_syncobj_wait');
    expect(ext.size).to.equal(40);
    expect(ext.offsets.deadline_nsec).to.equal(32);
    expect(ext.offsets.first_signaled).to.equal(drm_syncobj_wait.offsets.first_signaled);
    const arg = scalarArg('unsigned int', u32);
    expect([arg.keyword, arg.name, arg.size]).to.deep.equal(['scalar', 'unsigned int', 4]);
  });
});


import { expect } from 'chai';
import { ContextMappings, IommuDomain, gather, scatter } from './iommu';

const AP = { start: 0x10000000n, end: 0x10010000n }; // 16 pages

describe('sim/kernel/iommu', () => {
  it('maps page-aligned distinct ranges and refcounts repeated maps', () => {
    const ctx = new ContextMappings<string>(new IommuDomain(AP));
    const a = Buffer.alloc(8192);
    const b = Buffer.alloc(4096);
    const [ia, ib] = ctx.mapAll([{ key: 'a', memory: a, writable: true }, { key: 'b', memory: b, writable: true }]) as bigint[];
    expect(ia! % 4096n).to.equal(0n);
    expect(ib).to.not.equal(ia);
    expect(ib! >= ia! + 8192n || ib! + 4096n <= ia!).to.equal(true);
    const again = ctx.mapAll([{ key: 'a', memory: a, writable: true }]) as bigint[];
    expect(again[0]).to.equal(ia);
    expect(ctx.unmapAll(['a'])).to.equal(null);
    expect(ctx.domain.translate(ia!, 1, false).ok).to.equal(true);
    expect(ctx.unmapAll(['a'])).to.equal(null);
    expect(ctx.domain.translate(ia!, 1, false).ok).to.equal(false);
    expect(ctx.unmapAll(['a'])).to.equal('EINVAL');
  });

  it('is all or nothing: ENOSPC maps nothing, bad unmap unmaps nothing', () => {
    const ctx = new ContextMappings<string>(new IommuDomain(AP));
    const r = ctx.mapAll([{ key: 'a', memory: Buffer.alloc(8 * 4096), writable: true }, { key: 'b', memory: Buffer.alloc(9 * 4096), writable: true }]);
    expect(r).to.equal('ENOSPC');
    expect(ctx.domain.mappedPages).to.equal(0);
    ctx.mapAll([{ key: 'a', memory: Buffer.alloc(4096), writable: true }]);
    expect(ctx.unmapAll(['a', 'x'])).to.equal('EINVAL');
    expect(ctx.domain.mappedPages).to.equal(1);
  });

  it('translates across pages, faults on unmapped and read-only writes before touching memory', () => {
    const d = new IommuDomain(AP);
    const ctx = new ContextMappings<string>(d);
    const m = Buffer.alloc(8192);
    const ro = Buffer.alloc(4096);
    const [ia, ir] = ctx.mapAll([{ key: 'a', memory: m, writable: true }, { key: 'r', memory: ro, writable: false }]) as bigint[];
    const t = d.translate(ia! + 4000n, 200, true);
    expect(t.ok).to.equal(true);
    if (t.ok) scatter(t.segments, Buffer.alloc(200, 7));
    expect(m[4000]).to.equal(7);
    expect(m[4199]).to.equal(7);
    expect(gather(d.translate(ia! + 4000n, 200, false).segments)[199]).to.equal(7);
    expect(d.translate(ir!, 1, true).ok).to.equal(false);
    expect(d.translate(ir!, 1, false).ok).to.equal(true);
    const f = d.translate(ia! + 4096n, 8192, true);
    expect(f.ok).to.equal(false);
    if (!f.ok) expect(f.iova).to.equal(ia! + 8192n);
  });

  it('separate domains do not see each other', () => {
    const a = new ContextMappings<string>(new IommuDomain(AP));
    const b = new ContextMappings<string>(new IommuDomain(AP));
    const [ia] = a.mapAll([{ key: 'x', memory: Buffer.alloc(4096), writable: true }]) as bigint[];
    expect(b.domain.translate(ia!, 1, false).ok).to.equal(false);
  });

  it('defect knobs: not refcounted, keep PTEs', () => {
    const nr = new ContextMappings<string>(new IommuDomain(AP), { notRefcounted: true });
    const mem = Buffer.alloc(4096);
    const [i1] = nr.mapAll([{ key: 'x', memory: mem, writable: true }]) as bigint[];
    const [i2] = nr.mapAll([{ key: 'x', memory: mem, writable: true }]) as bigint[];
    expect(i1).to.not.equal(i2);
    nr.unmapAll(['x']);
    expect(nr.domain.mappedPages).to.equal(0);
    const keep = new ContextMappings<string>(new IommuDomain(AP), { keepPtesOnUnmap: true });
    const [k] = keep.mapAll([{ key: 'x', memory: mem, writable: true }]) as bigint[];
    keep.unmapAll(['x']);
    expect(keep.domain.translate(k!, 1, true).ok).to.equal(true);
  });
});

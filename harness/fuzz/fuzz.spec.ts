import { expect } from 'chai';
import { openSession } from '../session';
import { runCampaign, runBoth } from './campaign';
import { firstDifference } from './compare';
import { Executor, type FuzzDevice } from './execute';
import { generateProgram } from './generate';
import { Prng } from './prng';
import { type Program, isWellFormed, withoutOps } from './program';
import { type OpRecord, Renamer, rle } from './record';

async function simDevice(spec: string): Promise<FuzzDevice> {
  const s = await openSession({ device: spec, env: {} });
  const d = s.devices[0];
  if (!d) throw new Error(`${spec}: no device`);
  return { sys: d.sys, devnode: d.info.devnode };
}

describe('fuzz: the seeded PRNG and the generator', () => {
  it('the PRNG gives the same stream for a seed on every machine (pinned values)', () => {
    const r = new Prng(1);
    expect([r.u32(), r.u32(), r.u32()]).to.deep.equal(PINNED_SEED_1);
    expect(new Prng(2).u32()).to.not.equal(PINNED_SEED_1[0]);
  });

  it('the same seed gives the same program; another seed another one', () => {
    for (let i = 0; i < 50; i++) {
      const seed = Prng.forProgram(7, i);
      expect(generateProgram(seed)).to.deep.equal(generateProgram(seed));
    }
    expect(generateProgram(1)).to.not.deep.equal(generateProgram(2));
  });

  it('programs are well-formed, survive JSON, and cover every kind of op over a campaign', () => {
    const kinds = new Set<string>();
    const cmds = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const p = generateProgram(Prng.forProgram(3, i));
      expect(isWellFormed(p), `program ${i}`).to.equal(true);
      expect(JSON.parse(JSON.stringify(p))).to.deep.equal(p);
      for (const op of p.ops) {
        kinds.add(op.op);
        if (op.op === 'queue') cmds.add(op.cmd.kind);
      }
    }
    const all = ['open', 'dup', 'send', 'close', 'peer-exit', 'gem-new', 'gem-close', 'export', 'import', 'mmap', 'munmap', 'write', 'read', 'map', 'unmap', 'queue', 'wait', 'dequeue', 'state'];
    expect([...kinds].sort()).to.deep.equal(all.sort());
    expect([...cmds].sort()).to.deep.equal(['checksum', 'copy', 'crash', 'fill', 'hang', 'nop', 'unknown']);
  });

  it('dropping an op drops everything that refers to it, transitively', () => {
    const p: Program = {
      seed: 0,
      ops: [
        { id: 0, op: 'open', proc: 'main' },
        { id: 1, op: 'gem-new', fd: 0, size: 4096, flags: 0 },
        { id: 2, op: 'map', fd: 0, handles: [{ of: 1 }] },
        { id: 3, op: 'queue', fd: 0, cmd: { kind: 'fill', dst: { of: 2, index: 0, offset: 0 }, len: 4, value: 1 }, handles: [] },
        { id: 4, op: 'wait', job: 3 },
        { id: 5, op: 'open', proc: 'peer' },
      ],
    };
    expect(withoutOps(p, new Set([1])).ops.map((o) => o.id)).to.deep.equal([0, 5]);
    expect(withoutOps(p, new Set([3])).ops.map((o) => o.id)).to.deep.equal([0, 1, 2, 5]);
    expect(isWellFormed(withoutOps(p, new Set([2])))).to.equal(true);
  });
});

describe('fuzz: normalisation and comparison', () => {
  const rec = (id: number, out: Record<string, string | number>, result = 'ok'): OpRecord => ({ id, op: 'x', result, out });

  it('free values compare up to a consistent renaming', () => {
    const a = new Renamer();
    const b = new Renamer();
    const sideA = [rec(0, { fd: a.name('fd', 3) }), rec(1, { fd: a.name('fd', 5) }), rec(2, { fd: a.name('fd', 3) })];
    const sideB = [rec(0, { fd: b.name('fd', 17) }), rec(1, { fd: b.name('fd', 4) }), rec(2, { fd: b.name('fd', 17) })];
    expect(firstDifference(sideA, sideB)).to.equal(null);
  });

  it('a renaming that is not one-to-one is a difference', () => {
    const a = new Renamer();
    const b = new Renamer();
    const sideA = [rec(0, { addr0: a.name('addr', 0x10000000n) }), rec(1, { addr0: a.name('addr', 0x10001000n) })];
    // B hands out the same address twice.
    const sideB = [rec(0, { addr0: b.name('addr', 0x60000000n) }), rec(1, { addr0: b.name('addr', 0x60000000n) })];
    expect(firstDifference(sideA, sideB)?.index).to.equal(1);
  });

  it('GEM handles are compared exactly (idr numbering is defined), and so are errnos', () => {
    expect(firstDifference([rec(0, { handle: 1 })], [rec(0, { handle: 2 })])?.index).to.equal(0);
    expect(firstDifference([rec(0, {}, 'EINVAL')], [rec(0, {}, 'ENOENT')])?.index).to.equal(0);
    expect(firstDifference([rec(0, {})], [])?.index).to.equal(0);
  });

  it('unwritten addresses stay literal 0; memory is run-length encoded', () => {
    const r = new Renamer();
    expect(r.name('addr', 0n)).to.equal('0');
    expect(r.name('addr', 0x10000000n)).to.equal('addr#0');
    expect(rle(Buffer.from([0, 0, 0, 0x7f]))).to.equal('00*3 7f*1');
  });
});

describe('fuzz: executor and shrinker on the simulated APU', function () {
  this.timeout(60_000);

  it('the healthy model agrees with itself over a campaign (nothing timing-dependent is compared)', async () => {
    const r = await runCampaign(await simDevice('sim:apu'), await simDevice('sim:apu'), { seed: 11, programs: 150 });
    expect(r.differing).to.equal(0);
    expect(r.ops).to.be.greaterThan(1000);
  });

  it('records outputs, memory and exact handles', async () => {
    const ex = new Executor(await simDevice('sim:apu'));
    const p: Program = {
      seed: 0,
      ops: [
        { id: 0, op: 'open', proc: 'main' },
        { id: 1, op: 'gem-new', fd: 0, size: 4096, flags: 0 },
        { id: 2, op: 'gem-new', fd: 0, size: 4096, flags: 0 },
        { id: 3, op: 'map', fd: 0, handles: [{ of: 1 }, { of: 2 }] },
        { id: 4, op: 'queue', fd: 0, cmd: { kind: 'fill', dst: { of: 3, index: 1, offset: 16 }, len: 4, value: 0xab }, handles: [] },
        { id: 5, op: 'mmap', fd: 0, newOp: 2, pages: 1 },
        { id: 6, op: 'read', map: 5, offset: 14, len: 8 },
        { id: 7, op: 'gem-close', fd: 0, handle: { of: 1 } },
        { id: 8, op: 'gem-new', fd: 0, size: 1, flags: 0 },
        { id: 9, op: 'send', fd: 0 },
        { id: 10, op: 'gem-close', fd: 9, handle: { of: 8 } },
        { id: 11, op: 'gem-close', fd: 0, handle: { of: 8 } },
      ],
    };
    const r = await ex.run(p);
    await ex.dispose();
    expect(r.map((x) => x.result)).to.deep.equal(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'EINVAL']);
    expect(r[3]?.out).to.deep.equal({ addr0: 'addr#0', addr1: 'addr#1' });
    expect(r[6]?.data).to.equal('00*2 ab*4 00*2');
    // drm_gem_handle_create_tail: idr_alloc(1, 0) gives the lowest free handle, so 1 again after closing 1.
    expect(r[8]?.out?.['handle']).to.equal(1);
  });

  it('a planted difference (sim:apu with checksum-wrong) shrinks to a 1-minimal program', async () => {
    const dev = await simDevice('sim:apu?defect=checksum-wrong');
    const sim = await simDevice('sim:apu');
    const r = await runCampaign(dev, sim, { seed: 1, programs: 400, shrinkFirst: 1 });
    expect(r.differing).to.be.greaterThan(0);
    const f = r.findings[0];
    if (!f) throw new Error('no finding');
    expect(f.shrunk).to.equal(true);
    expect(f.program.ops.length).to.be.lessThan(f.opsBefore);
    expect(f.program.ops.map((o) => o.op)).to.include.members(['open', 'gem-new', 'map', 'queue', 'dequeue']);
    const a = new Executor(dev);
    const b = new Executor(sim);
    // 1-minimal: no single op can go without the difference going too.
    for (const op of f.program.ops) {
      const smaller = withoutOps(f.program, new Set([op.id]));
      expect((await runBoth(a, b, smaller)).difference, `without @${op.id}`).to.equal(null);
    }
  });
});

const PINNED_SEED_1 = [1130556604, 2591592147, 3014952990];

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { adapterProblems, DriverPluginError, loadDriverPlugin } from './driver-plugin';
import { createApuAdapter } from './apu/adapter';
import { createVgemAdapter } from './vgem/adapter';
import type { Sys } from '../harness/sys/types';

const EXAMPLE = resolve(__dirname, '../docs/examples/apu-driver-plugin.js');

describe('driver plugins', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'accel-driver-plugin-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const plugin = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const loadError = (p: string): string => {
    try {
      loadDriverPlugin(p);
    } catch (e) {
      expect(e).to.be.instanceOf(DriverPluginError);
      return (e as Error).message;
    }
    throw new Error(`${p} loaded`);
  };

  it('loads the APU example from outside the source tree: profiles for apu and mt8183-apu, one adapter', () => {
    const m = loadDriverPlugin(plugin('apu.js', `module.exports = require(${JSON.stringify(EXAMPLE)});`));
    expect(Object.keys(m.profiles ?? {})).to.deep.equal(['apu', 'mt8183-apu']);
    expect(Object.keys(m.adapters ?? {})).to.deep.equal(['apu-example']);
  });

  it('takes a DriverModule object, or one under default (compiled TypeScript)', () => {
    const obj = 'module.exports = { name: "n", adapters: { n: () => ({ name: "n", state: { query: () => ({ online: true, crashed: false, timedOut: false }) } }) } };';
    expect(loadDriverPlugin(plugin('obj.js', obj)).name).to.equal('n');
    expect(loadDriverPlugin(plugin('def.js', `exports.default = { name: "d" };`)).name).to.equal('d');
  });

  it('refuses a plugin that is missing, throws, or has the wrong shape, in one line naming it', () => {
    expect(loadError(join(dir, 'missing.js'))).to.equal(`driver plugin ${join(dir, 'missing.js')}: not found`);
    expect(loadError(plugin('throws.js', 'throw new Error("boom\\nmore");'))).to.match(/throws\.js: loading it threw: boom$/);
    expect(loadError(plugin('fn-throws.js', 'module.exports = () => { throw new Error("no"); };'))).to.match(/its function threw: no$/);
    expect(loadError(plugin('num.js', 'module.exports = 42;'))).to.match(/does not export a driver module/);
    expect(loadError(plugin('noname.js', 'module.exports = { profiles: {} };'))).to.match(/has no name/);
    expect(loadError(plugin('extra.js', 'module.exports = { name: "x", families: [] };'))).to.match(/'families' is not read from one/);
    expect(loadError(plugin('prof.js', 'module.exports = { name: "x", profiles: { a: 1 } };'))).to.match(/profiles\['a'\] is not a function/);
    expect(loadError(plugin('exp.js', 'module.exports = { name: "x", expectations: { a: { fails: "rel.txt" } } };'))).to.match(/must be an absolute path/);
  });

  it('refuses an adapter claiming a capability without its methods, and a factory doing I/O', () => {
    const jobs = 'module.exports = { name: "x", adapters: { a: () => ({ name: "a", jobs: { kinds: new Set(["nop"]), submit() {} } }) } };';
    expect(loadError(plugin('jobs.js', jobs))).to.match(/adapter 'a': capability 'jobs' claimed but method 'wait' missing$/);
    const io = 'module.exports = { name: "x", adapters: { a: (sys) => { sys.open("/dev/accel/accel0", 2); return { name: "a" }; } } };';
    expect(loadError(plugin('io.js', io))).to.match(/used sys\.open while building the adapter/);
    const renamed = 'module.exports = { name: "x", adapters: { a: () => ({ name: "b" }) } };';
    expect(loadError(plugin('renamed.js', renamed))).to.match(/adapter 'a' builds an adapter named 'b'/);
  });

  it('adapterProblems: the bundled adapters are valid; stubs, unknown groups and kinds are not', () => {
    const inert = {} as Sys;
    expect(adapterProblems(createApuAdapter(inert))).to.deep.equal([]);
    expect(adapterProblems(createVgemAdapter(inert))).to.deep.equal([]);
    expect(adapterProblems({ name: 'a', iommu: {} })).to.deep.equal(["unknown capability 'iommu' (known: buffers, dmabuf, deviceMap, jobs, state)"]);
    expect(adapterProblems({ name: 'a', jobs: { kinds: new Set(['warp']), submit() {}, wait() {} } })).to.deep.equal([
      "capability 'jobs': unknown job kind 'warp'",
      "capability 'jobs' without a 'nop' kind (a driver that cannot run a trivial job has no jobs)",
    ]);
    expect(adapterProblems({ name: 'a', buffers: { handles: 'gem', create() {}, close() {}, mmap: 1 } })).to.deep.equal([
      "capability 'buffers': 'mmap' is not a function",
    ]);
  });
});

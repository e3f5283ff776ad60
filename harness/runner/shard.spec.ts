import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { assignShards, hashBucket, parseShardSpec, readDurations, selectShard } from './shard';

const names = (n: number, prefix = 'accel@fam'): string[] => Array.from({ length: n }, (_, i) => `${prefix}@t${String(i).padStart(3, '0')}`);
const tests = (list: readonly string[]): { name: string }[] => list.map((name) => ({ name }));

describe('shards (run --shard K/N)', () => {
  it('parses K/N, 1-based, and refuses 0/3, 4/3, a/b, 1/0 and the empty string as usage errors', () => {
    expect(parseShardSpec('2/4')).to.deep.equal({ index: 2, count: 4 });
    expect(parseShardSpec(' 1 / 1 ')).to.deep.equal({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', 'a/b', '1/0', '', '1/2/3', '-1/3', '1.5/3']) {
      expect(() => parseShardSpec(bad), bad).to.throw(ConfigError, /^--shard .*expected K\/N/);
    }
  });

  it('splits the selection into N disjoint shards that together are all of it, in the selection order', () => {
    const all = names(200);
    for (const n of [1, 2, 3, 7]) {
      const parts = Array.from({ length: n }, (_, k) => selectShard(tests(all), { index: k + 1, count: n }).map((t) => t.name));
      expect(parts.flat().sort()).to.deep.equal([...all].sort());
      for (const p of parts) expect(p).to.deep.equal(all.filter((x) => p.includes(x)));
    }
  });

  it('is the same split whatever the order the tests come in (every machine agrees)', () => {
    const all = names(100);
    const shuffled = [...all].reverse();
    const durations = new Map(all.map((n, i) => [n, (i % 7) + 0.5]));
    expect([...assignShards(all, 4)].sort()).to.deep.equal([...assignShards(shuffled, 4)].sort());
    expect([...assignShards(all, 4, durations)].sort()).to.deep.equal([...assignShards(shuffled, 4, durations)].sort());
  });

  it('does not move a test to another shard when tests are added (hash of the full name)', () => {
    const before = assignShards(names(100), 4);
    const after = assignShards([...names(100), ...names(30, 'accel@newfam')], 4);
    for (const [n, s] of before) expect(after.get(n), n).to.equal(s);
    expect(hashBucket('accel@gem@basic-create', 4)).to.equal(hashBucket('accel@gem@basic-create', 4));
  });

  it('with recorded durations, deals longest first to the least loaded shard; new tests still go by hash', () => {
    // One 60 s test and many short ones: a hash split leaves shards far apart, the greedy deal does not.
    const all = names(41);
    const durations = new Map(all.map((n, i) => [n, i === 0 ? 60 : 1 + (i % 5)]));
    const total = [...durations.values()].reduce((a, b) => a + b, 0);
    const load = (split: Map<string, number>): number[] => {
      const l = [0, 0, 0];
      for (const [n, s] of split) l[s] += durations.get(n) ?? 0;
      return l;
    };
    const greedy = load(assignShards(all, 3, durations));
    expect(greedy.reduce((a, b) => a + b, 0)).to.equal(total);
    // LPT bound: no shard exceeds the ideal share by more than the longest test.
    expect(Math.max(...greedy)).to.be.at.most(Math.max(total / 3, 60) + 5);
    expect(Math.max(...greedy) - Math.min(...greedy)).to.be.at.most(60);
    const withNew = assignShards([...all, 'accel@newfam@x', 'accel@newfam@y'], 3, durations);
    for (const [n, s] of assignShards(all, 3, durations)) expect(withNew.get(n), n).to.equal(s);
    expect(withNew.get('accel@newfam@x')).to.equal(hashBucket('accel@newfam@x', 3));
  });

  it('reads recorded durations from a results directory: per-device files, longest across devices, device prefix dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'accel-shard-'));
    try {
      writeFileSync(join(dir, 'index.json'), JSON.stringify({ devices: [{ file: 'results-a.json' }, { file: 'results-b.json' }] }));
      writeFileSync(join(dir, 'results-a.json'), JSON.stringify({ runtimes: { 'accel@gem@x': 2, 'accel@gem@y': 0.5 } }));
      writeFileSync(join(dir, 'results-b.json'), JSON.stringify({ runtimes: { 'accel@gem@x': 3, 'accel@gem@z': 'bogus' } }));
      expect([...readDurations(dir)]).to.deep.equal([['accel@gem@x', 3], ['accel@gem@y', 0.5]]);
      const igt = join(dir, 'igt.json');
      writeFileSync(igt, JSON.stringify({ runtimes: { 'sim_apu@accel@gem@x': 4 } }));
      expect([...readDurations(igt)]).to.deep.equal([['accel@gem@x', 4]]);
      writeFileSync(igt, JSON.stringify({ tests: {} }));
      expect(() => readDurations(igt)).to.throw(ConfigError, /no 'runtimes'/);
      expect(() => readDurations(join(dir, 'missing'))).to.throw(ConfigError, /does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

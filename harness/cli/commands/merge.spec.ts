import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupFixtures, FIXTURE_SUITE, freshFixtureState } from '../../runner/fixtures/request';
import { LOCK_FILE } from '../../runner/lock';
import { EXIT } from '../exit-codes';
import { cliAsCi } from '../spec-helpers/run-cli';

const cli = cliAsCi;
const SELECTION = ['-t', 'fx-basic@pass,fx-basic@fail,fx-basic@skip,fx-basic@chatty,fx-after@*,fx-kmsg@quiet'];

/** Every file of a directory and a hash of its bytes: "nothing already written is lost". */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));
}

interface Piglit {
  tests: Record<string, { result: string }>;
}

describe('accel-conformance run --shard and merge', function () {
  this.timeout(120_000);
  let tmp: string;
  const run = (dir: string, ...rest: string[]): string[] => [
    'run', '--suite', FIXTURE_SUITE, '--device', 'fx:a;fx:b', '--results-dir', join(tmp, dir), '--per-test-timeout', '5', ...SELECTION, ...rest,
  ];

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'accel-merge-'));
    freshFixtureState();
    // Two machines' shards, and the same selection unsharded for reference (fx-basic@fail fails: exit 1).
    for (const [dir, shard] of [['s1', '1/2'], ['s2', '2/2'], ['whole', '']] as const) {
      const r = await cli(run(dir, ...(shard ? ['--shard', shard] : [])));
      expect(r.code, r.err).to.be.oneOf([EXIT.OK, EXIT.FAILURES]);
    }
  });
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
    cleanupFixtures();
  });

  it('basic-shards: the two shards split the selection, each test in exactly one', () => {
    const plan = (d: string): string[] => (JSON.parse(readFileSync(join(tmp, d, 'run.json'), 'utf8')) as { plan: Record<string, string[]> }).plan['fx:a'];
    const [a, b, whole] = [plan('s1'), plan('s2'), plan('whole')];
    expect(a.length).to.be.greaterThan(0);
    expect(b.length).to.be.greaterThan(0);
    expect([...a, ...b].sort()).to.deep.equal([...whole].sort());
    expect(a.filter((n) => b.includes(n))).to.deep.equal([]);
  });

  it('basic-merge: one directory with every report, the same results as the unsharded run, compare finds no change', async () => {
    const before = [snapshot(join(tmp, 's1')), snapshot(join(tmp, 's2'))];
    const r = await cli(['merge', join(tmp, 's1'), join(tmp, 's2'), '--into', join(tmp, 'merged')]);
    // fx-basic@fail is an unexpected failure, in the merged run as in the unsharded one.
    expect(r.code, r.err).to.equal(EXIT.FAILURES);
    expect(r.out).to.contain('merged from');
    const files = readdirSync(join(tmp, 'merged')).sort();
    for (const f of ['run.json', 'journal.jsonl', 'results.json', 'results-fx_a.json', 'results-fx_b.json', 'index.json', 'junit.xml', 'report.html', 'results.tap']) {
      expect(files, f).to.include(f);
    }
    expect(files).to.not.include(LOCK_FILE);
    const merged = JSON.parse(readFileSync(join(tmp, 'merged', 'results.json'), 'utf8')) as Piglit;
    const whole = JSON.parse(readFileSync(join(tmp, 'whole', 'results.json'), 'utf8')) as Piglit;
    const statuses = (p: Piglit): string[] => Object.entries(p.tests).map(([n, t]) => `${n} ${t.result}`).sort();
    expect(statuses(merged)).to.deep.equal(statuses(whole));
    const junit = readFileSync(join(tmp, 'merged', 'junit.xml'), 'utf8');
    expect((junit.match(/<testcase /g) ?? []).length).to.equal(Object.keys(whole.tests).length);
    const cmp = await cli(['compare', join(tmp, 'whole'), join(tmp, 'merged')]);
    expect(cmp.code, cmp.out).to.equal(EXIT.OK);
    expect(cmp.out).to.not.match(/(fixes|regressions|new|removed): [1-9]/);
    // The inputs were only read.
    expect([snapshot(join(tmp, 's1')), snapshot(join(tmp, 's2'))]).to.deep.equal(before);
  });

  it('basic-merge-expectations: merge --expectations judges the merged run by one fails file (exit 0)', async () => {
    const fails = join(tmp, 'fails.txt');
    writeFileSync(fails, 'fx-basic@fail,Fail\n');
    const r = await cli(['merge', join(tmp, 's1'), join(tmp, 's2'), '--into', join(tmp, 'judged'), '--expectations', fails, '--ktap', '--quiet']);
    expect(r.code, r.out + r.err).to.equal(EXIT.OK);
    expect(readFileSync(join(tmp, 'judged', 'results.ktap'), 'utf8')).to.match(/^KTAP version 1\n/);
    expect(readFileSync(join(tmp, 'judged', 'junit.xml'), 'utf8')).to.contain('[expected fail');
  });

  it('a missing shard is said in the merged run', async () => {
    const r = await cli(['merge', join(tmp, 's1'), '--into', join(tmp, 'half')]);
    expect(r.out).to.contain('shard(s) 2/2 missing from the merge');
  });

  it('bad-merge-overlap: the same shard twice is refused with one line, exit 2, nothing written', async () => {
    const r = await cli(['merge', join(tmp, 's1'), join(tmp, 's1'), '--into', join(tmp, 'twice')]);
    expect(r.code).to.equal(EXIT.USAGE);
    expect(r.err).to.match(/^accel-conformance: error: cannot merge: accel@\S+ on fx:a is in both .* \(overlapping shards, or one run given twice\)\n$/);
    expect(existsSync(join(tmp, 'twice'))).to.equal(false);
    const whole = await cli(['merge', join(tmp, 'whole'), join(tmp, 's2'), '--into', join(tmp, 'twice')]);
    expect(whole.code).to.equal(EXIT.USAGE);
  });

  it('bad-merge-suites: runs of different suites are refused', async () => {
    const other = join(tmp, 'other');
    cpSync(join(tmp, 's2'), other, { recursive: true });
    const runJson = JSON.parse(readFileSync(join(other, 'run.json'), 'utf8')) as { suite: { digest: string } };
    runJson.suite.digest = '0123456789abcdef';
    writeFileSync(join(other, 'run.json'), JSON.stringify(runJson));
    const r = await cli(['merge', join(tmp, 's1'), other, '--into', join(tmp, 'mixed')]);
    expect(r.code).to.equal(EXIT.USAGE);
    expect(r.err).to.match(/^accel-conformance: error: cannot merge .* they ran different suites \(suite, \d+ tests, [0-9a-f]+ vs suite, \d+ tests, 0123456789abcdef\)\n$/);
  });

  it('bad-merge-locked: a directory a live run still holds is refused (exit 2) and left as it was', async () => {
    const live = join(tmp, 'live');
    cpSync(join(tmp, 's2'), live, { recursive: true });
    writeFileSync(join(live, LOCK_FILE), `${process.pid}\n`);
    const before = snapshot(live);
    const r = await cli(['merge', join(tmp, 's1'), live, '--into', join(tmp, 'locked')]);
    expect(r.code).to.equal(EXIT.USAGE);
    expect(r.err).to.match(new RegExp(`^accel-conformance: error: .*live is still being written by a live run \\(pid ${process.pid}\\)`));
    expect(r.err.trim().split('\n')).to.have.length(1);
    expect(snapshot(live)).to.deep.equal(before);
    expect(existsSync(join(tmp, 'locked'))).to.equal(false);
  });

  it('basic-merge-generations: the same label for a different device on another host stays apart as <host>/<label>', async () => {
    const gen2 = join(tmp, 'gen2');
    cpSync(join(tmp, 'whole'), gen2, { recursive: true });
    const runJson = JSON.parse(readFileSync(join(gen2, 'run.json'), 'utf8')) as { host: string; devices: { driver: string }[] };
    runJson.host = 'host-b';
    for (const d of runJson.devices) d.driver = 'next-gen';
    writeFileSync(join(gen2, 'run.json'), JSON.stringify(runJson));
    const r = await cli(['merge', join(tmp, 's1'), join(tmp, 's2'), gen2, '--into', join(tmp, 'fleet'), '--quiet']);
    expect(r.code, r.err).to.equal(EXIT.FAILURES);
    const index = JSON.parse(readFileSync(join(tmp, 'fleet', 'index.json'), 'utf8')) as { devices: { label: string; totals: Record<string, number> }[] };
    expect(index.devices.map((d) => d.label)).to.deep.equal(['fx:a', 'fx:b', 'host-b/fx:a', 'host-b/fx:b']);
    const count = (d: { totals: Record<string, number> }): number => Object.values(d.totals).reduce((a, b) => a + b, 0);
    expect(index.devices.map(count)).to.deep.equal([7, 7, 7, 7]);
  });

  it('bad-merge-into: an existing run as --into, and resume of a merged directory, are refused', async () => {
    const into = await cli(['merge', join(tmp, 's1'), '--into', join(tmp, 'whole')]);
    expect(into.code).to.equal(EXIT.USAGE);
    expect(into.err).to.contain('already holds a run');
    const resume = await cli(['resume', join(tmp, 'merged')]);
    expect(resume.code).to.equal(EXIT.USAGE);
    expect(resume.err).to.contain('was made by merge');
  });

  it('bad-shard: 0/3, 4/3 and a/b are exit 2 with one line, before a results directory is made', async () => {
    for (const spec of ['0/3', '4/3', 'a/b']) {
      const r = await cli(run(`bad-${spec.replace('/', '-')}`, '--shard', spec));
      expect(r.code, spec).to.equal(EXIT.USAGE);
      expect(r.err, spec).to.match(new RegExp(`^accel-conformance: error: --shard ${spec}: .*expected K/N`));
      expect(existsSync(join(tmp, `bad-${spec.replace('/', '-')}`)), spec).to.equal(false);
    }
    const noShard = await cli(run('bad-durations', '--shard-durations', join(tmp, 'whole')));
    expect(noShard.code).to.equal(EXIT.USAGE);
  });

  it('basic-shard-durations: a previous (merged) run balances the split; every machine computes the same one', async () => {
    const a = await cli(['run', '--suite', FIXTURE_SUITE, ...SELECTION, '--list-subtests', '--shard', '1/2', '--shard-durations', join(tmp, 'merged')]);
    const b = await cli(['run', '--suite', FIXTURE_SUITE, ...SELECTION, '--list-subtests', '--shard', '2/2', '--shard-durations', join(tmp, 'merged')]);
    const again = await cli(['run', '--suite', FIXTURE_SUITE, ...SELECTION, '--list-subtests', '--shard', '1/2', '--shard-durations', join(tmp, 'merged')]);
    expect(a.code).to.equal(EXIT.OK);
    expect(again.out).to.equal(a.out);
    const names = (s: string): string[] => s.trim().split('\n');
    expect(names(a.out).length + names(b.out).length).to.equal(7);
    expect(names(a.out).filter((n) => names(b.out).includes(n))).to.deep.equal([]);
  });
});

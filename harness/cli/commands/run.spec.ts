import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cleanupFixtures, FIXTURE_SUITE, freshFixtureState } from '../../runner/fixtures/request';
import { readJournal } from '../../runner/journal';
import { EXIT } from '../exit-codes';
import { cliAsCi } from '../spec-helpers/run-cli';

const cli = cliAsCi;

describe('accel-conformance run/resume/compare: exit codes and recovery', function () {
  this.timeout(60_000);
  let tmp: string;
  const fx = (dir: string, ...rest: string[]): string[] => [
    'run',
    '--suite',
    FIXTURE_SUITE,
    '--results-dir',
    join(tmp, dir),
    '--kill-grace',
    '0.3',
    ...(rest.includes('--per-test-timeout') ? [] : ['--per-test-timeout', '1']),
    ...rest,
  ];

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'accel-cli-'));
    freshFixtureState();
  });
  afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
    cleanupFixtures();
  });

  it('0 when nothing fails unexpectedly, with one line per test in CI and the reports listed', async () => {
    const r = await cli(fx('ok', '-t', 'fx-basic@pass,fx-basic@skip'));
    expect(r.code, r.err).to.equal(EXIT.OK);
    expect(r.out).to.match(/\[fx:a 1\/2\] accel@fx-basic@pass pass/);
    expect(r.out).to.match(/reports: .*ok\n\s+results\.json index\.json junit\.xml report\.html/);
    for (const f of ['run.json', 'journal.jsonl', 'results.json', 'junit.xml', 'report.html', 'index.json']) expect(existsSync(join(tmp, 'ok', f)), f).to.equal(true);
  });

  it('1 on an unexpected failure, 0 once the expectations list it, 1 again when a listed failure passes', async () => {
    expect((await cli(fx('a', '-t', 'fx-basic@fail'))).code).to.equal(EXIT.FAILURES);
    const fails = join(tmp, 'fails.txt');
    writeFileSync(fails, '# known\nfx-basic@fail,Fail\n');
    expect((await cli(fx('b', '-t', 'fx-basic@fail', '--expectations', fails))).code).to.equal(EXIT.OK);
    writeFileSync(fails, 'accel@fx-basic@pass,Fail\n');
    const r = await cli(fx('c', '-t', 'fx-basic@pass', '--expectations', fails, '--quiet'));
    expect(r.code).to.equal(EXIT.FAILURES);
    expect(r.out).to.contain('unexpected pass: listed as Fail, remove it');
    expect(r.out).to.not.contain('[fx:a 1/1]');
  });

  it('flakes make any result expected; skips are never run', async () => {
    const flakes = join(tmp, 'flakes.txt');
    const skips = join(tmp, 'skips.txt');
    writeFileSync(flakes, 'fx-basic@fa.*\n');
    writeFileSync(skips, 'fx-basic@skip\n');
    const r = await cli(fx('f', '-t', 'fx-basic@*', '--flakes', flakes, '--skips', skips));
    expect(r.code).to.equal(EXIT.OK);
    const results = JSON.parse(readFileSync(join(tmp, 'f', 'results.json'), 'utf8')) as { tests: Record<string, unknown> };
    expect(Object.keys(results.tests)).to.not.include('accel@fx-basic@skip');
  });

  it('2 for usage and configuration errors, before anything runs', async () => {
    const list = join(tmp, 'list.txt');
    writeFileSync(list, 'accel@fx-basic@pass\nnot a name\n');
    const cases: [string[], RegExp][] = [
      [fx('e1', '-t', 'fx-basic@[pass'), /--run-subtest: glob 'fx-basic@\[pass' has an unterminated '\['/],
      [fx('e2', '--test-list', list), /list\.txt:2: 'not a name' is not a test name/],
      [fx('e3', '--test-list', join(tmp, 'missing.txt')), /cannot read test list .*missing\.txt/],
      [fx('e4', '--jobs', 'many'), /--jobs needs a positive whole number, got 'many'/],
      [fx('e5', '--expectations', list), /list\.txt:1: expected 'test-name,Status'/],
      [['run', '--suite', FIXTURE_SUITE, '--results-dir', '/proc/accel-not-writable'], /results directory \/proc\/accel-not-writable cannot be written/],
      [fx('e6/below-a-file'), /results directory .*e6\/below-a-file cannot be written: ENOTDIR/],
      [fx('e7', '--junit', join(tmp, 'no', 'such', 'dir', 'j.xml')), /--junit .*does not exist or is not writable/],
      [fx('e9', '--bogus-option'), /Unknown argument.*bogus-option/],
    ];
    writeFileSync(join(tmp, 'e6'), 'a file, not a directory\n');
    for (const [args, msg] of cases) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).to.equal(EXIT.USAGE);
      expect(r.err.trim().split('\n')[0]).to.match(msg);
    }
    // None of them started a run.
    expect(readdirSync(tmp).filter((d) => d.startsWith('e') && existsSync(join(tmp, d, 'journal.jsonl')))).to.deep.equal([]);
  });

  it('2 when the results directory already holds a run, and it is left untouched', async () => {
    expect((await cli(fx('twice', '-t', 'fx-basic@pass'))).code).to.equal(EXIT.OK);
    const before = readFileSync(join(tmp, 'twice', 'journal.jsonl'), 'utf8');
    const r = await cli(fx('twice', '-t', 'fx-basic@pass'));
    expect(r.code).to.equal(EXIT.USAGE);
    expect(r.err).to.match(/already holds a run: use 'accel-conformance resume/);
    expect(readFileSync(join(tmp, 'twice', 'journal.jsonl'), 'utf8')).to.equal(before);
  });

  it('3 when the run is aborted (overall timeout), 4 when no test matches', async () => {
    const r = await cli(fx('ab', '-t', 'fx-basic@pass,fx-hang@never-settles,fx-after@pass', '--per-test-timeout', '30', '--overall-timeout', '1.5'));
    expect(r.code).to.equal(EXIT.ABORTED);
    expect(r.out).to.contain('run aborted: overall timeout of 1.5 s reached');
    const none = await cli(fx('none', '-t', 'no-such-*'));
    expect(none.code).to.equal(EXIT.NO_TESTS);
    expect(none.err).to.match(/no test matched -t no-such-\*/);
    expect(existsSync(join(tmp, 'none'))).to.equal(false);
  });

  it('--list-subtests and --describe need no device', async () => {
    const l = await cli(['run', '--suite', FIXTURE_SUITE, '--list-subtests', '-t', 'fx-basic@*,!*chatty']);
    expect(l.code).to.equal(EXIT.OK);
    expect(l.out.trim().split('\n')).to.deep.equal(['accel@fx-basic@pass', 'accel@fx-basic@fail', 'accel@fx-basic@skip']);
    const d = await cli(['run', '--suite', FIXTURE_SUITE, '--describe', 'fx-hang@own*']);
    expect(d.out).to.equal('accel@fx-hang@own-budget\n  settles after 300 ms under a 100 ms budget\n  reference: harness/runner/fixtures/suite.ts\n');
  });

  it('--tap - writes TAP to stdout and the console to stderr; --junit writes a copy', async () => {
    const junit = join(tmp, 'copy.xml');
    const r = await cli(fx('tap', '-t', 'fx-basic@pass,fx-basic@skip', '--tap', '-', '--junit', junit));
    expect(r.out.split('\n')[0]).to.equal('TAP version 13');
    expect(r.out).to.not.contain('reports:');
    expect(r.err).to.contain('reports:');
    expect(readFileSync(junit, 'utf8')).to.equal(readFileSync(join(tmp, 'tap', 'junit.xml'), 'utf8'));
  });

  it('resume finishes a run after kill -9 of the harness: nothing finished is lost, the test in flight is incomplete', async () => {
    const dir = join(tmp, 'killed');
    const main = resolve(__dirname, '..', 'main.ts');
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', main, ...fx('killed', '-t', 'fx-slow@*', '--per-test-timeout', '20')], {
      env: { ...process.env, CI: 'true', ACCEL_FIXTURE_SLOW_MS: '400' },
      stdio: 'ignore',
    });
    const journal = join(dir, 'journal.jsonl');
    // Kill once two tests finished and a third is in flight.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const recs = existsSync(journal) ? readJournal(journal).records : [];
      const done = recs.filter((r) => r.type === 'result').length;
      const last = recs[recs.length - 1];
      if (done >= 2 && last?.type === 'start') break;
      if (Date.now() > deadline) throw new Error('the run did not get going');
      await new Promise((r) => setTimeout(r, 20));
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const kept = readJournal(journal).records.filter((r) => r.type === 'result');
    expect(kept.length).to.be.greaterThanOrEqual(2);

    process.env.ACCEL_FIXTURE_SLOW_MS = '50';
    try {
      const r = await cli(['resume', dir]);
      // The incomplete test is an unexpected result.
      expect(r.code, r.err).to.equal(EXIT.FAILURES);
    } finally {
      delete process.env.ACCEL_FIXTURE_SLOW_MS;
    }
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { tests: Record<string, { result: string }> };
    const statuses = Object.values(results.tests).map((t) => t.result);
    expect(statuses).to.have.length(6);
    expect(statuses.filter((s) => s === 'incomplete')).to.have.length(1);
    expect(statuses.filter((s) => s === 'pass')).to.have.length(5);
    for (const k of kept) if (k.type === 'result') expect(results.tests[k.name].result).to.equal('pass');
  });

  it('a worker spinning in a busy loop does not outlive a harness killed with -9', async () => {
    const dir = join(tmp, 'orphan');
    const main = resolve(__dirname, '..', 'main.ts');
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', main, ...fx('orphan', '-t', 'fx-hang@busy-loop', '--per-test-timeout', '60')], {
      env: { ...process.env, CI: 'true' },
      stdio: 'ignore',
    });
    const journal = join(dir, 'journal.jsonl');
    let pid: number | undefined;
    const deadline = Date.now() + 30_000;
    while (pid === undefined) {
      const rec = (existsSync(journal) ? readJournal(journal).records : []).find((r) => r.type === 'start');
      if (rec?.type === 'start') pid = rec.pid;
      if (Date.now() > deadline) throw new Error('the run did not get going');
      await new Promise((r) => setTimeout(r, 20));
    }
    const alive = (p: number): boolean => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(pid)).to.equal(true);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const gone = Date.now() + 5000;
    while (alive(pid) && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid), `worker ${pid} still running`).to.equal(false);
  });

  it('compare: fixes, regressions, new and removed; exit 1 on a regression', async () => {
    expect((await cli(fx('before', '-t', 'fx-basic@fail,fx-basic@pass,fx-basic@skip'))).code).to.equal(EXIT.FAILURES);
    expect((await cli(fx('after', '-t', 'fx-basic@pass,fx-basic@skip,fx-after@pass'))).code).to.equal(EXIT.OK);
    const same = await cli(['compare', join(tmp, 'before'), join(tmp, 'after')]);
    expect(same.code).to.equal(EXIT.OK);
    expect(same.out).to.contain('new: 1\n    accel@fx-after@pass: - -> pass');
    expect(same.out).to.contain('removed: 1\n    accel@fx-basic@fail: fail -> -');
    const igt = (tests: Record<string, string>): string => {
      const file = join(tmp, `igt-${Object.values(tests).join('-')}.json`);
      writeFileSync(file, JSON.stringify({ tests: Object.fromEntries(Object.entries(tests).map(([k, v]) => [k, { result: v }])) }));
      return file;
    };
    const a = igt({ 'accel@x@one': 'pass', 'accel@x@two': 'fail', 'accel@x@three': 'skip' });
    const b = igt({ 'accel@x@one': 'timeout', 'accel@x@two': 'pass', 'accel@x@three': 'pass' });
    const changed = await cli(['compare', a, b]);
    expect(changed.code).to.equal(EXIT.FAILURES);
    expect(changed.out).to.contain('fixes: 1\n    accel@x@two: fail -> pass');
    expect(changed.out).to.contain('regressions: 1\n    accel@x@one: pass -> timeout');
    expect(changed.out).to.contain('enabled: 1\n    accel@x@three: skip -> pass');
    const r = await cli(['compare', join(tmp, 'nope'), join(tmp, 'after')]);
    expect(r.code).to.equal(EXIT.USAGE);
    expect(r.err).to.match(/nope does not exist/);
  });
});

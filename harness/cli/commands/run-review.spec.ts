/**
 * The review's findings, each pinned by a spec that failed before the fix:
 * output paths checked first, reports written whatever one file does, the
 * run lock, IGT's out/err convention, one definition of exit 3, overall
 * timeout as `timeout`, and test names accepted alike everywhere.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cleanupFixtures, FIXTURE_SUITE, freshFixtureState } from '../../runner/fixtures/request';
import { readJournal } from '../../runner/journal';
import { LOCK_FILE } from '../../runner/lock';
import { EXIT, EXIT_MEANINGS } from '../exit-codes';
import { cliAsCi } from '../spec-helpers/run-cli';

const cli = cliAsCi;

interface Piglit {
  tests: Record<string, { result: string; out: string; err: string; 'accel-message'?: string }>;
  totals: Record<string, Record<string, number>>;
}

const REPO = resolve(__dirname, '..', '..', '..');

describe('accel-conformance run/resume: review findings', function () {
  this.timeout(60_000);
  let tmp: string;
  const fx = (dir: string, ...rest: string[]): string[] => [
    'run', '--suite', FIXTURE_SUITE, '--results-dir', join(tmp, dir), '--kill-grace', '0.3',
    ...(rest.includes('--per-test-timeout') ? [] : ['--per-test-timeout', '1']),
    ...rest,
  ];

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'accel-review-'));
    freshFixtureState();
  });
  afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
    cleanupFixtures();
  });

  describe('1: output paths are checked before anything runs; reports survive one bad file', () => {
    it('a --junit or --tap under /proc, or naming a directory, is exit 2 in one line and nothing runs', async () => {
      mkdirSync(join(tmp, 'adir'));
      const cases: [string[], RegExp][] = [
        [fx('j1', '--junit', '/proc/nope.xml'), /^accel-conformance: error: --junit \/proc\/nope\.xml: directory \/proc does not exist or is not writable/],
        [fx('j2', '--junit', join(tmp, 'adir')), /^accel-conformance: error: --junit .*adir: is a directory$/],
        [fx('j3', '--tap', '/proc/nope.tap'), /^accel-conformance: error: --tap \/proc\/nope\.tap: directory \/proc/],
        [fx('j4', '--tap', join(tmp, 'adir')), /^accel-conformance: error: --tap .*adir: is a directory$/],
      ];
      for (const [args, msg] of cases) {
        const r = await cli([...args, '-t', 'fx-basic@pass']);
        expect(r.code, r.err).to.equal(EXIT.USAGE);
        expect(r.err.trimEnd().split('\n'), r.err).to.have.length(1);
        expect(r.err.trimEnd()).to.match(msg);
        expect(existsSync(join(tmp, args[4].split('/').pop() ?? '', 'journal.jsonl'))).to.equal(false);
      }
    });

    it('a report that cannot be written after the run: the others are written, one line names it, exit 5', async () => {
      const junit = join(tmp, 'later', 'j.xml');
      mkdirSync(join(tmp, 'later'));
      const first = await cli(fx('gone', '-t', 'fx-basic@pass,fx-basic@skip', '--junit', junit));
      expect(first.code, first.err).to.equal(EXIT.OK);
      // The --junit path goes bad after the checks (its directory is replaced by a file); rewrite the reports.
      rmSync(join(tmp, 'later'), { recursive: true });
      writeFileSync(join(tmp, 'later'), 'not a directory\n');
      rmSync(join(tmp, 'gone', 'report.html'));
      const r = await cli(['resume', join(tmp, 'gone')]);
      expect(r.code, r.err).to.equal(EXIT.REPORTS);
      expect(r.err.trimEnd().split('\n')).to.deep.equal([`accel-conformance: error: cannot write ${junit}: ENOTDIR`]);
      for (const f of ['results.json', 'index.json', 'junit.xml', 'report.html']) expect(existsSync(join(tmp, 'gone', f)), f).to.equal(true);
      const results = JSON.parse(readFileSync(join(tmp, 'gone', 'results.json'), 'utf8')) as Piglit;
      expect(results.tests['accel@fx-basic@pass'].result).to.equal('pass');
    });
  });

  describe('2: one harness per results directory', () => {
    it('resume refuses a directory whose run is still going (exit 2, one line), and the run finishes alone', async () => {
      const dir = join(tmp, 'live');
      const running = cli(fx('live', '-t', 'fx-basic@pass,fx-hang@never-settles,fx-after@pass', '--per-test-timeout', '2'));
      const journal = join(dir, 'journal.jsonl');
      const deadline = Date.now() + 30_000;
      while (!(existsSync(journal) && readJournal(journal).records.some((r) => r.type === 'start' && r.name === 'accel@fx-hang@never-settles'))) {
        if (Date.now() > deadline) throw new Error('the run did not get going');
        await new Promise((r) => setTimeout(r, 20));
      }
      const second = await cli(['resume', dir]);
      expect(second.code).to.equal(EXIT.USAGE);
      expect(second.err.trimEnd().split('\n')).to.have.length(1);
      expect(second.err).to.match(new RegExp(`is in use by another run \\(pid ${process.pid},`));
      const again = await cli(fx('live', '-t', 'fx-basic@pass'));
      expect(again.code).to.equal(EXIT.USAGE);
      expect(again.err).to.match(/is in use by another run/);
      const first = await running;
      expect(first.code, first.err).to.equal(EXIT.FAILURES);
      // Each test started once: no second worker ran the device.
      const starts = readJournal(journal).records.filter((r) => r.type === 'start').map((r) => (r.type === 'start' ? r.name : ''));
      expect(starts).to.deep.equal(['accel@fx-basic@pass', 'accel@fx-hang@never-settles', 'accel@fx-after@pass']);
      expect(existsSync(join(dir, LOCK_FILE)), 'lock released').to.equal(false);
    });

    it('a stale lock (its harness killed with -9) is taken over by resume', async () => {
      const dir = join(tmp, 'stale');
      expect((await cli(fx('stale', '-t', 'fx-basic@pass'))).code).to.equal(EXIT.OK);
      const dead = spawnSync(process.execPath, ['-e', '0']).pid;
      writeFileSync(join(dir, LOCK_FILE), `${dead}\n`);
      const r = await cli(['resume', dir]);
      expect(r.code, r.err).to.equal(EXIT.OK);
      expect(existsSync(join(dir, LOCK_FILE))).to.equal(false);
    });

    it('kill -9 of the harness leaves a lock that resume takes over', async () => {
      const dir = join(tmp, 'killed');
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(REPO, 'harness/cli/main.ts'), ...fx('killed', '-t', 'fx-hang@never-settles,fx-after@pass', '--per-test-timeout', '20')], {
        env: { ...process.env, CI: 'true' },
        stdio: 'ignore',
      });
      const journal = join(dir, 'journal.jsonl');
      const deadline = Date.now() + 30_000;
      while (!(existsSync(journal) && readJournal(journal).records.some((r) => r.type === 'start'))) {
        if (Date.now() > deadline) throw new Error('the run did not get going');
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).to.equal(String(child.pid));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const r = await cli(['resume', dir]);
      expect(r.err).to.not.match(/in use/);
      expect(r.code, r.err).to.equal(EXIT.FAILURES); // the hang in flight is incomplete
      expect(existsSync(join(dir, LOCK_FILE))).to.equal(false);
    });
  });

  describe('3: results.json follows IGT: log in out, reasons in err', () => {
    it('fail, skip, timeout, crash and notrun say why in err; several devices also get a combined results.json', async () => {
      const r = await cli(fx('igt', '--device', 'fx:a;fx:b', '-t', 'fx-basic@pass,fx-basic@fail,fx-basic@skip,fx-hang@never-settles', '--jobs', '2'));
      expect(r.code, r.err).to.equal(EXIT.FAILURES);
      const one = JSON.parse(readFileSync(join(tmp, 'igt', 'results-fx_a.json'), 'utf8')) as Piglit;
      expect(one.tests['accel@fx-basic@pass'].out).to.contain('all good');
      expect(one.tests['accel@fx-basic@fail'].err).to.match(/^expected 1, got 2/);
      expect(one.tests['accel@fx-basic@skip'].err).to.match(/^not applicable here/);
      expect(one.tests['accel@fx-hang@never-settles'].result).to.equal('timeout');
      expect(one.tests['accel@fx-hang@never-settles'].err).to.match(/^no result within 1000 ms: worker stopped with SIG/);
      const all = JSON.parse(readFileSync(join(tmp, 'igt', 'results.json'), 'utf8')) as Piglit;
      expect(Object.keys(all.tests)).to.have.length(8);
      expect(all.tests['fx_b@accel@fx-basic@fail'].err).to.match(/^expected 1, got 2/);
      expect(all.totals['fx_a'].fail).to.equal(1);
      expect(all.totals[''].pass).to.equal(2);
      const index = JSON.parse(readFileSync(join(tmp, 'igt', 'index.json'), 'utf8')) as { devices: { file: string }[] };
      expect(index.devices.map((d) => d.file)).to.deep.equal(['results-fx_a.json', 'results-fx_b.json']);
      const cmp = await cli(['compare', join(tmp, 'igt'), join(tmp, 'igt')]);
      expect(cmp.code).to.equal(EXIT.OK);
    });

    it('a crash and the notrun tests of an aborted device carry the runner explanation in err', async () => {
      const r = await cli(fx('wedge', '-t', 'fx-wedge@wedge,fx-after@pass'));
      expect(r.code).to.equal(EXIT.ABORTED);
      const res = JSON.parse(readFileSync(join(tmp, 'wedge', 'results.json'), 'utf8')) as Piglit;
      expect(res.tests['accel@fx-after@pass'].result).to.equal('notrun');
      expect(res.tests['accel@fx-after@pass'].err).to.match(/not ONLINE/);
      expect(res.tests['accel@runner@aborted'].err).to.match(/not ONLINE/);
    });
  });

  describe('4: exit 3 means one thing, said the same everywhere', () => {
    it('--help, README.md and docs/runner.md give every exit code word for word', async () => {
      const help = await cli(['run', '--help']);
      const flat = help.out.replace(/\s+/g, ' ');
      const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
      const runner = readFileSync(join(REPO, 'docs/runner.md'), 'utf8');
      for (const [code, meaning] of Object.entries(EXIT_MEANINGS)) {
        expect(flat, `--help ${code}`).to.contain(`${code} ${meaning}`);
        expect(readme, `README ${code}`).to.contain(`| ${code} | ${meaning} |`);
        expect(runner, `runner.md ${code}`).to.contain(`| ${code} | ${meaning} |`);
      }
      expect(EXIT_MEANINGS[EXIT.USAGE]).to.match(/test list/).and.to.match(/results dir/);
      expect(EXIT_MEANINGS[EXIT.ABORTED]).to.match(/a device was given up on.*overall timeout.*interrupted.*internal error/);
    });

    it('one aborted device of two is exit 3', async () => {
      process.env.ACCEL_FIXTURE_WEDGE = 'fx:a';
      try {
        const r = await cli(fx('one', '--device', 'fx:a;fx:b', '-t', 'fx-wedge@wedge,fx-after@pass'));
        expect(r.code, r.err).to.equal(EXIT.ABORTED);
      } finally {
        delete process.env.ACCEL_FIXTURE_WEDGE;
      }
    });
  });

  describe('5: overall timeout', () => {
    it('records the test in flight as timeout, saying the overall timeout expired; the rest notrun with the reason', async () => {
      // 12 s, not 3: on a loaded 2-core machine the first test's worker alone took over 3 s,
      // and the budget must outlast it so that fx-hang is the test in flight.
      const r = await cli(fx('ot', '-t', 'fx-basic@pass,fx-hang@never-settles,fx-after@pass', '--per-test-timeout', '30', '--overall-timeout', '12'));
      expect(r.code).to.equal(EXIT.ABORTED);
      const res = JSON.parse(readFileSync(join(tmp, 'ot', 'results.json'), 'utf8')) as Piglit;
      const hang = res.tests['accel@fx-hang@never-settles'];
      expect(hang.result).to.equal('timeout');
      expect(hang.err).to.match(/^the overall timeout expired while this test ran \(overall timeout of 12 s reached\)/);
      expect(res.tests['accel@fx-after@pass'].result).to.equal('notrun');
      expect(res.tests['accel@fx-after@pass'].err).to.equal('overall timeout of 12 s reached');
    });
  });

  describe('6: test names', () => {
    it('--test-list accepts family@subtest as -t and the expectation files do', async () => {
      const list = join(tmp, 'list.txt');
      writeFileSync(list, 'fx-basic@skip\naccel@fx-basic@pass\n');
      const r = await cli(fx('tl', '--test-list', list));
      expect(r.code, r.err).to.equal(EXIT.OK);
      const res = JSON.parse(readFileSync(join(tmp, 'tl', 'results.json'), 'utf8')) as Piglit;
      expect(Object.keys(res.tests)).to.deep.equal(['accel@fx-basic@skip', 'accel@fx-basic@pass']);
    });

    it('an expectations line naming no test is exit 2 with file:line, before anything runs', async () => {
      const fails = join(tmp, 'fails.txt');
      writeFileSync(fails, 'fx-basic@fail,Fail\n# typo below\nfx-basic@fial,Fail\n');
      const r = await cli(fx('typo', '-t', 'fx-basic@fail', '--expectations', fails));
      expect(r.code).to.equal(EXIT.USAGE);
      expect(r.err.trimEnd().split('\n')).to.deep.equal([`accel-conformance: error: ${fails}:3: no test is named 'accel@fx-basic@fial' (see --list-subtests)`]);
      expect(existsSync(join(tmp, 'typo'))).to.equal(false);
    });

    it('--describe with no match names --describe, not -t', async () => {
      const r = await cli(['run', '--suite', FIXTURE_SUITE, '--describe', 'zzz']);
      expect(r.code).to.equal(EXIT.NO_TESTS);
      expect(r.err.trimEnd()).to.equal('accel-conformance: error: no test matched --describe zzz (see --list-subtests)');
    });
  });
});

/**
 * Our reports, read by the tools people already run rather than by our own
 * parsers: piglit's summary (results.json), tap-parser and tap-junit (TAP),
 * the kernel's KTAP parser kunit.py, and xunit-viewer (JUnit). Each checks
 * that the consumer sees the same tests and statuses as our report model.
 * A tool that is missing is said (NOT CHECKED) and, under CI=true, fails.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Parser, type FinalResults as TapResult } from 'tap-parser';
import { notChecked, tryRun } from './spec-helpers/need';
import { sampleReport } from './fixtures/sample';
import { junitXml } from './junit';
import type { ReportTest, RunReport } from './model';
import { combinedResults, deviceKey, deviceResults, piglitResult } from './results-json';
import { tapReport } from './tap';

const run: RunReport = sampleReport();
const allTests = run.devices.flatMap((d) => d.tests.map((t) => ({ device: d.meta.label, t })));
const isOk = (t: ReportTest): boolean => t.status === 'pass' || t.status === 'skip' || t.status === 'notrun';
const skipped = (t: ReportTest): boolean => t.status === 'skip' || t.status === 'notrun';

describe('real consumers read our reports', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'accel-consumers-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe("piglit's summary (Debian package piglit) reads results.json", () => {
    const files = (): { file: string; key: (device: string, name: string) => string; tests: typeof allTests }[] => {
      const combined = join(dir, 'results.json');
      writeFileSync(combined, JSON.stringify(combinedResults(run)));
      const single = join(dir, 'results-single.json');
      writeFileSync(single, JSON.stringify(deviceResults(run, run.devices[0])));
      return [
        { file: combined, key: (d, n) => `${deviceKey(d)}@${n}`, tests: allTests },
        { file: single, key: (_d, n) => n, tests: allTests.filter((x) => x.device === run.devices[0].meta.label) },
      ];
    };

    it('summary console lists every test with our status and the same totals (combined and single-device files)', function () {
      for (const { file, key, tests } of files()) {
        const r = tryRun('piglit', ['summary', 'console', file]);
        if (r === null) notChecked(this, "piglit summary console was not run: piglit is not installed (Debian package 'piglit')");
        expect(r.status, r.stderr).to.equal(0);
        const listed = new Map<string, string>();
        for (const m of r.stdout.matchAll(/^(\S+): (\S+)$/gm)) listed.set(m[1], m[2]);
        for (const { device, t } of tests) {
          // piglit shows its group separator '@' as '/'.
          expect(listed.get(key(device, t.name).replace(/@/g, '/')), t.name).to.equal(piglitResult(t.status));
        }
        const total = /^\s+total:\s+(\d+)$/m.exec(r.stdout);
        expect(Number(total?.[1]), 'piglit total').to.equal(tests.length);
        const count = (s: string): number => Number(new RegExp(`^\\s+${s}:\\s+(\\d+)$`, 'm').exec(r.stdout)?.[1]);
        expect(count('pass')).to.equal(tests.filter((x) => x.t.status === 'pass').length);
        expect(count('fail')).to.equal(tests.filter((x) => piglitResult(x.t.status) === 'fail').length);
        expect(count('crash')).to.equal(tests.filter((x) => x.t.status === 'crash').length);
      }
    });

    it('summary html writes the index, the system-info page and a page per test carrying the failure reason', function () {
      const [combined, single] = files();
      const out = join(dir, 'piglit-html');
      const r = tryRun('piglit', ['summary', 'html', '--overwrite', out, combined.file, single.file]);
      if (r === null) notChecked(this, "piglit summary html was not run: piglit is not installed (Debian package 'piglit')");
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stderr).to.not.contain('Traceback');
      const index = readFileSync(join(out, 'index.html'), 'utf8');
      expect(index).to.contain(run.name);
      const info = readFileSync(join(out, run.name, 'index.html'), 'utf8');
      expect(info).to.contain('System info');
      expect(info).to.contain(run.id);
      const failPage = readFileSync(join(out, run.name, 'sim_apu@accel@gem@case-fail.html'), 'utf8');
      expect(failPage).to.contain('expected 0, got -22 &lt;EINVAL&gt;');
    });
  });

  describe('TAP 13: tap-parser parses it, tap-junit converts it', () => {
    /** tap-parser's results for the document and for every nested child, by depth. */
    function parseTap(text: string): { top: TapResult; depth: Map<number, TapResult[]>; asserts: Map<number, number> } {
      const depth = new Map<number, TapResult[]>();
      const asserts = new Map<number, number>();
      let top: TapResult | undefined;
      const watch = (p: Parser, d: number): void => {
        p.on('child', (c: Parser) => watch(c, d + 1));
        p.on('assert', () => asserts.set(d, (asserts.get(d) ?? 0) + 1));
        p.on('complete', (res: TapResult) => {
          if (d === 0) top = res;
          depth.set(d, [...(depth.get(d) ?? []), res]);
        });
      };
      const parser = new Parser();
      watch(parser, 0);
      parser.end(text);
      if (!top) throw new Error('tap-parser did not complete');
      return { top, depth, asserts };
    }

    it('nested TAP: tap-parser sees devices > families > every test, with no parse error, failing only on unexpected results', () => {
      const { top, depth, asserts } = parseTap(tapReport(run, 'tap'));
      expect(top.count).to.equal(run.devices.length);
      for (const results of depth.values()) for (const r of results) expect(r.failures.filter((f) => typeof f.tapError === 'string'), JSON.stringify(r.failures)).to.deep.equal([]);
      expect(asserts.get(2)).to.equal(allTests.length);
      const leaves = depth.get(2)!;
      expect(leaves.reduce((n, r) => n + r.todo, 0), 'expected failures are TODO').to.equal(allTests.filter(({ t }) => !isOk(t) && t.verdict === 'expected').length);
      expect(leaves.reduce((n, r) => n + r.skip, 0)).to.equal(allTests.filter(({ t }) => skipped(t)).length);
      // tap-parser's fail counts every not ok, TODO included; ok ignores the TODOs.
      expect(leaves.reduce((n, r) => n + r.fail, 0)).to.equal(allTests.filter(({ t }) => !isOk(t)).length);
      expect(top.ok).to.equal(false);
    });

    it('flat TAP (--tap-flat): tap-parser counts every test at the top level', () => {
      const { top } = parseTap(tapReport(run, 'tap', 'flat'));
      expect(top.failures.filter((f) => typeof f.tapError === 'string')).to.deep.equal([]);
      expect(top.count).to.equal(allTests.length);
      expect(top.skip).to.equal(allTests.filter(({ t }) => skipped(t)).length);
      expect(top.todo).to.equal(allTests.filter(({ t }) => !isOk(t) && t.verdict === 'expected').length);
      expect(top.fail).to.equal(allTests.filter(({ t }) => !isOk(t)).length);
      expect(top.ok).to.equal(false);
      // Expected failures alone do not fail the TAP run.
      const onlyExpected: RunReport = { ...run, devices: [{ ...run.devices[0], tests: run.devices[0].tests.filter((t) => t.verdict === 'expected') }] };
      const calm = parseTap(tapReport(onlyExpected, 'tap', 'flat')).top;
      expect(calm.todo).to.equal(1);
      expect(calm.ok).to.equal(true);
    });

    it('tap-junit converts flat TAP into one testcase per test with our failure and skip counts; nested TAP into one per device', () => {
      const bin = join(dirname(require.resolve('tap-junit/package.json')), 'bin', 'tap-junit');
      const flat = spawnSync(process.execPath, [bin], { input: tapReport(run, 'tap', 'flat'), encoding: 'utf8' });
      expect(flat.stderr).to.equal('');
      const cases = [...flat.stdout.matchAll(/<testcase name="([^"]*)"/g)].map((m) => m[1]);
      expect(cases).to.have.length(allTests.length);
      expect(cases[0]).to.equal(`${allTests[0].device} ${allTests[0].t.name}`);
      const suite = /<testsuite name="[^"]*" tests="(\d+)" skipped="(\d+)" failures="(\d+)"/.exec(flat.stdout);
      expect(suite?.slice(1).map(Number)).to.deep.equal([
        allTests.length,
        allTests.filter(({ t }) => skipped(t)).length,
        // tap-junit makes a TODO (our expected failure) a <failure> too: gate on our junit.xml, not on this.
        allTests.filter(({ t }) => !isOk(t)).length,
      ]);
      const nested = spawnSync(process.execPath, [bin], { input: tapReport(run, 'tap'), encoding: 'utf8' });
      expect([...nested.stdout.matchAll(/<testcase name="([^" ]*)/g)].map((m) => m[1])).to.deep.equal(run.devices.map((d) => d.meta.label));
    });
  });

  describe("KTAP 1: the kernel's own parser (tools/testing/kunit/kunit.py parse, from Debian's linux-source)", () => {
    let kunit: string | null = null;
    let why = '';
    before(function () {
      this.timeout(600_000);
      const script = resolve(__dirname, 'spec-helpers', 'fetch-kunit.sh');
      const r = spawnSync('bash', [script], { encoding: 'utf8', timeout: 600_000 });
      const last = r.stdout.trim().split('\n').pop() ?? '';
      if (r.status === 0 && existsSync(last)) kunit = last;
      else why = (r.stderr.trim().split('\n').pop() ?? '') || `fetch-kunit.sh exited ${r.status}`;
    });

    it('kunit.py parses every device, family and test with our statuses and no parse error', function () {
      if (kunit === null) notChecked(this, `KTAP was not parsed by kunit.py: ${why}`);
      const file = join(dir, 'results.ktap');
      const ktap = tapReport(run, 'ktap');
      writeFileSync(file, ktap);
      expect(ktap).to.contain('# XFAIL expected fail');
      const json = join(dir, 'kunit.json');
      const r = tryRun('python3', [kunit, 'parse', `--json=${json}`, file]);
      if (r === null) notChecked(this, 'kunit.py was not run: python3 is not installed');
      // kunit.py exits 1 when a test failed: the sample has failures.
      expect(r.status, r.stderr).to.equal(1);
      expect(r.stdout).to.not.match(/\[ERROR\]|missing|not match|crashed/i);
      interface Group { name: string; sub_groups: Group[]; test_cases: { name: string; status: string }[] }
      const root = JSON.parse(readFileSync(json, 'utf8')) as Group;
      const seen: string[] = [];
      for (const dev of root.sub_groups) {
        for (const fam of dev.sub_groups) for (const c of fam.test_cases) seen.push(`${dev.name} ${fam.name} ${c.name} ${c.status}`);
      }
      // kunit.py knows pass, skip and fail: everything else a driver did wrong is FAIL to it.
      const want = allTests.map(({ device, t }) => `${device} ${t.family} ${t.subtest} ${t.status === 'pass' ? 'PASS' : skipped(t) ? 'SKIP' : 'FAIL'}`);
      expect(seen).to.deep.equal(want);
      const ran = /Ran (\d+) tests: passed: (\d+), failed: (\d+), skipped: (\d+)/.exec(r.stdout);
      expect(ran?.slice(1).map(Number)).to.deep.equal([
        allTests.length,
        allTests.filter(({ t }) => t.status === 'pass').length,
        allTests.filter(({ t }) => !isOk(t)).length,
        allTests.filter(({ t }) => skipped(t)).length,
      ]);
    });
  });

  describe('JUnit: xunit-viewer reads it with the counts our XML declares', () => {
    it('every testcase, under its device/family suite, with failure, error, skipped and passed as we count them', async () => {
      const xml = junitXml(run);
      const file = join(dir, 'junit.xml');
      writeFileSync(file, xml);
      // xunit-viewer's parser is an ES module: read it in a child so ts-node's CommonJS does not get in the way.
      const parse = pathToFileURL(join(dirname(require.resolve('xunit-viewer/package.json')), 'src', 'cli', 'parse.js')).href;
      const script = `import parse from ${JSON.stringify(parse)}; import { readFileSync } from 'node:fs';
        const out = await parse(readFileSync(${JSON.stringify(file)}, 'utf8'));
        const rows = [];
        for (const s of Object.values(out.suites)) for (const t of Object.values(s.tests)) rows.push([s.name, t.name, t.status]);
        process.stdout.write(JSON.stringify(rows));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      const rows = JSON.parse(r.stdout) as [string, string, string][];
      const kind = (t: ReportTest): string =>
        skipped(t) ? 'skipped' : t.verdict === 'expected' ? 'passed' : ['timeout', 'crash', 'incomplete', 'abort'].includes(t.status) ? 'error' : 'failure';
      const want = allTests.map(({ device, t }) => [`${device}/${t.family}`, t.name, kind(t)]);
      const key = (x: readonly string[]): string => x.join(' ');
      expect(rows.map(key).sort()).to.deep.equal(want.map(key).sort());
      // ... and the counts the XML itself declares agree with what the reader found.
      const top = /<testsuites [^>]*tests="(\d+)" failures="(\d+)" errors="(\d+)"/.exec(xml);
      expect(top?.slice(1).map(Number)).to.deep.equal([
        rows.length,
        rows.filter((x) => x[2] === 'failure').length,
        rows.filter((x) => x[2] === 'error').length,
      ]);
    });
  });
});

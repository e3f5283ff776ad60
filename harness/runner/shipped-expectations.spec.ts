import { expect } from 'chai';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, runVerdict } from '../reports/build';
import type { RunReport } from '../reports/model';
import { SILENT } from './events';
import { cleanupFixtures, fixtureRequest, freshFixtureState } from './fixtures/request';
import { prepareRun, type RunRequest } from './prepare';
import { readSavedRun } from './run-config';
import { runSession } from './session-run';

async function run(over: Partial<RunRequest>): Promise<{ report: RunReport; dir: string }> {
  const { dir, saved, lock } = await prepareRun(fixtureRequest(over));
  try {
    await runSession(dir, saved, false, { events: SILENT });
  } finally {
    lock.release();
  }
  return { report: buildReport(dir, saved), dir };
}

const verdicts = (r: RunReport, device: number): Record<string, string> =>
  Object.fromEntries((r.devices[device]?.tests ?? []).map((t) => [t.name.replace('accel@fx-basic@', ''), `${t.status}/${t.verdict}`]));

describe('runner: expectations shipped per driver', function () {
  this.timeout(60_000);
  let tmp: string;
  beforeEach(() => {
    freshFixtureState();
    tmp = mkdtempSync(join(tmpdir(), 'accel-shipped-'));
    // fx:a has the fixture driver's shipped files, fx:b none: results are per device.
    process.env.ACCEL_FIXTURE_SHIPPED = 'fx:a';
  });
  afterEach(() => {
    delete process.env.ACCEL_FIXTURE_SHIPPED;
    rmSync(tmp, { recursive: true, force: true });
  });
  after(() => cleanupFixtures());

  it('judges a device by its driver\'s shipped files: the known failure is expected there only, shipped skips leave its plan', async () => {
    const { report, dir } = await run({ device: 'fx:a;fx:b', include: ['fx-basic@*'] });
    expect(verdicts(report, 0)).to.deep.equal({ pass: 'pass/expected', fail: 'fail/expected', skip: 'skip/expected' });
    expect(verdicts(report, 1)).to.deep.equal({ pass: 'pass/expected', fail: 'fail/unexpected', skip: 'skip/expected', chatty: 'pass/expected' });
    const saved = readSavedRun(dir);
    expect(Object.keys(saved.shippedExpectations ?? {})).to.deep.equal(['fx:a']);
    expect(saved.shippedExpectations?.['fx:a']?.fails?.text).to.contain('fx-basic@fail,Fail');
    expect(saved.notices.join('\n')).to.match(/fx:a: 1 test\(s\) not run, listed in .*fixture-skips\.txt \(shipped for fixture\)/);
    // Resume and later reports judge by what run.json recorded, not by the files of today.
    expect(runVerdict(buildReport(dir, saved))).to.equal('unexpected');
  });

  it('--no-shipped-expectations judges by the user\'s files only; the user\'s own file adds to the shipped one', async () => {
    const off = await run({ device: 'fx:a', include: ['fx-basic@fail'], shippedExpectations: false });
    expect(verdicts(off.report, 0)).to.deep.equal({ fail: 'fail/unexpected' });
    expect(readSavedRun(off.dir).shippedExpectations).to.equal(undefined);

    const flakes = join(tmp, 'flakes.txt');
    writeFileSync(flakes, 'fx-basic@pass\n');
    const both = await run({ device: 'fx:a', include: ['fx-basic@fail,fx-basic@pass'], flakes });
    const tests = new Map(both.report.devices[0]?.tests.map((t) => [t.name, t.note]));
    expect(tests.get('accel@fx-basic@fail')).to.equal('expected Fail');
    expect(tests.get('accel@fx-basic@pass')).to.equal('listed as a flake');
  });

  it('a shipped fails file naming no test is a configuration error before anything runs', async () => {
    const bad = join(tmp, 'bad-fails.txt');
    copyFileSync(join(__dirname, 'fixtures', 'shipped', 'fixture-fails.txt'), bad);
    writeFileSync(bad, `${readFileSync(bad, 'utf8')}fx-basic@fial,Fail\n`);
    const suitePath = join(tmp, 'suite.js');
    // The fixture suite with its fails file swapped for the bad one.
    writeFileSync(
      suitePath,
      `const base = require(${JSON.stringify(join(__dirname, 'fixtures', 'suite'))}).suite;\n` +
        `exports.suite = { ...base, shippedExpectations: () => ({ driver: 'fixture', fails: ${JSON.stringify(bad)} }) };\n`,
    );
    let message = '';
    try {
      await prepareRun(fixtureRequest({ suiteModule: suitePath, include: ['fx-basic@pass'] }));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.match(/bad-fails\.txt:5: no test is named 'accel@fx-basic@fial'/);
  });
});

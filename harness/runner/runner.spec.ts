import { expect } from 'chai';
import { buildReport } from '../reports/build';
import type { ReportTest, RunReport } from '../reports/model';
import { join } from 'node:path';
import { RunControl } from './control';
import { JOURNAL_FILE, readJournal } from './journal';
import { SILENT } from './events';
import { cleanupFixtures, fixtureRequest, freshFixtureState } from './fixtures/request';
import { prepareRun, type RunRequest } from './prepare';
import { runSession } from './session-run';

async function runFixture(over: Partial<RunRequest>, control?: RunControl): Promise<{ report: RunReport; dir: string }> {
  const { dir, saved, lock } = await prepareRun(fixtureRequest(over));
  try {
    await runSession(dir, saved, false, { events: SILENT, ...(control ? { control } : {}) });
  } finally {
    lock.release();
  }
  return { report: buildReport(dir, saved), dir };
}

function byName(r: RunReport, device = 0): Map<string, ReportTest> {
  return new Map(r.devices[device].tests.map((t) => [t.name, t]));
}

describe('runner: statuses from worker children', function () {
  this.timeout(60_000);
  beforeEach(() => freshFixtureState());
  after(() => cleanupFixtures());

  it('records pass, fail and skip with their logs and output', async () => {
    const { report } = await runFixture({ include: ['fx-basic@*'] });
    const t = byName(report);
    expect(t.get('accel@fx-basic@pass')?.status).to.equal('pass');
    expect(t.get('accel@fx-basic@pass')?.out).to.contain('all good');
    expect(t.get('accel@fx-basic@fail')?.status).to.equal('fail');
    expect(t.get('accel@fx-basic@fail')?.message).to.equal('expected 1, got 2');
    expect(t.get('accel@fx-basic@skip')?.status).to.equal('skip');
    expect(t.get('accel@fx-basic@skip')?.message).to.equal('not applicable here');
    expect(t.get('accel@fx-basic@chatty')?.out).to.contain('to stdout <&>');
    expect(t.get('accel@fx-basic@chatty')?.err).to.contain('to stderr');
  });

  it('times out hangs (busy loop, unsettled promise, SIGTERM ignored) and goes on', async () => {
    const { report } = await runFixture({
      include: ['fx-hang@busy-loop,fx-hang@never-settles,fx-hang@ignores-sigterm,fx-basic@pass'],
      perTestTimeoutS: 0.5,
      maxTimeoutsInRow: 5,
    });
    const t = byName(report);
    for (const n of ['busy-loop', 'never-settles', 'ignores-sigterm']) {
      expect(t.get(`accel@fx-hang@${n}`)?.status, n).to.equal('timeout');
    }
    expect(t.get('accel@fx-hang@busy-loop')?.message).to.match(/no result within 500 ms/);
    expect(t.get('accel@fx-hang@ignores-sigterm')?.message).to.contain('SIGKILL');
    expect(t.get('accel@fx-hang@never-settles')?.message).to.contain('SIGTERM');
    expect(t.get('accel@fx-basic@pass')?.status).to.equal('pass');
    expect(report.devices[0].aborted).to.equal(undefined);
  });

  it("uses a subtest's own timeoutMs when no --per-test-timeout is given", async () => {
    const { report } = await runFixture({ include: ['fx-hang@own-budget'], perTestTimeoutS: undefined });
    expect(byName(report).get('accel@fx-hang@own-budget')?.status).to.equal('timeout');
  });

  it('records a dead worker as crash for the test in flight and keeps the others', async () => {
    const { report } = await runFixture({ include: ['fx-basic@pass,fx-crash@*,fx-after@skip'] });
    const t = byName(report);
    expect(t.get('accel@fx-basic@pass')?.status).to.equal('pass');
    expect(t.get('accel@fx-crash@exit')?.status).to.equal('crash');
    expect(t.get('accel@fx-crash@exit')?.message).to.match(/exited with status 3/);
    expect(t.get('accel@fx-crash@abort')?.status).to.equal('crash');
    expect(t.get('accel@fx-crash@abort')?.message).to.match(/SIGABRT/);
    expect(t.get('accel@fx-crash@uncaught')?.status).to.equal('crash');
    expect(t.get('accel@fx-crash@uncaught')?.err).to.contain('thrown from a timer');
    expect(t.get('accel@fx-after@skip')?.status).to.equal('skip');
  });

  it('aborts a wedged device as notrun with the reason while the other device goes on', async () => {
    process.env.ACCEL_FIXTURE_WEDGE = 'fx:a';
    try {
      const { report } = await runFixture({ device: 'fx:a;fx:b', include: ['fx-wedge@wedge,fx-after@*'] });
      const [a, b] = report.devices;
      expect(a.meta.label).to.equal('fx:a');
      expect(a.aborted).to.match(/fx:a is not ONLINE after accel@fx-wedge@wedge/);
      const ta = byName(report, 0);
      expect(ta.get('accel@fx-wedge@wedge')?.status).to.equal('pass');
      expect(ta.get('accel@fx-after@pass')?.status).to.equal('notrun');
      expect(ta.get('accel@fx-after@pass')?.message).to.equal(a.aborted);
      expect(ta.get('accel@runner@aborted')?.status).to.equal('abort');
      expect(b.aborted).to.equal(undefined);
      expect(byName(report, 1).get('accel@fx-after@pass')?.status).to.equal('pass');
    } finally {
      delete process.env.ACCEL_FIXTURE_WEDGE;
    }
  });

  it('aborts a device that is not ONLINE after a hang was killed', async () => {
    const { report } = await runFixture({ include: ['fx-wedge@wedge-and-hang,fx-after@pass'], perTestTimeoutS: 0.4 });
    const t = byName(report);
    expect(t.get('accel@fx-wedge@wedge-and-hang')?.status).to.equal('timeout');
    expect(report.devices[0].aborted).to.match(/not ONLINE after accel@fx-wedge@wedge-and-hang/);
    expect(t.get('accel@fx-after@pass')?.status).to.equal('notrun');
  });

  it('aborts a device after --max-timeouts-in-row timeouts', async () => {
    const { report } = await runFixture({
      include: ['fx-hang@busy-loop,fx-hang@never-settles,fx-after@pass'],
      perTestTimeoutS: 0.3,
      maxTimeoutsInRow: 2,
    });
    const t = byName(report);
    expect(t.get('accel@fx-hang@never-settles')?.status).to.equal('timeout');
    expect(report.devices[0].aborted).to.match(/2 timeouts in a row/);
    expect(t.get('accel@fx-after@pass')?.status).to.equal('notrun');
  });

  async function stopWhileHanging(stop: (c: RunControl) => void): Promise<RunReport> {
    const control = new RunControl();
    const { dir, saved, lock } = await prepareRun(fixtureRequest({ include: ['fx-basic@pass,fx-hang@never-settles,fx-after@skip'], perTestTimeoutS: 30 }));
    const journal = join(dir, JOURNAL_FILE);
    const running = runSession(dir, saved, false, { events: SILENT, control });
    // Stop once the hang is in flight, whatever the machine's speed.
    for (;;) {
      const recs = readJournal(journal).records;
      if (recs.some((r) => r.type === 'start' && r.name === 'accel@fx-hang@never-settles')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    stop(control);
    await running;
    lock.release();
    return buildReport(dir, saved);
  }

  it('stops from outside (Ctrl-C): in-flight incomplete, the rest notrun, run aborted', async () => {
    const report = await stopWhileHanging((c) => c.stop('interrupted by SIGINT'));
    const t = byName(report);
    expect(t.get('accel@fx-basic@pass')?.status).to.equal('pass');
    expect(t.get('accel@fx-hang@never-settles')?.status).to.equal('incomplete');
    expect(t.get('accel@fx-hang@never-settles')?.message).to.equal('stopped: interrupted by SIGINT');
    expect(t.get('accel@fx-after@skip')?.status).to.equal('notrun');
    expect(report.aborted).to.equal('interrupted by SIGINT');
  });

  it('an expired overall timeout records the test in flight as timeout, saying so; the rest notrun with the reason', async () => {
    const report = await stopWhileHanging((c) => c.stop('overall timeout of 9 s reached', 'overall-timeout'));
    const t = byName(report);
    expect(t.get('accel@fx-hang@never-settles')?.status).to.equal('timeout');
    expect(t.get('accel@fx-hang@never-settles')?.message).to.match(/^the overall timeout expired while this test ran \(overall timeout of 9 s reached\)/);
    expect(t.get('accel@fx-after@skip')?.status).to.equal('notrun');
    expect(t.get('accel@fx-after@skip')?.message).to.equal('overall timeout of 9 s reached');
    expect(report.aborted).to.equal('overall timeout of 9 s reached');
  });

  it('arms the overall timeout', async () => {
    const { report } = await runFixture({ include: ['fx-hang@never-settles,fx-after@skip'], perTestTimeoutS: 30, overallTimeoutS: 1 });
    const t = byName(report);
    // Timeout if the worker was up before the timer fired, notrun if not: never a result.
    expect(t.get('accel@fx-hang@never-settles')?.status).to.be.oneOf(['timeout', 'notrun']);
    expect(t.get('accel@fx-after@skip')?.status).to.equal('notrun');
    expect(report.aborted).to.equal('overall timeout of 1 s reached');
  });
});

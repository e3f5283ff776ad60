import { expect } from 'chai';
import { rmSync, writeFileSync } from 'node:fs';
import { buildReport } from '../reports/build';
import type { RunEvents } from './events';
import { SILENT } from './events';
import { withDmesg } from './device-runner';
import { cleanupFixtures, fixtureRequest, freshFixtureState } from './fixtures/request';
import { judge, KernelLog, parseRecord } from './kmsg';
import { prepareRun } from './prepare';
import { runSession } from './session-run';
import { bootSimMachine } from '../../drivers/sim/machine';

describe('kernel log capture', function () {
  this.timeout(30_000);
  after(() => cleanupFixtures());

  it('parses /dev/kmsg records', () => {
    expect(parseRecord('4,1234,5678901,-;WARNING: at foo\\x0a bar\n SUBSYSTEM=drm\n')).to.deep.equal({
      seq: 1234,
      level: 4,
      usec: 5678901,
      text: 'WARNING: at foo\n bar',
    });
    expect(parseRecord('garbage')).to.equal(null);
  });

  it('captures a line written to /dev/kmsg after the mark, and only that', () => {
    const opened = KernelLog.open();
    if (!('log' in opened)) throw new Error(`this self-test needs /dev/kmsg readable (run as root): ${opened.problem}`);
    const log = opened.log;
    try {
      const tag = `accel-conformance kmsg self-test ${process.pid} ${Date.now()}`;
      writeFileSync('/dev/kmsg', `<6>before ${tag}\n`);
      const mark = log.mark();
      writeFileSync('/dev/kmsg', `<4>WARNING: ${tag}\n`);
      const captured = log.since(mark);
      const mine = captured.records.filter((r) => r.text.includes(tag));
      expect(mine.map((r) => r.text)).to.deep.equal([`WARNING: ${tag}`]);
      expect(mine[0].level).to.equal(4);
      const verdict = judge(captured);
      expect(verdict.flagged).to.equal(true);
      expect(verdict.text).to.contain(tag);
    } finally {
      log.close();
    }
  });

  it('reads a simulated kernel\'s log through its Sys: only records after the mark, the WARN and its taint', () => {
    const m = bootSimMachine(['apu']);
    m.kernel.log.printk(6, 'before the mark');
    const opened = KernelLog.openSys(m.sys);
    if (!('log' in opened)) throw new Error(opened.problem);
    const mark = opened.log.mark();
    m.kernel.log.warn({ file: 'drivers/gpu/drm/drm_mm.c', line: 965, func: 'drm_mm_takedown' }, 'Memory manager not clean during takedown.', 'sim');
    const c = opened.log.since(mark);
    expect(c.records.map((r) => r.text)).to.deep.equal([
      '------------[ cut here ]------------',
      'Memory manager not clean during takedown.',
      'WARNING: drivers/gpu/drm/drm_mm.c:965 at drm_mm_takedown, CPU#0: sim',
      '---[ end trace 0000000000000000 ]---',
    ]);
    expect([c.taintBefore, c.taintAfter]).to.deep.equal([0, 512]);
    expect(judge(c).flagged).to.equal(true);
    opened.log.close();
  });

  it('flags a taint change and passes a quiet log', () => {
    expect(judge({ records: [], taintBefore: 0, taintAfter: 512 }).reason).to.equal('kernel taint changed from 0 to 512');
    expect(judge({ records: [{ seq: 1, level: 6, usec: 1, text: 'accel accel0: probed' }], taintBefore: 0, taintAfter: 0 }).flagged).to.equal(false);
  });

  it("maps flagged results as IGT does", () => {
    expect(withDmesg('pass', true)).to.equal('dmesg-warn');
    expect(withDmesg('fail', true)).to.equal('dmesg-fail');
    expect(withDmesg('timeout', true)).to.equal('timeout');
    expect(withDmesg('pass', false)).to.equal('pass');
  });

  it('says once that the log cannot be read, and still runs', async () => {
    freshFixtureState();
    const notices: string[] = [];
    const events: RunEvents = { ...SILENT, onNotice: (m) => notices.push(m) };
    const { dir, saved } = await prepareRun(fixtureRequest({ include: ['fx-basic@pass,fx-after@pass'], kernelLog: 'on' }));
    await runSession(dir, saved, false, { events, kernelLogPaths: { kmsg: '/nonexistent/kmsg', tainted: '/nonexistent/tainted' } });
    expect(notices).to.have.length(1);
    expect(notices[0]).to.match(/cannot read the kernel log \/nonexistent\/kmsg \(ENOENT\): dmesg-warn\/dmesg-fail will not be reported/);
    expect(buildReport(dir, saved).devices[0].totals.pass).to.equal(2);
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks a test that writes a kernel WARNING as dmesg-warn, the next one not', async () => {
    freshFixtureState();
    const { dir, saved } = await prepareRun(fixtureRequest({ include: ['fx-kmsg@*'], kernelLog: 'on' }));
    await runSession(dir, saved, false, { events: SILENT });
    const tests = new Map(buildReport(dir, saved).devices[0].tests.map((t) => [t.name, t]));
    expect(tests.get('accel@fx-kmsg@warn')?.status).to.equal('dmesg-warn');
    expect(tests.get('accel@fx-kmsg@warn')?.dmesg).to.contain('WARNING: accel-conformance runner self-test line');
    expect(tests.get('accel@fx-kmsg@quiet')?.status).to.equal('pass');
    rmSync(dir, { recursive: true, force: true });
  });
});

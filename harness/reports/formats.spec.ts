import { expect } from 'chai';
import { sampleReport } from './fixtures/sample';
import { combinedResults, deviceFileName, deviceResults, resultsIndex, RUN_INFO } from './results-json';
import { summaryTable } from './summary';
import { tapReport } from './tap';

describe('results.json (piglit/IGT results_version 10)', () => {
  const run = sampleReport();
  const r = deviceResults(run, run.devices[0]);

  it('has the TestrunResult frame IGT tools read', () => {
    expect(r.__type__).to.equal('TestrunResult');
    expect(r.results_version).to.equal(10);
    expect(r.uname).to.equal(run.uname);
    expect(r.time_elapsed).to.deep.equal({ __type__: 'TimeAttribute', start: 1_700_000_000, end: 1_700_000_020.25 });
    expect(r.info.device).to.deep.include({ label: 'sim:apu', driver: 'apu' });
  });

  it('keys tests by full name with result, out, err, dmesg and time', () => {
    const t = r.tests['accel@gem@case-fail'];
    expect(t.result).to.equal('fail');
    expect(t.out).to.contain('log of case-fail');
    expect(t.err).to.contain('stderr of case-fail');
    expect(t.time).to.deep.equal({ __type__: 'TimeAttribute', start: 1_700_000_001, end: 1_700_000_001.25 });
    expect(r.tests['accel@sched@case-dmesg-warn'].dmesg).to.contain('WARNING');
  });

  it('writes abort as fail (as IGT writes igt@runner@aborted, and all piglit knows), keeping ours in accel-status', () => {
    expect(r.tests['accel@sched@case-abort'].result).to.equal('fail');
    expect(r.tests['accel@sched@case-abort']['accel-status']).to.equal('abort');
    expect(r.tests['accel@gem@case-fail']).to.not.have.property('accel-status');
    expect(r.totals['']).to.not.have.property('abort');
  });

  it('keeps every value of info an object (piglit summary html walks them)', () => {
    for (const info of [r.info, combinedResults(run).info]) {
      for (const [k, v] of Object.entries(info)) expect(typeof v === 'object' && v !== null && !Array.isArray(v), k).to.equal(true);
    }
    expect(r.info[RUN_INFO]).to.deep.include({ run_id: 'abc123', unexpected: 7 });
  });

  it('counts totals for the root and every group', () => {
    // Two fails and the abort, written as fail.
    expect(r.totals[''].fail).to.equal(3);
    expect(r.totals.root.pass).to.equal(1);
    expect(r.totals.accel.crash).to.equal(1);
    expect(r.totals['accel@gem']).to.deep.include({ pass: 1, fail: 1, skip: 1, timeout: 1, crash: 1, notrun: 0 });
  });

  it('indexes several devices with file names safe for any label', () => {
    expect(deviceFileName('sim:apu/accel0')).to.equal('results-sim_apu_accel0.json');
    const idx = resultsIndex(run);
    expect(idx.devices.map((d) => [d.label, d.file, d.unexpected])).to.deep.equal([
      ['sim:apu', 'results-sim_apu.json', 7],
      ['sim:mt8183', 'results-sim_mt8183.json', 0],
    ]);
    expect(idx.devices[1].aborted).to.match(/not ONLINE/);
  });
});

describe('TAP and KTAP', () => {
  const run = sampleReport();

  it('writes TAP 13 nested device > family > test with SKIP, TODO and YAML diagnostics', () => {
    const tap = tapReport(run, 'tap').split('\n');
    expect(tap.slice(0, 2)).to.deep.equal(['TAP version 13', '1..2']);
    expect(tap).to.include('    # Subtest: sim:apu');
    expect(tap).to.include('        # Subtest: gem');
    expect(tap).to.include('        ok 1 case-pass');
    expect(tap).to.include('        not ok 2 case-fail');
    expect(tap).to.include('        ok 3 case-skip # SKIP no adapter \\# for this');
    expect(tap).to.include('        not ok 6 known-bad # TODO expected fail: expected Fail');
    expect(tap).to.include('          ---');
    expect(tap).to.include('          status: timeout');
    expect(tap).to.include('    not ok 1 gem');
    expect(tap).to.include('not ok 1 sim:apu');
    expect(tap).to.include('        ok 2 case-fail # SKIP wedged');
  });

  it('writes KTAP version 1 with a header per nesting level and # diagnostics', () => {
    const k = tapReport(run, 'ktap').split('\n');
    expect(k[0]).to.equal('KTAP version 1');
    expect(k).to.include('    KTAP version 1');
    expect(k).to.include('        KTAP version 1');
    expect(k).to.include('        # case-crash: crash: crash: expected 0, got -22 <EINVAL>');
    expect(k.some((l) => l.includes('---'))).to.equal(false);
    // Every test line has the KTAP shape.
    for (const l of k.filter((x) => /^\s*(not )?ok /.test(x))) expect(l).to.match(/^(\s{4})*(ok|not ok) \d+ \S/);
  });
});

describe('summary table', () => {
  it('lists counts per device, the aborts and the unexpected results', () => {
    const s = summaryTable(sampleReport());
    expect(s).to.match(/^device\s+pass\s+fail\s+skip/);
    expect(s).to.match(/sim:apu\s+1\s+2\s+1/);
    expect(s).to.contain('sim:mt8183 aborted: sim:mt8183 is not ONLINE after accel@gem@case-pass');
    expect(s).to.contain('sim:apu accel@gem@case-fail fail');
    expect(s).to.not.contain('known-bad');
  });
});

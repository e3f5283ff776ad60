import { expect } from 'chai';
import { ConsoleEvents, consoleMode } from './console';
import type { TestResult } from './result';

const result = (name: string, status: TestResult['status'], message?: string): TestResult => ({
  device: 'sim:apu',
  name,
  status,
  out: '',
  err: '',
  dmesg: '',
  start: 10,
  end: 10.5,
  ...(message ? { message } : {}),
});

describe('console output', () => {
  it('chooses progress on a terminal, lines in CI or a pipe, nothing with --quiet', () => {
    expect(consoleMode({ quiet: false, isTTY: true, env: {} })).to.equal('progress');
    expect(consoleMode({ quiet: false, isTTY: true, env: { CI: 'true' } })).to.equal('lines');
    expect(consoleMode({ quiet: false, isTTY: true, env: { CI: 'false' } })).to.equal('progress');
    expect(consoleMode({ quiet: false, isTTY: false, env: {} })).to.equal('lines');
    expect(consoleMode({ quiet: true, isTTY: true, env: {} })).to.equal('quiet');
  });

  it('prints one line per finished test in lines mode', () => {
    let out = '';
    const c = new ConsoleEvents({ write: (s) => (out += s) }, 'lines', new Map([['sim:apu', 2]]));
    c.onTestStart('sim:apu', 'accel@gem@a');
    c.onTestEnd(result('accel@gem@a', 'fail', 'expected 1\nmore'), { verdict: 'unexpected' });
    expect(out).to.equal('[sim:apu 1/2] accel@gem@a fail (0.50 s) [unexpected]: expected 1\n');
  });

  it('redraws one live line with device, done/total, current test and counts', () => {
    let out = '';
    const c = new ConsoleEvents({ write: (s) => (out += s), columns: 200 }, 'progress', new Map([['sim:apu', 3]]));
    c.onTestStart('sim:apu', 'accel@gem@a');
    c.onTestEnd(result('accel@gem@a', 'pass'), { verdict: 'expected' });
    c.onTestStart('sim:apu', 'accel@gem@b');
    const last = out.split('\r\x1b[K').pop();
    expect(last).to.equal('1/3 [pass 1] sim:apu 1/3 accel@gem@b');
    expect(out).to.not.contain('\n');
    c.onDeviceAbort('sim:apu', 'wedged');
    expect(out).to.contain('\r\x1b[Ksim:apu: aborting its remaining tests: wedged\n');
    c.finish();
    expect(out.endsWith('\r\x1b[K')).to.equal(true);
  });

  it('says nothing per test when quiet', () => {
    let out = '';
    const c = new ConsoleEvents({ write: (s) => (out += s) }, 'quiet', new Map([['sim:apu', 1]]));
    c.onTestStart('sim:apu', 'accel@gem@a');
    c.onTestEnd(result('accel@gem@a', 'pass'), { verdict: 'expected' });
    expect(out).to.equal('');
  });
});

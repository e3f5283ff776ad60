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

  it('on a terminal: a per-test line that stays, and under it one live status line (devices N/M, test in flight, elapsed, failures)', () => {
    let out = '';
    let now = 1_000_000;
    let tick: (() => void) | null = null;
    const clock = { now: () => now, every: (_ms: number, f: () => void) => ((tick = f), () => void (tick = null)) };
    const c = new ConsoleEvents({ write: (s) => (out += s), columns: 200 }, 'progress', new Map([['sim:apu', 3], ['sim:mt8183', 1]]), clock);
    c.onTestStart('sim:apu', 'accel@gem@a');
    c.onTestEnd(result('accel@gem@a', 'fail', 'expected 1'), { verdict: 'unexpected' });
    c.onTestStart('sim:apu', 'accel@gem@b');
    // The finished test's line was written whole, the status line wiped before it and drawn again after.
    expect(out).to.contain('\r\x1b[K[sim:apu 1/3] accel@gem@a fail (0.50 s) [unexpected]: expected 1\n');
    expect(out.split('\r\x1b[K').pop()).to.equal('[0:00] 1/4 failures 1 (unexpected 1) | sim:apu 1/3 accel@gem@b | sim:mt8183 0/1');
    // Elapsed time moves on its own while a long test runs.
    now += 75_000;
    expect(tick).to.not.equal(null);
    tick!();
    expect(out.split('\r\x1b[K').pop()).to.match(/^\[1:15\] 1\/4 failures 1/);
    c.onDeviceAbort('sim:apu', 'wedged');
    expect(out).to.contain('\r\x1b[Ksim:apu: aborting its remaining tests: wedged\n');
    c.finish();
    expect(tick).to.equal(null);
    expect(out.endsWith('\r\x1b[K')).to.equal(true);
  });

  it('cuts the status line to the terminal width, keeping the counts', () => {
    let out = '';
    const c = new ConsoleEvents({ write: (s) => (out += s), columns: 40 }, 'progress', new Map([['sim:apu', 3]]));
    c.onTestStart('sim:apu', 'accel@gem@a-very-long-subtest-name');
    const last = out.split('\r\x1b[K').pop()!;
    expect(last.length).to.equal(39);
    expect(last).to.match(/^\[0:00\] 0\/3 failures 0 .*…$/);
    c.finish();
  });

  it('writes no escape sequence when not a terminal', () => {
    let out = '';
    const c = new ConsoleEvents({ write: (s) => (out += s) }, 'lines', new Map([['sim:apu', 1]]));
    c.onTestStart('sim:apu', 'accel@gem@a');
    c.onTestEnd(result('accel@gem@a', 'pass'), { verdict: 'expected' });
    c.onNotice('a notice');
    c.finish();
    expect(out).to.equal('[sim:apu 1/1] accel@gem@a pass (0.50 s)\na notice\n');
  });

  it('says nothing per test when quiet', () => {
    let out = '';
    const c = new ConsoleEvents({ write: (s) => (out += s) }, 'quiet', new Map([['sim:apu', 1]]));
    c.onTestStart('sim:apu', 'accel@gem@a');
    c.onTestEnd(result('accel@gem@a', 'pass'), { verdict: 'expected' });
    expect(out).to.equal('');
  });
});

/**
 * The live status line, seen as a person sees it: the CLI runs under a
 * pseudo-terminal made by util-linux's `script`, and what the terminal was
 * sent is read back. Without a terminal the same run prints no escapes.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_SUITE } from '../../runner/fixtures/request';
import { notChecked } from '../../reports/spec-helpers/need';
import { REPO } from '../spec-helpers/run-cli';

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

describe('accel-conformance run on a terminal', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'accel-tty-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const argv = (dir: string): string[] => [
    process.execPath, '-r', 'ts-node/register/transpile-only', join(REPO, 'harness/cli/main.ts'),
    'run', '--suite', FIXTURE_SUITE, '--device', 'fx:a', '-t', 'fx-basic@fail,fx-slow@one', '--results-dir', join(tmp, dir),
  ];
  // No CI variable: CI=true turns the status line off on purpose.
  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, ACCEL_FIXTURE_SLOW_MS: '2500', ACCEL_FIXTURE_STATE: tmp, COLUMNS: '150', TERM: 'xterm' });

  it('basic-tty-status: per-test lines stay, one status line (device N/M, test, elapsed, failures) is redrawn under them', function () {
    // A terminal 150 columns wide, so the status line is not cut.
    const r = spawnSync('script', ['-qefc', `stty cols 150 rows 40; ${argv('tty').map(shellQuote).join(' ')}`, '/dev/null'], { cwd: REPO, encoding: 'utf8', env: env(), timeout: 90_000 });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') notChecked(this, "the terminal status line was not checked: 'script' is missing (Debian package bsdutils/util-linux)");
    expect(r.status, r.stdout + r.stderr).to.equal(1);
    const screen = r.stdout;
    const statuses = screen.split('\r\x1b[K').map((s) => s.split('\n')[0]).filter((s) => /^\[\d+:\d\d\] /.test(s));
    expect(statuses.length, screen).to.be.greaterThan(3);
    expect(statuses.some((s) => /^\[0:\d\d\] 0\/2 failures 0 \(unexpected 0\) \| fx:a 0\/2 accel@fx-basic@fail$/.test(s)), statuses.join('\n')).to.equal(true);
    const during = statuses.filter((s) => / 1\/2 failures 1 \(unexpected 1\) \| fx:a 1\/2 accel@fx-slow@one$/.test(s));
    // Redrawn by the clock (every second) while the 2.5 s test runs: the elapsed time moves on with no event.
    expect(new Set(during.map((s) => s.slice(0, 6))).size, statuses.join('\n')).to.be.greaterThan(1);
    // The status line is wiped before each per-test line, which then stays on the screen whole.
    expect(screen).to.match(/\r\x1b\[K\[fx:a 1\/2\] accel@fx-basic@fail fail \([\d.]+ s\) \[unexpected\]: expected 1, got 2\r?\n/);
    expect(screen).to.match(/\r\x1b\[K\[fx:a 2\/2\] accel@fx-slow@one pass/);
    // And it is gone before the summary.
    expect(screen).to.match(/\r\x1b\[K\r?\ndevice\s+pass/);
  });

  it('basic-no-tty: the same run into a pipe has the per-test lines and no escape sequence', () => {
    const [node, ...args] = argv('pipe');
    const r = spawnSync(node, args, { cwd: REPO, encoding: 'utf8', env: env(), timeout: 90_000 });
    expect(r.status, r.stderr).to.equal(1);
    expect(r.stdout).to.not.contain('\x1b');
    expect(r.stdout).to.match(/^\[fx:a 1\/2\] accel@fx-basic@fail fail .*\n\[fx:a 2\/2\] accel@fx-slow@one pass /m);
  });
});

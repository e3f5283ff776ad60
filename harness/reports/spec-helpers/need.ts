/**
 * The consumer specs run real tools (piglit, kunit.py, LAVA's validator).
 * On a machine without one, the spec says plainly what it did not check and
 * is skipped; under CI=true (where .ci/run installs them) it fails instead,
 * so a green CI always means the consumer really read our output.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** Skips (or, in CI, fails) the running test: `what` says what was not checked and how to get the tool. */
export function notChecked(ctx: Mocha.Context, what: string): never {
  if (inCi()) throw new Error(`CI=true, and ${what}`);
  process.stderr.write(`      NOT CHECKED: ${what}\n`);
  ctx.skip();
  throw new Error('unreachable: mocha skip returned');
}

/** Runs a command; null when it is not installed (ENOENT). */
export function tryRun(cmd: string, args: readonly string[], opts: { input?: string; cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> | null {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  if (r.error) throw r.error;
  return r;
}

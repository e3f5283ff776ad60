/** Runs the CLI in-process or as a child process, capturing what it prints. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { runCli } from '../main';

export interface CliOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const REPO = path.resolve(__dirname, '../../..');

export async function cliInProcess(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliOutcome> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env,
  });
  return { code, stdout, stderr };
}

/** The CLI from source under ts-node, as a real process (its own argv parsing, exit code and streams). */
export function cliProcess(argv: string[], env: NodeJS.ProcessEnv = {}): CliOutcome {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(REPO, 'harness/cli/main.ts'), ...argv], {
    cwd: REPO,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The CLI in-process, as CI runs it (CI=true: one line per test, no live progress). */
export async function cliAsCi(args: string[]): Promise<Ran> {
  const r = await cliInProcess(args, { ...process.env, CI: 'true' });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

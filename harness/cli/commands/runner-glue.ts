/**
 * What run, resume and compare share: the default suite, the mapping of
 * outcomes and configuration errors to exit codes, and the console the
 * runner writes to.
 */
import { extname, join } from 'node:path';
import type { RunnerIo, CommandOutcome } from '../../runner/actions';
import { ConfigError } from '../../runner/config-error';
import { NoTestMatched } from '../../runner/prepare';
import { CliError, type CliIo } from '../command';
import { EXIT, type ExitCode } from '../exit-codes';

/** harness/runner/real-suite, compiled or not, as this file is. */
export function defaultSuiteModule(): string {
  return join(__dirname, '..', '..', 'runner', `real-suite${extname(__filename)}`);
}

export function toExitCode(o: CommandOutcome): ExitCode {
  switch (o) {
    case 'ok':
      return EXIT.OK;
    case 'unexpected':
    case 'regressions':
      return EXIT.FAILURES;
    case 'aborted':
      return EXIT.ABORTED;
    case 'reports-failed':
      return EXIT.REPORTS;
  }
}

export async function mapErrors(body: () => Promise<ExitCode>): Promise<ExitCode> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof NoTestMatched) throw new CliError(e.message, EXIT.NO_TESTS);
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT.USAGE, e.details);
    throw e;
  }
}

/** The runner's console: the CLI's writers, plus what only a real process has (a TTY, signals). */
export function processIo(io: CliIo): RunnerIo {
  return {
    stdout: { write: io.stdout, isTTY: process.stdout.isTTY === true, columns: process.stdout.columns },
    stderr: { write: io.stderr },
    env: io.env,
    onSignal: (stop) => {
      const onInt = (): void => stop('interrupted by SIGINT');
      const onTerm = (): void => stop('interrupted by SIGTERM');
      process.once('SIGINT', onInt);
      process.once('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
  };
}

/**
 * What a command module is: its yargs declaration plus a lazily loaded
 * implementation, so `--help` never loads koffi, the simulator or the runner.
 */
import type { Argv, Arguments } from 'yargs';
import { EXIT, type ExitCode } from './exit-codes';

/** Where a command writes; a parameter so specs can run the CLI in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  /** yargs command string, e.g. 'list' or 'run [tests..]'. */
  readonly command: string;
  readonly describe: string;
  readonly builder: (y: Argv) => Argv;
  /** Imports the implementation and runs it; resolves with the exit code. */
  readonly run: (args: Arguments, io: CliIo) => Promise<ExitCode>;
}

/**
 * An error the operator can fix. Its message is one line; `details` are
 * printed after it (e.g. the devices a filter could have matched).
 */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly details: readonly string[];

  constructor(message: string, exitCode: ExitCode = EXIT.USAGE, details: readonly string[] = []) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** A string option given at most once (yargs makes an array of repeats). */
export function stringArg(args: Arguments, key: string): string | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new CliError(`--${key} was given more than once`);
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new CliError(`--${key} needs a value`);
}

/** A string option that may be repeated; repeats are returned in order. */
export function stringArgs(args: Arguments, key: string): string[] | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  const list: unknown[] = Array.isArray(v) ? v : [v];
  return list.map((item) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number') return String(item);
    throw new CliError(`--${key} needs a value`);
  });
}

export function booleanArg(args: Arguments, key: string): boolean {
  const v = args[key];
  if (Array.isArray(v)) throw new CliError(`--${key} was given more than once`);
  return v === true;
}

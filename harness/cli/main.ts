#!/usr/bin/env node
/**
 * accel-conformance: the command-line entry point. Only yargs and the command
 * declarations load at start-up; each command imports its implementation
 * when it runs, which keeps `--help` fast in a minimal guest.
 */
import yargs, { type Arguments } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CliError, type CliIo } from './command';
import { commands } from './commands';
import { EXIT, EXIT_CODES_HELP, type ExitCode } from './exit-codes';

export const PROGRAM = 'accel-conformance';

/** Thrown from yargs' fail hook so that a usage error stops parsing before any handler runs. */
class UsageError extends Error {}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function report(io: CliIo, e: unknown): ExitCode {
  if (e instanceof CliError) {
    io.stderr(`${PROGRAM}: error: ${firstLine(e.message)}\n`);
    for (const line of e.details) io.stderr(`${line}\n`);
    return e.exitCode;
  }
  // A bug, not an operator mistake: say so in one line and keep the stack for whoever debugs it.
  const message = e instanceof Error ? e.message : String(e);
  io.stderr(`${PROGRAM}: internal error: ${firstLine(message)}\n`);
  if (e instanceof Error && e.stack && io.env.ACCEL_CONFORMANCE_DEBUG) io.stderr(`${e.stack}\n`);
  return EXIT.ABORTED;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.OK;
  let ran = false;
  const parser = yargs()
    .scriptName(PROGRAM)
    .usage(`$0 <command> [options]\n\nConformance tests for Linux compute-accelerator (drivers/accel) drivers.`)
    .strict()
    .demandCommand(1, 'a command is required')
    .version(false)
    .help()
    .alias('help', 'h')
    .wrap(Math.min(120, process.stdout.columns || 100))
    .epilog(EXIT_CODES_HELP)
    .fail((message, error) => {
      throw new UsageError(message ?? error?.message ?? 'invalid arguments');
    });
  for (const c of commands) {
    parser.command(c.command, c.describe, (y) => c.builder(y).epilog(EXIT_CODES_HELP), async (args: Arguments) => {
      ran = true;
      try {
        exitCode = await c.run(args, io);
      } catch (e) {
        exitCode = report(io, e);
      }
    });
  }
  let output = '';
  try {
    await parser.parseAsync(argv, {}, (_error, _args, text) => {
      output = text;
    });
  } catch (e) {
    if (!(e instanceof UsageError)) return report(io, e);
    io.stderr(`${PROGRAM}: error: ${firstLine(e.message)} (see ${PROGRAM} --help)\n`);
    return EXIT.USAGE;
  }
  if (output) io.stdout(output.endsWith('\n') ? output : `${output}\n`);
  return ran ? exitCode : EXIT.OK;
}

const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
};

if (require.main === module) {
  runCli(hideBin(process.argv), processIo).then(
    (code) => {
      // exitCode, not exit(): pending stdout writes to a pipe must drain first.
      process.exitCode = code;
    },
    (e: unknown) => {
      process.exitCode = report(processIo, e);
    },
  );
}

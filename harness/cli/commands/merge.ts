/**
 * `merge DIR... --into OUT`: joins the results directories of many shards or
 * machines into one, with every report, as if one run had made it
 * (docs/reports.md, "Many machines"). Exit codes as `run`'s, judged on the
 * merged run; 2 for inputs that cannot be merged.
 */
import type { Argv } from 'yargs';
import { booleanArg, CliError, type CliCommand, stringArg, stringArgs } from '../command';

export const mergeCommand: CliCommand = {
  command: 'merge <dirs..>',
  describe: 'Join the results directories of many shards or machines into one, with every report',
  builder: (y: Argv): Argv =>
    y
      .positional('dirs', { type: 'string', describe: 'results directories of `run` (shards, machines)' })
      .option('into', { alias: 'o', type: 'string', requiresArg: true, demandOption: true, describe: 'the new results directory to write' })
      .option('expectations', { type: 'string', requiresArg: true, describe: "drm-ci fails file to judge the merged run by (default: the inputs' own, which must agree)" })
      .option('flakes', { type: 'string', requiresArg: true, describe: 'drm-ci flakes file to judge the merged run by' })
      .option('junit', { type: 'string', requiresArg: true, describe: 'also write the JUnit XML to FILE' })
      .option('tap', { type: 'string', requiresArg: true, describe: "write the TAP to FILE ('-' for stdout)", defaultDescription: 'OUT/results.tap (OUT/results.ktap with --ktap)' })
      .option('ktap', { type: 'boolean', describe: 'write the TAP as KTAP version 1' })
      .option('tap-flat', { type: 'boolean', describe: 'write the TAP as one line per test, not nested (for tap-junit)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only the summary' })
      .example('$0 merge shard-1 shard-2 shard-3 --into merged', 'one run from three machines')
      .example('$0 merge m1/ m2/ --into all --expectations board-fails.txt', 'judged by one expectation file'),
  run: async (args, io) => {
    const dirs = stringArgs(args, 'dirs') ?? [];
    const into = stringArg(args, 'into');
    if (dirs.length === 0) throw new CliError('merge needs at least one results directory');
    if (into === undefined) throw new CliError('merge needs --into DIR');
    const [{ doMerge }, glue] = await Promise.all([import('../../runner/actions'), import('./runner-glue')]);
    const expectations = stringArg(args, 'expectations');
    const flakes = stringArg(args, 'flakes');
    const junit = stringArg(args, 'junit');
    const tap = stringArg(args, 'tap');
    return glue.mapErrors(
      async () =>
        glue.toExitCode(
          doMerge(
            {
              inputs: dirs,
              into,
              ...(expectations !== undefined ? { expectations } : {}),
              ...(flakes !== undefined ? { flakes } : {}),
              ...(junit !== undefined ? { junit } : {}),
              ...(tap !== undefined ? { tap } : {}),
              ktap: booleanArg(args, 'ktap'),
              ...(booleanArg(args, 'tap-flat') ? { tapFlat: true } : {}),
              argv: ['accel-conformance', ...process.argv.slice(2)],
            },
            booleanArg(args, 'quiet'),
            glue.processIo(io),
          ),
        ),
    );
  },
};

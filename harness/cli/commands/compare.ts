/** `compare A B`: fixes, regressions, new and removed tests between two runs. Exit 1 when anything regressed. */
import type { Argv } from 'yargs';
import { CliError, type CliCommand, stringArg } from '../command';

export const compareCommand: CliCommand = {
  command: 'compare <before> <after>',
  describe: 'Compare two result directories (or IGT results.json files): fixes, regressions, new, removed',
  builder: (y: Argv): Argv =>
    y
      .positional('before', { type: 'string', describe: 'the older results directory' })
      .positional('after', { type: 'string', describe: 'the newer results directory' })
      .example('$0 compare reports/old reports/new', 'what changed; exit 1 on a regression'),
  run: async (args, io) => {
    const a = stringArg(args, 'before');
    const b = stringArg(args, 'after');
    if (a === undefined || b === undefined) throw new CliError('compare needs two result directories');
    const [{ doCompare }, glue] = await Promise.all([import('../../runner/actions'), import('./runner-glue')]);
    return glue.mapErrors(async () => glue.toExitCode(doCompare(a, b, glue.processIo(io))));
  },
};

/** `resume DIR`: runs what a killed or aborted run left, with its saved options, then writes the reports. */
import type { Argv } from 'yargs';
import { booleanArg, CliError, type CliCommand, stringArg } from '../command';

export const resumeCommand: CliCommand = {
  command: 'resume <results-dir>',
  describe: 'Finish a run that was killed or aborted: the test in flight stays incomplete, the rest runs',
  builder: (y: Argv): Argv =>
    y
      .positional('results-dir', { type: 'string', describe: 'the results directory of the run (holds run.json and journal.jsonl)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only the summary' })
      .example('$0 resume reports/20260101T000000Z-host-abc123', 'go on where the run stopped'),
  run: async (args, io) => {
    const dir = stringArg(args, 'results-dir');
    if (dir === undefined) throw new CliError('resume needs the results directory');
    const [{ doResume }, glue, { resolve }] = await Promise.all([import('../../runner/actions'), import('./runner-glue'), import('node:path')]);
    return glue.mapErrors(async () => glue.toExitCode(await doResume(resolve(dir), booleanArg(args, 'quiet'), glue.processIo(io))));
  },
};

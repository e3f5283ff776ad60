/** `fuzz`: the differential fuzz of a device against a simulated APU model (harness/fuzz, docs/tests.md). */
import type { Argv } from 'yargs';
import { booleanArg, CliError, type CliCommand, stringArg } from '../command';
import { EXIT } from '../exit-codes';

/** The simulated models a device may be compared against. */
export const FUZZ_AGAINST = ['sim:apu', 'sim:mt8183'] as const;

/** A non-negative integer option, or a one-line usage error. */
export function uintArg(name: string, text: string | undefined, fallback: number, max = 0xffffffff): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max) throw new CliError(`--${name} must be an integer from 0 to ${max}, not '${text}'`);
  return Number(text);
}

export const fuzzCommand: CliCommand = {
  command: 'fuzz',
  describe: 'Differential fuzz: run seeded APU ioctl programs on a device and on a simulated APU, compare everything',
  builder: (y: Argv): Argv =>
    y
      .option('device', { type: 'string', requiresArg: true, describe: 'the device under test (accel:N, sim:SPEC, ... as for run)' })
      .option('against', {
        type: 'string',
        requiresArg: true,
        describe: `the model to compare with: ${FUZZ_AGAINST.join(' or ')}, with ?param=value... as in --device`,
      })
      .option('seed', { type: 'string', requiresArg: true, describe: 'campaign seed, 0..4294967295', default: '1' })
      .option('programs', { type: 'string', requiresArg: true, describe: 'number of programs', default: '100' })
      .option('max-ops', { type: 'string', requiresArg: true, describe: 'most ops per program (1..500)', default: '40' })
      .option('shrink', { type: 'string', requiresArg: true, describe: 'how many differing programs to shrink and print', default: '3' })
      .option('allow-destructive', {
        type: 'boolean',
        describe: 'on a real device, also generate HANG and CRASH jobs (they time out and reset it); simulated devices always get them',
      })
      .option('replay', {
        type: 'string',
        requiresArg: true,
        describe: 'run the programs of FILE instead of generating them: a program, a list of them, a --out file or a regression file',
      })
      .option('out', { type: 'string', requiresArg: true, describe: 'write the findings as JSON to FILE (also when none)' })
      .example('$0 fuzz --device accel:0 --against sim:apu --seed 7 --programs 2000 --allow-destructive', 'the module against the simulator')
      .example("$0 fuzz --device 'sim:apu?defect=checksum-wrong' --against sim:apu --programs 500", 'a planted difference, shrunk')
      .epilog(
        'fuzz exits 0 when the two sides agree on every program, 1 on a difference (the shrunk programs are printed), ' +
          '2 on a usage error, 3 when a device or the peer process failed, 5 when --out could not be written.',
      ),
  run: async (args, io) => {
    const device = stringArg(args, 'device');
    const against = stringArg(args, 'against');
    if (device === undefined) throw new CliError('fuzz needs --device (the device under test)');
    if (against === undefined) throw new CliError(`fuzz needs --against (${FUZZ_AGAINST.join(' or ')})`);
    const base = against.split('?')[0] ?? '';
    if (!(FUZZ_AGAINST as readonly string[]).includes(base)) {
      throw new CliError(`--against must be ${FUZZ_AGAINST.join(' or ')} (optionally with ?params), not '${against}'`);
    }
    const options = {
      device,
      against,
      seed: uintArg('seed', stringArg(args, 'seed'), 1),
      programs: uintArg('programs', stringArg(args, 'programs'), 100, 10_000_000),
      maxOps: uintArg('max-ops', stringArg(args, 'max-ops'), 40, 500),
      shrinkFirst: uintArg('shrink', stringArg(args, 'shrink'), 3, 100),
      out: stringArg(args, 'out'),
      allowDestructive: booleanArg(args, 'allow-destructive'),
      replay: stringArg(args, 'replay'),
    };
    if (options.maxOps < 1) throw new CliError('--max-ops must be at least 1');
    const { runFuzz } = await import('../fuzz/run');
    try {
      return await runFuzz(options, io);
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`fuzz aborted: ${e instanceof Error ? e.message : String(e)}`, EXIT.ABORTED);
    }
  },
};

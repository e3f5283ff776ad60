/** The fuzz command's body: opens both devices, runs the campaign, prints and writes the findings. */
import { readFileSync, writeFileSync } from 'node:fs';
import { DeviceSelectionError } from '../../discovery/errors';
import { openSession } from '../../session';
import { type CampaignResult, runBoth, runCampaign } from '../../fuzz/campaign';
import { Executor, type FuzzDevice } from '../../fuzz/execute';
import { type Program, programsOf } from '../../fuzz/program';
import { formatComparison } from '../../fuzz/format';
import { CliError, type CliIo } from '../command';
import { EXIT, type ExitCode } from '../exit-codes';

export interface FuzzOptions {
  readonly device: string;
  readonly against: string;
  readonly seed: number;
  readonly programs: number;
  readonly maxOps: number;
  readonly shrinkFirst: number;
  readonly out?: string | undefined;
  readonly allowDestructive: boolean;
  readonly replay?: string | undefined;
}

async function openOne(filter: string, what: string, io: CliIo): Promise<FuzzDevice & { label: string; simulated: boolean }> {
  let session;
  try {
    session = await openSession({ device: filter, env: io.env });
  } catch (e) {
    if (e instanceof DeviceSelectionError) throw new CliError(`${what}: ${e.message}`, EXIT.USAGE, e.details);
    throw e;
  }
  const [dev, ...more] = session.devices;
  if (!dev || more.length > 0) throw new CliError(`${what} '${filter}' must select exactly one device, it selects ${session.devices.length}`);
  if (dev.profile.driver !== 'apu' && !dev.simulated) {
    throw new CliError(`${what} '${filter}' is driven by '${dev.profile.driver}': the fuzz speaks the APU uAPI (drivers/apu/uapi.ts)`);
  }
  return { sys: dev.sys, devnode: dev.info.devnode, label: dev.label, simulated: dev.simulated };
}

/** The report of a campaign: a summary line, then each shrunk program with both sides' records. */
export function formatCampaign(r: CampaignResult, labels: { device: string; against: string }, seed: number): string[] {
  const lines = [
    `fuzz: seed ${seed}, ${r.programs} programs (${r.ops} ops) on ${labels.device} against ${labels.against}: ` +
      `${r.differing} differing program(s), ${r.seconds.toFixed(1)} s`,
  ];
  for (const f of r.findings) {
    lines.push('');
    lines.push(
      `DIFFERENT program ${f.index} (seed ${f.seed}): ${f.shrunk ? `shrunk from ${f.opsBefore} to ${f.program.ops.length} ops in ${f.trials} trials` : `not shrunk (${f.program.ops.length} ops)`}, first difference at op @${f.program.ops[f.difference.index]?.id ?? '?'}`,
    );
    lines.push(...formatComparison(f.program, f.device, f.against, labels, f.difference.index));
  }
  return lines;
}

function writeJson(file: string, json: unknown, io: CliIo): boolean {
  try {
    writeFileSync(file, `${JSON.stringify(json, null, 1)}\n`);
    return true;
  } catch (e) {
    io.stderr(`accel-conformance: error: cannot write ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
    return false;
  }
}

/** --replay: the given programs on both sides, each printed with both records; --out gets every run. */
async function replay(o: FuzzOptions, file: string, dev: FuzzDevice, sim: FuzzDevice, labels: { device: string; against: string }, io: CliIo): Promise<ExitCode> {
  let programs: Program[];
  try {
    programs = programsOf(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  } catch (e) {
    throw new CliError(`--replay ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const a = new Executor(dev);
  const b = new Executor(sim);
  const runs = [];
  try {
    for (const p of programs) {
      const r = await runBoth(a, b, p);
      runs.push({ program: p, device: r.device, against: r.against, difference: r.difference });
      io.stdout(`${r.difference ? 'DIFFERENT' : 'same'}: program of seed ${p.seed} (${p.ops.length} ops)\n`);
      io.stdout(`${formatComparison(p, r.device, r.against, labels, r.difference?.index).join('\n')}\n`);
    }
  } finally {
    await a.dispose();
    await b.dispose();
  }
  if (o.out !== undefined && !writeJson(o.out, { schema: 'accel-conformance/fuzz-replay/v1', device: o.device, against: o.against, runs }, io)) {
    return EXIT.REPORTS;
  }
  return runs.some((r) => r.difference) ? EXIT.FAILURES : EXIT.OK;
}

export async function runFuzz(o: FuzzOptions, io: CliIo): Promise<ExitCode> {
  const dev = await openOne(o.device, '--device', io);
  const sim = await openOne(o.against, '--against', io);
  const labels = { device: dev.label, against: sim.label };
  if (o.replay !== undefined) return replay(o, o.replay, dev, sim, labels, io);
  // A HANG times the device out and a CRASH reboots its firmware: on real hardware only when asked (as for run).
  const destructive = dev.simulated || o.allowDestructive;
  if (!destructive) io.stderr(`accel-conformance: note: ${dev.label} is a real device: no HANG or CRASH jobs without --allow-destructive\n`);
  const result = await runCampaign(dev, sim, {
    seed: o.seed,
    programs: o.programs,
    maxOps: o.maxOps,
    shrinkFirst: o.shrinkFirst,
    destructive,
  });
  io.stdout(`${formatCampaign(result, labels, o.seed).join('\n')}\n`);
  if (o.out !== undefined) {
    const ok = writeJson(o.out, {
      schema: 'accel-conformance/fuzz/v1',
      device: o.device,
      against: o.against,
      seed: o.seed,
      programs: result.programs,
      ops: result.ops,
      differing: result.differing,
      seconds: result.seconds,
      findings: result.findings,
    }, io);
    if (!ok) return EXIT.REPORTS;
  }
  return result.differing > 0 ? EXIT.FAILURES : EXIT.OK;
}

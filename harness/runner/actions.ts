/**
 * What `run`, `resume` and `compare` do, apart from parsing argv: each
 * returns a CommandOutcome the command maps to its exit code. Configuration
 * mistakes are thrown as ConfigError / NoTestMatched before anything runs;
 * once tests run, results are in the journal and reports are always written.
 */
import { compareRuns, formatComparison, loadResults } from '../reports/compare';
import { runVerdict } from '../reports/build';
import { summaryTable } from '../reports/summary';
import { writeReports, type Written } from '../reports/write';
import { ConsoleEvents, consoleMode, type Out } from './console';
import { RunControl } from './control';
import { loadExpectations } from './expectation-files';
import { acquireLock, type RunLock } from './lock';
import { planTests, prepareRun, type RunRequest } from './prepare';
import { readSavedRun, type SavedRun } from './run-config';
import { runSession } from './session-run';
import { mergeRuns, type MergeRequest } from './merge';
import { loadSuite } from './suite';
import { ConfigError } from './config-error';
import { readDurations, selectShard } from './shard';

export type CommandOutcome = 'ok' | 'unexpected' | 'aborted' | 'regressions' | 'reports-failed';

/** The runner's console: the CLI's writers (cli/command.ts CliIo) plus what only a process has, a TTY and signals. */
export interface RunnerIo {
  readonly stdout: Out & { readonly isTTY?: boolean };
  readonly stderr: Out;
  readonly env: NodeJS.ProcessEnv;
  /** Installs handlers that stop the run on SIGINT/SIGTERM; returns their remover. */
  readonly onSignal?: (stop: (why: string) => void) => () => void;
}

export function listSubtests(
  suiteModule: string,
  req: Pick<RunRequest, 'include' | 'exclude' | 'testList' | 'skips' | 'shard' | 'shardDurations'>,
  io: RunnerIo,
): void {
  const suite = loadSuite(suiteModule);
  const skips = req.skips ? loadExpectations({ skips: req.skips }).parsed.skips : [];
  const filtered = req.include.length + req.exclude.length > 0 || req.testList !== undefined || skips.length > 0;
  const selected = filtered ? planTests(suite, req, skips) : planTests(suite, { include: [], exclude: [] }, []);
  if (req.shardDurations !== undefined && !req.shard) throw new ConfigError('--shard-durations needs --shard K/N');
  const tests = req.shard ? selectShard(selected, req.shard, req.shardDurations !== undefined ? readDurations(req.shardDurations) : undefined) : selected;
  io.stdout.write(tests.map((t) => t.name).join('\n') + '\n');
}

export function describeTests(suiteModule: string, glob: string | undefined, io: RunnerIo): void {
  const suite = loadSuite(suiteModule);
  const tests = planTests(suite, { include: glob ? [glob] : [], exclude: [] }, [], glob ? `--describe ${glob}` : undefined);
  const text = tests
    .map((t) => {
      const lines = [`${t.name}${t.destructive ? ' [destructive]' : ''}`, `  ${t.description}`, `  reference: ${t.reference}`];
      if (t.requires.length > 0) lines.push(`  requires: ${t.requires.join(', ')}`);
      return lines.join('\n');
    })
    .join('\n\n');
  io.stdout.write(text + '\n');
}

async function session(dir: string, saved: SavedRun, resumed: boolean, quiet: boolean, io: RunnerIo, lock: RunLock): Promise<CommandOutcome> {
  // With TAP on stdout, everything else goes to stderr so the TAP stays parseable.
  const talk = saved.outputs.tap === '-' ? io.stderr : io.stdout;
  const mode = consoleMode({ quiet, isTTY: talk === io.stdout && io.stdout.isTTY === true, env: io.env });
  const totals = new Map(saved.devices.map((d) => [d.label, saved.plan[d.label]?.length ?? 0]));
  const events = new ConsoleEvents(talk, mode, totals);
  for (const n of saved.notices) events.onNotice(n);
  const control = new RunControl();
  const removeSignals = io.onSignal?.((why) => control.stop(why));
  let written: Written;
  try {
    try {
      await runSession(dir, saved, resumed, { events, control });
    } catch (e) {
      // A runner bug must not cost the results gathered so far: write what the journal holds, then report the bug.
      try {
        writeReports(dir, saved);
      } catch {
        // The journal still has every result; `resume` writes the reports.
      }
      throw e;
    } finally {
      removeSignals?.();
      events.finish();
    }
    // Still under the lock: a resume started now must not write the same reports at once.
    written = writeReports(dir, saved);
  } finally {
    lock.release();
  }
  return reportOutcome(dir, written, talk, io);
}

/** Prints the summary and where the reports are; the run's outcome from them. */
function reportOutcome(dir: string, written: Written, talk: Out, io: RunnerIo): CommandOutcome {
  if (written.tapToStdout !== undefined) io.stdout.write(written.tapToStdout);
  talk.write(`\n${summaryTable(written.report)}\nreports: ${dir}\n  ${written.files.map((f) => f.replace(`${dir}/`, '')).join(' ')}\n`);
  for (const f of written.failed) io.stderr.write(`accel-conformance: error: ${f}\n`);
  return outcomeOf(runVerdict(written.report), written.failed.length > 0);
}

/** 3 (aborted) beats 5 (a report missing) beats 1 (unexpected results): docs/runner.md, "Exit codes". */
function outcomeOf(verdict: ReturnType<typeof runVerdict>, reportsFailed: boolean): CommandOutcome {
  if (verdict === 'aborted') return 'aborted';
  return reportsFailed ? 'reports-failed' : verdict;
}

export async function doRun(req: RunRequest, quiet: boolean, io: RunnerIo): Promise<CommandOutcome> {
  const { dir, saved, lock } = await prepareRun(req);
  return session(dir, saved, false, quiet, io, lock);
}

export async function doResume(dir: string, quiet: boolean, io: RunnerIo): Promise<CommandOutcome> {
  const saved = readSavedRun(dir);
  if (saved.mergedFrom) {
    throw new ConfigError(`${dir} was made by merge: resume each run on its own machine, then merge again`);
  }
  // The run being resumed may still be going: two harnesses would run two workers on one device.
  const lock = acquireLock(dir);
  return session(dir, saved, true, quiet, io, lock);
}

/** `merge`: checks and joins the inputs, then writes every report of the merged directory, as a run does. */
export function doMerge(req: MergeRequest, quiet: boolean, io: RunnerIo): CommandOutcome {
  const { dir, saved, lock } = mergeRuns(req);
  let written: Written;
  try {
    written = writeReports(dir, saved);
  } finally {
    lock.release();
  }
  for (const n of saved.notices) if (!quiet) (saved.outputs.tap === '-' ? io.stderr : io.stdout).write(`${n}\n`);
  return reportOutcome(dir, written, saved.outputs.tap === '-' ? io.stderr : io.stdout, io);
}

export function doCompare(a: string, b: string, io: RunnerIo): CommandOutcome {
  const list = compareRuns(loadResults(a), loadResults(b));
  io.stdout.write(formatComparison(list));
  return list.some((c) => c.regressions.length > 0) ? 'regressions' : 'ok';
}

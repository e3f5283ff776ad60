/**
 * The arm64 lane's verdicts on one phase of the ethosu boot, with the
 * failures ethosu's shipped expectations list (drivers/ethosu/expectations)
 * taken into account:
 *
 *   node dist/harness/lane/arm64/phase-check.js results LABEL RESULTS MIN_PASSES
 *       As check.js clean-run, except that a failing result the shipped
 *       expectations list with that status is expected (and printed).
 *   node dist/harness/lane/arm64/phase-check.js warnings DMESG RESULTS
 *       Splits the warning lines of the phase's kernel log (dmesg output)
 *       into those an expected failing test captured (its `dmesg` in
 *       RESULTS: same timestamp, same text) and the rest. Prints
 *       "accepted=N unexpected=M", then each unexpected line.
 *
 * Exit 0 when the check holds, 1 when it does not, 2 for unusable arguments.
 */
import { readFileSync } from 'node:fs';
import { shippedExpectationsFor } from '../../../drivers/registry';
import { classify, parseFails, type Expectations } from '../../runner/expectations';
import { isFailing } from '../../runner/status';
import { judgeCleanRun, parseResults } from '../differential';

/** What the guest's /init counts as a warning line (harness/lane/arm64/guest/init, warn_re). */
export const WARNING_LINE =
  /WARNING:|BUG:|Oops|general protection|Call Trace:|KASAN|UBSAN|refcount_t:|list_(add|del) corruption|INFO: task .* blocked|Tearing down scheduler|Memory manager not clean/;

const DRIVER = 'ethosu';

function shippedExpectations(): Expectations {
  const fails = shippedExpectationsFor(DRIVER)?.fails;
  return { fails: fails ? parseFails(readFileSync(fails, 'utf8'), fails) : new Map(), flakes: [], skips: [], sources: fails ? [fails] : [] };
}

/** Failing results the shipped expectations list with that status: name -> its captured kernel log. */
export function expectedFailures(resultsText: string, what: string, exp: Expectations): Map<string, string> {
  const statuses = parseResults(resultsText, what);
  const raw = JSON.parse(resultsText) as { tests: Record<string, { dmesg?: unknown }> };
  const out = new Map<string, string>();
  for (const [name, o] of statuses) {
    if (!isFailing(o.status) || classify(name, o.status, exp).verdict !== 'expected') continue;
    const dmesg = raw.tests[name]?.dmesg;
    out.set(name, typeof dmesg === 'string' ? dmesg : '');
  }
  return out;
}

/** "[  171.571351] text" (dmesg) and "<4>[171.571351] text" (the runner's capture) as one key. */
function recordKey(line: string): string | null {
  const m = /^(?:<\d+>)?\[\s*(\d+\.\d{6})\]\s?(.*)$/.exec(line);
  return m ? `${m[1]} ${m[2]}` : null;
}

export interface WarningSplit {
  readonly accepted: readonly string[];
  readonly unexpected: readonly string[];
}

/** The phase's warning lines, accepted when an expected failing test captured exactly that record. */
export function splitWarnings(dmesg: string, captured: Iterable<string>): WarningSplit {
  const known = new Set<string>();
  for (const text of captured) {
    for (const line of text.split('\n')) {
      const k = recordKey(line);
      if (k) known.add(k);
    }
  }
  const accepted: string[] = [];
  const unexpected: string[] = [];
  for (const line of dmesg.split('\n')) {
    if (!WARNING_LINE.test(line)) continue;
    const k = recordKey(line);
    (k && known.has(k) ? accepted : unexpected).push(line);
  }
  return { accepted, unexpected };
}

function main(argv: readonly string[]): number {
  const [cmd, ...args] = argv;
  const exp = shippedExpectations();
  switch (cmd) {
    case 'results': {
      const [label, file, min] = args;
      const minPasses = Number(min);
      if (!label || !file || !Number.isInteger(minPasses) || minPasses < 0) return usage();
      const text = readFileSync(file, 'utf8');
      const expected = expectedFailures(text, file, exp);
      const rest = new Map([...parseResults(text, file)].filter(([name]) => !expected.has(name)));
      const v = judgeCleanRun(rest, minPasses);
      console.log(`${label}: ${v.passes} pass, ${v.skips} skip, ${expected.size} expected failure(s) (at least ${minPasses} passes required)`);
      for (const name of expected.keys()) console.log(`  expected failure (${exp.sources.join(', ')}): ${name}`);
      for (const p of v.problems) console.log(`  PROBLEM ${p}`);
      return v.problems.length === 0 ? 0 : 1;
    }
    case 'warnings': {
      const [dmesgFile, file] = args;
      if (!dmesgFile || !file) return usage();
      const expected = expectedFailures(readFileSync(file, 'utf8'), file, exp);
      const split = splitWarnings(readFileSync(dmesgFile, 'utf8'), expected.values());
      console.log(`accepted=${split.accepted.length} unexpected=${split.unexpected.length}`);
      for (const l of split.unexpected) console.log(`  UNEXPECTED ${l}`);
      return split.unexpected.length === 0 ? 0 : 1;
    }
    default:
      return usage();
  }
}

function usage(): number {
  console.error('usage: phase-check.js results LABEL RESULTS MIN_PASSES | warnings DMESG RESULTS');
  return 2;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`phase-check.js: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 2;
  }
}

/**
 * Runs one subtest on one device and turns what happened into a result:
 * SkipError is a skip with its reason, anything else thrown is a failure,
 * and the context's cleanups run in every case (a cleanup that fails turns a
 * pass into a failure: the test left the device in a state it cannot undo).
 */
import { isSysError } from '../sys/errno';
import { SubtestContext } from './context';
import { type DeviceUnderTest, type RunOptions, SkipError, type Subtest, TestFailure } from './define';
import { skipReasonFor } from './requirements';

export type SubtestStatus = 'pass' | 'fail' | 'skip';

export interface SubtestResult {
  readonly status: SubtestStatus;
  readonly durationMs: number;
  readonly log: string[];
  /** Skip reason or failure message. */
  readonly message?: string;
  /** Stack of an unexpected error, cleanup errors. */
  readonly details?: string;
}

function describeThrown(e: unknown): { message: string; details?: string } {
  if (e instanceof TestFailure) return { message: e.message };
  if (isSysError(e)) {
    // A system error the test did not expect: the rule's call failed.
    return { message: `unexpected ${e.message}`, details: e.stack };
  }
  if (e instanceof Error) return { message: `${e.name}: ${e.message}`, details: e.stack };
  return { message: `thrown: ${String(e)}` };
}

export async function runSubtest(
  subtest: Subtest,
  device: DeviceUnderTest,
  others: readonly DeviceUnderTest[],
  options: RunOptions,
): Promise<SubtestResult> {
  const started = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e6;

  if (subtest.destructive && !device.simulated && !options.allowDestructive) {
    return {
      status: 'skip',
      durationMs: elapsed(),
      log: [],
      message: 'destructive (hangs, resets or crashes the device): run with --allow-destructive on a real device',
    };
  }

  const unmet = skipReasonFor(subtest.requires ?? [], device, options);
  if (unmet !== null) return { status: 'skip', durationMs: elapsed(), log: [], message: unmet };

  const t = new SubtestContext(device, others, options);
  let status: SubtestStatus = 'pass';
  let message: string | undefined;
  let details: string | undefined;
  try {
    await subtest.run(t);
  } catch (e) {
    if (e instanceof SkipError) {
      status = 'skip';
      message = e.message;
    } else {
      status = 'fail';
      ({ message, details } = describeThrown(e));
    }
  }

  const cleanupErrors = await t.cleanup();
  if (cleanupErrors.length > 0) {
    const text = cleanupErrors.map((e) => describeThrown(e).message).join('; ');
    t.log(`cleanup failed: ${text}`);
    if (status === 'pass') {
      status = 'fail';
      message = `cleanup failed: ${text}`;
    } else {
      details = [details, `cleanup failed: ${text}`].filter(Boolean).join('\n');
    }
  }

  const result: SubtestResult = { status, durationMs: elapsed(), log: t.lines };
  return {
    ...result,
    ...(message !== undefined ? { message } : {}),
    ...(details !== undefined ? { details } : {}),
  };
}

/** Messages between the runner and a worker child, over the fork IPC channel. */
import type { RunOptions } from '../testing/define';
import type { SubtestResult } from '../testing/execute';
import type { Captured } from './kmsg';

export interface Health {
  readonly online: boolean;
  readonly detail: string;
}

export interface WorkerInit {
  readonly type: 'init';
  readonly suiteModule: string;
  /** The run's --device filter: the worker opens the same session and picks `label`. */
  readonly deviceFilter?: string;
  readonly label: string;
  readonly runOptions: RunOptions;
  /** Driver plugins to load before opening the session (absolute paths). */
  readonly driverPlugins?: readonly string[];
  /** How long a device may take to come back ONLINE after a test. */
  readonly recoveryMs: number;
}

export type ToWorker = WorkerInit | { readonly type: 'run'; readonly name: string };

export type FromWorker =
  | { readonly type: 'ready'; readonly health: Health }
  | { readonly type: 'started'; readonly name: string }
  | {
      readonly type: 'result';
      readonly name: string;
      readonly outcome: SubtestResult;
      readonly health: Health;
      /** A simulated device's kernel log while the test ran (its kernel lives in the worker). */
      readonly kernelLog?: Captured;
    }
  | { readonly type: 'fatal'; readonly message: string };

export function isFromWorker(m: unknown): m is FromWorker {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

/**
 * Written by the worker to stdout and stderr after each test, before the
 * result message: pipes and the IPC channel are read independently, so the
 * runner waits for this to know it has all of the test's output.
 */
export function outputEndMarker(name: string): string {
  return `\u001eaccel-conformance end of ${name}\n`;
}

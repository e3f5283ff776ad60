import type { Classified } from './expectations';
import type { TestResult } from './result';

/** What the console hears from a run, as it happens. */
export interface RunEvents {
  onTestStart(device: string, name: string): void;
  onTestEnd(result: TestResult, verdict: Classified): void;
  onDeviceAbort(device: string, reason: string): void;
  onNotice(message: string): void;
}

export const SILENT: RunEvents = {
  onTestStart: () => undefined,
  onTestEnd: () => undefined,
  onDeviceAbort: () => undefined,
  onNotice: () => undefined,
};

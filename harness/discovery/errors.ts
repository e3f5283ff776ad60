/**
 * Errors that stop device selection. All are the operator's to fix (a bad
 * filter, a wrong root, a missing backend), so the CLI maps them to exit 2.
 */

export type SelectionErrorKind = 'syntax' | 'no-match' | 'config' | 'unavailable';

export class DeviceSelectionError extends Error {
  readonly kind: SelectionErrorKind;
  /** Extra lines after the one-line message (the available devices, for no-match). */
  readonly details: readonly string[];

  constructor(kind: SelectionErrorKind, message: string, details: readonly string[] = []) {
    super(message);
    this.name = 'DeviceSelectionError';
    this.kind = kind;
    this.details = details;
  }
}

export class FilterSyntaxError extends DeviceSelectionError {
  constructor(message: string) {
    super('syntax', message);
    this.name = 'FilterSyntaxError';
  }
}

export class DiscoveryConfigError extends DeviceSelectionError {
  constructor(message: string) {
    super('config', message);
    this.name = 'DiscoveryConfigError';
  }
}

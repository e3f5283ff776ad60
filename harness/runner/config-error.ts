/**
 * A problem with what the user asked for (options, files, globs), found
 * before anything runs. The CLI prints `message` on one line and exits 2.
 */
export class ConfigError extends Error {
  /** Lines printed after the message (e.g. the devices a filter could match). */
  readonly details: readonly string[];

  constructor(message: string, details: readonly string[] = []) {
    super(message);
    this.name = 'ConfigError';
    this.details = details;
  }
}

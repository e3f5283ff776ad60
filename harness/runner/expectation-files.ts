/**
 * Reads --expectations/--flakes/--skips once, keeping their text in run.json
 * so a resume (or a report written later) judges by the same lists.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './config-error';
import { parseFails, parseRegexList, type Expectations } from './expectations';
import type { SavedFile, SavedRun, ShippedSaved } from './run-config';

export interface SavedExpectationInput {
  readonly fails?: string;
  readonly flakes?: string;
  readonly skips?: string;
}

type Saved = SavedRun['expectations'];

function read(file: string, what: string): SavedFile {
  try {
    return { file: resolve(file), text: readFileSync(file, 'utf8') };
  } catch (e) {
    throw new ConfigError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function parseSaved(saved: Saved): Expectations {
  return {
    fails: saved.fails ? parseFails(saved.fails.text, saved.fails.file) : new Map(),
    flakes: saved.flakes ? parseRegexList(saved.flakes.text, saved.flakes.file) : [],
    skips: saved.skips ? parseRegexList(saved.skips.text, saved.skips.file) : [],
    sources: [saved.fails, saved.flakes, saved.skips].filter((f): f is SavedFile => !!f).map((f) => f.file),
  };
}

/**
 * The expectations a device is judged by: the files shipped for its driver,
 * then the user's own, which add to them (a user's fails line for a test the
 * shipped file lists wins: it is the newer word on this machine).
 */
export function expectationsFor(saved: SavedRun, label: string): Expectations {
  const user = parseSaved(saved.expectations);
  const shipped = saved.shippedExpectations?.[label];
  if (!shipped) return user;
  const own = parseSaved(shipped);
  return {
    fails: new Map([...own.fails, ...user.fails]),
    flakes: [...own.flakes, ...user.flakes],
    skips: [...own.skips, ...user.skips],
    sources: [...own.sources, ...user.sources],
    skipNotJudged: new Set([...own.fails.keys()].filter((name) => !user.fails.has(name))),
  };
}

/** Reads the shipped files of one driver; a file the suite names but cannot read is a ConfigError. */
export function readShipped(files: { readonly driver: string; readonly fails?: string; readonly flakes?: string; readonly skips?: string }): ShippedSaved {
  const what = `${files.driver} shipped`;
  return {
    driver: files.driver,
    ...(files.fails ? { fails: read(files.fails, `${what} fails file`) } : {}),
    ...(files.flakes ? { flakes: read(files.flakes, `${what} flakes file`) } : {}),
    ...(files.skips ? { skips: read(files.skips, `${what} skips file`) } : {}),
  };
}

export function loadExpectations(input: SavedExpectationInput): { saved: Saved; parsed: Expectations } {
  const saved: Saved = {
    ...(input.fails ? { fails: read(input.fails, 'expectations file') } : {}),
    ...(input.flakes ? { flakes: read(input.flakes, 'flakes file') } : {}),
    ...(input.skips ? { skips: read(input.skips, 'skips file') } : {}),
  };
  return { saved, parsed: parseSaved(saved) };
}

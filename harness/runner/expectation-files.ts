/**
 * Reads --expectations/--flakes/--skips once, keeping their text in run.json
 * so a resume (or a report written later) judges by the same lists.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './config-error';
import { parseFails, parseRegexList, type Expectations } from './expectations';
import type { SavedFile, SavedRun } from './run-config';

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

export function loadExpectations(input: SavedExpectationInput): { saved: Saved; parsed: Expectations } {
  const saved: Saved = {
    ...(input.fails ? { fails: read(input.fails, 'expectations file') } : {}),
    ...(input.flakes ? { flakes: read(input.flakes, 'flakes file') } : {}),
    ...(input.skips ? { skips: read(input.skips, 'skips file') } : {}),
  };
  return { saved, parsed: parseSaved(saved) };
}

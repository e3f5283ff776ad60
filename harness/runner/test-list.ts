/**
 * `--test-list FILE`: one test name a line, `#` starts a comment, blank
 * lines are ignored (IGT's --test-list). The `accel@` prefix may be left out,
 * as everywhere else a test is named (-t, --expectations, --flakes, --skips).
 * Anything else is a configuration error naming the file and line, so a typo
 * never silently drops a test.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';
import { withPrefix } from './expectations';

const NAME = /^(?:accel@)?[a-z0-9]+(?:-[a-z0-9]+)*@[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function parseTestList(text: string, file: string, known: ReadonlySet<string>): string[] {
  const names: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `${file}:${i + 1}`;
    if (!NAME.test(line)) {
      throw new ConfigError(`${where}: '${line}' is not a test name of the form [accel@]<family>@<subtest>`);
    }
    const name = withPrefix(line);
    if (!known.has(name)) throw new ConfigError(`${where}: no test is named '${name}' (see --list-subtests)`);
    names.push(name);
  });
  return names;
}

export function readTestList(file: string, known: ReadonlySet<string>): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read test list ${file}: ${(e as Error).message}`);
  }
  return parseTestList(text, file, known);
}

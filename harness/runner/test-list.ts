/**
 * `--test-list FILE`: one full test name a line, `#` starts a comment, blank
 * lines are ignored (IGT's --test-list). Anything else is a configuration
 * error naming the file and line, so a typo never silently drops a test.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

const FULL_NAME = /^accel@[a-z0-9]+(?:-[a-z0-9]+)*@[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function parseTestList(text: string, file: string, known: ReadonlySet<string>): string[] {
  const names: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `${file}:${i + 1}`;
    if (!FULL_NAME.test(line)) {
      throw new ConfigError(`${where}: '${line}' is not a test name of the form accel@<family>@<subtest>`);
    }
    if (!known.has(line)) throw new ConfigError(`${where}: no test is named '${line}' (see --list-subtests)`);
    names.push(line);
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

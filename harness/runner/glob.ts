/**
 * Test-name globs with the semantics of IGT's --run-subtest (uwildmat):
 * a comma-separated list of patterns, `*` any run of characters, `?` one
 * character, `[a-z]`/`[!a-z]` a class, `\` quotes the next character, and a
 * leading `!` turns a pattern into an exclusion; the last pattern that
 * matches decides.
 *
 * One change from IGT, because users trip on it: a list made only of
 * exclusions (`!foo`) means "everything but foo" instead of "nothing".
 */

export class GlobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GlobError';
  }
}

interface Pattern {
  readonly negated: boolean;
  readonly re: RegExp;
  readonly source: string;
}

export interface GlobList {
  readonly patterns: readonly Pattern[];
  /** True when the list selects a test answering to any of `names`. */
  matches(...names: string[]): boolean;
}

function patternToRegExp(pattern: string, whole: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '\\') {
      if (i + 1 >= pattern.length) throw new GlobError(`glob '${whole}' ends with a lone '\\'`);
      re += escapeRe(pattern[++i]);
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new GlobError(`glob '${whole}' has an unterminated '['`);
      let body = pattern.slice(i + 1, end);
      let neg = '';
      if (body.startsWith('!') || body.startsWith('^')) {
        neg = '^';
        body = body.slice(1);
      }
      if (body === '') throw new GlobError(`glob '${whole}' has an empty class '[]'`);
      re += `[${neg}${body.replace(/[\\\]^]/g, (m) => '\\' + m)}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Splits on commas that are not escaped or inside a class. */
function splitList(list: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let inClass = false;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '\\' && i + 1 < list.length) {
      cur += c + list[++i];
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    if (c === ',' && !inClass) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

/** Parses one or more option values (each a comma list) into one ordered list. */
export function parseGlobs(values: readonly string[]): GlobList {
  const patterns: Pattern[] = [];
  for (const value of values) {
    for (const raw of splitList(value)) {
      const p = raw.trim();
      if (p === '' || p === '!') throw new GlobError(`empty pattern in glob list '${value}'`);
      const negated = p.startsWith('!');
      const body = negated ? p.slice(1) : p;
      patterns.push({ negated, re: patternToRegExp(body, value), source: p });
    }
  }
  const onlyExclusions = patterns.length > 0 && patterns.every((p) => p.negated);
  return {
    patterns,
    matches(...names: string[]): boolean {
      let verdict = onlyExclusions;
      // A pattern hits the test when it hits any of its names, so an
      // exclusion written as a full name also removes it under its short names.
      for (const p of patterns) if (names.some((n) => p.re.test(n))) verdict = !p.negated;
      return verdict;
    },
  };
}

/**
 * The names a test answers to: its full name, `family@subtest`, and the bare
 * subtest name, so `-t gem@*` and `-t 'bad-*'` work as a user expects.
 */
export function testAliases(family: string, subtest: string): string[] {
  return [`accel@${family}@${subtest}`, `${family}@${subtest}`, subtest];
}

export function globMatchesTest(list: GlobList, family: string, subtest: string): boolean {
  return list.matches(...testAliases(family, subtest));
}

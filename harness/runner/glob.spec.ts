import { expect } from 'chai';
import fc from 'fast-check';
import { GlobError, globMatchesTest, parseGlobs } from './glob';

const m = (globs: string[], family: string, subtest: string): boolean => globMatchesTest(parseGlobs(globs), family, subtest);

describe('test-name globs (IGT --run-subtest semantics)', () => {
  it('matches *, ? and classes against full, family@subtest and bare names', () => {
    expect(m(['accel@gem@*'], 'gem', 'bad-close')).to.equal(true);
    expect(m(['gem@*'], 'gem', 'bad-close')).to.equal(true);
    expect(m(['bad-*'], 'gem', 'bad-close')).to.equal(true);
    expect(m(['ba?-close'], 'gem', 'bad-close')).to.equal(true);
    expect(m(['[ab]ad-close'], 'gem', 'bad-close')).to.equal(true);
    expect(m(['[!b]ad-close'], 'gem', 'bad-close')).to.equal(false);
    expect(m(['gem@*'], 'core', 'bad-close')).to.equal(false);
    expect(m(['gem'], 'gem', 'bad-close')).to.equal(false);
  });

  it('reads comma lists and repeats in order, the last matching pattern deciding', () => {
    expect(m(['gem@*,!gem@bad-*'], 'gem', 'bad-close')).to.equal(false);
    expect(m(['gem@*,!gem@bad-*'], 'gem', 'good-close')).to.equal(true);
    expect(m(['gem@*', '!*close', 'bad-close'], 'gem', 'bad-close')).to.equal(true);
    // An exclusion by full name also removes the test under its short names.
    expect(m(['*,!accel@gem@bad-close'], 'gem', 'bad-close')).to.equal(false);
  });

  it('treats a list of exclusions alone as "everything but"', () => {
    expect(m(['!gem@*'], 'gem', 'x')).to.equal(false);
    expect(m(['!gem@*'], 'core', 'x')).to.equal(true);
  });

  it('quotes with a backslash and keeps commas inside classes', () => {
    expect(m(['a\\*b'], 'f', 'a*b')).to.equal(true);
    expect(m(['a\\*b'], 'f', 'axb')).to.equal(false);
    expect(m(['[a,b]x'], 'f', ',x')).to.equal(true);
  });

  it('rejects malformed globs with a message naming the glob', () => {
    expect(() => parseGlobs(['gem@[abc'])).to.throw(GlobError, /gem@\[abc.*unterminated/);
    expect(() => parseGlobs(['a,,b'])).to.throw(GlobError, /empty pattern/);
    expect(() => parseGlobs(['!'])).to.throw(GlobError, /empty pattern/);
    expect(() => parseGlobs(['a\\'])).to.throw(GlobError, /lone/);
  });

  it('agrees with literal equality for names without wildcards', () => {
    const name = fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(m([`accel@f@${a}`], 'f', b)).to.equal(a === b);
      }),
    );
  });
});

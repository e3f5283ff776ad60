import { expect } from 'chai';
import { ConfigError } from './config-error';
import { classify, parseFails, parseRegexList, type Expectations } from './expectations';
import { fixtureFamilies } from './fixtures/suite';
import { parseGlobs } from './glob';
import { selectTests } from './plan';
import { parseTestList } from './test-list';

describe('test selection', () => {
  const known = new Set(['accel@gem@bad-close', 'accel@core@version']);

  it('reads a test list with comments and blank lines', () => {
    expect(parseTestList('# header\naccel@gem@bad-close\n\n  accel@core@version  # trailing\n', 'l.txt', known)).to.deep.equal([
      'accel@gem@bad-close',
      'accel@core@version',
    ]);
  });

  it('rejects a malformed or unknown line with file and line number', () => {
    expect(() => parseTestList('accel@gem@bad-close\ngem bad close\n', 'l.txt', known)).to.throw(ConfigError, /^l\.txt:2: 'gem bad close' is not a test name/);
    expect(() => parseTestList('accel@gem@nope\n', 'l.txt', known)).to.throw(ConfigError, /l\.txt:1: no test is named 'accel@gem@nope'/);
  });

  it('keeps declaration order for globs and list order for a test list', () => {
    const byGlob = selectTests(fixtureFamilies, { include: parseGlobs(['fx-after@pass,fx-basic@pass']) }).map((t) => t.name);
    expect(byGlob).to.deep.equal(['accel@fx-basic@pass', 'accel@fx-after@pass']);
    const byList = selectTests(fixtureFamilies, { testList: ['accel@fx-after@pass', 'accel@fx-basic@pass'] }).map((t) => t.name);
    expect(byList).to.deep.equal(['accel@fx-after@pass', 'accel@fx-basic@pass']);
  });

  it('applies -x and drm-ci skips after -t', () => {
    const names = selectTests(fixtureFamilies, {
      include: parseGlobs(['fx-basic@*']),
      exclude: parseGlobs(['*@fail']),
      skips: parseRegexList('fx-basic@sk.*\n', 's.txt'),
    }).map((t) => t.name);
    expect(names).to.deep.equal(['accel@fx-basic@pass', 'accel@fx-basic@chatty']);
  });
});

describe('drm-ci expectations', () => {
  const exp = (fails: string, flakes = ''): Expectations => ({
    fails: parseFails(fails, 'f.txt'),
    flakes: parseRegexList(flakes, 'fl.txt'),
    skips: [],
    sources: [],
  });

  it('parses fails lines with or without the accel@ prefix', () => {
    const f = parseFails('# c\naccel@gem@bad-close,Fail\ncore@version,Crash\nsched@x,timeout\n', 'f.txt');
    expect([...f]).to.deep.equal([
      ['accel@gem@bad-close', 'Fail'],
      ['accel@core@version', 'Crash'],
      ['accel@sched@x', 'Timeout'],
    ]);
  });

  it('rejects malformed lines and unknown statuses', () => {
    expect(() => parseFails('accel@gem@x\n', 'f.txt')).to.throw(ConfigError, /f\.txt:1: expected 'test-name,Status'/);
    expect(() => parseFails('accel@gem@x,Broken\n', 'f.txt')).to.throw(ConfigError, /unknown status 'Broken'/);
    expect(() => parseRegexList('(\n', 'fl.txt')).to.throw(ConfigError, /fl\.txt:1: bad regular expression/);
  });

  it('classifies expected and unexpected results as drm-ci does', () => {
    const e = exp('accel@gem@a,Fail\naccel@gem@b,Crash\naccel@gem@c,Fail\n', 'gem@fl.*\n');
    expect(classify('accel@gem@a', 'fail', e).verdict).to.equal('expected');
    expect(classify('accel@gem@a', 'dmesg-fail', e).verdict).to.equal('expected');
    expect(classify('accel@gem@b', 'incomplete', e).verdict).to.equal('expected');
    expect(classify('accel@gem@b', 'fail', e)).to.deep.equal({ verdict: 'unexpected', note: 'expected Crash, got Fail' });
    expect(classify('accel@gem@c', 'pass', e).verdict).to.equal('unexpected');
    expect(classify('accel@gem@flaky', 'timeout', e).verdict).to.equal('expected');
    expect(classify('accel@gem@other', 'fail', e).verdict).to.equal('unexpected');
    expect(classify('accel@gem@other', 'skip', e).verdict).to.equal('expected');
    // The user's own list: a listed failure that skips is drm-ci's UnexpectedImprovement(Skip).
    expect(classify('accel@gem@a', 'skip', e)).to.deep.equal({ verdict: 'unexpected', note: 'expected Fail, got Skip' });
    // A driver's shipped list holds for every board: a skip there is not judged.
    const shipped = { ...e, skipNotJudged: new Set(['accel@gem@a']) };
    expect(classify('accel@gem@a', 'skip', shipped)).to.deep.equal({ verdict: 'expected', note: 'listed as Fail for the driver; skipped here, so not judged' });
    expect(classify('accel@gem@c', 'skip', shipped).verdict).to.equal('unexpected');
    expect(classify('accel@gem@other', 'pass', e).verdict).to.equal('expected');
  });
});

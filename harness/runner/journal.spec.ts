import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, readJournal, replay } from './journal';

describe('journal', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'accel-journal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const res = (name: string, status: 'pass' | 'fail') => ({
    type: 'result' as const,
    device: 'd',
    name,
    status,
    out: '',
    err: '',
    dmesg: '',
    start: 1,
    end: 2,
  });

  it('appends one line per record, readable back', () => {
    const j = new Journal(join(dir, 'j.jsonl'));
    j.append({ type: 'session', at: 1, resumed: false });
    j.append({ type: 'start', device: 'd', name: 'accel@a@b', at: 1 });
    j.append(res('accel@a@b', 'pass'));
    j.close();
    expect(readFileSync(join(dir, 'j.jsonl'), 'utf8').trim().split('\n')).to.have.length(3);
    const s = replay(readJournal(join(dir, 'j.jsonl')).records);
    expect(s.results.get('d\u0000accel@a@b')?.status).to.equal('pass');
    expect(s.inFlight).to.deep.equal([]);
  });

  it('survives a torn last line and reports the test started without a result as in flight', () => {
    const path = join(dir, 'j.jsonl');
    const j = new Journal(path);
    j.append(res('accel@a@one', 'fail'));
    j.append({ type: 'start', device: 'd', name: 'accel@a@two', at: 3 });
    j.close();
    appendFileSync(path, '{"type":"result","device":"d","na');
    const read = readJournal(path);
    expect(read.damaged).to.equal(1);
    const s = replay(read.records);
    expect(s.results.get('d\u0000accel@a@one')?.status).to.equal('fail');
    expect(s.inFlight).to.deep.equal([{ device: 'd', name: 'accel@a@two', at: 3 }]);
  });

  it("clears an earlier session's aborts when a new session starts", () => {
    const s = replay([
      { type: 'device-abort', device: 'd', reason: 'wedged', at: 1 },
      { type: 'run-abort', reason: 'overall timeout', at: 2 },
      { type: 'session', at: 3, resumed: true },
    ]);
    expect(s.deviceAborts.size).to.equal(0);
    expect(s.runAbort).to.equal(null);
  });
});

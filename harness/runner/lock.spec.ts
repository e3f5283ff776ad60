import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { acquireLock, LOCK_FILE, pidAlive } from './lock';

describe('runner: the results-directory lock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'accel-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the harness pid and is released by its holder only', () => {
    const lock = acquireLock(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).to.equal(`${process.pid}\n`);
    expect(() => acquireLock(dir)).to.throw(ConfigError, new RegExp(`in use by another run \\(pid ${process.pid},`));
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).to.equal(false);
  });

  it('takes over a lock whose process is gone', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    expect(pidAlive(dead)).to.equal(false);
    writeFileSync(join(dir, LOCK_FILE), `${dead}\n`);
    const lock = acquireLock(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).to.equal(`${process.pid}\n`);
    lock.release();
  });

  it('an empty lock (a harness between create and write) counts as held', () => {
    writeFileSync(join(dir, LOCK_FILE), '');
    expect(() => acquireLock(dir)).to.throw(ConfigError, /pid unknown/);
  });
});

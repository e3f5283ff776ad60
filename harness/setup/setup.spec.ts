/**
 * Self-tests of the machine set-up scripts that change nothing on the
 * machine: they parse, and misuse is a clear usage error. What they install
 * is proven by `npm run fresh-check` on fresh Debian roots (docs/development.md).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const script = (name: string): string => path.join(__dirname, name);

describe('machine set-up scripts', () => {
  for (const s of ['install-deps.sh', 'fresh-check.sh']) {
    it(`${s} parses (bash -n)`, () => {
      const r = spawnSync('bash', ['-n', script(s)], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
    });
  }

  it('install-deps.sh: an unknown group is a usage error (exit 2) naming the groups', () => {
    const r = spawnSync('bash', [script('install-deps.sh'), 'nonsense'], { encoding: 'utf8' });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include("unknown group 'nonsense' (tests, lane)");
    expect(spawnSync('bash', [script('install-deps.sh')], { encoding: 'utf8' }).status).to.equal(2);
  });

  it('fresh-check.sh: --help prints the usage, an unknown release is a usage error (exit 2)', () => {
    const help = spawnSync('bash', [script('fresh-check.sh'), '--help'], { encoding: 'utf8' });
    expect(help.status).to.equal(0);
    expect(help.stdout).to.match(/Usage: harness\/setup\/fresh-check\.sh/);
    const r = spawnSync('bash', [script('fresh-check.sh'), 'sid'], { encoding: 'utf8' });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('unknown argument sid');
  });
});

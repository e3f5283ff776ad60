import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../cli/command';
import { EXIT } from '../cli/exit-codes';
import { runCli } from '../cli/main';
import { junitSchemaOrSkip } from '../cli/spec-helpers/junit-schema';

/** The runner on the real families and both bundled simulated drivers, end to end. */
describe('runner on the real suite (simulated drivers)', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => (tmp = mkdtempSync(join(tmpdir(), 'accel-real-'))));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('runs the core family on sim:apu and sim:mt8183 and writes per-device results', async () => {
    let out = '';
    let err = '';
    const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), env: { ...process.env, CI: 'true' } };
    const dir = join(tmp, 'run');
    const code = await runCli(['run', '--device', 'sim:apu;sim:mt8183', '-t', 'core@*', '--results-dir', dir, '--quiet'], io);
    expect(code, `${out}\n${err}`).to.equal(EXIT.OK);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { devices: { label: string; file: string }[] };
    expect(index.devices.map((d) => d.label)).to.deep.equal(['sim:apu', 'sim:mt8183']);
    for (const d of index.devices) {
      const r = JSON.parse(readFileSync(join(dir, d.file), 'utf8')) as { tests: Record<string, { result: string }> };
      const names = Object.keys(r.tests);
      expect(names.length).to.be.greaterThan(0);
      expect(names.every((n) => n.startsWith('accel@core@'))).to.equal(true);
    }
  });

  it('that run wrote JUnit that validates against junit-10.xsd', function () {
    const schema = junitSchemaOrSkip(this);
    const junit = join(tmp, 'run', 'junit.xml');
    expect(existsSync(junit), `${junit} from the run above`).to.equal(true);
    const lint = spawnSync('xmllint', ['--noout', '--schema', schema, junit], { encoding: 'utf8' });
    if (lint.error) throw new Error(`install Debian's libxml2-utils for xmllint (${lint.error.message})`);
    expect(lint.status, lint.stderr).to.equal(0);
  });
});

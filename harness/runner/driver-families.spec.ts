import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../cli/command';
import { EXIT } from '../cli/exit-codes';
import { runCli } from '../cli/main';

type Index = { devices: { label: string; file: string }[]; notices?: string[] };
type Results = { tests: Record<string, { result: string }> };

/** A driver's own family is planned on its driver's devices only; generic families everywhere. */
describe('driver families planned per device', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => (tmp = mkdtempSync(join(tmpdir(), 'accel-families-'))));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  async function run(args: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (out += t), env: { ...process.env, CI: 'true' } };
    const code = await runCli(args, io);
    return { code, out };
  }

  function tests(dir: string): Map<string, string[]> {
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Index;
    return new Map(index.devices.map((d) => [d.label, Object.keys((JSON.parse(readFileSync(join(dir, d.file), 'utf8')) as Results).tests)]));
  }

  it('plans accel@ivpu on sim:ivpu only and accel@apu on sim:apu only; core on both', async () => {
    const dir = join(tmp, 'both');
    const r = await run(['run', '--device', 'sim:apu;sim:ivpu', '-t', 'core@basic-version', '-t', 'ivpu@*', '-t', 'apu@*', '--results-dir', dir, '--quiet']);
    expect(r.code, r.out).to.equal(EXIT.OK);
    const byDevice = tests(dir);
    const apu = byDevice.get('sim:apu') ?? [];
    const ivpu = byDevice.get('sim:ivpu') ?? [];
    expect(apu).to.include('accel@core@basic-version');
    expect(ivpu).to.include('accel@core@basic-version');
    expect(apu.some((n) => n.startsWith('accel@ivpu@'))).to.equal(false);
    expect(ivpu.some((n) => n.startsWith('accel@apu@'))).to.equal(false);
    expect(apu.some((n) => n.startsWith('accel@apu@'))).to.equal(true);
    expect(ivpu.some((n) => n.startsWith('accel@ivpu@'))).to.equal(true);
  });

  it('says so when a device gets none of the selected tests, and runs the others', async () => {
    const dir = join(tmp, 'one-empty');
    const r = await run(['run', '--device', 'sim:apu;sim:ivpu', '-t', 'ivpu@*', '--results-dir', dir]);
    expect(r.code, r.out).to.equal(EXIT.OK);
    expect(r.out).to.match(/sim:apu: none of the selected tests applies to its driver apu/);
    expect(tests(dir).get('sim:apu')).to.deep.equal([]);
  });

  it('exits NO_TESTS with one line when the selection applies to no selected device', async () => {
    const r = await run(['run', '--device', 'sim:apu', '-t', 'ivpu@*', '--results-dir', join(tmp, 'none')]);
    expect(r.code, r.out).to.equal(EXIT.NO_TESTS);
    expect(r.out).to.match(/the selected tests \(accel@ivpu\) apply to none of the selected devices' drivers \(apu\)/);
  });
});

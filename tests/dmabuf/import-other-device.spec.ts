import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../harness/cli/command';
import { runCli } from '../../harness/cli/main';

type Results = { tests: Record<string, { result: string; out?: string; reason?: string }> };

/** dmabuf@import-other-device picks an importer that takes foreign dma-bufs, and says so when none does. */
describe('dmabuf@import-other-device across drivers', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => (tmp = mkdtempSync(join(tmpdir(), 'accel-foreign-'))));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  async function run(device: string): Promise<Map<string, string>> {
    let out = '';
    const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (out += t), env: { ...process.env, CI: 'true' } };
    const dir = join(tmp, device.replace(/[^a-z0-9]+/g, '-'));
    await runCli(['run', '--device', device, '-t', 'dmabuf@import-other-device', '--results-dir', dir, '--quiet'], io);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { devices: { label: string; file: string }[] };
    const texts = new Map<string, string>();
    for (const d of index.devices) {
      const r = JSON.parse(readFileSync(join(dir, d.file), 'utf8')) as Results;
      const t = r.tests['accel@dmabuf@import-other-device'];
      expect(t, `${d.label}: ${out}`).to.not.equal(undefined);
      texts.set(d.label, `${t.result} ${JSON.stringify(t)}`);
    }
    return texts;
  }

  it('exports from a refusing driver into one that imports (rocket, ethosu -> apu): pass', async () => {
    const r = await run('sim:rocket;sim:ethosu;sim:apu');
    expect(r.get('sim:rocket')).to.match(/^pass /);
    expect(r.get('sim:ethosu')).to.match(/^pass /);
  });

  it('skips with the drivers\' refusal when every other device refuses foreign dma-bufs', async () => {
    const r = await run('sim:apu;sim:rocket;sim:ethosu');
    const apu = r.get('sim:apu') ?? '';
    expect(apu).to.match(/^skip /);
    expect(apu).to.match(/refuse foreign dma-bufs/);
    expect(apu).to.match(/rocket: EINVAL/);
    expect(apu).to.match(/ethosu: EINVAL/);
  });
});

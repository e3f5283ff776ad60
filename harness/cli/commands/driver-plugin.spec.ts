/**
 * Driver plugins from the command line: --driver-plugin and
 * ACCEL_DRIVER_PLUGINS on run and list; a bad plugin is one line and exit 2
 * before any test runs or any results directory is made.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../exit-codes';
import { cliInProcess, cliProcess, REPO } from '../spec-helpers/run-cli';

const EXAMPLE = join(REPO, 'docs', 'examples', 'apu-driver-plugin.js');

describe('accel-conformance run/list --driver-plugin', function () {
  this.timeout(120_000);
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'accel-plugin-cli-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('a plugin not found, throwing, of the wrong shape or missing a method: one line, exit 2, no results directory', async () => {
    const throws = join(tmp, 'throws.js');
    writeFileSync(throws, 'throw new Error("vendor SDK missing");');
    const stub = join(tmp, 'stub.js');
    writeFileSync(stub, 'module.exports = { name: "s", adapters: { s: () => ({ name: "s", deviceMap: { map() { return []; } } }) } };');
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--driver-plugin', join(tmp, 'none.js')], {}, /driver plugin .*none\.js: not found$/],
      [[], { ACCEL_DRIVER_PLUGINS: throws }, /throws\.js: loading it threw: vendor SDK missing$/],
      [['--driver-plugin', stub], {}, /adapter 's': capability 'deviceMap' claimed but method 'unmap' missing$/],
    ];
    for (const [extra, env, message] of cases) {
      const dir = join(tmp, 'results');
      const r = await cliInProcess(['run', '--device', 'sim:apu', '--results-dir', dir, ...extra], env);
      expect(r.code, r.stderr).to.equal(EXIT.USAGE);
      expect(r.stderr.trimEnd().split('\n')).to.have.length(1);
      expect(r.stderr.trimEnd()).to.match(message);
      expect(existsSync(dir)).to.equal(false);
      const l = await cliInProcess(['list', '--device', 'sim:apu', ...extra], env);
      expect([l.code, l.stderr.trimEnd()]).to.deep.equal([EXIT.USAGE, r.stderr.trimEnd()]);
    }
  });

  // Child processes: a plugin that loads replaces the bundled apu profile for the rest of its process.
  it('list names what a plugin declares; run keeps its path in run.json and gives the built-in results', () => {
    const l = cliProcess(['list', '--device', 'sim:apu', '--driver-plugin', EXAMPLE]);
    expect(l.code, l.stderr).to.equal(EXIT.OK);
    expect(l.stdout).to.contain(`driver plugin ${EXAMPLE}: profiles apu, mt8183-apu; adapters apu-example; expectations none`);
    const dir = join(tmp, 'run');
    const r = cliProcess(['run', '--device', 'sim:apu', '-t', 'gem@*,sched@basic-checksum', '--results-dir', dir, '-q'], {
      ACCEL_DRIVER_PLUGINS: EXAMPLE,
    });
    expect(r.code, r.stderr + r.stdout).to.equal(EXIT.OK);
    const saved = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { driverPlugins?: string[] };
    expect(saved.driverPlugins).to.deep.equal([EXAMPLE]);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { tests: Record<string, { result: string }> };
    expect(Object.values(results.tests).map((t) => t.result)).to.deep.equal(Array(10).fill('pass'));
  });

  it('--describe lists what each test requires', async () => {
    const r = await cliInProcess(['run', '--describe', 'sched@hang-innocent-context']);
    expect(r.stdout).to.contain('requires: job-timeout, second-context, jobs.hang, jobs.fill, buffers.mmap, device-address');
  });
});

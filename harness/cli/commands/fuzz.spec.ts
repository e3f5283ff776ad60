import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXIT } from '../exit-codes';
import { cliInProcess } from '../spec-helpers/run-cli';

describe('CLI: fuzz', function () {
  this.timeout(60_000);

  const usage: [string, string[], RegExp][] = [
    ['no --device', ['fuzz', '--against', 'sim:apu'], /^accel-conformance: error: fuzz needs --device/],
    ['no --against', ['fuzz', '--device', 'sim:apu'], /^accel-conformance: error: fuzz needs --against \(sim:apu or sim:mt8183\)/],
    ['an unknown model', ['fuzz', '--device', 'sim:apu', '--against', 'sim:ivpu'], /--against must be sim:apu or sim:mt8183 .*not 'sim:ivpu'/],
    ['a seed that is no number', ['fuzz', '--device', 'sim:apu', '--against', 'sim:apu', '--seed', 'x1'], /--seed must be an integer from 0 to 4294967295, not 'x1'/],
    ['a negative program count', ['fuzz', '--device', 'sim:apu', '--against', 'sim:apu', '--programs', '-3'], /--programs must be an integer/],
    ['--max-ops 0', ['fuzz', '--device', 'sim:apu', '--against', 'sim:apu', '--max-ops', '0'], /--max-ops must be at least 1/],
    ['a bad device filter', ['fuzz', '--device', 'bogus:1', '--against', 'sim:apu'], /^accel-conformance: error: --device: /],
    ['two devices', ['fuzz', '--device', 'sim:apu;sim:apu', '--against', 'sim:apu'], /must select exactly one device, it selects 2/],
    ['a bad model parameter', ['fuzz', '--device', 'sim:apu', '--against', 'sim:apu?timeout_ms=0'], /^accel-conformance: error: --against: .*timeout_ms/],
  ];
  for (const [what, argv, message] of usage) {
    it(`${what}: one line, exit 2`, async () => {
      const r = await cliInProcess(argv);
      expect(r.code, r.stderr).to.equal(EXIT.USAGE);
      expect(r.stderr).to.match(message);
      expect(r.stderr.trimEnd().split('\n')[0]).to.match(/^accel-conformance: error: /);
      expect(r.stdout).to.equal('');
    });
  }

  it('no difference: exit 0 and a summary; --out gets the findings as JSON', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-cli-')), 'fuzz.json');
    const r = await cliInProcess(['fuzz', '--device', 'sim:apu', '--against', 'sim:apu', '--programs', '20', '--out', out]);
    expect(r.code, r.stderr).to.equal(EXIT.OK);
    expect(r.stdout).to.match(/^fuzz: seed 1, 20 programs \(\d+ ops\) on sim:apu against sim:apu: 0 differing program\(s\)/);
    const json = JSON.parse(fs.readFileSync(out, 'utf8')) as { schema: string; differing: number; findings: unknown[] };
    expect(json.schema).to.equal('accel-conformance/fuzz/v1');
    expect(json.differing).to.equal(0);
    expect(json.findings).to.deep.equal([]);
  });

  it('a difference: exit 1, the shrunk program with both sides, and the JSON still written', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-cli-')), 'fuzz.json');
    const r = await cliInProcess(['fuzz', '--device', 'sim:apu?defect=gem-new-bad-flags-ok', '--against', 'sim:apu', '--programs', '100', '--shrink', '1', '--out', out]);
    expect(r.code, r.stderr).to.equal(EXIT.FAILURES);
    expect(r.stdout).to.match(/DIFFERENT program \d+ \(seed \d+\): shrunk from \d+ to 2 ops/);
    expect(r.stdout).to.match(/>> @\d+ gem-new fd=@\d+ size=\d+ flags=0x(2|80000000)\n.*ok handle=1.*\n\s+sim:apu\s+EINVAL/);
    const json = JSON.parse(fs.readFileSync(out, 'utf8')) as { findings: unknown[] };
    expect(json.findings).to.have.length(1);
  });

  it('an --out file that cannot be written: exit 5 after the summary', async () => {
    const r = await cliInProcess(['fuzz', '--device', 'sim:apu', '--against', 'sim:apu', '--programs', '2', '--out', '/nonexistent-dir/fuzz.json']);
    expect(r.code).to.equal(EXIT.REPORTS);
    expect(r.stdout).to.match(/^fuzz: seed 1, 2 programs/);
    expect(r.stderr).to.match(/^accel-conformance: error: cannot write \/nonexistent-dir\/fuzz.json: /);
  });
});

/**
 * Every difference the differential fuzz found between the simulator and the
 * reference module is kept here: the shrunk program and the module's records
 * of it (regressions/*.json). Each must give exactly those records on the
 * simulated model the module was compared with.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSession } from '../session';
import { firstDifference, formatRecord } from './compare';
import { Executor } from './execute';
import { formatOp } from './format';
import { type Program, isWellFormed } from './program';
import type { OpRecord } from './record';

interface Regression {
  /** What differed, which side was wrong and the kernel source that says so. */
  readonly about: string;
  readonly against: string;
  readonly program: Program;
  /** The module's records (kernel lane), which the simulator must now give. */
  readonly kernel: readonly OpRecord[];
}

const DIR = path.join(__dirname, 'regressions');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('fuzz regressions: the module\'s records, reproduced by the simulator', function () {
  this.timeout(30_000);

  it('there are regression programs', () => {
    expect(files.length).to.be.greaterThan(0);
  });

  for (const file of files) {
    const r = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Regression;
    it(`${path.basename(file, '.json')}: ${r.about.split('.')[0]}`, async () => {
      expect(isWellFormed(r.program)).to.equal(true);
      const s = await openSession({ device: r.against, env: {} });
      const dev = s.devices[0];
      if (!dev) throw new Error(`${r.against}: no device`);
      const ex = new Executor({ sys: dev.sys, devnode: dev.info.devnode });
      const records = await ex.run(r.program);
      await ex.dispose();
      const d = firstDifference(r.kernel, records);
      const op = d ? r.program.ops[d.index] : undefined;
      expect(d, d && op ? `${formatOp(op)}: kernel ${formatRecord(d.device)}, ${r.against} ${formatRecord(d.against)}` : '').to.equal(null);
    });
  }
});

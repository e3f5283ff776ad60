import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { junitSchemaOrSkip } from '../cli/spec-helpers/junit-schema';
import { sampleReport } from './fixtures/sample';
import { junitXml } from './junit';

function xmllint(schema: string, file: string): { status: number | null; stderr: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', schema, file], { encoding: 'utf8' });
  if (r.error) throw new Error(`xmllint is needed to check JUnit against the schema: install Debian's libxml2-utils (${r.error.message})`);
  return { status: r.status, stderr: r.stderr };
}

describe('JUnit XML', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'accel-junit-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('validates against junit-10.xsd with every status, an abort and hostile text', function () {
    const schema = junitSchemaOrSkip(this);
    const file = join(dir, 'junit.xml');
    writeFileSync(file, junitXml(sampleReport()));
    const r = xmllint(schema, file);
    expect(r.stderr).to.contain('validates');
    expect(r.status).to.equal(0);
  });

  it('the schema check can fail: a testsuite without its required counts is rejected', function () {
    const schema = junitSchemaOrSkip(this);
    const file = join(dir, 'bad.xml');
    writeFileSync(file, junitXml(sampleReport()).replace(/(<testsuite name="sim:apu") tests="\d+"/, '$1'));
    expect(xmllint(schema, file).status).to.not.equal(0);
  });

  it('nests a testsuite per family inside a testsuite per device, with counts', () => {
    const xml = junitXml(sampleReport());
    expect(xml).to.match(/<testsuite name="sim:apu" tests="11" failures="3" errors="4" skipped="2"/);
    expect(xml).to.match(/<testsuite name="sim:apu\/gem" tests="5"/);
    expect(xml).to.match(/<testsuite name="sim:apu\/sched" tests="6"/);
    expect(xml).to.contain('<property name="driver" value="apu"/>');
    expect(xml).to.contain('<property name="aborted" value="sim:mt8183 is not ONLINE after accel@gem@case-pass"/>');
  });

  it('writes failures, errors, skips with reasons, logs, and expected failures as passing', () => {
    const xml = junitXml(sampleReport());
    expect(xml).to.contain('<testcase name="accel@gem@case-fail" classname="sim:apu.gem" time="0.250">');
    expect(xml).to.contain('<failure type="fail" message="fail: expected 0, got -22 &lt;EINVAL&gt;">at check (tests/x.ts:1)</failure>');
    expect(xml).to.contain('<error type="timeout"');
    expect(xml).to.contain('<error type="crash"');
    expect(xml).to.contain('<skipped message="no adapter # for this"/>');
    expect(xml).to.contain('<skipped message="wedged"/>');
    expect(xml).to.contain('<system-out>log of case-pass\nline &lt;2&gt; &amp; "quotes"</system-out>');
    // The BEL a crash printed is not allowed in XML 1.0: replaced, so the file stays well-formed.
    expect(xml).to.contain('stderr of case-crash\uFFFD');
    const knownBad = xml.slice(xml.indexOf('name="accel@sched@known-bad"'));
    const knownBadCase = knownBad.slice(0, knownBad.indexOf('</testcase>'));
    expect(knownBadCase).to.not.contain('<failure');
    expect(knownBadCase).to.contain('[expected fail: fail: expected 0');
  });
});

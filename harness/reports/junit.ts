/**
 * JUnit XML, written by hand (see docs/reports.md for why): <testsuites>
 * with one <testsuite> per device holding its metadata as <properties> and
 * one nested <testsuite> per family. Only unexpected results are failures
 * or errors, so a CI that gates on JUnit gates on the expectations too.
 * Checked against shared/schemas/junit-10.xsd by a spec.
 */
import type { Status } from '../runner/status';
import type { DeviceReport, ReportTest, RunReport } from './model';
import { xmlAttr, xmlText } from './xml';

/** The schema's SUREFIRE_TIME: plain decimal seconds. */
function secs(s: number): string {
  return Math.max(0, s).toFixed(3);
}

type Kind = 'ok' | 'failure' | 'error' | 'skipped';

function kind(t: ReportTest): Kind {
  if (t.status === 'skip' || t.status === 'notrun') return 'skipped';
  if (t.verdict === 'expected') return 'ok';
  const errors: readonly Status[] = ['timeout', 'crash', 'incomplete', 'abort'];
  return errors.includes(t.status) ? 'error' : 'failure';
}

function testcase(t: ReportTest, classname: string, ind: string): string {
  const k = kind(t);
  const msg = [t.message, t.note].filter(Boolean).join('; ') || t.status;
  const lines = [`${ind}<testcase name="${xmlAttr(t.name)}" classname="${xmlAttr(classname)}" time="${secs(t.end - t.start)}">`];
  if (k === 'skipped') lines.push(`${ind}  <skipped message="${xmlAttr(msg)}"/>`);
  if (k === 'failure' || k === 'error') {
    const details = [t.details, t.dmesg ? `kernel log:\n${t.dmesg}` : ''].filter(Boolean).join('\n\n');
    lines.push(`${ind}  <${k} type="${xmlAttr(t.status)}" message="${xmlAttr(msg)}">${xmlText(details || msg)}</${k}>`);
  }
  const out = k === 'ok' && t.status !== 'pass' ? `[expected ${t.status}: ${msg}]\n${t.out}` : t.out;
  if (out) lines.push(`${ind}  <system-out>${xmlText(out)}</system-out>`);
  if (t.err) lines.push(`${ind}  <system-err>${xmlText(t.err)}</system-err>`);
  lines.push(`${ind}</testcase>`);
  return lines.join('\n');
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: number;
}

function count(tests: readonly ReportTest[]): Counts {
  const c: Counts = { tests: tests.length, failures: 0, errors: 0, skipped: 0, time: 0 };
  for (const t of tests) {
    const k = kind(t);
    if (k === 'failure') c.failures++;
    else if (k === 'error') c.errors++;
    else if (k === 'skipped') c.skipped++;
    c.time += Math.max(0, t.end - t.start);
  }
  return c;
}

function suiteAttrs(name: string, c: Counts): string {
  return `name="${xmlAttr(name)}" tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${secs(c.time)}"`;
}

function deviceSuite(run: RunReport, d: DeviceReport, id: number): string {
  const families = new Map<string, ReportTest[]>();
  for (const t of d.tests) {
    const list = families.get(t.family) ?? [];
    list.push(t);
    families.set(t.family, list);
  }
  const props: [string, string][] = [
    ['device', d.meta.label],
    ['driver', d.meta.driver ?? 'unknown'],
    ['simulated', String(d.meta.simulated)],
    ['devnode', d.meta.devnode],
    ...(d.meta.pciSlot ? ([['pci', `${d.meta.pciSlot} ${d.meta.pciId ?? ''}`.trim()]] as [string, string][]) : []),
    ...(d.meta.version ? ([['version', d.meta.version]] as [string, string][]) : []),
    ['uname', run.uname],
    ['run-id', run.id],
    ...(d.aborted ? ([['aborted', d.aborted]] as [string, string][]) : []),
  ];
  const ts = new Date(d.start * 1000).toISOString().replace(/\.\d+Z$/, '');
  const lines = [
    `  <testsuite ${suiteAttrs(d.meta.label, count(d.tests))} id="${id}" hostname="${xmlAttr(run.host)}" timestamp="${ts}">`,
    '    <properties>',
    ...props.map(([n, v]) => `      <property name="${xmlAttr(n)}" value="${xmlAttr(v)}"/>`),
    '    </properties>',
  ];
  for (const [family, tests] of families) {
    lines.push(`    <testsuite ${suiteAttrs(`${d.meta.label}/${family}`, count(tests))}>`);
    // classname `device.family`: dashboards show the device as the package, the family as the class.
    for (const t of tests) lines.push(testcase(t, `${d.meta.label}.${family}`, '      '));
    lines.push('    </testsuite>');
  }
  lines.push('  </testsuite>');
  return lines.join('\n');
}

export function junitXml(run: RunReport): string {
  const all = count(run.devices.flatMap((d) => d.tests));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(run.name)}" tests="${all.tests}" failures="${all.failures}" errors="${all.errors}" time="${secs(run.end - run.start)}">`,
    ...run.devices.map((d, i) => deviceSuite(run, d, i)),
    '</testsuites>',
    '',
  ].join('\n');
}

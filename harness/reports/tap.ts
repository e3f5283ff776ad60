/**
 * TAP version 13 and KTAP version 1, nested device > family > test with
 * four-space indentation (how KTAP nests, and what TAP 13 consumers such as
 * tap-parser accept). Skips carry `# SKIP reason`; an expected failure is
 * `not ok ... # TODO expected`, which TAP defines as not failing the run.
 */
import type { DeviceReport, ReportTest, RunReport } from './model';

export type TapFlavour = 'tap' | 'ktap';

/** Directives end at a newline and `#` starts one: keep descriptions on one clean line. */
function clean(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/#/g, '\\#').trim();
}

/**
 * An expected failure is TAP's TODO; KTAP's spec (Documentation/dev-tools/ktap.rst)
 * lists TODO as "not recognized" in KTAP and XFAIL as the directive for it.
 */
function directive(t: ReportTest, flavour: TapFlavour = 'tap'): string {
  if (t.status === 'skip' || t.status === 'notrun') return ` # SKIP ${clean(t.message ?? t.status)}`;
  if (t.status !== 'pass' && t.verdict === 'expected') return ` # ${flavour === 'ktap' ? 'XFAIL' : 'TODO'} expected ${t.status}${t.note ? `: ${clean(t.note)}` : ''}`;
  return '';
}

function ok(t: ReportTest): boolean {
  return t.status === 'pass' || t.status === 'skip' || t.status === 'notrun';
}

function diagnostics(t: ReportTest, flavour: TapFlavour, ind: string): string[] {
  if (ok(t)) return [];
  const msg = [t.message, t.note].filter(Boolean).join('; ') || t.status;
  if (flavour === 'ktap') {
    return [`${ind}# ${t.subtest}: ${t.status}: ${clean(msg)}`, ...t.out.split('\n').filter(Boolean).slice(-20).map((l) => `${ind}# ${l}`)];
  }
  const yamlBlock = (s: string): string[] => s.split('\n').map((l) => `${ind}    ${l}`);
  return [
    `${ind}  ---`,
    `${ind}  status: ${t.status}`,
    `${ind}  message: ${JSON.stringify(msg)}`,
    `${ind}  duration_ms: ${Math.round((t.end - t.start) * 1000)}`,
    ...(t.out ? [`${ind}  log: |-`, ...yamlBlock(t.out)] : []),
    ...(t.err ? [`${ind}  stderr: |-`, ...yamlBlock(t.err)] : []),
    ...(t.dmesg ? [`${ind}  dmesg: |-`, ...yamlBlock(t.dmesg)] : []),
    `${ind}  ...`,
  ];
}

function line(isOk: boolean, n: number, desc: string, dir = ''): string {
  return `${isOk ? 'ok' : 'not ok'} ${n} ${desc}${dir}`;
}

function header(flavour: TapFlavour): string {
  return flavour === 'ktap' ? 'KTAP version 1' : 'TAP version 13';
}

function deviceBlock(d: DeviceReport, n: number, flavour: TapFlavour): string[] {
  const families = [...new Set(d.tests.map((t) => t.family))];
  const i1 = '    ';
  const i2 = '        ';
  const out = [`${i1}${header(flavour)}`, `${i1}# Subtest: ${clean(d.meta.label)}`, `${i1}1..${families.length}`];
  families.forEach((family, fi) => {
    const tests = d.tests.filter((t) => t.family === family);
    out.push(`${i2}${header(flavour)}`, `${i2}# Subtest: ${family}`, `${i2}1..${tests.length}`);
    tests.forEach((t, ti) => {
      const pass = ok(t) || t.verdict === 'expected';
      out.push(`${i2}${line(ok(t), ti + 1, t.subtest, directive(t, flavour))}`);
      if (!pass || !ok(t)) out.push(...diagnostics(t, flavour, i2));
    });
    const familyOk = tests.every((t) => ok(t) || t.verdict === 'expected');
    out.push(`${i1}${line(familyOk, fi + 1, family)}`);
  });
  const deviceOk = d.tests.every((t) => ok(t) || t.verdict === 'expected');
  out.push(line(deviceOk, n, clean(d.meta.label), d.aborted ? ` # ${clean(`aborted: ${d.aborted}`)}` : ''));
  return out;
}

/**
 * TAP 13 with one line per test and no nesting (`--tap-flat`): the tests
 * named `<device> accel@family@subtest`. Consumers that only read the top
 * level, such as tap-junit, then see every test rather than one per device.
 */
function flatTap(run: RunReport): string[] {
  const tests = run.devices.flatMap((d) => d.tests.map((t) => ({ d, t })));
  const lines = [header('tap'), `1..${tests.length}`];
  tests.forEach(({ d, t }, i) => {
    lines.push(line(ok(t), i + 1, `${clean(d.meta.label)} ${t.name}`, directive(t)));
    if (!ok(t)) lines.push(...diagnostics(t, 'tap', ''));
  });
  for (const d of run.devices) if (d.aborted) lines.push(`# ${clean(`${d.meta.label} aborted: ${d.aborted}`)}`);
  return lines;
}

export function tapReport(run: RunReport, flavour: TapFlavour, layout: 'nested' | 'flat' = 'nested'): string {
  if (layout === 'flat' && flavour === 'tap') {
    const flat = flatTap(run);
    if (run.aborted) flat.push(`# run aborted: ${clean(run.aborted)}`);
    return flat.join('\n') + '\n';
  }
  const lines = [header(flavour), `1..${run.devices.length}`];
  run.devices.forEach((d, i) => lines.push(...deviceBlock(d, i + 1, flavour)));
  if (run.aborted) lines.push(`# run aborted: ${clean(run.aborted)}`);
  return lines.join('\n') + '\n';
}

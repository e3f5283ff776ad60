/**
 * report.html: one self-contained page (inline CSS and JS, nothing fetched)
 * with the run's metadata, totals per device, and the device x test matrix
 * coloured by status; a problem cell opens to its message, log and kernel log.
 */
import { STATUSES, type Status } from '../runner/status';
import { STATUS_COLOURS } from './colours';
import type { DeviceReport, ReportTest, RunReport } from './model';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function when(epochS: number): string {
  return new Date(epochS * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function css(): string {
  const statusRules = STATUSES.map((s) => `.st-${s}{background:${STATUS_COLOURS[s].bg};color:${STATUS_COLOURS[s].fg}}`).join('\n');
  return `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:16px;color:#212121;background:#fafafa}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse}
.meta td,.meta th{padding:2px 12px 2px 0;text-align:left;vertical-align:top}
.meta th{color:#616161;font-weight:normal}
.totals td,.totals th,.matrix td,.matrix th{border:1px solid #cfd8dc;padding:3px 8px}
.matrix th{background:#eceff1;position:sticky;top:0}
.matrix td.name{font-family:ui-monospace,monospace;white-space:nowrap}
.matrix tr.family td{background:#eceff1;font-weight:bold}
.cell{min-width:120px;text-align:center;font-weight:600}
.cell.expected{outline:2px dashed #212121;outline-offset:-4px}
details summary{cursor:pointer}
details pre{text-align:left;font-weight:normal;white-space:pre-wrap;max-width:70ch;max-height:320px;overflow:auto;background:#fff;color:#212121;padding:6px;border:1px solid #b0bec5;margin:4px 0}
.legend span{display:inline-block;padding:2px 8px;margin:0 4px 4px 0;border-radius:3px}
.banner{padding:8px 12px;margin:8px 0;border-radius:4px;font-weight:600}
.banner.bad{background:#c62828;color:#fff}.banner.good{background:#2e7d32;color:#fff}.banner.abort{background:#263238;color:#fff}
.hidden{display:none}
${statusRules}`;
}

function cell(t: ReportTest | undefined): string {
  if (!t) return '<td class="cell">&ndash;</td>';
  const cls = `cell st-${t.status}${t.verdict === 'expected' && t.status !== 'pass' && t.status !== 'skip' && t.status !== 'notrun' ? ' expected' : ''}`;
  const label = `${t.status}${t.verdict === 'unexpected' && t.status === 'pass' ? ' (unexpected)' : ''}`;
  const msg = [t.message, t.note].filter(Boolean).join('\n');
  const body = [
    msg ? `<pre>${esc(msg)}</pre>` : '',
    t.details ? `<pre>${esc(t.details)}</pre>` : '',
    t.out ? `<pre>${esc(t.out)}</pre>` : '',
    t.err ? `<pre>${esc(t.err)}</pre>` : '',
    t.dmesg ? `<pre>${esc(t.dmesg)}</pre>` : '',
  ].join('');
  const time = `${(t.end - t.start).toFixed(3)} s`;
  if (!body) return `<td class="${cls}" title="${esc(time)}">${esc(label)}</td>`;
  return `<td class="${cls}" title="${esc(time)}"><details><summary>${esc(label)}</summary>${body}</details></td>`;
}

function matrix(run: RunReport): string {
  const names: string[] = [];
  for (const d of run.devices) for (const t of d.tests) if (!names.includes(t.name)) names.push(t.name);
  const byDevice = run.devices.map((d) => new Map(d.tests.map((t) => [t.name, t])));
  const rows: string[] = [];
  let family = '';
  for (const name of names) {
    const f = name.split('@')[1] ?? '';
    if (f !== family) {
      family = f;
      rows.push(`<tr class="family"><td colspan="${run.devices.length + 1}">${esc(f)}</td></tr>`);
    }
    const cells = byDevice.map((m) => m.get(name));
    const problem = cells.some((t) => t && t.verdict === 'unexpected');
    rows.push(`<tr class="test${problem ? ' problem' : ''}"><td class="name">${esc(name)}</td>${cells.map(cell).join('')}</tr>`);
  }
  const head = run.devices.map((d) => `<th>${esc(d.meta.label)}</th>`).join('');
  return `<table class="matrix" id="matrix"><thead><tr><th>test</th>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function totals(devices: readonly DeviceReport[]): string {
  const shown: Status[] = STATUSES.filter((s) => devices.some((d) => d.totals[s] > 0));
  const head = shown.map((s) => `<th class="st-${s}">${s}</th>`).join('');
  const rows = devices
    .map((d) => `<tr><td>${esc(d.meta.label)}</td>${shown.map((s) => `<td>${d.totals[s]}</td>`).join('')}<td>${d.unexpected}</td><td>${esc(d.aborted ?? '')}</td></tr>`)
    .join('');
  return `<table class="totals"><thead><tr><th>device</th>${head}<th>unexpected</th><th>aborted</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function meta(run: RunReport): string {
  const rows: [string, string][] = [
    ['run', `${run.name} (${run.id})`],
    ['host', run.host],
    ['kernel', run.uname],
    ['started', when(run.start)],
    ['finished', when(run.end)],
    ['command', run.argv.join(' ')],
    ['expectations', run.expectationSources.join(', ') || 'none'],
    ...run.devices.map((d): [string, string] => [
      `device ${d.meta.label}`,
      [d.meta.driver ?? 'unknown driver', d.meta.simulated ? 'simulated' : d.meta.devnode, d.meta.pciSlot, d.meta.pciId, d.meta.version]
        .filter(Boolean)
        .join(', '),
    ]),
    ...run.notices.map((n): [string, string] => ['note', n]),
  ];
  return `<table class="meta">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

const SCRIPT = `
document.getElementById('only-problems').addEventListener('change', function (e) {
  var on = e.target.checked;
  document.querySelectorAll('#matrix tr.test').forEach(function (tr) {
    tr.classList.toggle('hidden', on && !tr.classList.contains('problem'));
  });
});
document.getElementById('open-all').addEventListener('click', function () {
  document.querySelectorAll('#matrix details').forEach(function (d) { d.open = !d.open; });
});`;

export function htmlReport(run: RunReport): string {
  const unexpected = run.devices.reduce((n, d) => n + d.unexpected, 0);
  const aborted = run.aborted ?? run.devices.find((d) => d.aborted)?.aborted;
  const banner = aborted
    ? `<div class="banner abort">Aborted: ${esc(aborted)}</div>`
    : unexpected > 0
      ? `<div class="banner bad">${unexpected} unexpected result(s)</div>`
      : '<div class="banner good">No unexpected results</div>';
  const legend = STATUSES.map((s) => `<span class="st-${s}">${s}</span>`).join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(run.name)}</title>
<style>${css()}</style></head>
<body>
<h1>accel-conformance report</h1>
${banner}
${meta(run)}
<h2>Totals</h2>
${totals(run.devices)}
<h2>Results</h2>
<p class="legend">${legend}</p>
<p><label><input type="checkbox" id="only-problems"> only unexpected results</label> <button type="button" id="open-all">expand / collapse all</button></p>
${matrix(run)}
<script>${SCRIPT}</script>
</body></html>
`;
}

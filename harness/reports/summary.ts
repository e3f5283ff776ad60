/** The table printed at the end of a run, and where its reports are. */
import { STATUSES, type Status } from '../runner/status';
import type { RunReport } from './model';

export function summaryTable(run: RunReport): string {
  const shown: Status[] = STATUSES.filter((s) => run.devices.some((d) => d.totals[s] > 0));
  const header = ['device', ...shown, 'unexpected'];
  const rows = run.devices.map((d) => [d.meta.label, ...shown.map((s) => String(d.totals[s])), String(d.unexpected)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const lines = [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
  for (const d of run.devices) if (d.aborted) lines.push(`${d.meta.label} aborted: ${d.aborted}`);
  if (run.aborted) lines.push(`run aborted: ${run.aborted}`);
  const unexpected = run.devices.flatMap((d) => d.tests.filter((t) => t.verdict === 'unexpected').map((t) => ({ d: d.meta.label, t })));
  if (unexpected.length > 0) {
    lines.push('', 'unexpected results:');
    for (const { d, t } of unexpected.slice(0, 50)) lines.push(`  ${d} ${t.name} ${t.status}${t.note ? ` (${t.note})` : ''}`);
    if (unexpected.length > 50) lines.push(`  ... and ${unexpected.length - 50} more (see the reports)`);
  }
  return lines.join('\n') + '\n';
}

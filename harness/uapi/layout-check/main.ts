/**
 * Script entry: `node dist/harness/uapi/layout-check/main.js [--machine-only]`.
 * Checks against the machine's headers and Debian's linux-libc-dev 6.12 and
 * newest 7.x (fetched once by fetch-headers.sh, cached; ACCEL_LANE_OFFLINE=1
 * uses the cache only). Exit 1 on any mismatch, 2 when it cannot run.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LayoutCheckSetupError, debianHeaderSet, formatLayoutReport, runLayoutCheck, systemHeaderSet, type HeaderSet } from './check';

/** The fetch script, in the checkout's harness/ (this file may run from dist/). */
function fetchScript(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const f = path.join(dir, 'harness', 'uapi', 'layout-check', 'fetch-headers.sh');
    if (fs.existsSync(f)) return f;
  }
  throw new LayoutCheckSetupError('layout check: harness/uapi/layout-check/fetch-headers.sh not found (run from a checkout, or pass --machine-only)');
}

function debianSets(): HeaderSet[] {
  const r = spawnSync('bash', [fetchScript()], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) {
    const last = `${r.stderr ?? ''}`.trim().split('\n').filter((l) => l.startsWith('layout check:')).pop();
    throw new LayoutCheckSetupError(last ?? `layout check: fetch-headers.sh failed${r.error ? `: ${r.error.message}` : ''}`);
  }
  return r.stdout
    .split('\n')
    .filter((l) => l.includes('\t'))
    .map((l) => {
      const [label, dir] = l.split('\t') as [string, string];
      return debianHeaderSet(label, dir);
    });
}

function main(argv: readonly string[]): number {
  try {
    const sets = [systemHeaderSet(), ...(argv.includes('--machine-only') ? [] : debianSets())];
    const result = runLayoutCheck({ sets });
    console.log(formatLayoutReport(result));
    return result.mismatches.length === 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof LayoutCheckSetupError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

/**
 * The long fuzz run: `ts-node --transpile-only drivers/sim/fuzz-long.ts [runs] [seed]`
 * (default 100000 runs). Exits 1 with fast-check's shrunk counterexample on
 * the first broken invariant.
 */
import { runFuzz } from './fuzz';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 100_000);
  const seed = process.argv[3] !== undefined ? Number(process.argv[3]) : Date.now() % 2 ** 31;
  const t0 = Date.now();
  console.log(`fuzz: ${runs} sequences, seed ${seed}`);
  const coverage = await runFuzz({ numRuns: runs, seed });
  for (const [name, c] of Object.entries(coverage).sort()) console.log(`  ${name.padEnd(34)} ${String(c.calls).padStart(9)} calls ${String(c.ok).padStart(9)} ok`);
  console.log(`fuzz: ${runs} sequences passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  // fast-check keeps the broken invariant as the cause.
  if (e instanceof Error && e.cause !== undefined) console.error(`caused by: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}`);
  process.exit(1);
});

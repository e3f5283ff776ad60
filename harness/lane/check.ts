/**
 * Command line of the kernel lane's verdicts (harness/lane/kernel-lane.sh):
 *
 *   node dist/harness/lane/check.js differential LABEL KERNEL_RESULTS SIM_RESULTS
 *   node dist/harness/lane/check.js clean-run LABEL RESULTS MIN_PASSES [MUST_PASS...]
 *   node dist/harness/lane/check.js list LIST_JSON DRIVER BUS
 *
 * RESULTS are IGT results.json files. Exit 0 when the check holds, 1 when it
 * does not (the reasons on stdout), 2 for unusable arguments or files.
 */
import { readFileSync } from 'node:fs';
import { checkListJson, diffKernelAndSim, formatReport, judgeCleanRun, loadResults } from './differential';

function main(argv: readonly string[]): number {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'differential': {
      const [label, kernel, sim] = args;
      if (!label || !kernel || !sim) return usage();
      const r = diffKernelAndSim(loadResults(kernel), loadResults(sim));
      console.log(formatReport(label, r));
      return r.differences.length === 0 ? 0 : 1;
    }
    case 'clean-run': {
      const [label, file, min, ...mustPass] = args;
      const minPasses = Number(min);
      if (!label || !file || !Number.isInteger(minPasses) || minPasses < 0) return usage();
      const v = judgeCleanRun(loadResults(file), minPasses, mustPass);
      console.log(`${label}: ${v.passes} pass, ${v.skips} skip (at least ${minPasses} passes required)`);
      for (const p of v.problems) console.log(`  PROBLEM ${p}`);
      return v.problems.length === 0 ? 0 : 1;
    }
    case 'list': {
      const [file, driver, bus] = args;
      if (!file || !driver || !bus) return usage();
      const problems = checkListJson(readFileSync(file, 'utf8'), driver, bus);
      console.log(problems.length === 0 ? `list: a device bound to '${driver}' on the ${bus} bus` : problems.join('\n'));
      return problems.length === 0 ? 0 : 1;
    }
    default:
      return usage();
  }
}

function usage(): number {
  console.error('usage: check.js differential LABEL KERNEL SIM | clean-run LABEL RESULTS MIN_PASSES [TEST...] | list FILE DRIVER BUS');
  return 2;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(`check.js: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
}

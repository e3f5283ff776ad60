/**
 * docs/ci/: the GitLab CI template and the LAVA test definition, checked by
 * the formats' own validators (gitlab-ci-local, which validates against
 * GitLab's published CI JSON schema; LAVA's lava_common schemas from the
 * Debian package lava-common), then run: the GitLab jobs' scripts as the
 * runners would (each shard with its CI_NODE_INDEX, then the merge job),
 * and the LAVA step with a stand-in lava-test-case that records its calls.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { REPO } from '../cli/spec-helpers/run-cli';
import { notChecked, tryRun } from './spec-helpers/need';

const GITLAB = join(REPO, 'docs', 'ci', 'gitlab-ci.yml');
const LAVA_DEF = join(REPO, 'docs', 'ci', 'lava', 'accel-conformance.yaml');
const LAVA_JOB = join(REPO, 'docs', 'ci', 'lava', 'job.yaml');
const LAVA_RUN = join(REPO, 'docs', 'ci', 'lava', 'run.sh');
/** The CLI from source, callable from any directory (the templates' $ACCEL / $ACCEL_CLI). */
const CLI = `${process.execPath} -r ${require.resolve('ts-node/register/transpile-only')} ${join(REPO, 'harness', 'cli', 'main.ts')}`;
/** Debian's python3, where the lava-common package installs lava_common. */
const DEBIAN_PYTHON = '/usr/bin/python3';
/** ts-node finds the repository's tsconfig from any working directory. */
const TS_NODE = { TS_NODE_PROJECT: join(REPO, 'tsconfig.json') };

interface GitlabJob {
  stage?: string;
  parallel?: unknown;
  script?: string[];
  needs?: { job: string; artifacts?: boolean }[];
  when?: string;
  artifacts?: { when?: string; paths?: string[]; reports?: { junit?: string } };
  extends?: string;
}

function listSubtests(args: string[]): string[] {
  const r = spawnSync('bash', ['-c', `${CLI} run --list-subtests ${args.join(' ')}`], { encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout.trim().split('\n');
}

describe('CI templates in docs/ci', function () {
  this.timeout(240_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'accel-ci-templates-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  describe('GitLab CI (docs/ci/gitlab-ci.yml)', () => {
    const doc = parse(readFileSync(GITLAB, 'utf8')) as Record<string, GitlabJob> & { variables: Record<string, string> };

    /** gitlab-ci-local --list in a scratch git repository holding `yml` as its .gitlab-ci.yml. */
    function gitlabCiLocal(name: string, yml: string): { status: number | null; out: string } | null {
      const proj = join(tmp, name);
      mkdirSync(proj, { recursive: true });
      writeFileSync(join(proj, '.gitlab-ci.yml'), yml);
      const git = tryRun('git', ['init', '-q'], { cwd: proj });
      if (git === null) return null;
      tryRun('git', ['remote', 'add', 'origin', 'https://gitlab.example/accel/accel-conformance.git'], { cwd: proj });
      const bin = join(dirname(require.resolve('gitlab-ci-local/package.json')), 'src', 'index.js');
      const r = spawnSync(process.execPath, [existsSync(bin) ? bin : require.resolve('gitlab-ci-local'), '--list', '--json-schema-validation'], {
        cwd: proj,
        encoding: 'utf8',
        timeout: 120_000,
        env: { PATH: process.env.PATH ?? '', HOME: proj },
      });
      return { status: r.status, out: r.stdout + r.stderr };
    }

    it("passes GitLab's CI JSON schema (gitlab-ci-local): 4 shard jobs and the merge job after them", function () {
      const r = gitlabCiLocal('valid', readFileSync(GITLAB, 'utf8'));
      if (r === null) notChecked(this, 'the GitLab template was not validated: git is not installed');
      expect(r.status, r.out).to.equal(0);
      expect(r.out).to.contain('json schema validated');
      for (let k = 1; k <= 4; k++) expect(r.out).to.match(new RegExp(`accel-conformance: \\[${k}/4\\]\\s+test`));
      expect(r.out).to.match(/accel-conformance-merge\s+report\s+always\s+false\s+\[accel-conformance\]/);
    });

    it('the schema check can fail: parallel that is not a number is rejected', function () {
      const r = gitlabCiLocal('invalid', readFileSync(GITLAB, 'utf8').replace('parallel: 4', 'parallel: four'));
      if (r === null) notChecked(this, 'the GitLab template was not validated: git is not installed');
      expect(r.status).to.not.equal(0);
      expect(r.out).to.contain("'parallel' property type must be integer");
    });

    it('parallel: N -> --shard $CI_NODE_INDEX/$CI_NODE_TOTAL; the merge job needs every shard and reports its JUnit', () => {
      const test = doc['accel-conformance'];
      expect(test.parallel).to.be.a('number');
      expect(test.script?.join('\n')).to.contain('--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"');
      expect(test.artifacts?.when).to.equal('always');
      const merge = doc['accel-conformance-merge'];
      expect(merge.needs).to.deep.equal([{ job: 'accel-conformance', artifacts: true }]);
      expect(merge.when).to.equal('always');
      expect(merge.artifacts?.reports?.junit).to.equal('junit.xml');
      expect(merge.script?.join('\n')).to.match(/\$ACCEL merge results\/shard-\* /);
    });

    it('basic-gitlab-pipeline: the jobs\' scripts, run as the runners would, shard the suite and merge it back whole', () => {
      const work = join(tmp, 'pipeline');
      mkdirSync(join(work, 'ci', 'xfails'), { recursive: true });
      // A flakes file, as a board would keep it: the template passes it to run and merge.
      writeFileSync(join(work, 'ci', 'xfails', 'board-flakes.txt'), 'accel@gem@bad-.*\n');
      const n = doc['accel-conformance'].parallel as number;
      const env = { ...doc.variables, ...TS_NODE, ACCEL: CLI, ACCEL_DEVICE: 'sim:apu', ACCEL_ARGS: '-t gem@*', PATH: process.env.PATH ?? '', HOME: work, CI: 'true' };
      for (let k = 1; k <= n; k++) {
        const r = spawnSync('bash', ['--norc', '-c', doc['accel-conformance'].script!.join('\n')], {
          cwd: work, encoding: 'utf8', env: { ...env, CI_NODE_INDEX: String(k), CI_NODE_TOTAL: String(n) },
        });
        expect(r.status, `shard ${k}: ${r.stderr}`).to.equal(0);
        const saved = JSON.parse(readFileSync(join(work, 'results', `shard-${k}`, 'run.json'), 'utf8')) as { shard: unknown; expectations: { flakes?: unknown } };
        expect(saved.shard).to.deep.equal({ index: k, count: n });
        expect(saved.expectations.flakes).to.not.equal(undefined);
      }
      const m = spawnSync('bash', ['--norc', '-c', doc['accel-conformance-merge'].script!.join('\n')], { cwd: work, encoding: 'utf8', env });
      expect(m.status, m.stderr + m.stdout).to.equal(0);
      const junit = readFileSync(join(work, 'junit.xml'), 'utf8');
      const cases = [...junit.matchAll(/<testcase name="([^"]+)"/g)].map((x) => x[1]).sort();
      expect(cases).to.deep.equal(listSubtests(['-t', "'gem@*'"]).sort());
      expect(readdirSync(join(work, 'results', 'merged'))).to.include.members(['results.json', 'report.html', 'results.tap', 'journal.jsonl']);
    });
  });

  describe('LAVA (docs/ci/lava)', () => {
    function lavaValidate(code: string): { status: number | null; out: string } | null {
      if (!existsSync(DEBIAN_PYTHON)) return null;
      const probe = spawnSync(DEBIAN_PYTHON, ['-c', 'import lava_common.schemas, yaml'], { encoding: 'utf8' });
      if (probe.status !== 0) return null;
      const r = spawnSync(DEBIAN_PYTHON, ['-c', code], { encoding: 'utf8' });
      return { status: r.status, out: r.stdout + r.stderr };
    }
    const missing = "LAVA's schemas were not run: lava_common is not installed (Debian package 'lava-common')";

    it("the test definition passes LAVA's testdef schema, and the job using it LAVA's job schema (strict)", function () {
      const r = lavaValidate(`
import yaml
from lava_common.schemas import validate
from lava_common.schemas.test.testdef import validate as validate_testdef
validate_testdef(yaml.safe_load(open(${JSON.stringify(LAVA_DEF)})))
validate(yaml.safe_load(open(${JSON.stringify(LAVA_JOB)})), strict=True)
print("valid")`);
      if (r === null) notChecked(this, missing);
      expect(r.status, r.out).to.equal(0);
      expect(r.out.trim()).to.equal('valid');
    });

    it('the schema check can fail: a definition without its format, a job with an unknown boot method', function () {
      const r = lavaValidate(`
import yaml
from voluptuous import Invalid
from lava_common.schemas import validate
from lava_common.schemas.test.testdef import validate as validate_testdef
d = yaml.safe_load(open(${JSON.stringify(LAVA_DEF)}))
del d["metadata"]["format"]
try:
    validate_testdef(d); print("definition accepted")
except Invalid as e:
    print("definition rejected")
j = yaml.safe_load(open(${JSON.stringify(LAVA_JOB)}))
j["actions"][1]["boot"]["method"] = "carrier-pigeon"
try:
    validate(j, strict=True); print("job accepted")
except Invalid as e:
    print("job rejected")`);
      if (r === null) notChecked(this, missing);
      expect(r.out.trim().split('\n')).to.deep.equal(['definition rejected', 'job rejected']);
    });

    it('basic-lava-step: run.sh runs its shard and reports one lava-test-case per test, then the run', () => {
      const def = parse(readFileSync(LAVA_DEF, 'utf8')) as { params: Record<string, string>; run: { steps: string[] } };
      expect(def.run.steps).to.include('./docs/ci/lava/run.sh');
      const work = join(tmp, 'lava');
      const bin = join(work, 'bin');
      mkdirSync(bin, { recursive: true });
      const calls = join(work, 'calls.txt');
      // LAVA's lava-test-case, reduced to recording what it was told.
      writeFileSync(join(bin, 'lava-test-case'), `#!/bin/sh\necho "$*" >> ${JSON.stringify(calls)}\n`);
      chmodSync(join(bin, 'lava-test-case'), 0o755);
      cpSync(dirname(LAVA_RUN), join(work, 'docs', 'ci', 'lava'), { recursive: true });
      const env = { ...def.params, ...TS_NODE, SHARD: '1/2', DEVICE: 'sim:apu', ARGS: '-t gem@*', ACCEL_CLI: CLI, CI: 'true', HOME: work, PATH: `${bin}:${process.env.PATH ?? ''}` };
      const r = spawnSync('sh', ['./docs/ci/lava/run.sh'], { cwd: work, encoding: 'utf8', env });
      expect(r.status, r.stderr).to.equal(0);
      const lines = readFileSync(calls, 'utf8').trim().split('\n');
      const shard = listSubtests(['-t', "'gem@*'", '--shard', '1/2']);
      expect(lines.slice(0, -1).map((l) => l.split(' ')[0]).sort()).to.deep.equal(shard.map((n) => n.replace(/@/g, '.')).sort());
      for (const l of lines.slice(0, -1)) expect(l).to.match(/^[-_a-zA-Z0-9.]+ --result (pass|skip|fail)$/);
      expect(lines.at(-1)).to.equal('accel-conformance --result pass');
      expect(existsSync(resolve(work, 'results', 'lava', 'junit.xml'))).to.equal(true);
    });
  });
});

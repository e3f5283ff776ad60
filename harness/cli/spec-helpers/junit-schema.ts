/**
 * Where the JUnit XML schema (junit-10.xsd) is, for the specs that validate
 * our JUnit output with xmllint. The schema is not ours to ship: CI lays the
 * project's shared/ folder beside the clone (../shared/schemas). A plain clone
 * has no such folder, so there the check is skipped and says so; .ci/run sets
 * ACCEL_REQUIRE_JUNIT_SCHEMA=1, under which a missing schema fails instead, so
 * CI cannot pass without the check having run.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** Set to 1 (by .ci/run) to make a missing schema a failure, not a skip. */
export const REQUIRE_ENV = 'ACCEL_REQUIRE_JUNIT_SCHEMA';
/** Set to a file to validate against another copy of junit-10.xsd. */
export const PATH_ENV = 'ACCEL_JUNIT_XSD';

/** ../shared/schemas/junit-10.xsd beside the repository root. */
export const SHARED_JUNIT_XSD = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'schemas', 'junit-10.xsd');

export type SchemaLookup =
  | { readonly found: true; readonly file: string }
  | { readonly found: false; readonly required: boolean; readonly message: string };

/** Pure lookup, so the skip/fail decision itself is testable. */
export function lookupJunitSchema(env: NodeJS.ProcessEnv, exists: (file: string) => boolean = existsSync): SchemaLookup {
  const file = env[PATH_ENV] || SHARED_JUNIT_XSD;
  if (exists(file)) return { found: true, file };
  const required = env[REQUIRE_ENV] === '1';
  const source = env[PATH_ENV] ? `${PATH_ENV}=${file}` : file;
  return {
    found: false,
    required,
    message: required
      ? `JUnit schema check could not run: ${source} does not exist, and ${REQUIRE_ENV}=1 requires it`
      : `JUnit schema check NOT RUN: ${source} does not exist (CI provides ../shared/schemas; ` +
        `set ${PATH_ENV}=FILE to check against a copy of junit-10.xsd)`,
  };
}

const announced = new Set<string>();

/**
 * The schema file for a spec that validates against it. When it is missing,
 * fails under REQUIRE_ENV, else prints (once) what could not be checked and
 * skips the calling test.
 */
export function junitSchemaOrSkip(ctx: Mocha.Context): string {
  const r = lookupJunitSchema(process.env);
  if (r.found) return r.file;
  if (r.required) throw new Error(r.message);
  if (!announced.has(r.message)) {
    announced.add(r.message);
    process.stderr.write(`\n${r.message}\n`);
  }
  return ctx.skip();
}

/**
 * The C layout check: compiles a program generated from the TypeScript uAPI
 * layouts against the real headers, runs it, and compares every struct size,
 * member offset and size, and constant with the TypeScript values.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeIoctl, formatIoctl } from '../ioctl';
import { APPENDED_FIELDS, IOCTL_STRUCT, buildCatalogue, type Catalogue } from './catalogue';
import { generateProbe, generateProgram } from './generate';

export interface LayoutCheckOptions {
  /** C compiler; default `cc`. */
  readonly cc?: string;
  /** Directory holding the DRM uAPI drm.h and drm_mode.h; default Debian's libdrm-dev copy. */
  readonly drmInclude?: string;
  /** Directory holding apu_drm.h; default drivers/apu/uapi of this checkout or package. */
  readonly apuInclude?: string;
  /** Where linux/dma-buf.h is looked up before compiling; default /usr/include. */
  readonly systemInclude?: string;
}

export interface LayoutCheckResult {
  /** One line per disagreement, naming the struct, member or constant. */
  readonly mismatches: string[];
  /** Accepted differences and TS-only names, for the record. */
  readonly notes: string[];
  /** How many values were compared. */
  readonly compared: number;
}

/** The check cannot run at all: a missing compiler or header, or a program that does not compile. */
export class LayoutCheckSetupError extends Error {
  override readonly name = 'LayoutCheckSetupError';
}

const DEFAULT_DRM_INCLUDE = '/usr/include/libdrm';
const DEFAULT_SYSTEM_INCLUDE = '/usr/include';

/** drivers/apu/uapi sits at the root of the checkout (or the installed package), above this file's tree. */
function findApuInclude(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'drivers', 'apu', 'uapi');
    if (fs.existsSync(path.join(candidate, 'apu_drm.h'))) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new LayoutCheckSetupError(`layout check: drivers/apu/uapi/apu_drm.h not found above ${__dirname}`);
}

function requireSetup(cc: string, drmInclude: string, systemInclude: string, apuInclude: string): void {
  const probe = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new LayoutCheckSetupError(
      `layout check: C compiler '${cc}' not found; install one (Debian: apt-get install gcc)`,
    );
  }
  if (!fs.existsSync(path.join(drmInclude, 'drm.h'))) {
    throw new LayoutCheckSetupError(
      `layout check: ${path.join(drmInclude, 'drm.h')} missing; install the DRM uAPI headers (Debian: apt-get install libdrm-dev)`,
    );
  }
  if (!fs.existsSync(path.join(systemInclude, 'linux', 'dma-buf.h'))) {
    throw new LayoutCheckSetupError(
      `layout check: ${path.join(systemInclude, 'linux', 'dma-buf.h')} missing; install the kernel uAPI headers (Debian: apt-get install linux-libc-dev)`,
    );
  }
  if (!fs.existsSync(path.join(apuInclude, 'apu_drm.h'))) {
    throw new LayoutCheckSetupError(`layout check: ${path.join(apuInclude, 'apu_drm.h')} missing`);
  }
}

interface CResults {
  sizes: Map<string, number>;
  fields: Map<string, { offset: number; size: number }>;
  constants: Map<string, bigint | undefined>;
}

function parseOutput(text: string): CResults {
  const r: CResults = { sizes: new Map(), fields: new Map(), constants: new Map() };
  for (const line of text.split('\n')) {
    const [kind, a, b, c, d] = line.split(' ');
    if (kind === 'S' && a && b) r.sizes.set(a, Number(b));
    else if (kind === 'F' && a && b && c && d) r.fields.set(`${a}.${b}`, { offset: Number(c), size: Number(d) });
    else if (kind === 'C' && a && b) r.constants.set(a, BigInt(b));
    else if (kind === 'U' && a) r.constants.set(a, undefined);
  }
  return r;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function compare(cat: Catalogue, c: CResults, present: ReadonlyMap<string, readonly string[]>): LayoutCheckResult {
  const mismatches: string[] = [];
  const notes: string[] = [];
  let compared = 0;
  /** C sizes accepted as larger because of documented appended fields. */
  const appendedSize = new Map<string, number>();

  for (const s of cat.structs) {
    const name = s.name;
    const cSize = c.sizes.get(name);
    compared++;
    for (const f of s.layout.fieldNames) {
      compared += 2;
      const cf = c.fields.get(`${name}.${f}`);
      const tsOff = s.layout.offsets[f];
      const tsSize = s.fieldSizes.get(f);
      if (!cf) mismatches.push(`${name}.${f}: no value from the C program`);
      else {
        if (cf.offset !== tsOff) mismatches.push(`${name}.${f}: offset TS ${tsOff}, C ${cf.offset}`);
        if (cf.size !== tsSize) mismatches.push(`${name}.${f}: size TS ${tsSize}, C ${cf.size}`);
      }
    }
    if (cSize === undefined) {
      mismatches.push(`${name}: no sizeof from the C program`);
      continue;
    }
    if (cSize === s.layout.size) continue;
    const extra = (APPENDED_FIELDS[name] ?? []).filter((e) => (present.get(name) ?? []).includes(e.field));
    const placed = extra.map((e) => ({ ...e, c: c.fields.get(`${name}.${e.field}`) }));
    const allAfter = placed.every((p) => p.c && p.c.offset >= s.layout.size && p.c.size === p.size);
    const end = Math.max(s.layout.size, ...placed.map((p) => (p.c ? p.c.offset + p.c.size : 0)));
    if (extra.length > 0 && allAfter && cSize === alignUp(end, s.layout.align)) {
      appendedSize.set(name, cSize);
      notes.push(
        `${name}: C size ${cSize} > TS ${s.layout.size}, accepted: the header appends ${extra.map((e) => e.field).join(', ')}`,
      );
    } else {
      mismatches.push(`${name}: sizeof TS ${s.layout.size}, C ${cSize}`);
    }
  }

  for (const k of cat.constants) {
    if (!c.constants.has(k.name)) {
      mismatches.push(`${k.name}: no value from the C program`);
      continue;
    }
    const cv = c.constants.get(k.name);
    if (cv === undefined) {
      if (k.required) mismatches.push(`${k.name}: not defined by the headers`);
      else notes.push(`${k.name}: TS-only (not defined by the headers)`);
      continue;
    }
    compared++;
    if (cv === k.value) continue;
    const struct = IOCTL_STRUCT[k.name];
    const cStructSize = struct ? appendedSize.get(struct) : undefined;
    if (cStructSize !== undefined) {
      const t = decodeIoctl(Number(k.value));
      const h = decodeIoctl(Number(cv));
      if (t.dir === h.dir && t.type === h.type && t.nr === h.nr && h.size === cStructSize) {
        notes.push(`${k.name}: TS ${formatIoctl(Number(k.value))}, C ${formatIoctl(Number(cv))}, accepted: larger ${struct}`);
        continue;
      }
    }
    const fmt = (v: bigint): string => (IOCTL_STRUCT[k.name] || /IOCTL/.test(k.name) ? formatIoctl(Number(v)) : `0x${v.toString(16)}`);
    mismatches.push(`${k.name}: TS ${fmt(k.value)}, C ${fmt(cv)}`);
  }
  return { mismatches, notes, compared };
}

function compile(cc: string, args: string[], cwd: string): { ok: boolean; output: string } {
  const r = spawnSync(cc, args, { cwd, encoding: 'utf8' });
  return { ok: !r.error && r.status === 0, output: `${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim() };
}

export function runLayoutCheck(options: LayoutCheckOptions = {}): LayoutCheckResult {
  return checkCatalogue(buildCatalogue(), options);
}

/** Checks a given catalogue; the self-tests feed it deliberately wrong ones. */
export function checkCatalogue(cat: Catalogue, options: LayoutCheckOptions = {}): LayoutCheckResult {
  const cc = options.cc ?? 'cc';
  const drmInclude = options.drmInclude ?? DEFAULT_DRM_INCLUDE;
  const systemInclude = options.systemInclude ?? DEFAULT_SYSTEM_INCLUDE;
  const apuInclude = options.apuInclude ?? findApuInclude();
  requireSetup(cc, drmInclude, systemInclude, apuInclude);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accel-layout-'));
  try {
    const includes = [`-I${drmInclude}`, `-I${apuInclude}`];
    // Which appended fields this header has: a member that is absent does not compile.
    const present = new Map<string, string[]>();
    for (const [struct, fields] of Object.entries(APPENDED_FIELDS)) {
      for (const { field } of fields) {
        const file = path.join(dir, `probe-${struct}-${field}.c`);
        fs.writeFileSync(file, generateProbe(struct, field));
        if (compile(cc, [...includes, '-fsyntax-only', file], dir).ok) present.set(struct, [...(present.get(struct) ?? []), field]);
      }
    }
    const src = path.join(dir, 'layout.c');
    const exe = path.join(dir, 'layout');
    fs.writeFileSync(src, generateProgram(cat, present));
    const built = compile(cc, [...includes, '-std=gnu11', '-Wall', '-o', exe, src], dir);
    if (!built.ok) {
      throw new LayoutCheckSetupError(`layout check: the generated program does not compile:\n${built.output}`);
    }
    const output = execFileSync(exe, { encoding: 'utf8' });
    return compare(cat, parseOutput(output), present);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function formatLayoutReport(r: LayoutCheckResult): string {
  const head = r.mismatches.length === 0
    ? `layout check: ${r.compared} values agree with the C headers`
    : `layout check: ${r.mismatches.length} mismatch(es) among ${r.compared} values`;
  return [head, ...r.mismatches.map((m) => `  MISMATCH ${m}`), ...r.notes.map((n) => `  note ${n}`)].join('\n');
}

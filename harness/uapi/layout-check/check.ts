/**
 * The C layout check: for each header set (the machine's own headers, and
 * Debian's linux-libc-dev versions the project tracks), compiles a program
 * generated from the declarations against the real headers, runs it, and
 * compares every struct size, member offset and size, constant and ioctl
 * number with the TypeScript values. Declarations a header version predates
 * (`since`) are recorded, not mismatches.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { UapiHeader } from '../header';
import { decodeIoctl, formatIoctl } from '../ioctl';
import { buildCatalogue, type Catalogue, type HeaderEntry } from './catalogue';
import { generateProbe, generateProgram, includeLine, type ProgramInput } from './generate';

/** One version of the headers: where they are and which kernel they come from. */
export interface HeaderSet {
  /** For reports: `machine: linux 6.1.187 uAPI + libdrm`, `linux-libc-dev 7.3.4-1~bpo13+1`. */
  readonly label: string;
  /** Kernel version of the uAPI headers, compared with `since`. */
  readonly version: string;
  /** -I directories, in order (the machine's set: none, the compiler's defaults). */
  readonly includeDirs: readonly string[];
  /** The directory holding drm.h (a project header includes "drm.h"). */
  readonly drmDir: string;
  /** The machine's own headers: the only set the C library layouts are checked against. */
  readonly system: boolean;
}

export interface LayoutCheckOptions {
  /** C compiler; default `cc`. */
  readonly cc?: string;
  /** Header sets to check against; default the machine's own (systemHeaderSet). */
  readonly sets?: readonly HeaderSet[];
  /** Headers to check; default every header the project declares. */
  readonly headers?: readonly UapiHeader[];
  /** The machine's DRM uAPI headers; default Debian's libdrm-dev copy. */
  readonly drmInclude?: string;
  /** The machine's include root; default /usr/include. */
  readonly systemInclude?: string;
}

/** What was compared of one header in one header set. */
export interface HeaderCount {
  readonly set: string;
  readonly include: string;
  readonly ioctls: number;
  readonly structs: number;
  readonly constants: number;
  /** Declarations this version predates (or, for the machine's headers, does not ship). */
  readonly absent: number;
}

export interface LayoutCheckResult {
  /** One line per disagreement, naming the struct, member or constant, and the header set. */
  readonly mismatches: string[];
  /** Accepted differences and absent declarations, for the record. */
  readonly notes: string[];
  /** How many values were compared. */
  readonly compared: number;
  readonly counts: HeaderCount[];
}

/** The check cannot run at all: a missing compiler or header, or a program that does not compile. */
export class LayoutCheckSetupError extends Error {
  override readonly name = 'LayoutCheckSetupError';
}

const DEFAULT_DRM_INCLUDE = '/usr/include/libdrm';
const DEFAULT_SYSTEM_INCLUDE = '/usr/include';

/** The checkout (or installed package) root: the directory holding drivers/, above this file's tree. */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'drivers', 'apu', 'uapi', 'apu_drm.h'))) return dir;
    if (path.dirname(dir) === dir) break;
  }
  throw new LayoutCheckSetupError(`layout check: drivers/apu/uapi/apu_drm.h not found above ${__dirname}`);
}

/** "6.12.117-1" -> [6, 12, 117]. */
const versionParts = (v: string): number[] => (v.match(/^\d+(\.\d+)*/)?.[0] ?? '0').split('.').map(Number);

/** a < b, comparing numeric components. */
export function versionBefore(a: string, b: string): boolean {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return false;
}

/** The machine's headers: linux-libc-dev's kernel version (linux/version.h) and libdrm-dev's DRM headers. */
export function systemHeaderSet(drmInclude = DEFAULT_DRM_INCLUDE, systemInclude = DEFAULT_SYSTEM_INCLUDE): HeaderSet {
  let version = '0';
  const vh = path.join(systemInclude, 'linux', 'version.h');
  if (fs.existsSync(vh)) {
    const code = /LINUX_VERSION_CODE\s+(\d+)/.exec(fs.readFileSync(vh, 'utf8'))?.[1];
    const major = /LINUX_VERSION_MAJOR\s+(\d+)/.exec(fs.readFileSync(vh, 'utf8'))?.[1];
    const sub = /LINUX_VERSION_SUBLEVEL\s+(\d+)/.exec(fs.readFileSync(vh, 'utf8'))?.[1];
    if (code) {
      const n = Number(code);
      version = `${n >> 16}.${(n >> 8) & 0xff}.${sub ?? n & 0xff}`;
    } else if (major) version = major;
  }
  return {
    label: `machine: linux ${version} uAPI + libdrm`,
    version,
    includeDirs: systemInclude === DEFAULT_SYSTEM_INCLUDE ? [] : [systemInclude],
    drmDir: drmInclude,
    system: true,
  };
}

/** An unpacked linux-libc-dev package (harness/uapi/layout-check/fetch-headers.sh). */
export function debianHeaderSet(label: string, root: string, multiarch = 'x86_64-linux-gnu'): HeaderSet {
  const inc = path.join(root, 'usr', 'include');
  return {
    label,
    version: label.replace(/^linux-libc-dev\s+/, ''),
    includeDirs: [inc, path.join(inc, multiarch)],
    drmDir: path.join(inc, 'drm'),
    system: false,
  };
}

function requireSetup(cc: string, drmInclude: string, systemInclude: string): void {
  const probe = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new LayoutCheckSetupError(`layout check: C compiler '${cc}' not found; install one (Debian: apt-get install gcc)`);
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
}

function compile(cc: string, args: string[], cwd: string): { ok: boolean; output: string } {
  const r = spawnSync(cc, args, { cwd, encoding: 'utf8' });
  return { ok: !r.error && r.status === 0, output: `${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim() };
}

interface CResults {
  sizes: Map<string, number>;
  fields: Map<string, { offset: number; size: number }>;
  constants: Map<string, bigint | undefined>;
}

function parseOutput(text: string): CResults {
  const r: CResults = { sizes: new Map(), fields: new Map(), constants: new Map() };
  for (const line of text.split('\n')) {
    const [kind, h, s, a, b, c] = line.split(' ');
    if (kind === 'S' && a) r.sizes.set(`${h}.${s}`, Number(a));
    else if (kind === 'F' && a && b && c) r.fields.set(`${h}.${s}.${a}`, { offset: Number(b), size: Number(c) });
    else if (kind === 'C' && a) r.constants.set(`${h}.${s}`, BigInt(a));
    else if (kind === 'U') r.constants.set(`${h}.${s}`, undefined);
  }
  return r;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

class Tally {
  readonly mismatches: string[] = [];
  readonly notes: string[] = [];
  compared = 0;
  readonly counts: HeaderCount[] = [];
}

/** Is `include` one of the set's files? */
function headerFile(set: HeaderSet, entry: HeaderEntry, root: string): string | null {
  const h = entry.header;
  // The C library's headers sit in the compiler's own (multiarch) directories.
  if (h.source.kind === 'libc') return h.include;
  if (h.source.kind === 'project') {
    const f = path.join(root, h.source.path);
    return fs.existsSync(f) ? f : null;
  }
  const rel = h.include.startsWith('drm/') ? path.join(set.drmDir, h.include.slice(4)) : null;
  if (rel && fs.existsSync(rel)) return rel;
  for (const d of [...set.includeDirs, DEFAULT_SYSTEM_INCLUDE]) {
    const f = path.join(d, h.include);
    if (fs.existsSync(f)) return f;
  }
  return null;
}

function checkSet(cat: Catalogue, set: HeaderSet, cc: string, dir: string, root: string, t: Tally): void {
  const where = `(${set.label})`;
  // The machine keeps its DRM headers in libdrm/, without the drm/ prefix: a link gives them one.
  const linkDir = fs.mkdtempSync(path.join(dir, 'inc-'));
  fs.symlinkSync(set.drmDir, path.join(linkDir, 'drm'));
  const includes = [...set.includeDirs, linkDir, set.drmDir]
    .concat(cat.filter((e) => e.header.source.kind === 'project').map((e) => path.dirname(path.join(root, (e.header.source as { path: string }).path))))
    .map((d) => `-I${d}`);

  const headers: ProgramInput['headers'][number][] = [];
  cat.forEach((entry, index) => {
    const h = entry.header;
    if (h.source.kind === 'libc' && !set.system) return;
    if (!headerFile(set, entry, root)) {
      const since = h.source.kind === 'kernel' ? h.source.since : undefined;
      const n = entry.structs.length + entry.constants.length;
      if (since && versionBefore(set.version, since)) t.notes.push(`${h.include}: absent ${where}, since ${since}`);
      else if (set.system) t.notes.push(`${h.include}: not shipped by the machine's headers ${where}`);
      else t.mismatches.push(`${h.include}: missing ${where}`);
      t.counts.push({ set: set.label, include: h.include, ioctls: 0, structs: 0, constants: 0, absent: n });
      return;
    }
    headers.push({ index, entry });
  });

  const probe = (entry: HeaderEntry, si: number, member?: string): boolean => {
    const file = path.join(dir, 'probe.c');
    const s = entry.structs[si];
    if (!s) return false;
    fs.writeFileSync(file, generateProbe(entry.header.prelude ?? [], includeLine(entry), s.layout, member));
    return compile(cc, [...includes, '-fsyntax-only', file], dir).ok;
  };

  // Which appended members this version has: a member that is absent does not compile.
  const appendedPresent = new Map<string, string[]>();
  for (const { index, entry } of headers) {
    entry.structs.forEach((s, si) => {
      const present = s.appended.filter((a) => probe(entry, si, a.field)).map((a) => a.field);
      if (present.length > 0) appendedPresent.set(`${index}.${si}`, present);
    });
  }

  const input = { headers, skipStructs: new Set<string>(), skipMembers: new Set<string>(), appendedPresent };
  // Structs newer than this version: one probe each, so the program compiles the first time.
  for (const { index, entry } of headers) {
    entry.structs.forEach((s, si) => {
      if (s.since && versionBefore(set.version, s.since) && !probe(entry, si)) input.skipStructs.add(`${index}.${si}`);
    });
  }
  const src = path.join(dir, 'layout.c');
  const exe = path.join(dir, 'layout');
  const build = (): { ok: boolean; output: string } => {
    fs.writeFileSync(src, generateProgram(input));
    return compile(cc, [...includes, '-std=gnu11', '-Wall', '-o', exe, src], dir);
  };
  let built = build();
  if (!built.ok) {
    // Something is not declared: find which structs, then which members, one probe each.
    for (const { index, entry } of headers) {
      entry.structs.forEach((_, si) => {
        if (!probe(entry, si)) input.skipStructs.add(`${index}.${si}`);
      });
    }
    built = build();
  }
  if (!built.ok) {
    for (const { index, entry } of headers) {
      entry.structs.forEach((s, si) => {
        if (input.skipStructs.has(`${index}.${si}`)) return;
        s.members.forEach((m, mi) => {
          if (!probe(entry, si, m.c)) input.skipMembers.add(`${index}.${si}.${mi}`);
        });
      });
    }
    built = build();
  }
  if (!built.ok) throw new LayoutCheckSetupError(`layout check: the generated program does not compile ${where}:\n${built.output}`);
  const c = parseOutput(execFileSync(exe, { encoding: 'utf8' }));

  for (const { index, entry } of headers) {
    let structs = 0;
    let constants = 0;
    let ioctls = 0;
    let absent = 0;
    /** C sizes accepted as larger because of documented appended members. */
    const appendedSize = new Map<string, number>();
    entry.structs.forEach((s, si) => {
      const key = `${index}.${si}`;
      const name = s.layout.keyword === 'scalar' ? `'${s.name}'` : s.name;
      if (input.skipStructs.has(key)) {
        if (s.since && versionBefore(set.version, s.since)) {
          absent++;
          t.notes.push(`${name}: absent ${where}, since ${s.since}`);
        } else t.mismatches.push(`${name}: not declared by ${entry.header.include} ${where}`);
        return;
      }
      structs++;
      s.members.forEach((m, mi) => {
        t.compared += 2;
        if (input.skipMembers.has(`${key}.${mi}`)) {
          t.mismatches.push(`${name}.${m.c}: no such member ${where}`);
          return;
        }
        const cf = c.fields.get(`${key}.${mi}`);
        if (!cf) t.mismatches.push(`${name}.${m.name}: no value from the C program ${where}`);
        else {
          if (cf.offset !== m.offset) t.mismatches.push(`${name}.${m.name}: offset TS ${m.offset}, C ${cf.offset} ${where}`);
          if (cf.size !== m.size) t.mismatches.push(`${name}.${m.name}: size TS ${m.size}, C ${cf.size} ${where}`);
        }
      });
      t.compared++;
      const cSize = c.sizes.get(key);
      if (cSize === undefined) {
        t.mismatches.push(`${name}: no sizeof from the C program ${where}`);
        return;
      }
      if (cSize === s.layout.size) return;
      const present = appendedPresent.get(key) ?? [];
      const placed = s.appended
        .map((a, ai) => ({ ...a, c: c.fields.get(`${key}.a${ai}`) }))
        .filter((p) => present.includes(p.field));
      const allAfter = placed.every((p) => p.c && p.c.offset >= s.layout.size && p.c.size === p.size);
      const end = Math.max(s.layout.size, ...placed.map((p) => (p.c ? p.c.offset + p.c.size : 0)));
      if (placed.length > 0 && allAfter && cSize === alignUp(end, s.layout.align)) {
        appendedSize.set(s.name, cSize);
        t.notes.push(`${name}: C size ${cSize} > TS ${s.layout.size}, accepted: the header appends ${placed.map((p) => p.field).join(', ')} ${where}`);
      } else {
        t.mismatches.push(`${name}: sizeof TS ${s.layout.size}, C ${cSize} ${where}`);
      }
    });
    entry.constants.forEach((k, ci) => {
      const key = `${index}.${ci}`;
      if (!c.constants.has(key)) {
        t.mismatches.push(`${k.name}: no value from the C program ${where}`);
        return;
      }
      const cv = c.constants.get(key);
      if (cv === undefined) {
        if (k.since && versionBefore(set.version, k.since)) {
          absent++;
          t.notes.push(`${k.name}: absent ${where}, since ${k.since}`);
        } else t.mismatches.push(`${k.name}: not defined by the headers ${where}`);
        return;
      }
      t.compared++;
      if (k.ioctl) ioctls++;
      else constants++;
      if (cv === k.value) return;
      const fmt = (v: bigint): string => (k.ioctl ? formatIoctl(Number(v)) : `0x${v.toString(16)}`);
      const struct = k.ioctl?.struct?.name;
      const cStructSize = struct ? appendedSize.get(struct) : undefined;
      if (k.ioctl && cStructSize !== undefined) {
        const ts = decodeIoctl(Number(k.value));
        const h = decodeIoctl(Number(cv));
        if (ts.dir === h.dir && ts.type === h.type && ts.nr === h.nr && h.size === cStructSize) {
          t.notes.push(`${k.name}: TS ${fmt(k.value)}, C ${fmt(cv)}, accepted: larger ${struct} ${where}`);
          return;
        }
      }
      t.mismatches.push(`${k.name}: TS ${fmt(k.value)}, C ${fmt(cv)} ${where}`);
    });
    t.counts.push({ set: set.label, include: entry.header.include, ioctls, structs, constants, absent });
  }
}

export function runLayoutCheck(options: LayoutCheckOptions = {}): LayoutCheckResult {
  return checkCatalogue(buildCatalogue(options.headers), options);
}

/** Checks a given catalogue; the self-tests feed it deliberately wrong ones. */
export function checkCatalogue(cat: Catalogue, options: LayoutCheckOptions = {}): LayoutCheckResult {
  const cc = options.cc ?? 'cc';
  const drmInclude = options.drmInclude ?? DEFAULT_DRM_INCLUDE;
  const systemInclude = options.systemInclude ?? DEFAULT_SYSTEM_INCLUDE;
  requireSetup(cc, drmInclude, systemInclude);
  const root = projectRoot();
  const sets = options.sets ?? [systemHeaderSet(drmInclude, systemInclude)];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accel-layout-'));
  const t = new Tally();
  try {
    for (const set of sets) checkSet(cat, set, cc, dir, root, t);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { mismatches: t.mismatches, notes: t.notes, compared: t.compared, counts: t.counts };
}

export function formatLayoutReport(r: LayoutCheckResult): string {
  const head = r.mismatches.length === 0
    ? `layout check: ${r.compared} values agree with the C headers`
    : `layout check: ${r.mismatches.length} mismatch(es) among ${r.compared} values`;
  const counts = r.counts.map(
    (c) =>
      `  ${c.set.padEnd(36)} ${c.include.padEnd(22)} ${String(c.ioctls).padStart(3)} ioctls ${String(c.structs).padStart(3)} structs ` +
      `${String(c.constants).padStart(3)} constants${c.absent > 0 ? `, ${c.absent} absent` : ''}`,
  );
  return [head, ...counts, ...r.mismatches.map((m) => `  MISMATCH ${m}`), ...r.notes.map((n) => `  note ${n}`)].join('\n');
}

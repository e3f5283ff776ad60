/**
 * A fuzz program: a JSON-serialisable list of operations on one device.
 * Objects an op creates (files and their fds, GEM handles, dma-buf fds, CPU
 * mappings, device addresses, jobs) are never named by number: later ops
 * refer to them by the `id` of the op that created them, so a program means
 * the same on every side (each side resolves the reference to its own fd,
 * handle or address) and stays well-formed when the shrinker drops ops.
 */

/** Which process issues an op: the fuzz process, or its peer (a second process sharing files over SCM_RIGHTS). */
export type Proc = 'main' | 'peer';

/** A GEM handle: made by an earlier op (gem-new, import), or a raw number (garbage). */
export type HandleRef = { readonly of: number } | { readonly raw: number };

/** A device address: the address an earlier map op returned for its `index`th handle, plus `offset`; or a raw value. */
export type AddrRef = { readonly of: number; readonly index: number; readonly offset: number } | { readonly raw: string };

/** The firmware command of a queue op, with its argument fields (docs/uapi-apu.md, "Firmware commands"). */
export type JobCmd =
  | { readonly kind: 'nop' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'crash' }
  | { readonly kind: 'fill'; readonly dst: AddrRef; readonly len: number; readonly value: number }
  | { readonly kind: 'copy'; readonly src: AddrRef; readonly dst: AddrRef; readonly len: number; readonly pad: number }
  | { readonly kind: 'checksum'; readonly src: AddrRef; readonly len: number; readonly pad: number }
  /** A command number the firmware does not have. */
  | { readonly kind: 'unknown'; readonly cmd: number };

export type OpBody =
  /** open() of the device node in `proc` (retrying EAGAIN of a device still tearing down a context). */
  | { readonly op: 'open'; readonly proc: Proc }
  /** dup() in the main process of fd `fd`. */
  | { readonly op: 'dup'; readonly fd: number }
  /** Sends the main process's fd `fd` to the peer (SCM_RIGHTS): a new fd of the same file in the peer. */
  | { readonly op: 'send'; readonly fd: number }
  /** close() of fd `fd` (device file or dma-buf) in the process that holds it. */
  | { readonly op: 'close'; readonly fd: number }
  /** The peer exits: every fd it holds closes. */
  | { readonly op: 'peer-exit' }
  | { readonly op: 'gem-new'; readonly fd: number; readonly size: number; readonly flags: number }
  | { readonly op: 'gem-close'; readonly fd: number; readonly handle: HandleRef }
  /** DRM_IOCTL_PRIME_HANDLE_TO_FD: a dma-buf fd in the process of `fd`. */
  | { readonly op: 'export'; readonly fd: number; readonly handle: HandleRef; readonly flags: number }
  /** DRM_IOCTL_PRIME_FD_TO_HANDLE of dma-buf `dmabuf` (an export op's id, or a raw fd number). */
  | { readonly op: 'import'; readonly fd: number; readonly dmabuf: number | { readonly raw: number } }
  /** mmap() of `pages` pages at the object's fake offset (GEM_NEW gives it; main process only). */
  | { readonly op: 'mmap'; readonly fd: number; readonly newOp: number; readonly pages: number }
  | { readonly op: 'munmap'; readonly map: number }
  /**
   * CPU store of `len` bytes at `offset` of mapping `map`: byte i is `value + i * step` (mod 256), so
   * `step` (absent: 0) makes a ramp, data in which a byte copied from the wrong place shows.
   */
  | { readonly op: 'write'; readonly map: number; readonly offset: number; readonly len: number; readonly value: number; readonly step?: number }
  /** CPU load of `len` bytes at `offset` of mapping `map`: the contents are recorded. */
  | { readonly op: 'read'; readonly map: number; readonly offset: number; readonly len: number }
  /** GEM_IOMMU_MAP; `count` (when given) is the bo_handle_count, whatever the list's length. */
  | { readonly op: 'map'; readonly fd: number; readonly handles: readonly HandleRef[]; readonly count?: number }
  | { readonly op: 'unmap'; readonly fd: number; readonly handles: readonly HandleRef[]; readonly count?: number }
  /**
   * GEM_QUEUE with a fresh syncobj as out_sync (or the one of job `reuseSync`).
   * `sizeIn`/`sizeOut`/`device`/`count` override the correct values (garbage).
   */
  | {
      readonly op: 'queue';
      readonly fd: number;
      readonly cmd: JobCmd;
      readonly handles: readonly HandleRef[];
      readonly reuseSync?: number;
      readonly sizeIn?: number;
      readonly sizeOut?: number;
      readonly device?: number;
      readonly count?: number;
    }
  /** DRM_IOCTL_SYNCOBJ_WAIT on job `job`'s out_sync, with a deadline far beyond any job timeout. */
  | { readonly op: 'wait'; readonly job: number }
  /** GEM_DEQUEUE of job `job` through fd `fd`, `size` bytes of room (`data` false: a NULL pointer). */
  | { readonly op: 'dequeue'; readonly fd: number; readonly job: number; readonly size: number; readonly data: boolean }
  /** DRM_APU_STATE through fd `fd`, once the device has settled (no job running, recovery over). */
  | { readonly op: 'state'; readonly fd: number; readonly device: number };

export type Op = OpBody & { readonly id: number };

export interface Program {
  /** The seed the generator made it from (informational once shrunk). */
  readonly seed: number;
  readonly ops: readonly Op[];
}

/** Every op id an op refers to: it is meaningless without them. */
export function dependencies(op: Op): number[] {
  const deps: number[] = [];
  const h = (r: HandleRef): void => {
    if ('of' in r) deps.push(r.of);
  };
  const a = (r: AddrRef): void => {
    if ('of' in r) deps.push(r.of);
  };
  switch (op.op) {
    case 'open':
    case 'peer-exit':
      break;
    case 'dup':
    case 'send':
    case 'close':
      deps.push(op.fd);
      break;
    case 'gem-new':
    case 'state':
      deps.push(op.fd);
      break;
    case 'gem-close':
    case 'export':
      deps.push(op.fd);
      h(op.handle);
      break;
    case 'import':
      deps.push(op.fd);
      if (typeof op.dmabuf === 'number') deps.push(op.dmabuf);
      break;
    case 'mmap':
      deps.push(op.fd, op.newOp);
      break;
    case 'munmap':
    case 'write':
    case 'read':
      deps.push(op.map);
      break;
    case 'map':
    case 'unmap':
      deps.push(op.fd);
      op.handles.forEach(h);
      break;
    case 'queue':
      deps.push(op.fd);
      op.handles.forEach(h);
      if (op.reuseSync !== undefined) deps.push(op.reuseSync);
      if (op.cmd.kind === 'fill') a(op.cmd.dst);
      if (op.cmd.kind === 'copy') (a(op.cmd.src), a(op.cmd.dst));
      if (op.cmd.kind === 'checksum') a(op.cmd.src);
      break;
    case 'wait':
      deps.push(op.job);
      break;
    case 'dequeue':
      deps.push(op.fd, op.job);
      break;
  }
  return deps;
}

/**
 * The program without the ops whose ids are in `drop`, and without every op
 * that depends on a dropped one (transitively): the result is well-formed.
 */
export function withoutOps(program: Program, drop: ReadonlySet<number>): Program {
  const gone = new Set(drop);
  const ops: Op[] = [];
  for (const op of program.ops) {
    if (gone.has(op.id) || dependencies(op).some((d) => gone.has(d))) {
      gone.add(op.id);
      continue;
    }
    ops.push(op);
  }
  return { seed: program.seed, ops };
}

/** Whether every reference names an earlier op of the program (what the executor relies on). */
export function isWellFormed(program: Program): boolean {
  const seen = new Set<number>();
  for (const op of program.ops) {
    if (seen.has(op.id)) return false;
    if (dependencies(op).some((d) => !seen.has(d))) return false;
    seen.add(op.id);
  }
  return true;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function asProgram(v: unknown, where: string): Program {
  if (!isObject(v) || !Array.isArray(v['ops']) || typeof v['seed'] !== 'number') throw new Error(`${where} is not a program (seed, ops)`);
  const ops = v['ops'] as unknown[];
  ops.forEach((op, i) => {
    if (!isObject(op) || typeof op['id'] !== 'number' || typeof op['op'] !== 'string') throw new Error(`${where}: op ${i} has no id or op`);
  });
  const p = v as unknown as Program;
  if (!isWellFormed(p)) throw new Error(`${where} refers to an op that is not before it`);
  return p;
}

/**
 * The programs of a JSON document: one program, a list of them, a fuzz
 * --out file (its findings) or a regression file (its program). Checks the
 * shape and the references, not every field: the executor records an op it
 * cannot make sense of as the ioctl's own answer.
 */
export function programsOf(doc: unknown): Program[] {
  if (Array.isArray(doc)) return doc.map((p, i) => asProgram(p, `program ${i}`));
  if (isObject(doc) && Array.isArray(doc['findings'])) {
    return (doc['findings'] as unknown[]).map((f, i) => asProgram(isObject(f) ? f['program'] : undefined, `finding ${i}`));
  }
  if (isObject(doc) && Array.isArray(doc['runs'])) {
    return (doc['runs'] as unknown[]).map((f, i) => asProgram(isObject(f) ? f['program'] : undefined, `run ${i}`));
  }
  if (isObject(doc) && 'program' in doc) return [asProgram(doc['program'], 'the program')];
  return [asProgram(doc, 'the document')];
}

/**
 * Programs and their results as text: one op a line, references as `@id`
 * (the op that made the fd, handle, mapping or job), so a shrunk program can
 * be read next to both sides' records.
 */
import { type OpRecord } from './record';
import { formatRecord } from './compare';
import type { AddrRef, HandleRef, JobCmd, Op, Program } from './program';

const h = (r: HandleRef): string => ('raw' in r ? String(r.raw) : `@${r.of}`);
const a = (r: AddrRef): string => ('raw' in r ? r.raw : `@${r.of}[${r.index}]+${r.offset}`);
const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

function cmdText(c: JobCmd): string {
  switch (c.kind) {
    case 'fill': return `fill dst=${a(c.dst)} len=${c.len} value=${hex(c.value)}`;
    case 'copy': return `copy src=${a(c.src)} dst=${a(c.dst)} len=${c.len}${c.pad ? ` pad=${c.pad}` : ''}`;
    case 'checksum': return `checksum src=${a(c.src)} len=${c.len}${c.pad ? ` pad=${c.pad}` : ''}`;
    case 'unknown': return `cmd=${c.cmd}`;
    default: return c.kind;
  }
}

export function formatOp(op: Op): string {
  const body = ((): string => {
    switch (op.op) {
      case 'open': return `open in ${op.proc}`;
      case 'dup': case 'send': case 'close': return `${op.op} @${op.fd}`;
      case 'peer-exit': return 'peer exits';
      case 'gem-new': return `gem-new fd=@${op.fd} size=${op.size} flags=${hex(op.flags)}`;
      case 'gem-close': return `gem-close fd=@${op.fd} handle=${h(op.handle)}`;
      case 'export': return `export fd=@${op.fd} handle=${h(op.handle)} flags=${hex(op.flags)}`;
      case 'import': return `import fd=@${op.fd} dmabuf=${typeof op.dmabuf === 'number' ? `@${op.dmabuf}` : op.dmabuf.raw}`;
      case 'mmap': return `mmap fd=@${op.fd} object=@${op.newOp} pages=${op.pages}`;
      case 'munmap': return `munmap @${op.map}`;
      case 'write': return `write @${op.map} offset=${op.offset} len=${op.len} value=${hex(op.value)}${op.step ? ` step=${op.step}` : ''}`;
      case 'read': return `read @${op.map} offset=${op.offset} len=${op.len}`;
      case 'map': case 'unmap':
        return `${op.op} fd=@${op.fd} handles=[${op.handles.map(h).join(',')}]${op.count !== undefined ? ` count=${op.count}` : ''}`;
      case 'queue': {
        const extra = [
          op.reuseSync !== undefined ? `out_sync=@${op.reuseSync}` : '',
          op.sizeIn !== undefined ? `size_in=${op.sizeIn}` : '',
          op.sizeOut !== undefined ? `size_out=${op.sizeOut}` : '',
          op.device !== undefined ? `device=${op.device}` : '',
          op.count !== undefined ? `count=${op.count}` : '',
        ].filter(Boolean);
        return `queue fd=@${op.fd} ${cmdText(op.cmd)} handles=[${op.handles.map(h).join(',')}]${extra.length ? ` ${extra.join(' ')}` : ''}`;
      }
      case 'wait': return `wait @${op.job}`;
      case 'dequeue': return `dequeue fd=@${op.fd} job=@${op.job} size=${op.size}${op.data ? '' : ' data=NULL'}`;
      case 'state': return `state fd=@${op.fd}${op.device ? ` device=${op.device}` : ''}`;
    }
  })();
  return `@${op.id} ${body}`;
}

/** The program with both sides' records, one op a block; `mark` flags the first differing op. */
export function formatComparison(
  program: Program,
  device: readonly OpRecord[],
  against: readonly OpRecord[],
  labels: { readonly device: string; readonly against: string },
  mark?: number,
): string[] {
  const width = Math.max(labels.device.length, labels.against.length);
  const lines: string[] = [];
  program.ops.forEach((op, i) => {
    const d = formatRecord(device[i]);
    const s = formatRecord(against[i]);
    lines.push(`${i === mark ? '>>' : '  '} ${formatOp(op)}`);
    if (d === s) lines.push(`     ${'both'.padEnd(width)}  ${d}`);
    else {
      lines.push(`     ${labels.device.padEnd(width)}  ${d}`);
      lines.push(`     ${labels.against.padEnd(width)}  ${s}`);
    }
  });
  return lines;
}

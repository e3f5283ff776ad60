/**
 * Reading sysfs without letting one odd entry stop discovery: every read
 * returns either a value or a one-line reason that names the entry.
 */
import { posix } from 'node:path';
import { isSysError } from '../sys/errno';
import type { FsView } from '../sys/types';

export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly reason: string };

/** The errno name of a failed call (ENOENT, EISDIR, ...), or the error's own text for a non-syscall failure. */
export function failureCode(e: unknown): string {
  if (isSysError(e)) return e.code;
  if (e instanceof Error) return e.message.split('\n')[0] ?? 'error';
  return String(e);
}

export function attempt<T>(path: string, what: string, fn: () => T): Read<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    const code = failureCode(e);
    return { ok: false, code, reason: `${path}: cannot ${what} (${code})` };
  }
}

/** A sysfs attribute's text without its trailing newline. */
export function readAttr(fs: FsView, path: string): Read<string> {
  return attempt(path, 'read', () => fs.readFile(path).toString('utf8').replace(/\n+$/, ''));
}

export function resolveLink(fs: FsView, path: string): Read<string> {
  return attempt(path, 'resolve', () => fs.realpath(path));
}

/** The last component of a symlink's target (`device/driver` -> `ivpu`). */
export function linkBasename(fs: FsView, path: string): Read<string> {
  return attempt(path, 'read link', () => posix.basename(fs.readlink(path)));
}

export function isMissing(r: Read<unknown>): boolean {
  return !r.ok && r.code === 'ENOENT';
}

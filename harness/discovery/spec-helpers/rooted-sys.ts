/**
 * A Sys that sees a fixture directory as `/`, the way the simulated kernel's
 * Sys shows its own tree: used to check discovery with the default roots.
 */
import * as path from 'node:path';
import type { FsView, Sys } from '../../sys/types';
import { fsSys, type FsSysOverrides } from './fs-sys';

export function rootedSys(root: string, over: FsSysOverrides = {}): Sys {
  const base = fsSys(over);
  const inside = (p: string): string => path.join(root, p);
  const outside = (p: string): string => {
    const rel = path.relative(root, p);
    return rel.startsWith('..') ? p : `/${rel}`.replace(/\/$/, '') || '/';
  };
  const fs: FsView = {
    stat: (p) => base.fs.stat(inside(p)),
    lstat: (p) => base.fs.lstat(inside(p)),
    readdir: (p) => base.fs.readdir(inside(p)),
    readlink: (p) => base.fs.readlink(inside(p)),
    realpath: (p) => outside(base.fs.realpath(inside(p))),
    readFile: (p) => base.fs.readFile(inside(p)),
    exists: (p) => base.fs.exists(inside(p)),
  };
  return { ...base, kind: 'sim', fs, open: (p, flags) => base.open(inside(p), flags) };
}

/**
 * Where discovery looks. A real machine uses `/`, `/sys` and `/dev`; tests and
 * offline inspection point the same code at a copied or fabricated tree.
 */
import { posix } from 'node:path';

export interface DiscoveryRoots {
  /** The file system root that holds etc/group (for permission hints). */
  readonly root: string;
  /** Where sysfs is mounted (normally /sys). */
  readonly sysfsRoot: string;
  /** Where devtmpfs is mounted (normally /dev). */
  readonly devRoot: string;
}

export interface RootOptions {
  readonly root?: string;
  readonly sysfsRoot?: string;
  readonly devRoot?: string;
}

/** Missing roots default to `<root>/sys` and `<root>/dev`; every root is made absolute and normalised. */
export function resolveRoots(options: RootOptions = {}): DiscoveryRoots {
  const root = normalise(options.root ?? '/');
  return {
    root,
    sysfsRoot: normalise(options.sysfsRoot ?? posix.join(root, 'sys')),
    devRoot: normalise(options.devRoot ?? posix.join(root, 'dev')),
  };
}

function normalise(p: string): string {
  const abs = posix.isAbsolute(p) ? p : posix.join(process.cwd(), p);
  const n = posix.normalize(abs);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/**
 * Maps a path written as on a real machine (`/sys/...`, `/dev/...`) onto the
 * configured roots, so `sys:/sys/devices/...` also works against a fixture tree.
 */
export function underRoot(path: string, standard: '/sys' | '/dev', actualRoot: string): string | null {
  if (path === standard) return actualRoot;
  if (path.startsWith(`${standard}/`)) return posix.join(actualRoot, path.slice(standard.length + 1));
  return null;
}

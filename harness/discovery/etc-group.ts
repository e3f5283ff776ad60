/** Group names for permission hints, read from <root>/etc/group through the Sys (no NSS in a minimal guest). */
import { posix } from 'node:path';
import type { FsView } from '../sys/types';

export function groupName(fs: FsView, root: string, gid: number): string | null {
  let text: string;
  try {
    text = fs.readFile(posix.join(root, 'etc', 'group')).toString('utf8');
  } catch {
    return null; // Best effort: the hint then names the gid.
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id !== undefined && Number(id) === gid && id.trim() !== '') return name;
  }
  return null;
}

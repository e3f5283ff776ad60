/**
 * A uAPI header as the project mirrors it: every ioctl and struct it declares
 * from it, so the C layout check compares each with the real header.
 */
import type { IoctlDecl } from './ioctl';
import type { StructLayout } from './layout';

export interface UapiHeader {
  /** The `#include` path, e.g. `drm/ivpu_accel.h`. */
  readonly include: string;
  /**
   * Where the real header comes from: Debian's linux-libc-dev (first kernel
   * version that has it), or a header of this project (path from the repository root).
   */
  readonly source: { readonly kind: 'kernel'; readonly since: string } | { readonly kind: 'project'; readonly path: string };
  readonly ioctls: readonly IoctlDecl[];
  readonly structs: readonly StructLayout<unknown>[];
}

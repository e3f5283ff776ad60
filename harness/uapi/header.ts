/**
 * A uAPI header as the project mirrors it: every ioctl, struct and constant
 * it declares from it, so the C layout check compares each with the real
 * header of every version the project tracks.
 */
import type { IoctlDecl } from './ioctl';
import type { AnyStructLayout } from './layout';

export interface UapiHeader {
  /** The `#include` path, e.g. `drm/ivpu_accel.h`. */
  readonly include: string;
  /**
   * Where the real header comes from: the kernel's uAPI (Debian's
   * linux-libc-dev; `since` the first kernel version that has it), the C
   * library (`libc`: checked against the machine's own headers only), or a
   * header of this project (path from the repository root).
   */
  readonly source:
    | { readonly kind: 'kernel'; readonly since: string }
    | { readonly kind: 'libc' }
    | { readonly kind: 'project'; readonly path: string };
  readonly ioctls: readonly IoctlDecl[];
  readonly structs: readonly AnyStructLayout[];
  /** Macros the header defines, by C name, with the values the suite uses. */
  readonly constants?: Readonly<Record<string, number | bigint>>;
  /**
   * First kernel version whose header has an ioctl, struct or constant of
   * this header that older ones lack (by C name). A header older than that
   * lacking it is recorded, not a mismatch.
   */
  readonly since?: Readonly<Record<string, string>>;
  /**
   * Members of a struct the C header names differently (TS name -> C member
   * name) or that have no C counterpart (`null`: reserved tail space, covered
   * by the sizeof comparison only).
   */
  readonly members?: Readonly<Record<string, Readonly<Record<string, string | null>>>>;
  /**
   * The header defines its ioctl numbers as enumerators, not macros
   * (ethosu_accel.h: `enum { DRM_IOCTL_ETHOSU_DEV_QUERY = ... }`), which
   * `#ifdef` cannot see: the check compares them unconditionally.
   */
  readonly enumIoctls?: boolean;
  /** Extra lines before the `#include` (feature macros such as `#define _GNU_SOURCE`). */
  readonly prelude?: readonly string[];
}

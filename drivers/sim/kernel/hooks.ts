/**
 * Hook tables: the simulator's fault-injection points, shaped like the
 * kernel's own ops tables (struct drm_driver, drm_sched_backend_ops, ...).
 * A table holds one function per hook; `override` replaces one, giving the
 * replacement the previous function as its last argument, to wrap or
 * ignore. Defects (drivers/sim/defects.ts) and plugins install through the
 * same tables. The core calls `hooks.call.<name>(...)`: one property read
 * and a call, the same cost as the function pointer it models.
 */

/** A replacement for hook F: F's arguments, then the hook it replaces. */
export type HookOverride<F extends (...args: never[]) => unknown> = (...args: [...Parameters<F>, F]) => ReturnType<F>;

/** Only the function-valued members of H are hooks. */
export type HookMap<H> = { [K in keyof H]: (...args: never[]) => unknown };

export interface HookTable<H extends HookMap<H>> {
  /** The hooks in force. */
  readonly call: Readonly<H>;
  /** Replaces hook `name`; `fn` receives the previous hook last. */
  override<K extends keyof H>(name: K, fn: HookOverride<H[K]>): void;
}

export class Hooks<H extends HookMap<H>> implements HookTable<H> {
  readonly call: H;

  constructor(defaults: H) {
    this.call = { ...defaults };
  }

  override<K extends keyof H>(name: K, fn: HookOverride<H[K]>): void {
    const prev = this.call[name];
    if (typeof prev !== 'function') throw new TypeError(`no hook named '${String(name)}'`);
    // The spread of a generic tuple cannot be typed further: the wrapper has F's parameters by construction.
    const wrapped = (...args: Parameters<H[K]>): ReturnType<H[K]> => fn(...args, prev);
    this.call[name] = wrapped as unknown as H[K];
  }
}

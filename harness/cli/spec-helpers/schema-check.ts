/**
 * Checks a value against the subset of JSON Schema that docs/*.schema.json
 * uses (type, const, enum, pattern, required, properties,
 * additionalProperties: false, items, local $ref, minimum, maximum), so specs
 * hold the CLI's output to the published schema without a validator package.
 */
type Schema = { readonly [key: string]: unknown };

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(actual: string, wanted: string): boolean {
  return actual === wanted || (wanted === 'number' && actual === 'integer');
}

export function checkSchema(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  const resolve = (s: Schema): Schema => {
    const ref = s.$ref;
    if (typeof ref !== 'string') return s;
    const m = /^#\/\$defs\/(.+)$/.exec(ref);
    const defs = root.$defs as Record<string, Schema> | undefined;
    const target = m && defs ? defs[m[1] as string] : undefined;
    if (!target) throw new Error(`unsupported $ref ${ref}`);
    return target;
  };
  const visit = (schemaIn: Schema, v: unknown, at: string): void => {
    const s = resolve(schemaIn);
    const t = typeOf(v);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((w) => typeMatches(t, w))) {
        errors.push(`${at}: ${t} is not ${types.join('|')}`);
        return;
      }
    }
    if ('const' in s && v !== s.const) errors.push(`${at}: ${JSON.stringify(v)} is not ${JSON.stringify(s.const)}`);
    if (Array.isArray(s.enum) && !s.enum.includes(v)) errors.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
    if (typeof s.pattern === 'string' && typeof v === 'string' && !new RegExp(s.pattern).test(v)) {
      errors.push(`${at}: '${v}' does not match ${s.pattern}`);
    }
    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) errors.push(`${at}: ${v} < ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) errors.push(`${at}: ${v} > ${s.maximum}`);
    }
    if (t === 'object') {
      const obj = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const key of (s.required as string[] | undefined) ?? []) if (!(key in obj)) errors.push(`${at}: missing '${key}'`);
      for (const [key, child] of Object.entries(obj)) {
        const ps = props[key];
        if (ps) visit(ps, child, `${at}.${key}`);
        else if (s.additionalProperties === false) errors.push(`${at}: unexpected '${key}'`);
      }
    }
    if (t === 'array' && s.items) (v as unknown[]).forEach((item, i) => visit(s.items as Schema, item, `${at}[${i}]`));
  };
  visit(root, value, '$');
  return errors;
}

import type { Schema } from './openapi-conformance';

/**
 * The smallest value a (resolved) schema accepts: required fields only, the first of each choice, the
 * shortest string. Emails are fresh each time, so a sign-up with one succeeds.
 */
export function minimalValue(schema: Schema): unknown {
  const s: Schema = Object.assign({}, schema, ...(schema.allOf ?? []));
  const union = s.anyOf ?? s.oneOf;
  if (union) return minimalValue({ ...s, anyOf: undefined, oneOf: undefined, ...union[0] });
  if (Array.isArray(s.enum)) return s.enum[0];
  switch (s.type) {
    case 'string':
      if (s.format === 'email') return `walker-${crypto.randomUUID().slice(0, 8)}@example.com`;
      if (s.format === 'uuid') return crypto.randomUUID();
      if (s.format === 'date-time') return new Date().toISOString();
      return 'a'.repeat(Math.max(1, s.minLength ?? 0));
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, (_, i) => (s.items?.type === 'string' ? `a${i}` : minimalValue(s.items ?? {})));
    case 'object':
      return Object.fromEntries((s.required ?? []).map((k: string) => [k, minimalValue(s.properties?.[k] ?? {})]));
  }
  return {};
}

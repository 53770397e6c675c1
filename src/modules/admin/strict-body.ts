import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AppError } from '../../lib/errors';

type ObjectSchema = { type?: string; properties?: Record<string, TSchema>; additionalProperties?: unknown; anyOf?: ObjectSchema[] };

/** The first field of `value` that `schema` does not allow, as a dotted path. */
function unknownField(schema: ObjectSchema, value: unknown, path: string): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const s of schema.anyOf ?? [schema]) {
    if (s.type !== 'object' || !s.properties) continue;
    for (const [key, inner] of Object.entries(value)) {
      const field = s.properties[key];
      if (!field) {
        if (s.additionalProperties === false) return `${path}${key}`;
        continue;
      }
      const deeper = unknownField(field as ObjectSchema, inner, `${path}${key}.`);
      if (deeper) return deeper;
    }
  }
  return undefined;
}

const invalid = (path: string, why: string) => new AppError('validation_error', { message: `Invalid body ${path}: ${why}` });

type ValueError = { path: string; message: string; schema: TSchema };

const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/**
 * The error a person can act on. A union (an object or null) reports only "expected object or
 * null", so when the value already has the kind of one branch, that branch's own error is the one
 * that says what is wrong inside it (e.g. `params.temperature` above its maximum).
 */
function firstError(schema: TSchema, value: unknown, prefix: string): ValueError | undefined {
  const first = Value.Errors(schema, value).First() as ValueError | undefined;
  if (!first) return undefined;
  const options = (first.schema as ObjectSchema).anyOf;
  const at = pointer(first.path, value);
  const branch = options?.find((o) => o.type === kindOf(at) || (o.type === 'integer' && typeof at === 'number'));
  if (branch) {
    const inner = firstError(branch as TSchema, at, `${prefix}${first.path}`);
    if (inner) return inner;
  }
  return { ...first, path: `${prefix}${first.path}` };
}

/** The part of `value` a JSON pointer such as `/params/temperature` names. */
function pointer(path: string, value: unknown): unknown {
  let at = value;
  for (const key of path.split('/').slice(1)) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  return at;
}

/**
 * A `transform` hook that validates the body as it was sent. Elysia normalises a body before it
 * validates it: unknown fields vanish and a value of the wrong type where an object or null is
 * expected becomes `{}`, so a misspelt or malformed limit would silently clear what an admin set.
 */
export const strictBody =
  (schema: TSchema) =>
  ({ body }: { body: unknown }): void => {
    const field = unknownField(schema as ObjectSchema, body, '');
    if (field) throw invalid(field, 'unknown field');
    const first = firstError(schema, body, '');
    if (!first) return;
    const path = first.path.replace(/^\//, '').replaceAll('/', '.') || 'body';
    const options = (first.schema as ObjectSchema).anyOf;
    throw invalid(path, options ? `expected ${options.map((o) => o.type ?? 'another value').join(' or ')}` : first.message);
  };

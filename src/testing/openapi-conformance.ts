import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export type Schema = Record<string, any>;

export interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema: Schema;
}

export interface Operation {
  operationId?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
}

export interface OpenApiDocument {
  [field: string]: unknown;
  openapi: string;
  security?: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** One operation of the document: `path` is its template (`/api/keys/{id}`). */
export interface DocumentedOperation {
  method: string;
  path: string;
  op: Operation;
}

export const operationsOf = (doc: OpenApiDocument): DocumentedOperation[] =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );

export const nameOf = (o: DocumentedOperation) => `${o.method} ${o.path}`;

/** Whether the document says the operation needs a session or a key. */
export const needsAuth = (doc: OpenApiDocument, o: DocumentedOperation) => (o.op.security ?? doc.security ?? []).length > 0;

/** The schema with every `$ref` into components replaced by what it names (the document has no recursive schemas). */
export function resolved(doc: OpenApiDocument, schema: Schema): Schema {
  if (Array.isArray(schema)) return schema.map((s) => resolved(doc, s));
  if (typeof schema !== 'object' || schema === null) return schema;
  if (typeof schema.$ref === 'string') return resolved(doc, doc.components?.schemas?.[schema.$ref.split('/').pop()!] ?? {});
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [k, k === 'properties' ? mapValues(v, (p) => resolved(doc, p)) : resolved(doc, v)]),
  );
}

const mapValues = (o: Schema, f: (v: Schema) => Schema) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/**
 * An OpenAPI 3.0 schema as JSON Schema for Ajv (`nullable` becomes a `null` type). Objects that do
 * not say otherwise get `additionalProperties: false`: an answer carrying a field the document does
 * not name is an undocumented field, and perhaps a leak.
 */
function jsonSchemaOf(schema: Schema): Schema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const { nullable, ...rest } = schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(rest)) {
    if (k === 'properties') out.properties = mapValues(v, jsonSchemaOf);
    else if (k === 'items' || k === 'not' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = jsonSchemaOf(v);
    else if (k === 'anyOf' || k === 'oneOf' || k === 'allOf') out[k] = v.map(jsonSchemaOf);
    else if (k !== 'example' && k !== 'default') out[k] = v;
  }
  if (out.type === 'object' && !('additionalProperties' in out)) out.additionalProperties = false;
  if (!nullable) return out;
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** Checks answers against the document: a documented status, a documented media type, a body that fits its schema. */
export function conformanceChecker(doc: OpenApiDocument) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Elysia's integers accept digit strings; the document says so with this format.
  ajv.addFormat('integer', /^-?\d+$/);
  ajv.addFormat('binary', () => true);
  const compiled = new Map<string, ValidateFunction>();
  const validator = (key: string, schema: Schema) => {
    let v = compiled.get(key);
    if (!v) compiled.set(key, (v = ajv.compile(jsonSchemaOf(resolved(doc, schema)))));
    return v;
  };

  /** What is wrong with this answer to this operation, or nothing. */
  return (o: DocumentedOperation, answer: Answer): string | undefined => {
    const documented = o.op.responses[String(answer.status)];
    if (!documented) return `status ${answer.status} is not documented (documented: ${Object.keys(o.op.responses).join(', ')})`;
    const media = answer.contentType.split(';')[0].trim();
    if (!documented.content) return answer.text === '' ? undefined : `status ${answer.status} is documented without a body`;
    const entry = documented.content[media];
    if (!entry)
      return `media type "${media}" is not documented for ${answer.status} (documented: ${Object.keys(documented.content).join(', ')})`;
    if (media !== 'application/json') return undefined;
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return `status ${answer.status} is not JSON: ${answer.text.slice(0, 200)}`;
    }
    const validate = validator(`${nameOf(o)} ${answer.status}`, entry.schema);
    if (validate(body)) return undefined;
    return `body of ${answer.status} does not fit its schema: ${ajv.errorsText(validate.errors)}; body: ${answer.text.slice(0, 300)}`;
  };
}

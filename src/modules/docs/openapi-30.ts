import type { TSchema } from '@sinclair/typebox';

type Node = Record<string, any>;

/** The keywords an OpenAPI 3.0 Schema Object may have; TypeBox writes JSON Schema, which has more. */
const SCHEMA_KEYWORDS = new Set([
  ...['title', 'description', 'type', 'format', 'enum', 'default', 'nullable', 'example', 'deprecated', 'readOnly', 'writeOnly'],
  ...['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern'],
  ...['maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required'],
]);

const RESPONSE_KEYS = new Set(['description', 'headers', 'content', 'links']);

/** What a response means when its route gives no sentence of its own. */
const STATUS_DESCRIPTIONS: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  204: 'Done; no content',
  400: 'The request is not valid: a malformed body, a missing or unknown field, a bad parameter',
  401: 'No valid session cookie or API key',
  403: 'Not allowed for this caller or from this origin',
  404: 'Not found, or not yours',
  409: 'Conflicts with the current state or another request in progress',
  413: 'The request body is too large',
  415: 'The body is not of a media type this operation takes',
  429: 'Too many requests; Retry-After says when to try again',
  502: 'The model provider failed',
  503: 'Not available right now; retrying later can help',
  504: 'The model provider did not answer in time',
};

/** Media types the generator copies onto every response and body although the server never answers or takes them there. */
const COPIED_MEDIA_TYPES = ['multipart/form-data', 'text/plain'];

const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNullSchema = (s: unknown) => isObject(s) && s.type === 'null';
const jsonType = (v: unknown) => (v === null ? undefined : Number.isInteger(v) ? 'integer' : typeof v);
const mapValues = (o: Node, f: (v: Node) => Node) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/** `anyOf` of literals of one type (how TypeBox writes a union of literals) as one `enum`. */
function asEnum(branches: Node[]): Node | undefined {
  const type = branches[0]?.type;
  const literal = (b: Node) => b.type === type && Array.isArray(b.enum) && Object.keys(b).every((k) => k === 'type' || k === 'enum');
  return branches.length > 0 && branches.every(literal) ? { type, enum: branches.flatMap((b) => b.enum) } : undefined;
}

/** A union in 3.0's terms: `null` is not a type there but `nullable`, and literals become an `enum`. */
function fromUnion(key: 'anyOf' | 'oneOf', branches: Node[], rest: Node): Node {
  const others = branches.filter((b) => !isNullSchema(b)).map(toSchema30);
  const nullable = others.length < branches.length ? { nullable: true } : {};
  const single = others.length === 1 ? others[0] : asEnum(others);
  if (!single) return { ...rest, [key]: others, ...nullable };
  // A $ref takes no siblings in 3.0, so a nullable reference is wrapped.
  if (single.$ref) return Object.keys(rest).length || nullable.nullable ? { ...rest, allOf: [single], ...nullable } : single;
  return { ...single, ...rest, ...nullable };
}

/** One JSON Schema (as TypeBox and the generator write it) as an OpenAPI 3.0 Schema Object. */
function toSchema30(schema: Node): Node {
  if (!isObject(schema)) return schema;
  if (typeof schema.$ref === 'string') return { $ref: schema.$ref };
  const out: Node = {};
  let union: ['anyOf' | 'oneOf', Node[]] | undefined;
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'const') {
      out.enum = [value];
      out.type ??= schema.type ?? jsonType(value);
    } else if (key === 'type' && value === 'null') {
      out.nullable = true;
      out.enum = [null];
    } else if (key === 'properties') out.properties = mapValues(value, toSchema30);
    else if (key === 'items') out.items = Array.isArray(value) ? { anyOf: value.map(toSchema30) } : toSchema30(value);
    else if (key === 'additionalProperties') out.additionalProperties = isObject(value) ? toSchema30(value) : value;
    // A TypeBox Record: 3.0 has no patternProperties, only one schema for every extra key.
    else if (key === 'patternProperties') out.additionalProperties = toSchema30(Object.values(value)[0] as Node);
    else if (key === 'allOf') out.allOf = value.map(toSchema30);
    else if (key === 'not') out.not = toSchema30(value);
    else if (key === 'anyOf' || key === 'oneOf') union = [key, value];
    else if (key === 'examples' && Array.isArray(value) && value.length) out.example = value[0];
    // JSON Schema's numeric exclusive bounds are booleans beside minimum/maximum in 3.0.
    else if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'number') {
      out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
      out[key] = true;
    } else if (SCHEMA_KEYWORDS.has(key) || key.startsWith('x-')) out[key] ??= value;
  }
  return union ? fromUnion(union[0], union[1], out) : out;
}

const hasFile = (s: Node): boolean => isObject(s) && Object.values<Node>(s.properties ?? {}).some((p) => p?.format === 'binary');

/** Two object schemas are one named schema when they have the same fields; the generator drops other top-level keywords. */
const shapeOf = (s: Node) => (s.type === 'object' ? JSON.stringify([s.properties, [...(s.required ?? [])].sort()]) : undefined);

function fromRequestBody(body: Node, named: Map<string, string>): Node {
  const entries = Object.entries<Node>(body.content ?? {});
  const [, first] = entries.find(([type]) => !COPIED_MEDIA_TYPES.includes(type)) ?? entries[0] ?? [];
  if (!first) return body;
  const schema = toSchema30(first.schema);
  // Elysia validates a body's top level strictly, so a field the schema does not name is refused.
  if (schema.type === 'object' && !('additionalProperties' in schema)) schema.additionalProperties = false;
  const mediaType = hasFile(schema) ? 'multipart/form-data' : 'application/json';
  return { ...body, content: { [mediaType]: { schema: refOf(schema, named) } } };
}

function refOf(schema: Node, named: Map<string, string>): Node {
  const name = named.get(shapeOf(schema) ?? '');
  return name ? { $ref: `#/components/schemas/${name}` } : schema;
}

function fromResponse(status: string, response: Node, named: Map<string, string>): Node {
  const out: Node = { description: response.description ?? STATUS_DESCRIPTIONS[status] ?? `HTTP ${status}` };
  for (const [key, value] of Object.entries(response))
    if (key !== 'description' && (RESPONSE_KEYS.has(key) || key.startsWith('x-'))) out[key] = value;
  const content = Object.entries<Node>(response.content ?? {}).filter(([type]) => !COPIED_MEDIA_TYPES.includes(type));
  if (content.length)
    out.content = Object.fromEntries(content.map(([type, m]) => [type, { ...m, schema: refOf(toSchema30(m.schema), named) }]));
  else delete out.content;
  return out;
}

function fromOperation(op: Node, named: Map<string, string>): Node {
  const out: Node = { ...op };
  if (op.parameters) out.parameters = op.parameters.map((p: Node) => ({ ...p, schema: toSchema30(p.schema) }));
  if (op.requestBody) out.requestBody = fromRequestBody(op.requestBody, named);
  out.responses = Object.fromEntries(Object.entries<Node>(op.responses ?? {}).map(([s, r]) => [s, fromResponse(s, r, named)]));
  return out;
}

/**
 * The document @elysiajs/swagger generates, as valid OpenAPI 3.0: TypeBox's JSON Schema keywords
 * that 3.0 lacks (`const`, `type: 'null'`, patternProperties) in 3.0's terms, a description on
 * every response, only the media types each operation really takes and answers, and the schemas
 * in `components` written once and referenced.
 */
export function toOpenApi30(generated: unknown, components: Record<string, TSchema>): Node {
  // A copy without TypeBox's symbols: the generator caches what it returns, so it is never changed in place.
  const doc: Node = JSON.parse(JSON.stringify(generated));
  const schemas = mapValues(JSON.parse(JSON.stringify(components)), toSchema30);
  const named = new Map(Object.entries(schemas).map(([name, s]) => [shapeOf(s) ?? name, name]));
  doc.paths = mapValues(doc.paths ?? {}, (ops) => mapValues(ops, (op) => fromOperation(op, named)));
  doc.components = { ...doc.components, schemas: { ...mapValues(doc.components?.schemas ?? {}, toSchema30), ...schemas } };
  return doc;
}

import fc from 'fast-check';
import { type DocumentedOperation, type OpenApiDocument, resolved, type Schema } from './openapi-conformance';

/** What the server knows, so generated values reach past validation: existing ids, model and plugin names. */
export interface Vocabulary {
  ids: string[];
  /** The same ids by the collection they belong to (`conversations`, `documents`, `keys`), for paths under it. */
  idsIn: Record<string, string[]>;
  words: string[];
}

export type FuzzBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; text: string; contentType: string }
  | { kind: 'form'; fields: [string, string | { file: string; name: string; type: string }][] };

/** One request to one operation, as a caller: the path filled in, the query serialised, extra headers and a body. */
export interface FuzzRequest {
  caller: 'anonymous' | 'owner' | 'other';
  auth: 'cookie' | 'bearer';
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: FuzzBody;
}

/** Strings that have broken parsers, decoders and databases before. */
const HOSTILE = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '%',
  '%zz',
  '%00',
  '%c0%af',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' or 1=1 --",
  '\ud800',
  '🙂',
  'null',
  '{}',
  '-1',
  '1e309',
  'NaN',
  '9'.repeat(400),
  'a'.repeat(5000),
];

const hostile = fc.constantFrom(...HOSTILE);
const anyString = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), hostile);
/** An opaque token that decodes to something: the kind of string cursors and tokens are made of. */
const encodedJson = fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url'));

function stringOf(schema: Schema, v: Vocabulary): fc.Arbitrary<string> {
  switch (schema.format) {
    case 'uuid':
      return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...v.ids) }, { weight: 1, arbitrary: fc.uuid() });
    case 'email':
      return fc.emailAddress().filter((e) => e.length <= (schema.maxLength ?? 254));
    case 'date-time':
      return fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 }).map(String);
  }
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? min + 40, min + 40);
  const fits = (s: string) => s.length >= min && s.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY);
  const known = v.words.filter(fits);
  const generated = fc.oneof(fc.string({ minLength: min, maxLength: max }), encodedJson.filter(fits));
  return known.length ? fc.oneof(fc.constantFrom(...known), generated) : generated;
}

function merged(schema: Schema): Schema {
  const { allOf, ...rest } = schema;
  return Object.assign(rest, ...(allOf ?? []));
}

/** Values the schema allows (a schema with no type allows any JSON). */
export function validValue(schema: Schema, v: Vocabulary): fc.Arbitrary<unknown> {
  const s = merged(schema);
  if (s.nullable)
    return fc.oneof({ weight: 4, arbitrary: validValue({ ...s, nullable: false }, v) }, { weight: 1, arbitrary: fc.constant(null) });
  const union = s.anyOf ?? s.oneOf;
  if (union) {
    const { anyOf: _a, oneOf: _o, ...rest } = s;
    return fc.oneof(...union.map((branch: Schema) => validValue({ ...rest, ...branch }, v)));
  }
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  switch (s.type) {
    case 'string':
      return stringOf(s, v);
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.min(s.maxItems ?? minLength + 3, minLength + 3);
      const items = validValue(s.items ?? {}, v);
      return s.uniqueItems
        ? fc.uniqueArray(items, { minLength, maxLength, selector: (x) => JSON.stringify(x) })
        : fc.array(items, { minLength, maxLength });
    }
    case 'object': {
      const properties: Record<string, Schema> = s.properties ?? {};
      const required = new Set<string>(s.required ?? []);
      // Each optional field is left out more often than not, so requests with several get past the first 404.
      const fields = Object.entries(properties).map(([k, p]) =>
        required.has(k)
          ? validValue(p, v).map((x) => [k, x] as const)
          : fc.oneof(
              { weight: 2, arbitrary: fc.constant(undefined) },
              { weight: 1, arbitrary: validValue(p, v).map((x) => [k, x] as const) },
            ),
      );
      const record = fc
        .tuple(...fields)
        .map((pairs) => Object.fromEntries(pairs.filter((pair) => pair !== undefined)) as Record<string, unknown>);
      if (typeof s.additionalProperties !== 'object') return record;
      return fc
        .tuple(record, fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), validValue(s.additionalProperties, v), { maxKeys: 3 }))
        .map(([known, extra]) => ({ ...extra, ...known }));
    }
  }
  return fc.jsonValue({ maxDepth: 2 });
}

const anyJson = fc.oneof(
  fc.integer(),
  fc.double(),
  anyString,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);

/** Values the schema most likely refuses: the wrong type, out of bounds, a field missing or unknown, a bad element. */
export function invalidValue(schema: Schema, v: Vocabulary): fc.Arbitrary<unknown> {
  const s = merged(schema);
  const options: fc.Arbitrary<unknown>[] = [anyJson];
  if (s.type === 'string') {
    options.push(hostile);
    if (s.maxLength !== undefined) options.push(fc.string({ minLength: s.maxLength + 1, maxLength: s.maxLength + 20 }));
    if (s.minLength) options.push(fc.string({ maxLength: s.minLength - 1 }));
    if (s.format) options.push(anyString, encodedJson);
  }
  if (s.type === 'integer' || s.type === 'number') {
    options.push(fc.constantFrom(1.5, -1, 0, 2 ** 53, 1e308, -1e308), anyString);
    if (s.maximum !== undefined) options.push(fc.integer({ min: s.maximum + 1, max: s.maximum + 1000 }));
    if (s.minimum !== undefined) options.push(fc.integer({ min: s.minimum - 1000, max: s.minimum - 1 }));
  }
  if (s.type === 'array') {
    options.push(fc.array(invalidValue(s.items ?? {}, v), { minLength: 1, maxLength: 3 }));
    if (s.maxItems !== undefined)
      options.push(fc.array(validValue(s.items ?? {}, v), { minLength: s.maxItems + 1, maxLength: s.maxItems + 3 }));
  }
  if (s.type === 'object' && s.properties) {
    const valid = validValue(s, v) as fc.Arbitrary<Record<string, unknown>>;
    const keys = Object.keys(s.properties);
    for (const key of s.required ?? []) options.push(valid.map(({ [key]: _, ...rest }) => rest));
    if (s.additionalProperties === false) options.push(valid.map((o) => ({ ...o, unknownField: 'x' })));
    if (keys.length) {
      const replaced = fc.constantFrom(...keys).chain((key) => fc.tuple(fc.constant(key), invalidValue(s.properties[key], v)));
      options.push(fc.tuple(valid, replaced).map(([o, [key, bad]]) => ({ ...o, [key]: bad })));
    }
  }
  return fc.oneof(...options);
}

/** A body nested far deeper than any schema goes: arrays in a field, as a hostile client sends them. */
const deepBody = fc.integer({ min: 100, max: 6000 }).map((depth) => `{"message":${'['.repeat(depth)}${']'.repeat(depth)}}`);

const rawBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('{', '{"a":', '[1,', 'nul', '{"a":1}}', '\u0000')).map((text) => ({
    kind: 'raw' as const,
    text,
    contentType: 'application/json',
  })),
  fc
    .oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }))
    .map((value) => ({ kind: 'json' as const, value })),
  deepBody.map((text) => ({ kind: 'raw' as const, text, contentType: 'application/json' })),
  fc
    .tuple(
      fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/json; charset=latin1'),
      fc.string({ maxLength: 40 }),
    )
    .map(([contentType, text]) => ({ kind: 'raw' as const, text, contentType })),
);

const fileField = fc.record({
  file: fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.constantFrom('%PDF-1.4\n%broken', '<html><body>x</body></html>', '\u0000\u0001\u0002binary', ''),
  ),
  name: fc.oneof(fc.constantFrom('notes.md', 'a.txt', 'page.html', 'doc.pdf', 'x'), anyString),
  type: fc.constantFrom('text/plain', 'text/markdown', 'application/pdf', 'application/octet-stream', ''),
});

const formBody: fc.Arbitrary<FuzzBody> = fc
  .tuple(
    fc.option(fileField, { nil: undefined, freq: 5 }),
    fc.option(anyString, { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('file', 'extra', 'name'), anyString), { nil: undefined }),
  )
  .map(([file, name, extra]) => ({
    kind: 'form' as const,
    fields: [
      ...(file ? [['file', file] as [string, typeof file]] : []),
      ...(name !== undefined ? [['name', name] as [string, string]] : []),
      ...(extra ? [extra] : []),
    ],
  }));

function bodyOf(doc: OpenApiDocument, o: DocumentedOperation, v: Vocabulary): fc.Arbitrary<FuzzBody | undefined> {
  if (o.method === 'GET') return fc.constant(undefined);
  const content = o.op.requestBody?.content ?? {};
  if (content['multipart/form-data']) return fc.oneof({ weight: 4, arbitrary: formBody }, { weight: 1, arbitrary: rawBody });
  const json = content['application/json'];
  if (!json) return fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: rawBody });
  const schema = resolved(doc, json.schema);
  return fc.oneof(
    { weight: 5, arbitrary: validValue(schema, v).map((value) => ({ kind: 'json' as const, value })) },
    { weight: 3, arbitrary: invalidValue(schema, v).map((value) => ({ kind: 'json' as const, value })) },
    { weight: 2, arbitrary: rawBody },
  );
}

/** A value for a path or query parameter, as it goes into the URL: mostly encoded, sometimes raw (a lone `%`, an encoded NUL). */
function urlValue(schema: Schema, v: Vocabulary): fc.Arbitrary<string> {
  // A lone surrogate cannot be percent-encoded; a client would send its replacement character.
  const encoded = (a: fc.Arbitrary<unknown>) =>
    a.map((x) => encodeURIComponent((typeof x === 'string' ? x : JSON.stringify(x)).toWellFormed()));
  return fc.oneof(
    { weight: 6, arbitrary: encoded(validValue(schema, v)) },
    { weight: 3, arbitrary: encoded(invalidValue(schema, v)) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%00', 'a%00b', '%c0%af', '%2F', 'a%2Fb') },
  );
}

/** A path segment: never empty and never a dot segment, which would address another route than the operation's. */
const segment = (schema: Schema, v: Vocabulary) => urlValue(schema, v).filter((s) => s !== '' && !/^(\.|%2e){1,2}$/i.test(s));

function queryOf(o: DocumentedOperation, v: Vocabulary): fc.Arbitrary<string> {
  const params = (o.op.parameters ?? []).filter((p) => p.in === 'query');
  const pairs = params.map((p) =>
    fc.option(
      urlValue(p.schema, v).map((value) => `${p.name}=${value}`),
      { nil: undefined, freq: 2 },
    ),
  );
  const unknown = fc.option(fc.constantFrom('unknownParam=1', '_=123', 'q=%00', 'limit=1&limit=2'), { nil: undefined, freq: 4 });
  return fc.tuple(fc.tuple(...pairs), unknown).map(([given, extra]) => [...given, extra].filter((x) => x !== undefined).join('&'));
}

function pathOf(o: DocumentedOperation, v: Vocabulary): fc.Arbitrary<string> {
  const names = [...o.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const schemaOf = (name: string) => o.op.parameters?.find((p) => p.in === 'path' && p.name === name)?.schema ?? { type: 'string' };
  // An id right after its collection's name is mostly one of that collection's, so owner checks are reached.
  const near = (n: string) => v.idsIn[o.path.split(`/{${n}}`)[0].split('/').pop() ?? ''] ?? [];
  const vocabularyOf = (n: string) => ({ ...v, ids: [...near(n), ...near(n), ...v.ids] });
  return fc
    .tuple(...names.map((n) => segment(schemaOf(n), vocabularyOf(n))))
    .map((values) => names.reduce((path, n, i) => path.replace(`{${n}}`, values[i]), o.path));
}

/** Headers a client may add: a broken cookie, a forged key, a spoofed address, a foreign origin. */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc
  .array(
    fc.oneof(
      fc
        .constantFrom(
          'confab_session=%',
          'confab_session=',
          'confab_session=%E0%A4%A',
          'a=b; confab_session',
          'confab_session=x'.repeat(50),
        )
        .map((c) => ['cookie', c]),
      fc.oneof(anyString, encodedJson).map((k) => ['authorization', `Bearer ${k}`]),
      fc.constantFrom('Basic YTpi', 'Bearer', 'bearer  cfb_', '').map((a) => ['authorization', a]),
      fc.constantFrom('203.0.113.7', 'unknown, 10.0.0.1', '::1').map((a) => ['x-forwarded-for', a]),
      fc.constantFrom('http://evil.example', 'null').map((a) => ['origin', a]),
    ),
    { maxLength: 2 },
  )
  .map((pairs) => Object.fromEntries(pairs));

/** Requests to one operation: valid and invalid parameters, queries, headers and bodies, from each kind of caller. */
export function requestsFor(doc: OpenApiDocument, o: DocumentedOperation, v: Vocabulary): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    caller: fc.constantFrom('anonymous', 'owner', 'other'),
    auth: fc.constantFrom('cookie', 'bearer'),
    path: pathOf(o, v),
    query: queryOf(o, v),
    headers: fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraHeaders }),
    body: bodyOf(doc, o, v),
  });
}

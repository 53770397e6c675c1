import { afterAll, beforeAll, describe, test } from 'bun:test';
import fc from 'fast-check';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type FuzzBody, type FuzzRequest, requestsFor, type Vocabulary } from '../../testing/openapi-arbitraries';
import {
  conformanceChecker,
  type DocumentedOperation,
  nameOf,
  type OpenApiDocument,
  operationsOf,
} from '../../testing/openapi-conformance';
import { leakedData, type PlantedUser, plantUser, renewSession } from '../../testing/planted-users';

// `bun run test` replays one fixed seed; `bun run fuzz` (FUZZ_LONG=1) draws a seed and runs longer.
const long = process.env.FUZZ_LONG === '1';
const seed = Number(process.env.FUZZ_SEED ?? (long ? Math.floor(Math.random() * 2 ** 31) : 1202));
const runs = Number(process.env.FUZZ_RUNS ?? (long ? 20_000 : 2000));

const [backend] = testDatabases();

function encode(body: FuzzBody | undefined): { raw?: BodyInit; contentType?: string } {
  if (!body) return {};
  if (body.kind === 'json') return { raw: JSON.stringify(body.value) ?? 'null', contentType: 'application/json' };
  if (body.kind === 'raw') return { raw: body.text, contentType: body.contentType };
  const form = new FormData();
  for (const [name, value] of body.fields) {
    form.append(name, typeof value === 'string' ? value : new File([value.file], value.name, { type: value.type }));
  }
  return { raw: form };
}

const keptIn = (u: PlantedUser, collection: string) =>
  ({ conversations: u.conversationIds, documents: u.documentIds, presets: u.presetIds, keys: [] as string[] })[collection] ?? [];

describe('the api under generated requests', () => {
  let h: Harness;
  let doc: OpenApiDocument;
  let owner: PlantedUser;
  let other: PlantedUser;
  let reading: Vocabulary;
  let deleting: Vocabulary;
  let check: ReturnType<typeof conformanceChecker>;

  beforeAll(async () => {
    h = createHarness(await backend.open());
    owner = await plantUser(h, 'a');
    other = await plantUser(h, 'b');
    doc = (await h.json('GET', '/swagger/json')).body;
    check = conformanceChecker(doc);
    const models = (await h.json('GET', '/api/models', { cookie: owner.cookie })).body.models.map((m: { id: string }) => m.id);
    const plugins = (await h.json('GET', '/api/plugins', { cookie: owner.cookie })).body.plugins.map((p: { name: string }) => p.name);
    const idsOf = (u: PlantedUser) => [
      ...u.conversationIds,
      ...u.messageIds,
      ...u.documentIds,
      ...u.presetIds,
      ...Object.values(u.spareIds).flat(),
    ];
    const words = ['default', ...models, ...plugins];
    const inCollection = (pick: (u: PlantedUser, collection: string) => string[]) =>
      Object.fromEntries(['conversations', 'documents', 'presets', 'keys'].map((c) => [c, [...pick(owner, c), ...pick(other, c)]]));
    reading = { ids: [...idsOf(owner), ...idsOf(other)], idsIn: inCollection((u, c) => (u.spareIds[c] ?? []).concat(keptIn(u, c))), words };
    // Deletions get only the spare resources, so the marked ones stay for every later request to look for.
    deleting = {
      ids: [...Object.values(owner.spareIds).flat(), ...Object.values(other.spareIds).flat()],
      idsIn: inCollection((u, c) => u.spareIds[c] ?? []),
      words,
    };
  });
  afterAll(async () => {
    await h.close();
    await backend.cleanup();
  });

  /** Sends one generated request and says what is wrong with its answer. */
  async function probe(o: DocumentedOperation, r: FuzzRequest): Promise<string[]> {
    const caller = r.caller === 'owner' ? owner : r.caller === 'other' ? other : undefined;
    const { raw, contentType } = encode(r.body);
    const headers: Record<string, string> = { ...r.headers, ...(contentType ? { 'content-type': contentType } : {}) };
    if (caller && r.auth === 'cookie') headers.cookie = [caller.cookie, r.headers.cookie].filter(Boolean).join('; ');
    if (caller && r.auth === 'bearer') headers.authorization = `Bearer ${caller.bearer}`;
    const url = r.query ? `${r.path}?${r.query}` : r.path;
    let res: Response;
    try {
      res = await h.request(o.method, url, { headers, raw });
    } catch (err) {
      // fetch itself refuses such a request (a header value no client can send), so no server sees it.
      if (err instanceof TypeError) return [];
      throw err;
    }
    const text = await res.text();
    if (o.path === '/api/auth/logout' && caller) await renewSession(h, caller);
    const problems: string[] = [];
    if (res.status >= 500) problems.push(`answered ${res.status}: ${text.slice(0, 300)}`);
    const misfit = check(o, { status: res.status, contentType: res.headers.get('content-type') ?? '', text });
    if (misfit) problems.push(misfit);
    const sent = `${url} ${JSON.stringify(headers)} ${typeof raw === 'string' ? raw : ''}`;
    // The owner signed up first, so is an admin: admin routes answer it about everyone, by design.
    const entitled = caller === owner && o.path.startsWith('/api/admin/');
    for (const user of [owner, other].filter((u) => u !== caller && !entitled)) {
      const leaked = leakedData(user, text, sent);
      if (leaked.length) problems.push(`answer carries another user's data (${leaked.join(', ')}): ${text.slice(0, 300)}`);
    }
    const body = typeof raw === 'string' ? raw.slice(0, 200) : raw ? '(multipart)' : '';
    const extra = Object.keys(r.headers).length ? `, headers ${JSON.stringify(r.headers).slice(0, 200)}` : '';
    return problems.map((p) => `${o.method} ${url.slice(0, 300)} as ${r.caller} by ${r.auth}${extra}, body ${body}: ${p}`);
  }

  test('no-request-gets-a-5xx-an-undocumented-answer-or-another-users-data', async () => {
    console.log(`openapi fuzz: seed ${seed}, ${runs} runs (replay: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} bun run fuzz)`);
    const operations = new Map(operationsOf(doc).map((o) => [nameOf(o), o]));
    const requests = fc
      .constantFrom(...operations.values())
      .chain((o) => requestsFor(doc, o, o.method === 'DELETE' ? deleting : reading).map((request) => ({ operation: nameOf(o), request })));
    await fc.assert(
      fc.asyncProperty(requests, async ({ operation, request }) => {
        const problems = await probe(operations.get(operation)!, request);
        if (problems.length) throw new Error(problems.join('\n'));
      }),
      { seed, numRuns: runs },
    );
  });
});

/**
 * The ceiling for a persisted chat turn on this runtime: a bare Bun.serve that answers
 * `POST /api/chat` by asking the upstream once and writing what a turn essentially stores (a
 * conversation, the two messages, a usage row) in one transaction of raw SQL, on Confab's schema
 * and the same database kind (the embedded database on its worker thread, or PostgreSQL). No auth,
 * limits, settings, history, titles or plugins.
 *   bun bench/bare-turns.ts --port N --upstream URL --model M (--data-dir DIR | --database-url URL)
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { openPglite, openPostgres } from '../src/db/client';

const { values: v } = parseArgs({
  options: {
    port: { type: 'string' },
    upstream: { type: 'string' },
    model: { type: 'string' },
    'data-dir': { type: 'string' },
    'database-url': { type: 'string' },
  },
});
const upstream = `${v.upstream}/v1/chat/completions`;
const model = v.model ?? 'gpt-4o-mini';

const CONVERSATION = 'insert into conversations (user_id, model, title, title_source) values ($1, $2, $3, $4) returning id';
const MESSAGE =
  'insert into messages (conversation_id, user_id, parent_id, role, content, model, status, prompt_tokens, completion_tokens, request_id, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id';
const USAGE =
  'insert into usage_logs (request_id, user_id, conversation_id, model, provider, prompt_tokens, completion_tokens, latency_ms, status) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)';
const USER = "insert into users (email, password_hash) values ('bare@bench.invalid', 'x') returning id";

type Query = (text: string, params: unknown[]) => Promise<Array<{ id: string }>>;
type Store = { userId: string; inTransaction(work: (q: Query) => Promise<unknown>): Promise<void> };

async function open(): Promise<Store> {
  const url = v['database-url'];
  const database = url ? openPostgres(url, 1) : openPglite(v['data-dir']);
  await database.migrate();
  if (url) {
    await database.close();
    const sql = postgres(url, { max: 10, onnotice: () => {} });
    const [user] = await sql.unsafe(USER);
    return {
      userId: user.id,
      inTransaction: async (work) =>
        void (await sql.begin((tx) => work((text, params) => tx.unsafe(text, params as never[], { prepare: true }) as never))),
    };
  }
  const embedded = database.pglite!;
  const [user] = (await embedded.query<{ id: string }>(USER)).rows;
  return {
    userId: user.id,
    inTransaction: (work) =>
      embedded.transaction(async (tx) => void (await work(async (text, params) => (await tx.query<{ id: string }>(text, params)).rows))),
  };
}

const store = await open();

async function turn(message: string): Promise<Response> {
  const started = performance.now();
  const res = await fetch(upstream, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: message }] }),
  });
  const reply = (await res.json()) as { choices: Array<{ message: { content: string } }>; usage: Record<string, number> };
  const content = reply.choices[0].message.content;
  const usage = { promptTokens: reply.usage.prompt_tokens, completionTokens: reply.usage.completion_tokens };
  const requestId = crypto.randomUUID();
  const now = Date.now();
  let ids = { conversationId: '', assistantId: '' };
  await store.inTransaction(async (q) => {
    const [c] = await q(CONVERSATION, [store.userId, model, message.slice(0, 60), 'auto']);
    const [u] = await q(MESSAGE, [c.id, store.userId, null, 'user', message, null, 'complete', null, null, requestId, new Date(now)]);
    const [a] = await q(MESSAGE, [
      c.id,
      store.userId,
      u.id,
      'assistant',
      content,
      model,
      'complete',
      usage.promptTokens,
      usage.completionTokens,
      requestId,
      new Date(now + 1),
    ]);
    await q(USAGE, [
      requestId,
      store.userId,
      c.id,
      model,
      'openai',
      usage.promptTokens,
      usage.completionTokens,
      Math.round(performance.now() - started),
      'ok',
    ]);
    ids = { conversationId: c.id, assistantId: a.id };
  });
  return Response.json({ conversationId: ids.conversationId, message: { id: ids.assistantId, role: 'assistant', content, usage } });
}

Bun.serve({
  port: Number(v.port),
  hostname: '127.0.0.1',
  fetch: async (req) => {
    const path = new URL(req.url).pathname;
    if (path === '/ready') return new Response('ok');
    if (req.method !== 'POST' || path !== '/api/chat') return new Response('not found', { status: 404 });
    const body = (await req.json()) as { message: string };
    return turn(body.message);
  },
});

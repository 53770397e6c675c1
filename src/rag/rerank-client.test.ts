import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createRerankClient, RerankError } from './rerank-client';

interface Seen {
  body: { model?: string; query: string; documents: string[]; top_n: number };
  authorization: string | null;
}

/** A local server speaking the rerank wire format: Cohere/Jina shape on /v2/rerank, TEI shape on /tei/rerank. */
function startRerankServer(seen: Seen[]) {
  const overlap = (q: string, d: string) => {
    const words = new Set(q.toLowerCase().split(/\W+/).filter(Boolean));
    return d
      .toLowerCase()
      .split(/\W+/)
      .filter((w) => words.has(w)).length;
  };
  return Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === '/broken/rerank') return new Response('{"message":"overloaded"}', { status: 503 });
      const body = (await req.json()) as Seen['body'];
      seen.push({ body, authorization: req.headers.get('authorization') });
      const scored = body.documents.map((d, index) => ({ index, s: overlap(body.query, d) })).sort((a, b) => b.s - a.s);
      if (url.pathname === '/tei/rerank') return Response.json(scored.map(({ index, s }) => ({ index, score: s })));
      return Response.json({ id: 'r1', results: scored.slice(0, body.top_n).map(({ index, s }) => ({ index, relevance_score: s / 10 })) });
    },
  });
}

describe('rerank client', () => {
  const seen: Seen[] = [];
  let server: ReturnType<typeof Bun.serve>;
  beforeAll(() => {
    server = startRerankServer(seen);
  });
  afterAll(() => server.stop(true));
  const base = () => `http://127.0.0.1:${server.port}`;
  const docs = ['The lamp burned colza oil.', 'Keepers climbed the tower at night to wind the clockwork.', 'Tomatoes grow by the wall.'];

  test('sends-the-cohere-jina-request-and-reads-relevance-scores-by-index', async () => {
    const client = createRerankClient({ url: `${base()}/v2/rerank`, model: 'rerank-v3.5', apiKey: 'sk-rerank-secret' });
    const scores = await client.rerank('when did keepers climb the tower', docs);
    expect(scores[1]).toBeGreaterThan(scores[0]);
    expect(scores[1]).toBeGreaterThan(scores[2]);
    expect(seen.at(-1)).toEqual({
      body: expect.objectContaining({ model: 'rerank-v3.5', query: 'when did keepers climb the tower', documents: docs, top_n: 3 }),
      authorization: 'Bearer sk-rerank-secret',
    });
  });

  test('reads-the-tei-response-shape', async () => {
    const client = createRerankClient({ url: `${base()}/tei/rerank` });
    const scores = await client.rerank('colza oil lamp', docs);
    expect(scores[0]).toBeGreaterThan(scores[1]);
    expect(seen.at(-1)?.authorization).toBeNull();
  });

  test('a-failing-server-is-an-error-that-names-the-status-not-the-key', async () => {
    const client = createRerankClient({ url: `${base()}/broken/rerank`, apiKey: 'sk-rerank-secret' });
    const error = await client.rerank('q', docs).catch((e) => e);
    expect(error).toBeInstanceOf(RerankError);
    expect(error.message).toBe('rerank: server answered 503');
  });
});

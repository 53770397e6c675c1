import { afterAll, describe, expect, test } from 'bun:test';
import { createRegistry, runPlugin } from '../registry';
import type { WebSearchConfig } from '../types';
import type { WebSearchData } from './index';
import { webSearchPlugin } from './index';

const servers: { stop: (force?: boolean) => void }[] = [];
afterAll(() => {
  for (const s of servers) s.stop(true);
});

function serve(handler: (req: Request) => Response | Promise<Response>): string {
  const s = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: handler });
  servers.push(s);
  return `http://127.0.0.1:${s.port}`;
}

const pages = serve((req) => {
  const path = new URL(req.url).pathname;
  if (path === '/article.html') {
    return new Response(
      '<html><head><title>Article</title><style>p{}</style></head><body><script>steal()</script>' +
        '<h1>Bun &amp; QuickJS</h1><p>First paragraph.</p><p>Second <b>bold</b> one.</p></body></html>',
      { headers: { 'content-type': 'text/html; charset=utf-8' } },
    );
  }
  if (path === '/image.png') return new Response(new Uint8Array([137, 80, 78, 71]), { headers: { 'content-type': 'image/png' } });
  return new Response('gone', { status: 404 });
});

const hits = [
  { title: 'Article', url: `${pages}/article.html`, text: 'An <strong>article</strong> about Bun &amp; QuickJS' },
  { title: 'Picture', url: `${pages}/image.png`, text: 'A picture' },
  { title: 'Elsewhere', url: 'https://example.org/elsewhere', text: 'Not fetched' },
  { title: 'Broken', url: 'javascript:alert(1)', text: 'dropped: not an http URL' },
];

const seen: Record<string, Request[]> = { searxng: [], brave: [], tavily: [] };

const searxng = serve((req) => {
  seen.searxng.push(req);
  const url = new URL(req.url);
  if (url.pathname !== '/searx/search' || url.searchParams.get('format') !== 'json') return new Response('forbidden', { status: 403 });
  return Response.json({
    query: url.searchParams.get('q'),
    number_of_results: hits.length,
    results: hits.map((h) => ({ url: h.url, title: h.title, content: h.text, engine: 'duckduckgo', score: 1 })),
    answers: [],
    suggestions: [],
  });
});

const brave = serve((req) => {
  seen.brave.push(req);
  const url = new URL(req.url);
  if (req.headers.get('x-subscription-token') !== 'brave-key') {
    return Response.json({ type: 'ErrorResponse', error: { code: 'SUBSCRIPTION_TOKEN_INVALID', status: 401 } }, { status: 401 });
  }
  if (url.pathname !== '/res/v1/web/search') return new Response('not found', { status: 404 });
  const count = Number(url.searchParams.get('count'));
  return Response.json({
    type: 'search',
    query: { original: url.searchParams.get('q') },
    web: {
      type: 'search',
      results: hits.slice(0, count).map((h) => ({ title: h.title, url: h.url, description: h.text, type: 'search_result' })),
    },
  });
});

const tavily = serve(async (req) => {
  seen.tavily.push(req.clone());
  if (req.method !== 'POST' || new URL(req.url).pathname !== '/search') return new Response('not found', { status: 404 });
  if (req.headers.get('authorization') !== 'Bearer tvly-key') return Response.json({ detail: { error: 'Unauthorized' } }, { status: 401 });
  const body = (await req.json()) as { query: string; max_results: number };
  return Response.json({
    query: body.query,
    answer: null,
    images: [],
    results: hits
      .slice(0, body.max_results)
      .map((h, i) => ({ title: h.title, url: h.url, content: h.text, score: 1 - i / 10, raw_content: null })),
    response_time: 0.4,
  });
});

async function search(config: WebSearchConfig, args: Record<string, unknown>) {
  return runPlugin(createRegistry([webSearchPlugin]), 'web_search', args, { userId: 'u1', services: { webSearch: config } });
}

async function results(config: WebSearchConfig, args: Record<string, unknown>): Promise<WebSearchData> {
  const out = await search(config, args);
  if (!out.ok) throw new Error(`${out.error.code}: ${out.error.message}`);
  return out.data as WebSearchData;
}

describe('web_search adapters', () => {
  test('searches-searxng-through-its-json-api', async () => {
    const data = await results({ searxngUrl: `${searxng}/searx` }, { query: 'bun quickjs', count: 3 });
    expect(data.provider).toBe('searxng');
    expect(new URL(seen.searxng.at(-1)!.url).searchParams.get('q')).toBe('bun quickjs');
    expect(data.results).toHaveLength(3);
    expect(data.results[0]).toEqual({ title: 'Article', url: `${pages}/article.html`, snippet: 'An article about Bun & QuickJS' });
  });

  test('searches-brave-with-the-subscription-token-and-strips-markup', async () => {
    const data = await results({ provider: 'brave', braveApiKey: 'brave-key', braveBaseUrl: brave }, { query: 'bun', count: 2 });
    expect(data.provider).toBe('brave');
    const req = seen.brave.at(-1)!;
    expect(new URL(req.url).searchParams.get('count')).toBe('2');
    expect(req.headers.get('accept')).toBe('application/json');
    expect(data.results.map((r) => r.snippet)).toEqual(['An article about Bun & QuickJS', 'A picture']);
  });

  test('searches-tavily-with-a-bearer-key-and-json-body', async () => {
    const data = await results({ tavilyApiKey: 'tvly-key', tavilyBaseUrl: tavily }, { query: 'bun', count: 4 });
    expect(data.provider).toBe('tavily');
    const body = await seen.tavily.at(-1)!.json();
    expect(body).toMatchObject({ query: 'bun', max_results: 4 });
    expect(data.results.map((r) => r.url)).toEqual(hits.slice(0, 3).map((h) => h.url));
  });

  test('reports-a-rejected-key-without-revealing-it', async () => {
    const out = await search({ provider: 'brave', braveApiKey: 'wrong-key', braveBaseUrl: brave }, { query: 'bun' });
    expect(out).toMatchObject({ ok: false, error: { code: 'search_failed', message: 'Brave Search answered HTTP 401' } });
    expect(out.text).not.toContain('wrong-key');
  });

  test('the-model-text-numbers-results-inside-untrusted-markers', async () => {
    const out = await search({ searxngUrl: `${searxng}/searx` }, { query: 'bun', count: 2 });
    expect(out.text).toContain('[1] Article');
    expect(out.text).toContain(`URL: ${pages}/article.html`);
    expect(out.text).toContain('untrusted data');
  });
});

describe('web_search page fetch', () => {
  test('refuses-result-pages-on-private-addresses', async () => {
    const data = await results({ searxngUrl: `${searxng}/searx` }, { query: 'bun', fetchPages: 2 });
    expect(data.results[0].pageError).toBe('ssrf_blocked');
    expect(data.results[0].content).toBeUndefined();
    expect(data.results[2].pageError).toBeUndefined();
  });

  test('reads-page-text-from-an-origin-the-operator-allowed', async () => {
    const data = await results({ searxngUrl: `${searxng}/searx`, allowOrigins: [pages] }, { query: 'bun', fetchPages: 2 });
    expect(data.results[0].content).toBe('Bun & QuickJS\nFirst paragraph.\nSecond bold one.');
    expect(data.results[0].content).not.toContain('steal');
    expect(data.results[1].pageError).toBe('page_not_text');
  });
});

describe('web_search availability', () => {
  test('names-the-missing-setting', () => {
    expect(webSearchPlugin.available({})).toEqual({
      ok: false,
      reason: 'no search provider configured (set SEARXNG_URL, BRAVE_API_KEY or TAVILY_API_KEY)',
    });
    expect(webSearchPlugin.available({ webSearch: { provider: 'tavily' } })).toEqual({
      ok: false,
      reason: 'search provider tavily needs TAVILY_API_KEY',
    });
    expect(webSearchPlugin.available({ webSearch: { braveApiKey: 'k' } })).toEqual({ ok: true });
  });
});

import { type Static, Type } from '@sinclair/typebox';
import { AppError } from '../../lib/errors';
import type { Plugin, PluginContext, WebSearchConfig, WebSearchProvider } from '../types';
import { fetchPageText } from './page-text';
import { chosenProvider, type SearchAdapter, type SearchHit, searchAvailability } from './provider';
import { searchBrave } from './providers/brave';
import { searchSearxng } from './providers/searxng';
import { searchTavily } from './providers/tavily';

const parameters = Type.Object(
  {
    query: Type.String({ minLength: 1, maxLength: 400, description: 'What to search the web for.' }),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, default: 5, description: 'How many results.' })),
    fetchPages: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 3, default: 0, description: 'Also read the text of this many top results.' }),
    ),
  },
  { additionalProperties: false },
);

export type WebSearchArgs = Static<typeof parameters>;

export interface WebSearchResult extends SearchHit {
  /** Readable text of the page, when it was fetched. */
  content?: string;
  contentTruncated?: boolean;
  /** Why the page could not be fetched (e.g. `ssrf_blocked`). */
  pageError?: string;
}

export interface WebSearchData {
  provider: WebSearchProvider;
  query: string;
  results: WebSearchResult[];
}

const ADAPTERS: Record<WebSearchProvider, SearchAdapter> = { searxng: searchSearxng, brave: searchBrave, tavily: searchTavily };
const PAGE_CHARS = 4_000;
const PAGE_TIMEOUT_MS = 6_000;

function remaining(ctx: PluginContext, cap: number): number {
  return Math.max(1, Math.min(cap, ctx.deadlineMs - Date.now()));
}

async function withPage(hit: SearchHit, config: WebSearchConfig, ctx: PluginContext): Promise<WebSearchResult> {
  try {
    const page = await fetchPageText(hit.url, {
      signal: ctx.signal,
      timeoutMs: remaining(ctx, PAGE_TIMEOUT_MS),
      allowOrigins: config.allowOrigins ?? [],
      maxChars: PAGE_CHARS,
    });
    return { ...hit, content: page.text, contentTruncated: page.truncated };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return { ...hit, pageError: err instanceof AppError ? err.code : 'page_fetch_failed' };
  }
}

function describe(data: WebSearchData): string {
  if (data.results.length === 0) return `No web results for "${data.query}".`;
  const blocks = data.results.map((r, i) => {
    const lines = [`[${i + 1}] ${r.title}`, `URL: ${r.url}`];
    if (r.snippet) lines.push(`Snippet: ${r.snippet}`);
    if (r.content) lines.push(`Page text${r.contentTruncated ? ' (cut)' : ''}:\n${r.content}`);
    return lines.join('\n');
  });
  return [`Web results for "${data.query}" (via ${data.provider}):`, ...blocks].join('\n\n');
}

export const webSearchPlugin: Plugin<WebSearchArgs, WebSearchData> = {
  name: 'web_search',
  description: 'Searches the web and returns titles, URLs and snippets of the top results; can also read the text of the first few pages.',
  summary: 'Searches the web and cites the pages it found.',
  parameters,
  capabilities: ['network'],
  timeoutMs: 20_000,
  available: (services) => searchAvailability(services.webSearch),
  async run(args, ctx) {
    const config = ctx.services.webSearch!;
    const provider = chosenProvider(config)!;
    const hits = await ADAPTERS[provider](config, {
      query: args.query,
      count: args.count ?? 5,
      signal: ctx.signal,
      timeoutMs: remaining(ctx, 10_000),
    });
    const pages = Math.min(args.fetchPages ?? 0, hits.length);
    const fetched = await Promise.all(hits.slice(0, pages).map((h) => withPage(h, config, ctx)));
    const data: WebSearchData = { provider, query: args.query, results: [...fetched, ...hits.slice(pages)] };
    return { text: describe(data), data };
  },
  explicitArgs: ({ message }) => ({ query: message.slice(0, 400) }),
};

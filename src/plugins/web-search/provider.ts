import { AppError } from '../../lib/errors';
import type { SafeResponse } from '../../lib/safe-fetch';
import type { Availability, WebSearchConfig, WebSearchProvider } from '../types';

export interface SearchHit {
  title: string;
  url: string;
  snippet: string;
}

export interface SearchRequest {
  query: string;
  count: number;
  signal: AbortSignal;
  timeoutMs: number;
}

/** One provider's wire details: build the request, call through safe-fetch, map the answer to hits. */
export type SearchAdapter = (config: WebSearchConfig, req: SearchRequest) => Promise<SearchHit[]>;

export const PROVIDER_LABEL: Record<WebSearchProvider, string> = { searxng: 'SearXNG', brave: 'Brave Search', tavily: 'Tavily' };

/** The provider in force: the configured one, else the first whose setting is present. */
export function chosenProvider(config: WebSearchConfig | undefined): WebSearchProvider | undefined {
  if (!config) return undefined;
  if (config.provider) return config.provider;
  if (config.searxngUrl) return 'searxng';
  if (config.braveApiKey) return 'brave';
  if (config.tavilyApiKey) return 'tavily';
  return undefined;
}

const REQUIRED: Record<WebSearchProvider, [keyof WebSearchConfig, string]> = {
  searxng: ['searxngUrl', 'SEARXNG_URL'],
  brave: ['braveApiKey', 'BRAVE_API_KEY'],
  tavily: ['tavilyApiKey', 'TAVILY_API_KEY'],
};

export function searchAvailability(config: WebSearchConfig | undefined): Availability {
  const provider = chosenProvider(config);
  if (!provider) return { ok: false, reason: 'no search provider configured (set SEARXNG_URL, BRAVE_API_KEY or TAVILY_API_KEY)' };
  const [field, envName] = REQUIRED[provider];
  if (!config?.[field]) return { ok: false, reason: `search provider ${provider} needs ${envName}` };
  return { ok: true };
}

/** Origins the operator named for the search back-ends; the SSRF policy trusts exactly these. */
export function providerOrigins(config: WebSearchConfig): string[] {
  return [config.searxngUrl, config.braveBaseUrl, config.tavilyBaseUrl].filter((u): u is string => !!u).map((u) => new URL(u).origin);
}

/** Turns a provider's non-2xx or non-JSON answer into an error that names neither key nor body. */
export function providerJson(provider: WebSearchProvider, res: SafeResponse): unknown {
  if (!res.ok) {
    const retryable = res.status === 429 || res.status >= 500;
    throw new AppError('search_failed', { message: `${PROVIDER_LABEL[provider]} answered HTTP ${res.status}`, retryable });
  }
  try {
    return JSON.parse(res.text);
  } catch {
    throw new AppError('search_failed', { message: `${PROVIDER_LABEL[provider]} did not answer with JSON` });
  }
}

/** `path` under `base`, keeping any path prefix the base carries (a proxy mounted below `/`). */
export function endpointUrl(base: string, path: string): URL {
  return new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
}

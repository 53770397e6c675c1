import { safeFetch } from '../../../lib/safe-fetch';
import { endpointUrl, providerJson, providerOrigins, type SearchAdapter } from '../provider';
import { hitsFrom } from './fields';

export const TAVILY_BASE_URL = 'https://api.tavily.com';

/** Tavily Search: `POST /search` with a bearer key and a JSON body; hits under `results` with `content`. */
export const searchTavily: SearchAdapter = async (config, req) => {
  const res = await safeFetch(endpointUrl(config.tavilyBaseUrl ?? TAVILY_BASE_URL, 'search'), {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${config.tavilyApiKey}` },
    body: JSON.stringify({ query: req.query, max_results: req.count, search_depth: 'basic', include_answer: false }),
    signal: req.signal,
    timeoutMs: req.timeoutMs,
    allowOrigins: providerOrigins(config),
  });
  const body = providerJson('tavily', res) as { results?: unknown };
  return hitsFrom(body.results, 'content', req.count);
};

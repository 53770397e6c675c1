import { safeFetch } from '../../../lib/safe-fetch';
import { endpointUrl, providerJson, providerOrigins, type SearchAdapter } from '../provider';
import { hitsFrom } from './fields';

/** SearXNG's JSON API (`format=json` must be enabled in the instance's settings). */
export const searchSearxng: SearchAdapter = async (config, req) => {
  const url = endpointUrl(config.searxngUrl!, 'search');
  url.searchParams.set('q', req.query);
  url.searchParams.set('format', 'json');
  const res = await safeFetch(url, {
    headers: { accept: 'application/json' },
    signal: req.signal,
    timeoutMs: req.timeoutMs,
    allowOrigins: providerOrigins(config),
  });
  const body = providerJson('searxng', res) as { results?: unknown };
  return hitsFrom(body.results, 'content', req.count);
};

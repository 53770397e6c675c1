import { safeFetch } from '../../../lib/safe-fetch';
import { endpointUrl, providerJson, providerOrigins, type SearchAdapter } from '../provider';
import { hitsFrom } from './fields';

export const BRAVE_BASE_URL = 'https://api.search.brave.com';

/** Brave Web Search API: key in `X-Subscription-Token`, hits under `web.results` with HTML in `description`. */
export const searchBrave: SearchAdapter = async (config, req) => {
  const url = endpointUrl(config.braveBaseUrl ?? BRAVE_BASE_URL, 'res/v1/web/search');
  url.searchParams.set('q', req.query);
  url.searchParams.set('count', String(req.count));
  const res = await safeFetch(url, {
    headers: { accept: 'application/json', 'x-subscription-token': config.braveApiKey! },
    signal: req.signal,
    timeoutMs: req.timeoutMs,
    allowOrigins: providerOrigins(config),
  });
  const body = providerJson('brave', res) as { web?: { results?: unknown } };
  return hitsFrom(body.web?.results, 'description', req.count);
};

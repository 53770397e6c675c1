import { listUpstreamModels } from '../../providers/registry';
import type { ConnectionSuggestion } from './model';

export interface LocalServer {
  name: string;
  label: string;
  baseUrl: string;
}

/** Where Ollama and LM Studio listen unless told otherwise. */
export const DEFAULT_LOCAL_SERVERS: readonly LocalServer[] = [
  { name: 'ollama', label: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1' },
  { name: 'lm-studio', label: 'LM Studio', baseUrl: 'http://127.0.0.1:1234/v1' },
];

/** Short: nothing listening answers at once, and an admin waits for the page. */
const PROBE_TIMEOUT_MS = 1_500;

/** `localhost` and `127.0.0.1`, with or without a trailing slash, are one server. */
function sameServer(a: string, b: string): boolean {
  const norm = (u: string) => u.replace('//localhost', '//127.0.0.1').replace(/\/+$/, '');
  return norm(a) === norm(b);
}

/**
 * The local servers that answer at their default addresses and are not connected yet, with the
 * models they list. These are fixed loopback addresses probed by the server itself, never a URL
 * a request supplies.
 */
export async function suggestLocalServers(
  configuredBaseUrls: readonly string[],
  servers: readonly LocalServer[] = DEFAULT_LOCAL_SERVERS,
): Promise<ConnectionSuggestion[]> {
  const open = servers.filter((s) => !configuredBaseUrls.some((u) => sameServer(u, s.baseUrl)));
  const probed = await Promise.all(
    open.map(async (s) => {
      const models = await listUpstreamModels({ name: s.name, kind: 'openai-compatible', baseUrl: s.baseUrl }, PROBE_TIMEOUT_MS).catch(
        () => undefined,
      );
      return models && { kind: 'openai-compatible' as const, ...s, models };
    }),
  );
  return probed.filter((s) => s !== undefined);
}

/** Maps a failed fetch (or body read) to an error kind for the report. */
export function fetchErrorKind(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout';
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ConnectionRefused') return 'connection refused';
  if (e?.code === 'ECONNRESET' || e?.code === 'ConnectionClosed' || /closed|reset|socket/i.test(e?.message ?? '')) {
    return 'socket close';
  }
  return 'network error';
}

/** Reads output tokens from any of the usage shapes in the wild (OpenAI, Anthropic, camelCase). */
export function usageOutputTokens(usage: unknown): number | null {
  if (!usage || typeof usage !== 'object') return null;
  const u = usage as Record<string, unknown>;
  for (const key of ['completion_tokens', 'completionTokens', 'output_tokens', 'outputTokens']) {
    if (typeof u[key] === 'number') return u[key] as number;
  }
  return null;
}

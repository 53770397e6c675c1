import { type Executor, endpoint, outcome, type Prompt, type Target } from './executor';
import { fetchErrorKind, usageOutputTokens } from './fetch-errors';

/** Confab's REST chat turn: POST /api/chat, answered in one JSON body. */
export function chatExecutor(target: Target, prompt: Prompt): Executor {
  const url = endpoint(target.url, '/api/chat');
  const body = JSON.stringify({
    message: prompt.message,
    ...(prompt.model === null ? {} : { model: prompt.model }),
    ...(prompt.plugins.length === 0 ? {} : { plugins: prompt.plugins }),
  });
  const headers = { ...target.headers, 'content-type': 'application/json' };
  return {
    run: async () => {
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(target.timeoutMs) });
        const text = await res.text();
        if (!res.ok) return outcome(`status ${res.status}`);
        const parsed = JSON.parse(text) as { message?: { usage?: unknown } };
        if (!parsed?.message) return outcome('bad response');
        return outcome(null, null, usageOutputTokens(parsed.message.usage) ?? 0);
      } catch (error) {
        return outcome(error instanceof SyntaxError ? 'bad response' : fetchErrorKind(error));
      }
    },
    close: () => undefined,
  };
}

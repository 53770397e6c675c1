export interface SseMessage {
  event: string | undefined;
  data: string;
}

const LF = '\n';

/**
 * Server-sent events from a response body, one array per network read. Handing over everything a
 * read delivered at once keeps the per-token cost on the gateway path to one string scan, instead
 * of several async iterator hops for every line. Follows the SSE rules the OpenAI SDK follows: CR,
 * LF and CRLF line ends, `:` comments, multi-line `data`, and a last event without its blank line.
 * Leaving early cancels the body, which closes the upstream connection.
 */
export async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const pending: { event: string | undefined; data: string | undefined } = { event: undefined, data: undefined };
  let buffer = '';
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      // A CR closing this read may be the first half of a CRLF.
      const held = !done && buffer.endsWith('\r') ? '\r' : '';
      if (buffer.includes('\r')) buffer = (held ? buffer.slice(0, -1) : buffer).replace(/\r\n?/g, LF);
      if (done && buffer) buffer += LF;
      const out: SseMessage[] = [];
      buffer = readLines(buffer, pending, out) + held;
      if (done) {
        finished = true;
        if (pending.event !== undefined || pending.data !== undefined) out.push({ event: pending.event, data: pending.data ?? '' });
        if (out.length) yield out;
        return;
      }
      if (out.length) yield out;
    }
  } finally {
    if (!finished) void reader.cancel().catch(() => {});
  }
}

/** Consumes every complete line of `buffer`, dispatching finished events; returns the rest. */
function readLines(buffer: string, pending: { event: string | undefined; data: string | undefined }, out: SseMessage[]): string {
  let start = 0;
  for (let end = buffer.indexOf(LF); end >= 0; start = end + 1, end = buffer.indexOf(LF, start)) {
    if (end === start) {
      if (pending.event !== undefined || pending.data !== undefined) out.push({ event: pending.event, data: pending.data ?? '' });
      pending.event = pending.data = undefined;
      continue;
    }
    if (buffer.charCodeAt(start) === 58) continue;
    const colon = buffer.indexOf(':', start);
    const hasValue = colon >= 0 && colon < end;
    const field = buffer.slice(start, hasValue ? colon : end);
    const value = hasValue ? buffer.slice(buffer.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1, end) : '';
    if (field === 'data') pending.data = pending.data === undefined ? value : `${pending.data}\n${value}`;
    else if (field === 'event') pending.event = value;
  }
  return start === 0 ? buffer : buffer.slice(start);
}

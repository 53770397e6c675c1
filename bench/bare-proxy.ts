/**
 * The ceiling for any gateway on this runtime: parse the request's JSON, `fetch` the upstream with
 * it, and return the upstream's JSON (or pipe its SSE stream). No auth, limits, routing or
 * accounting. Run: `bun run bench/bare-proxy.ts --port N --upstream http://127.0.0.1:M`.
 */
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, upstream: { type: 'string' } } });
const upstream = `${values.upstream}/v1/chat/completions`;

Bun.serve({
  port: Number(values.port),
  hostname: '127.0.0.1',
  async fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === '/health') return new Response('ok');
    if (path !== '/v1/chat/completions' || req.method !== 'POST') return new Response('not found', { status: 404 });
    const body = (await req.json()) as { stream?: boolean };
    const res = await fetch(upstream, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench-upstream' },
      body: JSON.stringify(body),
    });
    if (body.stream) return new Response(res.body, { status: res.status, headers: { 'content-type': 'text/event-stream' } });
    return Response.json(await res.json(), { status: res.status });
  },
});

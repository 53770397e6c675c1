/**
 * The load bench/event-loop.ts puts on one server: streamed chat turns over /ws/chat, document
 * uploads, and a latency probe on a cheap authenticated read.
 */
const BunWebSocket = WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket;

export interface Gaps {
  /** Milliseconds between consecutive tokens of one answer. */
  gaps: number[];
  turns: number;
  errors: number;
}

/** `count` sockets, each running one streamed turn after another until stopped. */
export function chatStreams(base: string, headers: Record<string, string>, model: string, count: number) {
  let gaps: number[] = [];
  let turns = 0;
  let errors = 0;
  let running = true;
  const url = `${base.replace(/^http/, 'ws')}/ws/chat`;
  const loop = async (n: number) => {
    const ws = new BunWebSocket(url, { headers });
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    let seq = 0;
    while (running) {
      const requestId = `bench-${n}-${++seq}`;
      await new Promise<void>((resolve) => {
        let last = 0;
        ws.onmessage = (event) => {
          const frame = JSON.parse(String(event.data)) as { type: string; requestId?: string };
          if (frame.requestId !== requestId) return;
          const now = performance.now();
          if (frame.type === 'token') {
            if (last) gaps.push(now - last);
            last = now;
          } else if (frame.type === 'done' || frame.type === 'error') {
            if (frame.type === 'done') turns++;
            else errors++;
            resolve();
          }
        };
        ws.send(JSON.stringify({ type: 'chat', requestId, model, message: `Tell me about topic ${n}-${seq}.` }));
      });
    }
    ws.close();
  };
  const loops = Array.from({ length: count }, (_, n) => loop(n));
  return {
    /** The gaps and turns since the last call. */
    takeGaps(): Gaps {
      const taken = { gaps, turns, errors };
      gaps = [];
      turns = 0;
      errors = 0;
      return taken;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** GETs `path` one after another, 20 ms apart, recording each one's latency. */
export function probeLatency(base: string, path: string, headers: Record<string, string>) {
  const latencies: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const t0 = performance.now();
      const res = await fetch(`${base}${path}`, { headers });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
      latencies.push(performance.now() - t0);
      await Bun.sleep(20);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return latencies;
    },
  };
}

const WORDS = (
  'embedded database worker thread memory heap vector index retrieval chunk passage citation answer question ' +
  'latency stream token socket server client upload ingest parse embed search rank fuse query table row column ' +
  'transaction commit rollback lock page buffer cache disk file directory process signal start ready idle'
).split(' ');

/** A plain-text document of about `words` words, different for every `n`. */
export function syntheticDocument(n: number, words = 700): string {
  let state = n * 2654435761 + 1;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  const sentences: string[] = [`Document ${n} describes subject ${n}.`];
  for (let i = 0; i < words; i += 12) {
    const sentence = Array.from({ length: 12 }, () => WORDS[next() % WORDS.length]).join(' ');
    sentences.push(`${sentence[0].toUpperCase()}${sentence.slice(1)} ${n}-${i}.`);
  }
  return sentences.map((s, i) => (i % 6 === 5 ? `${s}\n\n` : `${s} `)).join('');
}

/** Uploads `count` documents, numbered from `first`, `concurrency` at a time. */
export async function uploadAll(base: string, headers: Record<string, string>, count: number, concurrency = 8, first = 0): Promise<void> {
  let next = first;
  const worker = async () => {
    while (next < first + count) {
      const n = next++;
      const form = new FormData();
      form.append('file', new File([syntheticDocument(n)], `doc-${n}.txt`, { type: 'text/plain' }));
      const res = await fetch(`${base}/api/documents`, { method: 'POST', headers, body: form });
      if (res.status !== 201) throw new Error(`upload ${n} answered ${res.status}: ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Polls the document list until `count` documents are ready; fails on any failed one. */
export async function waitUntilIngested(base: string, headers: Record<string, string>, count: number): Promise<void> {
  for (;;) {
    const res = await fetch(`${base}/api/documents`, { headers });
    const { items } = (await res.json()) as { items: { status: string }[] };
    if (items.some((d) => d.status === 'failed')) throw new Error('a document failed to ingest');
    if (items.filter((d) => d.status === 'ready').length >= count) return;
    await Bun.sleep(250);
  }
}

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createScheduler, type Scheduler } from '../../scheduler';
import { chunkText } from './chunk';
import { CPU_HANDLERS_PATH, handlers } from './cpu-handlers';
import { createOfflineEmbedder, embedOffline } from './embedders/offline';
import { extract } from './extract';
import { prepareDocument, type RunCpu } from './pipeline';

const text = `# Workers\n\n${Array.from({ length: 80 }, (_, i) => `Sentence ${i} is about threads and queues.`).join(' ')}`;
const bytes = new TextEncoder().encode(text);

test('handlers-compute-what-the-inline-pipeline-computes', async () => {
  const extracted = await extract(bytes, 'w.md');
  const [viaHandler] = handlers.chunk([JSON.stringify({ text: extracted.text, kind: extracted.kind, pages: extracted.pages })]);
  expect(viaHandler).toEqual(chunkText(extracted));
  const [vector] = handlers.embed(['threads and queues']) as Float32Array[];
  expect(Array.from(vector)).toEqual(Array.from(embedOffline('threads and queues')));
});

describe('the pipeline on the scheduler workers', () => {
  let scheduler: Scheduler;
  beforeAll(() => {
    scheduler = createScheduler({ handlers: CPU_HANDLERS_PATH, workers: 1 });
  });
  afterAll(() => scheduler.close());

  test('off-thread-chunking-and-embedding-match-inline-results', async () => {
    const runCpu: RunCpu = (kind, payloads) => Promise.all(payloads.map((p) => scheduler.submit(kind, p, 'background')));
    const embedder = createOfflineEmbedder();
    const inline = await prepareDocument(bytes, 'w.md', embedder);
    const offThread = await prepareDocument(bytes, 'w.md', embedder, { runCpu });
    expect(offThread.chunks).toEqual(inline.chunks);
    expect(offThread.vectors.map((v) => Array.from(v))).toEqual(inline.vectors.map((v) => Array.from(v)));
    expect(scheduler.stats().completed).toBeGreaterThanOrEqual(inline.chunks.length + 1);
  });
});

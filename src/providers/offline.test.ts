import { describe, expect, test } from 'bun:test';
import { createOfflineProvider, NO_INFORMATION_ANSWER, NOT_SEARCHED_ANSWER } from './offline/provider';
import type { ProviderRequest, StreamEvent } from './types';

const offline = createOfflineProvider();
const passages = [
  { n: 1, text: 'Confab stores documents in Postgres. Each document is split into chunks of about 500 tokens.' },
  { n: 2, text: 'Bananas are rich in potassium.' },
  { n: 3, text: 'Chunks are embedded by background workers.\nEmbeddings are stored with pgvector for similarity search.' },
];

function ask(question: string, extra: Partial<ProviderRequest> = {}): ProviderRequest {
  return { model: 'offline', messages: [{ role: 'user', content: question }], passages, signal: new AbortController().signal, ...extra };
}

async function collect(req: ProviderRequest): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of offline.stream(req)) out.push(e);
  return out;
}

describe('offline model', () => {
  test('answers-from-the-best-sentences-with-passage-citations', async () => {
    const result = await offline.generate(ask('How are document chunks embedded and stored?'));
    expect(result.text).toContain('[3]');
    expect(result.text).toContain('Chunks are embedded by background workers.');
    expect(result.text).not.toContain('Bananas');
    expect(result.text).not.toContain('offline model');
  });

  test('cites-once-per-run-of-sentences-from-one-passage', async () => {
    const result = await offline.generate(ask('How are chunks embedded and where are embeddings stored?'));
    expect(result.text).toContain(
      'Chunks are embedded by background workers. Embeddings are stored with pgvector for similarity search [3].',
    );
    expect(result.text.split('[3]')).toHaveLength(2);
  });

  test('a-question-word-meets-its-other-forms-in-the-passage', async () => {
    const ferry = [{ n: 1, text: 'The Gannet ferry leaves the north quay at 7:40 every weekday.\nOn Saturdays it leaves at 9:15.' }];
    const result = await offline.generate(ask('When does the Gannet ferry leave?', { passages: ferry }));
    expect(result.text).toBe('The Gannet ferry leaves the north quay at 7:40 every weekday [1].');
  });

  test('answers-a-two-part-question-whose-filler-words-no-passage-contains', async () => {
    const office = {
      n: 1,
      text: '# Office\n\nThe office is in Lisbon, on Rua Augusta 42.\n\n## Parking\n\nParking costs 5 euros per day.',
    };
    const result = await offline.generate(ask('Where is the office and how much does parking cost?', { passages: [office] }));
    expect(result.text).toBe('The office is in Lisbon, on Rua Augusta 42. Parking costs 5 euros per day [1].');
  });

  test('says-plainly-it-is-offline-when-no-passage-is-relevant', async () => {
    const result = await offline.generate(ask('Who won the 1998 World Cup?'));
    expect(result.text).toBe(NO_INFORMATION_ANSWER);
    expect(result.text).toContain('Admin → Connections');
    const empty = await offline.generate(ask('Where are embeddings stored?', { passages: [] }));
    expect(empty.text).toBe(NO_INFORMATION_ANSWER);
  });

  test('weighs-question-words-by-how-common-they-are-in-the-users-documents-when-the-request-says', async () => {
    const question = 'Are chunks stored in Postgres with bananas?';
    expect((await offline.generate(ask(question))).text).toContain('[1]');
    // Over the passages "bananas" looks as rare as "Postgres"; in the user's 500 chunks "chunks" and "stored" are everywhere and "bananas" in one.
    const words: Record<string, number> = { are: 500, chunks: 480, stored: 450, in: 500, postgres: 3, with: 500, bananas: 1 };
    const asked: string[] = [];
    const wordFrequencies = async (q: string) => {
      asked.push(q);
      return { chunks: 500, words };
    };
    expect((await offline.generate(ask(question, { wordFrequencies }))).text).toBe(NO_INFORMATION_ANSWER);
    expect(asked).toEqual([question]);
    const answered = await offline.generate(ask('Are chunks stored in Postgres?', { wordFrequencies }));
    expect(answered.text).toBe('Confab stores documents in Postgres [1].');
  });

  test('a-failed-frequency-lookup-answers-with-the-passages-own-weights', async () => {
    const question = 'Are chunks stored in Postgres with bananas?';
    const wordFrequencies = () => Promise.reject(new Error('connection lost'));
    expect((await offline.generate(ask(question, { wordFrequencies }))).text).toBe((await offline.generate(ask(question))).text);
  });

  test('says-what-it-can-do-and-how-to-turn-on-documents-when-nothing-was-searched', async () => {
    const result = await offline.generate(ask('Where are embeddings stored?', { passages: undefined }));
    expect(result.text).toBe(NOT_SEARCHED_ANSWER);
    expect(result.text).toContain('Turn on Documents');
    expect(result.text).not.toContain('found no information');
  });

  test('streams-word-by-word-the-same-text-it-generates-with-usage', async () => {
    const req = ask('Where are embeddings stored?');
    const events = await collect(req);
    const deltas = events.flatMap((e) => (e.type === 'text' ? [e.delta] : []));
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join('')).toBe((await offline.generate(req)).text);
    const usage = events.find((e) => e.type === 'usage');
    expect(usage?.type === 'usage' && usage.inputTokens > 0 && usage.outputTokens > 0).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  test('is-deterministic', async () => {
    const a = await offline.generate(ask('What does Confab store in Postgres?'));
    const b = await offline.generate(ask('What does Confab store in Postgres?'));
    expect(a).toEqual(b);
  });

  test('a-continuation-starts-a-new-paragraph', async () => {
    const result = await offline.generate(ask('Where are embeddings stored?', { continuation: 'Embeddings are' }));
    expect(result.text.startsWith('\n\n')).toBe(true);
  });

  test('stops-when-cancelled', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const run = async () => {
      for await (const e of offline.stream(ask('Where are embeddings stored?', { signal: controller.signal }))) {
        if (e.type === 'text') seen.push(e.delta);
        controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ code: 'cancelled' });
    expect(seen).toHaveLength(1);
  });
});

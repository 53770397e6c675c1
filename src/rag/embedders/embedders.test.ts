import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { AppError } from '../../lib/errors';
import { type FakeUpstream, openaiErrorReply, startFakeUpstream } from '../../testing/fake-upstream';
import { createOfflineEmbedder, embedOffline, OFFLINE_DIMENSIONS, OFFLINE_MODEL, OFFLINE_V1_MODEL, stem } from './offline';
import { createOpenAIEmbedder } from './openai';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe('offline embedder', () => {
  test('is-deterministic-and-unit-length', async () => {
    const e = createOfflineEmbedder();
    const [a, b] = await e.embed(['The quick brown fox', 'The quick brown fox']);
    expect(a.length).toBe(OFFLINE_DIMENSIONS);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(dot(a, a)).toBeCloseTo(1, 5);
  });

  test('related-texts-are-closer-than-unrelated-ones', () => {
    const query = embedOffline('When does water boil at high altitude?');
    const related = embedOffline('At altitude the boiling point of water drops below 100 degrees.');
    const unrelated = embedOffline('Chess openings aim to control the centre squares early.');
    expect(dot(query, related)).toBeGreaterThan(dot(query, unrelated) + 0.1);
  });

  test('word-forms-meet-through-character-trigrams', () => {
    const a = embedOffline('boiling');
    expect(dot(a, embedOffline('boils'))).toBeGreaterThan(0.4);
    expect(dot(a, embedOffline('boiled'))).toBeGreaterThan(0.4);
    expect(dot(a, embedOffline('granite'))).toBeLessThan(0.2);
  });

  test('misspelt-words-still-meet-the-words-they-misspell', async () => {
    const [typo, right, other] = await createOfflineEmbedder().embed(['recieve the pakage', 'receive the package', 'delete the folder']);
    expect(dot(typo, right)).toBeGreaterThan(0.4);
    expect(dot(typo, other)).toBeLessThan(0.2);
    // v1 weighed whole words above their trigrams, so a misspelling was all but a different text.
    const [typoV1, rightV1] = await createOfflineEmbedder(OFFLINE_V1_MODEL).embed(['recieve the pakage', 'receive the package']);
    expect(dot(typoV1, rightV1)).toBeLessThan(0.2);
  });

  test('the-older-model-keeps-its-own-name-and-vectors-and-only-the-current-one-runs-on-workers', async () => {
    const current = createOfflineEmbedder();
    const v1 = createOfflineEmbedder(OFFLINE_V1_MODEL);
    expect([current.model, v1.model]).toEqual([OFFLINE_MODEL, OFFLINE_V1_MODEL]);
    expect(current.model).not.toBe(v1.model);
    expect([current.cpuHandler, v1.cpuHandler]).toEqual(['embed', undefined]);
    const [a] = await current.embed(['Chess openings aim to control the centre']);
    const [b] = await v1.embed(['Chess openings aim to control the centre']);
    expect(Array.from(a)).toEqual(Array.from(embedOffline('Chess openings aim to control the centre')));
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(dot(b, b)).toBeCloseTo(1, 5);
    expect(stem('boiling')).toBe(stem('boils'));
    expect(() => createOfflineEmbedder('offline-hash-384-v9')).toThrow();
  });

  test('empty-text-gives-a-zero-vector', () => {
    expect(Array.from(embedOffline('the of and')).every((x) => x === 0)).toBe(true);
  });
});

describe('openai-compatible embedder', () => {
  let upstream: FakeUpstream;
  const requests: { model: string; input: string[]; encoding_format?: string; auth: string | null }[] = [];
  let failNext = 0;

  // Vectors a test can read back, (text length, index, 1), sent out of order so that reordering shows.
  beforeAll(async () => {
    upstream = await startFakeUpstream();
    upstream.always('/v1/embeddings', (request) => {
      const body = request.body as { model: string; input: string[]; encoding_format?: string };
      requests.push({ ...body, auth: request.headers.get('authorization') });
      if (failNext > 0) {
        failNext--;
        return openaiErrorReply(429, 'slow down');
      }
      const data = body.input.map((text, index) => {
        const vector = new Float32Array([text.length, index, 1]);
        const embedding = body.encoding_format === 'base64' ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector);
        return { object: 'embedding', index, embedding };
      });
      return {
        status: 200,
        body: { object: 'list', model: body.model, data: data.reverse(), usage: { prompt_tokens: 1, total_tokens: 1 } },
      };
    });
  });
  afterAll(() => upstream.stop());

  test('batches-inputs-keeps-order-and-learns-the-dimension', async () => {
    requests.length = 0;
    const e = createOpenAIEmbedder({
      provider: 'local',
      model: 'nomic-embed-text',
      baseURL: `${upstream.url}/v1`,
      batchSize: 2,
    });
    expect(e.model).toBe('local:nomic-embed-text');
    expect(e.dimensions).toBe(0);
    const vectors = await e.embed(['a', 'bb', 'ccc', 'dddd', 'eeeee']);
    expect(vectors.map((v) => v[0])).toEqual([1, 2, 3, 4, 5]);
    expect(e.dimensions).toBe(3);
    expect(requests.map((r) => r.input.length)).toEqual([2, 2, 1]);
    expect(requests[0].model).toBe('nomic-embed-text');
  });

  test('sends-the-api-key-and-does-not-retry-itself', async () => {
    requests.length = 0;
    failNext = 1;
    const e = createOpenAIEmbedder({
      provider: 'openai',
      model: 'text-embedding-3-small',
      apiKey: 'sk-test',
      baseURL: `${upstream.url}/v1`,
    });
    expect(e.dimensions).toBe(1536);
    const err = (await e.embed(['x']).catch((x) => x)) as AppError;
    expect(err.code).toBe('embedding_failed');
    expect(err.retryable).toBe(true);
    expect(err.message).not.toContain('sk-test');
    expect(requests).toHaveLength(1);
    expect(requests[0].auth).toBe('Bearer sk-test');
    expect(await e.embed(['x'])).toHaveLength(1);
  });

  test('an-unreachable-server-is-a-retryable-failure', async () => {
    const e = createOpenAIEmbedder({ provider: 'local', model: 'm', baseURL: 'http://127.0.0.1:9/v1', timeoutMs: 2000 });
    const err = (await e.embed(['x']).catch((x) => x)) as AppError;
    expect(err.code).toBe('embedding_failed');
    expect(err.retryable).toBe(true);
  });
});

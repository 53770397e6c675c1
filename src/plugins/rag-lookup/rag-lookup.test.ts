import { describe, expect, test } from 'bun:test';
import { createRegistry, runPlugin } from '../registry';
import type { RetrievedPassage, RetrieveFn } from '../types';
import type { RagLookupData } from './index';
import { ragLookupPlugin } from './index';

const passages: RetrievedPassage[] = [
  {
    chunkId: 'c1',
    documentId: 'd1',
    documentName: 'manual.pdf',
    page: 3,
    start: 100,
    end: 220,
    score: 0.9,
    text: 'The pump runs at 40 bar.',
  },
  { chunkId: 'c7', documentId: 'd2', documentName: 'notes.md', page: null, start: 0, end: 50, score: 0.4, text: 'Check the seals yearly.' },
];

const calls: Parameters<RetrieveFn>[] = [];
const retrieve: RetrieveFn = async (...args) => {
  calls.push(args);
  return passages.filter((p) => !args[2].documentIds || args[2].documentIds.includes(p.documentId)).slice(0, args[2].k);
};

const reg = createRegistry([ragLookupPlugin]);

describe('rag_lookup', () => {
  test('retrieves-for-the-asking-user-and-numbers-passages-for-citation', async () => {
    const out = await runPlugin(reg, 'rag_lookup', { query: 'pump pressure' }, { userId: 'alice', services: { retrieve } });
    expect(calls.at(-1)).toEqual(['alice', 'pump pressure', { k: 5, documentIds: undefined }]);
    expect(out.ok).toBe(true);
    const data = out.ok ? (out.data as RagLookupData) : undefined;
    expect(data?.citations.map((c) => [c.n, c.chunkId, c.page])).toEqual([
      [1, 'c1', 3],
      [2, 'c7', null],
    ]);
    expect(out.text).toContain('[1] (manual.pdf, page 3)\nThe pump runs at 40 bar.');
    expect(out.text).toContain('[2] (notes.md)\nCheck the seals yearly.');
    expect(out.ok && out.citations).toEqual(data!.citations);
  });

  test('continues-numbering-from-earlier-citations-of-the-turn', async () => {
    const out = await runPlugin(
      reg,
      'rag_lookup',
      { query: 'seals', k: 1, documentIds: ['d2'] },
      {
        userId: 'bob',
        services: { retrieve },
        citationStart: 4,
      },
    );
    expect(calls.at(-1)).toEqual(['bob', 'seals', { k: 1, documentIds: ['d2'] }]);
    const data = out.ok ? (out.data as RagLookupData) : undefined;
    expect(data?.citations).toEqual([{ ...passages[1], n: 4 }]);
    expect(out.text).toContain('[4] (notes.md)');
  });

  test('says-so-when-nothing-matches', async () => {
    const out = await runPlugin(reg, 'rag_lookup', { query: 'x', documentIds: ['none'] }, { userId: 'alice', services: { retrieve } });
    expect(out.text).toContain('No passages');
  });

  test('is-unavailable-without-retrieval', () => {
    expect(ragLookupPlugin.available({})).toEqual({ ok: false, reason: 'document retrieval is not running' });
  });
});

import { describe, expect, test } from 'bun:test';
import { countTokens } from 'gpt-tokenizer';
import { makePdf } from '../testing/make-pdf';
import { chunkText, type TextChunk } from './chunk';
import { extract } from './extract';

const sentence = (i: number) => `Sentence number ${i} talks about topic ${i % 7} in some detail. `;
const paragraph = (from: number, n: number) => Array.from({ length: n }, (_, i) => sentence(from + i)).join('');

function expectExactOffsets(text: string, chunks: TextChunk[]) {
  for (const c of chunks) expect(text.slice(c.start, c.end)).toBe(c.text);
}

describe('chunking', () => {
  const doc = [
    '# Handbook',
    '',
    'A short introduction.',
    '',
    '## Part one',
    '',
    paragraph(0, 40),
    '',
    paragraph(40, 30),
    '',
    '```js',
    'function f() {',
    '',
    '  return 1;',
    '}',
    '```',
    '',
    '## Part two',
    '',
    paragraph(70, 12),
    '',
    'Tail.',
  ].join('\n');
  const chunks = chunkText({ text: doc, kind: 'markdown' }, { maxTokens: 200, overlapTokens: 30, minTokens: 40 });

  test('every-chunk-is-the-exact-slice-of-the-extracted-text', () => {
    expect(chunks.length).toBeGreaterThan(3);
    expectExactOffsets(doc, chunks);
    expect(chunks.map((c) => c.ordinal)).toEqual(chunks.map((_, i) => i));
  });

  test('chunks-stay-within-the-token-budget-and-cover-the-whole-text', () => {
    for (const c of chunks.slice(0, -1)) expect(c.tokenCount).toBeLessThanOrEqual(200);
    for (const c of chunks) expect(c.tokenCount).toBe(countTokens(c.text));
    expect(chunks[0].start).toBe(0);
    expect(chunks.at(-1)!.end).toBe(doc.length);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].start).toBeLessThanOrEqual(chunks[i - 1].end + 2);
  });

  test('a-heading-starts-a-new-chunk-without-overlap', () => {
    const partTwo = chunks.find((c) => c.text.includes('## Part two'))!;
    expect(partTwo.text.startsWith('## Part two')).toBe(true);
    expect(chunks.filter((c) => c.text.includes('## Part two'))).toHaveLength(1);
  });

  test('a-tiny-introduction-is-merged-with-what-follows', () => {
    expect(chunks[0].text.startsWith('# Handbook\n\nA short introduction.\n\n## Part one')).toBe(true);
  });

  test('neighbours-inside-a-section-overlap', () => {
    const inPartOne = chunks.filter((c) => c.start < doc.indexOf('## Part two'));
    const overlapping = inPartOne.slice(1).filter((c, i) => c.start < inPartOne[i].end);
    expect(overlapping.length).toBeGreaterThan(0);
  });

  test('a-fenced-code-block-is-never-cut-by-its-blank-line', () => {
    const withCode = chunks.filter((c) => c.text.includes('function f()'));
    expect(withCode.some((c) => c.text.includes('  return 1;\n}\n```'))).toBe(true);
  });

  test('a-tiny-tail-is-merged-into-the-previous-chunk', () => {
    expect(chunks.at(-1)!.text.endsWith('Tail.')).toBe(true);
    expect(chunks.at(-1)!.tokenCount).toBeGreaterThan(40);
  });

  test('same-input-gives-the-same-chunks', () => {
    expect(chunkText({ text: doc, kind: 'markdown' }, { maxTokens: 200, overlapTokens: 30, minTokens: 40 })).toEqual(chunks);
  });

  test('a-giant-unbroken-token-run-is-still-split', () => {
    const blob = 'x'.repeat(20_000);
    const parts = chunkText({ text: `Intro line.\n\n${blob}` }, { maxTokens: 128 });
    expect(parts.length).toBeGreaterThan(3);
    expectExactOffsets(`Intro line.\n\n${blob}`, parts);
  });

  test('csv-is-split-on-rows', () => {
    const csv = ['id,name,notes', ...Array.from({ length: 400 }, (_, i) => `${i},item ${i},note about item ${i}`)].join('\n');
    const parts = chunkText({ text: csv, kind: 'csv' }, { maxTokens: 128 });
    expectExactOffsets(csv, parts);
    for (const p of parts) expect(p.text.endsWith('\n')).toBe(false);
    for (const p of parts.slice(1)) expect(csv[p.start - 1]).toBe('\n');
  });

  test('pdf-chunks-carry-the-page-they-start-on-and-pages-start-chunks', async () => {
    const page = (n: number) => Array.from({ length: 12 }, (_, i) => `Page ${n} line ${i} has a few words about things.`);
    const extracted = await extract(makePdf([page(1), page(2), page(3)]), 'book.pdf');
    const parts = chunkText(extracted, { maxTokens: 400, minTokens: 20 });
    expectExactOffsets(extracted.text, parts);
    expect(parts.map((p) => p.page)).toEqual([1, 2, 3]);
    expect(parts[1].text.startsWith('Page 2 line 0')).toBe(true);
  });
});

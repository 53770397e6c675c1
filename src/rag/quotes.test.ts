import { describe, expect, test } from 'bun:test';
import type { Citation } from '../plugins/citation';
import { extractAnswer } from '../providers/offline/extract';
import { quoteCitations } from './quotes';

const CHUNK = `Every employee gets 25 days of paid leave per calendar
year. Carried-over days must be used by
31 March of the following year, or they lapse.

| Grade | Laptop model |
| --- | --- |
| Senior | ThinkPad X1 |

Offices close at 6pm on weekdays.`;

const citation = (n: number, text: string, start = 1000): Citation => ({
  n,
  documentId: `d${n}`,
  documentName: 'handbook.md',
  chunkId: `c${n}`,
  page: null,
  start,
  end: start + text.length,
  score: 1,
  text,
});

describe('quoteCitations', () => {
  test('a-quoted-hard-wrapped-sentence-gets-its-own-document-offsets', () => {
    const question = 'By when must carried-over days be used?';
    const answer = extractAnswer(question, [{ n: 1, text: CHUNK }])!;
    const [c] = quoteCitations(answer, [citation(1, CHUNK)]);
    expect(c.cited).toBe(true);
    expect(c.quotes).toHaveLength(1);
    const q = c.quotes![0];
    expect(CHUNK.slice(q.start - 1000, q.end - 1000)).toBe(
      'Carried-over days must be used by\n31 March of the following year, or they lapse.',
    );
  });

  test('a-quoted-table-is-highlighted-whole', () => {
    const answer = extractAnswer('Which laptop model does the senior grade have?', [{ n: 1, text: CHUNK }])!;
    const [c] = quoteCitations(answer, [citation(1, CHUNK, 0)]);
    expect(c.quotes?.map((q) => CHUNK.slice(q.start, q.end))).toEqual([
      '| Grade | Laptop model |\n| --- | --- |\n| Senior | ThinkPad X1 |',
    ]);
  });

  test('a-retrieved-passage-the-answer-does-not-cite-is-marked-uncited', () => {
    const answer = 'Offices close at 6pm on weekdays [2].';
    const [first, second] = quoteCitations(answer, [citation(1, 'Nothing relevant here at all.'), citation(2, CHUNK)]);
    expect(first).toMatchObject({ cited: false, quotes: [] });
    expect(second.cited).toBe(true);
    expect(second.quotes?.map((q) => CHUNK.slice(q.start - 1000, q.end - 1000))).toEqual(['Offices close at 6pm on weekdays.']);
  });

  test('the-section-is-the-heading-over-the-quote', () => {
    const text = '# Leave\n\nLeave is 25 days.\n\n## Offices\n\nOffices close at 6pm on weekdays.';
    const [quoted] = quoteCitations('Offices close at 6pm on weekdays [1].', [citation(1, text)]);
    const [paraphrased] = quoteCitations('They shut in the evening [1].', [citation(1, text)]);
    expect(quoted.section).toBe('Offices');
    expect(paraphrased.section).toBe('Leave');
  });

  test('a-paraphrase-quotes-nothing', () => {
    const [c] = quoteCitations('You get twenty-five days off every year [1].', [citation(1, CHUNK)]);
    expect(c).toMatchObject({ cited: true, quotes: [] });
  });

  test('sentences-cited-by-different-markers-go-to-their-own-passages', () => {
    const other = 'Lost equipment must be reported to the IT desk within one day.';
    const answer = `Offices close at 6pm on weekdays [1]. Lost equipment must be reported to the IT desk within one day [2].`;
    const [a, b] = quoteCitations(answer, [citation(1, CHUNK, 0), citation(2, other, 0)]);
    expect(a.quotes?.map((q) => CHUNK.slice(q.start, q.end))).toEqual(['Offices close at 6pm on weekdays.']);
    expect(b.quotes).toEqual([{ start: 0, end: other.length }]);
  });
});

import { describe, expect, test } from 'bun:test';
import { ANSWER_COVERAGE, answerStrength, extractAnswer } from './extract';
import { segment } from './segment';
import { contentTerms } from './terms';

const HANDBOOK = `# Leave

Every employee gets 25 days of paid leave per calendar
year. Carried-over days must be used by
31 March of the following year, or they lapse.

- Sick leave needs a doctor's note after
  three days of absence.
- Parental leave is described in the parental handbook.

| Grade | Laptop model | Replacement |
| --- | --- | --- |
| Junior | ThinkPad E14 | every four years |
| Senior | ThinkPad X1 | every three years |

Run the backup like this:

\`\`\`sh
confab-backup --target /srv/backup
confab-backup --verify
\`\`\`

Offices close at 6pm on weekdays.
`;

const passage = (text: string, n = 1) => ({ n, text, documentName: 'handbook.md' });

describe('segment', () => {
  test('hard-wrapped-paragraph-lines-join-into-whole-sentences', () => {
    const sentences = segment(HANDBOOK)
      .filter((s) => s.kind === 'sentence')
      .map((s) => s.text);
    expect(sentences).toContain('Carried-over days must be used by 31 March of the following year, or they lapse.');
    expect(sentences).toContain('Every employee gets 25 days of paid leave per calendar year.');
  });

  test('each-list-item-is-its-own-sentence-without-the-bullet', () => {
    const sentences = segment(HANDBOOK).map((s) => s.text);
    expect(sentences).toContain("Sick leave needs a doctor's note after three days of absence.");
    expect(sentences).toContain('Parental leave is described in the parental handbook.');
  });

  test('offsets-point-at-the-sentence-in-the-passage', () => {
    for (const s of segment(HANDBOOK))
      expect(HANDBOOK.slice(s.start, s.end).replace(/\s+/g, ' ').trim()).toBe(
        s.kind === 'sentence' || s.kind === 'heading' ? s.text : s.text.replace(/\s+/g, ' ').trim(),
      );
  });

  test('a-table-and-a-code-block-are-single-verbatim-units', () => {
    const blocks = segment(HANDBOOK).filter((s) => s.kind === 'table' || s.kind === 'code');
    expect(blocks.map((b) => b.kind)).toEqual(['table', 'code']);
    expect(blocks[0].text.split('\n')).toHaveLength(4);
    expect(blocks[1].text).toBe('```sh\nconfab-backup --target /srv/backup\nconfab-backup --verify\n```');
    expect(blocks.every((b) => !b.partial)).toBe(true);
  });

  test('a-table-without-its-header-or-a-code-block-without-its-closing-fence-is-partial', () => {
    const cutTable = '| Senior | ThinkPad X1 | every three years |\n| Intern | none | never |';
    const cutCode = '```sh\nconfab-backup --target /srv/backup';
    expect(segment(cutTable)[0]).toMatchObject({ kind: 'table', partial: true });
    expect(segment(cutCode)[0]).toMatchObject({ kind: 'code', partial: true });
  });
});

describe('extractAnswer', () => {
  test('quotes-a-hard-wrapped-sentence-whole-not-cut-at-the-line-break', () => {
    const answer = extractAnswer('By when must carried-over days be used?', [passage(HANDBOOK)]);
    expect(answer).toContain('Carried-over days must be used by 31 March of the following year, or they lapse [1].');
    expect(answer).not.toContain('must be [1]');
  });

  test('quotes-a-table-whole-as-a-markdown-table', () => {
    const answer = extractAnswer('What laptop model and replacement does the senior grade have?', [passage(HANDBOOK)]);
    expect(answer).toContain(
      '| Grade | Laptop model | Replacement |\n| --- | --- | --- |\n| Junior | ThinkPad E14 | every four years |\n| Senior | ThinkPad X1 | every three years |\n\n[1]',
    );
  });

  test('never-quotes-part-of-a-table', () => {
    const cut = '| Senior | ThinkPad X1 | every three years |\n| Intern | ThinkPad E14 | never |';
    expect(extractAnswer('Which ThinkPad does a senior get?', [passage(cut)])).toBeUndefined();
  });

  test('quotes-a-code-block-with-its-lines-kept', () => {
    const answer = extractAnswer('How do I run confab-backup with a target?', [passage(HANDBOOK)]);
    expect(answer).toContain('```sh\nconfab-backup --target /srv/backup\nconfab-backup --verify\n```\n\n[1]');
  });

  test('declines-a-question-the-documents-do-not-cover-instead-of-stitching-sentences', () => {
    expect(extractAnswer('What is the policy on bringing dogs to the office?', [passage(HANDBOOK), passage(HANDBOOK, 2)])).toBeUndefined();
  });

  test('answers-only-with-sentences-that-clear-the-bar', () => {
    const answer = extractAnswer('When do offices close on weekdays?', [passage(HANDBOOK)]);
    expect(answer).toBe('Offices close at 6pm on weekdays [1].');
  });
});

test('a-how-long-question-is-answered-though-the-answer-does-not-say-long', () => {
  const passages = [{ n: 1, text: 'The warranty lasts two years from the date of purchase. Returns are free.' }];
  expect(extractAnswer('How long does the warranty last?', passages)).toBe('The warranty lasts two years from the date of purchase [1].');
  expect(extractAnswer('How often are laptops replaced?', [{ n: 1, text: 'Laptops are replaced every three years.' }])).toContain('[1]');
  expect(
    extractAnswer('How fast does the peregrine falcon stoop?', [
      { n: 1, text: 'The peregrine falcon stoops at over three hundred kilometres per hour.' },
    ]),
  ).toContain('[1]');
});

describe('extractAnswer with the corpus frequencies of the question words', () => {
  // Six sentences, so that over the passage alone each shared word is rare and weighs a lot.
  const LIBRARIES = [
    'This Python module reads spreadsheets.',
    'The library is small.',
    'It has a plain API.',
    'Cells are read lazily.',
    'Formulas are not evaluated.',
    'Output is a list of rows.',
  ].join(' ');
  // 1,000 chunks: "library", "python" and "api" are in many, "redmine" in none.
  const corpus = { chunks: 1000, words: { python: 200, library: 400, for: 1000, the: 1000, redmine: 0, api: 150 } };
  const question = 'Python library for the Redmine API';

  test('declines-a-question-only-generic-words-match', () => {
    expect(extractAnswer(question, [passage(LIBRARIES)])).toContain('[1]');
    expect(extractAnswer(question, [passage(LIBRARIES)], { corpus })).toBeUndefined();
    expect(answerStrength(question, [passage(LIBRARIES)], corpus)).toBeLessThan(ANSWER_COVERAGE);
  });

  test('answers-when-the-passage-holds-the-word-the-corpus-rarely-has', () => {
    const redmine = passage(`${LIBRARIES} A separate Python library talks to the Redmine API.`);
    expect(extractAnswer(question, [redmine], { corpus })).toBe('A separate Python library talks to the Redmine API [1].');
  });

  test('a-stop-word-of-the-text-search-counts-as-in-every-chunk', () => {
    const alone = { chunks: 1000, words: { python: 200, library: 400, redmine: 0, api: 150 } };
    expect(answerStrength(question, [passage(LIBRARIES)], alone)).toBe(answerStrength(question, [passage(LIBRARIES)], corpus));
  });
});

describe('extractAnswer weighs how close together a passage holds the question words', () => {
  const corpus = { chunks: 1000, words: { which: 1000, tool: 300, aligns: 40, multiple: 200, protein: 30, sequences: 60 } };
  const question = 'Which tool aligns multiple protein sequences?';
  // Both hold "aligns", "multiple" and "sequences" (the same share of the question's weight) and neither "tool" nor "protein".
  const apart = passage(
    'Column fills rows before columns and reads multiple files at once. Blank lines in the input are kept as they are by default. ' +
      'Numbers keep their alignment on the right in table mode. Empty fields between two separators are ignored unless told. ' +
      'A sequence of blanks separates two fields.',
  );
  const together = passage(
    'Column fills rows before columns and reads files at once. Blank lines in the input are kept as they are by default. ' +
      'It aligns multiple sequences of numbers on the right in table mode. Empty fields between two separators are ignored unless told. ' +
      'Blanks separate two fields.',
  );

  test('declines-a-passage-that-holds-the-question-words-only-in-sentences-far-apart', () => {
    expect(extractAnswer(question, [apart], { corpus })).toBeUndefined();
    expect(answerStrength(question, [apart], corpus)).toBeLessThan(ANSWER_COVERAGE);
  });

  test('answers-from-a-passage-that-holds-the-same-words-side-by-side', () => {
    expect(extractAnswer(question, [together], { corpus })).toBe('It aligns multiple sequences of numbers on the right in table mode [1].');
    expect(extractAnswer(question, [apart, { ...together, n: 2 }], { corpus })).toBe(
      'It aligns multiple sequences of numbers on the right in table mode [2].',
    );
  });
});

test('handbook-questions-keep-their-answers-and-the-dogs-question-its-decline-with-the-handbook-as-the-whole-corpus', () => {
  // One chunk: a word is in it (1) or not (0), as chunk_term_stats would count it.
  const held = new Set(contentTerms(HANDBOOK));
  const corpusOf = (question: string) => ({
    chunks: 1,
    words: Object.fromEntries(
      (question.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => [w, contentTerms(w).some((t) => held.has(t)) ? 1 : 0]),
    ),
  });
  const ask = (question: string) => extractAnswer(question, [passage(HANDBOOK)], { corpus: corpusOf(question) });
  expect(ask('How do I run confab-backup with a target?')).toContain(
    '```sh\nconfab-backup --target /srv/backup\nconfab-backup --verify\n```\n\n[1]',
  );
  expect(ask('By when must carried-over days be used?')).toContain('Carried-over days must be used by 31 March');
  expect(ask('When do offices close on weekdays?')).toBe('Offices close at 6pm on weekdays [1].');
  expect(ask('What is the policy on bringing dogs to the office?')).toBeUndefined();
});

test('a-corpus-of-a-few-chunks-does-not-decline-a-question-over-a-filler-word-none-holds', () => {
  const guide =
    '# Equipment\n\n| Grade | Laptop model |\n| --- | --- |\n| Junior | ThinkPad E14 |\n| Senior | ThinkPad X1 |\n\n' +
    '# Backups\n\n```sh\nconfab-backup --target /srv/backup\nconfab-backup --verify\n```\n';
  const question = 'How do I run confab-backup with a target?';
  // The guide is the whole corpus: "run" is in none of its chunks, every other word in its one chunk.
  const corpus = { chunks: 1, words: { how: 1, do: 1, i: 1, run: 0, confab: 1, backup: 1, with: 1, a: 1, target: 1 } };
  expect(extractAnswer(question, [passage(guide)], { corpus })).toContain('confab-backup --target /srv/backup\nconfab-backup --verify');
});

import { describe, expect, test } from 'bun:test';
import { AppError } from '../lib/errors';
import { makePdf } from '../testing/make-pdf';
import { extract, pageAt } from './extract';
import { sniff } from './sniff';

const bytes = (s: string) => new TextEncoder().encode(s);

function rejection(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a rejection');
}

describe('sniffing', () => {
  test('recognises-each-supported-type-from-content', () => {
    expect(sniff(makePdf([['hello']]), 'notes.txt').kind).toBe('pdf');
    expect(sniff(bytes('<!doctype html><html><body><p>x</p></body></html>'), 'page.txt').kind).toBe('html');
    expect(sniff(bytes('# Title\n\nSome text.'), 'readme').kind).toBe('markdown');
    expect(sniff(bytes('{"a": [1, 2]}'), 'data.txt').kind).toBe('json');
    expect(sniff(bytes('name,age\nann,3\nbob,4\n'), 'people.csv').kind).toBe('csv');
    expect(sniff(bytes('export const x = 1;\n'), 'x.ts')).toEqual({ kind: 'code', mimeType: 'text/x-typescript' });
    expect(sniff(bytes('Just a plain note.'), 'note.txt').kind).toBe('text');
  });

  test('trusts-content-over-a-lying-extension', () => {
    expect(sniff(bytes('plain words, nothing more'), 'report.pdf').kind).toBe('text');
    expect(sniff(bytes('{"ok": true}'), 'image.png').kind).toBe('json');
  });

  test('refuses-binary-and-known-binary-formats-with-415', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const err = rejection(() => sniff(png, 'notes.txt'));
    expect(err.status).toBe(415);
    expect(err.message).toContain('PNG');
    expect(rejection(() => sniff(new Uint8Array([1, 2, 3, 0, 5, 6, 7]), 'a.txt')).status).toBe(415);
    expect(rejection(() => sniff(new Uint8Array([0xc3, 0x28, 0xa0, 0xa1]), 'a.md')).status).toBe(415);
  });

  test('refuses-an-empty-file', () => {
    expect(rejection(() => sniff(new Uint8Array(0), 'a.txt')).status).toBe(400);
  });
});

describe('extraction', () => {
  test('pdf-keeps-page-numbers-and-page-offsets', async () => {
    const pdf = makePdf([['Apples grow on trees.', 'They are (often) red.'], [], ['Bananas are yellow.']]);
    const out = await extract(pdf, 'fruit.pdf');
    expect(out.kind).toBe('pdf');
    expect(out.pages.map((p) => p.page)).toEqual([1, 3]);
    for (const p of out.pages) expect(out.text.slice(p.start, p.end).length).toBeGreaterThan(0);
    expect(out.text.slice(out.pages[1].start, out.pages[1].end)).toContain('Bananas are yellow.');
    expect(pageAt(out.pages, out.text.indexOf('Bananas'))).toBe(3);
    expect(pageAt(out.pages, out.text.indexOf('(often)'))).toBe(1);
  });

  test('corrupt-pdf-fails-as-not-retryable', async () => {
    const broken = bytes('%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref');
    const err = (await extract(broken, 'x.pdf').catch((e) => e)) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('extraction_failed');
    expect(err.retryable).toBe(false);
  });

  test('html-becomes-text-with-headings-lists-and-code-kept-and-scripts-dropped', async () => {
    const html = `<html><head><title>T</title><script>alert('x')</script><style>p{}</style></head><body>
      <h1>Guide</h1><p>First &amp; foremost.</p><h2>Steps</h2><ul><li>One</li><li>Two</li></ul>
      <pre>let a = 1;\nlet b = 2;</pre></body></html>`;
    const { text, kind } = await extract(bytes(html), 'guide.html');
    expect(kind).toBe('html');
    expect(text).toContain('# Guide');
    expect(text).toContain('First & foremost.');
    expect(text).toContain('## Steps');
    expect(text).toContain('- One\n- Two');
    expect(text).toContain('```\nlet a = 1;\nlet b = 2;\n```');
    expect(text).not.toContain('alert');
    expect(text).not.toContain('p{}');
  });

  test('json-is-pretty-printed-and-text-normalises-line-endings', async () => {
    expect((await extract(bytes('{"a":{"b":[1,2]}}'), 'x.json')).text).toBe('{\n  "a": {\n    "b": [\n      1,\n      2\n    ]\n  }\n}');
    expect((await extract(bytes('\uFEFFline one\r\nline two\r\n'), 'x.txt')).text).toBe('line one\nline two\n');
  });

  test('csv-and-code-keep-their-text', async () => {
    const csv = 'city,population\nParis,2100000\nLyon,520000\n';
    expect(await extract(bytes(csv), 'cities.csv')).toEqual({ kind: 'csv', text: csv, pages: [] });
    const code = 'def add(a, b):\n    return a + b\n';
    expect((await extract(bytes(code), 'math.py')).text).toBe(code);
  });

  test('whitespace-only-document-fails', async () => {
    const err = (await extract(bytes('   \n\n  '), 'blank.txt').catch((e) => e)) as AppError;
    expect(err.code).toBe('extraction_failed');
  });
});

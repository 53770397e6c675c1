import { describe, expect, test } from 'bun:test';
import { wireName } from './hub';
import { capText, resultText } from './tool-result';

describe('MCP tool results as text', () => {
  test('text-blocks-are-joined-and-other-content-becomes-a-note', () => {
    const text = resultText({
      content: [
        { type: 'text', text: 'first' },
        { type: 'image', mimeType: 'image/png', data: 'AAAA' },
        { type: 'audio', mimeType: 'audio/wav', data: 'AAAAAAAA' },
        { type: 'resource', resource: { uri: 'file:///a.txt', text: 'inside' } },
        { type: 'resource', resource: { uri: 'file:///b.bin', mimeType: 'application/zip', blob: 'AAAA' } },
        { type: 'resource_link', uri: 'file:///c', name: 'c' },
      ],
    });
    expect(text.split('\n')).toEqual([
      'first',
      '[image (image/png, 3 bytes) not shown]',
      '[audio (audio/wav, 6 bytes) not shown]',
      '[resource file:///a.txt]',
      'inside',
      '[resource file:///b.bin (application/zip) not shown]',
      '[resource link file:///c (c)]',
    ]);
  });

  test('structured-content-stands-in-when-there-are-no-blocks', () => {
    expect(resultText({ content: [], structuredContent: { answer: 42 } })).toBe('{"answer":42}');
  });

  test('long-text-is-cut-with-a-marker-and-short-text-is-left-alone', () => {
    expect(capText('abc', 3)).toEqual({ text: 'abc', truncated: false });
    expect(capText('abcdef', 4)).toEqual({ text: 'abcd\n[… truncated: 4 of 6 characters shown]', truncated: true });
  });

  test('wire-names-use-only-the-characters-providers-allow-within-64', () => {
    expect(wireName('github', 'search_issues')).toBe('mcp__github__search_issues');
    expect(wireName('everything', 'get.sum:v2')).toBe('mcp__everything__get_sum_v2');
    const long = wireName('s'.repeat(30), 't'.repeat(80));
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

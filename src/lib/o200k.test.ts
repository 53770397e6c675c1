import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { countTokens as reference } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens } from './o200k';

/** Texts of every kind the server counts: prose, code, JSON, other scripts, emoji, odd whitespace. */
function corpus(): string[] {
  const texts = ['', 'hello world', 'a'.repeat(3000), ' '.repeat(5000), '\n\n\t  \r\n x', "it's they'LL we've I'M", '1234567 3.14159'];
  texts.push('Здравствуйте, мир! 你好，世界。 こんにちは 안녕하세요 مرحبا بالعالم नमस्ते 🙂👍🏽 e\u0301 café');
  texts.push('lone surrogate \uD800 here', '\u0301\u0301\u0301 combining only');
  for (const name of readdirSync(import.meta.dir)) texts.push(readFileSync(`${import.meta.dir}/${name}`, 'utf8'));
  texts.push(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'));
  // A fixed pseudo-random mix of scripts, so the same strings are checked on every run.
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const ranges: [number, number][] = [
    [0x20, 95],
    [0x400, 200],
    [0x4e00, 2000],
    [0x1f600, 80],
    [0x600, 100],
    [0x900, 100],
  ];
  for (let k = 0; k < 500; k++) {
    let s = '';
    for (let i = Math.floor(next() * 80); i > 0; i--) {
      const r = next();
      if (r < 0.25) s += ' ';
      else if (r < 0.3) s += '\n';
      else {
        const [from, span] = ranges[Math.floor(next() * ranges.length)]!;
        s += String.fromCodePoint(from + Math.floor(next() * span));
      }
    }
    texts.push(s);
  }
  return texts;
}

/** gpt-tokenizer with special tokens read as the plain text they are, as `countTokens` reads them. */
const plain = (text: string) => reference(text, { disallowedSpecial: new Set() });

describe('o200k token counting', () => {
  test('counts-the-same-as-gpt-tokenizer-on-prose-code-and-every-script', () => {
    const texts = corpus();
    const differing = texts.filter((text) => countTokens(text) !== plain(text));
    expect(differing).toEqual([]);
    expect(texts.reduce((n, text) => n + countTokens(text), 0)).toBeGreaterThan(50_000);
  });
  test('counts-a-special-token-in-user-text-as-plain-text-instead-of-throwing', () => {
    expect(() => reference('<|endoftext|>')).toThrow();
    expect(countTokens('<|endoftext|>')).toBe(plain('<|endoftext|>'));
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1);
  });
});

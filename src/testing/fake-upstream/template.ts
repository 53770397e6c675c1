/**
 * Response bodies compiled once and stamped per request: a copy of the bytes with a fresh id,
 * timestamp and token counts written over fixed-width placeholders. This keeps the fake upstream
 * far cheaper than the gateway it is measured against.
 */
const ID_LENGTH = 24;

/** Placeholders as they appear in a JSON.stringify-ed template. */
export const MARK = {
  id: '#'.repeat(ID_LENGTH),
  created: '%%%%%%%%%%',
  input: '~~~~~~~~~~',
  total: '^^^^^^^^^^',
} as const;

type Field = keyof typeof MARK;

export type Bytes = Uint8Array<ArrayBuffer>;

export interface Template {
  bytes: Bytes;
  fields: Array<{ offset: number; field: Field }>;
}

export interface Stamp {
  id: string;
  created: number;
  input: number;
  total: number;
}

const encoder = new TextEncoder();

/**
 * Numeric placeholders are stringified as `"~~~~~~~~~~"` (12 bytes with quotes) and stamped as a
 * space-padded number of the same width, which is still valid JSON.
 */
export function compile(text: string): Template {
  const bytes = encoder.encode(text) as Bytes;
  const fields: Template['fields'] = [];
  for (const field of Object.keys(MARK) as Field[]) {
    const needle = encoder.encode(field === 'id' ? MARK.id : `"${MARK[field]}"`);
    for (let at = indexOf(bytes, needle, 0); at >= 0; at = indexOf(bytes, needle, at + needle.length)) {
      fields.push({ offset: at, field });
    }
  }
  return { bytes, fields };
}

export function stamp(template: Template, values: Stamp): Bytes {
  if (template.fields.length === 0) return template.bytes;
  const out = template.bytes.slice();
  for (const { offset, field } of template.fields) {
    const text = field === 'id' ? values.id : String(values[field]).padStart(MARK[field].length + 2);
    for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
  }
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  outer: for (let i = haystack.indexOf(first, from); i >= 0 && i <= haystack.length - needle.length; i = haystack.indexOf(first, i + 1)) {
    for (let k = 1; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const prefix = Array.from({ length: 12 }, () => ALPHABET[Math.floor(Math.random() * ALPHABET.length)]).join('');
let counter = 0;

/** Unique within a process and across restarts, exactly ID_LENGTH characters. */
export function nextId(): string {
  counter = (counter + 1) % 36 ** 12;
  return prefix + counter.toString(36).padStart(12, '0');
}

/** A rough prompt size (four characters a token), enough for usage figures to move with input. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Caches compiled templates; bounded because model names come from requests. */
export class TemplateCache<T> {
  private readonly map = new Map<string, T>();

  get(key: string, build: () => T): T {
    let value = this.map.get(key);
    if (value === undefined) {
      if (this.map.size >= 512) this.map.clear();
      value = build();
      this.map.set(key, value);
    }
    return value;
  }
}

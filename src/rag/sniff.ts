import { extname } from 'node:path';
import { AppError } from '../lib/errors';

export type DocumentKind = 'pdf' | 'html' | 'markdown' | 'json' | 'csv' | 'code' | 'text';

export interface SniffResult {
  kind: DocumentKind;
  mimeType: string;
}

/** Formats we recognise only to name them in the refusal. */
const BINARY_MAGIC: [string, number[]][] = [
  ['PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG image', [0xff, 0xd8, 0xff]],
  ['GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['ZIP archive or Office document', [0x50, 0x4b, 0x03, 0x04]],
  ['gzip archive', [0x1f, 0x8b]],
  ['ELF executable', [0x7f, 0x45, 0x4c, 0x46]],
  ['WebAssembly module', [0x00, 0x61, 0x73, 0x6d]],
  ['Windows executable', [0x4d, 0x5a]],
  ['RIFF media (WAV, AVI, WebP)', [0x52, 0x49, 0x46, 0x46]],
  ['7-Zip archive', [0x37, 0x7a, 0xbc, 0xaf]],
];

const CODE_EXTENSIONS: Record<string, string> = {
  '.ts': 'typescript',
  '.tsx': 'typescript',
  '.js': 'javascript',
  '.jsx': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.py': 'python',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
  '.kt': 'kotlin',
  '.c': 'c',
  '.h': 'c',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.hpp': 'cpp',
  '.cs': 'csharp',
  '.rb': 'ruby',
  '.php': 'php',
  '.swift': 'swift',
  '.scala': 'scala',
  '.sh': 'shellscript',
  '.bash': 'shellscript',
  '.sql': 'sql',
  '.css': 'css',
  '.scss': 'scss',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.toml': 'toml',
  '.ini': 'ini',
  '.xml': 'xml',
  '.lua': 'lua',
  '.r': 'r',
  '.pl': 'perl',
  '.dart': 'dart',
  '.vue': 'vue',
  '.svelte': 'svelte',
  '.zig': 'zig',
  '.ex': 'elixir',
  '.hs': 'haskell',
  '.dockerfile': 'dockerfile',
};

const MIME: Record<Exclude<DocumentKind, 'code'>, string> = {
  pdf: 'application/pdf',
  html: 'text/html',
  markdown: 'text/markdown',
  json: 'application/json',
  csv: 'text/csv',
  text: 'text/plain',
};

export const unsupportedType = (what: string) =>
  new AppError('unsupported_media_type', {
    message: `Unsupported file type: ${what}. Upload text, Markdown, HTML, PDF, JSON, CSV or source code.`,
  });

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

function isPdf(bytes: Uint8Array): boolean {
  // The PDF spec lets the header sit anywhere in the first 1024 bytes.
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
  return head.includes('%PDF-');
}

/** Decodes as UTF-8 or returns null when the bytes are not text a person wrote. */
export function decodeText(bytes: Uint8Array): string | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const sample = text.slice(0, 8192);
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0) return null;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
  }
  return control > sample.length * 0.02 ? null : text.replace(/^\uFEFF/, '');
}

const HTML_START = /^\s*(<!--[\s\S]*?-->\s*)*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])/i;
const HTML_TAGS = /<(p|div|h[1-6]|ul|ol|li|table|a\s+href|span|section|article|br)\b[^>]*>/gi;

function looksLikeHtml(text: string, ext: string): boolean {
  if (HTML_START.test(text)) return true;
  const tags = text.slice(0, 4096).match(HTML_TAGS)?.length ?? 0;
  return tags >= 3 || ((ext === '.html' || ext === '.htm') && tags >= 1);
}

function looksLikeJson(text: string): boolean {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}

function looksLikeCsv(text: string, ext: string): boolean {
  const lines = text.split('\n', 20).filter((l) => l.trim() !== '');
  if (lines.length < (ext === '.csv' ? 2 : 3)) return ext === '.csv' && lines.length > 0;
  const counts = lines.map((l) => l.split(',').length - 1);
  const consistent = counts[0] > 0 && counts.every((c) => c === counts[0]);
  return consistent || (ext === '.csv' && counts[0] > 0);
}

const MARKDOWN_SIGNS = /^(#{1,6} \S|```|\s*[-*] \[[ x]\] |\[[^\]]+\]\([^)]+\))/m;

/**
 * Decides what an upload is from its bytes; the file name is only a hint that chooses between
 * plain-text flavours (a `.txt` holding a PDF is a PDF, a `.pdf` holding text is text).
 */
export function sniff(bytes: Uint8Array, fileName = ''): SniffResult {
  if (bytes.length === 0) throw new AppError('empty_file');
  if (isPdf(bytes)) return { kind: 'pdf', mimeType: MIME.pdf };
  const known = BINARY_MAGIC.find(([, magic]) => startsWith(bytes, magic));
  if (known) throw unsupportedType(known[0]);
  const text = decodeText(bytes);
  if (text === null) throw unsupportedType('binary data');
  return sniffText(text, extname(fileName).toLowerCase());
}

function sniffText(text: string, ext: string): SniffResult {
  if (looksLikeJson(text)) return { kind: 'json', mimeType: MIME.json };
  if (ext in CODE_EXTENSIONS && ext !== '.xml') return { kind: 'code', mimeType: `text/x-${CODE_EXTENSIONS[ext]}` };
  if (looksLikeHtml(text, ext)) return { kind: 'html', mimeType: MIME.html };
  if (ext === '.xml') return { kind: 'code', mimeType: 'text/x-xml' };
  if (ext === '.md' || ext === '.markdown' || MARKDOWN_SIGNS.test(text)) return { kind: 'markdown', mimeType: MIME.markdown };
  if ((ext === '.csv' || ext === '' || ext === '.txt') && looksLikeCsv(text, ext)) return { kind: 'csv', mimeType: MIME.csv };
  return { kind: 'text', mimeType: MIME.text };
}

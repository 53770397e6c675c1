import { extractText as extractPdfPages, getDocumentProxy } from 'unpdf';
import { AppError } from '../lib/errors';
import { htmlToText } from './html-to-text';
import { type DocumentKind, decodeText, sniff, unsupportedType } from './sniff';

/** A page's span in the extracted text (PDFs only). */
export interface PageSpan {
  page: number;
  start: number;
  end: number;
}

export interface Extracted {
  kind: DocumentKind;
  text: string;
  pages: PageSpan[];
}

/** Raised for content that will never extract, so retrying it is pointless. The parser's own words stay in the log. */
export const extractionFailed = (message: string, cause?: unknown) =>
  new AppError('extraction_failed', { message, cause, internal: cause instanceof Error ? `${message}: ${cause.message}` : undefined });

const PAGE_SEPARATOR = '\n\n';

async function extractPdf(bytes: Uint8Array): Promise<Extracted> {
  let pages: string[];
  try {
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    pages = (await extractPdfPages(pdf, { mergePages: false })).text;
  } catch (err) {
    throw extractionFailed('Could not read the PDF', err);
  }
  const spans: PageSpan[] = [];
  let text = '';
  pages.forEach((raw, i) => {
    const pageText = normalise(raw).trim();
    if (pageText === '') return;
    if (text !== '') text += PAGE_SEPARATOR;
    spans.push({ page: i + 1, start: text.length, end: text.length + pageText.length });
    text += pageText;
  });
  if (text === '') throw extractionFailed('The PDF has no extractable text (scanned pages need OCR, which is not supported)');
  return { kind: 'pdf', text, pages: spans };
}

const normalise = (text: string) => text.replace(/\r\n?/g, '\n').replace(/\u0000/g, '');

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (err) {
    throw extractionFailed('The JSON does not parse', err);
  }
}

/** Extracted text for an upload; the kind is sniffed from the bytes, the name is a hint only. */
export async function extract(bytes: Uint8Array, fileName = ''): Promise<Extracted> {
  const { kind } = sniff(bytes, fileName);
  if (kind === 'pdf') return extractPdf(bytes);
  const raw = decodeText(bytes);
  if (raw === null) throw unsupportedType('binary data');
  const source = normalise(raw);
  const text = kind === 'html' ? htmlToText(source) : kind === 'json' ? prettyJson(source) : source;
  if (text.trim() === '') throw extractionFailed('The document contains no text');
  return { kind, text, pages: [] };
}

/** The page holding a character offset, or null for documents without pages. */
export function pageAt(pages: PageSpan[], offset: number): number | null {
  let found: number | null = null;
  for (const span of pages) {
    if (span.start > offset) break;
    found = span.page;
  }
  return found;
}

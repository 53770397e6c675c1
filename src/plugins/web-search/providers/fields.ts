import { inlineText } from '../html-text';
import type { SearchHit } from '../provider';

/** A hit from one untyped provider record, or nothing when it lacks a usable http(s) URL. */
export function hitFrom(record: unknown, snippetField: string): SearchHit | undefined {
  if (!record || typeof record !== 'object') return undefined;
  const r = record as Record<string, unknown>;
  const url = typeof r.url === 'string' ? r.url : '';
  if (!/^https?:\/\//i.test(url)) return undefined;
  const title = typeof r.title === 'string' ? inlineText(r.title) : '';
  const snippet = typeof r[snippetField] === 'string' ? inlineText(r[snippetField] as string) : '';
  return { title: title || url, url, snippet };
}

export function hitsFrom(list: unknown, snippetField: string, count: number): SearchHit[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((r) => hitFrom(r, snippetField))
    .filter((h): h is SearchHit => !!h)
    .slice(0, count);
}

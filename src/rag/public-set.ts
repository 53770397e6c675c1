/**
 * A retrieval evaluation set built from public text every Debian machine carries: the package
 * database (a package's one-line description is the question, its long description the
 * document) and the manual pages (the NAME line's description is the question, the DESCRIPTION
 * section the document). Unanswerable questions are the one-line descriptions of packages that
 * are not installed, so no document describes them. The choice is deterministic for a given
 * machine: items are ordered by a hash of their name.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'bun';

export interface PublicDocument {
  name: string;
  text: string;
}

export interface PublicQuestion {
  question: string;
  /** The document that answers it, or null for a question no document covers. */
  target: string | null;
}

export interface PublicSet {
  documents: PublicDocument[];
  questions: PublicQuestion[];
}

export interface PublicSetOptions {
  documents?: number;
  answerable?: number;
  unanswerable?: number;
  statusFile?: string;
  manDirs?: string[];
}

interface Pair {
  name: string;
  summary: string;
  text: string;
}

const MIN_TEXT = 120;
const MAN_DIRS = ['1', '3', '5', '7', '8'].map((s) => `/usr/share/man/man${s}`);
const MAX_TEXT = 4_000;

const rank = (name: string) => new Bun.CryptoHasher('sha1').update(name).digest('hex');
const byHash = <T extends { name: string }>(list: T[]) =>
  list
    .map((x) => ({ x, h: rank(x.name) }))
    .sort((a, b) => (a.h < b.h ? -1 : 1))
    .map(({ x }) => x);

/** Stanzas of a dpkg/apt control file as field maps; continuation lines stay in their field. */
function stanzas(text: string): Map<string, string>[] {
  return text.split(/\n\n+/).map((stanza) => {
    const fields = new Map<string, string>();
    let key = '';
    for (const line of stanza.split('\n')) {
      if (/^\s/.test(line) && key) fields.set(key, `${fields.get(key)}\n${line}`);
      else {
        const at = line.indexOf(':');
        if (at <= 0) continue;
        key = line.slice(0, at);
        fields.set(key, line.slice(at + 1).trim());
      }
    }
    return fields;
  });
}

/** A Debian long description as plain paragraphs (" ." lines are paragraph breaks). */
function longDescription(lines: string[]): string {
  return lines
    .map((l) => l.replace(/^ /, ''))
    .map((l) => (l.trim() === '.' ? '' : l))
    .join('\n')
    .trim();
}

function packagePairs(statusText: string): Pair[] {
  const seen = new Set<string>();
  const out: Pair[] = [];
  for (const f of stanzas(statusText)) {
    const name = f.get('Package');
    const [summary, ...rest] = (f.get('Description') ?? '').split('\n');
    const text = longDescription(rest);
    if (!name || !summary || text.length < MIN_TEXT || seen.has(text)) continue;
    seen.add(text);
    out.push({ name: `pkg-${name}`, summary: summary.trim(), text: text.slice(0, MAX_TEXT) });
  }
  return out;
}

/** Groff escapes and font changes to plain text. */
function unescapeRoff(line: string): string {
  return line
    .replace(/\\f(\(..|\[[^\]]*\]|.)/g, '')
    .replace(/\\\(dq/g, '"')
    .replace(/\\\((aq|cq|oq)/g, "'")
    .replace(/\\\((em|en|hy)/g, '-')
    .replace(/\\-/g, '-')
    .replace(/\\e/g, '\\')
    .replace(/\\[&|^%]/g, '')
    .replace(/\\\*?\(..|\\\*?\[[^\]]*\]|\\\*./g, '')
    .replace(/\\ /g, ' ')
    .replace(/\\"/g, '');
}

/** Thousands of near-identical generated pages of one cloud SDK would swamp the set. */
const GENERATED_PAGES = /^gcloud/;

const FONT_MACRO = /^\.(B|I|BR|RB|IR|RI|BI|IB|SM|SB)\s+/;

/** The NAME description and the DESCRIPTION section of a man(7) page, or null for other pages. */
export function parseManPage(source: string): { summary: string; text: string } | null {
  let section = '';
  const name: string[] = [];
  const body: string[] = [];
  for (const raw of source.split('\n')) {
    if (raw.startsWith('.\\"') || raw.startsWith('\'\\"')) continue;
    const sh = /^\.SH\s+"?([^"]*)"?/.exec(raw);
    if (sh) {
      section = sh[1].trim().toUpperCase();
      continue;
    }
    let line = raw;
    if (FONT_MACRO.test(line)) line = line.replace(FONT_MACRO, '').replace(/"/g, '');
    else if (line.startsWith('.')) line = /^\.(PP|P|LP|TP|IP|HP|sp|br)\b/.test(line) ? '' : '\u0000';
    if (line === '\u0000') continue;
    line = unescapeRoff(line);
    if (section === 'NAME') name.push(line);
    else if (section === 'DESCRIPTION') body.push(line);
  }
  const summary = /\s-\s+(.+)$/.exec(name.join(' ').replace(/\s+/g, ' ').trim())?.[1];
  const text = body
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return summary && text.length >= MIN_TEXT ? { summary: summary.trim(), text: text.slice(0, MAX_TEXT) } : null;
}

async function manPairs(dirs: string[], wanted: number, taken: Set<string>): Promise<Pair[]> {
  const files: { name: string; path: string }[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const file of names)
      if (!GENERATED_PAGES.test(file)) files.push({ name: `man-${file.replace(/\.gz$/, '')}`, path: join(dir, file) });
  }
  const out: Pair[] = [];
  const seen = new Set<string>();
  for (const file of byHash(files)) {
    if (out.length >= wanted) break;
    const bytes = await Bun.file(file.path)
      .bytes()
      .catch(() => null);
    if (!bytes) continue;
    const source = new TextDecoder().decode(file.path.endsWith('.gz') ? gunzipSync(bytes) : bytes);
    const page = parseManPage(source);
    if (!page || seen.has(page.text) || taken.has(page.summary.toLowerCase())) continue;
    seen.add(page.text);
    taken.add(page.summary.toLowerCase());
    out.push({ name: file.name, ...page });
  }
  return out;
}

async function availableSummaries(exclude: Set<string>, wanted: number): Promise<PublicQuestion[]> {
  const proc = Bun.spawn(['apt-cache', 'dumpavail'], { stdout: 'pipe', stderr: 'ignore' });
  const text = await new Response(proc.stdout).text();
  await proc.exited;
  const candidates: { name: string; summary: string }[] = [];
  const seen = new Set<string>();
  for (const f of stanzas(text)) {
    const name = f.get('Package');
    const source = (f.get('Source') ?? name ?? '').split(' ')[0];
    const summary = (f.get('Description') ?? '').split('\n')[0].trim();
    if (!name || !summary || exclude.has(name) || exclude.has(source) || seen.has(summary.toLowerCase())) continue;
    seen.add(summary.toLowerCase());
    candidates.push({ name, summary });
  }
  return byHash(candidates)
    .slice(0, wanted)
    .map((c) => ({ question: c.summary, target: null }));
}

/**
 * The set, or null when this machine has no package database. Documents are the installed
 * packages' long descriptions first, then manual pages up to `documents`.
 */
export async function buildPublicSet(opts: PublicSetOptions = {}): Promise<PublicSet | null> {
  const want = { documents: 3_000, answerable: 300, unanswerable: 100, ...opts };
  const statusText = await Bun.file(opts.statusFile ?? '/var/lib/dpkg/status')
    .text()
    .catch(() => null);
  if (!statusText) return null;
  const packages = byHash(packagePairs(statusText)).slice(0, want.documents);
  const taken = new Set(packages.map((p) => p.summary.toLowerCase()));
  const pages = await manPairs(opts.manDirs ?? MAN_DIRS, want.documents - packages.length, taken);
  const pairs = [...packages, ...pages];
  const installed = new Set<string>();
  for (const f of stanzas(statusText)) {
    const name = f.get('Package');
    if (name) installed.add(name);
    const source = f.get('Source')?.split(' ')[0];
    if (source) installed.add(source);
  }
  const answerable = byHash(pairs)
    .slice(0, want.answerable)
    .map((p) => ({ question: p.summary, target: p.name }));
  const unanswerable = await availableSummaries(installed, want.unanswerable);
  return { documents: pairs.map((p) => ({ name: `${p.name}.txt`, text: p.text })), questions: [...answerable, ...unanswerable] };
}

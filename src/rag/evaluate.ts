import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../db/client';
import { documents } from '../db/schema';
import { replaceDocumentChunks } from './chunk-store';
import type { Embedder } from './embedders/embedder';
import { prepareDocument } from './pipeline';
import { type RetrievalMode, type RetrieveOptions, retrieve } from './retrieve';
import { sniff } from './sniff';

export interface GoldenQuestion {
  question: string;
  /** File name of the document that answers it. */
  document: string;
  /** Exact text inside the chunk that answers it. */
  quote: string;
}

export interface EvalScore {
  mode: RetrievalMode;
  recallAt5: number;
  mrr: number;
  /** Questions whose answer chunk was not in the top 5. */
  misses: string[];
}

export const GOLDEN_DIR = join(import.meta.dir, '../../eval');

export async function loadGoldenSet(dir = GOLDEN_DIR) {
  const corpusDir = join(dir, 'corpus');
  const files = (await readdir(corpusDir)).sort();
  const corpus = await Promise.all(files.map(async (name) => ({ name, bytes: await Bun.file(join(corpusDir, name)).bytes() })));
  const questions = (await Bun.file(join(dir, 'questions.json')).json()) as GoldenQuestion[];
  return { corpus, questions };
}

/** Runs the real pipeline over in-memory files and stores them as ready documents of `userId`. */
export async function indexCorpus(
  database: Database,
  embedder: Embedder,
  userId: string,
  corpus: { name: string; bytes: Uint8Array }[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const file of corpus) {
    const [doc] = await database.db
      .insert(documents)
      .values({
        userId,
        name: file.name,
        mimeType: sniff(file.bytes, file.name).mimeType,
        sizeBytes: file.bytes.length,
        sha256: new Bun.CryptoHasher('sha256').update(file.bytes).digest('hex'),
        storagePath: `eval/${file.name}`,
        status: 'processing',
      })
      .returning({ id: documents.id });
    const prepared = await prepareDocument(file.bytes, file.name, embedder);
    await replaceDocumentChunks(
      database,
      { id: doc.id, userId },
      { model: embedder.model, chunks: prepared.chunks, vectors: prepared.vectors },
    );
    ids.set(file.name, doc.id);
  }
  return ids;
}

/** recall@5 and MRR (over the top 10) at chunk level: a hit is a chunk of the right document holding the quote. */
export async function scoreRetrieval(
  database: Database,
  embedder: Embedder,
  userId: string,
  questions: GoldenQuestion[],
  mode: RetrievalMode,
  tuning: Pick<RetrieveOptions, 'fusion' | 'candidates' | 'rerank'> = {},
): Promise<EvalScore> {
  let hits = 0;
  let reciprocal = 0;
  const misses: string[] = [];
  for (const q of questions) {
    const results = await retrieve(database, embedder, userId, q.question, { k: 10, mode, ...tuning });
    const rank = results.findIndex((r) => r.documentName === q.document && r.text.includes(q.quote)) + 1;
    if (rank > 0 && rank <= 5) hits++;
    else misses.push(q.question);
    if (rank > 0) reciprocal += 1 / rank;
  }
  return { mode, recallAt5: hits / questions.length, mrr: reciprocal / questions.length, misses };
}

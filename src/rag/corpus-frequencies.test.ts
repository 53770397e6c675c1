import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { documents } from '../db/schema';
import { testDatabases } from '../testing/databases';
import { createUser } from '../testing/users';
import { corpusFrequencies } from './corpus-frequencies';
import { createOfflineEmbedder } from './embedders/offline';
import { indexCorpus } from './evaluate';

const embedder = createOfflineEmbedder();
const enc = (s: string) => new TextEncoder().encode(s);
const ALICE = {
  'a.txt': 'The backup library backed the files up.',
  'b.txt': 'Libraries of Python modules.',
  'c.txt': 'Offices close at six.',
};

for (const target of testDatabases()) {
  describe(`corpus frequencies on ${target.name}`, () => {
    let database: Database;
    let alice: string;
    let bob: string;
    let aliceDocs: Map<string, string>;
    const files = (corpus: Record<string, string>) => Object.entries(corpus).map(([name, text]) => ({ name, bytes: enc(text) }));

    beforeAll(async () => {
      database = await target.open();
      alice = await createUser(database);
      bob = await createUser(database);
      aliceDocs = await indexCorpus(database, embedder, alice, files(ALICE));
      await indexCorpus(database, embedder, bob, files({ 'x.txt': 'Dogs, dogs and a library.' }));
    }, 60_000);
    afterAll(() => target.cleanup());

    test('counts-the-users-chunks-holding-each-question-word-in-any-of-its-forms', async () => {
      const f = await corpusFrequencies(database, alice, 'Which Library backs up dogs?');
      expect(f).toEqual({ chunks: 3, words: { which: 3, library: 2, backs: 1, up: 3, dogs: 0 } });
    });

    test('follows-deleted-documents-and-is-null-without-chunks', async () => {
      await database.db.delete(documents).where(eq(documents.id, aliceDocs.get('b.txt')!));
      expect(await corpusFrequencies(database, alice, 'python library')).toEqual({ chunks: 2, words: { python: 0, library: 1 } });
      expect(await corpusFrequencies(database, await createUser(database), 'python library')).toBeNull();
      expect((await corpusFrequencies(database, bob, 'dogs'))?.words).toEqual({ dogs: 1 });
    });
  });
}

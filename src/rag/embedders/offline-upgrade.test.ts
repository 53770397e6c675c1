import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { createMemoryIngestQueue } from '../../infra/bus/memory-ingest-queue';
import { uploadDocument } from '../../modules/documents/service';
import { testDatabases } from '../../testing/databases';
import { tempDataDir, waitForDocument } from '../../testing/documents';
import { gatedEmbedder } from '../../testing/embedders';
import { createUser } from '../../testing/users';
import { createIngestion, type Ingestion } from '../ingestion';
import { retrieve } from '../retrieve';
import type { Embedder } from './embedder';
import { createOfflineEmbedder, OFFLINE_DIMENSIONS, OFFLINE_MODEL, OFFLINE_V1_MODEL } from './offline';

const enc = (s: string) => new TextEncoder().encode(s);
const FERRY =
  '# Timetable\n\nThe ferry leaves the harbour at seven in the morning and returns at six in the evening. ' +
  'Tickets are sold on board; bicycles travel free of charge.';
const BAKING = '# Baking\n\nKnead the dough for ten minutes, let it rise for an hour, then bake it at two hundred degrees.';

for (const target of testDatabases()) {
  describe(`upgrading the offline embedder on ${target.name}`, () => {
    let database: Database;
    let userId: string;
    const dataDir = tempDataDir();
    const running: Ingestion[] = [];

    beforeAll(async () => {
      database = await target.open();
      userId = await createUser(database);
    }, 60_000);
    afterAll(async () => {
      await Promise.all(running.map((i) => i.stop()));
      await target.cleanup();
    });

    async function startIngestion(embedder: Embedder) {
      const ingestion = createIngestion({
        database,
        embedder,
        queue: createMemoryIngestQueue(),
        dataDir,
        backoffMs: 10,
        refillIntervalMs: 50,
      });
      running.push(ingestion);
      await ingestion.start();
      return ingestion;
    }
    const upload = async (ingestion: Ingestion, fileName: string, text: string) =>
      (
        await uploadDocument({ db: database.db, dataDir, maxUploadBytes: 1024 * 1024, submit: (doc) => ingestion.submit(doc) }, userId, {
          fileName,
          bytes: enc(text),
        })
      ).document;
    const models = () =>
      database.rows<{ model: string; dims: number }>(
        sql`SELECT DISTINCT embedding_model AS model, vector_dims(embedding) AS dims FROM chunks WHERE user_id = ${userId} ORDER BY 1`,
      );

    test('an-upgraded-server-re-embeds-v1-chunks-and-search-finds-them-before-and-after', async () => {
      const old = await startIngestion(createOfflineEmbedder(OFFLINE_V1_MODEL));
      const ferry = await upload(old, 'ferry.md', FERRY);
      const baking = await upload(old, 'baking.md', BAKING);
      await waitForDocument(database, ferry.id);
      await waitForDocument(database, baking.id);
      await old.stop();
      expect(await models()).toEqual([{ model: OFFLINE_V1_MODEL, dims: OFFLINE_DIMENSIONS }]);

      // The upgraded server, held mid re-embedding: the chunks are still v1's.
      const current = createOfflineEmbedder();
      const gated = gatedEmbedder();
      expect(gated.model).toBe(OFFLINE_MODEL);
      await startIngestion(gated);
      await gated.entered;
      expect(await models()).toEqual([{ model: OFFLINE_V1_MODEL, dims: OFFLINE_DIMENSIONS }]);
      const meanwhile = await retrieve(database, current, userId, 'When does the ferry leave the harbour?', { k: 3 });
      expect(meanwhile[0]?.documentId).toBe(ferry.id);
      // v1 vectors are never compared with a v2 question.
      expect(await retrieve(database, current, userId, 'When does the ferry leave the harbour?', { k: 3, mode: 'vector' })).toEqual([]);

      gated.open();
      for (const doc of [ferry, baking])
        await waitForDocument(database, doc.id, (d) => d.status === 'ready' && d.embeddingModel === OFFLINE_MODEL);
      expect(await models()).toEqual([{ model: OFFLINE_MODEL, dims: OFFLINE_DIMENSIONS }]);
      const vector = await retrieve(database, current, userId, 'When does the ferry leave the harbour?', { k: 3, mode: 'vector' });
      expect(vector[0]?.documentId).toBe(ferry.id);
      const hybrid = await retrieve(database, current, userId, 'How long do I knead the dough?', { k: 3 });
      expect(hybrid[0]?.documentId).toBe(baking.id);
    });
  });
}

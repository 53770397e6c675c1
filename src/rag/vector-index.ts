import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { isUniqueViolation, sqlState } from '../db/errors';

/**
 * The chunks table has one untyped `vector` column shared by every embedding model, so each model
 * gets its own partial HNSW index over `embedding::vector(<dims>)`. Queries must repeat the same
 * cast and the same literal model predicate for the planner to pick that index.
 *
 * pgvector indexes `vector` of at most 2,000 dimensions, so a larger model (OpenAI's
 * text-embedding-3-large has 3,072) is indexed over half-precision copies, `halfvec`, which it
 * indexes up to 4,000. Only those: in PGlite's WebAssembly an insert into a `halfvec` index cost
 * 8 times one into a `vector` index (458 against 57 ms for 17 chunks beside 3,000), while on
 * PostgreSQL it saved 7-12 %. The row keeps its full-precision vector either way.
 */
export function vectorIndexName(model: string, dimensions: number): string {
  const slug = model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 32);
  const digest = new Bun.CryptoHasher('sha256').update(model).digest('hex').slice(0, 8);
  return `chunks_hnsw_${slug}_${digest}_${dimensions}`;
}

/** The model name as an SQL literal, so partial-index predicates match at plan time. */
export const modelLiteral = (model: string): SQL => sql.raw(`'${model.replaceAll("'", "''")}'`);

/** The most dimensions pgvector's HNSW indexes `vector` with; beyond it, `halfvec`. */
const MAX_FULL_PRECISION_INDEXED = 2000;
/** The most dimensions pgvector's HNSW indexes `halfvec` with; a larger model's chunks are scanned. */
export const MAX_INDEXED_DIMENSIONS = 4000;

/** The type a model's vectors are indexed (and searched) as. */
function indexedType(dimensions: number): string {
  if (!Number.isInteger(dimensions) || dimensions <= 0 || dimensions > 16000) throw new Error(`Bad vector dimension ${dimensions}`);
  return `${dimensions > MAX_FULL_PRECISION_INDEXED ? 'halfvec' : 'vector'}(${dimensions})`;
}

/** `embedding::vector(N)` (`halfvec(N)` above 2,000 dimensions), the indexed expression. */
export function castEmbedding(dimensions: number, column = 'c.embedding'): SQL {
  return sql.raw(`${column}::${indexedType(dimensions)}`);
}

/** The query vector as the index compares it: `<=>` it with castEmbedding to be served by the index. */
export function vectorParam(vector: ArrayLike<number>, dimensions: number): SQL {
  return sql`${toVectorText(vector)}${sql.raw(`::${indexedType(dimensions)}`)}`;
}

/** Cosine distance from the stored full-precision vector, for scores and for ordering the index's candidates. */
export function exactDistance(vector: ArrayLike<number>, dimensions: number, column = 'c.embedding'): SQL {
  indexedType(dimensions);
  return sql`${sql.raw(`${column}::vector(${dimensions})`)} <=> ${toVectorText(vector)}${sql.raw(`::vector(${dimensions})`)}`;
}

const operatorClass = (dimensions: number) => (dimensions > MAX_FULL_PRECISION_INDEXED ? 'halfvec_cosine_ops' : 'vector_cosine_ops');

export function toVectorText(vector: ArrayLike<number>): string {
  let out = '[';
  for (let i = 0; i < vector.length; i++) out += (i ? ',' : '') + (vector[i] === 0 ? '0' : vector[i].toPrecision(7));
  return out + ']';
}

const ensured = new WeakMap<Database, Map<string, Promise<void>>>();

/**
 * Creates the model's HNSW index once per process and database (a no-op when it exists).
 * Keeping the graph in step with every inserted chunk is most of the cost of storing a chunk, and
 * what bounds ingestion, so the graph is sparser than pgvector's defaults (m 16, ef_construction
 * 64): m 12 with ef_construction 24 costs about half as much per insert as m 16 with 32, and on
 * the bench corpus hybrid retrieval finds its source chunks as often with either (RRF fusion
 * absorbs the vector half's recall loss); a wider query-time search did not pay for its latency.
 *
 * Jobs of one process that need the same index share one attempt. Another replica creating it at
 * the same moment makes `IF NOT EXISTS` fail on the catalog's unique name (both checked before
 * either committed): that too means the index is there, not that the job failed.
 */
export function ensureVectorIndex(database: Database, model: string, dimensions: number): Promise<void> {
  if (dimensions > MAX_INDEXED_DIMENSIONS) return Promise.resolve();
  const name = vectorIndexName(model, dimensions);
  const attempts = ensured.get(database) ?? new Map<string, Promise<void>>();
  ensured.set(database, attempts);
  let attempt = attempts.get(name);
  if (!attempt) {
    attempt = createVectorIndex(database, name, model, dimensions);
    attempts.set(name, attempt);
    attempt.catch(() => attempts.delete(name));
  }
  return attempt;
}

async function createVectorIndex(database: Database, name: string, model: string, dimensions: number): Promise<void> {
  try {
    await database.rows(sql`
      CREATE INDEX IF NOT EXISTS ${sql.identifier(name)} ON chunks
      USING hnsw ((${castEmbedding(dimensions, 'embedding')}) ${sql.raw(operatorClass(dimensions))}) WITH (m = 12, ef_construction = 24)
      WHERE embedding_model = ${modelLiteral(model)}`);
  } catch (err) {
    if (!isUniqueViolation(err) && sqlState(err) !== DUPLICATE_TABLE) throw err;
  }
}

/** SQLSTATE of a relation (an index) that already exists. */
const DUPLICATE_TABLE = '42P07';

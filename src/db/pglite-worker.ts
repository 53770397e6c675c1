/**
 * The embedded database's thread. PGlite runs every statement synchronously on the thread that
 * calls it, HNSW upkeep included; here that thread is not the one serving requests, so an
 * ingestion's inserts no longer stall everyone's streams. PGlite's own transaction lock still
 * orders the work: a statement outside a transaction waits until the open one ends, as it did
 * in-process.
 */
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { idleCollector } from '../lib/idle-collector';
import { errorFields, IDLE_COLLECTION, type OpenRequest, type QueryRequest, type Reply, type Request } from './pglite-protocol';

declare const self: Worker;

let db: PGlite | undefined;
/** Open transactions by number; `finish` settles once PGlite's COMMIT or ROLLBACK has run. */
const transactions = new Map<number, { tx: Transaction; finish(commit: boolean): Promise<void> }>();
let nextTx = 0;

/** Thrown into PGlite's transaction callback so that it rolls back; not an error to report. */
const ROLLBACK = Symbol('rollback');

const keepText = (value: string) => value;

/** The results of a burst of statements (copies of the WASM heap's output) go back once it ends. */
const collector = idleCollector(IDLE_COLLECTION);

async function open(request: OpenRequest): Promise<void> {
  const loadDataDir = request.seed ? new Blob([request.seed]) : undefined;
  db = new PGlite(request.dataDir, { extensions: { vector }, loadDataDir, startParams: [...request.startParams] });
  await db.waitReady;
  // What PGlite read to start (its WASM, file-system bundle and extension archive, ~13 MiB) is
  // garbage once it is up; collected now, it goes back before the server settles at idle.
  Bun.gc(true);
}

function opened(): PGlite {
  if (!db) throw new Error('the embedded database is not open');
  return db;
}

function target(tx: number | undefined): Pick<Transaction, 'query' | 'exec'> {
  if (tx === undefined) return opened();
  const open = transactions.get(tx);
  if (!open) throw new Error(`transaction ${tx} is not open`);
  return open.tx;
}

function query(request: QueryRequest) {
  const parsers = Object.fromEntries(request.rawTypes.map((oid) => [oid, keepText]));
  return target(request.tx).query(request.sql, request.params, { rowMode: request.rowMode, parsers });
}

/** Resolves with the new transaction's number once BEGIN ran; the transaction ends on `end`. */
function begin(): Promise<number> {
  const id = ++nextTx;
  return new Promise((started, failed) => {
    let decided = false;
    const outcome: Promise<void> = opened().transaction(
      (tx) =>
        new Promise<void>((commit, rollback) => {
          const finish = (ok: boolean) => {
            decided = true;
            if (ok) commit();
            else rollback(ROLLBACK);
            return outcome.catch((error) => {
              if (error !== ROLLBACK) throw error;
            });
          };
          transactions.set(id, { tx, finish });
          started(id);
        }),
    );
    outcome
      .catch((error) => {
        // Before the callback ran, BEGIN itself failed; after, `finish` reports the outcome.
        if (!transactions.has(id) && !decided) failed(error);
      })
      .finally(() => transactions.delete(id));
  });
}

function end(tx: number, commit: boolean): Promise<void> {
  const open = transactions.get(tx);
  if (!open) return Promise.reject(new Error(`transaction ${tx} is not open`));
  return open.finish(commit);
}

async function dump(): Promise<ArrayBuffer> {
  return (await opened().dumpDataDir('none')).arrayBuffer();
}

function handle(request: Request): Promise<unknown> | unknown {
  switch (request.type) {
    case 'open':
      return open(request);
    case 'query':
      return query(request);
    case 'exec':
      return target(request.tx).exec(request.sql);
    case 'begin':
      return begin();
    case 'end':
      return end(request.tx, request.commit);
    case 'dump':
      return dump();
    case 'close':
      return db?.close();
  }
}

self.onmessage = async (event: MessageEvent<Request>) => {
  const { id } = event.data;
  collector.note();
  let reply: Reply;
  try {
    reply = { id, ok: true, value: await handle(event.data) };
  } catch (error) {
    reply = { id, ok: false, error: errorFields(error) };
  }
  const transfer = reply.ok && reply.value instanceof ArrayBuffer ? [reply.value] : [];
  self.postMessage(reply, transfer);
};

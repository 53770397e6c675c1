import type { QueryOptions, Results, Transaction } from '@electric-sql/pglite';
import { idleCollector } from '../lib/idle-collector';
import { EMBEDDED_START_PARAMS } from './embedded-settings';
import { initDataDir } from './init-data-dir';
import { type ErrorFields, errorFrom, IDLE_COLLECTION, type Reply, type Request } from './pglite-protocol';

const WORKER_URL = new URL('./pglite-worker.ts', import.meta.url).href;

type Outgoing = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;
type TxClient = Pick<Transaction, 'query' | 'exec'>;
/** Bun's Worker, which can stop keeping the process alive; the DOM typings lack it. */
type BunWorker = Worker & { ref(): void; unref(): void };

/**
 * Type OIDs whose parsers the caller set to keep the text as it is. Functions cannot cross to the
 * worker, so only such pass-through parsers are accepted (drizzle's are: dates and intervals stay
 * strings); any other parser would silently stop applying, so it is refused instead.
 */
function rawTypes(options: QueryOptions | undefined): number[] {
  return Object.entries(options?.parsers ?? {}).map(([oid, parse]) => {
    if (parse('\u0000probe', Number(oid)) !== '\u0000probe') throw new Error(`a parser for type ${oid} cannot run on the database thread`);
    return Number(oid);
  });
}

/**
 * PGlite on a worker thread, with the part of PGlite's API that drizzle's PGlite driver and the
 * migrator use (`query`, `exec`, `transaction`), so the SQL, the driver and the migrations stay
 * the same as in-process. A transaction's statements carry its number; everything else waits behind
 * it in PGlite's own lock, so another request's queries never run inside it.
 */
export class PgliteWorkerClient {
  readonly waitReady: Promise<void>;
  #worker = new Worker(WORKER_URL) as BunWorker;
  #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 0;
  #stopped: Error | undefined;
  #ready = false;
  /** The server's side of a burst of statements (requests, rows, frames) is collected once it ends. */
  #collector = idleCollector(IDLE_COLLECTION);

  constructor(dataDir: string, seed?: Blob) {
    this.#worker.unref();
    this.#worker.onmessage = (event: MessageEvent<Reply>) => this.#settle(event.data);
    this.#worker.addEventListener('error', (event) =>
      this.#fail(new Error(`the embedded database stopped: ${(event as ErrorEvent).message}`)),
    );
    this.#worker.addEventListener('close', () => this.#fail(new Error('the embedded database stopped')));
    this.waitReady = this.#open(dataDir, seed).then(() => {
      this.#ready = true;
    });
    // Callers learn of a failed start from their first query or from `migrate`.
    this.waitReady.catch(() => {});
  }

  async #open(dataDir: string, seed?: Blob): Promise<void> {
    if (!dataDir.startsWith('memory://')) await initDataDir(dataDir);
    const buffer = seed ? await seed.arrayBuffer() : undefined;
    await this.#send({ type: 'open', dataDir, seed: buffer, startParams: EMBEDDED_START_PARAMS }, buffer ? [buffer] : []);
  }

  #send(request: Outgoing, transfer: Transferable[] = []): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = ++this.#nextId;
    this.#collector.note();
    // Referenced only while a reply is due, so an idle database never keeps the process alive.
    if (this.#pending.size === 0) this.#worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id }, transfer);
    });
  }

  #settle(reply: Reply): void {
    const waiter = this.#pending.get(reply.id);
    if (!waiter) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(errorFrom(reply.error as ErrorFields));
  }

  #fail(error: Error): void {
    this.#stopped ??= error;
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
  }

  /** Every statement goes through here: once the database is up it is sent without waiting a turn of the event loop. */
  #call(request: Outgoing): Promise<unknown> {
    return this.#ready ? this.#send(request) : this.waitReady.then(() => this.#send(request));
  }

  query<T>(sql: string, params?: unknown[], options?: QueryOptions, tx?: number): Promise<Results<T>> {
    const request = { type: 'query' as const, sql, params, rowMode: options?.rowMode, rawTypes: rawTypes(options), tx };
    return this.#call(request) as Promise<Results<T>>;
  }

  exec(sql: string, tx?: number): Promise<Results[]> {
    return this.#call({ type: 'exec', sql, tx }) as Promise<Results[]>;
  }

  /** Commits when `work` resolves and rolls back when it throws, like PGlite's own `transaction`. */
  async transaction<T>(work: (tx: TxClient) => Promise<T>): Promise<T> {
    const tx = (await this.#call({ type: 'begin' })) as number;
    const client: TxClient = {
      query: (sql, params, options) => this.query(sql, params, options, tx),
      exec: (sql) => this.exec(sql, tx),
    };
    let result: T;
    try {
      result = await work(client);
    } catch (error) {
      await this.#send({ type: 'end', tx, commit: false }).catch(() => {});
      throw error;
    }
    await this.#send({ type: 'end', tx, commit: true });
    return result;
  }

  /** An uncompressed dump of the cluster, which `openPglite` can start from. */
  async dumpDataDir(_compression: 'none' = 'none'): Promise<Blob> {
    return new Blob([(await this.#call({ type: 'dump' })) as ArrayBuffer]);
  }

  async close(): Promise<void> {
    if (this.#stopped) return;
    await this.waitReady.then(
      () => this.#send({ type: 'close' }),
      () => {},
    );
    this.#fail(new Error('the embedded database is closed'));
    this.#collector.stop();
    this.#worker.terminate();
  }
}

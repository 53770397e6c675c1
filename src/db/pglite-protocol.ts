/** Messages between the main thread and the embedded database's worker (src/db/pglite-worker.ts). */

/** Opens the cluster; `seed` is a data-dir dump to start from instead of an empty one. */
export interface OpenRequest {
  type: 'open';
  id: number;
  dataDir: string;
  seed?: ArrayBuffer;
  startParams: readonly string[];
}

/**
 * One statement. `rawTypes` are the type OIDs whose text the caller wants unparsed (drizzle keeps
 * dates and intervals as strings); `tx` runs it inside that open transaction instead of after it.
 */
export interface QueryRequest {
  type: 'query';
  id: number;
  sql: string;
  params?: unknown[];
  rowMode?: 'array' | 'object';
  rawTypes: number[];
  tx?: number;
}

export interface ExecRequest {
  type: 'exec';
  id: number;
  sql: string;
  tx?: number;
}

/** Starts a transaction; the reply's value is its number, valid until the matching `end`. */
export interface BeginRequest {
  type: 'begin';
  id: number;
}

export interface EndRequest {
  type: 'end';
  id: number;
  tx: number;
  commit: boolean;
}

export interface DumpRequest {
  type: 'dump';
  id: number;
}

export interface CloseRequest {
  type: 'close';
  id: number;
}

export type Request = OpenRequest | QueryRequest | ExecRequest | BeginRequest | EndRequest | DumpRequest | CloseRequest;

/** A database error's fields (code, detail, constraint, …), so callers can tell a unique violation as before. */
export type ErrorFields = { name: string; message: string } & Record<string, unknown>;

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorFields };

export function errorFields(error: unknown): ErrorFields {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields: ErrorFields = { name: error.name, message: error.message };
  for (const [key, value] of Object.entries(error)) {
    if (value === undefined || typeof value === 'function' || typeof value === 'object') continue;
    fields[key] = value;
  }
  return fields;
}

export function errorFrom(fields: ErrorFields): Error {
  const error = new Error(fields.message);
  Object.assign(error, fields);
  return error;
}

/**
 * When each side of the embedded database collects its garbage: a second after the last of 500
 * messages; after 30 s without another such burst, what was freed goes back to the system.
 */
export const IDLE_COLLECTION = { quietMs: 1_000, minWork: 500, releaseAfterMs: 30_000 } as const;

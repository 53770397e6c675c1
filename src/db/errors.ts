/**
 * The SQLSTATE of a database error, from either driver: postgres.js and the embedded database's
 * client both set `code`, and drizzle may wrap the driver's error as its `cause`.
 */
export function sqlState(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

export const isUniqueViolation = (err: unknown) => sqlState(err) === '23505';
export const isForeignKeyViolation = (err: unknown) => sqlState(err) === '23503';

/**
 * An error that the same statement with the same values will meet again: bad data (class 22) or a
 * broken constraint (class 23). Retrying it cannot succeed; a lost connection or a busy server can.
 */
export function isPermanentDataError(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

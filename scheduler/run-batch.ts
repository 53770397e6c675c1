import type { HandlerMap } from './protocol';

/** What running one claimed batch produced, index-aligned with the batch. */
export interface BatchOutcome {
  results: unknown[];
  errors: Array<string | null> | null;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs a batch of jobs: one handler call per kind present, with that kind's payloads in order.
 * A handler that throws, rejects or returns the wrong number of results fails only its own jobs.
 * Returns synchronously when every handler did, so the common path allocates no promise.
 */
export function runBatch(
  handlers: HandlerMap,
  kinds: ArrayLike<number>,
  payloads: string[],
  n: number,
  kindName: (id: number) => string,
): BatchOutcome | Promise<BatchOutcome> {
  const outcome: BatchOutcome = { results: new Array(n), errors: null };
  const groups = groupByKind(kinds, n);
  const pending: Promise<void>[] = [];
  for (const [kind, indices] of groups) {
    const group = indices ? indices.map((i) => payloads[i]) : payloads.slice(0, n);
    const settle = (value: unknown) => scatter(outcome, indices, n, value, kindName(kind));
    const fail = (err: unknown) => failAll(outcome, indices, n, message(err));
    try {
      const handler = handlers[kindName(kind)];
      if (typeof handler !== 'function') throw new Error(`no handler for job kind "${kindName(kind)}"`);
      const value = handler(group);
      if (value instanceof Promise) pending.push(value.then(settle, fail));
      else settle(value);
    } catch (err) {
      fail(err);
    }
  }
  return pending.length === 0 ? outcome : Promise.all(pending).then(() => outcome);
}

/** Kind id → indices of its jobs; `null` indices means "all n jobs" (the common single-kind batch). */
function groupByKind(kinds: ArrayLike<number>, n: number): Map<number, number[] | null> {
  const first = kinds[0];
  let mixed = false;
  for (let i = 1; i < n && !mixed; i++) mixed = kinds[i] !== first;
  const groups = new Map<number, number[] | null>();
  if (!mixed) return groups.set(first, null);
  for (let i = 0; i < n; i++) {
    const list = groups.get(kinds[i]);
    if (list) list.push(i);
    else groups.set(kinds[i], [i]);
  }
  return groups;
}

function scatter(outcome: BatchOutcome, indices: number[] | null, n: number, value: unknown, kind: string): void {
  const count = indices ? indices.length : n;
  if (!Array.isArray(value) || value.length !== count) {
    failAll(outcome, indices, n, `handler "${kind}" must return one result per payload`);
    return;
  }
  if (!indices) {
    outcome.results = value;
    return;
  }
  for (let j = 0; j < indices.length; j++) outcome.results[indices[j]] = value[j];
}

function failAll(outcome: BatchOutcome, indices: number[] | null, n: number, reason: string): void {
  const errors = (outcome.errors ??= new Array<string | null>(n).fill(null));
  if (!indices) errors.fill(reason, 0, n);
  else for (const i of indices) errors[i] = reason;
}

/**
 * Attempt backoff, for things a stranger may try to guess. A key allows `free` attempts; from then
 * on each attempt must wait for the one before it, a delay that starts at `baseMs` and doubles with
 * every further attempt, up to `maxMs`. A key is forgotten `forgetMs` after its last delay ran out.
 */
export interface BackoffRule {
  key: string;
  free: number;
  baseMs: number;
  maxMs: number;
  forgetMs: number;
}

export interface BackoffDecision {
  allowed: boolean;
  /** When refused: how long until every key admits an attempt again. */
  retryAfterMs: number;
  /** When refused: the index of the rule that needs the longest wait. */
  limitedBy: number;
}

/** Where attempt counts live; the choice (memory or Redis) is made once, at start-up. */
export interface BackoffStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Counts one attempt on every rule's key at `now`, atomically: all of them, or none when any key
   * still has to wait. Counting happens before the attempt is judged, so concurrent attempts
   * cannot slip past the count.
   */
  reserve(rules: readonly BackoffRule[], now: number): Promise<BackoffDecision>;
  /**
   * A counted attempt failed at `now`: each key's current delay runs from now, so time the attempt
   * itself took (a slow password check) does not use up the wait.
   */
  fail(rules: readonly BackoffRule[], now: number): Promise<void>;
  /** Takes one counted attempt back from each key: the attempt turned out not to count. */
  release(keys: readonly string[]): Promise<void>;
  /** Forgets the keys: whoever they stand for has proved themselves. */
  clear(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

import type { PRIORITIES } from './metrics';

/** The scheduler's public contract: what the server and tools call. */

export type Priority = (typeof PRIORITIES)[number];

export interface SchedulerOptions {
  /** Absolute path of the module each worker imports; it exports `handlers` (see protocol.ts). */
  handlers: string;
  /** Worker threads (default: cores − 1, at least 1). */
  workers?: number;
  /** Slots per priority ring, a power of two (default 4096). */
  capacity?: number;
  /** Most jobs a worker runs as one batch (default 32). */
  maxBatch?: number;
  /** How long a worker holding a partial batch waits for it to fill (default 0: take what is queued). */
  maxWaitUs?: number;
  /** Waiting this long lifts a job one priority level when choosing what to run next (default 500). */
  agingMs?: number;
  /**
   * How long an idle worker keeps polling before it sleeps (default 50). Longer spins cut the
   * wake-up latency of sparse jobs at the price of a busy core while idle.
   */
  idleSpinUs?: number;
  /**
   * While jobs keep arriving at short gaps, one idle worker polls for up to twice the recent gap
   * before sleeping, capped here (default 2000; 0 turns it off). It keeps sparse jobs free of
   * wake-up latency at the price of that worker's core while such a trickle lasts; once arrivals
   * stop for longer than the cap, every worker sleeps.
   */
  adaptiveSpinUs?: number;
  /**
   * Start the workers with the first job instead of at once (default false). A server that may
   * never ingest a document then holds no worker thread (about 15 MiB each) until it does; the
   * first job waits for a worker to load the handler module, and `ready()` reports only on
   * workers that were started.
   */
  onDemand?: boolean;
  /** Payload bytes each priority ring can hold at once, as UTF-8 (default 8 MiB). */
  arenaBytes?: number;
  /** Called for every settled job; meant for measurement tools, leave unset on hot paths. */
  onSettled?: (priority: Priority, queueWaitUs: number, ok: boolean) => void;
}

export interface SchedulerStats {
  queued: number;
  inFlight: number;
  workers: number;
  restarts: number;
  completed: number;
  failed: number;
  batches: number;
}

export interface Scheduler {
  submit<T = unknown>(kind: string, payload: string, priority?: Priority): Promise<T>;
  /**
   * Submits jobs of one kind together: one promise for all results, in order, or the first
   * failure. Refused as a whole with "busy" when they cannot all be queued.
   */
  submitMany<T = unknown>(kind: string, payloads: readonly string[], priority?: Priority): Promise<T[]>;
  /**
   * `submitMany` for handlers that return one number per payload (scores, counts, hashes): the
   * results arrive as one Float64Array, copied from the worker's transferred buffer with no value
   * boxed per job. A non-number result fails the call with `job_failed`.
   */
  submitNumbers(kind: string, payloads: readonly string[], priority?: Priority): Promise<Float64Array>;
  stats(): SchedulerStats;
  /**
   * Resolves once every worker has loaded the handler module (rejects if they cannot); with
   * `onDemand`, at once while no job has started them.
   */
  ready(): Promise<void>;
  close(opts?: { drain?: boolean }): Promise<void>;
}

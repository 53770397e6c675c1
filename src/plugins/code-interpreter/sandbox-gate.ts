import { AppError } from '../../lib/errors';

export interface SandboxLimits {
  /** Sandboxes running at once in this process. */
  concurrency: number;
  /** Sandboxes one user may run at once; as many more of theirs may wait. */
  userConcurrency: number;
  /** Runs that may wait for a sandbox, all users together. */
  queue: number;
  /** Longest a run waits before it is refused. */
  queueWaitMs: number;
}

export interface SandboxRequest {
  userId: string;
  /** Longest the run can keep its sandbox: what a refused caller is told to wait, at most. */
  holdMs: number;
  /** When the caller stops waiting (epoch ms), if sooner than the queue's own deadline. */
  waitUntil?: number;
  signal?: AbortSignal;
}

/** Hands out sandboxes: at most so many at once, per user and in all, the rest waiting in order. */
export interface SandboxGate {
  /** Resolves with the function that gives the sandbox back; rejects `sandbox_busy` or `aborted`. */
  acquire(request: SandboxRequest): Promise<() => void>;
  stats(): { running: number; waiting: number };
}

interface Slot {
  userId: string;
  freeBy: number;
}

interface Waiter {
  request: SandboxRequest;
  grant(): void;
}

const aborted = () => new AppError('aborted', { message: 'Code run aborted' });

/**
 * Each sandbox is a Worker with its own interpreter and up to 64 MiB of guest memory, so
 * unbounded concurrent runs grow the process until it is killed. Past the caps a run waits, in a
 * bounded queue and not past a deadline; beyond that it is refused at once as `sandbox_busy`, with
 * a retry hint, rather than piling up.
 */
export function createSandboxGate(limits: SandboxLimits): SandboxGate {
  const running = new Set<Slot>();
  const waiting: Waiter[] = [];
  const runningFor = (userId: string) => [...running].filter((s) => s.userId === userId);
  const waitingFor = (userId: string) => waiting.filter((w) => w.request.userId === userId).length;
  const fits = (userId: string) => running.size < limits.concurrency && runningFor(userId).length < limits.userConcurrency;

  /** Refused: try again once the soonest sandbox that stands in this user's way is bound to be free. */
  function busy(userId: string): AppError {
    const own = runningFor(userId);
    const blocking = own.length >= limits.userConcurrency ? own : [...running];
    const soonest = Math.min(...blocking.map((s) => s.freeBy));
    const retryAfterMs = Number.isFinite(soonest) ? Math.max(1_000, Math.ceil(soonest - Date.now())) : 1_000;
    return new AppError('sandbox_busy', { details: { retryAfterMs } });
  }

  function take(request: SandboxRequest): () => void {
    const slot = { userId: request.userId, freeBy: Date.now() + request.holdMs };
    running.add(slot);
    return () => {
      if (running.delete(slot)) admitWaiting();
    };
  }

  /** First come, first served, except that a user at their own cap does not hold up the others. */
  function admitWaiting() {
    for (const waiter of [...waiting]) {
      if (running.size >= limits.concurrency) return;
      if (fits(waiter.request.userId)) waiter.grant();
    }
  }

  function leave(waiter: Waiter) {
    const i = waiting.indexOf(waiter);
    if (i >= 0) waiting.splice(i, 1);
  }

  return {
    acquire(request) {
      const { userId, signal } = request;
      if (signal?.aborted) return Promise.reject(aborted());
      if (fits(userId)) return Promise.resolve(take(request));
      const waitUntil = Math.min(Date.now() + limits.queueWaitMs, request.waitUntil ?? Number.POSITIVE_INFINITY);
      if (waiting.length >= limits.queue || waitingFor(userId) >= limits.userConcurrency || waitUntil <= Date.now()) {
        return Promise.reject(busy(userId));
      }
      return new Promise((resolve, reject) => {
        const settle = (outcome: () => void) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          leave(waiter);
          outcome();
        };
        const waiter: Waiter = { request, grant: () => settle(() => resolve(take(request))) };
        const timer = setTimeout(() => settle(() => reject(busy(userId))), waitUntil - Date.now());
        const onAbort = () => settle(() => reject(aborted()));
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.push(waiter);
      });
    },
    stats: () => ({ running: running.size, waiting: waiting.length }),
  };
}

import { type Measured, type Outcome, Recorder } from './recorder';
import type { Slo } from './slo';

export type Arrival = 'constant' | 'poisson';

export interface LoadPlan {
  /** Closed loop: number of workers. Open loop: cap on requests in flight (queued ones keep their intended time). */
  concurrency: number;
  /** Requests per second; set for an open loop. */
  rate: number | null;
  arrival: Arrival;
  durationS: number | null;
  total: number | null;
  warmupS: number;
  slo: Slo | null;
}

export interface LiveStatus {
  phase: 'warmup' | 'measure' | 'drain';
  elapsedS: number;
  inFlight: number;
  recorder: Recorder;
}

/**
 * A request may leave up to this much before its slot: waking for every sub-millisecond slot would
 * spin a core the target needs. An early request's latency is measured from its actual send.
 */
const EARLY_MS = 1;

/** Drives `execute` according to the plan and returns the measured phase. */
export async function runLoad(plan: LoadPlan, execute: () => Promise<Outcome>, onStatus?: (status: LiveStatus) => void): Promise<Measured> {
  const start = performance.now();
  const measureStart = start + plan.warmupS * 1000;
  const deadline = plan.durationS === null ? Infinity : measureStart + plan.durationS * 1000;
  const recorder = new Recorder(measureStart, plan.slo);
  let issued = 0;
  let inFlight = 0;
  let draining = false;
  /** Claims a slot for a request intended at `at`, or says the run is over. */
  const claim = (at: number): boolean => {
    if (at < measureStart) return true;
    if (at >= deadline || (plan.total !== null && issued >= plan.total)) return false;
    issued++;
    return true;
  };
  const timer = setInterval(() => {
    const now = performance.now();
    const phase = draining ? 'drain' : now < measureStart ? 'warmup' : 'measure';
    onStatus?.({ phase, elapsedS: (now - start) / 1000, inFlight, recorder });
  }, 1000);
  const track = { up: () => inFlight++, down: () => inFlight-- };
  try {
    if (plan.rate === null) await closedLoop(plan.concurrency, execute, claim, recorder, measureStart, track);
    else await openLoop(plan, execute, claim, recorder, measureStart, track, () => (draining = true));
  } finally {
    clearInterval(timer);
  }
  return recorder.result();
}

interface Track {
  up(): void;
  down(): void;
}

async function closedLoop(
  concurrency: number,
  execute: () => Promise<Outcome>,
  claim: (at: number) => boolean,
  recorder: Recorder,
  measureStart: number,
  track: Track,
): Promise<void> {
  const worker = async () => {
    for (;;) {
      const sentAt = performance.now();
      if (!claim(sentAt)) return;
      track.up();
      const result = await execute();
      track.down();
      if (sentAt >= measureStart) recorder.record(sentAt, sentAt, performance.now(), result);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function openLoop(
  plan: LoadPlan,
  execute: () => Promise<Outcome>,
  claim: (at: number) => boolean,
  recorder: Recorder,
  measureStart: number,
  track: Track,
  onDrain: () => void,
): Promise<void> {
  const rate = plan.rate!;
  const gap = plan.arrival === 'poisson' ? () => (-Math.log(1 - Math.random()) * 1000) / rate : () => 1000 / rate;
  const backlog: number[] = [];
  let backlogHead = 0;
  let inFlight = 0;
  let drained: (() => void) | null = null;

  const takeBacklog = (): number => {
    const intended = backlog[backlogHead++];
    if (backlogHead > 4096 && backlogHead * 2 > backlog.length) {
      backlog.splice(0, backlogHead);
      backlogHead = 0;
    }
    return intended;
  };

  const fire = (intended: number): void => {
    inFlight++;
    track.up();
    const sentAt = performance.now();
    execute().then((result) => {
      const endAt = performance.now();
      inFlight--;
      track.down();
      if (intended >= measureStart) recorder.record(Math.min(intended, sentAt), sentAt, endAt, result);
      if (backlogHead < backlog.length) fire(takeBacklog());
      else if (inFlight === 0) drained?.();
    });
  };

  let next = performance.now();
  for (;;) {
    const now = performance.now();
    while (next <= now + EARLY_MS && claim(next)) {
      if (inFlight < plan.concurrency) fire(next);
      else backlog.push(next);
      next += gap();
    }
    if (next <= now + EARLY_MS) break;
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.floor(next - now - EARLY_MS))));
  }
  onDrain();
  if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
}

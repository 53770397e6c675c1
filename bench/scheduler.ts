/// <reference lib="webworker" />
/**
 * Scheduler benchmark, all in one run on the same machine:
 *   1. baseline: one worker.postMessage per job and one reply per job;
 *   2. the raw ring (a Lane): same workers, same work, batches claimed from shared memory;
 *   3. end to end through the scheduler (promises, priorities, batching): a group of numeric
 *      results (submitNumbers), a group of any results (submitMany), one promise per job (submit);
 *   4. queue wait under light load (one job at a time).
 * Every variant checks every result, so a lost or repeated job fails the run.
 *
 * The machine may be shared and noisy, so variants run interleaved for several rounds and the
 * median and best rates are printed.
 *
 *   bun run bench:scheduler [--jobs 1000000] [--workers N] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { Control } from '../scheduler/control';
import { createBatch, createScheduler, Lane } from '../scheduler/index';
import { checksum } from '../scheduler/workloads';

declare const self: DedicatedWorkerGlobalScope;

const HANDLERS = new URL('../scheduler/workloads.ts', import.meta.url).pathname;
const RING_BATCH = 1024;

type Task =
  | { mode: 'post' }
  | { mode: 'ring'; index: number; lane: Lane['buffers']; control: SharedArrayBuffer; workers: number; results: SharedArrayBuffer };

/** Worker side of the baseline and raw-ring variants. */
function serveTask(task: Task): void {
  if (task.mode === 'post') {
    self.onmessage = (e: MessageEvent<{ id: number; payload: string }>) =>
      self.postMessage({ id: e.data.id, result: checksum(e.data.payload) });
    self.postMessage('ready');
    return;
  }
  const lane = new Lane(task.lane);
  const control = new Control(task.control, { workers: task.workers, maxBatch: RING_BATCH });
  const results = new Float64Array(task.results);
  const done = new Int32Array(task.results, results.length * 8 - 8, 1);
  const batch = createBatch(RING_BATCH);
  self.postMessage('ready');
  for (;;) {
    batch.n = 0;
    if (lane.take(RING_BATCH, batch) === 0) {
      if (control.state() !== 0) break;
      control.prepareSleep(task.index);
      control.sleep(task.index, lane.size() === 0 && control.state() === 0 ? Infinity : 0);
      continue;
    }
    for (let i = 0; i < batch.n; i++) results[batch.handles[i]] = checksum(batch.payloads[i]);
    Atomics.add(done, 0, batch.n);
    Atomics.notify(done, 0);
  }
  self.close();
}

function spawn(workers: number, task: (i: number) => Task): Promise<Worker[]> {
  return Promise.all(
    Array.from({ length: workers }, (_, i) => {
      const w = new Worker(import.meta.url);
      return new Promise<Worker>((resolve) => {
        w.onmessage = () => resolve(w);
        w.postMessage(task(i));
      });
    }),
  );
}

function verify(name: string, got: ArrayLike<number>, expected: Float64Array): void {
  for (let i = 0; i < expected.length; i++) {
    if (got[i] !== expected[i]) throw new Error(`${name}: job ${i} has ${got[i]}, expected ${expected[i]}`);
  }
}

async function viaPostMessage(payloads: string[], workers: number, expected: Float64Array): Promise<number> {
  const pool = await spawn(workers, () => ({ mode: 'post' }));
  const results = new Float64Array(payloads.length);
  let left = payloads.length;
  const started = performance.now();
  const finished = new Promise<void>((resolve) => {
    for (const w of pool) {
      w.onmessage = (e: MessageEvent<{ id: number; result: number }>) => {
        results[e.data.id] = e.data.result;
        if (--left === 0) resolve();
      };
    }
  });
  for (let i = 0; i < payloads.length; i++) pool[i % workers].postMessage({ id: i, payload: payloads[i] });
  await finished;
  const seconds = (performance.now() - started) / 1000;
  for (const w of pool) w.terminate();
  verify('postMessage', results, expected);
  return payloads.length / seconds;
}

async function viaRing(payloads: string[], workers: number, expected: Float64Array): Promise<number> {
  const lane = Lane.create(16384, 4 << 20);
  const control = Control.create({ workers, maxBatch: RING_BATCH });
  const shared = new SharedArrayBuffer((payloads.length + 1) * 8);
  const done = new Int32Array(shared, payloads.length * 8, 1);
  const pool = await spawn(workers, (index) => ({
    mode: 'ring',
    index,
    lane: lane.buffers,
    control: control.buffer,
    workers,
    results: shared,
  }));
  const started = performance.now();
  for (let i = 0; i < payloads.length; i++) {
    while (!lane.offer(i, 0, 0, payloads[i], 0)) {
      control.wakeOne();
      const seen = Atomics.load(done, 0);
      await Atomics.waitAsync(done, 0, seen, 5).value;
    }
    if ((i & 255) === 0) control.wakeOne();
  }
  control.wakeOne();
  for (let seen = Atomics.load(done, 0); seen < payloads.length; seen = Atomics.load(done, 0)) {
    await Atomics.waitAsync(done, 0, seen, 5).value;
  }
  const seconds = (performance.now() - started) / 1000;
  control.stop();
  for (const w of pool) w.terminate();
  verify('ring', new Float64Array(shared, 0, payloads.length), expected);
  return payloads.length / seconds;
}

type SubmitMode = 'submitNumbers' | 'submitMany' | 'submit';

async function viaScheduler(
  payloads: string[],
  workers: number,
  expected: Float64Array,
  mode: SubmitMode,
): Promise<{ rate: number; fill: number }> {
  const s = createScheduler({ handlers: HANDLERS, workers, maxBatch: RING_BATCH, capacity: 16384 });
  await s.ready();
  const chunk = 4096;
  const results = new Float64Array(payloads.length);
  const started = performance.now();
  let previous: Promise<void> = Promise.resolve();
  for (let from = 0; from < payloads.length; from += chunk) {
    const slice = payloads.slice(from, from + chunk);
    const all =
      mode === 'submitNumbers'
        ? s.submitNumbers('checksum', slice)
        : mode === 'submitMany'
          ? s.submitMany<number>('checksum', slice)
          : Promise.all(slice.map((p) => s.submit<number>('checksum', p)));
    const current = all.then((r) => results.set(r, from));
    await previous;
    previous = current;
  }
  await previous;
  const seconds = (performance.now() - started) / 1000;
  const stats = s.stats();
  await s.close();
  verify(`scheduler.${mode}`, results, expected);
  return { rate: payloads.length / seconds, fill: stats.completed / stats.batches / RING_BATCH };
}

interface LightLoad {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Process CPU time over wall time while jobs trickled in (1 = one core busy). */
  busyCores: number;
  /** Process CPU time over wall time during 5 s with no jobs afterwards. */
  idleCores: number;
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function lightLoadWait(
  workers: number,
  jobs: number,
  gapMs: number,
  spin: { idleSpinUs?: number; adaptiveSpinUs?: number },
): Promise<LightLoad> {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const s = createScheduler({ handlers: HANDLERS, workers, ...spin, onSettled: (_p, waitUs) => h.recordValue(Math.max(0, waitUs)) });
  await s.ready();
  for (let i = 0; i < 200; i++) await s.submit('checksum', `warm ${i}`, 'interactive');
  h.reset();
  let cpu = cpuSeconds();
  let wall = performance.now();
  for (let i = 0; i < jobs; i++) {
    await s.submit('checksum', `light ${i}`, 'interactive');
    if (gapMs > 0) await Bun.sleep(gapMs);
  }
  const busyCores = (cpuSeconds() - cpu) / ((performance.now() - wall) / 1000);
  await Bun.sleep(100);
  cpu = cpuSeconds();
  wall = performance.now();
  await Bun.sleep(5000);
  const idleCores = (cpuSeconds() - cpu) / ((performance.now() - wall) / 1000);
  await s.close();
  return {
    p50: h.getValueAtPercentile(50),
    p95: h.getValueAtPercentile(95),
    p99: h.getValueAtPercentile(99),
    max: h.maxValue,
    busyCores,
    idleCores,
  };
}

interface Variant {
  name: string;
  run: () => Promise<{ rate: number; fill?: number }>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: { jobs: { type: 'string' }, workers: { type: 'string' }, rounds: { type: 'string' } },
  });
  const jobs = Number(values.jobs ?? 1_000_000);
  const workers = Number(values.workers ?? Math.max(1, navigator.hardwareConcurrency - 1));
  const rounds = Number(values.rounds ?? 3);
  const payloads = Array.from({ length: jobs }, (_, i) => `job ${i}`);
  const expected = Float64Array.from(payloads, checksum);
  console.log(
    `scheduler benchmark: ${jobs} small jobs (FNV-1a of "job <i>"), ${workers} worker(s), ${navigator.hardwareConcurrency} cores, ${rounds} interleaved rounds`,
  );
  const variants: Variant[] = [
    { name: 'postMessage per job (baseline)', run: async () => ({ rate: await viaPostMessage(payloads, workers, expected) }) },
    { name: `raw ring (Lane, batch ${RING_BATCH})`, run: async () => ({ rate: await viaRing(payloads, workers, expected) }) },
    { name: 'scheduler submitNumbers, end to end', run: () => viaScheduler(payloads, workers, expected, 'submitNumbers') },
    { name: 'scheduler submitMany, end to end', run: () => viaScheduler(payloads, workers, expected, 'submitMany') },
    { name: 'scheduler submit per job', run: () => viaScheduler(payloads, workers, expected, 'submit') },
  ];
  const rates = variants.map(() => [] as number[]);
  const fills = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, v] of variants.entries()) {
      const { rate, fill } = await v.run();
      rates[i].push(rate);
      if (fill !== undefined) fills[i].push(fill);
    }
  }
  const base = median(rates[0]);
  console.log(`${'variant'.padEnd(36)} ${'median'.padStart(10)} ${'best'.padStart(10)}  (M jobs/s)  vs baseline`);
  for (const [i, v] of variants.entries()) {
    const fill = fills[i].length ? `, batch fill ${(median(fills[i]) * 100).toFixed(0)}%` : '';
    const m = median(rates[i]);
    const best = Math.max(...rates[i]);
    console.log(
      `${v.name.padEnd(36)} ${(m / 1e6).toFixed(2).padStart(10)} ${(best / 1e6).toFixed(2).padStart(10)}  ${(m / base).toFixed(1).padStart(10)}x${fill}`,
    );
  }
  const light: Array<[string, number, { idleSpinUs?: number; adaptiveSpinUs?: number }]> = [
    ['back to back', 0, {}],
    ['1 ms apart, defaults (adaptive spin)', 1, {}],
    ['1 ms apart, adaptiveSpinUs 0 (worker sleeps, woken per job)', 1, { adaptiveSpinUs: 0 }],
  ];
  for (const [how, gapMs, spin] of light) {
    const w = await lightLoadWait(workers, 2000, gapMs, spin);
    console.log(
      `light load, one job at a time, ${how}: queue wait µs p50 ${w.p50} p95 ${w.p95} p99 ${w.p99} max ${w.max}; ` +
        `CPU ${w.busyCores.toFixed(2)} cores while jobs trickle, ${w.idleCores.toFixed(3)} cores over 5 s idle after`,
    );
  }
}

if (Bun.isMainThread) await main();
else self.onmessage = (e: MessageEvent<Task>) => serveTask(e.data);

/**
 * Preloaded into a benchmarked server (`bun --preload bench/loop-probe.ts …`): watches the main
 * thread's event-loop delay with the runtime's own histogram, so Confab and the bare Bun.serve it is
 * compared with are measured by the same instrument. SIGUSR2 writes what it saw since the last
 * signal to LOOP_PROBE_OUT and starts afresh, which lets a benchmark bracket one phase of its load.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const out = process.env.LOOP_PROBE_OUT;
if (out) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  process.on('SIGUSR2', () => {
    const ms = (ns: number) => ns / 1e6;
    const seen = { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), count: histogram.count };
    writeFileSync(out, JSON.stringify(seen));
    histogram.reset();
  });
}

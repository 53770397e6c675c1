/**
 * Cold start to ready and idle memory (the server and its database together) on the embedded
 * defaults, on a fresh data dir (the first on this machine, which runs initdb, and a later one, which
 * copies the cluster that initdb made) and on an existing data dir, against a bare Bun.serve started the same way in
 * the same run (the floor any Bun server pays).
 *   bun run bench:startup [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { median, type Server, startBare, startEmbedded } from './embedded-process';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
/** Settling time before the idle reading: start-up work that runs after /ready has finished by then. */
const IDLE_MS = 3000;
const TARGETS = { fresh: { readyMs: 3000, rss: 150 }, existing: { readyMs: 1000, rss: 150 } };

type Sample = { readyMs: number; rss: number };

async function sample(start: Promise<Server>): Promise<Sample> {
  const server = await start;
  await Bun.sleep(IDLE_MS);
  const rss = server.rssMiB();
  await server.stop();
  return { readyMs: server.readyMs, rss };
}

const results: Record<'bare' | 'first' | 'fresh' | 'existing', Sample[]> = { bare: [], first: [], fresh: [], existing: [] };
for (let i = 0; i < runs; i++) {
  // A cache of its own per run: the first start finds no template cluster, as on a new machine.
  const cache = mkdtempSync('/tmp/embedded-startup-cache-');
  const env = { XDG_CACHE_HOME: cache };
  const firstDir = mkdtempSync('/tmp/embedded-startup-');
  const dir = mkdtempSync('/tmp/embedded-startup-');
  results.bare.push(await sample(startBare(47200)));
  results.first.push(await sample(startEmbedded(47203, firstDir, env)));
  results.fresh.push(await sample(startEmbedded(47201, dir, env)));
  results.existing.push(await sample(startEmbedded(47202, dir, env)));
  for (const d of [cache, firstDir, dir]) rmSync(d, { recursive: true, force: true });
}

const bareReady = median(results.bare.map((b) => b.readyMs));
const bareRss = median(results.bare.map((b) => b.rss));
const verdict = (ok: boolean) => (ok ? 'meets' : 'MISSES');
function row(name: string, xs: Sample[], target?: { readyMs: number; rss: number }) {
  const ready = median(xs.map((x) => x.readyMs));
  const rss = median(xs.map((x) => x.rss));
  const goal = target
    ? `   target ≤ ${target.readyMs} ms: ${verdict(ready <= target.readyMs)}, ≤ ${target.rss} MiB: ${verdict(rss <= target.rss)}`
    : '';
  console.log(
    `${name.padEnd(26)} ready ${ready.toFixed(0).padStart(5)} ms (${(ready / bareReady).toFixed(1).padStart(5)}x bare)` +
      `   idle RSS ${rss.toFixed(0).padStart(4)} MiB (${(rss / bareRss).toFixed(1).padStart(4)}x bare)${goal}`,
  );
}
console.log(`median of ${runs} runs; RSS ${IDLE_MS / 1000} s after ready, the server with every process it started`);
row('bare Bun.serve', results.bare);
row('confab, first on machine', results.first, TARGETS.fresh);
row('confab, fresh data dir', results.fresh, TARGETS.fresh);
row('confab, existing data dir', results.existing, TARGETS.existing);

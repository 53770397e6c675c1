/**
 * Cold start to ready and idle memory on the embedded defaults, against a bare Bun.serve process
 * started the same way in the same run (the floor any Bun server pays).
 *   bun run bench:startup [--runs 3]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const ROOT = new URL('../', import.meta.url).pathname;

function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

async function waitFor(url: string, deadline: number) {
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await Bun.sleep(5);
  }
  throw new Error(`${url} never answered`);
}

async function measure(cmd: string[], env: Record<string, string>, port: number, path: string) {
  const t0 = performance.now();
  const proc = Bun.spawn(cmd, { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdout: 'ignore', stderr: 'ignore' });
  await waitFor(`http://127.0.0.1:${port}${path}`, Date.now() + 60_000);
  const readyMs = performance.now() - t0;
  await Bun.sleep(3000);
  const rss = rssMiB(proc.pid);
  proc.kill('SIGTERM');
  await proc.exited;
  return { readyMs, rss };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = ['bun', '-e', 'Bun.serve({ port: Number(process.env.PORT), hostname: "127.0.0.1", fetch: () => new Response("ok") })'];
type Sample = { readyMs: number; rss: number };
const results: Record<'bare' | 'cold' | 'warm', Sample[]> = { bare: [], cold: [], warm: [] };

for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'confab-startup-'));
  const env = { DATA_DIR: dir, HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  results.bare.push(await measure(bare, {}, 18900, '/'));
  results.cold.push(await measure(['bun', 'run', 'src/index.ts'], env, 18901, '/ready'));
  results.warm.push(await measure(['bun', 'run', 'src/index.ts'], env, 18902, '/ready'));
  rmSync(dir, { recursive: true, force: true });
}

const row = (name: string, xs: Sample[]) => {
  const ready = median(xs.map((x) => x.readyMs));
  const rss = median(xs.map((x) => x.rss));
  const base = results.bare;
  console.log(
    `${name.padEnd(28)} ready ${ready.toFixed(0).padStart(6)} ms (${(ready / median(base.map((b) => b.readyMs))).toFixed(1)}x bare)` +
      `   idle RSS ${rss.toFixed(0).padStart(4)} MiB (${(rss / median(base.map((b) => b.rss))).toFixed(1)}x bare)`,
  );
};
console.log(`median of ${runs} runs`);
row('bare Bun.serve', results.bare);
row('confab, fresh data dir', results.cold);
row('confab, existing data dir', results.warm);

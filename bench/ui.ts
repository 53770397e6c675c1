/**
 * Browser UI figures, measured in headless Chromium against a real server:
 *  1. time from navigation to interactive (the app's `confab:interactive` mark), signed in and
 *     signed out, against the load time of a trivial page from the same server (the baseline);
 *  2. the main-thread cost of rendering a long streamed answer: the answer is pre-seeded with
 *     thousands of tokens, then tokens arrive at a fixed rate while frames are timed. The
 *     incremental renderer is compared with re-parsing the whole markdown every frame (the
 *     baseline), and the highest rate each sustains without dropping frames is reported.
 * Run: bun run bench:ui
 */
import { chromiumMissing, launchChromium } from '../src/testing/browser';
import { startStack } from '../src/testing/ui-stack';

const RUNS = 7;
const RATES = [0, 100, 300, 1000, 3000, 10000];
const WINDOW_MS = 3000;
const SEED_TOKENS = 6000;

function longMarkdown(tokens: number): string[] {
  const block = [
    '## Section heading\n\n',
    'The renderer keeps long answers cheap by parsing settled blocks once and only the open tail on each frame [1].\n\n',
    '- a list item with `inline code` and **bold** text\n- another item that runs on for a while longer\n\n',
    '```ts\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n```\n\n',
    '| column | value |\n| --- | --- |\n| alpha | 1 |\n\n',
  ].join('');
  const pieces = block.match(/\s*\S+/g)!;
  return Array.from({ length: tokens }, (_, i) => pieces[i % pieces.length]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rateText = (r: number) => (r ? `${r} tok/s` : 'none of the tested rates');
const ms = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(2));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function main() {
  const missing = await chromiumMissing();
  if (missing) {
    console.log(missing);
    return;
  }
  const stack = await startStack();
  const browser = await launchChromium();
  try {
    const signup = await fetch(`${stack.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@example.com', password: 'correct horse battery' }),
    });
    const cookie = (signup.headers.get('set-cookie') ?? '').split(';')[0].split('=');
    const url = new URL(stack.url);

    const loads: Record<string, number[]> = { baseline: [], signedOut: [], signedIn: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const kind of ['baseline', 'signedOut', 'signedIn'] as const) {
        const context = await browser.newContext();
        if (kind === 'signedIn') await context.addCookies([{ name: cookie[0], value: cookie[1], domain: url.hostname, path: '/' }]);
        const page = await context.newPage();
        if (kind === 'baseline') {
          await page.goto(`${stack.url}/health`, { waitUntil: 'load' });
          loads.baseline.push(
            await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd),
          );
        } else {
          await page.goto(stack.url);
          await page.waitForFunction(() => performance.getEntriesByName('confab:interactive').length > 0);
          loads[kind].push(await page.evaluate(() => performance.getEntriesByName('confab:interactive')[0].startTime));
        }
        await context.close();
      }
    }
    const base = median(loads.baseline);
    console.log('\nTime to interactive (median of %d, ms from navigation start)', RUNS);
    console.log(`  trivial page (/health) load : ${base.toFixed(1)}`);
    console.log(
      `  UI, signed out (log-in form): ${median(loads.signedOut).toFixed(1)}  (${(median(loads.signedOut) / base).toFixed(1)}x baseline)`,
    );
    console.log(
      `  UI, signed in (chat ready)  : ${median(loads.signedIn).toFixed(1)}  (${(median(loads.signedIn) / base).toFixed(1)}x baseline)`,
    );

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(stack.url);
    await page.waitForFunction(() => performance.getEntriesByName('confab:interactive').length > 0);
    const tokens = longMarkdown(SEED_TOKENS + Math.max(...RATES) * (WINDOW_MS / 1000) + 10);
    console.log(`\nStreaming a long answer (${SEED_TOKENS} tokens already shown, then ${WINDOW_MS / 1000} s at each rate)`);
    console.log('  renderer     tok/s  frames  dropped  render ms/frame p50  p95');
    const sustained: Record<string, number> = { incremental: 0, naive: 0 };
    // Rate 0 is the idle page: its late frames are this machine's noise floor, not rendering.
    let floor = 0;
    for (const mode of ['incremental', 'naive'] as const) {
      for (const rate of mode === 'naive' ? RATES.slice(1) : RATES) {
        const r = await page.evaluate(runStream, { tokens, rate, mode, seed: SEED_TOKENS, windowMs: WINDOW_MS });
        const dropped = r.intervals.filter((d) => d > 25).length;
        const share = dropped / Math.max(1, r.intervals.length);
        if (rate === 0 && mode === 'incremental') floor = share;
        const keptUp = r.delivered >= rate * (WINDOW_MS / 1000) * 0.95;
        if (rate > 0 && share <= floor + 0.01 && keptUp) sustained[mode] = Math.max(sustained[mode], rate);
        console.log(
          `  ${mode.padEnd(11)} ${String(rate).padStart(6)}  ${String(r.intervals.length).padStart(6)}  ${(share * 100).toFixed(1).padStart(6)}%  ${ms(median(r.costs)).padStart(20)}  ${ms(pct(r.costs, 0.95))}`,
        );
      }
    }
    console.log(`\nIdle-page late frames (noise floor): ${(floor * 100).toFixed(1)}%`);
    console.log(
      `Highest rate with late frames (>25 ms) within 1 point of the floor: incremental ${rateText(sustained.incremental)}, whole-answer re-parse ${rateText(sustained.naive)}`,
    );
  } finally {
    await browser.close();
    await stack.stop();
  }
}

/** Runs in the page: seeds a long answer, then streams at `rate` while timing frames and renders. */
async function runStream({
  tokens,
  rate,
  mode,
  seed,
  windowMs,
}: {
  tokens: string[];
  rate: number;
  mode: 'incremental' | 'naive';
  seed: number;
  windowMs: number;
}) {
  const { StreamRenderer } = await import('/js/stream-renderer.js' as string);
  const { renderMarkdown } = await import('/js/markdown.js' as string);
  const host = document.createElement('div');
  host.className = 'answer';
  document.body.append(host);
  const costs: number[] = [];
  let text = '';
  let _frame = 0;
  const naive = {
    append(delta: string) {
      text += delta;
      _frame ||= requestAnimationFrame(() => {
        _frame = 0;
        const t0 = performance.now();
        host.replaceChildren(renderMarkdown(text));
        costs.push(performance.now() - t0);
      });
    },
  };
  const incremental = new StreamRenderer(host);
  const flush = incremental.flush.bind(incremental);
  incremental.flush = () => {
    const t0 = performance.now();
    flush();
    costs.push(performance.now() - t0);
  };
  const renderer = mode === 'naive' ? naive : incremental;
  for (let i = 0; i < seed; i++) renderer.append(tokens[i]);
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  costs.length = 0;
  const intervals: number[] = [];
  let last = performance.now();
  let running = true;
  const tick = (now: number) => {
    intervals.push(now - last);
    last = now;
    if (running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const start = performance.now();
  let delivered = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      while (delivered < due) renderer.append(tokens[seed + delivered++]);
      if (performance.now() - start >= windowMs) {
        clearInterval(timer);
        resolve();
      }
    }, 4);
  });
  running = false;
  host.remove();
  return { intervals: intervals.slice(1), costs, delivered };
}

await main();
// Server workers and the browser's pipes would otherwise keep the process alive.
process.exit(0);

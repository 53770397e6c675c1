import { provisionApiKey } from './auth';
import type { Executor, Prompt, Target } from './executor';
import { chatExecutor } from './mode-chat';
import { httpExecutor } from './mode-http';
import { sseExecutor } from './mode-sse';
import { wsExecutor } from './mode-ws';
import type { LoadgenOptions } from './options';
import { buildReport, type Report, toRunResult } from './report';
import { type LiveStatus, type LoadPlan, runLoad } from './runner';
import { sweepRates } from './sweep';

/** Runs the whole load test the options describe and returns the report (JSON-ready). */
export async function runLoadgen(options: LoadgenOptions, onStatus?: (status: LiveStatus) => void): Promise<Report> {
  const startedAt = new Date();
  const headers = { ...options.headers };
  let auth: Report['config']['auth'] = 'none';
  let key = options.apiKey;
  if (key) auth = 'api-key';
  else if (options.mode !== 'http') {
    key = await provisionApiKey(options.url);
    auth = 'signup';
  }
  if (key) headers.authorization = `Bearer ${key}`;
  const executor = createExecutor(options, { url: options.url, headers, timeoutMs: options.timeoutMs });
  const plan: LoadPlan = {
    concurrency: options.concurrency,
    rate: options.rate,
    arrival: options.arrival,
    durationS: options.durationS,
    total: options.total,
    warmupS: options.warmupS,
    slo: options.slo,
  };
  try {
    if (options.sweep) {
      const { runs, sweep } = await sweepRates(options.sweep, plan, options.slo!, executor.run, onStatus);
      return buildReport(options, auth, startedAt, runs, sweep);
    }
    const run = toRunResult(await runLoad(plan, executor.run, onStatus), plan);
    return buildReport(options, auth, startedAt, [run], null);
  } finally {
    executor.close();
  }
}

function createExecutor(options: LoadgenOptions, target: Target): Executor {
  const prompt: Prompt = {
    message: options.prompt,
    model: options.model,
    maxTokens: options.maxTokens,
    plugins: options.plugins,
  };
  switch (options.mode) {
    case 'http':
      return httpExecutor(target, { method: options.method, body: options.body });
    case 'sse':
      return sseExecutor(target, prompt);
    case 'ws':
      return wsExecutor(target, prompt);
    case 'chat':
      return chatExecutor(target, prompt);
  }
}

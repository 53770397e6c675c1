import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config';
import { setLogLevel } from '../lib/logger';
import { type RunningServer, startServer } from '../server';
import { type FakeUpstream, startFakeUpstream } from './fake-upstream';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { TITLE_QUEUE, titlesApart } from './title-requests';

/** Starting a server (a fresh PGlite cluster) and a browser takes seconds on a busy machine. */
export const HOOK_TIMEOUT_MS = 90_000;

/** Where the scripted model's answers are asked for: `stack.model.script(MODEL_CHAT_PATH, …)`. */
export const MODEL_CHAT_PATH = '/v1/chat/completions';
/**
 * Where the scripted model's titles are asked for: a title is asked for while a new
 * conversation's first answer is, so it has its own queue (`stack.model.script(MODEL_TITLE_QUEUE, …)`).
 */
export const MODEL_TITLE_QUEUE = TITLE_QUEUE;

export interface Stack {
  /** The UI's address, through a relay whose connections a test can cut. */
  url: string;
  server: RunningServer;
  /** The upstream of the `local/scripted` model (it keeps every request); unscripted, it answers (and titles) "Hello from the scripted model." */
  model: FakeUpstream;
  proxy: TcpProxy;
  stop(): Promise<void>;
}

/**
 * A real Confab server on a fresh data dir, with a scripted local model next to the offline one.
 * `env` may be a function of the address the UI will be reached at (for settings that name it).
 */
export async function startStack(env: Record<string, string> | ((url: string) => Record<string, string>) = {}): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'confab-ui-'));
  const model = await startFakeUpstream({
    models: ['scripted'],
    record: true,
    queueOf: titlesApart,
  });
  model.always(MODEL_CHAT_PATH, { text: 'Hello from the scripted model.' });
  model.always(MODEL_TITLE_QUEUE, { text: 'Hello from the scripted model.' });
  let server: RunningServer | undefined;
  const proxy = await startTcpProxy(() => Number(new URL(server?.url ?? 'http://127.0.0.1:1').port));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    LOCAL_LLM_BASE_URL: `${model.url}/v1`,
    ...(typeof env === 'function' ? env(proxy.url) : env),
  });
  setLogLevel(config.logLevel);
  const running = await startServer(config);
  server = running;
  return {
    url: proxy.url,
    server: running,
    model,
    proxy,
    async stop() {
      proxy.stop();
      await running.shutdown();
      await model.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

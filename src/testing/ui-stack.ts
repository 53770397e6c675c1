import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config';
import { setLogLevel } from '../lib/logger';
import { type RunningServer, startServer } from '../server';
import { type FakeUpstream, startFakeUpstream } from './fake-upstream';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

/** Starting a server (a fresh PGlite cluster) and a browser takes seconds on a busy machine. */
export const HOOK_TIMEOUT_MS = 90_000;

/** Where the scripted model's answers are asked for: `stack.model.script(MODEL_CHAT_PATH, …)`. */
export const MODEL_CHAT_PATH = '/v1/chat/completions';

export interface Stack {
  /** The UI's address, through a relay whose connections a test can cut. */
  url: string;
  server: RunningServer;
  /** The upstream of the `local/scripted` model (it keeps every request); unscripted, it answers "Hello from the scripted model." */
  model: FakeUpstream;
  proxy: TcpProxy;
  stop(): Promise<void>;
}

/** A real Confab server on a fresh data dir, with a scripted local model next to the offline one. */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'confab-ui-'));
  const model = await startFakeUpstream({ models: ['scripted'], record: true });
  model.always(MODEL_CHAT_PATH, { text: 'Hello from the scripted model.' });
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    LOCAL_LLM_BASE_URL: `${model.url}/v1`,
    ...env,
  });
  setLogLevel(config.logLevel);
  const server = await startServer(config);
  const proxy = await startTcpProxy(Number(new URL(server.url).port));
  return {
    url: proxy.url,
    server,
    model,
    proxy,
    async stop() {
      proxy.stop();
      await server.shutdown();
      await model.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

import { type Executor, outcome, type Prompt, type Target } from './executor';
import { usageOutputTokens } from './fetch-errors';
import type { Outcome } from './recorder';

/** The DOM typings lack Bun's constructor options, which carry the Authorization header. */
const BunWebSocket = WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket;

interface Frame {
  type?: string;
  requestId?: string;
  delta?: unknown;
  usage?: unknown;
  code?: unknown;
}

interface Turn {
  requestId: string;
  times: number[];
  finish: (result: Outcome) => void;
}

interface Conn {
  ws: WebSocket;
  turn: Turn | null;
}

/**
 * Confab's WebSocket chat (/ws/chat). Each connection carries one turn at a time, like one
 * browser tab; connections are reused, so the pool grows to the concurrency being driven.
 */
export function wsExecutor(target: Target, prompt: Prompt): Executor {
  const url = new URL(target.url);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = url.pathname.replace(/\/+$/, '') + '/ws/chat';
  const idle: Conn[] = [];
  const open = new Set<Conn>();
  const prefix = Math.random().toString(36).slice(2, 8);
  let counter = 0;

  const connect = () =>
    new Promise<Conn | string>((resolve) => {
      const ws = new BunWebSocket(url.href, { headers: target.headers });
      const conn: Conn = { ws, turn: null };
      ws.onopen = () => {
        open.add(conn);
        resolve(conn);
      };
      ws.onmessage = (event) => onFrame(conn, String(event.data));
      ws.onclose = () => {
        open.delete(conn);
        const index = idle.indexOf(conn);
        if (index >= 0) idle.splice(index, 1);
        resolve('ws connect failed');
        conn.turn?.finish(outcome('socket close'));
      };
    });

  const run = async (): Promise<Outcome> => {
    const conn = idle.pop() ?? (await connect());
    if (typeof conn === 'string') return outcome(conn);
    const requestId = `lg-${prefix}-${++counter}`;
    return new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        conn.ws.close();
        turn.finish(outcome('timeout'));
      }, target.timeoutMs);
      const turn: Turn = {
        requestId,
        times: [],
        finish: (result) => {
          clearTimeout(timer);
          conn.turn = null;
          if (result.error === null || result.error.startsWith('error frame')) {
            if (conn.ws.readyState === WebSocket.OPEN) idle.push(conn);
          }
          resolve(result);
        },
      };
      conn.turn = turn;
      conn.ws.send(JSON.stringify(chatFrame(requestId, prompt)));
    });
  };

  return {
    run,
    close: () => {
      for (const conn of open) conn.ws.close();
      idle.length = 0;
    },
  };
}

function chatFrame(requestId: string, prompt: Prompt) {
  return {
    type: 'chat',
    requestId,
    message: prompt.message,
    ...(prompt.model === null ? {} : { model: prompt.model }),
    ...(prompt.plugins.length === 0 ? {} : { plugins: prompt.plugins }),
  };
}

function onFrame(conn: Conn, text: string): void {
  const turn = conn.turn;
  if (!turn) return;
  let frame: Frame;
  try {
    frame = JSON.parse(text) as Frame;
  } catch {
    turn.finish(outcome('bad frame'));
    return;
  }
  if (frame.requestId !== turn.requestId) return;
  if (frame.type === 'token') {
    if (typeof frame.delta === 'string' && frame.delta.length > 0) turn.times.push(performance.now());
  } else if (frame.type === 'done') {
    turn.finish(outcome(null, turn.times, usageOutputTokens(frame.usage) ?? turn.times.length));
  } else if (frame.type === 'error') {
    turn.finish(outcome(`error frame ${String(frame.code ?? 'unknown')}`));
  }
}

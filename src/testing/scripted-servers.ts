/** Local servers with scripted behaviour that loadgen's tests measure: known delays, a pause, raw-socket faults. */
import type { Server, TCPSocketListener } from 'bun';

export interface Scripted {
  url: string;
  stop(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Request i waits delays[i % delays.length] milliseconds. */
export function delayServer(delays: number[]): Scripted {
  let index = 0;
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch() {
      await sleep(delays[index++ % delays.length]);
      return new Response('ok');
    },
  });
  return scripted(server);
}

/** Answers at once, except that request number `at` freezes every answer for `pauseMs`. */
export function pausingServer(at: number, pauseMs: number): Scripted {
  let index = 0;
  let pausedUntil = 0;
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch() {
      if (++index === at) pausedUntil = performance.now() + pauseMs;
      const wait = pausedUntil - performance.now();
      if (wait > 0) await sleep(wait);
      return new Response('ok');
    },
  });
  return scripted(server);
}

export type RawAction = 'ok' | 'close-mid-body' | 'hang' | number;

/** A raw TCP HTTP/1.1 server: request i gets script(i): a status, a dropped connection, or silence. */
export function rawServer(script: (index: number) => RawAction): Scripted {
  let index = 0;
  const listener: TCPSocketListener<undefined> = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket) {
        const action = script(index++);
        if (action === 'hang') return;
        if (action === 'close-mid-body') {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
          socket.end();
          return;
        }
        const status = action === 'ok' ? 200 : action;
        socket.write(`HTTP/1.1 ${status} X\r\nContent-Length: 2\r\n\r\nok`);
      },
    },
  });
  return { url: `http://127.0.0.1:${listener.port}/`, stop: () => listener.stop(true) };
}

export function scripted(server: Server<unknown>): Scripted {
  return { url: `http://127.0.0.1:${server.port}`, stop: () => void server.stop(true) };
}

import type { Socket } from 'bun';

/**
 * A loopback TCP relay in front of the server. Cutting it closes every open connection at once
 * (HTTP keep-alive and WebSocket alike), the way a network drop does, while new connections still
 * get through.
 */
export interface TcpProxy {
  url: string;
  cutAll(): number;
  stop(): void;
}

interface Side {
  peer?: Socket<Side>;
  /** Bytes for this socket that it could not take yet. */
  backlog: Uint8Array[];
  /** Bytes that arrived before the other side connected. */
  early: Uint8Array[];
}

function send(to: Socket<Side>, chunk: Uint8Array): void {
  if (to.data.backlog.length) {
    to.data.backlog.push(chunk);
    return;
  }
  const written = to.write(chunk);
  if (written < chunk.length) to.data.backlog.push(chunk.subarray(Math.max(0, written)));
}

function drain(s: Socket<Side>): void {
  while (s.data.backlog.length) {
    const head = s.data.backlog[0];
    const written = s.write(head);
    if (written < head.length) {
      s.data.backlog[0] = head.subarray(Math.max(0, written));
      return;
    }
    s.data.backlog.shift();
  }
}

/** `targetPort` may be a function, for a server that starts after the relay (and so can be told the relay's URL). */
export async function startTcpProxy(targetPort: number | (() => number)): Promise<TcpProxy> {
  const target = typeof targetPort === 'number' ? () => targetPort : targetPort;
  const open = new Set<Socket<Side>>();
  const listener = Bun.listen<Side>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      async open(client) {
        client.data = { backlog: [], early: [] };
        open.add(client);
        const upstream = await Bun.connect<Side>({
          hostname: '127.0.0.1',
          port: target(),
          data: { peer: client, backlog: [], early: [] },
          socket: {
            data: (s, chunk) => {
              if (s.data.peer) send(s.data.peer, new Uint8Array(chunk));
            },
            drain,
            close: (s) => void s.data.peer?.end(),
            error: (s) => void s.data.peer?.end(),
          },
        });
        client.data.peer = upstream;
        for (const chunk of client.data.early.splice(0)) send(upstream, chunk);
      },
      data(client, chunk) {
        const bytes = new Uint8Array(chunk);
        if (client.data.peer) send(client.data.peer, bytes);
        else client.data.early.push(bytes);
      },
      drain,
      close(client) {
        open.delete(client);
        client.data.peer?.end();
      },
      error(client) {
        open.delete(client);
        client.data.peer?.end();
      },
    },
  });
  return {
    url: `http://127.0.0.1:${listener.port}`,
    cutAll() {
      const n = open.size;
      for (const s of [...open]) {
        open.delete(s);
        s.data.peer?.terminate();
        s.terminate();
      }
      return n;
    },
    stop: () => listener.stop(true),
  };
}

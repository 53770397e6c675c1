import type { Socket } from 'bun';
import type { Outcome } from './recorder';
import { ResponseParser } from './response-parser';

/** A fixed request, pre-encoded once and written as-is on every send. */
export interface Http1Target {
  hostname: string;
  port: number;
  tls: boolean;
  request: Uint8Array;
  bodyless: boolean;
}

interface Conn {
  socket: Socket<Conn> | null;
  parser: ResponseParser;
  resolve: ((outcome: Outcome) => void) | null;
  startedAt: number;
  unsent: Uint8Array | null;
  closed: boolean;
}

const OK: Outcome = Object.freeze({ error: null, tokenTimes: null, outputTokens: 0 }) as Outcome;
const failures = new Map<string, Outcome>();

export function failure(kind: string): Outcome {
  let outcome = failures.get(kind);
  if (!outcome) failures.set(kind, (outcome = Object.freeze({ error: kind, tokenTimes: null, outputTokens: 0 }) as Outcome));
  return outcome;
}

/**
 * Keep-alive HTTP/1.1 connections on raw sockets, one request in flight per connection (no
 * pipelining, like a browser or autocannon's default). The pool grows to the concurrency the
 * caller drives; a connection is reused only after its response has been read completely.
 */
export class Http1Pool {
  private readonly idle: Conn[] = [];
  private readonly all = new Set<Conn>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(
    private readonly target: Http1Target,
    private readonly timeoutMs: number,
  ) {
    this.sweeper = setInterval(() => this.expire(), Math.max(20, Math.min(1000, timeoutMs / 4)));
    this.sweeper.unref();
  }

  request(): Promise<Outcome> {
    let conn = this.idle.pop();
    while (conn?.closed) conn = this.idle.pop();
    return conn ? this.send(conn) : this.connect();
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const conn of this.all) conn.socket?.end();
    this.all.clear();
    this.idle.length = 0;
  }

  private send(conn: Conn): Promise<Outcome> {
    return new Promise((resolve) => {
      conn.resolve = resolve;
      conn.startedAt = performance.now();
      conn.parser.reset();
      write(conn, this.target.request);
    });
  }

  private async connect(): Promise<Outcome> {
    const conn: Conn = {
      socket: null,
      parser: new ResponseParser(this.target.bodyless),
      resolve: null,
      startedAt: 0,
      unsent: null,
      closed: false,
    };
    try {
      conn.socket = await Bun.connect<Conn>({
        hostname: this.target.hostname,
        port: this.target.port,
        tls: this.target.tls,
        data: conn,
        socket: this.handlers,
      });
    } catch (error) {
      return failure(connectErrorKind(error));
    }
    this.all.add(conn);
    return this.send(conn);
  }

  private finish(conn: Conn, outcome: Outcome): void {
    const resolve = conn.resolve;
    if (!resolve) return;
    conn.resolve = null;
    if (conn.parser.done && conn.parser.keepAlive && !conn.closed) this.idle.push(conn);
    else this.drop(conn);
    resolve(outcome);
  }

  private drop(conn: Conn): void {
    conn.closed = true;
    this.all.delete(conn);
    conn.socket?.terminate();
  }

  private expire(): void {
    const deadline = performance.now() - this.timeoutMs;
    for (const conn of this.all) {
      if (conn.resolve && conn.startedAt < deadline) this.finish(conn, failure('timeout'));
    }
  }

  private readonly handlers = {
    data: (socket: Socket<Conn>, chunk: Buffer) => {
      const conn = socket.data;
      if (!conn.resolve) return;
      conn.parser.feed(chunk);
      if (!conn.parser.done) return;
      const status = conn.parser.status;
      this.finish(conn, status >= 400 ? failure(`status ${status}`) : OK);
    },
    drain: (socket: Socket<Conn>) => {
      const conn = socket.data;
      if (conn.unsent) write(conn, conn.unsent);
    },
    close: (socket: Socket<Conn>) => {
      const conn = socket.data;
      conn.closed = true;
      this.all.delete(conn);
      if (!conn.resolve) return;
      const completeAtClose = conn.parser.endsAtClose;
      const status = conn.parser.status;
      if (!completeAtClose) this.finish(conn, failure('socket close'));
      else this.finish(conn, status >= 400 ? failure(`status ${status}`) : OK);
    },
    error: (socket: Socket<Conn>) => {
      socket.data.closed = true;
    },
  };
}

function write(conn: Conn, bytes: Uint8Array): void {
  const written = conn.socket!.write(bytes);
  conn.unsent = written < bytes.length ? bytes.subarray(Math.max(0, written)) : null;
}

function connectErrorKind(error: unknown): string {
  const code = (error as { code?: string })?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'socket close';
  return code ? `connect ${code.toLowerCase()}` : 'connect error';
}

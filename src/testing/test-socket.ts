/** A WebSocket client for tests: records every frame and waits for the ones a test expects. */
export interface Frame {
  type: string;
  requestId?: string | null;
  seq: number;
  [field: string]: any;
}

const BunWebSocket = WebSocket as unknown as new (url: string, options: { headers?: Record<string, string> }) => WebSocket;

export class TestSocket {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (e) => {
      this.frames.push(JSON.parse(String(e.data)) as Frame);
      this.wake();
    };
    ws.onclose = (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake();
    };
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    const ws = new BunWebSocket(url, { headers });
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(socket);
      ws.onerror = () => reject(new Error('websocket failed to open'));
    });
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first recorded frame matching `pred` (waiting for it if need be). */
  async until(pred: (f: Frame) => boolean, timeoutMs = 20_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.find(pred);
      if (hit) return hit;
      if (this.closed)
        throw new Error(`socket closed (${this.closed.code}) before the expected frame; got ${JSON.stringify(this.frames.slice(-3))}`);
      if (Date.now() > deadline) throw new Error(`no expected frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  /** Resolves with the code the socket was closed with, or null if it is still open after `timeoutMs`. */
  async closeCode(timeoutMs = 20_000): Promise<number | null> {
    await this.until(() => false, timeoutMs).catch(() => undefined);
    return this.closed?.code ?? null;
  }

  /** The frames of one request, in arrival order. */
  of(requestId: string): Frame[] {
    return this.frames.filter((f) => f.requestId === requestId);
  }

  text(requestId: string): string {
    return this.of(requestId)
      .filter((f) => f.type === 'token')
      .map((f) => f.delta)
      .join('');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.ws.close();
    await this.until(() => false, 5_000).catch(() => undefined);
  }
}

export const isEnd = (requestId: string) => (f: Frame) => f.requestId === requestId && (f.type === 'done' || f.type === 'error');

import { retryAfterOf } from '../../infra/rate-limit';
import type { StreamHub } from '../../infra/stream-hub';
import { toAppError } from '../../lib/errors';
import { log } from '../../lib/logger';
import type { Principal } from '../auth/guard';
import { type BenchmarkDeps, runBenchmark } from '../benchmark/service';
import type { TurnErrorFrame } from '../chat/model';
import { runTurn, type TurnDeps } from '../chat/turn';
import type { BenchmarkFrame, ChatFrame, LoggedFrame, ServerFrame } from './model';

export interface ProducerDeps {
  turn: TurnDeps;
  benchmark: BenchmarkDeps;
  streams: StreamHub<LoggedFrame>;
}

/** Appends a request's frames to its log in order, numbering them. */
function frameLog(streams: StreamHub<LoggedFrame>, requestId: string) {
  let seq = 0;
  let chain = Promise.resolve();
  return {
    emit(frame: ServerFrame): void {
      const numbered: LoggedFrame = { ...frame, requestId, seq: ++seq };
      chain = chain.then(() => streams.append(requestId, numbered)).catch((error) => log.error('stream frame lost', { error, requestId }));
    },
    async end(): Promise<void> {
      await chain;
      await streams.finish(requestId);
    },
  };
}

function errorFrame(err: unknown): TurnErrorFrame {
  const e = toAppError(err);
  const retryAfterMs = retryAfterOf(e);
  return { type: 'error', code: e.code, message: e.publicMessage, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/**
 * Runs streamed work independently of any socket: frames go to the stream hub, where any socket of
 * the owner can follow them. `stop` aborts the work on this process at once.
 */
export function createProducer(deps: ProducerDeps) {
  const running = new Map<string, { principal: Principal; abort: AbortController }>();
  // A stop asked on another replica (or another socket) reaches the one running the request.
  deps.streams.onStopRequest((requestId) => running.get(requestId)?.abort.abort());

  function launch(
    requestId: string,
    principal: Principal,
    work: (signal: AbortSignal, emit: (f: ServerFrame) => void) => Promise<void>,
  ): void {
    const abort = new AbortController();
    running.set(requestId, { principal, abort });
    const out = frameLog(deps.streams, requestId);
    void work(abort.signal, out.emit)
      .catch((err) => out.emit(errorFrame(err)))
      .finally(() => {
        running.delete(requestId);
        return out.end();
      });
  }

  return {
    chat(principal: Principal, f: ChatFrame): void {
      launch(f.requestId, principal, async (signal, emit) => {
        const { type: _type, ...input } = f;
        await runTurn(deps.turn, { ...input, principal, signal }, emit);
      });
    },
    benchmark(principal: Principal, f: BenchmarkFrame): void {
      launch(f.requestId, principal, async (signal, emit) => {
        emit({ type: 'start', models: f.models });
        const results = await runBenchmark(deps.benchmark, principal, f, {
          signal,
          onToken: (model, delta) => emit({ type: 'token', model, delta }),
          onResult: (r) => emit(r.ok ? { type: 'done', ...r } : { type: 'error', model: r.model, ...r.error }),
        });
        emit({ type: 'benchmark', results });
      });
    },
    /** True when this process runs the request for `owner` and it was aborted. */
    stop(requestId: string, owner: string): boolean {
      const r = running.get(requestId);
      if (!r || r.principal.user.id !== owner) return false;
      r.abort.abort();
      return true;
    },
    /** Aborts what runs here for principals that `ended` picks (their access was revoked). */
    stopWhere(ended: (principal: Principal) => boolean): void {
      for (const r of running.values()) if (ended(r.principal)) r.abort.abort();
    },
    /** Aborts everything still running (shutdown). */
    stopAll(): void {
      for (const r of running.values()) r.abort.abort();
    },
    get active(): number {
      return running.size;
    },
  };
}

export type Producer = ReturnType<typeof createProducer>;

/** The frame that ends a request's stream: a chat turn's done or error, a benchmark's summary. */
export function isFinal(frame: ServerFrame): boolean {
  if (frame.type === 'benchmark') return true;
  return (frame.type === 'done' || frame.type === 'error') && !('model' in frame);
}

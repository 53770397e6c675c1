import type { Db } from '../../db/client';
import type { StreamHub } from '../../infra/stream-hub';
import type { ErrorCode } from '../../lib/error-catalogue';
import { toAppError } from '../../lib/errors';
import type { Principal } from '../auth/guard';
import { findAnswer } from '../chat/persist';
import { type BenchmarkFrame, type ChatFrame, type LoggedFrame, parseClientFrame } from './model';
import { createOutbox, type OutboxOptions, type SocketLike } from './outbox';
import { isFinal, type Producer } from './producer';

export interface SessionDeps {
  db: Db;
  streams: StreamHub<LoggedFrame>;
  producer: Producer;
  /** Whether the session or key the socket was opened with still grants access. */
  isCurrent(principal: Principal): Promise<boolean>;
  outbox?: OutboxOptions;
}

/** The close code of a socket whose session or key was revoked: the client must authenticate again. */
export const REVOKED_CLOSE = 4401;

/**
 * One WebSocket connection of one user. It starts, stops and follows streams; the streams
 * themselves live in the hub and outlive the connection.
 */
export function createSession(deps: SessionDeps, principal: Principal, socket: SocketLike) {
  const userId = principal.user.id;
  const outbox = createOutbox(socket, deps.outbox);
  const following = new Map<string, () => void>();
  let revoked = false;

  const fail = (requestId: string | null, code: ErrorCode, message: string) =>
    outbox.send({ type: 'error', requestId, seq: 0, code, message });

  async function follow(requestId: string, afterSeq: number): Promise<void> {
    unfollow(requestId);
    let ended = false;
    const stop = await deps.streams.subscribe(requestId, afterSeq, (frame) => {
      outbox.send(frame);
      if (!isFinal(frame)) return;
      ended = true;
      unfollow(requestId);
    });
    if (ended) stop();
    else following.set(requestId, stop);
  }

  function unfollow(requestId: string): void {
    following.get(requestId)?.();
    following.delete(requestId);
  }

  async function start(f: ChatFrame | BenchmarkFrame): Promise<void> {
    if (!(await deps.streams.create(f.requestId, userId))) {
      if ((await deps.streams.owner(f.requestId)) === userId) return follow(f.requestId, 0);
      return fail(f.requestId, 'conflict', 'This request id is already in use');
    }
    await follow(f.requestId, 0);
    if (f.type === 'chat') deps.producer.chat(principal, f);
    else deps.producer.benchmark(principal, f);
  }

  async function resume(requestId: string, lastSeq: number): Promise<void> {
    const owner = await deps.streams.owner(requestId);
    if (owner === userId) return follow(requestId, lastSeq);
    if (owner === null && (await findAnswer(deps.db, requestId))?.userId === userId) {
      return fail(requestId, 'not_resumable', 'This stream has expired; the answer is stored in its conversation');
    }
    return fail(requestId, 'not_found', 'No such stream');
  }

  async function stop(requestId: string): Promise<void> {
    if (deps.producer.stop(requestId, userId)) return;
    if ((await deps.streams.owner(requestId)) !== userId) return fail(requestId, 'not_found', 'No such stream');
    await deps.streams.requestStop(requestId);
  }

  /** Access ended: the socket closes, and the client gets no more frames from it. */
  function revoke(): void {
    if (revoked) return;
    revoked = true;
    socket.close(REVOKED_CLOSE, 'access revoked; authenticate again');
  }

  return {
    principal,
    revoke,
    async onMessage(raw: unknown): Promise<void> {
      if (revoked) return;
      const parsed = parseClientFrame(raw);
      if (!parsed.ok) return fail(parsed.requestId, 'invalid_frame', parsed.reason);
      const frame = parsed.frame;
      try {
        // A socket outlives the check made at its upgrade, so every request on it is checked again.
        if (!(await deps.isCurrent(principal))) return revoke();
        if (frame.type === 'chat' || frame.type === 'benchmark') return await start(frame);
        if (frame.type === 'resume') return await resume(frame.requestId, frame.lastSeq);
        return await stop(frame.requestId);
      } catch (err) {
        const e = toAppError(err);
        fail(frame.requestId, e.code, e.publicMessage);
      }
    },
    onDrain: () => outbox.drain(),
    /** The connection is gone: stop following; the work it started carries on. */
    onClose(): void {
      for (const stopFollowing of following.values()) stopFollowing();
      following.clear();
      outbox.dispose();
    },
  };
}

export type Session = ReturnType<typeof createSession>;

import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { authGuard, type Principal } from '../auth/guard';
import { revokes } from '../auth/revocation';
import { principalIsCurrent } from '../auth/service';
import { turnDeps } from '../chat/service';
import { wsClosed, wsFrame, wsOpened } from '../metrics/ws-metrics';
import type { SocketLike } from './outbox';
import { createProducer } from './producer';
import { createSession, type Session } from './session';

/**
 * `/ws/chat`: streamed chat turns and benchmarks (the protocol: docs/chat.md). Authenticated at the upgrade by
 * session cookie or `Authorization: Bearer`; frames are validated one by one and a bad frame gets
 * an `error` frame without closing the socket. When that session or key is revoked (on any
 * replica), its sockets close with 4401 and the turns it runs here stop.
 */
export const wsModule = (ctx: AppContext) => {
  const producer = createProducer({ turn: turnDeps(ctx), benchmark: ctx, streams: ctx.streams });
  ctx.lifecycle.closers.push(async () => producer.stopAll());
  const sessions = new Map<object, Session>();
  const isCurrent = (principal: Principal) => principalIsCurrent(ctx.database.db, principal);
  const unsubscribe = ctx.revocations.subscribe((revocation) => {
    producer.stopWhere((principal) => revokes(revocation, principal));
    for (const session of sessions.values()) if (revokes(revocation, session.principal)) session.revoke();
  });
  ctx.lifecycle.closers.push(async () => unsubscribe());
  return new Elysia().use(authGuard(ctx)).ws('/ws/chat', {
    detail: { summary: 'Streamed chat turns: client frames chat, stop, resume, benchmark', tags: ['chat'] },
    open(ws) {
      wsOpened();
      sessions.set(
        ws.raw,
        createSession(
          { db: ctx.database.db, streams: ctx.streams, producer, isCurrent },
          ws.data.principal,
          ws.raw as unknown as SocketLike,
        ),
      );
    },
    message(ws, message) {
      wsFrame('in', (message as { type?: string } | null)?.type);
      void sessions.get(ws.raw)?.onMessage(message);
    },
    drain(ws) {
      sessions.get(ws.raw)?.onDrain();
    },
    close(ws) {
      wsClosed();
      sessions.get(ws.raw)?.onClose();
      sessions.delete(ws.raw);
    },
  });
};

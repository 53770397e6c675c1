import type { AppContext } from '../../context';
import type { Principal } from '../auth/guard';
import type { ChatBody } from './model';
import { runTurn, type TurnDeps, type TurnResult } from './turn';

export function turnDeps(ctx: AppContext): TurnDeps {
  return {
    db: ctx.database.db,
    router: ctx.router,
    limiter: ctx.limiter,
    bus: ctx.bus,
    plugins: ctx.plugins,
    userSettings: ctx.userSettings,
  };
}

/**
 * `POST /api/chat`: one whole turn. A request aborted by the client keeps running (like a dropped
 * socket) so the answer is stored; a failed model call answers with its error after the partial
 * answer is saved.
 */
export async function chatOnce(deps: TurnDeps, principal: Principal, body: ChatBody): Promise<TurnResult> {
  const result = await runTurn(
    deps,
    {
      principal,
      ...body,
      requestId: body.requestId ?? crypto.randomUUID(),
      newRequestId: !body.requestId,
      signal: new AbortController().signal,
    },
    () => {},
  );
  if (result.error) throw result.error;
  return result;
}

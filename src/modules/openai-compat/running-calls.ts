import { AppError } from '../../lib/errors';
import type { Principal } from '../auth/guard';

/**
 * The `/v1` calls in flight on this process, so that revoking a key, a session or a user ends
 * theirs at once instead of letting a long stream run on a credential that no longer exists.
 */
export function createRunningCalls() {
  const calls = new Set<{ principal: Principal; abort: AbortController }>();
  return {
    add(principal: Principal, abort: AbortController): () => void {
      const call = { principal, abort };
      calls.add(call);
      return () => calls.delete(call);
    },
    /** Aborts every call `ended` picks, with the reason its client is told. */
    end(ended: (principal: Principal) => boolean, reason: AppError): void {
      for (const call of calls) if (ended(call.principal)) call.abort.abort(reason);
    },
  };
}
export type RunningCalls = ReturnType<typeof createRunningCalls>;

/** Why a call was aborted, when it was not the client leaving: the error its client is told. */
export const revokedReason = (signal: AbortSignal): AppError | undefined => (signal.reason instanceof AppError ? signal.reason : undefined);

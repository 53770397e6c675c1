import type { ControlMessage, StreamHub } from '../../infra/stream-hub';
import { log } from '../../lib/logger';
import type { Principal } from './guard';

/**
 * A principal that lost its access: one session (by its stored id), one API key, or every session
 * and key of a user. Whatever ends access publishes one; whatever holds access open (sockets,
 * running turns, cached keys) listens on every replica and lets go.
 */
export interface Revocation {
  kind: 'session' | 'apiKey' | 'user';
  id: string;
}

export interface Revocations {
  /** Tells every replica, this one first and even when the others cannot be reached. */
  publish(revocation: Revocation): Promise<void>;
  /** Runs `listener` for each revocation published on any replica; returns the function that stops it. */
  subscribe(listener: (revocation: Revocation) => void): () => void;
}

const TYPE = 'principal_revoked';
const KINDS = new Set<string>(['session', 'apiKey', 'user']);

function readRevocation(message: ControlMessage): Revocation | null {
  if (message.type !== TYPE || typeof message.kind !== 'string' || !KINDS.has(message.kind) || typeof message.id !== 'string') return null;
  return { kind: message.kind as Revocation['kind'], id: message.id };
}

/** Revocations over the stream hub's control channel: in-process alone, or fanned out through Redis. */
export function createRevocations(hub: Pick<StreamHub, 'broadcast' | 'onBroadcast'>): Revocations {
  return {
    async publish(revocation) {
      // The revocation itself is already stored; replicas that miss this still refuse the principal
      // at its next check, so an unreachable fan-out is logged, not failed.
      await hub
        .broadcast({ type: TYPE, kind: revocation.kind, id: revocation.id })
        .catch((error) => log.warn('revocation not fanned out to other replicas', { kind: revocation.kind, error }));
    },
    subscribe(listener) {
      return hub.onBroadcast((message) => {
        const revocation = readRevocation(message);
        if (revocation) listener(revocation);
      });
    },
  };
}

/** Whether `revocation` ends `principal`'s access. */
export function revokes(revocation: Revocation, principal: Principal): boolean {
  if (revocation.kind === 'user') return principal.user.id === revocation.id;
  if (revocation.kind === 'apiKey') return principal.apiKeyId === revocation.id;
  return principal.sessionId === revocation.id;
}

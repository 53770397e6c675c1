import type { Db } from '../../db/client';
import type { Revocation } from '../auth/revocation';
import { hashToken } from '../auth/tokens';
import { findActiveKey, type KeyPrincipal, touchKey } from './service';

/**
 * API-key lookups sit on the hot path of every `/v1` request, so resolved keys are kept for a
 * few seconds. A revocation (of the key or its user), published on any replica, evicts the entry
 * on every replica at once; `ttlMs` bounds staleness only if that message is lost. `last_used_at`
 * is written at most once per `touchEveryMs` per key.
 */
export class KeyCache {
  private readonly entries = new Map<string, { principal: KeyPrincipal | null; until: number }>();
  private readonly touched = new Map<string, number>();
  /** Bumped by every revocation: a lookup that was under way meanwhile may have read the key before it, so it is not kept. */
  private generation = 0;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 5_000,
    private readonly touchEveryMs = 60_000,
  ) {}

  async resolve(key: string): Promise<KeyPrincipal | null> {
    const hash = hashToken(key);
    const now = Date.now();
    const hit = this.entries.get(hash);
    let principal: KeyPrincipal | null;
    if (hit && hit.until > now) principal = hit.principal;
    else {
      const generation = this.generation;
      principal = await findActiveKey(this.db, key);
      if (this.entries.size > 10_000) this.entries.clear();
      if (generation === this.generation) this.entries.set(hash, { principal, until: now + this.ttlMs });
    }
    if (principal && (this.touched.get(principal.apiKeyId) ?? 0) + this.touchEveryMs < now) {
      this.touched.set(principal.apiKeyId, now);
      void touchKey(this.db, principal.apiKeyId).catch(() => this.touched.delete(principal.apiKeyId));
    }
    return principal;
  }

  /** Drops what a revocation ended: the key, or every key of the user. */
  forget(revocation: Revocation): void {
    if (revocation.kind === 'session') return;
    this.generation++;
    const ended = (p: KeyPrincipal) => (revocation.kind === 'apiKey' ? p.apiKeyId : p.user.id) === revocation.id;
    for (const [hash, e] of this.entries) if (e.principal && ended(e.principal)) this.entries.delete(hash);
  }
}

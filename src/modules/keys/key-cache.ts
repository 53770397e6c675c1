import type { Db } from '../../db/client';
import { hashToken } from '../auth/tokens';
import { findActiveKey, type KeyPrincipal, touchKey } from './service';

/**
 * API-key lookups sit on the hot path of every `/v1` request, so resolved keys are kept for a
 * few seconds. Revocation evicts the entry at once in this process; another replica notices
 * within `ttlMs`. `last_used_at` is written at most once per `touchEveryMs` per key.
 */
export class KeyCache {
  private readonly entries = new Map<string, { principal: KeyPrincipal | null; until: number }>();
  private readonly touched = new Map<string, number>();

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
      principal = await findActiveKey(this.db, key);
      if (this.entries.size > 10_000) this.entries.clear();
      this.entries.set(hash, { principal, until: now + this.ttlMs });
    }
    if (principal && (this.touched.get(principal.apiKeyId) ?? 0) + this.touchEveryMs < now) {
      this.touched.set(principal.apiKeyId, now);
      void touchKey(this.db, principal.apiKeyId).catch(() => this.touched.delete(principal.apiKeyId));
    }
    return principal;
  }

  evict(apiKeyId: string): void {
    for (const [hash, e] of this.entries) if (e.principal?.apiKeyId === apiKeyId) this.entries.delete(hash);
  }
}

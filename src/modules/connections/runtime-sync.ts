import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { connections } from '../../db/schema';
import type { Broadcast } from '../../infra/broadcast';
import { log } from '../../lib/logger';
import type { SecretBox } from '../../lib/secret-box';
import type { RuntimeModels } from '../../providers/model-directory';
import type { ConnectionSpec } from '../../providers/registry';
import type { Router } from '../../providers/router';
import { loadModelPolicies } from '../admin-models/service';
import { readDefaultModel } from '../settings/default-model';
import { connectionSpec, resealConnectionKeys } from './service';

/**
 * Keeps the router serving what the database says: admins' connections, model settings and the
 * default model. A change is served here before the admin's request returns, and other replicas
 * are told to reload; a slow periodic reload heals a replica that missed the message.
 */
export interface RuntimeSync {
  /** Seals keys under the current secret key, loads the state and starts listening for changes. */
  start(): Promise<void>;
  /** Reads the state and serves it from the next request on. */
  reload(): Promise<void>;
  /** After an admin's change: reloads here, then tells the other replicas. */
  changed(): Promise<void>;
  stop(): Promise<void>;
}

const CHANNEL = 'models';
const RELOAD_EVERY_MS = 60_000;

export function createRuntimeSync(deps: { db: Db; router: Router; secrets: SecretBox; broadcast: Broadcast }): RuntimeSync {
  const { db, router, secrets, broadcast } = deps;
  let timer: ReturnType<typeof setInterval> | undefined;

  async function load(): Promise<RuntimeModels> {
    const [rows, policies, defaultModel] = await Promise.all([
      db.select().from(connections).where(eq(connections.enabled, true)).orderBy(asc(connections.name)),
      loadModelPolicies(db),
      readDefaultModel(db),
    ]);
    const specs: ConnectionSpec[] = [];
    for (const row of rows) {
      try {
        specs.push(await connectionSpec(secrets, row));
      } catch (error) {
        log.error('connection not served: its key does not open with this server’s secret key', { connection: row.name, error });
      }
    }
    return { connections: specs, policies, defaultModel };
  }

  // One reload at a time; calls arriving before the next one starts share it, since it reads their change.
  let tail: Promise<void> = Promise.resolve();
  let next: Promise<void> | undefined;
  function reload(): Promise<void> {
    if (next) return next;
    const run = tail.then(async () => {
      next = undefined;
      router.configure(await load());
    });
    next = run;
    tail = run.catch(() => {});
    return run;
  }

  const reloadQuietly = () => reload().catch((error) => log.warn('models not reloaded', { error }));

  return {
    async start() {
      const resealed = await resealConnectionKeys(db, secrets);
      if (resealed) log.info('connection keys sealed again under the current secret key', { count: resealed });
      broadcast.subscribe(CHANNEL, () => void reloadQuietly());
      await reload();
      timer = setInterval(reloadQuietly, RELOAD_EVERY_MS);
      timer.unref?.();
    },
    reload,
    async changed() {
      await reload();
      await broadcast
        .publish(CHANNEL, 'changed')
        .catch((error) => log.warn('other replicas not told of a model change; they reload within a minute', { error }));
    },
    async stop() {
      clearInterval(timer);
      await tail;
    },
  };
}

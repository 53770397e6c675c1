import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { isUniqueViolation } from '../../db/errors';
import { connections, modelSettings, settings } from '../../db/schema';
import { AppError, notFound, toAppError } from '../../lib/errors';
import type { SecretBox } from '../../lib/secret-box';
import { type ConnectionSpec, environmentConnections, listUpstreamModels } from '../../providers/registry';
import type { ProvidersConfig } from '../../providers/types';
import type { ChangeBy } from '../admin/change-by';
import { recordAudit } from '../audit/service';
import type { ConnectionTest, ConnectionView, CreateConnection, UpdateConnection } from './model';

export interface ConnectionDeps {
  db: Db;
  secrets: SecretBox;
  /** The environment's providers, listed as read-only connections. */
  environment: ProvidersConfig;
  /** Serves the change here and on every replica; resolves once this one serves it. */
  changed(): Promise<void>;
}

type Row = typeof connections.$inferSelect;

/** Names the environment's providers use or the router gives a meaning, whether or not they are configured now. */
const RESERVED_NAMES = new Set(['openai', 'anthropic', 'local', 'offline', 'default']);
const ENV_PREFIX = 'env:';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TEST_TIMEOUT_MS = 10_000;

/** What listings show of a key: enough to tell keys apart, never enough to use one. */
export function maskKey(key: string): string {
  return key.length < 12 ? '…' : `${key.slice(0, 3)}…${key.slice(-4)}`;
}

/** The additional data a key is sealed with: a sealed value moved to another row does not open there. */
const keyContext = (id: string) => `connection:${id}`;

function view(r: Row): ConnectionView {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    baseUrl: r.baseUrl,
    apiKeyMasked: r.apiKeyHint,
    enabled: r.enabled,
    source: 'admin',
    readOnly: false,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

function environmentView(spec: ConnectionSpec): ConnectionView {
  return {
    id: `${ENV_PREFIX}${spec.name}`,
    kind: spec.kind,
    name: spec.name,
    baseUrl: spec.baseUrl ?? null,
    apiKeyMasked: spec.apiKey ? maskKey(spec.apiKey) : null,
    enabled: true,
    source: 'environment',
    readOnly: true,
    createdAt: null,
    updatedAt: null,
  };
}

/** The environment's providers first, then admins' connections by name. */
export async function listConnections(deps: Pick<ConnectionDeps, 'db' | 'environment'>): Promise<ConnectionView[]> {
  const rows = await deps.db.select().from(connections).orderBy(asc(connections.name));
  return [...environmentConnections(deps.environment).map(environmentView), ...rows.map(view)];
}

async function findRow(db: Db, id: string): Promise<Row> {
  if (id.startsWith(ENV_PREFIX)) throw new AppError('connection_read_only');
  const [row] = UUID.test(id) ? await db.select().from(connections).where(eq(connections.id, id)) : [];
  if (!row) throw notFound('Connection');
  return row;
}

/** A connection must be able to serve once saved: a base URL where there is no vendor default, a key where the vendor needs one. */
function checkShape(c: { kind: Row['kind']; name: string; baseUrl: string | null; hasKey: boolean }): void {
  if (RESERVED_NAMES.has(c.name)) throw new AppError('connection_name_taken', { message: `The name "${c.name}" is reserved.` });
  if (c.kind === 'openai-compatible' && !c.baseUrl)
    throw new AppError('validation_error', { message: 'An openai-compatible connection needs a baseUrl.' });
  if (c.kind !== 'openai-compatible' && !c.hasKey)
    throw new AppError('validation_error', { message: `An ${c.kind} connection needs an apiKey.` });
}

function checkKey(key: string | null | undefined): void {
  if (key && /\s/.test(key)) throw new AppError('validation_error', { message: 'The apiKey must not contain spaces or line breaks.' });
}

export async function createConnection(deps: ConnectionDeps, by: ChangeBy, body: CreateConnection): Promise<ConnectionView> {
  checkKey(body.apiKey);
  checkShape({ kind: body.kind, name: body.name, baseUrl: body.baseUrl ?? null, hasKey: Boolean(body.apiKey) });
  const id = crypto.randomUUID();
  const values = {
    id,
    kind: body.kind,
    name: body.name,
    baseUrl: body.baseUrl ?? null,
    apiKeySealed: body.apiKey ? await deps.secrets.seal(body.apiKey, keyContext(id)) : null,
    apiKeyHint: body.apiKey ? maskKey(body.apiKey) : null,
    enabled: body.enabled ?? true,
  };
  const [row] = await deps.db.insert(connections).values(values).onConflictDoNothing({ target: connections.name }).returning();
  if (!row) throw new AppError('connection_name_taken');
  await recordAudit(deps.db, {
    ...by,
    action: 'connection.create',
    target: `connection:${id}`,
    details: { kind: row.kind, name: row.name, baseUrl: row.baseUrl, enabled: row.enabled, apiKey: row.apiKeySealed ? 'set' : 'none' },
  });
  await deps.changed();
  return view(row);
}

/** The ids of a connection's models start with its name; renaming it carries their settings along. */
async function renameModels(db: Db, from: string, to: string): Promise<void> {
  const prefix = `${from}/`;
  await db
    .update(modelSettings)
    .set({ modelId: sql`${to} || '/' || substr(${modelSettings.modelId}, ${prefix.length + 1})` })
    .where(sql`starts_with(${modelSettings.modelId}, ${prefix})`);
  await db
    .update(settings)
    .set({ value: sql`to_jsonb(${to} || '/' || substr(${settings.value} #>> '{}', ${prefix.length + 1}))` })
    .where(sql`${settings.key} = 'defaultModel' and starts_with(${settings.value} #>> '{}', ${prefix})`);
}

export async function updateConnection(deps: ConnectionDeps, by: ChangeBy, id: string, patch: UpdateConnection): Promise<ConnectionView> {
  const before = await findRow(deps.db, id);
  checkKey(patch.apiKey);
  const next = {
    kind: patch.kind ?? before.kind,
    name: patch.name ?? before.name,
    baseUrl: patch.baseUrl === undefined ? before.baseUrl : patch.baseUrl,
    enabled: patch.enabled ?? before.enabled,
  };
  const keyChange = patch.apiKey === undefined ? undefined : patch.apiKey === null ? 'removed' : 'replaced';
  checkShape({ ...next, hasKey: patch.apiKey === undefined ? before.apiKeySealed !== null : patch.apiKey !== null });
  const key =
    patch.apiKey === undefined
      ? {}
      : patch.apiKey === null
        ? { apiKeySealed: null, apiKeyHint: null }
        : { apiKeySealed: await deps.secrets.seal(patch.apiKey, keyContext(id)), apiKeyHint: maskKey(patch.apiKey) };
  let row: Row;
  try {
    row = await deps.db.transaction(async (tx) => {
      const [updated] = await tx
        .update(connections)
        .set({ ...next, ...key, updatedAt: new Date() })
        .where(eq(connections.id, id))
        .returning();
      if (!updated) throw notFound('Connection');
      if (next.name !== before.name) await renameModels(tx as unknown as Db, before.name, next.name);
      return updated;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('connection_name_taken');
    throw err;
  }
  const changes: Record<string, unknown> = {};
  for (const field of ['kind', 'name', 'baseUrl', 'enabled'] as const)
    if (before[field] !== row[field]) changes[field] = { from: before[field], to: row[field] };
  if (keyChange) changes.apiKey = keyChange;
  await recordAudit(deps.db, { ...by, action: 'connection.update', target: `connection:${id}`, details: { name: row.name, changes } });
  await deps.changed();
  return view(row);
}

/** Deletes a connection and its models' settings: its models are gone with it. */
export async function deleteConnection(deps: ConnectionDeps, by: ChangeBy, id: string): Promise<ConnectionView> {
  const row = await findRow(deps.db, id);
  await deps.db.transaction(async (tx) => {
    await tx.delete(connections).where(eq(connections.id, id));
    await tx.delete(modelSettings).where(sql`starts_with(${modelSettings.modelId}, ${`${row.name}/`})`);
  });
  await recordAudit(deps.db, {
    ...by,
    action: 'connection.delete',
    target: `connection:${id}`,
    details: { name: row.name, kind: row.kind },
  });
  await deps.changed();
  return view(row);
}

/** The provider spec a row describes, its key opened; throws `secret_unreadable` when the key cannot be. */
export async function connectionSpec(secrets: SecretBox, row: Row): Promise<ConnectionSpec> {
  return {
    name: row.name,
    kind: row.kind,
    baseUrl: row.baseUrl ?? undefined,
    apiKey: row.apiKeySealed ? await secrets.open(row.apiKeySealed, keyContext(row.id)) : undefined,
  };
}

/** Reaches the connection (enabled or not) and lists its models; a failure is reported in the catalogue's words. */
export async function testConnection(deps: Pick<ConnectionDeps, 'db' | 'secrets' | 'environment'>, id: string): Promise<ConnectionTest> {
  const env = environmentConnections(deps.environment).find((s) => `${ENV_PREFIX}${s.name}` === id);
  if (!env && id.startsWith(ENV_PREFIX)) throw notFound('Connection');
  const row = env ? undefined : await findRow(deps.db, id);
  const started = performance.now();
  const latencyMs = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const spec = env ?? (await connectionSpec(deps.secrets, row!));
    const models = await listUpstreamModels(spec, TEST_TIMEOUT_MS);
    return { ok: true, latencyMs: latencyMs(), models };
  } catch (err) {
    const e = toAppError(err, 'upstream_unavailable');
    return { ok: false, latencyMs: latencyMs(), models: [], error: { code: e.code, message: e.publicMessage } };
  }
}

/** Seals again under the current key every key sealed under a previous one; returns how many. */
export async function resealConnectionKeys(db: Db, secrets: SecretBox): Promise<number> {
  const rows = await db.select().from(connections);
  let resealed = 0;
  for (const row of rows) {
    if (!row.apiKeySealed || !secrets.isStale(row.apiKeySealed)) continue;
    const plain = await secrets.open(row.apiKeySealed, keyContext(row.id)).catch(() => undefined);
    if (plain === undefined) continue;
    const sealed = await secrets.seal(plain, keyContext(row.id));
    // Another replica may have sealed it again meanwhile; either result opens under the current key.
    const updated = await db
      .update(connections)
      .set({ apiKeySealed: sealed })
      .where(sql`${connections.id} = ${row.id} and ${connections.apiKeySealed} = ${row.apiKeySealed}`)
      .returning({ id: connections.id });
    resealed += updated.length;
  }
  return resealed;
}

import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { isUniqueViolation } from '../../db/errors';
import { mcpServers } from '../../db/schema';
import { AppError, notFound } from '../../lib/errors';
import type { SecretBox } from '../../lib/secret-box';
import { McpConnection, type McpServerSpec } from '../../mcp/connection';
import type { McpHub } from '../../mcp/hub';
import { loadMcpAuth } from '../../mcp/sdk';
import type { ChangeBy } from '../admin/change-by';
import { recordAudit } from '../audit/service';
import { maskKey } from '../connections/service';
import type { CreateMcpServer, McpServerTest, McpServerView, UpdateMcpServer } from './model';

export interface McpServerDeps {
  db: Db;
  secrets: SecretBox;
  hub: McpHub;
  /** Whether stdio servers (programs run on this host) may be registered and run: MCP_STDIO. */
  stdio: boolean;
  /** Serves the change here and tells the other replicas to reload. */
  changed(): Promise<void>;
}

type Row = typeof mcpServers.$inferSelect;

/** A sealed value moved to another row or field does not open there. */
const sealContext = (id: string, field: 'headers' | 'token' | 'oauth-client-secret') => `mcp-server:${id}:${field}`;

function view(r: Row, hub: McpHub): McpServerView {
  const conn = hub.connection(r.id);
  const tools = r.auth === 'oauth' ? hub.catalogueOf(r.id) : (conn?.tools ?? []);
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    command: r.command,
    args: r.args,
    transport: r.transport,
    headerNames: r.headerNames,
    tokenMasked: r.tokenHint,
    enabled: r.enabled,
    allowedTools: r.allowedTools ?? null,
    auth: r.auth,
    oauthClientId: r.oauthClientId,
    oauthClientSecretSet: r.oauthClientSecretSealed !== null,
    oauthScope: r.oauthScope,
    connected: r.auth === 'oauth' ? hub.anyUserConnected(r.id) : (conn?.connected ?? false),
    tools: tools.map((t) => t.name),
    ...(conn?.lastError ? { lastError: conn.lastError } : {}),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The connection details of a row, its headers and token opened. */
export async function specOf(secrets: SecretBox, row: Row): Promise<McpServerSpec> {
  const headers: Record<string, string> = row.headersSealed
    ? JSON.parse(await secrets.open(row.headersSealed, sealContext(row.id, 'headers')))
    : {};
  if (row.tokenSealed) headers.Authorization = `Bearer ${await secrets.open(row.tokenSealed, sealContext(row.id, 'token'))}`;
  const clientSecret = row.oauthClientSecretSealed
    ? await secrets.open(row.oauthClientSecretSealed, sealContext(row.id, 'oauth-client-secret'))
    : undefined;
  return {
    id: row.id,
    name: row.name,
    url: row.url ?? undefined,
    command: row.command ?? undefined,
    args: row.args,
    transport: row.transport,
    headers,
    enabled: row.enabled,
    allowedTools: row.allowedTools ?? undefined,
    auth: row.auth,
    ...(row.auth === 'oauth'
      ? {
          oauth: {
            ...(row.oauthClientId ? { clientId: row.oauthClientId } : {}),
            ...(clientSecret ? { clientSecret } : {}),
            ...(row.oauthScope ? { scope: row.oauthScope } : {}),
          },
        }
      : {}),
  };
}

/** Every registered server's spec; one whose credentials no longer open is left out (and logged by the caller). */
export async function loadSpecs(db: Db, secrets: SecretBox, onUnreadable: (name: string) => void): Promise<McpServerSpec[]> {
  const rows = await db.select().from(mcpServers).orderBy(asc(mcpServers.name));
  const specs: McpServerSpec[] = [];
  for (const row of rows) {
    try {
      specs.push(await specOf(secrets, row));
    } catch {
      onUnreadable(row.name);
    }
  }
  return specs;
}

export async function listMcpServers(deps: McpServerDeps): Promise<McpServerView[]> {
  await deps.hub.warm();
  const rows = await deps.db.select().from(mcpServers).orderBy(asc(mcpServers.name));
  return rows.map((r) => view(r, deps.hub));
}

async function findRow(db: Db, id: string): Promise<Row> {
  const [row] = await db.select().from(mcpServers).where(eq(mcpServers.id, id));
  if (!row) throw notFound('MCP server');
  return row;
}

async function sealed(
  deps: McpServerDeps,
  id: string,
  headers: Record<string, string> | null | undefined,
  token: string | null | undefined,
  clientSecret?: string | null,
) {
  const out: Partial<Row> = {};
  if (clientSecret !== undefined)
    out.oauthClientSecretSealed = clientSecret ? await deps.secrets.seal(clientSecret, sealContext(id, 'oauth-client-secret')) : null;
  if (headers !== undefined) {
    const names = Object.keys(headers ?? {});
    out.headersSealed = names.length ? await deps.secrets.seal(JSON.stringify(headers), sealContext(id, 'headers')) : null;
    out.headerNames = names;
  }
  if (token !== undefined) {
    out.tokenSealed = token ? await deps.secrets.seal(token, sealContext(id, 'token')) : null;
    out.tokenHint = token ? maskKey(token) : null;
  }
  return out;
}

/**
 * A stdio server has a command and no URL, any other a URL and no command; stdio only where the
 * operator allows it. An OAuth server speaks HTTP, takes no shared token, and a client secret only
 * with its client id.
 */
function checkShape(
  deps: Pick<McpServerDeps, 'stdio'>,
  s: {
    url: string | null;
    command: string | null;
    transport: Row['transport'];
    auth: Row['auth'];
    token: boolean;
    clientId: boolean;
    clientSecret: boolean;
  },
): void {
  if (s.transport === 'stdio' && !deps.stdio) throw new AppError('mcp_stdio_disabled');
  const ok = s.transport === 'stdio' ? s.command !== null && s.url === null : s.url !== null && s.command === null;
  if (!ok)
    throw new AppError('validation_error', {
      message: 'A stdio MCP server needs a command and no url; any other needs a url and no command.',
    });
  if (s.auth === 'oauth' && (s.transport === 'stdio' || s.token))
    throw new AppError('validation_error', { message: 'An oauth MCP server needs a url and takes no token: each user signs in.' });
  if (s.auth !== 'oauth' && (s.clientId || s.clientSecret))
    throw new AppError('validation_error', { message: 'oauthClientId and oauthClientSecret are for an oauth MCP server.' });
  if (s.clientSecret && !s.clientId) throw new AppError('validation_error', { message: 'oauthClientSecret needs oauthClientId.' });
}

export async function createMcpServer(deps: McpServerDeps, by: ChangeBy, body: CreateMcpServer): Promise<McpServerView> {
  const transport = body.transport ?? (body.command ? 'stdio' : 'auto');
  const auth = body.auth ?? (body.token ? 'bearer' : 'none');
  checkShape(deps, {
    url: body.url ?? null,
    command: body.command ?? null,
    transport,
    auth,
    token: body.token !== undefined,
    clientId: body.oauthClientId !== undefined,
    clientSecret: body.oauthClientSecret !== undefined,
  });
  const id = crypto.randomUUID();
  const values = {
    id,
    name: body.name,
    url: body.url ?? null,
    command: body.command ?? null,
    args: body.args ?? [],
    transport,
    enabled: body.enabled ?? true,
    allowedTools: body.allowedTools ?? null,
    auth,
    oauthClientId: body.oauthClientId ?? null,
    oauthScope: body.oauthScope ?? null,
    ...(await sealed(deps, id, body.headers ?? null, body.token ?? null, body.oauthClientSecret ?? null)),
  };
  const [row] = await deps.db.insert(mcpServers).values(values).onConflictDoNothing({ target: mcpServers.name }).returning();
  if (!row) throw new AppError('mcp_server_name_taken');
  await recordAudit(deps.db, {
    ...by,
    action: 'mcp_server.create',
    target: `mcp-server:${id}`,
    details: {
      name: row.name,
      url: row.url,
      command: row.command,
      args: row.args,
      transport: row.transport,
      enabled: row.enabled,
      allowedTools: row.allowedTools,
      headers: row.headerNames,
      token: row.tokenSealed ? 'set' : 'none',
      auth: row.auth,
      ...(row.auth === 'oauth'
        ? { oauthClientId: row.oauthClientId, oauthClientSecret: row.oauthClientSecretSealed ? 'set' : 'none', oauthScope: row.oauthScope }
        : {}),
    },
  });
  await deps.changed();
  return view(row, deps.hub);
}

export async function updateMcpServer(deps: McpServerDeps, by: ChangeBy, id: string, patch: UpdateMcpServer): Promise<McpServerView> {
  const before = await findRow(deps.db, id);
  const kept = <T>(value: T | undefined, was: T) => (value === undefined ? was : value);
  checkShape(deps, {
    url: kept(patch.url, before.url),
    command: kept(patch.command, before.command),
    transport: patch.transport ?? before.transport,
    auth: patch.auth ?? before.auth,
    token: kept(patch.token, before.tokenSealed) !== null,
    clientId: kept(patch.oauthClientId, before.oauthClientId) !== null,
    clientSecret: kept(patch.oauthClientSecret, before.oauthClientSecretSealed) !== null,
  });
  const fields = {
    ...(patch.name === undefined ? {} : { name: patch.name }),
    ...(patch.url === undefined ? {} : { url: patch.url }),
    ...(patch.command === undefined ? {} : { command: patch.command }),
    ...(patch.args === undefined ? {} : { args: patch.args }),
    ...(patch.transport === undefined ? {} : { transport: patch.transport }),
    ...(patch.enabled === undefined ? {} : { enabled: patch.enabled }),
    ...(patch.allowedTools === undefined ? {} : { allowedTools: patch.allowedTools }),
    ...(patch.auth === undefined ? {} : { auth: patch.auth }),
    ...(patch.oauthClientId === undefined ? {} : { oauthClientId: patch.oauthClientId }),
    ...(patch.oauthScope === undefined ? {} : { oauthScope: patch.oauthScope }),
    ...(await sealed(deps, id, patch.headers, patch.token, patch.oauthClientSecret)),
  };
  let row: Row | undefined;
  try {
    [row] = await deps.db
      .update(mcpServers)
      .set({ ...fields, updatedAt: new Date() })
      .where(eq(mcpServers.id, id))
      .returning();
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('mcp_server_name_taken');
    throw err;
  }
  if (!row) throw notFound('MCP server');
  const changes: Record<string, unknown> = {};
  for (const field of ['name', 'url', 'command', 'transport', 'enabled', 'auth', 'oauthClientId', 'oauthScope'] as const)
    if (before[field] !== row[field]) changes[field] = { from: before[field], to: row[field] };
  if (patch.args !== undefined) changes.args = { from: before.args, to: row.args };
  if (patch.allowedTools !== undefined) changes.allowedTools = { from: before.allowedTools, to: row.allowedTools };
  if (patch.headers !== undefined) changes.headers = patch.headers === null ? 'removed' : { names: row.headerNames };
  if (patch.token !== undefined) changes.token = patch.token === null ? 'removed' : 'replaced';
  if (patch.oauthClientSecret !== undefined) changes.oauthClientSecret = patch.oauthClientSecret === null ? 'removed' : 'replaced';
  await recordAudit(deps.db, { ...by, action: 'mcp_server.update', target: `mcp-server:${id}`, details: { name: row.name, changes } });
  await deps.changed();
  return view(row, deps.hub);
}

export async function deleteMcpServer(deps: McpServerDeps, by: ChangeBy, id: string): Promise<McpServerView> {
  const [row] = await deps.db.delete(mcpServers).where(eq(mcpServers.id, id)).returning();
  if (!row) throw notFound('MCP server');
  await recordAudit(deps.db, { ...by, action: 'mcp_server.delete', target: `mcp-server:${id}`, details: { name: row.name, url: row.url } });
  await deps.changed();
  return view(row, deps.hub);
}

/** Connects afresh (whether or not the server is enabled) and lists its tools. */
export async function testMcpServer(deps: McpServerDeps, id: string): Promise<McpServerTest> {
  const row = await findRow(deps.db, id);
  if (row.transport === 'stdio' && !deps.stdio) throw new AppError('mcp_stdio_disabled');
  const spec = await specOf(deps.secrets, row);
  if (spec.auth === 'oauth') return testOauthServer(spec);
  const conn = new McpConnection(spec, () => {});
  const started = performance.now();
  try {
    await conn.ready();
    return {
      ok: true,
      latencyMs: Math.round(performance.now() - started),
      tools: conn.tools.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}) })),
    };
  } catch (err) {
    const message = conn.lastError ? `${(err as AppError).publicMessage} ${conn.lastError}` : (err as AppError).publicMessage;
    return { ok: false, latencyMs: Math.round(performance.now() - started), tools: [], error: { code: 'mcp_unreachable', message } };
  } finally {
    await conn.close();
  }
}

/** An OAuth server lists its tools only to a signed-in user: the test finds its authorization server. */
async function testOauthServer(spec: McpServerSpec): Promise<McpServerTest> {
  const started = performance.now();
  try {
    const info = await (await loadMcpAuth()).discoverOAuthServerInfo(spec.url ?? '');
    if (!info.authorizationServerMetadata) throw new Error('no authorization server metadata');
    return {
      ok: true,
      latencyMs: Math.round(performance.now() - started),
      tools: [],
      authorizationServer: String(info.authorizationServerUrl),
    };
  } catch (err) {
    const message = `The MCP server ${spec.name} names no usable OAuth authorization server: ${err instanceof Error ? err.message.slice(0, 200) : 'unknown error'}`;
    return { ok: false, latencyMs: Math.round(performance.now() - started), tools: [], error: { code: 'mcp_unreachable', message } };
  }
}

/** Seals again under the current key the headers and tokens sealed under a previous one; returns how many rows changed. */
export async function resealMcpServerSecrets(db: Db, secrets: SecretBox): Promise<number> {
  const fields = { headersSealed: 'headers', tokenSealed: 'token', oauthClientSecretSealed: 'oauth-client-secret' } as const;
  let resealed = 0;
  for (const row of await db.select().from(mcpServers)) {
    const stale = (v: string | null) => v !== null && secrets.isStale(v);
    const columns = (Object.keys(fields) as (keyof typeof fields)[]).filter((c) => stale(row[c]));
    if (!columns.length) continue;
    const next: Partial<Record<keyof typeof fields, string>> = {};
    try {
      for (const c of columns)
        next[c] = await secrets.seal(await secrets.open(row[c]!, sealContext(row.id, fields[c])), sealContext(row.id, fields[c]));
    } catch {
      continue;
    }
    // Another replica may have sealed them again meanwhile; either result opens under the current key.
    const unchanged = columns.map((c) => sql`${mcpServers[c]} = ${row[c]}`);
    const updated = await db
      .update(mcpServers)
      .set(next)
      .where(and(eq(mcpServers.id, row.id), ...unchanged))
      .returning({ id: mcpServers.id });
    resealed += updated.length;
  }
  return resealed;
}

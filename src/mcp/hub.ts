import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { TSchema } from '@sinclair/typebox';
import { AppError } from '../lib/errors';
import { log } from '../lib/logger';
import type { Plugin, PluginContext, PluginResult } from '../plugins/types';
import { type CallOptions, McpConnection, type McpServerSpec } from './connection';
import { capText, resultText } from './tool-result';

export interface McpLimits {
  toolTimeoutMs: number;
  resultMaxChars: number;
  userConcurrency: number;
}

/** What a tool call shows in the UI: where it ran, what it was given and what came back. */
export interface McpCallData {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  result: string;
  truncated: boolean;
}

const BUSY_RETRY_MS = 1000;
/** The part of a result kept with the answer for the UI; the model read the whole (capped) text. */
const RECORDED_CHARS = 2000;

/** The broadcast channel on which replicas hear that the registered servers changed. */
export const MCP_SERVERS_CHANNEL = 'mcp-servers';

/** Whether a plugin name is an MCP tool's (`mcp:<server>:<tool>`), offered now or not. */
export const isMcpToolName = (name: string): boolean => name.startsWith('mcp:');

/** The name a model calls a tool by: providers allow only `[A-Za-z0-9_-]{1,64}`. */
export function wireName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/** A tool description's first sentence: servers write them for models, often at length. */
function firstSentence(text: string | undefined): string | undefined {
  const first = text
    ?.trim()
    .split(/(?<=[.!?])\s|\n/)[0]
    ?.trim();
  return first ? first.replace(/[.!?]$/, '') : undefined;
}

function objectArgs(args: unknown): Record<string, unknown> {
  if (args === null || typeof args !== 'object' || Array.isArray(args))
    throw new AppError('invalid_plugin_args', { message: 'MCP tool arguments must be a JSON object.' });
  return args as Record<string, unknown>;
}

/** Where the hub finds a user's own accounts at OAuth servers. */
export interface McpUserAuth {
  /** The ids of the OAuth servers this user holds tokens for. */
  linked(userId: string): Promise<Set<string>>;
  /** The SDK's provider of this user's tokens for a server, refreshing them when they expire. */
  provider(userId: string, spec: McpServerSpec): Promise<OAuthClientProvider>;
}

/**
 * The MCP servers admins registered, as plugins named `mcp:<server>:<tool>`. Holds one shared
 * connection per enabled server without per-user sign-in, and for an OAuth server one connection
 * per user who connected their account; rebuilds the plugin list whenever a server's tools change.
 */
export class McpHub {
  private connections = new Map<string, McpConnection>();
  private oauthSpecs = new Map<string, McpServerSpec>();
  /** OAuth servers' connections: server id → user id → that user's own connection. */
  private userConnections = new Map<string, Map<string, McpConnection>>();
  /** The tools an OAuth server last listed to any user, offered to the others as "connect your account". */
  private catalogue = new Map<string, Tool[]>();
  private running = new Map<string, number>();
  private list: Plugin[] = [];

  constructor(
    private readonly load: () => Promise<McpServerSpec[]>,
    private readonly limits: McpLimits,
    private readonly userAuth?: McpUserAuth,
  ) {}

  /** The tools offered now, as plugins. */
  plugins(): readonly Plugin[] {
    return this.list;
  }

  /** Reads the servers again; a changed or removed server's connection is closed. */
  async reload(opts: { warm: boolean } = { warm: true }): Promise<void> {
    const all = (await this.load()).filter((s) => s.enabled);
    const specs = all.filter((s) => s.auth !== 'oauth');
    // An unchanged server keeps its spec object: its users' connections stay and are recognised as current.
    const same = (spec: McpServerSpec) => JSON.stringify(spec) === JSON.stringify(this.oauthSpecs.get(spec.id));
    const oauth = new Map(
      all.filter((s) => s.auth === 'oauth').map((s) => [s.id, same(s) ? (this.oauthSpecs.get(s.id) as McpServerSpec) : s]),
    );
    for (const [id, users] of this.userConnections) {
      if (oauth.get(id) === this.oauthSpecs.get(id)) continue;
      for (const conn of users.values()) void conn.close();
      this.userConnections.delete(id);
      this.catalogue.delete(id);
    }
    for (const id of this.catalogue.keys()) if (!oauth.has(id)) this.catalogue.delete(id);
    this.oauthSpecs = oauth;
    const next = new Map<string, McpConnection>();
    for (const spec of specs) {
      const current = this.connections.get(spec.id);
      if (current && JSON.stringify(current.spec) === JSON.stringify(spec)) next.set(spec.id, current);
      else next.set(spec.id, new McpConnection(spec, () => this.rebuild()));
    }
    for (const [id, conn] of this.connections) if (next.get(id) !== conn) void conn.close();
    this.connections = next;
    this.rebuild();
    if (opts.warm) await this.warm();
  }

  /**
   * Connects the servers that are not connected and whose backoff has passed; failures only count.
   * With `waitForRetries: false` (a turn about to start) a server that failed before is retried in
   * the background, so a server that is down costs a turn nothing but its absent tools.
   */
  async warm(opts: { waitForRetries: boolean; userId?: string } = { waitForRetries: true }): Promise<void> {
    const mine = opts.userId ? await this.userConnectionsOf(opts.userId) : [];
    const waiting = [...this.connections.values(), ...mine].filter((c) => !c.connected && c.reachable);
    const awaited = opts.waitForRetries ? waiting : waiting.filter((c) => !c.failing);
    for (const c of waiting) if (!awaited.includes(c)) void c.ready().catch(() => {});
    await Promise.all(awaited.map((c) => c.ready().catch(() => {})));
  }

  /**
   * This user's connections to OAuth servers, matched to the tokens they hold now (on any
   * replica): a new account gets a connection, a forgotten one loses it.
   */
  private async userConnectionsOf(userId: string): Promise<McpConnection[]> {
    if (!this.userAuth || this.oauthSpecs.size === 0) return [];
    const linked = await this.userAuth.linked(userId);
    const out: McpConnection[] = [];
    for (const spec of this.oauthSpecs.values()) {
      const users = this.userConnections.get(spec.id) ?? new Map<string, McpConnection>();
      this.userConnections.set(spec.id, users);
      const current = users.get(userId);
      if (!linked.has(spec.id)) {
        if (current) this.forget(userId, spec.id);
        continue;
      }
      if (current) {
        out.push(current);
        continue;
      }
      const provider = await this.userAuth.provider(userId, spec);
      // Another of this user's requests may have opened one meanwhile: one connection per user.
      const opened = users.get(userId);
      if (opened) {
        out.push(opened);
        continue;
      }
      const conn = new McpConnection(spec, () => this.listed(conn), provider);
      users.set(userId, conn);
      out.push(conn);
    }
    return out;
  }

  /** A user's connection listed its server's tools: they become the tools offered for it. */
  private listed(conn: McpConnection): void {
    if (this.oauthSpecs.get(conn.spec.id) !== conn.spec) return;
    this.catalogue.set(conn.spec.id, conn.tools);
    this.rebuild();
  }

  /** Closes a user's connection to a server (their account was disconnected or its tokens replaced). */
  forget(userId: string, serverId: string): void {
    const users = this.userConnections.get(serverId);
    const conn = users?.get(userId);
    if (!conn) return;
    users?.delete(userId);
    void conn.close().catch((error) => log.warn('mcp close failed', { error }));
  }

  /** The enabled servers each user signs in to with their own account. */
  oauthServers(): McpServerSpec[] {
    return [...this.oauthSpecs.values()];
  }

  /** A user's own connection to an OAuth server, if they connected their account. */
  userConnection(serverId: string, userId: string): McpConnection | undefined {
    return this.userConnections.get(serverId)?.get(userId);
  }

  /** The tools an OAuth server last listed to a user on this replica. */
  catalogueOf(serverId: string): Tool[] {
    return this.catalogue.get(serverId) ?? [];
  }

  /** Whether any user's connection to an OAuth server is open on this replica. */
  anyUserConnected(serverId: string): boolean {
    return [...(this.userConnections.get(serverId)?.values() ?? [])].some((c) => c.connected);
  }

  /** The connection for a server id, for the admin's test. */
  connection(id: string): McpConnection | undefined {
    return this.connections.get(id);
  }

  private rebuild(): void {
    const offered = (spec: McpServerSpec, tools: Tool[]) => tools.filter((t) => !spec.allowedTools || spec.allowedTools.includes(t.name));
    this.list = [
      ...[...this.connections.values()].flatMap((conn) => offered(conn.spec, conn.tools).map((t) => this.plugin(conn, t))),
      ...[...this.oauthSpecs.values()].flatMap((spec) =>
        offered(spec, this.catalogue.get(spec.id) ?? []).map((t) => this.userPlugin(spec, t)),
      ),
    ];
  }

  private plugin(conn: McpConnection, tool: Tool): Plugin<Record<string, unknown>, McpCallData> {
    return {
      ...this.pluginOf(conn.spec, tool),
      available: () => (conn.reachable ? { ok: true } : { ok: false, reason: `the MCP server ${conn.spec.name} is unreachable` }),
      run: (args, ctx) => this.call(conn, tool.name, args, ctx),
    };
  }

  /** A tool of an OAuth server: each user calls it over their own connection, with their own tokens. */
  private userPlugin(spec: McpServerSpec, tool: Tool): Plugin<Record<string, unknown>, McpCallData> {
    const server = spec.name;
    return {
      ...this.pluginOf(spec, tool),
      available: (_services, userId) => {
        const conn = userId ? this.userConnection(spec.id, userId) : undefined;
        if (!conn) return { ok: false, reason: `connect your account to ${server} in Settings to use it` };
        if (!conn.reachable) return { ok: false, reason: `the MCP server ${server} is unreachable` };
        if (conn.connected && !conn.tools.some((t) => t.name === tool.name))
          return { ok: false, reason: `${server} does not offer it to your account` };
        return { ok: true };
      },
      run: (args, ctx) => {
        const conn = this.userConnection(spec.id, ctx.userId);
        if (!conn) throw new AppError('mcp_not_connected', { message: `Connect your account to ${server} in Settings first.` });
        return this.call(conn, tool.name, args, ctx);
      },
    };
  }

  private pluginOf(spec: McpServerSpec, tool: Tool): Omit<Plugin<Record<string, unknown>, McpCallData>, 'available' | 'run'> {
    const server = spec.name;
    return {
      name: `mcp:${server}:${tool.name}`,
      toolName: wireName(server, tool.name),
      description: `${tool.description ?? tool.title ?? tool.name} (tool of the MCP server ${server})`,
      summary: `${tool.title ?? firstSentence(tool.description) ?? tool.name} (from ${server})`,
      parameters: tool.inputSchema as unknown as TSchema,
      capabilities: ['network'],
      timeoutMs: this.limits.toolTimeoutMs,
      toolOnly: true,
      validate: objectArgs,
      recorded: (data) => {
        const kept = capText(data.result, RECORDED_CHARS);
        return { ...data, result: kept.text, truncated: data.truncated || kept.truncated };
      },
    };
  }

  private async call(
    conn: McpConnection,
    tool: string,
    args: Record<string, unknown>,
    ctx: PluginContext,
  ): Promise<PluginResult<McpCallData>> {
    const busy = this.running.get(ctx.userId) ?? 0;
    if (busy >= this.limits.userConcurrency)
      throw new AppError('mcp_busy', { details: { retryAfterMs: BUSY_RETRY_MS }, headers: { 'retry-after': '1' } });
    this.running.set(ctx.userId, busy + 1);
    try {
      const opts: CallOptions = { signal: ctx.signal, timeoutMs: Math.max(1, ctx.deadlineMs - Date.now()) };
      const result = await conn.call(tool, args, opts);
      const { text, truncated } = capText(resultText(result), this.limits.resultMaxChars);
      if (result.isError) {
        const said = capText(text, 500).text;
        throw new AppError('mcp_tool_error', { message: `${tool} on ${conn.spec.name} reported an error: ${said}` });
      }
      return { text, data: { server: conn.spec.name, tool, arguments: args, result: text, truncated } };
    } finally {
      const left = (this.running.get(ctx.userId) ?? 1) - 1;
      if (left > 0) this.running.set(ctx.userId, left);
      else this.running.delete(ctx.userId);
    }
  }

  async close(): Promise<void> {
    const all = [...this.connections.values(), ...[...this.userConnections.values()].flatMap((users) => [...users.values()])];
    this.connections.clear();
    this.userConnections.clear();
    this.list = [];
    await Promise.all(all.map((c) => c.close().catch((error) => log.warn('mcp close failed', { error }))));
  }
}

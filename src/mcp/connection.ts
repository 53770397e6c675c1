import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../lib/errors';
import { log } from '../lib/logger';
import { loadMcpClientSdk, type McpClientSdk } from './sdk';

/** What Confab needs to reach one MCP server; the credentials are already opened. */
export interface McpServerSpec {
  id: string;
  name: string;
  /** The HTTP endpoint; absent for a stdio server. */
  url?: string;
  /** The program of a stdio server and its arguments. */
  command?: string;
  args: string[];
  transport: 'auto' | 'streamable-http' | 'sse' | 'stdio';
  headers: Record<string, string>;
  enabled: boolean;
  /** The tools offered; undefined offers all. */
  allowedTools?: string[];
  /** `oauth`: each user connects their own account, and a connection is one user's. */
  auth: 'none' | 'bearer' | 'oauth';
  /** An OAuth server's pre-registered client (its secret opened) and scopes; absent registers dynamically. */
  oauth?: { clientId?: string; clientSecret?: string; scope?: string };
}

export interface CallOptions {
  signal: AbortSignal;
  timeoutMs: number;
}

const CLIENT_INFO = { name: 'confab', version: '0.1.0' };
const CONNECT_TIMEOUT_MS = 10_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/** Why a server could not be reached, in words that carry no credentials. */
function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .replace(/Bearer\s+\S+/gi, 'Bearer …')
    .replace(/\/\/[^/@\s]+@/g, '//…@')
    .slice(0, 200);
}

/**
 * One MCP server as Confab's client sees it: connected on first use, its tool list kept fresh by
 * `notifications/tools/list_changed`, and reconnected with exponential backoff after it drops.
 */
export class McpConnection {
  private client?: Client;
  private connecting?: Promise<Client>;
  private failures = 0;
  private retryAt = 0;
  tools: Tool[] = [];
  lastError?: string;

  constructor(
    readonly spec: McpServerSpec,
    private readonly onToolsChanged: () => void,
    /** One user's OAuth tokens, which the SDK sends and refreshes; absent for a shared connection. */
    private readonly authProvider?: OAuthClientProvider,
  ) {}

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Whether connecting failed since the last success (a retry may take as long as a timeout). */
  get failing(): boolean {
    return this.failures > 0;
  }

  /** Whether a call may be tried now: connected, or past the backoff of the last failure. */
  get reachable(): boolean {
    return this.client !== undefined || Date.now() >= this.retryAt;
  }

  private transport(sdk: McpClientSdk, kind: 'streamable-http' | 'sse' | 'stdio'): Transport {
    // The SDK passes a child only PATH, HOME, USER and the like: none of Confab's secrets.
    if (kind === 'stdio') return new sdk.StdioClientTransport({ command: this.spec.command ?? '', args: this.spec.args, stderr: 'ignore' });
    const url = new URL(this.spec.url ?? '');
    const opts = { requestInit: { headers: this.spec.headers }, authProvider: this.authProvider };
    return kind === 'sse' ? new sdk.SSEClientTransport(url, opts) : new sdk.StreamableHTTPClientTransport(url, opts);
  }

  private newClient(sdk: McpClientSdk): Client {
    const client = new sdk.Client(CLIENT_INFO, {
      listChanged: {
        tools: {
          debounceMs: 0,
          onChanged: (error, tools) => {
            if (error || !tools) return;
            this.tools = tools;
            this.onToolsChanged();
          },
        },
      },
    });
    client.onclose = () => {
      if (this.client === client) this.client = undefined;
    };
    return client;
  }

  private async open(): Promise<Client> {
    const kinds = this.spec.transport === 'auto' ? (['streamable-http', 'sse'] as const) : [this.spec.transport];
    const sdk = await loadMcpClientSdk();
    let lastErr: unknown;
    for (const kind of kinds) {
      const client = this.newClient(sdk);
      try {
        await client.connect(this.transport(sdk, kind), { timeout: CONNECT_TIMEOUT_MS });
        this.tools = await this.listAll(client);
        return client;
      } catch (err) {
        lastErr = err;
        await client.close().catch(() => {});
      }
    }
    throw lastErr;
  }

  private async listAll(client: Client): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: CONNECT_TIMEOUT_MS });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  /** The connected client, connecting (once for all callers) when there is none and the backoff allows. */
  async ready(): Promise<Client> {
    if (this.client) return this.client;
    if (!this.connecting) {
      if (Date.now() < this.retryAt) throw this.unreachable();
      this.connecting = this.open()
        .then((client) => {
          this.client = client;
          this.failures = 0;
          this.lastError = undefined;
          this.onToolsChanged();
          return client;
        })
        .catch((err) => {
          this.failures++;
          this.retryAt = Date.now() + Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (this.failures - 1));
          this.lastError = reason(err);
          log.warn('mcp server unreachable', { server: this.spec.name, error: this.lastError, failures: this.failures });
          throw this.unreachable();
        })
        .finally(() => {
          this.connecting = undefined;
        });
    }
    return this.connecting;
  }

  private unreachable(): AppError {
    return new AppError('mcp_unreachable', { message: `The MCP server ${this.spec.name} could not be reached.` });
  }

  /**
   * Calls a tool. Aborting `signal` (the turn stopped, the deadline passed) makes the SDK send the
   * server `notifications/cancelled`. A transport failure drops the connection so the next call
   * reconnects.
   */
  async call(tool: string, args: Record<string, unknown>, opts: CallOptions): Promise<CallToolResult> {
    const client = await this.ready();
    try {
      return (await client.callTool({ name: tool, arguments: args }, undefined, {
        signal: opts.signal,
        timeout: opts.timeoutMs,
      })) as CallToolResult;
    } catch (err) {
      if (opts.signal.aborted) throw opts.signal.reason;
      // A JSON-RPC error is the server's answer; anything else means the connection is in doubt.
      if (!(err instanceof (await loadMcpClientSdk()).McpError)) await this.drop();
      throw new AppError('mcp_tool_error', { message: `${this.spec.name} failed: ${reason(err)}` });
    }
  }

  /** Forgets the client (its transport closed), so the next use connects again. */
  async drop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => {});
  }

  async close(): Promise<void> {
    await this.connecting?.catch(() => {});
    await this.drop();
  }
}

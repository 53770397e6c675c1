import { isMcpToolName } from '../../mcp/hub';
import {
  type Citation,
  type ExplicitUse,
  explicitArgs,
  type PluginOutcome,
  type PluginRegistry,
  type PluginServices,
  runPlugin,
} from '../../plugins';
import type { Passage, ToolCall } from '../../providers/types';
import type { PluginFrame } from './model';

export interface PluginDeps {
  registry: PluginRegistry;
  services: PluginServices;
}

export interface PluginCallRecord {
  name: string;
  via: 'explicit' | 'tool';
  args: unknown;
  ok: boolean;
  error?: { code: string; message: string };
  ms: number;
  /** What the plugin keeps of its result (`Plugin.recorded`). */
  data?: unknown;
}

/** What plugins contributed to a turn so far. */
export interface Gathered {
  /** Fenced, untrusted plugin output for the prompt. */
  texts: string[];
  citations: Citation[];
  calls: PluginCallRecord[];
  /** Whether a plugin that cites sources (a document search) ran, even if it found nothing. */
  searched: boolean;
}

export interface CallScope {
  userId: string;
  enabled: ReadonlySet<string>;
  signal: AbortSignal;
  emit(frame: PluginFrame): void;
}

export const emptyGathered = (): Gathered => ({ texts: [], citations: [], calls: [], searched: false });

/** Passages the offline model answers from, numbered as the answer cites them. */
export function passagesOf(citations: readonly Citation[]): Passage[] {
  return citations.map((c) => ({ n: c.n, text: c.text, documentName: c.documentName, page: c.page ?? undefined }));
}

async function call(
  deps: PluginDeps,
  scope: CallScope,
  gathered: Gathered,
  name: string,
  args: unknown,
  via: PluginFrame['via'],
  callId?: string,
): Promise<PluginOutcome> {
  name = deps.registry.get(name)?.name ?? name;
  scope.emit({ type: 'plugin', name, status: 'running', via, callId });
  const outcome = await runPlugin(deps.registry, name, args, {
    userId: scope.userId,
    services: deps.services,
    signal: scope.signal,
    enabled: scope.enabled,
    citationStart: gathered.citations.length + 1,
  });
  if (outcome.ok) {
    gathered.citations.push(...outcome.citations);
    if (deps.registry.get(name)?.citations) gathered.searched = true;
    scope.emit({ type: 'plugin', name, status: 'ok', via, callId, data: outcome.data });
  } else scope.emit({ type: 'plugin', name, status: 'error', via, callId, error: outcome.error });
  const kept = outcome.ok ? deps.registry.get(name)?.recorded?.(outcome.data) : undefined;
  gathered.calls.push({
    name,
    via,
    args,
    ok: outcome.ok,
    ...(outcome.ok ? {} : { error: outcome.error }),
    ms: outcome.ms,
    ...(kept === undefined ? {} : { data: kept }),
  });
  return outcome;
}

/**
 * Runs the plugins a turn names, one after another, so citation numbers never collide; they add to
 * `gathered` (what the turn already holds, such as whole documents), numbering after it.
 */
export async function runExplicitPlugins(
  deps: PluginDeps,
  scope: CallScope,
  names: readonly string[],
  use: ExplicitUse,
  gathered: Gathered = emptyGathered(),
): Promise<Gathered> {
  // A tool-only plugin listed for a turn is offered to the model instead (see `offeredPlugins`); an
  // MCP tool a conversation kept after its server withdrew it is simply not there any more.
  const explicit = names.filter((n) => {
    const plugin = deps.registry.get(n);
    return plugin ? !plugin.toolOnly : !isMcpToolName(n);
  });
  for (const name of new Set(explicit)) {
    if (scope.signal.aborted) break;
    const outcome = await call(deps, scope, gathered, name, explicitArgs(deps.registry, name, use), 'explicit');
    gathered.texts.push(outcome.text);
  }
  return gathered;
}

/** Whether a plugin searches the user's documents: a turn that reads them whole has no need of it. */
export function searchesDocuments(registry: PluginRegistry, name: string): boolean {
  return registry.get(name)?.capabilities.includes('documents') ?? false;
}

/**
 * What a model may call in a turn: the enabled plugins, except tool-only ones (MCP tools) the turn
 * does not name; those are switched on per conversation by listing them in `plugins`.
 */
export function offeredPlugins(registry: PluginDeps['registry'], enabled: ReadonlySet<string>, named: readonly string[]): Set<string> {
  const asked = new Set(named.map((n) => registry.get(n)?.name ?? n));
  return new Set([...enabled].filter((n) => !registry.get(n)?.toolOnly || asked.has(n)));
}

/** Runs one tool call a model made; the returned text is the tool message the model reads next. */
export async function runToolCall(deps: PluginDeps, scope: CallScope, gathered: Gathered, tool: ToolCall): Promise<string> {
  let args: unknown;
  try {
    args = tool.arguments.trim() ? JSON.parse(tool.arguments) : {};
  } catch {
    return `The arguments for ${tool.name} were not valid JSON.`;
  }
  return (await call(deps, scope, gathered, tool.name, args, 'tool', tool.id)).text;
}

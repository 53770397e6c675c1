import { Value } from '@sinclair/typebox/value';
import { Counter, Histogram } from 'prom-client';
import { AppError } from '../lib/errors';
import { log } from '../lib/logger';
import { registry as metrics } from '../lib/metrics';
import type { ToolSpec } from '../providers/types';
import type { Citation } from './citation';
import type { Availability, ExplicitUse, Plugin, PluginCapability, PluginServices } from './types';
import { delimitUntrusted } from './untrusted';

export interface PluginRegistry {
  readonly all: readonly Plugin[];
  /** A plugin by its name or by the name models call it by. */
  get(name: string): Plugin | undefined;
  /** Brings plugins that come from elsewhere (MCP servers, this user's own accounts at them) up to date before they are listed or offered. */
  refresh?(userId?: string): Promise<void>;
}

export function createRegistry(plugins: Plugin[]): PluginRegistry {
  const byName = new Map(plugins.map((p) => [p.name, p]));
  if (byName.size !== plugins.length) throw new Error('Plugin names must be unique');
  return { all: plugins, get: (name) => byName.get(name) };
}

/** The built-in plugins followed by a changing list (MCP tools); a built-in name always wins. */
export function extendRegistry(
  base: PluginRegistry,
  more: () => readonly Plugin[],
  refresh: (userId?: string) => Promise<void>,
): PluginRegistry {
  let seen: readonly Plugin[] | undefined;
  let all: readonly Plugin[] = base.all;
  let byName = new Map<string, Plugin>();
  const current = () => {
    const extra = more();
    if (extra !== seen) {
      seen = extra;
      const taken = new Set(base.all.map((p) => p.name));
      all = [...base.all, ...extra.filter((p) => !taken.has(p.name))];
      byName = new Map();
      for (const p of all) for (const key of [p.name, p.toolName]) if (key && !byName.has(key)) byName.set(key, p);
    }
    return { all, byName };
  };
  return {
    get all() {
      return current().all;
    },
    get: (name) => current().byName.get(name),
    refresh,
  };
}

/** Fills schema defaults and checks the arguments; a mismatch is the caller's (or model's) error. */
export function validateArgs(plugin: Plugin, args: unknown): unknown {
  if (plugin.validate) return plugin.validate(args ?? {});
  const value = Value.Default(plugin.parameters, structuredClone(args ?? {}));
  if (Value.Check(plugin.parameters, value)) return value;
  const details = [...Value.Errors(plugin.parameters, value)].slice(0, 5).map((e) => ({ path: e.path || '/', message: e.message }));
  const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ');
  throw new AppError('invalid_plugin_args', { message: `Invalid arguments for ${plugin.name}: ${summary}`, details });
}

export interface PluginStatus {
  name: string;
  description: string;
  summary: string;
  capabilities: PluginCapability[];
  available: boolean;
  reason?: string;
  enabled: boolean;
}

function safeAvailability(plugin: Plugin, services: PluginServices, userId?: string): Availability {
  try {
    return plugin.available(services, userId);
  } catch (err) {
    log.error('plugin availability check failed', { plugin: plugin.name, err });
    return { ok: false, reason: 'availability check failed' };
  }
}

/** One row per plugin for `GET /api/plugins`, usable or not for `userId`; `enabled` omitted means every plugin is enabled. */
export function pluginStatuses(
  reg: PluginRegistry,
  services: PluginServices,
  enabled?: ReadonlySet<string>,
  userId?: string,
): PluginStatus[] {
  return reg.all.map((p) => {
    const a = safeAvailability(p, services, userId);
    return {
      name: p.name,
      description: p.description,
      summary: p.summary,
      capabilities: p.capabilities,
      available: a.ok,
      ...(a.ok ? {} : { reason: a.reason }),
      enabled: enabled ? enabled.has(p.name) : true,
    };
  });
}

/** Tool definitions for models that call tools: only plugins that are enabled and usable now (by `userId`). */
export function toolSpecs(reg: PluginRegistry, services: PluginServices, enabled?: ReadonlySet<string>, userId?: string): ToolSpec[] {
  return reg.all
    .filter((p) => (!enabled || enabled.has(p.name)) && safeAvailability(p, services, userId).ok)
    .map((p) => ({ name: p.toolName ?? p.name, description: p.description, parameters: JSON.parse(JSON.stringify(p.parameters)) }));
}

/** Arguments for using `name` on a message; none for a plugin that takes nothing from it (or an unknown name). */
export function explicitArgs(reg: PluginRegistry, name: string, use: ExplicitUse): unknown {
  return reg.get(name)?.explicitArgs?.(use) ?? {};
}

/** The plugins a message uses without naming them, in registry order. */
export function impliedPlugins(reg: PluginRegistry, use: ExplicitUse): string[] {
  return reg.all.filter((p) => p.impliedBy?.(use)).map((p) => p.name);
}

export interface RunPluginOptions {
  userId: string;
  services: PluginServices;
  signal?: AbortSignal;
  /** The caller's own limit; the plugin's `timeoutMs` caps it. */
  timeoutMs?: number;
  enabled?: ReadonlySet<string>;
  citationStart?: number;
}

export type PluginOutcome =
  | { ok: true; plugin: string; text: string; data: unknown; citations: Citation[]; ms: number }
  | { ok: false; plugin: string; text: string; error: { code: string; message: string; retryAfterMs?: number }; ms: number };

const runs = new Counter({
  name: 'confab_plugin_runs_total',
  help: 'Plugin runs by plugin and outcome (ok or an error code).',
  labelNames: ['plugin', 'outcome'],
  registers: [metrics],
});
const runSeconds = new Histogram({
  name: 'confab_plugin_run_seconds',
  help: 'Plugin run duration.',
  labelNames: ['plugin'],
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metrics],
});

function checkRunnable(reg: PluginRegistry, name: string, opts: RunPluginOptions): Plugin {
  const plugin = reg.get(name);
  if (!plugin) throw new AppError('unknown_plugin', { message: `No plugin named ${name}` });
  if (opts.enabled && !opts.enabled.has(name)) throw new AppError('plugin_disabled', { message: `${name} is disabled` });
  const a = safeAvailability(plugin, opts.services, opts.userId);
  if (!a.ok) throw new AppError('plugin_unavailable', { message: `${name} is unavailable: ${a.reason}` });
  return plugin;
}

/** Runs `work` until it settles, the deadline passes or the caller aborts, whichever is first. */
async function withDeadline<T>(timeoutMs: number, caller: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  const onCallerAbort = () => ctl.abort(new AppError('aborted', { message: 'Plugin run aborted' }));
  if (caller?.aborted) onCallerAbort();
  caller?.addEventListener('abort', onCallerAbort, { once: true });
  const timer = setTimeout(() => ctl.abort(new AppError('plugin_timeout', { message: `No result within ${timeoutMs} ms` })), timeoutMs);
  const stopped = new Promise<never>((_, reject) => {
    if (ctl.signal.aborted) reject(ctl.signal.reason);
    ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason), { once: true });
  });
  try {
    return await Promise.race([ctl.signal.aborted ? stopped : work(ctl.signal), stopped]);
  } finally {
    clearTimeout(timer);
    caller?.removeEventListener('abort', onCallerAbort);
  }
}

/** When trying again may work (a busy plugin says so), for the model and for the person reading. */
function retryAfterOf(err: AppError): number | undefined {
  const ms = (err.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof ms === 'number' ? ms : undefined;
}

function failure(name: string, err: unknown, ms: number): PluginOutcome {
  const known = err instanceof AppError;
  if (!known) log.error('plugin failed', { plugin: name, err });
  const retryAfterMs = known ? retryAfterOf(err) : undefined;
  const error = known
    ? { code: err.code, message: err.publicMessage, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }
    : { code: 'plugin_failed', message: `${name} failed` };
  const retry = retryAfterMs === undefined ? '' : ` It may work again in ${Math.ceil(retryAfterMs / 1000)} s.`;
  return {
    ok: false,
    plugin: name,
    error,
    ms,
    text: delimitUntrusted(name, `The plugin failed (${error.code}): ${error.message}${retry}`),
  };
}

/**
 * Runs one plugin call from a turn (explicit or a model's tool call). Never throws: a failure comes
 * back as an outcome whose `text` can be shown to the model.
 */
export async function runPlugin(reg: PluginRegistry, called: string, args: unknown, opts: RunPluginOptions): Promise<PluginOutcome> {
  const name = reg.get(called)?.name ?? called;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let outcome: PluginOutcome;
  try {
    const plugin = checkRunnable(reg, name, opts);
    const valid = validateArgs(plugin, args);
    const timeoutMs = Math.min(plugin.timeoutMs, opts.timeoutMs ?? Number.POSITIVE_INFINITY);
    const deadlineMs = Date.now() + timeoutMs;
    const result = await withDeadline(timeoutMs, opts.signal, (signal) =>
      plugin.run(valid, { signal, deadlineMs, userId: opts.userId, services: opts.services, citationStart: opts.citationStart }),
    );
    const citations = plugin.citations?.(result.data) ?? [];
    outcome = { ok: true, plugin: name, text: delimitUntrusted(name, result.text), data: result.data, citations, ms: elapsed() };
  } catch (err) {
    outcome = failure(name, err, elapsed());
  }
  runs.inc({ plugin: reg.get(name) ? name : 'unknown', outcome: outcome.ok ? 'ok' : outcome.error.code });
  runSeconds.observe({ plugin: reg.get(name) ? name : 'unknown' }, outcome.ms / 1000);
  return outcome;
}

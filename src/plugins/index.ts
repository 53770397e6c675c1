import { codeInterpreterPlugin } from './code-interpreter';
import { ragLookupPlugin } from './rag-lookup';
import { createRegistry } from './registry';
import { webSearchPlugin } from './web-search';

/** The plugins the server offers, in the order the UI lists them. */
export const builtinPlugins = createRegistry([ragLookupPlugin, webSearchPlugin, codeInterpreterPlugin]);

export { Citation } from './citation';
export type { CodeInterpreterData } from './code-interpreter';
export { createSandboxGate, type SandboxGate, type SandboxLimits } from './code-interpreter/sandbox-gate';
export type { RagLookupData } from './rag-lookup';
export type { PluginOutcome, PluginRegistry, PluginStatus, RunPluginOptions } from './registry';
export {
  createRegistry,
  explicitArgs,
  extendRegistry,
  impliedPlugins,
  pluginStatuses,
  runPlugin,
  toolSpecs,
  validateArgs,
} from './registry';
export type * from './types';
export { delimitUntrusted } from './untrusted';
export type { WebSearchData, WebSearchResult } from './web-search';

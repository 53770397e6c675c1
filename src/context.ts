import type { Scheduler } from '../scheduler/index';
import type { Config } from './config';
import type { Database } from './db/client';
import type { Broadcast } from './infra/broadcast';
import type { EventBus } from './infra/bus/types';
import type { RedisHandle } from './infra/redis/client';
import type { ClientAddressOf } from './lib/client-address';
import type { SecretBox } from './lib/secret-box';
import type { McpHub } from './mcp/hub';
import type { LoginThrottle } from './modules/auth/login-throttle';
import type { OidcClient } from './modules/auth/oidc-client';
import type { Revocations } from './modules/auth/revocation';
import type { SignupThrottle } from './modules/auth/signup-throttle';
import type { TrustedHeaderIdentify } from './modules/auth/trusted-header';
import type { ChatRuntime } from './modules/chat/runtime';
import type { RuntimeSync } from './modules/connections/runtime-sync';
import type { KeyCache } from './modules/keys/key-cache';
import type { UserSettingsCache } from './modules/preferences/user-settings-cache';
import type { Ingestion } from './rag/ingestion';

/** Process lifecycle state shared by readiness and shutdown. */
export interface Lifecycle {
  draining: boolean;
  /** Closed in reverse order of registration at shutdown, before the database. */
  closers: (() => Promise<void>)[];
}

/**
 * Everything a module needs, built once at start-up by `createContext` (src/create-context.ts).
 * Modules receive it as a plain value, so tests build the same one against any database.
 */
export interface AppContext extends ChatRuntime {
  config: Config;
  database: Database;
  lifecycle: Lifecycle;
  keys: KeyCache;
  /** Ended sessions, API keys and users, told to every replica. */
  revocations: Revocations;
  loginThrottle: LoginThrottle;
  /** The relying party for `OIDC_ISSUER`; absent when single sign-on is not configured. */
  oidc?: OidcClient;
  /** The user a trusted proxy's header names (`TRUSTED_HEADER_EMAIL`), or undefined without the header. */
  trustedHeader: TrustedHeaderIdentify;
  signupThrottle: SignupThrottle;
  /** The one reading of a request's client address (`TRUSTED_PROXIES` decides when `X-Forwarded-For` counts). */
  clientAddress: ClientAddressOf;
  bus: EventBus;
  /** Present with REDIS_URL; its state feeds readiness. */
  redis?: RedisHandle;
  ingestion: Ingestion;
  /** Bun Workers for CPU-bound work (embedding, chunking). */
  scheduler: Scheduler;
  /** Seals and opens stored credentials (connections' API keys). */
  secrets: SecretBox;
  /** Tells other replicas that something they keep in memory changed. */
  broadcast: Broadcast;
  /** Keeps the router serving the connections and model settings in the database. */
  runtimeSync: RuntimeSync;
  /** The admins' MCP servers, whose tools join the plugins. */
  mcp: McpHub;
  /** Each user's preferences and switched-off plugins, as chat turns read them. */
  userSettings: UserSettingsCache;
}

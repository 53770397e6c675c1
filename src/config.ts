import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { invalidAddressRange } from './lib/client-address';
import { parseSecretKey } from './lib/secret-box';

/**
 * The only reader of the environment. Everything is validated once at start-up; a bad value
 * stops the process with a message that names the variable (never its value, which may be a secret).
 */
const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Url = Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*://' });
const PositiveInt = Type.Integer({ minimum: 1 });
const OnOff = Type.Union([Type.Literal('on'), Type.Literal('off')]);
export type SignupPolicy = 'open' | 'approval' | 'closed';

/** The code interpreter's own time budget leaves room for at most this much waiting for a sandbox. */
export const CODE_QUEUE_WAIT_CEILING_MS = 30_000;
/** The largest quotas accepted anywhere (environment, settings, users, groups): counters stay exact integers. */
export const MAX_TOKENS_PER_DAY = 1e12;
export const MAX_USD_PER_MONTH = 1e6;

/** PostgreSQL's built-in text-search configurations (the same in PGlite): the languages chunks can be indexed in. */
export const TEXT_SEARCH_LANGUAGES = [
  'simple',
  'arabic',
  'armenian',
  'basque',
  'catalan',
  'danish',
  'dutch',
  'english',
  'finnish',
  'french',
  'german',
  'greek',
  'hindi',
  'hungarian',
  'indonesian',
  'irish',
  'italian',
  'lithuanian',
  'nepali',
  'norwegian',
  'portuguese',
  'romanian',
  'russian',
  'serbian',
  'spanish',
  'swedish',
  'tamil',
  'turkish',
  'yiddish',
] as const;

export const EnvSchema = Type.Object({
  PORT: Type.Optional(Port),
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  KAFKA_BROKERS: Type.Optional(Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$' })),
  OPENAI_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  OPENAI_BASE_URL: Type.Optional(Url),
  ANTHROPIC_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  ANTHROPIC_BASE_URL: Type.Optional(Url),
  LOCAL_LLM_BASE_URL: Type.Optional(Url),
  MODELS_CONFIG: Type.Optional(Type.String({ minLength: 1 })),
  EMBEDDINGS_PROVIDER: Type.Optional(Type.Union([Type.Literal('offline'), Type.Literal('openai'), Type.Literal('local')])),
  EMBEDDINGS_MODEL: Type.Optional(Type.String({ minLength: 1 })),
  RERANK_URL: Type.Optional(Url),
  RAG_TEXT_SEARCH_LANGUAGE: Type.Optional(Type.Union(TEXT_SEARCH_LANGUAGES.map((l) => Type.Literal(l)))),
  RERANK_MODEL: Type.Optional(Type.String({ minLength: 1 })),
  RERANK_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  WEB_SEARCH_PROVIDER: Type.Optional(Type.Union([Type.Literal('searxng'), Type.Literal('brave'), Type.Literal('tavily')])),
  SEARXNG_URL: Type.Optional(Url),
  BRAVE_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  TAVILY_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  RATE_LIMIT_RPM: Type.Optional(Type.Integer({ minimum: 0 })),
  RATE_LIMIT_TPM: Type.Optional(Type.Integer({ minimum: 0 })),
  QUOTA_TOKENS_PER_DAY: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TOKENS_PER_DAY })),
  QUOTA_USD_PER_MONTH: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_USD_PER_MONTH })),
  MAX_UPLOAD_MB: Type.Optional(PositiveInt),
  SCHEDULER_WORKERS: Type.Optional(PositiveInt),
  SHUTDOWN_TIMEOUT_MS: Type.Optional(PositiveInt),
  METRICS: Type.Optional(Type.Union([Type.Literal('on'), Type.Literal('off')])),
  SIGNUP: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('approval'), Type.Literal('closed')])),
  SIGNUP_RATE_PER_HOUR: Type.Optional(Type.Integer({ minimum: 0 })),
  TRUSTED_PROXIES: Type.Optional(Type.String({ minLength: 1 })),
  SECRET_KEY: Type.Optional(Type.String({ minLength: 1 })),
  SECRET_KEY_PREVIOUS: Type.Optional(Type.String({ minLength: 1 })),
  LOG_LEVEL: Type.Optional(Type.Union(['debug', 'info', 'warn', 'error', 'silent'].map((l) => Type.Literal(l)))),
  REUSE_PORT: Type.Optional(OnOff),
  PUBLIC_URL: Type.Optional(Url),
  ALLOWED_ORIGINS: Type.Optional(Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$' })),
  CODE_INTERPRETER_CONCURRENCY: Type.Optional(PositiveInt),
  CODE_INTERPRETER_USER_CONCURRENCY: Type.Optional(PositiveInt),
  CODE_INTERPRETER_QUEUE: Type.Optional(Type.Integer({ minimum: 0 })),
  CODE_INTERPRETER_QUEUE_WAIT_MS: Type.Optional(Type.Integer({ minimum: 0, maximum: CODE_QUEUE_WAIT_CEILING_MS })),
  OIDC_ISSUER: Type.Optional(Url),
  OIDC_CLIENT_ID: Type.Optional(Type.String({ minLength: 1 })),
  OIDC_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  OIDC_SCOPES: Type.Optional(Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+( [\\x21\\x23-\\x5B\\x5D-\\x7E]+)*$' })),
  OIDC_REDIRECT_URL: Type.Optional(Url),
  OIDC_GROUPS_CLAIM: Type.Optional(Type.String({ minLength: 1 })),
  OIDC_ADMIN_GROUPS: Type.Optional(Type.String({ minLength: 1 })),
  OIDC_ALLOWED_GROUPS: Type.Optional(Type.String({ minLength: 1 })),
  OIDC_AUTO_PROVISION: Type.Optional(OnOff),
  OIDC_BUTTON_LABEL: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
  PASSWORD_LOGIN: Type.Optional(OnOff),
  TRUSTED_HEADER_EMAIL: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]+$' })),
  TRUSTED_HEADER_GROUPS: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]+$' })),
  MCP_TOOL_TIMEOUT_MS: Type.Optional(PositiveInt),
  MCP_RESULT_MAX_CHARS: Type.Optional(PositiveInt),
  MCP_USER_CONCURRENCY: Type.Optional(PositiveInt),
  MCP_STDIO: Type.Optional(OnOff),
});
export type Env = Static<typeof EnvSchema>;

const INTEGER_VARS = new Set([
  'PORT',
  'RATE_LIMIT_RPM',
  'RATE_LIMIT_TPM',
  'MAX_UPLOAD_MB',
  'SCHEDULER_WORKERS',
  'SHUTDOWN_TIMEOUT_MS',
  'SIGNUP_RATE_PER_HOUR',
  'CODE_INTERPRETER_CONCURRENCY',
  'CODE_INTERPRETER_USER_CONCURRENCY',
  'CODE_INTERPRETER_QUEUE',
  'CODE_INTERPRETER_QUEUE_WAIT_MS',
  'QUOTA_TOKENS_PER_DAY',
  'MCP_TOOL_TIMEOUT_MS',
  'MCP_RESULT_MAX_CHARS',
  'MCP_USER_CONCURRENCY',
]);
const NUMBER_VARS = new Set(['QUOTA_USD_PER_MONTH']);

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  kafkaBrokers?: string[];
  providers: {
    openai?: { apiKey: string; baseURL?: string };
    anthropic?: { apiKey: string; baseURL?: string };
    local?: { baseURL: string };
    configFile?: string;
  };
  embeddings: { provider: 'offline' | 'openai' | 'local'; model?: string };
  /** The text-search configuration chunks are indexed and questions parsed with (stemming, stopwords). */
  textSearchLanguage: (typeof TEXT_SEARCH_LANGUAGES)[number];
  /** A `/rerank` endpoint (Cohere, Jina, vLLM, TEI); without it the offline rerank runs. */
  rerank?: { url: string; model?: string; apiKey?: string };
  webSearch: { provider?: 'searxng' | 'brave' | 'tavily'; searxngUrl?: string; braveApiKey?: string; tavilyApiKey?: string };
  rateLimit: { rpm: number; tpm: number };
  /** Default quotas per user; undefined is no quota (runtime settings, groups and users override it). */
  quota: { tokensPerDay?: number; usdPerMonth?: number };
  maxUploadBytes: number;
  /** MCP tool calls: the deadline of one call, the longest result text a model reads, and one user's calls at a time. */
  mcp: { toolTimeoutMs: number; resultMaxChars: number; userConcurrency: number; stdio: boolean };
  schedulerWorkers?: number;
  shutdownTimeoutMs: number;
  metrics: boolean;
  /** Who may create an account, until an admin changes it in the settings: anyone, anyone pending approval, or nobody. */
  signup: SignupPolicy;
  /** Sign-ups admitted per client address per hour (a bucket refilling over the hour); 0 turns the limit off. */
  signupRatePerHour: number;
  /** Peers (IPs and CIDR ranges) whose `X-Forwarded-For` names the client address. */
  trustedProxies: string[];
  /**
   * The key sealing stored credentials, and keys that sealed them before a rotation (they still
   * open, and values under them are sealed again under `key` at start-up). Without `key`, the
   * composition root keeps a generated one in `DATA_DIR`.
   */
  secrets: { key?: Uint8Array; previousKeys: Uint8Array[] };
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Whether another process may listen on the same port (SO_REUSEPORT). */
  reusePort: boolean;
  origins: {
    /** The origin the server is reached at from outside (a proxy's), besides each request's own host. */
    publicOrigin?: string;
    /** Further origins whose pages may send cookie-authenticated requests. */
    allowed: string[];
  };
  /** Caps on code interpreter sandboxes, which cost a Worker and up to 64 MiB each. */
  oidc?: OidcConfig;
  /** Whether `/api/auth/login` and `/api/auth/signup` accept passwords (`PASSWORD_LOGIN`). */
  passwordLogin: boolean;
  trustedHeader?: TrustedHeaderConfig;
  codeInterpreter: {
    /** Sandboxes running at once in this process. */
    concurrency: number;
    /** Sandboxes one user may run at once (and as many more of theirs may wait). */
    userConcurrency: number;
    /** Runs that may wait for a sandbox, all users together; beyond them a run is refused as busy. */
    queue: number;
    /** Longest a run waits for a sandbox before it is refused as busy. */
    queueWaitMs: number;
  };
}

/** Sign-in through an OpenID provider (`OIDC_*`); present only when `OIDC_ISSUER` is set. */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string;
  /** Where the provider sends the browser back: `OIDC_REDIRECT_URL`, else `PUBLIC_URL` + the callback path. */
  redirectUrl: string;
  groupsClaim: string;
  /** Members of any of these are admins and everyone else is not, decided again at each sign-in; empty leaves roles alone. */
  adminGroups: string[];
  /** When not empty, only members of one of these may sign in. */
  allowedGroups: string[];
  /** Whether a first sign-in creates an account (under the sign-up policy) or only signs in existing ones. */
  autoProvision: boolean;
  buttonLabel: string;
}

/** Identity asserted by a reverse proxy in request headers, believed only from `TRUSTED_PROXIES`. */
export interface TrustedHeaderConfig {
  /** Lower-cased header names. */
  email: string;
  groups?: string;
  /** `OIDC_ADMIN_GROUPS` and `OIDC_ALLOWED_GROUPS`, applied to the groups header the same way. */
  adminGroups: string[];
  allowedGroups: string[];
}

export const OIDC_CALLBACK_PATH = '/api/auth/oidc/callback';

export class ConfigError extends Error {}

function coerce(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const raw = env[key];
    if (raw === undefined || raw.trim() === '') continue;
    const value = raw.trim();
    if (INTEGER_VARS.has(key) && /^-?\d+$/.test(value)) out[key] = Number(value);
    else if (NUMBER_VARS.has(key) && /^-?(\d+\.?\d*|\.\d+)$/.test(value)) out[key] = Number(value);
    else out[key] = value;
  }
  return out;
}

/** The origin (`scheme://host[:port]`) of an http(s) URL, or undefined when it is not one. */
function originOf(value: string, bare: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (bare && (url.pathname !== '/' || url.search || url.hash || url.username || url.password)) return undefined;
  return url.origin;
}

function publicOrigin(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const origin = originOf(value, false);
  if (!origin) throw new ConfigError('Invalid environment variable PUBLIC_URL: must be an http(s) URL such as https://chat.example.com');
  return origin;
}

function allowedOrigins(list: string | undefined): string[] {
  return (list?.split(',') ?? []).map((entry) => {
    const origin = originOf(entry, true);
    if (!origin) {
      throw new ConfigError('Invalid environment variable ALLOWED_ORIGINS: each entry must be an origin such as https://chat.example.com');
    }
    return origin;
  });
}

const KEY_SHAPE = 'expected 32 bytes as base64 or as 64 hex digits';

function secretKeys(e: Env): Config['secrets'] {
  const key = e.SECRET_KEY === undefined ? undefined : parseSecretKey(e.SECRET_KEY);
  if (e.SECRET_KEY !== undefined && !key) throw new ConfigError(`Invalid environment variable SECRET_KEY: ${KEY_SHAPE}`);
  const previousKeys = (e.SECRET_KEY_PREVIOUS ?? '')
    .split(',')
    .filter((k) => k.trim())
    .map((k) => {
      const parsed = parseSecretKey(k);
      if (!parsed) throw new ConfigError(`Invalid environment variable SECRET_KEY_PREVIOUS: ${KEY_SHAPE}, comma separated`);
      return parsed;
    });
  return { key, previousKeys };
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);

function oidcConfig(e: Env, origin: string | undefined): OidcConfig | undefined {
  if (!e.OIDC_ISSUER) {
    const stray = (['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_REDIRECT_URL'] as const).find((name) => e[name] !== undefined);
    if (stray) throw new ConfigError(`Invalid environment variable ${stray}: it needs OIDC_ISSUER`);
    return undefined;
  }
  if (!originOf(e.OIDC_ISSUER, false)) throw new ConfigError('Invalid environment variable OIDC_ISSUER: must be an http(s) URL');
  if (!e.OIDC_CLIENT_ID) throw new ConfigError('Invalid environment variable OIDC_CLIENT_ID: OIDC_ISSUER needs it');
  const redirectUrl = e.OIDC_REDIRECT_URL ?? (origin ? `${origin}${OIDC_CALLBACK_PATH}` : undefined);
  if (!redirectUrl) throw new ConfigError('Invalid environment variable OIDC_REDIRECT_URL: set it, or PUBLIC_URL to derive it');
  if (!originOf(redirectUrl, false)) throw new ConfigError('Invalid environment variable OIDC_REDIRECT_URL: must be an http(s) URL');
  const scopes = e.OIDC_SCOPES ?? 'openid email profile';
  if (!scopes.split(' ').includes('openid')) throw new ConfigError('Invalid environment variable OIDC_SCOPES: must include openid');
  return {
    issuer: e.OIDC_ISSUER,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: e.OIDC_CLIENT_SECRET,
    scopes,
    redirectUrl,
    groupsClaim: e.OIDC_GROUPS_CLAIM ?? 'groups',
    adminGroups: list(e.OIDC_ADMIN_GROUPS),
    allowedGroups: list(e.OIDC_ALLOWED_GROUPS),
    autoProvision: (e.OIDC_AUTO_PROVISION ?? 'on') === 'on',
    buttonLabel: e.OIDC_BUTTON_LABEL ?? 'Sign in with SSO',
  };
}

function trustedHeaderConfig(e: Env, trustedProxies: string[]): TrustedHeaderConfig | undefined {
  if (!e.TRUSTED_HEADER_EMAIL) {
    if (e.TRUSTED_HEADER_GROUPS) throw new ConfigError('Invalid environment variable TRUSTED_HEADER_GROUPS: it needs TRUSTED_HEADER_EMAIL');
    return undefined;
  }
  if (trustedProxies.length === 0) throw new ConfigError('Invalid environment variable TRUSTED_HEADER_EMAIL: it needs TRUSTED_PROXIES');
  return {
    email: e.TRUSTED_HEADER_EMAIL.toLowerCase(),
    groups: e.TRUSTED_HEADER_GROUPS?.toLowerCase(),
    adminGroups: list(e.OIDC_ADMIN_GROUPS),
    allowedGroups: list(e.OIDC_ALLOWED_GROUPS),
  };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const values = coerce(env);
  const firstError = Value.Errors(EnvSchema, values).First();
  if (firstError) {
    const name = firstError.path.replace(/^\//, '');
    throw new ConfigError(`Invalid environment variable ${name}: ${firstError.message}`);
  }
  const e = values as Env;
  const embeddingsProvider = e.EMBEDDINGS_PROVIDER ?? 'offline';
  if (embeddingsProvider === 'openai' && !e.OPENAI_API_KEY) {
    throw new ConfigError('Invalid environment variable EMBEDDINGS_PROVIDER: "openai" needs OPENAI_API_KEY');
  }
  if (embeddingsProvider === 'local' && !e.LOCAL_LLM_BASE_URL) {
    throw new ConfigError('Invalid environment variable EMBEDDINGS_PROVIDER: "local" needs LOCAL_LLM_BASE_URL');
  }
  const trustedProxies = (e.TRUSTED_PROXIES ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const [i, entry] of trustedProxies.entries()) {
    const problem = invalidAddressRange(entry);
    if (problem) throw new ConfigError(`Invalid environment variable TRUSTED_PROXIES: entry ${i + 1} ${problem}`);
  }
  const origin = publicOrigin(e.PUBLIC_URL);
  const oidc = oidcConfig(e, origin);
  const passwordLogin = (e.PASSWORD_LOGIN ?? 'on') === 'on';
  if (!passwordLogin && !oidc && !e.TRUSTED_HEADER_EMAIL) {
    throw new ConfigError(
      'Invalid environment variable PASSWORD_LOGIN: "off" needs OIDC_ISSUER or TRUSTED_HEADER_EMAIL, or nobody can sign in',
    );
  }
  return {
    secrets: secretKeys(e),
    port: e.PORT ?? 8000,
    host: e.HOST ?? '0.0.0.0',
    dataDir: e.DATA_DIR ?? './data',
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    kafkaBrokers: e.KAFKA_BROKERS?.split(','),
    providers: {
      openai: e.OPENAI_API_KEY ? { apiKey: e.OPENAI_API_KEY, baseURL: e.OPENAI_BASE_URL } : undefined,
      anthropic: e.ANTHROPIC_API_KEY ? { apiKey: e.ANTHROPIC_API_KEY, baseURL: e.ANTHROPIC_BASE_URL } : undefined,
      local: e.LOCAL_LLM_BASE_URL ? { baseURL: e.LOCAL_LLM_BASE_URL } : undefined,
      configFile: e.MODELS_CONFIG,
    },
    embeddings: { provider: embeddingsProvider, model: e.EMBEDDINGS_MODEL },
    textSearchLanguage: e.RAG_TEXT_SEARCH_LANGUAGE ?? 'english',
    rerank: e.RERANK_URL ? { url: e.RERANK_URL, model: e.RERANK_MODEL, apiKey: e.RERANK_API_KEY } : undefined,
    webSearch: {
      provider: e.WEB_SEARCH_PROVIDER,
      searxngUrl: e.SEARXNG_URL,
      braveApiKey: e.BRAVE_API_KEY,
      tavilyApiKey: e.TAVILY_API_KEY,
    },
    rateLimit: { rpm: e.RATE_LIMIT_RPM ?? 60, tpm: e.RATE_LIMIT_TPM ?? 100_000 },
    // 0 switches a quota off, as it does the rate limits.
    quota: { tokensPerDay: e.QUOTA_TOKENS_PER_DAY || undefined, usdPerMonth: e.QUOTA_USD_PER_MONTH || undefined },
    maxUploadBytes: (e.MAX_UPLOAD_MB ?? 25) * 1024 * 1024,
    mcp: {
      toolTimeoutMs: e.MCP_TOOL_TIMEOUT_MS ?? 30_000,
      resultMaxChars: e.MCP_RESULT_MAX_CHARS ?? 32_000,
      userConcurrency: e.MCP_USER_CONCURRENCY ?? 4,
      // Off unless an operator says otherwise: a stdio server is a program run on this host.
      stdio: e.MCP_STDIO === 'on',
    },
    schedulerWorkers: e.SCHEDULER_WORKERS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS ?? 15_000,
    metrics: (e.METRICS ?? 'on') === 'on',
    signup: e.SIGNUP ?? 'open',
    signupRatePerHour: e.SIGNUP_RATE_PER_HOUR ?? 10,
    trustedProxies,
    logLevel: (e.LOG_LEVEL ?? 'info') as Config['logLevel'],
    reusePort: e.REUSE_PORT === 'on',
    origins: { publicOrigin: origin, allowed: allowedOrigins(e.ALLOWED_ORIGINS) },
    oidc,
    passwordLogin,
    trustedHeader: trustedHeaderConfig(e, trustedProxies),
    // Sized for two cores: each run keeps a core busy and holds tens of MiB while it lasts.
    codeInterpreter: {
      concurrency: e.CODE_INTERPRETER_CONCURRENCY ?? 2,
      userConcurrency: e.CODE_INTERPRETER_USER_CONCURRENCY ?? 1,
      queue: e.CODE_INTERPRETER_QUEUE ?? 8,
      queueWaitMs: e.CODE_INTERPRETER_QUEUE_WAIT_MS ?? 10_000,
    },
  };
}

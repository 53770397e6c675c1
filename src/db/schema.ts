import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** pgvector column without a fixed dimension: each chunk records its embedding model, and the
 * HNSW indexes are partial per model (with a dimension cast), so models never mix. */
const vector = customType<{ data: number[]; driverData: string }>({
  dataType: () => 'vector',
  toDriver: (value) => `[${value.join(',')}]`,
  fromDriver: (value) => JSON.parse(value as string) as number[],
});

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
const regconfig = customType<{ data: string }>({ dataType: () => 'regconfig' });

// Millisecond precision, so a timestamp survives the round trip through a JS Date (pagination cursors).
const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow();

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['admin', 'user'] })
    .notNull()
    .default('user'),
  /** The user's own quotas (`{rpm, tpm, tokensPerDay, usdPerMonth}`, each optional); they win over groups' and the default. */
  limits: jsonb('limits'),
  /** `pending` waits for an admin's approval (it may only see itself); `disabled` is refused everywhere. */
  status: text('status', { enum: ['active', 'disabled', 'pending'] })
    .notNull()
    .default('active'),
  lastLoginAt: timestamp('last_login_at', { withTimezone: true, mode: 'date', precision: 3 }),
  /** The user's own chat defaults (`{systemPrompt, defaultModel, defaultPlugins}`), from `PATCH /api/me/settings`. */
  preferences: jsonb('preferences'),
  createdAt: createdAt(),
});

/**
 * Accounts at an OpenID provider (`issuer`, `subject`) that sign in as a Confab user. A user found
 * here signs in whatever their email is now; an email match alone never links an account unless
 * the provider says the email is verified.
 */
export const userIdentities = pgTable(
  'user_identities',
  {
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.subject] }), index('user_identities_user_idx').on(t.userId)],
);

export const sessions = pgTable(
  'sessions',
  {
    /** sha256 of the cookie token; the token itself is never stored. */
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/**
 * One-time links that let someone set a password: for an account an admin created without one, or
 * an admin's reset. Only the sha256 of the link's token is kept; a link works once, until it expires.
 */
export const passwordLinks = pgTable(
  'password_links',
  {
    /** sha256 of the token in the link; the token itself is never stored. */
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: ['invite', 'reset'] }).notNull(),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('password_links_user_idx').on(t.userId)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** First characters of the key, shown in listings so a user can tell keys apart. */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull().unique(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('api_keys_user_idx').on(t.userId)],
);

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull().default('New chat'),
    titleSource: text('title_source', { enum: ['pending', 'auto', 'model', 'user'] })
      .notNull()
      .default('pending'),
    model: text('model'),
    pinned: boolean('pinned').notNull().default(false),
    /** Hidden from the list, still found by search, restorable. */
    archived: boolean('archived').notNull().default(false),
    folderId: uuid('folder_id').references(() => folders.id, { onDelete: 'set null' }),
    /** Where an imported conversation came from (`chatgpt:<id>`, `openwebui:<id>`, `confab:<id>`), so importing it again adds nothing. */
    importKey: text('import_key'),
    /** What every turn of the conversation uses unless the turn says otherwise: `{systemPrompt, params, plugins, documentIds}`. */
    settings: jsonb('settings'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    titleTsv: tsvector('title_tsv').generatedAlwaysAs((): SQL => sql`to_tsvector('simple', ${conversations.title})`),
  },
  (t) => [
    index('conversations_user_updated_idx').on(t.userId, t.updatedAt.desc(), t.id.desc()),
    index('conversations_title_tsv_idx').using('gin', t.titleTsv),
    uniqueIndex('conversations_user_import_key_idx').on(t.userId, t.importKey),
  ],
);

export const folders = pgTable(
  'folders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('folders_user_idx').on(t.userId)],
);

/**
 * A conversation published read-only at `/s/<token>`. `snapshot` is what the page shows, taken when
 * the owner shared or last updated it; later messages stay private. The token is looked up by its
 * sha256 and kept sealed (secret box), so listings can show the link without storing it in clear.
 */
export const shares = pgTable(
  'shares',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    tokenSealed: text('token_sealed').notNull(),
    snapshot: jsonb('snapshot').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('shares_user_idx').on(t.userId, t.createdAt.desc()), uniqueIndex('shares_conversation_idx').on(t.conversationId)],
);

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The message this one answers or follows; edits and regenerations branch from a parent. */
    parentId: uuid('parent_id'),
    role: text('role', { enum: ['system', 'user', 'assistant', 'tool'] }).notNull(),
    content: text('content').notNull(),
    model: text('model'),
    provider: text('provider'),
    status: text('status', { enum: ['complete', 'streaming', 'interrupted', 'error'] })
      .notNull()
      .default('complete'),
    error: text('error'),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    citations: jsonb('citations'),
    pluginCalls: jsonb('plugin_calls'),
    /** Files attached to a user message, as they were when it was sent: `{documentId, name, mimeType, sizeBytes}[]`. */
    attachments: jsonb('attachments'),
    requestId: text('request_id'),
    createdAt: createdAt(),
    contentTsv: tsvector('content_tsv').generatedAlwaysAs((): SQL => sql`to_tsvector('english', ${messages.content})`),
  },
  (t) => [
    index('messages_conversation_idx').on(t.conversationId, t.createdAt),
    index('messages_content_tsv_idx').using('gin', t.contentTsv),
    uniqueIndex('messages_request_role_idx').on(t.requestId, t.role),
  ],
);

/**
 * Every column of a message but its search vector: nothing reads the vector back, and reading it
 * costs about an answer's size again, in the database and on the way to the server.
 */
export const { contentTsv: _searchVector, ...messageColumns } = getTableColumns(messages);
export type MessageRow = Omit<typeof messages.$inferSelect, 'contentTsv'>;

export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    mimeType: text('mime_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: text('sha256').notNull(),
    storagePath: text('storage_path').notNull(),
    status: text('status', { enum: ['queued', 'processing', 'ready', 'failed'] })
      .notNull()
      .default('queued'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    progress: real('progress').notNull().default(0),
    chunkCount: integer('chunk_count').notNull().default(0),
    embeddingModel: text('embedding_model'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('documents_user_idx').on(t.userId, t.createdAt.desc()),
    index('documents_status_idx').on(t.status),
    // Two identical uploads racing each other must end as one document.
    uniqueIndex('documents_user_sha256_idx').on(t.userId, t.sha256),
  ],
);

export const chunks = pgTable(
  'chunks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ordinal: integer('ordinal').notNull(),
    text: text('text').notNull(),
    page: integer('page'),
    start: integer('start_offset').notNull(),
    end: integer('end_offset').notNull(),
    tokenCount: integer('token_count').notNull(),
    embeddingModel: text('embedding_model'),
    embedding: vector('embedding'),
    /** The text-search configuration (language) the chunk's lexemes were made with. */
    textSearchConfig: regconfig('text_search_config').notNull().default(sql`'english'::regconfig`),
    tsv: tsvector('tsv').generatedAlwaysAs((): SQL => sql`to_tsvector(${chunks.textSearchConfig}, ${chunks.text})`),
    /** BM25's document length: the chunk's word count in lexemes (tsvector_token_count, migration 0013). */
    lexemeCount: integer('lexeme_count').generatedAlwaysAs(
      (): SQL => sql`tsvector_token_count(to_tsvector(${chunks.textSearchConfig}, ${chunks.text}))`,
    ),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('chunks_document_ordinal_idx').on(t.documentId, t.ordinal),
    index('chunks_user_idx').on(t.userId),
    // A pending list of at most 512 kB (0016): every search scans its unsorted entries, and the
    // default 4 MB (247 pages after a load of 100,000 chunks) put a search's median at 33 ms
    // instead of 20 on a loaded machine; at 64 pages the median moved by under 0.5 ms. Without one
    // (0015) each insert wrote every lexeme into the tree itself: 17-chunk documents went in at
    // 300-360 chunks/s on one connection beside 100,000 chunks, and at 380-390 with it.
    index('chunks_tsv_idx').using('gin', t.tsv).with({ fastupdate: true, gin_pending_list_limit: 512 }),
  ],
);

/**
 * BM25's collection statistics, per user so one user's corpus never weighs another's words: how
 * many of the user's chunks hold each lexeme (document frequency)… Kept by triggers on chunks
 * (migration 0013), whichever statement inserts or deletes them.
 */
export const chunkTermStats = pgTable(
  'chunk_term_stats',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    lexeme: text('lexeme').notNull(),
    chunks: integer('chunks').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.lexeme] })],
);

/** …and how many chunks the user has and their total length in lexemes (N and avgdl). */
export const chunkCorpusStats = pgTable('chunk_corpus_stats', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  chunks: bigint('chunks', { mode: 'number' }).notNull(),
  lexemes: bigint('lexemes', { mode: 'number' }).notNull(),
});

export const plugins = pgTable(
  'plugins',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    config: jsonb('config').notNull().default({}),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.name] })],
);

export const usageLogs = pgTable(
  'usage_logs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: text('request_id').notNull().unique(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    apiKeyId: uuid('api_key_id'),
    conversationId: uuid('conversation_id'),
    model: text('model').notNull(),
    provider: text('provider').notNull(),
    promptTokens: integer('prompt_tokens').notNull(),
    completionTokens: integer('completion_tokens').notNull(),
    latencyMs: integer('latency_ms').notNull(),
    ttftMs: integer('ttft_ms'),
    status: text('status', { enum: ['ok', 'error', 'cancelled'] })
      .notNull()
      .default('ok'),
    costUsd: real('cost_usd'),
    createdAt: createdAt(),
  },
  (t) => [index('usage_logs_user_idx').on(t.userId, t.createdAt.desc()), index('usage_logs_created_idx').on(t.createdAt)],
);

/**
 * usage_logs summed per UTC day, user and model, kept by triggers on usage_logs (drizzle/0004),
 * so usage reports and quota counters read a few rows per day instead of every call.
 */
export const usageDaily = pgTable(
  'usage_daily',
  {
    day: date('day', { mode: 'string' }).notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    model: text('model').notNull(),
    requests: integer('requests').notNull(),
    promptTokens: bigint('prompt_tokens', { mode: 'number' }).notNull(),
    completionTokens: bigint('completion_tokens', { mode: 'number' }).notNull(),
    costUsd: doublePrecision('cost_usd').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.userId, t.model] }), index('usage_daily_user_day_idx').on(t.userId, t.day)],
);

/**
 * Who did what, when and from where. Rows are only ever inserted: no route updates or deletes
 * them. `details` says what changed and never holds a secret.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Insertion order: entries of one millisecond still list in the order they happened. */
    seq: bigserial('seq', { mode: 'number' }).notNull().unique(),
    at: timestamp('at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    /** Null for actions without a signed-in actor (a failed sign-in, a sign-up). */
    actorId: uuid('actor_id'),
    /** Kept as it was at the time, so the entry still reads after the account is gone. */
    actorEmail: text('actor_email'),
    action: text('action').notNull(),
    /** What the action was done to: `user:<id>`, `connection:<id>`, `model:<id>`, `settings`… */
    target: text('target'),
    address: text('address'),
    details: jsonb('details'),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_action_idx').on(t.action, t.seq)],
);

/**
 * Groups of users: model access and quotas can be granted to a group. `limits` holds the group's
 * quotas (`{rpm, tpm, tokensPerDay, usdPerMonth}`, each optional).
 */
export const groups = pgTable('groups', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  limits: jsonb('limits'),
  createdAt: createdAt(),
});

export const groupMembers = pgTable(
  'group_members',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('group_members_user_idx').on(t.userId)],
);

/**
 * Model providers an admin added at runtime. The API key is stored sealed (AES-256-GCM under the
 * server's secret key, `src/lib/secret-box.ts`) and never in clear; `apiKeyHint` is what listings show.
 */
export const connections = pgTable('connections', {
  id: uuid('id').primaryKey().defaultRandom(),
  kind: text('kind', { enum: ['openai', 'anthropic', 'openai-compatible'] }).notNull(),
  /** Prefixes the ids of its models: `<name>/<model>`. */
  name: text('name').notNull().unique(),
  baseUrl: text('base_url'),
  /** The sealed key (`v1.<key id>.<iv>.<ciphertext>`); null when the server needs none. */
  apiKeySealed: text('api_key_sealed'),
  /** The key's first and last characters, `sk-…1234`, so an admin can tell keys apart. */
  apiKeyHint: text('api_key_hint'),
  enabled: boolean('enabled').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * An admin's settings for one model, keyed by the id `/api/models` lists. A model without a row is
 * enabled, open to everyone and priced from the built-in list.
 */
export const modelSettings = pgTable('model_settings', {
  modelId: text('model_id').primaryKey(),
  enabled: boolean('enabled').notNull().default(true),
  displayName: text('display_name'),
  /** `{roles, groups}` that may use the model; null lets everyone. */
  access: jsonb('access'),
  /** `{inputPerMTok, outputPerMTok}` in USD, replacing the built-in price; null keeps it. */
  price: jsonb('price'),
  updatedAt: updatedAt(),
});

/** Server-wide settings an admin changes at runtime, one row per key (`defaultModel`, `defaultLimits`). */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: updatedAt(),
});

/** An MCP server an admin registered; its tools are offered to users as `mcp:<name>:<tool>`. */
export const mcpServers = pgTable('mcp_servers', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  /** The endpoint of an HTTP server; null for a stdio server. */
  url: text('url'),
  /** The program of a stdio server (with `args`), started by Confab; null for an HTTP server. */
  command: text('command'),
  args: jsonb('args').$type<string[]>().notNull().default([]),
  /** `streamable-http` or the older `sse`; `auto` tries the first and falls back to the second; `stdio` for a command. */
  transport: text('transport', { enum: ['auto', 'streamable-http', 'sse', 'stdio'] })
    .notNull()
    .default('auto'),
  /** The sealed JSON object of extra request headers; null when there are none. */
  headersSealed: text('headers_sealed'),
  /** The headers' names only, for listings. */
  headerNames: jsonb('header_names').$type<string[]>().notNull().default([]),
  /** The sealed bearer token sent as `Authorization: Bearer`; null when there is none. */
  tokenSealed: text('token_sealed'),
  tokenHint: text('token_hint'),
  enabled: boolean('enabled').notNull().default(true),
  /** The tools offered; null offers every tool the server lists. */
  allowedTools: jsonb('allowed_tools').$type<string[] | null>(),
  /** `none` or `bearer` share one connection; `oauth` connects each user with their own account (OAuth 2.1). */
  auth: text('auth', { enum: ['none', 'bearer', 'oauth'] })
    .notNull()
    .default('none'),
  /** A client the admin registered at the authorization server; null registers one dynamically. */
  oauthClientId: text('oauth_client_id'),
  /** That client's secret, sealed; null for a public client. */
  oauthClientSecretSealed: text('oauth_client_secret_sealed'),
  /** The scopes asked for when the server does not say; null asks for what it advertises. */
  oauthScope: text('oauth_scope'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * One user's OAuth link to one MCP server: the dynamically registered client, the tokens, and the
 * sign-in in progress (PKCE verifier, the state's hash, its expiry). Every value is sealed in the
 * secret box under a context naming the user and the server, so a row copied elsewhere opens nowhere.
 */
export const mcpOauthCredentials = pgTable(
  'mcp_oauth_credentials',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    serverId: uuid('server_id')
      .notNull()
      .references(() => mcpServers.id, { onDelete: 'cascade' }),
    clientSealed: text('client_sealed'),
    tokensSealed: text('tokens_sealed'),
    discoverySealed: text('discovery_sealed'),
    verifierSealed: text('verifier_sealed'),
    /** SHA-256 of the state sent to the authorization server: found by it, never readable from it. */
    stateHash: text('state_hash'),
    stateExpiresAt: timestamp('state_expires_at', { withTimezone: true, mode: 'date', precision: 3 }),
    /** The redirect URI the sign-in in progress was sent with; the code is exchanged with the same one. */
    redirectUrl: text('redirect_url'),
    connectedAt: timestamp('connected_at', { withTimezone: true, mode: 'date', precision: 3 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.serverId] }), uniqueIndex('mcp_oauth_credentials_state_idx').on(t.stateHash)],
);

/**
 * Saved chat set-ups ("assistants"): a model, instructions, parameters, tools and documents to start
 * a conversation from. A preset is its owner's; one an admin publishes is offered to everyone.
 */
export const presets = pgTable(
  'presets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    model: text('model'),
    /** `{systemPrompt, params, plugins, documentIds}`, as a conversation's settings. */
    settings: jsonb('settings').notNull(),
    published: boolean('published').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('presets_user_idx').on(t.userId), index('presets_published_idx').on(t.published)],
);

/** A user's thumbs up or down on an answer, with an optional comment; one per user and message. */
export const feedback = pgTable(
  'feedback',
  {
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    rating: text('rating', { enum: ['up', 'down'] }).notNull(),
    comment: text('comment'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.userId] }), index('feedback_created_idx').on(t.createdAt)],
);

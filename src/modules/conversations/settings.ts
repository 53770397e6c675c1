import { and, eq, inArray } from 'drizzle-orm';
import { type Static, t } from 'elysia';
import type { Db } from '../../db/client';
import { documents, users } from '../../db/schema';
import { AppError } from '../../lib/errors';

/**
 * Generation parameters a conversation or preset may set. Each provider gets them in its own terms:
 * OpenAI and compatible servers `temperature`, `top_p` and their max-tokens field; Anthropic
 * `max_tokens` (its Messages API in this SDK generation takes no sampling parameters).
 */
export const ChatParams = t.Object(
  {
    temperature: t.Optional(t.Number({ minimum: 0, maximum: 2, description: 'Sampling temperature, 0 to 2' })),
    topP: t.Optional(t.Number({ minimum: 0, maximum: 1, description: 'Nucleus sampling, 0 to 1' })),
    maxTokens: t.Optional(
      t.Integer({ minimum: 1, maximum: 200_000, description: "Longest answer, in tokens (within the model's window)" }),
    ),
  },
  { additionalProperties: false },
);
export type ChatParams = Static<typeof ChatParams>;

export const SystemPrompt = t.String({ maxLength: 20_000, description: 'Instructions the model gets before the conversation' });
const PluginNames = t.Array(t.String({ minLength: 1, maxLength: 200 }), { maxItems: 20, uniqueItems: true });
const DocumentIds = t.Array(t.String({ format: 'uuid' }), { maxItems: 50, uniqueItems: true });

/**
 * How a turn reads documents. `auto`: files attached to the message whole when they fit the
 * model's context budget, picked documents by retrieval; `whole`: picked documents whole too, when
 * they fit; `retrieve`: always retrieved passages, attachments included.
 */
export const DocumentMode = t.Union([t.Literal('auto'), t.Literal('whole'), t.Literal('retrieve')], {
  description:
    "auto: attached files are read whole when they fit the model's context budget, picked documents are searched; whole: picked documents are read whole too when they fit; retrieve: always search (retrieved passages only)",
});
export type DocumentMode = Static<typeof DocumentMode>;

/** What every turn of a conversation uses unless the turn itself says otherwise. */
export const ConversationSettings = t.Object({
  systemPrompt: t.Nullable(SystemPrompt),
  params: ChatParams,
  plugins: PluginNames,
  documentIds: DocumentIds,
  documentMode: DocumentMode,
});
export type ConversationSettings = Static<typeof ConversationSettings>;

/** What an export carries: instructions and parameters; tools and documents belong to the server. */
export const PortableSettings = t.Pick(ConversationSettings, ['systemPrompt', 'params']);
export type PortableSettings = Static<typeof PortableSettings>;

export const EMPTY_SETTINGS: ConversationSettings = { systemPrompt: null, params: {}, plugins: [], documentIds: [], documentMode: 'auto' };

/** Settings as stored (a jsonb that may predate a field), complete. */
export function settingsOf(stored: unknown): ConversationSettings {
  const s = (stored ?? {}) as Partial<ConversationSettings>;
  return {
    systemPrompt: s.systemPrompt ?? null,
    params: s.params ?? {},
    plugins: s.plugins ?? [],
    documentIds: s.documentIds ?? [],
    documentMode: s.documentMode ?? 'auto',
  };
}

/** A change to settings: each field named replaces the stored one; `null` clears it. */
export const SettingsChange = {
  systemPrompt: t.Optional(t.Nullable(SystemPrompt)),
  params: t.Optional(t.Nullable(ChatParams)),
  plugins: t.Optional(PluginNames),
  documentIds: t.Optional(DocumentIds),
  documentMode: t.Optional(DocumentMode),
};
export interface SettingsChange {
  systemPrompt?: string | null;
  params?: ChatParams | null;
  plugins?: string[];
  documentIds?: string[];
  documentMode?: DocumentMode;
}

export function applyChange(current: ConversationSettings, change: SettingsChange): ConversationSettings {
  return {
    systemPrompt: change.systemPrompt === undefined ? current.systemPrompt : change.systemPrompt?.trim() || null,
    params: change.params === undefined ? current.params : (change.params ?? {}),
    plugins: change.plugins ?? current.plugins,
    documentIds: change.documentIds ?? current.documentIds,
    documentMode: change.documentMode ?? current.documentMode,
  };
}

/** Refuses (400 `unknown_document`) document ids that are not the user's. */
export async function checkDocuments(db: Db, userId: string, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  const found = await db
    .select({ id: documents.id })
    .from(documents)
    .where(and(eq(documents.userId, userId), inArray(documents.id, [...ids])));
  const mine = new Set(found.map((d) => d.id));
  const missing = ids.filter((id) => !mine.has(id));
  if (missing.length) throw new AppError('unknown_document', { details: { missing } });
}

/** A user's own chat defaults. */
export const Preferences = t.Object({
  systemPrompt: t.Nullable(SystemPrompt, { description: 'Custom instructions for every conversation that sets none of its own' }),
  defaultModel: t.Nullable(t.String({ minLength: 1, maxLength: 300, description: 'The model new conversations start with' })),
  defaultPlugins: PluginNames,
});
export type Preferences = Static<typeof Preferences>;

export const PreferencesPatch = t.Object(
  {
    systemPrompt: t.Optional(t.Nullable(SystemPrompt)),
    defaultModel: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 300 }))),
    defaultPlugins: t.Optional(PluginNames),
  },
  { additionalProperties: false, description: 'Each field named replaces yours; null clears it' },
);
export type PreferencesPatch = Static<typeof PreferencesPatch>;

export function preferencesOf(stored: unknown): Preferences {
  const p = (stored ?? {}) as Partial<Preferences>;
  return { systemPrompt: p.systemPrompt ?? null, defaultModel: p.defaultModel ?? null, defaultPlugins: p.defaultPlugins ?? [] };
}

export async function loadPreferences(db: Db, userId: string): Promise<Preferences> {
  const [row] = await db.select({ preferences: users.preferences }).from(users).where(eq(users.id, userId));
  return preferencesOf(row?.preferences);
}

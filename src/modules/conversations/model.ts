import { t } from 'elysia';
import { Attachment } from '../chat/model';
import { ConversationSettings, PortableSettings, SettingsChange } from './settings';

export const Citation = t.Object({
  n: t.Integer(),
  documentId: t.String(),
  documentName: t.String(),
  chunkId: t.String(),
  page: t.Nullable(t.Integer()),
  start: t.Integer(),
  end: t.Integer(),
  score: t.Number(),
  text: t.String(),
});

export const Message = t.Object({
  id: t.String({ format: 'uuid' }),
  parentId: t.Nullable(t.String({ format: 'uuid' })),
  role: t.Union([t.Literal('system'), t.Literal('user'), t.Literal('assistant'), t.Literal('tool')]),
  content: t.String(),
  model: t.Nullable(t.String()),
  status: t.Union([t.Literal('complete'), t.Literal('streaming'), t.Literal('interrupted'), t.Literal('error')]),
  error: t.Nullable(t.String()),
  usage: t.Nullable(t.Object({ promptTokens: t.Integer(), completionTokens: t.Integer() })),
  citations: t.Array(Citation),
  attachments: t.Array(Attachment, { description: 'Files attached to a user message, as they were when it was sent' }),
  plugins: t.Array(t.Unknown()),
  requestId: t.Nullable(
    t.String({ description: 'The request that wrote it: while `status` is `streaming`, a `resume` frame with it follows the answer live' }),
  ),
  feedback: t.Nullable(
    t.Object(
      { rating: t.Union([t.Literal('up'), t.Literal('down')]), comment: t.Nullable(t.String()) },
      { description: 'Your rating of this answer' },
    ),
  ),
  createdAt: t.String({ format: 'date-time' }),
});

export const ConversationSummary = t.Object({
  id: t.String({ format: 'uuid' }),
  title: t.String(),
  model: t.Nullable(t.String()),
  pinned: t.Boolean(),
  archived: t.Boolean({ description: 'Hidden from the list (unless `archived=true`), still found by search' }),
  folderId: t.Nullable(t.String({ format: 'uuid' })),
  settings: ConversationSettings,
  createdAt: t.String({ format: 'date-time' }),
  updatedAt: t.String({ format: 'date-time' }),
});

export const ConversationDetail = t.Composite([ConversationSummary, t.Object({ messages: t.Array(Message) })]);

export const ConversationPage = t.Object({
  items: t.Array(ConversationSummary),
  nextCursor: t.Nullable(t.String({ description: 'Pass as `cursor` for the next page; null on the last page' })),
});

export const ListQuery = t.Object({
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, default: 30 })),
  cursor: t.Optional(t.String({ maxLength: 200 })),
  q: t.Optional(
    t.String({ minLength: 1, maxLength: 200, description: 'Full-text search over titles and messages; archived ones are found too' }),
  ),
  archived: t.Optional(t.Boolean({ description: 'true: only archived conversations; false (the default without `q`): none' })),
  pinned: t.Optional(t.Boolean({ description: 'Only pinned (true) or unpinned (false) conversations' })),
  folderId: t.Optional(t.String({ format: 'uuid', description: 'Only the conversations in this folder' })),
});

const Title = t.String({ minLength: 1, maxLength: 200 });

export const CreateConversation = t.Object({
  title: t.Optional(Title),
  model: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  presetId: t.Optional(
    t.String({
      format: 'uuid',
      description: 'Start from a preset: its model, instructions, parameters, tools and (if it is yours) documents',
    }),
  ),
  messages: t.Optional(
    t.Array(
      t.Object({
        role: t.Union([t.Literal('system'), t.Literal('user'), t.Literal('assistant')]),
        content: t.String({ maxLength: 200_000 }),
      }),
      { maxItems: 500, description: 'Import an existing exchange; without a title, one is made from the first user message' },
    ),
  ),
});

export const UpdateConversation = t.Object(
  {
    title: t.Optional(Title),
    model: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 300, description: 'null: your default model' }))),
    ...SettingsChange,
    pinned: t.Optional(t.Boolean()),
    archived: t.Optional(t.Boolean({ description: 'Hides it from the list; search still finds it; false restores it' })),
    folderId: t.Optional(t.Nullable(t.String({ format: 'uuid', description: 'One of your folders; null takes it out' }))),
  },
  {
    additionalProperties: false,
    description: "Each field named replaces the conversation's; the next turn (REST, WebSocket, regenerate) uses them",
  },
);

export const DeleteConversations = t.Object({
  ids: t.Array(t.String({ format: 'uuid' }), { minItems: 1, maxItems: 500, uniqueItems: true }),
});

export const DeletedCount = t.Object({ deleted: t.Integer({ description: 'How many of the ids were yours and are gone' }) });

export const ConversationId = t.Object({ id: t.String({ format: 'uuid' }) });

export const ExportQuery = t.Object({
  format: t.Optional(t.Union([t.Literal('json'), t.Literal('md')], { default: 'json' })),
});

export const ExportAllQuery = t.Object({
  format: t.Optional(t.Union([t.Literal('jsonl'), t.Literal('zip')], { default: 'jsonl' })),
});

const PortableMessage = t.Object({
  id: t.String(),
  parentId: t.Nullable(t.String()),
  role: Message.properties.role,
  content: t.String(),
  model: t.Nullable(t.String()),
  status: Message.properties.status,
  createdAt: t.String({ format: 'date-time' }),
  citations: t.Array(t.Unknown()),
  attachments: t.Optional(t.Array(Attachment, { description: 'Files attached to a user message (their documents stay on the server)' })),
});

/** Confab's export of one conversation; `POST /api/conversations/import` reads it back. */
export const PortableConversation = t.Object({
  format: t.Literal('confab.conversation'),
  version: t.Literal(1),
  id: t.String({ format: 'uuid' }),
  importKey: t.Nullable(t.String({ description: 'Where an imported conversation came from; importing it again adds nothing' })),
  title: t.String(),
  model: t.Nullable(t.String()),
  pinned: t.Boolean(),
  archived: t.Boolean(),
  settings: t.Optional(PortableSettings),
  createdAt: t.String({ format: 'date-time' }),
  updatedAt: t.String({ format: 'date-time' }),
  messages: t.Array(PortableMessage),
});

export const ImportUpload = t.Object({
  file: t.File({
    description: "Confab's export (JSON or JSON Lines), ChatGPT's conversations.json or an Open WebUI chat export",
  }),
});

export const ImportResult = t.Object({
  imported: t.Array(t.Object({ id: t.String({ format: 'uuid' }), title: t.String(), messages: t.Integer() })),
  skipped: t.Array(t.Object({ title: t.String() }), { description: 'Already imported (or already yours): left unchanged' }),
});

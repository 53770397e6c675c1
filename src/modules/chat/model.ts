import { type Static, Type } from '@sinclair/typebox';
import { Citation } from '../../plugins';
import { FinishReason } from '../../providers/types';
import { DocumentMode } from '../conversations/settings';

/** A client's name for one request, so that a retry of it is recognised (and a stream resumed). */
export const RequestId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' });

/** Files one message may carry. */
export const MAX_ATTACHMENTS = 10;

/** A file attached to a user message, as it was when the message was sent. */
export const Attachment = Type.Object({
  documentId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  mimeType: Type.String(),
  sizeBytes: Type.Integer(),
});
export type Attachment = Static<typeof Attachment>;

/** What a person sends for one turn, whichever way it arrives (`POST /api/chat`, a `chat` frame). */
export const ChatTurn = Type.Object({
  conversationId: Type.Optional(Type.String({ format: 'uuid' })),
  message: Type.String({ minLength: 1, maxLength: 100_000 }),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  plugins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 160 }), { maxItems: 20 })),
  documentIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 50 })),
  attachments: Type.Optional(
    Type.Array(Type.String({ format: 'uuid' }), {
      maxItems: MAX_ATTACHMENTS,
      uniqueItems: true,
      examples: [['3f6c2a9e-8d41-4b7a-9c55-0e2d7f1b6a40']],
      description:
        "Ids of your uploaded documents attached to this message: upload with `POST /api/documents`, wait until `GET /api/documents/:id` says `ready`, then name its `id` here. Read whole when they fit the model's context budget, searched otherwise, and kept with the message (later turns of the branch read them too). Not yours or unknown: 404 `unknown_attachment`; still `queued` or `processing`: 409 `attachment_not_ready`, naming it (wait and send again); `failed`: 400 `attachment_failed`. Nothing is stored then.",
    }),
  ),
  documentMode: Type.Optional({ ...DocumentMode, examples: ['auto'] }),
  parentId: Type.Optional(
    Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
      description:
        'The message this turn follows (to edit or regenerate: branch from an earlier point); null starts from the top; omitted continues the newest branch',
    }),
  ),
});
export type ChatTurn = Static<typeof ChatTurn>;

export const ChatBody = Type.Composite([ChatTurn, Type.Object({ requestId: Type.Optional(RequestId) })], {
  additionalProperties: false,
  // What Swagger's "Try it out" sends: a first turn that works on any server, the offline model included.
  examples: [{ message: 'When does the office close on Fridays?' }],
});
export type ChatBody = Static<typeof ChatBody>;

export const TokenUsage = Type.Object({ promptTokens: Type.Integer(), completionTokens: Type.Integer() });

export const ChatReply = Type.Object({
  conversationId: Type.String(),
  message: Type.Object({
    id: Type.String(),
    role: Type.Literal('assistant'),
    content: Type.String(),
    model: Type.Union([Type.String(), Type.Null()]),
    citations: Type.Array(Citation),
    usage: TokenUsage,
  }),
});
export type ChatReply = Static<typeof ChatReply>;

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });

/** A plugin call of the turn: `running` when it starts, then `ok` with its data or `error`. */
export const PluginFrame = Type.Object({
  type: Type.Literal('plugin'),
  name: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('ok'), Type.Literal('error')]),
  via: Type.Union([Type.Literal('explicit'), Type.Literal('tool')]),
  callId: Type.Optional(Type.String()),
  data: Type.Optional(Type.Unknown()),
  // A busy plugin says when trying again may work.
  error: Type.Optional(Type.Composite([ErrorBody, Type.Object({ retryAfterMs: Type.Optional(Type.Number({ minimum: 0 })) })])),
});
export type PluginFrame = Static<typeof PluginFrame>;

export const TurnErrorFrame = Type.Composite([
  Type.Object({ type: Type.Literal('error'), retryAfterMs: Type.Optional(Type.Number({ minimum: 0 })) }),
  ErrorBody,
]);
export type TurnErrorFrame = Static<typeof TurnErrorFrame>;

/** What one turn emits: `start`, then plugins, citations, tokens and fallbacks as they happen, then `done` or `error`. */
export const TurnFrame = Type.Union([
  Type.Object({
    type: Type.Literal('start'),
    conversationId: Type.String(),
    messageId: Type.String(),
    userMessageId: Type.String(),
    model: Type.String(),
  }),
  Type.Object({ type: Type.Literal('token'), delta: Type.String() }),
  PluginFrame,
  Type.Object({ type: Type.Literal('citations'), citations: Type.Array(Citation) }),
  Type.Object({
    type: Type.Literal('fallback'),
    from: Type.String(),
    to: Type.String(),
    reason: Type.Optional(Type.Union([Type.Literal('failed'), Type.Literal('cooldown')])),
  }),
  Type.Object({ type: Type.Literal('done'), messageId: Type.String(), finishReason: FinishReason, usage: TokenUsage }),
  TurnErrorFrame,
]);
export type TurnFrame = Static<typeof TurnFrame>;

import { Type } from '@sinclair/typebox';
import { Citation } from '../../plugins';

const Id = Type.String({ minLength: 1, maxLength: 128 });

export const ChatBody = Type.Object(
  {
    conversationId: Type.Optional(Type.String({ format: 'uuid' })),
    message: Type.String({ minLength: 1, maxLength: 100_000 }),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    plugins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10 })),
    documentIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 50 })),
    requestId: Type.Optional(Id),
    parentId: Type.Optional(
      Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
        description:
          'The message this turn follows (to edit or regenerate: branch from an earlier point); null starts from the top; omitted continues the newest branch',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ChatReply = Type.Object({
  conversationId: Type.String(),
  message: Type.Object({
    id: Type.String(),
    role: Type.Literal('assistant'),
    content: Type.String(),
    model: Type.Union([Type.String(), Type.Null()]),
    citations: Type.Array(Citation),
    usage: Type.Object({ promptTokens: Type.Integer(), completionTokens: Type.Integer() }),
  }),
});

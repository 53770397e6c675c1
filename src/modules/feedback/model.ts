import { t } from 'elysia';

export const Rating = t.Union([t.Literal('up'), t.Literal('down')]);

export const FeedbackBody = t.Object(
  {
    rating: t.Nullable(Rating, { description: 'null takes your feedback back' }),
    comment: t.Optional(t.Nullable(t.String({ maxLength: 2_000 }))),
  },
  { additionalProperties: false },
);

export const FeedbackView = t.Object({
  messageId: t.String({ format: 'uuid' }),
  rating: t.Nullable(Rating),
  comment: t.Nullable(t.String()),
});

export const MessageId = t.Object({ id: t.String({ format: 'uuid' }) });

export const FeedbackQuery = t.Object(
  {
    from: t.Optional(t.String({ format: 'date-time' })),
    to: t.Optional(t.String({ format: 'date-time' })),
    rating: t.Optional(Rating),
    format: t.Optional(t.Union([t.Literal('json'), t.Literal('jsonl')], { default: 'json' })),
    limit: t.Optional(t.Integer({ minimum: 1, maximum: 10_000, default: 1_000 })),
  },
  { additionalProperties: false },
);

export const FeedbackEntry = t.Object({
  messageId: t.String({ format: 'uuid' }),
  conversationId: t.String({ format: 'uuid' }),
  userEmail: t.String(),
  model: t.Nullable(t.String()),
  rating: Rating,
  comment: t.Nullable(t.String()),
  question: t.Nullable(t.String({ description: 'The message the answer replied to' })),
  answer: t.String(),
  at: t.String({ format: 'date-time' }),
});

export const FeedbackExport = t.Object({ entries: t.Array(FeedbackEntry) });

import { t } from 'elysia';

export const ShareView = t.Object({
  id: t.String({ format: 'uuid' }),
  conversationId: t.String({ format: 'uuid' }),
  title: t.String({ description: 'The title the snapshot was taken under' }),
  token: t.String(),
  url: t.String({ description: 'The public read-only page: `/s/<token>`' }),
  messages: t.Integer({ description: 'How many messages the snapshot holds' }),
  createdAt: t.String({ format: 'date-time' }),
  updatedAt: t.String({ format: 'date-time', description: 'When the snapshot was last taken' }),
});

export const ShareList = t.Object({ items: t.Array(ShareView) });

/** What a share shows to anyone with its link, and nothing else: no owner, no ids, no documents. */
export const SharedConversation = t.Object({
  title: t.String(),
  sharedAt: t.String({ format: 'date-time' }),
  messages: t.Array(t.Object({ role: t.Union([t.Literal('user'), t.Literal('assistant')]), content: t.String() })),
});

export const ShareId = t.Object({ id: t.String({ format: 'uuid' }) });

/** 32 random bytes in base64url, as `createShare` makes them. */
export const ShareToken = t.Object({ token: t.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) });

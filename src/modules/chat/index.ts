import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { authGuard } from '../auth/guard';
import { ChatBody, ChatReply } from './model';
import { chatOnce, turnDeps } from './service';

export const chatModule = (ctx: AppContext) => {
  const deps = turnDeps(ctx);
  return new Elysia({ prefix: '/api/chat' }).use(authGuard(ctx)).post(
    '',
    async ({ principal, body, set }) => {
      const result = await chatOnce(deps, principal, body);
      Object.assign(set.headers, result.headers);
      return { conversationId: result.conversationId, message: result.message };
    },
    {
      body: ChatBody,
      response: { 200: ChatReply, ...errorResponses([400, 401, 403, 404, 409, 413, 415, 429, 502, 503, 504]) },
      detail: {
        summary: 'One chat turn, not streamed; stores both messages',
        description:
          'Creates a conversation when none is given. `requestId` makes retries idempotent: the same id returns the stored answer. `plugins` run before the model; `documentIds` limit document search to those documents and switch on the plugins that search them. `attachments` are ready documents attached to the message: read whole when they fit the context budget of the model, else searched (404 for a document that is not yours, 409 `attachment_not_ready` while one is still being read). `documentMode` (`auto`, `whole`, `retrieve`) is remembered by the conversation. 429 with Retry-After and X-RateLimit-* headers over the limit.',
        tags: ['chat'],
      },
    },
  );
};

import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { authGuard } from '../auth/guard';
import { MessageId, Siblings } from './model';
import { messageSiblings } from './service';

export const messagesModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/messages' })
    .use(authGuard(ctx))
    .get('/:id/siblings', ({ principal, params }) => messageSiblings(ctx.database.db, principal.user.id, params.id), {
      params: MessageId,
      response: { 200: Siblings, ...errorResponses([400, 401, 403, 404]) },
      detail: {
        summary: "A message's branches: it and the other edits or regenerations after the same parent",
        description:
          'What the `‹ 2/3 ›` switcher pages through. Each branch continues from its message: GET the conversation and follow `parentId`.',
        tags: ['conversations'],
      },
    });

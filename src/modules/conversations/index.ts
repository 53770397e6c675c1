import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { authGuard } from '../auth/guard';
import {
  ConversationDetail,
  ConversationId,
  ConversationPage,
  ConversationSummary,
  CreateConversation,
  ListQuery,
  RenameConversation,
} from './model';
import { createConversation, deleteConversation, getConversation, listConversations, renameConversation } from './service';

const tags = ['conversations'];

export const conversationsModule = (ctx: AppContext) => {
  const db = ctx.database.db;
  return new Elysia({ prefix: '/api/conversations' })
    .use(authGuard(ctx))
    .get('', ({ principal, query }) => listConversations(db, principal.user.id, query), {
      query: ListQuery,
      response: { 200: ConversationPage, ...errorResponses([400, 401, 403]) },
      detail: { summary: 'List your conversations, newest first (cursor-paginated, searchable)', tags },
    })
    .post(
      '',
      async ({ principal, body, set }) => {
        set.status = 201;
        return createConversation(db, principal.user.id, body);
      },
      {
        body: CreateConversation,
        response: { 201: ConversationDetail, ...errorResponses([400, 401, 403, 413, 415]) },
        detail: { summary: 'Create a conversation (optionally importing messages)', tags },
      },
    )
    .get('/:id', ({ principal, params }) => getConversation(db, principal.user.id, params.id), {
      params: ConversationId,
      response: { 200: ConversationDetail, ...errorResponses([400, 401, 403, 404]) },
      detail: { summary: 'A conversation with its messages', tags },
    })
    .patch('/:id', ({ principal, params, body }) => renameConversation(db, principal.user.id, params.id, body.title), {
      params: ConversationId,
      body: RenameConversation,
      response: { 200: ConversationSummary, ...errorResponses([400, 401, 403, 404, 413, 415]) },
      detail: { summary: 'Rename a conversation', tags },
    })
    .delete(
      '/:id',
      async ({ principal, params, set }) => {
        await deleteConversation(db, principal.user.id, params.id);
        set.status = 204;
      },
      {
        params: ConversationId,
        response: { 204: t.Void(), ...errorResponses([400, 401, 403, 404, 415]) },
        detail: { summary: 'Delete a conversation and its messages', tags },
      },
    );
};

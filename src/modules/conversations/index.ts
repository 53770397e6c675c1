import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { strictBody } from '../admin/strict-body';
import { authGuard } from '../auth/guard';
import { fromPreset } from '../presets/service';
import {
  ConversationDetail,
  ConversationId,
  ConversationPage,
  ConversationSummary,
  CreateConversation,
  ListQuery,
  UpdateConversation,
} from './model';
import { createConversation, deleteConversation, getConversation, listConversations } from './service';
import type { ConversationSettings } from './settings';
import { patchConversation } from './update';

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
        const { presetId, ...input } = body;
        const start: { model?: string; settings?: ConversationSettings } = presetId
          ? await fromPreset(ctx, principal.user.id, presetId)
          : {};
        set.status = 201;
        return createConversation(db, principal.user.id, { ...start, ...input, model: input.model ?? start.model });
      },
      {
        body: CreateConversation,
        response: { 201: ConversationDetail, ...errorResponses([400, 401, 403, 404, 413, 415]) },
        detail: { summary: 'Create a conversation (optionally importing messages)', tags },
      },
    )
    .get('/:id', ({ principal, params }) => getConversation(db, principal.user.id, params.id), {
      params: ConversationId,
      response: { 200: ConversationDetail, ...errorResponses([400, 401, 403, 404]) },
      detail: { summary: 'A conversation with its messages', tags },
    })
    .patch('/:id', ({ principal, params, body }) => patchConversation(ctx, principal, params.id, body), {
      params: ConversationId,
      body: UpdateConversation,
      transform: strictBody(UpdateConversation),
      response: { 200: ConversationSummary, ...errorResponses([400, 401, 403, 404, 413, 415]) },
      detail: {
        summary: 'Rename a conversation or change its model, instructions, parameters, tools and documents',
        description:
          'Every later turn of the conversation, over REST, WebSocket and regenerate, uses these unless the turn names its own `model`, `plugins` or `documentIds` (which are then remembered). `systemPrompt` null falls back to your custom instructions (`/api/me/settings`). Out-of-range parameters answer 400; a model you may not use 403 `model_forbidden`.',
        tags,
      },
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

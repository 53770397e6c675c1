import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { AppError } from '../../lib/errors';
import { strictBody } from '../admin/strict-body';
import { authGuard } from '../auth/guard';
import { fromPreset } from '../presets/service';
import { downloadResponses } from './download-responses';
import { exportAll, exportConversation, exportZip, fileNameFor, toMarkdown } from './export';
import { readImportFile } from './import/read-import-file';
import { storeImports } from './import/store-imports';
import {
  ConversationDetail,
  ConversationId,
  ConversationPage,
  ConversationSummary,
  CreateConversation,
  DeleteConversations,
  DeletedCount,
  ExportAllQuery,
  ExportQuery,
  ImportResult,
  ImportUpload,
  ListQuery,
  PortableConversation,
  UpdateConversation,
} from './model';
import { createConversation, deleteConversation, deleteConversations, getConversation, listConversations } from './service';
import type { ConversationSettings } from './settings';
import { patchConversation } from './update';

const tags = ['conversations'];
const JsonLines = t.String({ description: 'One Confab conversation export (JSON) per line' });
const ZipFile = t.String({ format: 'binary', description: 'With `format=zip`: each conversation as JSON and Markdown' });
const MarkdownText = t.String({ description: 'With `format=md`: the shown branch as Markdown' });

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
    .get(
      '/export',
      ({ principal, query }) =>
        query.format === 'zip'
          ? new Response(exportZip(db, principal.user.id), {
              headers: { 'content-type': 'application/zip', 'content-disposition': 'attachment; filename="confab-conversations.zip"' },
            })
          : new Response(exportAll(db, principal.user.id), {
              headers: {
                'content-type': 'application/x-ndjson; charset=utf-8',
                'content-disposition': 'attachment; filename="confab-conversations.jsonl"',
              },
            }),
      {
        query: ExportAllQuery,
        response: { 200: JsonLines, ...errorResponses([400, 401, 403]) },
        detail: {
          summary: 'Export all your conversations as JSON Lines or a zip',
          description:
            'Each line is what `GET /api/conversations/:id/export` answers; `POST /api/conversations/import` reads the file back. `format=zip` holds each conversation as JSON and as Markdown.',
          tags,
          responses: downloadResponses(
            'Every conversation',
            { 'application/x-ndjson': JsonLines, 'application/zip': ZipFile },
            [400, 401, 403],
          ),
        },
      },
    )
    .post(
      '/import',
      async ({ principal, body, set }) => {
        // A body without a declared length reaches the handler whole; the file is measured here too.
        if (body.file.size > ctx.config.maxUploadBytes)
          throw new AppError('payload_too_large', { message: `File exceeds ${Math.floor(ctx.config.maxUploadBytes / 1024)} KiB` });
        const drafts = readImportFile(await body.file.text());
        const result = await storeImports(db, principal.user.id, drafts);
        set.status = result.imported.length > 0 ? 201 : 200;
        return result;
      },
      {
        body: ImportUpload,
        type: 'multipart/form-data',
        response: { 200: ImportResult, 201: ImportResult, ...errorResponses([400, 401, 403, 413, 415]) },
        detail: {
          summary: 'Import conversations from Confab, ChatGPT or Open WebUI (multipart field `file`)',
          description:
            "Reads Confab's JSON or JSON Lines export, ChatGPT's `conversations.json` (every branch of its `mapping` tree) and Open WebUI's chat export. Everything is checked first and stored in one transaction: a file with any problem answers 400 naming it and imports nothing. Conversations imported before are skipped, so importing the same file twice adds nothing (201 when something was imported, 200 otherwise).",
          tags,
        },
      },
    )
    .get(
      '/:id/export',
      async ({ principal, params, query, set }) => {
        const portable = await exportConversation(db, principal.user.id, params.id);
        const markdown = query.format === 'md';
        set.headers['content-disposition'] = `attachment; filename="${fileNameFor(portable.title, markdown ? 'md' : 'json')}"`;
        if (!markdown) return portable;
        set.headers['content-type'] = 'text/markdown; charset=utf-8';
        return toMarkdown(portable);
      },
      {
        params: ConversationId,
        query: ExportQuery,
        response: { 200: t.Union([PortableConversation, MarkdownText]), ...errorResponses([400, 401, 403, 404]) },
        detail: {
          summary: 'Export a conversation as JSON (every branch, re-importable) or Markdown (the shown branch)',
          tags,
          responses: downloadResponses(
            'The conversation',
            { 'application/json': PortableConversation, 'text/markdown': MarkdownText },
            [400, 401, 403, 404],
          ),
        },
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
    .post('/delete', async ({ principal, body }) => ({ deleted: await deleteConversations(db, principal.user.id, body.ids) }), {
      body: DeleteConversations,
      response: { 200: DeletedCount, ...errorResponses([400, 401, 403, 413, 415]) },
      detail: { summary: 'Delete several conversations at once (those of the ids that are yours)', tags },
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

import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { adminGuard } from '../admin/guard';
import { strictBody } from '../admin/strict-body';
import { authGuard } from '../auth/guard';
import { downloadResponses } from '../conversations/download-responses';
import { FeedbackBody, FeedbackExport, FeedbackQuery, FeedbackView, MessageId } from './model';
import { exportFeedback, giveFeedback } from './service';

/** `POST /api/messages/:id/feedback`: thumbs up or down, with a comment, on one of your answers. */
export const feedbackModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/messages' })
    .use(authGuard(ctx))
    .post(
      '/:id/feedback',
      ({ principal, params, body }) => giveFeedback(ctx.database.db, principal.user.id, params.id, body.rating, body.comment),
      {
        params: MessageId,
        body: FeedbackBody,
        transform: strictBody(FeedbackBody),
        response: { 200: FeedbackView, ...errorResponses([400, 401, 403, 404, 413, 415]) },
        detail: {
          summary: 'Rate one of your answers (thumbs up or down, optional comment); a null rating takes it back',
          tags: ['conversations'],
        },
      },
    );

const FeedbackLines = t.String({ description: 'With `format=jsonl`: one entry per line' });

/** `GET /api/admin/feedback`: everyone's feedback for review, as JSON or JSON Lines. */
export const adminFeedbackModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/admin/feedback' }).use(adminGuard(ctx)).get(
    '',
    async ({ query, set }) => {
      const entries = await exportFeedback(ctx.database.db, query);
      if (query.format !== 'jsonl') return { entries };
      set.headers['content-type'] = 'application/x-ndjson; charset=utf-8';
      set.headers['content-disposition'] = 'attachment; filename="feedback.jsonl"';
      return entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : '');
    },
    {
      query: FeedbackQuery,
      response: {
        200: t.Union([FeedbackExport, FeedbackLines]),
        ...errorResponses([400, 401, 403]),
      },
      detail: {
        summary: "Users' feedback on answers, newest first (admins only)",
        description:
          '`format=jsonl` downloads one JSON object per line. Each entry carries the question, the answer, its model, the rating and the comment.',
        tags: ['admin'],
        responses: downloadResponses(
          'The feedback entries',
          { 'application/json': FeedbackExport, 'application/x-ndjson': FeedbackLines },
          [400, 401, 403],
        ),
      },
    },
  );

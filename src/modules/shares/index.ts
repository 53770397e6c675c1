import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { authGuard } from '../auth/guard';
import { ConversationId } from '../conversations/model';
import { CLIENT_DIR } from '../web';
import { UI_HEADERS } from '../web/security-headers';
import { SharedConversation, ShareId, ShareList, ShareToken, ShareView } from './model';
import { listShares, readShare, revokeShare, shareConversation } from './service';

const tags = ['shares'];

/** Links are built on PUBLIC_URL when it is set, else on the address the request came to. */
const originOf = (ctx: AppContext, request: Request) => ctx.config.origins.publicOrigin ?? new URL(request.url).origin;

/** Search engines must not list a shared conversation, and a proxy must not keep one after it is revoked. */
const PRIVATE_PAGE = { 'x-robots-tag': 'noindex, nofollow', 'cache-control': 'no-store' };

/** The owner's side: share a conversation (or take its snapshot again), list and revoke shares. */
export const sharesModule = (ctx: AppContext) => {
  const deps = { db: ctx.database.db, secrets: ctx.secrets };
  return new Elysia()
    .use(authGuard(ctx))
    .post(
      '/api/conversations/:id/share',
      async ({ principal, params, request, set }) => {
        const { share, created } = await shareConversation(deps, principal.user.id, params.id, originOf(ctx, request));
        set.status = created ? 201 : 200;
        return share;
      },
      {
        params: ConversationId,
        response: { 200: ShareView, 201: ShareView, ...errorResponses([400, 401, 403, 404, 415]) },
        detail: {
          summary: 'Share a conversation read-only at a public link, or take its snapshot again',
          description:
            'The page shows the branch you see now, without system prompts, tools, documents or anything about you. Messages added later appear only when you share again (200, same link); the first share answers 201.',
          tags,
        },
      },
    )
    .get('/api/shares', ({ principal, request }) => listShares(deps, principal.user.id, originOf(ctx, request)), {
      response: { 200: ShareList, ...errorResponses([400, 401, 403]) },
      detail: { summary: 'Your shared conversations, newest first', tags },
    })
    .delete(
      '/api/shares/:id',
      async ({ principal, params, set }) => {
        await revokeShare(ctx.database.db, principal.user.id, params.id);
        set.status = 204;
      },
      {
        params: ShareId,
        response: { 204: t.Void(), ...errorResponses([400, 401, 403, 404, 415]) },
        detail: { summary: 'Revoke a share: its link stops working at once', tags },
      },
    );
};

/** Anyone's side: the snapshot as JSON and the page that shows it. */
export const sharedPageModule = (ctx: AppContext) =>
  new Elysia()
    .get(
      '/api/shared/:token',
      async ({ params, set }) => {
        Object.assign(set.headers, PRIVATE_PAGE);
        return readShare(ctx.database.db, params.token);
      },
      {
        params: ShareToken,
        response: { 200: SharedConversation, ...errorResponses([400, 404]) },
        detail: { summary: 'A shared conversation, for anyone with its link', tags, security: [] },
      },
    )
    .get(
      '/s/:token',
      () =>
        new Response(Bun.file(`${CLIENT_DIR}share.html`), {
          headers: { ...UI_HEADERS, ...PRIVATE_PAGE, 'content-type': 'text/html; charset=utf-8' },
        }),
      { detail: { hide: true } },
    );

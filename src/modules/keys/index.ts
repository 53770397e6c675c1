import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { recordAudit } from '../audit/service';
import { authGuard } from '../auth/guard';
import { CreatedKey, CreateKey, KeyId, KeyView } from './model';
import { createKey, getKey, listKeys, revokeKey } from './service';

const tags = ['keys'];

export const keysModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/keys' })
    .use(authGuard(ctx))
    .post(
      '',
      async ({ body, principal, request, server, set }) => {
        const key = await createKey(ctx.database.db, principal.user.id, body.name);
        await recordAudit(ctx.database.db, {
          actor: { id: principal.user.id, email: principal.user.email },
          address: ctx.clientAddress(request, server),
          action: 'key.create',
          target: `key:${key.id}`,
          details: { name: key.name, prefix: key.prefix },
        });
        set.status = 201;
        return key;
      },
      {
        body: CreateKey,
        response: { 201: CreatedKey, ...errorResponses([400, 401, 403, 413, 415]) },
        detail: { summary: 'Create an API key (the key is shown once)', tags },
      },
    )
    .get('', ({ principal }) => listKeys(ctx.database.db, principal.user.id), {
      response: { 200: t.Array(KeyView), ...errorResponses([400, 401, 403]) },
      detail: { summary: 'List your API keys', tags },
    })
    .get('/:id', ({ params, principal }) => getKey(ctx.database.db, principal.user.id, params.id), {
      params: KeyId,
      response: { 200: KeyView, ...errorResponses([400, 401, 403, 404]) },
      detail: { summary: 'One API key (never the secret itself)', tags },
    })
    .delete(
      '/:id',
      async ({ params, principal, request, server }) => {
        const before = await getKey(ctx.database.db, principal.user.id, params.id);
        const key = await revokeKey(ctx.database.db, ctx.revocations, principal.user.id, params.id);
        if (before.revokedAt === null)
          await recordAudit(ctx.database.db, {
            actor: { id: principal.user.id, email: principal.user.email },
            address: ctx.clientAddress(request, server),
            action: 'key.revoke',
            target: `key:${key.id}`,
            details: { name: key.name, prefix: key.prefix },
          });
        return key;
      },
      {
        params: KeyId,
        response: { 200: KeyView, ...errorResponses([400, 401, 403, 404, 415]) },
        detail: { summary: 'Revoke an API key; answers the key as revoked', tags },
      },
    );

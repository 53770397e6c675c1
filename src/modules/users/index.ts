import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { adminGuard } from '../admin/guard';
import { peerAddress } from '../admin/peer-address';
import { strictBody } from '../admin/strict-body';
import { deleteUser } from './delete-user';
import { listUsers } from './list-users';
import { AdminUserView, UserId, UserList, UserListQuery, UserPatch } from './model';
import { updateUser } from './update-user';

export const usersModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/admin/users' })
    .use(adminGuard(ctx))
    .get('', ({ query }) => listUsers(ctx.database.db, query), {
      query: UserListQuery,
      response: { 200: UserList, ...errorResponses([400, 401, 403]) },
      detail: {
        summary: 'List users by email, with their groups and last login (admins only)',
        description:
          '`q` matches part of the email; `status` and `role` filter. Pass `nextCursor` as `cursor` for the next page; a cursor this server did not hand out answers 400 `invalid_cursor`.',
        tags: ['admin'],
      },
    })
    .patch(
      '/:id',
      ({ params, body, principal, request, server }) =>
        updateUser(ctx.database.db, params.id, body, {
          actor: { id: principal.user.id, email: principal.user.email },
          address: peerAddress(server, request),
          limits: ctx.limits,
          revocations: ctx.revocations,
        }),
      {
        params: UserId,
        body: UserPatch,
        transform: strictBody(UserPatch),
        response: { 200: AdminUserView, ...errorResponses([400, 401, 403, 404, 409, 413, 415]) },
        detail: {
          summary: "Change a user's groups, own limits, role or status (admins only; audited)",
          description:
            "`limits` replaces the user's own limits: a key left out falls back to their groups' (the most generous) and then the default; `null` as a value means no limit. The last active admin can be neither demoted nor disabled (409 `last_admin`). Disabling a user ends their sessions, revokes their API keys and closes their open connections on every replica.",
          tags: ['admin'],
        },
      },
    )
    .delete(
      '/:id',
      async ({ params, principal, request, server, set }) => {
        await deleteUser(ctx.database.db, params.id, {
          actor: { id: principal.user.id, email: principal.user.email },
          address: peerAddress(server, request),
          revocations: ctx.revocations,
        });
        set.status = 204;
      },
      {
        params: UserId,
        response: { 204: t.Void(), ...errorResponses([400, 401, 403, 404, 409, 415]) },
        detail: {
          summary: 'Delete a user and everything that is theirs (admins only; audited)',
          description:
            'Their sessions, keys, conversations, documents, group memberships and usage go with them. The last active admin cannot be deleted (409 `last_admin`).',
          tags: ['admin'],
        },
      },
    );

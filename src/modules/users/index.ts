import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { adminGuard } from '../admin/guard';
import { peerAddress } from '../admin/peer-address';
import { strictBody } from '../admin/strict-body';
import { createUser, resetLink } from './create-user';
import { deleteUser } from './delete-user';
import { listUsers } from './list-users';
import { AdminUserView, CreatedUser, NewUser, PasswordLink, UserId, UserList, UserListQuery, UserPatch } from './model';
import { updateUser } from './update-user';

export const usersModule = (ctx: AppContext) => {
  const linkOptions = (
    principal: { user: { id: string; email: string } },
    request: Request,
    server: Parameters<typeof peerAddress>[0],
  ) => ({
    actor: { id: principal.user.id, email: principal.user.email },
    address: peerAddress(server, request),
    origin: ctx.config.origins.publicOrigin ?? new URL(request.url).origin,
  });
  return new Elysia({ prefix: '/api/admin/users' })
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
    .post(
      '',
      async ({ body, principal, request, server, set }) => {
        const created = await createUser(ctx.database.db, body, linkOptions(principal, request, server));
        set.status = 201;
        return created;
      },
      {
        body: NewUser,
        transform: strictBody(NewUser),
        response: { 201: CreatedUser, ...errorResponses([400, 401, 403, 409, 413, 415]) },
        detail: {
          summary: 'Create an active account (admins only; audited)',
          description:
            'Without `password` the answer carries `passwordLink`: a one-time link for the user to set their password, valid for 24 hours and shown only this once. `role` defaults to `user`. An email in use answers 409 `email_taken`.',
          tags: ['admin'],
        },
      },
    )
    .post(
      '/:id/password-link',
      async ({ params, principal, request, server, set }) => {
        const link = await resetLink(ctx.database.db, params.id, linkOptions(principal, request, server));
        set.status = 201;
        return link;
      },
      {
        params: UserId,
        response: { 201: PasswordLink, ...errorResponses([400, 401, 403, 404, 415]) },
        detail: {
          summary: "A one-time link to reset a user's password (admins only; audited)",
          description:
            'The link is shown only this once and works once within 24 hours; any earlier unused link for the user stops working. Setting a password through it ends all of their sessions.',
          tags: ['admin'],
        },
      },
    )
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
          dataDir: ctx.config.dataDir,
        });
        set.status = 204;
      },
      {
        params: UserId,
        response: { 204: t.Void(), ...errorResponses([400, 401, 403, 404, 409, 415]) },
        detail: {
          summary: 'Delete a user and everything that is theirs (admins only; audited)',
          description:
            'Their sessions, keys, conversations, documents (with the uploaded files), group memberships and usage go with them; audit entries stay, with the email as it was. The last active admin cannot be deleted (409 `last_admin`).',
          tags: ['admin'],
        },
      },
    );
};

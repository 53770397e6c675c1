import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { adminGuard } from '../admin/guard';
import { peerAddress } from '../admin/peer-address';
import { strictBody } from '../admin/strict-body';
import { CreateGroup, GroupId, GroupView, PatchGroup } from './model';
import { type Change, createGroup, deleteGroup, getGroup, listGroups, updateGroup } from './service';

const tags = ['admin'];

export const groupsModule = (ctx: AppContext) => {
  const db = ctx.database.db;
  const change = (
    principal: { user: { id: string; email: string } },
    request: Request,
    server: Parameters<typeof peerAddress>[0],
  ): Change => ({
    actor: { id: principal.user.id, email: principal.user.email },
    address: peerAddress(server, request),
    limits: ctx.limits,
  });
  return new Elysia({ prefix: '/api/admin/groups' })
    .use(adminGuard(ctx))
    .get('', () => listGroups(db), {
      response: { 200: t.Array(GroupView), ...errorResponses([400, 401, 403]) },
      detail: { summary: 'Groups with their members and limits (admins only)', tags },
    })
    .post(
      '',
      async ({ body, principal, request, server, set }) => {
        set.status = 201;
        return createGroup(db, body, change(principal, request, server));
      },
      {
        body: CreateGroup,
        transform: strictBody(CreateGroup),
        response: { 201: GroupView, ...errorResponses([400, 401, 403, 409, 413, 415]) },
        detail: {
          summary: 'Create a group (admins only)',
          description: 'Members are user ids; an unknown one refuses the whole request (400 `unknown_user`).',
          tags,
        },
      },
    )
    .get('/:id', ({ params }) => getGroup(db, params.id), {
      params: GroupId,
      response: { 200: GroupView, ...errorResponses([400, 401, 403, 404]) },
      detail: { summary: 'One group (admins only)', tags },
    })
    .patch('/:id', ({ params, body, principal, request, server }) => updateGroup(db, params.id, body, change(principal, request, server)), {
      params: GroupId,
      body: PatchGroup,
      transform: strictBody(PatchGroup),
      response: { 200: GroupView, ...errorResponses([400, 401, 403, 404, 409, 413, 415]) },
      detail: { summary: 'Rename a group, replace its members or its limits (admins only)', tags },
    })
    .delete('/:id', ({ params, principal, request, server }) => deleteGroup(db, params.id, change(principal, request, server)), {
      params: GroupId,
      response: { 200: GroupView, ...errorResponses([400, 401, 403, 404, 415]) },
      detail: { summary: 'Delete a group; its members stay, without its limits (admins only)', tags },
    });
};

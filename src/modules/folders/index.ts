import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { authGuard } from '../auth/guard';
import { FolderBody, FolderId, FolderList, FolderView } from './model';
import { createFolder, deleteFolder, listFolders, renameFolder } from './service';

const tags = ['folders'];

export const foldersModule = (ctx: AppContext) => {
  const db = ctx.database.db;
  return new Elysia({ prefix: '/api/folders' })
    .use(authGuard(ctx))
    .get('', ({ principal }) => listFolders(db, principal.user.id), {
      response: { 200: FolderList, ...errorResponses([400, 401, 403]) },
      detail: { summary: 'Your folders, by name, with how many conversations each holds', tags },
    })
    .post(
      '',
      async ({ principal, body, set }) => {
        set.status = 201;
        return createFolder(db, principal.user.id, body.name);
      },
      {
        body: FolderBody,
        response: { 201: FolderView, ...errorResponses([400, 401, 403, 413, 415]) },
        detail: { summary: 'Create a folder; file conversations in it with PATCH /api/conversations/:id {folderId}', tags },
      },
    )
    .patch('/:id', ({ principal, params, body }) => renameFolder(db, principal.user.id, params.id, body.name), {
      params: FolderId,
      body: FolderBody,
      response: { 200: FolderView, ...errorResponses([400, 401, 403, 404, 413, 415]) },
      detail: { summary: 'Rename a folder', tags },
    })
    .delete(
      '/:id',
      async ({ principal, params, set }) => {
        await deleteFolder(db, principal.user.id, params.id);
        set.status = 204;
      },
      {
        params: FolderId,
        response: { 204: t.Void(), ...errorResponses([400, 401, 403, 404, 415]) },
        detail: { summary: 'Delete a folder; its conversations stay, outside any folder', tags },
      },
    );
};

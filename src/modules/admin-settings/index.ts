import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { changeBy } from '../admin/change-by';
import { adminGuard } from '../admin/guard';
import { AdminSettings, AdminSettingsPatch } from './model';
import { getAdminSettings, updateAdminSettings } from './service';

const tags = ['admin'];

export const adminSettingsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/admin/settings' })
    .use(adminGuard(ctx))
    .get('', () => getAdminSettings(ctx.database.db), {
      response: AdminSettings,
      detail: { summary: 'Server-wide settings changed at runtime (admins only)', tags },
    })
    .patch(
      '',
      ({ body, principal, request, server }) =>
        updateAdminSettings(
          { db: ctx.database.db, router: ctx.router, changed: ctx.runtimeSync.changed },
          changeBy(principal, request, server),
          body,
        ),
      {
        body: AdminSettingsPatch,
        response: AdminSettings,
        detail: {
          summary: 'Change server-wide settings: the default model (admins only; audited)',
          description: 'The default model must be enabled; users who may not use it get the next model they may.',
          tags,
        },
      },
    );

import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { adminGuard } from '../admin/guard';
import { peerAddress } from '../admin/peer-address';
import { strictBody } from '../admin/strict-body';
import { SettingsPatch, SettingsView } from './model';
import { getSettings, updateSettings } from './service';

const tags = ['admin'];

export const settingsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/admin/settings' })
    .use(adminGuard(ctx))
    .get('', () => getSettings(ctx.database.db, ctx.limits), {
      response: SettingsView,
      detail: { summary: 'Server settings changed at runtime (admins only)', tags },
    })
    .patch(
      '',
      ({ body, principal, request, server }) =>
        updateSettings(ctx.database.db, ctx.limits, body, {
          actor: { id: principal.user.id, email: principal.user.email },
          address: peerAddress(server, request),
        }),
      {
        body: SettingsPatch,
        transform: strictBody(SettingsPatch),
        response: SettingsView,
        detail: {
          summary: 'Change server settings (admins only)',
          description:
            '`defaultLimits` are the limits of users who have none of their own and whose groups set none; each key overrides RATE_LIMIT_RPM, RATE_LIMIT_TPM, QUOTA_TOKENS_PER_DAY or QUOTA_USD_PER_MONTH, and `null` means no limit.',
          tags,
        },
      },
    );

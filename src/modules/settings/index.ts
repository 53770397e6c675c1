import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { changeBy } from '../admin/change-by';
import { adminGuard } from '../admin/guard';
import { strictBody } from '../admin/strict-body';
import { SettingsPatch, SettingsView } from './model';
import { getSettings, updateSettings } from './service';

const tags = ['admin'];

/** `/api/admin/settings`: the default model (`default-model.ts`), the default limits (`default-limits.ts`) and the sign-up policy (`signup-policy.ts`). */
export const settingsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/admin/settings' })
    .use(adminGuard(ctx))
    .get('', () => getSettings({ db: ctx.database.db, limits: ctx.limits, signup: ctx.config.signup }), {
      response: { 200: SettingsView, ...errorResponses([400, 401, 403]) },
      detail: { summary: 'Server-wide settings changed at runtime (admins only)', tags },
    })
    .patch(
      '',
      ({ body, principal, request, server }) =>
        updateSettings(
          { db: ctx.database.db, limits: ctx.limits, router: ctx.router, signup: ctx.config.signup, changed: ctx.runtimeSync.changed },
          changeBy(principal, request, server),
          body,
        ),
      {
        body: SettingsPatch,
        transform: strictBody(SettingsPatch),
        response: { 200: SettingsView, ...errorResponses([400, 401, 403, 413, 415]) },
        detail: {
          summary: 'Change server-wide settings: the sign-up policy, the default model and the default limits (admins only; audited)',
          description:
            'The default model must be enabled; users who may not use it get the next model they may. `defaultLimits` are the limits of users who have none of their own and whose groups set none; each key overrides RATE_LIMIT_RPM, RATE_LIMIT_TPM, QUOTA_TOKENS_PER_DAY or QUOTA_USD_PER_MONTH, and `null` means no limit. `signup` overrides SIGNUP: `open`, `approval` (new accounts are pending until an admin approves them) or `closed`.',
          tags,
        },
      },
    );

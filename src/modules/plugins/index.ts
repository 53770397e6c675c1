import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { authGuard } from '../auth/guard';
import { PluginList, PluginName, PluginPatch, PluginStatusView } from './model';
import { listPlugins, setPluginEnabled } from './service';

const tags = ['plugins'];

export const pluginsModule = (ctx: AppContext) => {
  const db = ctx.database.db;
  const { registry, services } = ctx.plugins;
  return new Elysia({ prefix: '/api/plugins' })
    .use(authGuard(ctx))
    .get('', async ({ principal }) => ({ plugins: await listPlugins(db, registry, services, principal.user.id) }), {
      response: { 200: PluginList, ...errorResponses([400, 401, 403]) },
      detail: { summary: 'Plugins, whether each is usable now (and why not), and whether you enabled it', tags },
    })
    .patch(
      '/:name',
      async ({ principal, params, body }) => {
        const status = await setPluginEnabled(db, registry, services, principal.user.id, params.name, body.enabled);
        await ctx.userSettings.changed(principal.user.id);
        return status;
      },
      {
        params: PluginName,
        body: PluginPatch,
        response: { 200: PluginStatusView, ...errorResponses([400, 401, 403, 404, 413, 415]) },
        detail: { summary: 'Enable or disable a plugin for your account (tools and explicit use)', tags },
      },
    );
};

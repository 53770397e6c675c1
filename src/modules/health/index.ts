import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorBody } from '../../lib/errors';

const Status = t.Object({ status: t.String() });

export const healthModule = (ctx: AppContext) =>
  new Elysia({ name: 'health' })
    .get('/health', () => ({ status: 'ok' }), {
      response: Status,
      detail: { summary: 'Liveness: the process is up', tags: ['health'] },
    })
    .get(
      '/ready',
      async ({ set }) => {
        if (ctx.lifecycle.draining) {
          set.status = 503;
          return errorBody('draining', 'Server is shutting down');
        }
        const ok = await ctx.database.ping().catch(() => false);
        if (!ok) {
          set.status = 503;
          return errorBody('database_unavailable', 'Database is not reachable');
        }
        return { status: 'ready' };
      },
      { detail: { summary: 'Readiness: database reachable and not draining', tags: ['health'] } },
    );

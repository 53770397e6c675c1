import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { dependencyStatus } from '../../infra/dependency-status';
import { errorResponses } from '../../lib/error-response';
import { errorBody } from '../../lib/errors';

const Status = t.Object({ status: t.String() });
const Readiness = t.Object({
  status: t.Union([t.Literal('ready'), t.Literal('degraded')]),
  dependencies: t.Optional(t.Record(t.String(), t.Union([t.Literal('up'), t.Literal('down')]))),
});

export const healthModule = (ctx: AppContext) =>
  new Elysia({ name: 'health' })
    .get('/health', () => ({ status: 'ok' }), {
      response: { 200: Status, ...errorResponses([400]) },
      detail: { summary: 'Liveness: the process is up', tags: ['health'], security: [] },
    })
    .get(
      '/ready',
      async ({ set }) => {
        if (ctx.lifecycle.draining) {
          set.status = 503;
          return errorBody('draining');
        }
        const ok = await ctx.database.ping().catch(() => false);
        if (!ok) {
          set.status = 503;
          return errorBody('database_unavailable');
        }
        // Redis or Kafka being away degrades some features; the replica still serves, so it stays ready.
        const dependencies = dependencyStatus(ctx);
        if (Object.keys(dependencies).length === 0) return { status: 'ready' };
        return { status: Object.values(dependencies).includes('down') ? 'degraded' : 'ready', dependencies };
      },
      {
        response: { 200: Readiness, ...errorResponses([400, 503]) },
        detail: {
          summary: 'Readiness: database reachable and not draining; reports Redis and Kafka when configured',
          description: '503 with `draining` or `database_unavailable` when this replica should not get traffic.',
          tags: ['health'],
          security: [],
        },
      },
    );

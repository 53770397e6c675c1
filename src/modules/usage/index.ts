import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { adminGuard } from '../admin/guard';
import { authGuard } from '../auth/guard';
import { downloadResponses } from '../conversations/download-responses';
import { AdminUsage, AdminUsageQuery, MyUsage } from './model';
import { reportCsv, usageReport } from './report';
import { myUsage } from './service';

const UsageCsv = t.String({ description: 'With `format=csv`: the rows as CSV' });

export const usageModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/usage' })
    .use(authGuard(ctx))
    .get('', ({ principal }) => myUsage({ db: ctx.database.db, limits: ctx.limits, quotas: ctx.quotas }, principal.user.id), {
      response: { 200: MyUsage, ...errorResponses([400, 401, 403]) },
      detail: {
        summary: 'Your usage today and this month (UTC), and what remains of each limit',
        description:
          'Each limit says where it comes from (`user`, `group` or `default`). `remaining` is null without a limit and leaves out what turns still running hold (`reserved`).',
        tags: ['usage'],
      },
    });

export const adminUsageModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/admin/usage' }).use(adminGuard(ctx)).get(
    '',
    async ({ query, set }) => {
      const report = await usageReport(ctx.database, query);
      if (query.format !== 'csv') return report;
      const name = `usage-by-${report.groupBy}-${report.from.slice(0, 10)}-${report.to.slice(0, 10)}.csv`;
      set.headers['content-type'] = 'text/csv; charset=utf-8';
      set.headers['content-disposition'] = `attachment; filename="${name}"`;
      return reportCsv(report.rows);
    },
    {
      query: AdminUsageQuery,
      response: {
        200: t.Union([AdminUsage, UsageCsv]),
        ...errorResponses([400, 401, 403]),
      },
      detail: {
        summary: 'Usage of everyone from `from` to `to`, by user, model, day or group (admins only)',
        description:
          "Rows of requests, prompt and completion tokens and cost; `totals` are the range's, equal to the sum of its usage_logs rows. Days are UTC. By group, a user in several groups counts in each, and users in no group share the row whose key is null. `format=csv` answers the rows as a CSV file.",
        tags: ['admin'],
        responses: downloadResponses('The usage report', { 'application/json': AdminUsage, 'text/csv': UsageCsv }, [400, 401, 403]),
      },
    },
  );

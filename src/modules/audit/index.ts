import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { adminGuard } from '../admin/guard';
import { AuditPage, AuditQuery } from './model';
import { listAudit } from './service';

export const auditModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/admin/audit' }).use(adminGuard(ctx)).get('', ({ query }) => listAudit(ctx.database.db, query), {
    query: AuditQuery,
    response: { 200: AuditPage, ...errorResponses([400, 401, 403]) },
    detail: { summary: 'The audit log, newest first (admins only; append-only: nothing here changes it)', tags: ['admin'] },
  });

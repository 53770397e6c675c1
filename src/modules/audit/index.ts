import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { adminGuard } from '../admin/guard';
import { AuditPage, AuditQuery } from './model';
import { listAudit } from './service';

export const auditModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/admin/audit' }).use(adminGuard(ctx)).get('', ({ query }) => listAudit(ctx.database.db, query), {
    query: AuditQuery,
    response: AuditPage,
    detail: { summary: 'The audit log, newest first (admins only; append-only: nothing here changes it)', tags: ['admin'] },
  });

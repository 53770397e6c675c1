import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { authGuard } from '../auth/guard';
import { MyUsage } from './model';
import { myUsage } from './service';

export const usageModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/usage' })
    .use(authGuard(ctx))
    .get('', ({ principal }) => myUsage({ db: ctx.database.db, limits: ctx.limits, quotas: ctx.quotas }, principal.user.id), {
      response: MyUsage,
      detail: {
        summary: 'Your usage today and this month (UTC), and what remains of each limit',
        description:
          'Each limit says where it comes from (`user`, `group` or `default`). `remaining` is null without a limit and leaves out what turns still running hold (`reserved`).',
        tags: ['usage'],
      },
    });

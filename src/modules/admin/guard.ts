import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { forbidden } from '../../lib/errors';
import { authenticate } from '../auth/guard';

/**
 * Adds `principal` to every route registered after it, like the auth guard, and lets only admins
 * through: no principal answers 401, a principal that is not an admin 403 `forbidden`. The role is
 * read afresh for each request, so a demoted admin loses access with their next request.
 */
export const adminGuard = (ctx: AppContext) =>
  new Elysia().resolve({ as: 'scoped' }, async ({ request, server }) => {
    const principal = await authenticate(ctx, request, {}, server);
    if (principal.user.role !== 'admin') throw forbidden();
    return { principal };
  });

import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { changeBy } from '../admin/change-by';
import { adminGuard } from '../admin/guard';
import { suggestLocalServers } from './local-servers';
import { ConnectionId, ConnectionSuggestions, ConnectionTest, ConnectionView, CreateConnection, UpdateConnection } from './model';
import { type ConnectionDeps, createConnection, deleteConnection, listConnections, testConnection, updateConnection } from './service';

const tags = ['admin'];

export const connectionsModule = (ctx: AppContext) => {
  const deps: ConnectionDeps = {
    db: ctx.database.db,
    secrets: ctx.secrets,
    environment: ctx.config.providers,
    changed: ctx.runtimeSync.changed,
  };
  return new Elysia({ prefix: '/api/admin/connections' })
    .use(adminGuard(ctx))
    .get('', () => listConnections(deps), {
      response: { 200: t.Array(ConnectionView), ...errorResponses([400, 401, 403]) },
      detail: {
        summary: 'Model providers: those configured in the environment (read-only) and those admins added (admins only)',
        description: 'API keys are never returned, only masked (`sk-…1234`).',
        tags,
      },
    })
    .post(
      '',
      async ({ body, principal, request, server, set }) => {
        const created = await createConnection(deps, changeBy(principal, request, server), body);
        set.status = 201;
        return created;
      },
      {
        body: CreateConnection,
        response: { 201: ConnectionView, ...errorResponses([400, 401, 403, 409, 413, 415]) },
        detail: {
          summary:
            'Add a model provider; its models are discovered and served from the next request on, with no restart (admins only; audited)',
          description: 'The API key is write-only: stored encrypted (AES-256-GCM), never returned or logged.',
          tags,
        },
      },
    )
    .get(
      '/suggestions',
      async () => ({ suggestions: await suggestLocalServers((await listConnections(deps)).flatMap((c) => c.baseUrl ?? [])) }),
      {
        response: { 200: ConnectionSuggestions, ...errorResponses([400, 401, 403]) },
        detail: {
          summary: 'Local model servers answering at their default addresses (Ollama, LM Studio) and not connected yet (admins only)',
          tags,
        },
      },
    )
    .patch(
      '/:id',
      ({ params, body, principal, request, server }) => updateConnection(deps, changeBy(principal, request, server), params.id, body),
      {
        params: ConnectionId,
        body: UpdateConnection,
        response: { 200: ConnectionView, ...errorResponses([400, 401, 403, 404, 409, 413, 415]) },
        detail: {
          summary: 'Change a connection: name, base URL, key, enabled (admins only; audited; environment providers are read-only)',
          tags,
        },
      },
    )
    .delete('/:id', ({ params, principal, request, server }) => deleteConnection(deps, changeBy(principal, request, server), params.id), {
      params: ConnectionId,
      response: { 200: ConnectionView, ...errorResponses([400, 401, 403, 404, 415]) },
      detail: { summary: 'Remove a connection and its models’ settings (admins only; audited)', tags },
    })
    .post('/:id/test', ({ params }) => testConnection(deps, params.id), {
      params: ConnectionId,
      response: { 200: ConnectionTest, ...errorResponses([400, 401, 403, 404, 415]) },
      detail: {
        summary: 'Reach a connection and list its models: the latency, or the error in the catalogue’s words (admins only)',
        tags,
      },
    });
};

import { fileURLToPath } from 'node:url';
import { swagger } from '@elysiajs/swagger';
import { Elysia } from 'elysia';
import { ErrorResponse } from '../../lib/error-response';
import { errorBody } from '../../lib/errors';
import { OpenAIErrorResponse } from '../openai-compat/model';
import { toOpenApi30 } from './openapi-30';

const ASSETS = fileURLToPath(new URL('../../../node_modules/swagger-ui-dist/', import.meta.url));
const ASSET_NAMES = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png']);

/** The Swagger UI page, pointing at assets served from node_modules so it renders offline. */
const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Confab API</title>
  <link rel="icon" href="/swagger/assets/favicon-32x32.png" />
  <link rel="stylesheet" href="/swagger/assets/swagger-ui.css" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/swagger/assets/swagger-ui-bundle.js"></script>
  <script src="/swagger/assets/swagger-init.js"></script>
</body>
</html>`;

const SPEC_PATH = '/swagger/json';

/** Error bodies are written once in the document and referenced from every operation that can answer them. */
const COMPONENTS = { Error: ErrorResponse, OpenAIError: OpenAIErrorResponse };

const init = `window.ui = SwaggerUIBundle({ url: '${SPEC_PATH}', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });`;

export const docsModule = () =>
  new Elysia({ name: 'docs' })
    // The generator writes JSON Schema as TypeBox has it; clients and validators read OpenAPI 3.0.
    .onAfterHandle(({ path, responseValue }) => (path === SPEC_PATH ? toOpenApi30(responseValue, COMPONENTS) : undefined))
    .use(
      swagger({
        path: '/swagger/cdn',
        specPath: SPEC_PATH,
        exclude: [/^\/swagger/, '/metrics'],
        documentation: {
          info: {
            title: 'Confab API',
            version: '0.1.0',
            description:
              'Self-hosted chat with retrieval. Authenticate with the session cookie from /api/auth/login, or with `Authorization: Bearer <api key>`.',
          },
          components: {
            securitySchemes: {
              bearer: { type: 'http', scheme: 'bearer', description: 'An API key from POST /api/keys' },
              session: { type: 'apiKey', in: 'cookie', name: 'confab_session' },
            },
          },
          security: [{ bearer: [] }, { session: [] }],
        },
      }),
    )
    .get('/swagger', () => new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8' } }), {
      detail: { hide: true },
    })
    .get('/swagger/assets/swagger-init.js', () => new Response(init, { headers: { 'content-type': 'text/javascript' } }), {
      detail: { hide: true },
    })
    .get(
      '/swagger/assets/:name',
      ({ params, set }) => {
        if (!ASSET_NAMES.has(params.name)) {
          set.status = 404;
          return errorBody('not_found', 'No such asset');
        }
        set.headers['cache-control'] = 'public, max-age=86400';
        return Bun.file(ASSETS + params.name);
      },
      { detail: { hide: true } },
    );

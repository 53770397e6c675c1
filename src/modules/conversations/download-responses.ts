import type { TSchema } from '@sinclair/typebox';
import { ErrorResponse, type ErrorStatus } from '../../lib/error-response';

/**
 * The OpenAPI responses of a route answering a download in other media types than JSON, which the
 * document generator cannot describe from `response` (it writes every schema as JSON): the 200
 * with each media type and its schema, and the route's JSON error bodies.
 */
export function downloadResponses(description: string, media: Record<string, TSchema>, errors: readonly ErrorStatus[]) {
  const content = Object.fromEntries(Object.entries(media).map(([type, schema]) => [type, { schema }]));
  return {
    200: { description, content },
    ...Object.fromEntries(errors.map((status) => [status, { content: { 'application/json': { schema: ErrorResponse } } }])),
  };
}

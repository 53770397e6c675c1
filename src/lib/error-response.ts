import { type TSchema, Type } from '@sinclair/typebox';
import { type ErrorCode, errorCatalogue } from './error-catalogue';

const codes = Object.keys(errorCatalogue) as ErrorCode[];

/** The one body every REST error has: a catalogue code, the sentence a person reads, and sometimes details. */
export const ErrorResponse = Type.Object({
  error: Type.Object({
    // A union built from a list is typed `never` by TypeBox; Unsafe keeps the schema and names the type.
    code: Type.Unsafe<ErrorCode>(
      Type.Union(
        codes.map((code) => Type.Literal(code)),
        { description: 'A code of the error catalogue' },
      ),
    ),
    message: Type.String({ description: 'What went wrong, for a person to read' }),
    details: Type.Optional(Type.Unknown({ description: 'Structured detail, such as the fields that failed validation' })),
  }),
});

/** The error statuses an operation may document; each route lists those it really can answer. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 502 | 503 | 504;

/** A route's `response` entries for the error statuses it can answer, each with `schema` (the REST error body unless given). */
export function errorResponses<const T extends readonly ErrorStatus[], S extends TSchema = typeof ErrorResponse>(
  statuses: T,
  schema?: S,
): { [K in T[number]]: S } {
  return Object.fromEntries(statuses.map((status) => [status, schema ?? ErrorResponse])) as { [K in T[number]]: S };
}

import { FormatRegistry } from '@sinclair/typebox';

const UUID = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

/** A uuid as PostgreSQL's `uuid` type reads it: 32 hex digits in the 8-4-4-4-12 groups. */
export const isUuid = (value: string): boolean => UUID.test(value);

/**
 * Makes every `format: 'uuid'` schema accept only what the database does. Elysia's own format also
 * admits a `urn:uuid:` prefix, which passed validation and then failed the query's uuid cast.
 */
export function registerUuidFormat(): void {
  FormatRegistry.Set('uuid', isUuid);
}

/**
 * Whether every string in a value (object keys included) can be stored as it is. PostgreSQL text
 * cannot hold NUL, and an unpaired UTF-16 surrogate has no UTF-8 form: JSON columns refuse it, so
 * one such string in a usage event or a citation would make the write that carries it fail again
 * and again. Such input is refused where it enters instead.
 */
export function hasUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000') || !value.isWellFormed();
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasUnstorableText);
  return Object.entries(value).some(([key, v]) => hasUnstorableText(key) || hasUnstorableText(v));
}

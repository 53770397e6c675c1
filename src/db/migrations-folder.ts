import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** drizzle-kit's output: the SQL of every migration and the journal that orders them. */
export const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** A digest of every migration and the journal: equal digests, equal schemas. */
export function migrationsDigest(): string {
  const hash = createHash('sha256');
  const files = readdirSync(MIGRATIONS, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.sql') || f.endsWith('_journal.json'),
  );
  for (const file of files.sort())
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(MIGRATIONS, file)))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

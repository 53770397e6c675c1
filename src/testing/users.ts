import type { Database } from '../db/client';
import { users } from '../db/schema';

/** A bare user row, for tests below the HTTP layer that need an owner for their data. */
export async function createUser(database: Database): Promise<string> {
  const [user] = await database.db
    .insert(users)
    .values({ email: `${crypto.randomUUID()}@example.com`, passwordHash: '-' })
    .returning({ id: users.id });
  return user.id;
}

import { afterAll, describe, expect, test } from 'bun:test';
import { groupMembers, groups } from '../../db/schema';
import { testDatabases } from '../../testing/databases';
import { createUser } from '../../testing/users';
import { groupsOf } from './membership';

for (const backend of testDatabases()) {
  describe(`group membership on ${backend.name}`, () => {
    afterAll(() => backend.cleanup());

    test('lists-the-groups-a-user-is-in-and-no-others', async () => {
      const database = await backend.open();
      const [ann, bob] = [await createUser(database), await createUser(database)];
      const rows = await database.db
        .insert(groups)
        .values([{ name: 'research' }, { name: 'finance' }, { name: 'ops' }])
        .returning();
      const id = (name: string) => rows.find((g) => g.name === name)!.id;
      await database.db.insert(groupMembers).values([
        { groupId: id('research'), userId: ann },
        { groupId: id('finance'), userId: ann },
        { groupId: id('ops'), userId: bob },
      ]);
      expect(await groupsOf(database.db, ann)).toEqual(['finance', 'research']);
      expect(await groupsOf(database.db, bob)).toEqual(['ops']);
    });
  });
}

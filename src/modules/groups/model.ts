import { type Static, t } from 'elysia';
import { Limits } from '../usage/model';

const Members = t.Array(t.String({ format: 'uuid' }), { maxItems: 10_000, description: 'User ids; the whole membership' });
const Name = t.String({ minLength: 1, maxLength: 100 });
const GroupLimits = t.Nullable(Limits, { description: "The group's limits; its members get the most generous of their groups'" });

export const GroupView = t.Object({
  id: t.String({ format: 'uuid' }),
  name: t.String(),
  members: t.Array(t.String({ format: 'uuid' })),
  limits: t.Nullable(Limits),
  createdAt: t.String({ format: 'date-time' }),
});
export type GroupView = Static<typeof GroupView>;

export const CreateGroup = t.Object(
  { name: Name, members: t.Optional(Members), limits: t.Optional(GroupLimits) },
  { additionalProperties: false },
);
export type CreateGroup = Static<typeof CreateGroup>;

/** Each field named replaces the group's; `members` is the whole new membership. */
export const PatchGroup = t.Object(
  { name: t.Optional(Name), members: t.Optional(Members), limits: t.Optional(GroupLimits) },
  { additionalProperties: false },
);
export type PatchGroup = Static<typeof PatchGroup>;

export const GroupId = t.Object({ id: t.String({ format: 'uuid' }) });

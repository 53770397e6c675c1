import { type Static, Type } from '@sinclair/typebox';

/** Schemas too, because admins send and read them (`PATCH /api/admin/models/:id`). */
export const ModelAccess = Type.Object(
  {
    roles: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20, uniqueItems: true })),
    groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false, description: 'Who may use the model: a listed role or group grants it; nothing listed lets everyone' },
);
export type ModelAccess = Static<typeof ModelAccess>;

export const ModelPrice = Type.Object(
  {
    inputPerMTok: Type.Number({ minimum: 0, maximum: 1_000_000, description: 'USD per million input tokens' }),
    outputPerMTok: Type.Number({ minimum: 0, maximum: 1_000_000, description: 'USD per million output tokens' }),
  },
  { additionalProperties: false },
);
export type ModelPrice = Static<typeof ModelPrice>;

/** An admin's settings for one model; a model without any is enabled, open to all, at its list price. */
export interface ModelPolicy {
  enabled: boolean;
  displayName?: string;
  access?: ModelAccess;
  price?: ModelPrice;
}

/**
 * Who asks for a model, as far as access rules care. Groups cost a database query, so they are
 * read only when some rule names a group.
 */
export interface ModelViewer {
  role: string;
  groups(): Promise<readonly string[]>;
}

interface ResolvedViewer {
  role: string;
  groups: readonly string[];
}

export const isRestricted = (access: ModelAccess | undefined): boolean => Boolean(access?.roles?.length || access?.groups?.length);

/** No rule lets everyone; otherwise one of the viewer's roles or groups must be listed. */
export function grants(access: ModelAccess | undefined, viewer: ResolvedViewer): boolean {
  if (!isRestricted(access)) return true;
  if (access?.roles?.includes(viewer.role)) return true;
  return viewer.groups.some((g) => access?.groups?.includes(g));
}

/**
 * The viewer with its groups, read only when one of these policies could be granted by a group
 * and not already by the viewer's role.
 */
export async function resolveViewer(viewer: ModelViewer, policies: Iterable<ModelPolicy | undefined>): Promise<ResolvedViewer> {
  let needsGroups = false;
  for (const p of policies) if (p?.access?.groups?.length && !p.access.roles?.includes(viewer.role)) needsGroups = true;
  return { role: viewer.role, groups: needsGroups ? await viewer.groups() : [] };
}

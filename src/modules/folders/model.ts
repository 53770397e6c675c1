import { t } from 'elysia';

export const FolderView = t.Object({
  id: t.String({ format: 'uuid' }),
  name: t.String(),
  conversations: t.Integer({ description: 'How many conversations it holds' }),
  createdAt: t.String({ format: 'date-time' }),
});

export const FolderList = t.Object({ items: t.Array(FolderView) });

export const FolderBody = t.Object({ name: t.String({ minLength: 1, maxLength: 100 }) });

export const FolderId = t.Object({ id: t.String({ format: 'uuid' }) });

import { t } from 'elysia';

export const DocumentStatus = t.Union([t.Literal('queued'), t.Literal('processing'), t.Literal('ready'), t.Literal('failed')]);

export const DocumentView = t.Object({
  id: t.String({ format: 'uuid' }),
  name: t.String(),
  mimeType: t.String(),
  sizeBytes: t.Integer(),
  status: DocumentStatus,
  /** Why the document failed, or why the last attempt failed while a retry waits. */
  error: t.Nullable(t.String()),
  attempts: t.Integer(),
  progress: t.Number({ minimum: 0, maximum: 1 }),
  chunkCount: t.Integer(),
  embeddingModel: t.Nullable(t.String()),
  createdAt: t.String({ format: 'date-time' }),
  updatedAt: t.String({ format: 'date-time' }),
});

export const DocumentList = t.Object({ items: t.Array(DocumentView) });

export const DocumentId = t.Object({ id: t.String({ format: 'uuid' }) });

export const UploadBody = t.Object({
  file: t.File({ description: 'txt, md, html, pdf, json, csv or a source file; the type is read from the content' }),
  name: t.Optional(t.String({ minLength: 1, maxLength: 255, description: 'Display name (defaults to the file name)' })),
});

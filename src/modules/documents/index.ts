import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import type { Ingestion } from '../../rag/ingestion';
import { authGuard } from '../auth/guard';
import { DocumentId, DocumentList, DocumentView, UploadBody } from './model';
import { type DocumentDeps, deleteDocument, getDocument, listDocuments, uploadDocument } from './service';

export type DocumentsContext = AppContext & { ingestion: Pick<Ingestion, 'submit'> };

const tags = ['documents'];

export const documentsModule = (ctx: DocumentsContext) => {
  const db = ctx.database.db;
  const deps: DocumentDeps = {
    db,
    dataDir: ctx.config.dataDir,
    maxUploadBytes: ctx.config.maxUploadBytes,
    submit: (doc) => ctx.ingestion.submit(doc),
  };
  return new Elysia({ prefix: '/api/documents' })
    .use(authGuard(ctx))
    .post(
      '',
      async ({ principal, body, set }) => {
        const bytes = new Uint8Array(await body.file.arrayBuffer());
        const { document, created } = await uploadDocument(deps, principal.user.id, {
          bytes,
          fileName: body.file.name ?? '',
          name: body.name,
        });
        set.status = created ? 201 : 200;
        return document;
      },
      {
        body: UploadBody,
        type: 'multipart/form-data',
        response: { 200: DocumentView, 201: DocumentView, ...errorResponses([400, 401, 403, 409, 413, 415]) },
        detail: {
          summary: 'Upload a document for retrieval (multipart field `file`); it is queued for ingestion',
          description:
            'Answers 201 with the queued document, or 200 with the existing one when the same content was uploaded before. 413 past the size limit, 415 for unsupported content.',
          tags,
        },
      },
    )
    .get('', async ({ principal }) => ({ items: await listDocuments(db, principal.user.id) }), {
      response: { 200: DocumentList, ...errorResponses([400, 401, 403]) },
      detail: { summary: 'List your documents, newest first', tags },
    })
    .get('/:id', ({ principal, params }) => getDocument(db, principal.user.id, params.id), {
      params: DocumentId,
      response: { 200: DocumentView, ...errorResponses([400, 401, 403, 404]) },
      detail: { summary: 'A document with its ingestion status, progress, chunk count and failure reason', tags },
    })
    .delete(
      '/:id',
      async ({ principal, params, set }) => {
        await deleteDocument(db, ctx.config.dataDir, principal.user.id, params.id);
        set.status = 204;
      },
      {
        params: DocumentId,
        response: { 204: t.Void(), ...errorResponses([400, 401, 403, 404, 415]) },
        detail: { summary: 'Delete a document, its chunks and its stored file', tags },
      },
    );
};

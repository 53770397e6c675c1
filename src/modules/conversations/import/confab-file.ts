import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isUuid } from '../../../lib/uuid-format';
import { Attachment, MAX_ATTACHMENTS } from '../../chat/model';
import { PortableSettings } from '../settings';
import { type DraftConversation, type DraftRole, fromIso, invalidImport, isObject, orderTree, storableText, type TreeNode } from './draft';

/** The `format` of Confab's own conversation export (`GET /api/conversations/:id/export`). */
export const CONFAB_FORMAT = 'confab.conversation' as const;

export const isConfabConversation = (item: Record<string, unknown>) => item.format === CONFAB_FORMAT;

const ROLES = new Set<DraftRole>(['system', 'user', 'assistant', 'tool']);

function readMessage(value: unknown, where: string): TreeNode {
  if (!isObject(value)) throw invalidImport(where, 'must be an object');
  if (typeof value.id !== 'string' || !value.id) throw invalidImport(`${where}.id`, 'must be a string');
  const parent = value.parentId ?? null;
  if (parent !== null && typeof parent !== 'string') throw invalidImport(`${where}.parentId`, 'must be a message id or null');
  if (!ROLES.has(value.role as DraftRole)) throw invalidImport(`${where}.role`, 'must be system, user, assistant or tool');
  if (typeof value.content !== 'string') throw invalidImport(`${where}.content`, 'must be a string');
  return {
    key: value.id,
    parentKey: parent,
    role: value.role as DraftRole,
    content: storableText(value.content, `${where}.content`),
    model: typeof value.model === 'string' ? value.model.slice(0, 200) : null,
    createdAt: fromIso(value.createdAt, `${where}.createdAt`),
    attachments: readAttachments(value.attachments, `${where}.attachments`),
    keep: true,
  };
}

const Attachments = Type.Array(Attachment, { maxItems: MAX_ATTACHMENTS });

/** The files an export lists on a message; absent in files from before they were exported. */
function readAttachments(value: unknown, where: string): Attachment[] | undefined {
  if (value === undefined) return undefined;
  const first = Value.Errors(Attachments, value).First();
  if (first) throw invalidImport(`${where}${first.path.replaceAll('/', '.')}`, first.message);
  return (value as Attachment[]).map(({ documentId, name, mimeType, sizeBytes }) => ({
    documentId,
    name: storableText(name, `${where}.name`, 255),
    mimeType: mimeType.slice(0, 200),
    sizeBytes,
  }));
}

/** The instructions and parameters of an export; absent in files from before they were exported. */
function readSettings(value: unknown, where: string): PortableSettings | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw invalidImport(where, 'must be an object');
  const settings = { systemPrompt: value.systemPrompt ?? null, params: value.params ?? {} };
  const first = Value.Errors(PortableSettings, settings).First();
  if (first) throw invalidImport(`${where}${first.path.replaceAll('/', '.')}`, first.message);
  const { systemPrompt, params } = settings as PortableSettings;
  return { systemPrompt: systemPrompt === null ? null : storableText(systemPrompt, `${where}.systemPrompt`), params };
}

/** One conversation of Confab's export, as it was: every message and branch. */
export function readConfab(item: Record<string, unknown>, where: string): DraftConversation {
  if (item.version !== 1) throw invalidImport(`${where}.version`, 'must be 1');
  if (typeof item.id !== 'string' || !isUuid(item.id)) throw invalidImport(`${where}.id`, 'must be a conversation id (a UUID)');
  if (!Array.isArray(item.messages)) throw invalidImport(`${where}.messages`, 'must be a list');
  const nodes = item.messages.map((m, i) => readMessage(m, `${where}.messages[${i}]`));
  return {
    importKey: typeof item.importKey === 'string' && item.importKey ? item.importKey.slice(0, 300) : `confab:${item.id}`,
    confabId: item.id,
    title: typeof item.title === 'string' ? item.title : null,
    model: typeof item.model === 'string' ? item.model.slice(0, 200) : null,
    createdAt: fromIso(item.createdAt, `${where}.createdAt`),
    updatedAt: fromIso(item.updatedAt, `${where}.updatedAt`),
    pinned: item.pinned === true,
    archived: item.archived === true,
    settings: readSettings(item.settings, `${where}.settings`),
    messages: orderTree(nodes, `${where}.messages`),
  };
}

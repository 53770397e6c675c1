import { createHash } from 'node:crypto';
import {
  type DraftConversation,
  type DraftRole,
  fromSeconds,
  invalidImport,
  isObject,
  orderTree,
  storableText,
  type TreeNode,
} from './draft';

/** Whether an item of a file is an Open WebUI chat (its "Export chats" file holds a list of them). */
export const isOpenWebuiChat = (item: Record<string, unknown>) =>
  isObject(item.chat) && (isObject(item.chat.history) || Array.isArray(item.chat.messages));

const ROLES = new Set<DraftRole>(['system', 'user', 'assistant']);

function readMessage(key: string, value: unknown, where: string, linear: string | null | undefined): TreeNode {
  if (!isObject(value)) throw invalidImport(where, 'must be an object');
  const parent = linear === undefined ? (value.parentId ?? null) : linear;
  if (parent !== null && typeof parent !== 'string') throw invalidImport(`${where}.parentId`, 'must be a message id or null');
  if (typeof value.role !== 'string') throw invalidImport(`${where}.role`, 'must be a string');
  if (typeof value.content !== 'string') throw invalidImport(`${where}.content`, 'must be a string');
  const keep = ROLES.has(value.role as DraftRole) && value.content.trim() !== '';
  return {
    key,
    parentKey: parent,
    role: value.role as DraftRole,
    content: keep ? storableText(value.content, `${where}.content`) : '',
    model: typeof value.model === 'string' ? value.model.slice(0, 200) : null,
    createdAt: fromSeconds(value.timestamp, `${where}.timestamp`),
    keep,
  };
}

/** The tree of `chat.history.messages` (every branch), or the list `chat.messages` when a file has no history. */
function readNodes(chat: Record<string, unknown>, where: string): TreeNode[] {
  if (isObject(chat.history)) {
    const messages = chat.history.messages;
    if (!isObject(messages)) throw invalidImport(`${where}.chat.history.messages`, 'must be an object of messages keyed by id');
    return Object.entries(messages).map(([key, m]) => readMessage(key, m, `${where}.chat.history.messages["${key}"]`, undefined));
  }
  const list = chat.messages as unknown[];
  const keys = list.map((m, i) => (isObject(m) && typeof m.id === 'string' ? m.id : `#${i}`));
  return list.map((m, i) => readMessage(keys[i], m, `${where}.chat.messages[${i}]`, i === 0 ? null : keys[i - 1]));
}

/** One chat of Open WebUI's export: its message tree with every branch. */
export function readOpenWebui(item: Record<string, unknown>, where: string): DraftConversation {
  const chat = item.chat as Record<string, unknown>;
  const messages = orderTree(readNodes(chat, where), `${where}.chat`);
  const id = item.id ?? chat.id;
  const key = typeof id === 'string' && id ? id : createHash('sha256').update(JSON.stringify(item)).digest('hex');
  const title = typeof item.title === 'string' ? item.title : typeof chat.title === 'string' ? chat.title : null;
  const models = Array.isArray(chat.models) ? chat.models.filter((m): m is string => typeof m === 'string') : [];
  const chatTime = typeof chat.timestamp === 'number' ? chat.timestamp / 1000 : undefined;
  return {
    importKey: `openwebui:${key}`,
    title,
    model: models[0]?.slice(0, 200) ?? null,
    createdAt: fromSeconds(item.created_at ?? chatTime, `${where}.created_at`),
    updatedAt: fromSeconds(item.updated_at, `${where}.updated_at`),
    pinned: item.pinned === true,
    archived: item.archived === true,
    messages,
  };
}

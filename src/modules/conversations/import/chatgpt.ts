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

/** Whether an item of a file is a ChatGPT conversation (its data export's `conversations.json`). */
export const isChatgptConversation = (item: Record<string, unknown>) => 'mapping' in item;

const SHOWN_ROLES = new Set<DraftRole>(['system', 'user', 'assistant']);

/** The text a ChatGPT message shows: the string parts of `text` and `multimodal_text` content; tool output, code and images are left out. */
function textOf(content: unknown, where: string): string | null {
  if (!isObject(content)) return null;
  if (content.content_type !== 'text' && content.content_type !== 'multimodal_text') return null;
  if (!Array.isArray(content.parts)) throw invalidImport(where, 'content.parts must be a list');
  const text = content.parts.filter((p): p is string => typeof p === 'string').join('\n');
  return text.trim() ? text : null;
}

function readNode(key: string, node: unknown, where: string): TreeNode {
  if (!isObject(node)) throw invalidImport(where, 'must be an object');
  const parent = node.parent ?? null;
  if (parent !== null && typeof parent !== 'string') throw invalidImport(`${where}.parent`, 'must be a node id or null');
  const message = node.message;
  const base = { key, parentKey: parent, model: null, createdAt: null, content: '', role: 'user' as DraftRole, keep: false };
  if (message === null || message === undefined) return base;
  if (!isObject(message)) throw invalidImport(`${where}.message`, 'must be an object or null');
  const role = isObject(message.author) ? message.author.role : undefined;
  if (typeof role !== 'string') throw invalidImport(`${where}.message.author.role`, 'must be a string');
  const createdAt = fromSeconds(message.create_time, `${where}.message.create_time`);
  const metadata = isObject(message.metadata) ? message.metadata : {};
  const text = textOf(message.content, `${where}.message`);
  // Hidden nodes (the empty system prompt every export starts with), tool calls and tool output are not part of what a person read.
  const shown =
    SHOWN_ROLES.has(role as DraftRole) &&
    metadata.is_visually_hidden_from_conversation !== true &&
    (message.recipient === undefined || message.recipient === 'all') &&
    text !== null;
  return {
    ...base,
    role: role as DraftRole,
    content: shown ? storableText(text, `${where}.message.content`) : '',
    model: typeof metadata.model_slug === 'string' ? metadata.model_slug.slice(0, 200) : null,
    createdAt,
    keep: shown,
  };
}

/** One conversation of ChatGPT's export: every branch of its `mapping` tree, hidden and tool nodes left out. */
export function readChatgpt(item: Record<string, unknown>, where: string): DraftConversation {
  const mapping = item.mapping;
  if (!isObject(mapping)) throw invalidImport(`${where}.mapping`, 'must be an object of nodes keyed by id');
  const nodes = Object.entries(mapping).map(([key, node]) => readNode(key, node, `${where}.mapping["${key}"]`));
  const messages = orderTree(nodes, `${where}.mapping`);
  const id = item.conversation_id ?? item.id;
  const key = typeof id === 'string' && id ? id : createHash('sha256').update(JSON.stringify(item)).digest('hex');
  return {
    importKey: `chatgpt:${key}`,
    title: typeof item.title === 'string' ? item.title : null,
    model: typeof item.default_model_slug === 'string' ? item.default_model_slug.slice(0, 200) : null,
    createdAt: fromSeconds(item.create_time, `${where}.create_time`),
    updatedAt: fromSeconds(item.update_time, `${where}.update_time`),
    pinned: false,
    archived: item.is_archived === true,
    messages,
  };
}

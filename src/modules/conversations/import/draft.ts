import { AppError } from '../../../lib/errors';
import { hasUnstorableText } from '../../../lib/storable-text';
import type { Attachment } from '../../chat/model';
import type { PortableSettings } from '../settings';

export type DraftRole = 'system' | 'user' | 'assistant' | 'tool';

/** A message as a file describes it: keyed and linked by the file's own ids. */
export interface DraftMessage {
  key: string;
  parentKey: string | null;
  role: DraftRole;
  content: string;
  model: string | null;
  createdAt: Date | null;
  /** Files a Confab export names on a user message; kept on import only where they are the importer's documents. */
  attachments?: Attachment[];
}

/** A conversation read from a file, before anything is stored. */
export interface DraftConversation {
  /** Where it came from (`chatgpt:<id>`…); a second import of the same key adds nothing. */
  importKey: string;
  /** The id of a Confab export, which its owner may already hold. */
  confabId?: string;
  title: string | null;
  model: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  pinned: boolean;
  archived: boolean;
  /** The instructions and parameters a Confab export carries. */
  settings?: PortableSettings;
  messages: DraftMessage[];
}

export const MAX_TITLE = 200;
export const MAX_CONTENT = 200_000;

/** The 400 every reader throws, naming where in the file the problem is. */
export const invalidImport = (where: string, what: string) => new AppError('invalid_import', { message: `${where}: ${what}` });

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Text a file gives for a field: refused when the database could not store it or it is too long. */
export function storableText(value: string, where: string, max = MAX_CONTENT): string {
  if (hasUnstorableText(value)) throw invalidImport(where, 'contains NUL characters or broken Unicode');
  if (value.length > max) throw invalidImport(where, `is longer than ${max} characters`);
  return value;
}

/** A time given in seconds since the epoch (ChatGPT, Open WebUI), as a Date; null when absent. */
export function fromSeconds(value: unknown, where: string): Date | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1e11)
    throw invalidImport(where, 'must be a time in seconds since 1970');
  return new Date(Math.round(value * 1000));
}

/** A time given as an ISO string (Confab's own export); null when absent. */
export function fromIso(value: unknown, where: string): Date | null {
  if (value === undefined || value === null) return null;
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw invalidImport(where, 'must be a date-time such as 2026-01-31T12:00:00.000Z');
  return date;
}

/** A node of a file's message tree; `keep: false` drops it and hands its children to its nearest kept ancestor. */
export interface TreeNode extends DraftMessage {
  keep: boolean;
}

/**
 * The kept nodes of a tree, parents before children, each linked to its nearest kept ancestor.
 * A parent the file does not contain, or a cycle, is refused. A child is never older than its
 * parent, because the newest message marks the branch a conversation shows.
 */
export function orderTree(nodes: TreeNode[], where: string): DraftMessage[] {
  const byKey = new Map<string, TreeNode>();
  for (const n of nodes) {
    if (byKey.has(n.key)) throw invalidImport(where, `message id "${n.key}" appears twice`);
    byKey.set(n.key, n);
  }
  const children = new Map<string | null, TreeNode[]>();
  for (const n of nodes) {
    if (n.parentKey !== null && !byKey.has(n.parentKey))
      throw invalidImport(where, `message "${n.key}" names parent "${n.parentKey}", which is not in the file`);
    const list = children.get(n.parentKey) ?? [];
    list.push(n);
    children.set(n.parentKey, list);
  }
  const out: DraftMessage[] = [];
  const visited = new Set<string>();
  // Iterative, so a long conversation cannot overflow the stack.
  const stack: { node: TreeNode; keptParent: DraftMessage | null }[] = (children.get(null) ?? []).map((node) => ({
    node,
    keptParent: null,
  }));
  while (stack.length > 0) {
    const { node, keptParent } = stack.pop()!;
    visited.add(node.key);
    let next = keptParent;
    if (node.keep) {
      const floor = keptParent?.createdAt ? keptParent.createdAt.getTime() + 1 : 0;
      const createdAt = node.createdAt ?? (keptParent?.createdAt ? new Date(floor) : null);
      const message: DraftMessage = {
        key: node.key,
        parentKey: keptParent?.key ?? null,
        role: node.role,
        content: node.content,
        model: node.model,
        createdAt: createdAt && createdAt.getTime() < floor ? new Date(floor) : createdAt,
        ...(node.attachments?.length ? { attachments: node.attachments } : {}),
      };
      out.push(message);
      next = message;
    }
    for (const child of children.get(node.key) ?? []) stack.push({ node: child, keptParent: next });
  }
  if (visited.size < nodes.length) throw invalidImport(where, 'the messages form a cycle (a message is its own ancestor)');
  return out;
}

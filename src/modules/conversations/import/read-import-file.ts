import { isChatgptConversation, readChatgpt } from './chatgpt';
import { isConfabConversation, readConfab } from './confab-file';
import { type DraftConversation, invalidImport, isObject } from './draft';
import { isOpenWebuiChat, readOpenWebui } from './open-webui';

/** More than any real export holds at once; past it a file is refused before anything is read into rows. */
export const MAX_IMPORT_CONVERSATIONS = 5000;
export const MAX_IMPORT_MESSAGES = 200_000;

/** A whole JSON document, or JSON Lines (one conversation a line, as the bulk export writes). */
function parseJson(text: string): unknown[] {
  const trimmed = text.trim();
  if (!trimmed) throw invalidImport('The file', 'is empty');
  try {
    const value: unknown = JSON.parse(trimmed);
    return Array.isArray(value) ? value : [value];
  } catch {
    // Not one JSON document: perhaps JSON Lines.
  }
  const lines = trimmed.split('\n');
  return lines.flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line)];
    } catch {
      throw invalidImport(lines.length === 1 ? 'The file' : `Line ${i + 1}`, 'is not valid JSON');
    }
  });
}

function readItem(item: unknown, where: string): DraftConversation {
  if (!isObject(item)) throw invalidImport(where, 'is not a conversation object');
  if (isConfabConversation(item)) return readConfab(item, where);
  if (isChatgptConversation(item)) return readChatgpt(item, where);
  if (isOpenWebuiChat(item)) return readOpenWebui(item, where);
  throw invalidImport(where, 'is not a Confab, ChatGPT or Open WebUI conversation (no "format", "mapping" or "chat" field)');
}

/**
 * Every conversation in an export file, read and checked before anything is stored: Confab's own
 * JSON or JSONL, ChatGPT's `conversations.json`, Open WebUI's chat export. The first problem
 * found is refused with a 400 that says where it is.
 */
export function readImportFile(text: string): DraftConversation[] {
  const items = parseJson(text);
  if (items.length === 0) throw invalidImport('The file', 'holds no conversations');
  if (items.length > MAX_IMPORT_CONVERSATIONS) throw invalidImport('The file', `holds more than ${MAX_IMPORT_CONVERSATIONS} conversations`);
  const drafts = items.map((item, i) => readItem(item, items.length === 1 ? 'The conversation' : `Conversation ${i + 1}`));
  const total = drafts.reduce((n, d) => n + d.messages.length, 0);
  if (total > MAX_IMPORT_MESSAGES) throw invalidImport('The file', `holds more than ${MAX_IMPORT_MESSAGES} messages`);
  return drafts;
}

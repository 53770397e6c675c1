import { SESSION_COOKIE } from '../modules/auth/guard';
import { createSession } from '../modules/auth/service';
import type { Harness } from './app-harness';

const PASSWORD = 'correct horse battery';

/** A user with real data of every kind, each piece carrying the user's unique marker. */
export interface PlantedUser {
  id: string;
  email: string;
  password: string;
  cookie: string;
  /** An API key for `Authorization: Bearer`, kept out of `keyIds` so no request revokes it. */
  bearer: string;
  marker: string;
  conversationIds: string[];
  messageIds: string[];
  documentIds: string[];
  /** A share of the chat-turn conversation (the second; requests delete the first), and its link's token (which only its owner's answers carry). */
  shareIds: string[];
  shareTokens: string[];
  folderIds: string[];
  presetIds: string[];
  /** Keys a request may read or revoke. */
  keyIds: string[];
  /** Marked resources by collection (`conversations`, `documents`, `keys`) that a test may delete, leaving the others to look for. */
  spareIds: Record<string, string[]>;
  /** Key secrets, which no answer but their creation may carry. */
  secrets: string[];
}

async function ok<T>(h: Harness, method: string, path: string, cookie: string, body?: unknown): Promise<T> {
  const res = await h.json(method, path, { cookie, body });
  if (res.status >= 300) throw new Error(`planting ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function upload(h: Harness, cookie: string, text: string): Promise<{ id: string }> {
  const form = new FormData();
  form.append('file', new File([`${text}\n\nA planted document.`], 'planted.md', { type: 'text/markdown' }));
  const res = await h.request('POST', '/api/documents', { cookie, raw: form });
  if (res.status !== 201) throw new Error(`planting a document: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

/**
 * Signs a user up and gives them keys, an imported conversation, a chat turn and a document, all
 * marked with a unique string so an answer to anyone else that carries it is a leak.
 */
export async function plantUser(h: Harness, label: string): Promise<PlantedUser> {
  const marker = `mk${label}${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const email = `${marker}@example.com`;
  const { cookie, id } = await h.signup(email, PASSWORD);
  const auth = await ok<{ key: string }>(h, 'POST', '/api/keys', cookie, { name: `auth ${marker}` });
  const spare = await ok<{ id: string; key: string }>(h, 'POST', '/api/keys', cookie, { name: `spare ${marker}` });
  const imported = await ok<{ id: string; messages: { id: string }[] }>(h, 'POST', '/api/conversations', cookie, {
    title: `imported ${marker}`,
    messages: [
      { role: 'user', content: `question ${marker}` },
      { role: 'assistant', content: `answer ${marker}` },
    ],
  });
  const turn = await ok<{ conversationId: string; message: { id: string } }>(h, 'POST', '/api/chat', cookie, {
    message: `hello ${marker}`,
  });
  const share = await ok<{ id: string; token: string }>(h, 'POST', `/api/conversations/${turn.conversationId}/share`, cookie);
  const detail = await ok<{ messages: { id: string }[] }>(h, 'GET', `/api/conversations/${turn.conversationId}`, cookie);
  const folder = await ok<{ id: string }>(h, 'POST', '/api/folders', cookie, { name: `folder ${marker}` });
  const spareConversation = await ok<{ id: string }>(h, 'POST', '/api/conversations', cookie, { title: `spare ${marker}` });
  const [document, spareDocument] = [await upload(h, cookie, `notes of ${marker}`), await upload(h, cookie, `spare notes of ${marker}`)];
  const preset = await ok<{ id: string }>(h, 'POST', '/api/presets', cookie, { name: `preset ${marker}`, systemPrompt: `be ${marker}` });
  return {
    id,
    email,
    password: PASSWORD,
    cookie,
    bearer: auth.key,
    marker,
    conversationIds: [imported.id, turn.conversationId],
    messageIds: [...imported.messages.map((m) => m.id), ...detail.messages.map((m) => m.id)],
    documentIds: [document.id],
    shareIds: [share.id],
    shareTokens: [share.token],
    folderIds: [folder.id],
    presetIds: [preset.id],
    keyIds: [spare.id],
    spareIds: { conversations: [spareConversation.id], documents: [spareDocument.id], keys: [spare.id] },
    secrets: [auth.key, spare.key],
  };
}

/** What of `user`'s own data appears in `text`, leaving out what the request itself carried. */
export function leakedData(user: PlantedUser, text: string, sent: string): string[] {
  const spare = Object.values(user.spareIds).flat();
  const own = [user.marker, user.id, ...user.conversationIds, ...user.messageIds, ...user.documentIds, ...spare, ...user.secrets];
  return own.filter((s) => text.includes(s) && !sent.includes(s));
}

/** A fresh session for `user` after a request ended the one it had (straight from the store: logins may be throttled by then). */
export async function renewSession(h: Harness, user: PlantedUser): Promise<void> {
  const { token } = await createSession(h.ctx.database.db, user.id);
  user.cookie = `${SESSION_COOKIE}=${token}`;
}

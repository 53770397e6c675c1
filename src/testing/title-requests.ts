import { TITLE_PROMPT } from '../modules/chat/title';
import type { RecordedRequest } from './fake-upstream';

/**
 * The fake upstream's queue for a new conversation's title: the title is asked for while the
 * first answer is, so a test cannot know which of the two comes first.
 */
export const TITLE_QUEUE = 'title';

/** True for the server's request for a conversation's title. */
export const isTitleRequest = (body: unknown) =>
  (body as { messages?: { content?: unknown }[] } | null)?.messages?.some((m) => m.content === TITLE_PROMPT) ?? false;

/** `queueOf` for `startFakeUpstream`: title requests take their replies from `TITLE_QUEUE`. */
export const titlesApart = (request: RecordedRequest) => (isTitleRequest(request.body) ? TITLE_QUEUE : undefined);

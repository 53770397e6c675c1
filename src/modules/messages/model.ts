import { t } from 'elysia';
import { Message } from '../conversations/model';

export const MessageId = t.Object({ id: t.String({ format: 'uuid' }) });

export const Siblings = t.Object({
  items: t.Array(t.Pick(Message, ['id', 'parentId', 'role', 'content', 'model', 'status', 'createdAt']), {
    description: 'The message and its alternatives (edits, regenerations) after the same parent, oldest first',
  }),
  index: t.Integer({ description: 'Where the asked-for message is in `items`, from 0' }),
});

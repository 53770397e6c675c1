import { api } from './api.js';
import { branchSwitcher, newestLeafUnder } from './branch-switcher.js';
import { ComposerAttachments } from './composer-attachments.js';
import { $, announce, h } from './dom.js';
import { describeError } from './errors.js';
import { AssistantTurn, userTurn } from './message-view.js';
import { navigate } from './router.js';

const DOCUMENTS_TOOL = 'rag_lookup';
const OFFLINE_MODEL = 'offline';

/**
 * The offline model answers only from documents, so when a message it answered searched none
 * (lookup off, nothing picked) the useful next step is to turn lookup on and ask again.
 */
function searchedNothing(turn, sent) {
  return (
    Boolean(sent) &&
    turn.model === OFFLINE_MODEL &&
    !sent.plugins?.includes(DOCUMENTS_TOOL) &&
    !sent.documentIds?.length &&
    !sent.attachments?.length
  );
}

/** The path from `leafId` (by default the newest message) back to the root: the thread shown and continued. */
export function threadOf(messages, leafId) {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const thread = [];
  for (let m = leafId ? byId.get(leafId) : messages.at(-1); m; m = m.parentId ? byId.get(m.parentId) : undefined) thread.push(m);
  return thread.reverse().filter((m) => m.role === 'user' || m.role === 'assistant');
}

/**
 * The conversation on screen and its composer. Sends turns over the chat socket, follows the
 * stream with auto-scroll that yields as soon as the user scrolls up.
 */
export class ChatView {
  constructor({ socket, options, sidebar }) {
    this.socket = socket;
    this.options = options;
    this.sidebar = sidebar;
    this.list = $('messages');
    this.input = $('composer-input');
    this.conversationId = null;
    this.active = null;
    this.stick = true;
    this.autoTop = 0;
    this.leafId = null;
    /** Every message of the conversation on screen, every branch, for the branch switchers. */
    this.messages = [];
    /** Answers whose stream could not be followed after a reload: shown as stored from then on. */
    this.unresumable = new Set();
    /** Set once the user switched branches: new turns then continue the branch shown, not the newest. */
    this.branchChosen = false;
    /** Set when Send was pressed while an attached file was still being read: sent once it is ready. */
    this.sendWhenReady = false;
    this.hint = $('composer-hint');
    this.attachments = new ComposerAttachments({ onChange: () => this.attachmentsChanged() });
    this.bind();
  }

  bind() {
    $('composer').addEventListener('submit', (e) => (e.preventDefault(), this.sendFromComposer()));
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) e.preventDefault(), this.sendFromComposer();
    });
    this.input.addEventListener('input', () => this.grow());
    $('stop').addEventListener('click', () => this.stop());
    this.list.addEventListener(
      'scroll',
      () => {
        if (this.userScrolledUp()) this.stick = false;
        else if (this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40) this.stick = true;
        $('jump-to-latest').hidden = this.stick || !this.active;
      },
      { passive: true },
    );
    $('jump-to-latest').addEventListener('click', () => this.stickToBottom());
    // A rename in the sidebar shows in the header at once when it is this conversation.
    window.addEventListener('confab:conversation-renamed', ({ detail }) => {
      if (detail.id === this.conversationId && !$('chat-view').hidden) $('view-title').textContent = detail.title;
    });
  }

  grow() {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, window.innerHeight * 0.4)}px`;
  }

  stickToBottom() {
    this.stick = true;
    this.autoTop = 0;
    this.follow();
  }

  /** True when the list sits above where auto-scroll last put it: the user moved it. */
  userScrolledUp() {
    return this.list.scrollTop < this.autoTop - 2;
  }

  /**
   * Keeps the newest text in view unless the user has scrolled up. The position is checked here
   * too, because a frame can render before the user's scroll event arrives.
   */
  follow() {
    if (this.stick && this.userScrolledUp()) this.stick = false;
    if (this.stick) {
      this.list.scrollTop = this.list.scrollHeight;
      this.autoTop = this.list.scrollTop;
    }
    $('jump-to-latest').hidden = this.stick || !this.active;
  }

  busy() {
    return this.active !== null;
  }

  setBusy(active) {
    this.active = active;
    $('stop').hidden = !active;
    $('send').hidden = Boolean(active);
    for (const b of this.list.querySelectorAll('.turn-meta button:not([aria-label^="Copy"])')) b.disabled = Boolean(active);
  }

  empty() {
    this.list.replaceChildren(
      h(
        'div',
        { class: 'empty-chat' },
        h('h2', { text: 'How can I help?' }),
        h('p', { text: 'Ask anything. Upload documents in the Documents panel and pick them to get answers with sources.' }),
      ),
    );
  }

  /** Shows a conversation (or an empty new chat when `id` is null). */
  async open(id) {
    if (this.active && this.conversationId !== id) this.detach();
    this.conversationId = id;
    this.messages = [];
    this.branchChosen = false;
    // A new chat continues nothing; a stale leaf would make its first message a reply into the last one.
    this.leafId = null;
    if (!id) {
      $('view-title').textContent = 'New chat';
      this.empty();
      return;
    }
    if (this.active) return;
    try {
      const conversation = await api('GET', `/api/conversations/${id}`);
      if (this.conversationId !== id) return;
      $('view-title').textContent = conversation.title || 'New chat';
      this.messages = conversation.messages;
      this.conversation = conversation;
      this.options.applyConversation(conversation);
      this.renderThread(threadOf(conversation.messages));
    } catch (e) {
      if (e.status === 404) navigate('/', { replace: true });
      else this.list.replaceChildren(h('p', { class: 'notice error-notice', role: 'alert', text: describeError(e) }));
    }
  }

  renderThread(thread) {
    const lastAssistant = thread.findLast((m) => m.role === 'assistant');
    this.leafId = thread.at(-1)?.id ?? null;
    this.list.replaceChildren(
      ...thread.map((m) => {
        const el =
          m.role === 'user'
            ? this.userElement(m.content, m.parentId, m.attachments)
            : AssistantTurn.fromMessage(m, { onRegenerate: m === lastAssistant ? () => this.regenerate() : undefined }).root;
        const switcher = branchSwitcher(m, this.messages, (id) => this.showBranch(id));
        if (switcher) el.querySelector('.turn-meta')?.prepend(switcher);
        return el;
      }),
    );
    if (thread.length === 0) this.empty();
    const last = thread.at(-1);
    if (last?.role === 'assistant' && last.status === 'streaming' && last.requestId && !this.unresumable.has(last.requestId))
      this.followLive(last);
    this.stickToBottom();
  }

  /**
   * An answer still being written when the page loaded (a reload mid-stream): its stored part is
   * replaced by the live stream, replayed from its first frame and continued to its end.
   */
  followLive(message) {
    const turn = new AssistantTurn({ onRegenerate: () => this.regenerate(), onContent: () => this.follow() });
    turn.streaming(true);
    this.list.lastElementChild.replaceWith(turn.root);
    const { requestId } = message;
    this.socket.resume(requestId, (frame) => {
      // Gone from the stream hub (expired, or its server stopped): show what was stored instead.
      if (frame.type === 'error' && (frame.code === 'not_resumable' || frame.code === 'not_found')) {
        this.unresumable.add(requestId);
        return this.reloadAfterExpiry();
      }
      this.onFrame(turn, frame);
    });
    this.setBusy({ requestId, turn });
  }

  /** Shows the branch through message `id`, down to its newest message. */
  showBranch(id) {
    if (this.busy()) return;
    this.branchChosen = true;
    this.renderThread(threadOf(this.messages, newestLeafUnder(this.messages, id)));
    announce('Showing another version');
  }

  /** Leaves a streaming turn running on the server (it is stored) but stops showing it here. */
  detach() {
    this.socket.forget(this.active.requestId);
    this.setBusy(null);
  }

  sendFromComposer() {
    const text = this.input.value.trim();
    if (!text || this.busy()) return;
    const failed = this.attachments.failed();
    if (failed.length) return this.showHint(`${failed.map((f) => f.name).join(', ')} could not be read. Remove it to send.`);
    if (this.attachments.waitingFor().length) {
      this.sendWhenReady = true;
      return this.attachmentsChanged();
    }
    const attachments = this.attachments.sent();
    this.input.value = '';
    this.grow();
    this.attachments.clear();
    this.send(text, undefined, attachments);
  }

  showHint(text) {
    this.hint.textContent = text;
    this.hint.hidden = !text;
  }

  /** Keeps the hint and the Send button true to the files: a message waiting for one is sent once all are ready. */
  attachmentsChanged() {
    const waiting = this.attachments.waitingFor();
    $('send').disabled = this.sendWhenReady && waiting.length > 0;
    if (this.sendWhenReady && waiting.length) return this.showHint(`Waiting for ${waiting.map((w) => w.name).join(', ')}…`);
    this.showHint('');
    if (this.sendWhenReady) {
      this.sendWhenReady = false;
      this.sendFromComposer();
    }
  }

  /** A user message that remembers what it followed (and its files), so editing it branches from there. */
  userElement(content, parentId, attachments = []) {
    const el = userTurn({ content, attachments }, { onEdit: (text) => this.branchFrom(el, text), canEdit: () => !this.busy() });
    el.dataset.parentId = parentId ?? '';
    el.dataset.text = content;
    el.attachments = attachments;
    return el;
  }

  /** Edit-and-resend or regenerate: a new branch after what `el` followed; the old one stays stored. */
  branchFrom(el, text) {
    if (this.busy()) return;
    const parentId = el.dataset.parentId || null;
    const { attachments } = el;
    while (el.nextSibling) el.nextSibling.remove();
    el.remove();
    this.send(text, { parentId }, attachments);
  }

  regenerate() {
    const users = this.list.querySelectorAll('[data-parent-id]');
    const last = users[users.length - 1];
    if (last && !this.busy()) this.branchFrom(last, last.dataset.text);
  }

  send(text, branch, attachments = []) {
    if (this.busy()) return;
    this.list.querySelector('.empty-chat')?.remove();
    for (const b of this.list.querySelectorAll('.regenerate')) b.remove();
    this.list.append(this.userElement(text, branch ? branch.parentId : this.leafId, attachments));
    const turn = new AssistantTurn({ onRegenerate: () => this.regenerate(), onContent: () => this.follow() });
    turn.streaming(true);
    this.list.append(turn.root);
    this.stickToBottom();
    announce('Confab is answering');
    const frame = {
      type: 'chat',
      message: text,
      ...this.options.frame(),
      ...(attachments.length ? { attachments: attachments.map((a) => a.documentId) } : {}),
      ...(this.conversationId ? { conversationId: this.conversationId } : {}),
      ...(this.conversationId && (branch || this.branchChosen) ? { parentId: branch ? branch.parentId : this.leafId } : {}),
    };
    const requestId = this.socket.start(frame, (f) => this.onFrame(turn, f, frame));
    this.setBusy({ requestId, turn });
  }

  onFrame(turn, frame, sent) {
    if (frame.type === 'start' && frame.conversationId !== this.conversationId) {
      this.conversationId = frame.conversationId;
      history.replaceState(null, '', `/c/${frame.conversationId}`);
      this.sidebar.upsert({ id: frame.conversationId, title: 'New chat', updatedAt: new Date().toISOString() });
      this.sidebar.setCurrent(frame.conversationId);
      $('conversation-settings').hidden = false;
    }
    if (frame.type === 'start') this.leafId = frame.messageId;
    if (frame.type === 'error' && frame.code === 'not_resumable') return this.reloadAfterExpiry();
    turn.onFrame(frame);
    this.follow();
    if (frame.type === 'done' && frame.finishReason === 'stop' && searchedNothing(turn, sent))
      turn.offerDocuments(() => this.options.enablePlugin(DOCUMENTS_TOOL) && this.regenerate());
    if (frame.type === 'done' || frame.type === 'error') this.finished(frame);
  }

  async reloadAfterExpiry() {
    this.setBusy(null);
    await this.open(this.conversationId);
  }

  async finished(frame) {
    this.setBusy(null);
    announce(frame.type === 'error' ? `Error: ${describeError(frame)}` : 'Answer complete');
    await Promise.all([this.sidebar.refresh().catch(() => {}), this.reloadBranches()]);
    const current = this.sidebar.all().find((c) => c.id === this.conversationId);
    if (current) $('view-title').textContent = current.title || 'New chat';
    this.sidebar.setCurrent(this.conversationId);
  }

  /**
   * Picks up the messages the last turn stored. When it made a new branch (an edit or a
   * regeneration), the thread is drawn again so the new switcher shows.
   */
  async reloadBranches() {
    const id = this.conversationId;
    const conversation = await api('GET', `/api/conversations/${id}`).catch(() => null);
    if (!conversation || this.conversationId !== id || this.busy()) return;
    this.messages = conversation.messages;
    const leaf = this.messages.find((m) => m.id === this.leafId);
    const branched = threadOf(this.messages, this.leafId).some((m) => m.role === 'user' && branchSwitcher(m, this.messages, () => {}));
    if (leaf && branched) this.renderThread(threadOf(this.messages, this.leafId));
  }

  stop() {
    if (this.active) this.socket.stop(this.active.requestId);
  }
}

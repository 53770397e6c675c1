/** A chat turn ends with `done` or `error`; a benchmark with its summary (per-model results carry `model`). */
const isFinal = (frame) => frame.type === 'benchmark' || ((frame.type === 'done' || frame.type === 'error') && frame.model === undefined);
/** `crypto.randomUUID` exists only in secure contexts; a LAN address over plain HTTP is not one. */
function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const BACKOFF_MS = [250, 500, 1000, 2000, 4000];

/**
 * One WebSocket for all chat turns. Each turn remembers the last `seq` it saw; after a dropped
 * connection the socket reconnects and asks the server to `resume` every unfinished turn from
 * there, and frames already seen are ignored, so the answer has no gap and no repeat.
 * Emits `state` events (`connecting`, `open`, `reconnecting`, `offline`).
 */
export class ChatSocket extends EventTarget {
  constructor(url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/chat`) {
    super();
    this.url = url;
    this.turns = new Map();
    this.queue = [];
    this.attempt = 0;
    this.state = 'idle';
    this.ws = null;
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: state }));
  }

  connect() {
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener('open', () => this.onOpen());
    ws.addEventListener('message', (e) => this.onMessage(e.data));
    ws.addEventListener('close', () => this.onClose(ws));
  }

  onOpen() {
    this.attempt = 0;
    this.setState('open');
    for (const [requestId, turn] of this.turns) {
      if (turn.sent) this.ws.send(JSON.stringify({ type: 'resume', requestId, lastSeq: turn.lastSeq }));
    }
    for (const { text, turn } of this.queue.splice(0)) {
      this.ws.send(text);
      if (turn) turn.sent = true;
    }
  }

  onMessage(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    const turn = this.turns.get(frame.requestId);
    if (!turn) return;
    // seq 0 marks a reply about the request itself (e.g. it could not be resumed), outside its log.
    if (frame.seq > 0) {
      if (frame.seq <= turn.lastSeq) return;
      turn.lastSeq = frame.seq;
    }
    if (isFinal(frame)) this.turns.delete(frame.requestId);
    turn.onFrame(frame);
  }

  onClose(ws) {
    if (ws !== this.ws) return;
    this.ws = null;
    const pending = this.turns.size > 0 || this.queue.length > 0;
    if (!pending) {
      this.setState('idle');
      return;
    }
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.setState(this.attempt > BACKOFF_MS.length ? 'offline' : 'reconnecting');
    setTimeout(() => this.connect(), delay);
  }

  send(frame, turn) {
    const text = JSON.stringify(frame);
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.ws.send(text);
      if (turn) turn.sent = true;
    } else {
      this.queue.push({ text, turn });
      this.connect();
    }
  }

  /** Starts a turn (a `chat` or `benchmark` frame); `onFrame` receives each server frame once, in order. */
  start(frame, onFrame) {
    const requestId = frame.requestId ?? randomId();
    const turn = { onFrame, lastSeq: 0, sent: false };
    this.turns.set(requestId, turn);
    this.send({ ...frame, requestId }, turn);
    return requestId;
  }

  /** Follows a turn started elsewhere (before a reload) from its first frame; `onFrame` as for `start`. */
  resume(requestId, onFrame) {
    const turn = { onFrame, lastSeq: 0, sent: false };
    this.turns.set(requestId, turn);
    this.send({ type: 'resume', requestId, lastSeq: 0 }, turn);
  }

  stop(requestId) {
    if (this.turns.has(requestId)) this.send({ type: 'stop', requestId });
  }

  /** Gives up on a turn locally (e.g. the user left the conversation while it streamed). */
  forget(requestId) {
    this.turns.delete(requestId);
  }
}

import type Redis from 'ioredis';
import { AppError } from '../../lib/errors';
import { log } from '../../lib/logger';
import type { RedisHandle } from '../redis/client';
import { deliverControl } from './deliver-control';
import type { ControlListener, ControlMessage, FrameListener, StreamFrame, StreamHub } from './types';

export interface RedisStreamHubOptions {
  /** How long a finished log stays readable. */
  ttlMs?: number;
  /** Upper bound on a live log's life, so a replica that died mid-turn leaves no key behind. */
  liveTtlMs?: number;
  /** Frames kept per log (oldest trimmed first). */
  maxFrames?: number;
  prefix?: string;
}

/** Published on a log's channel when it finishes, so readers stop listening. */
const FINISHED = '{"finished":true}';

interface Reader<F extends StreamFrame> {
  requestId: string;
  lastSeq: number;
  onFrame: FrameListener<F>;
  /** Serialises replay, live frames and gap repair, so each frame is delivered once and in order. */
  chain: Promise<void>;
  closed: boolean;
}

const unavailable = (cause: unknown) =>
  new AppError('stream_unavailable', { internal: 'The stream buffer (Redis) is not reachable', cause });

/** A frame's stream entry id: seq is the sequence part, so ranges by seq are ranges by id. */
const entryId = (seq: number) => `0-${seq + 1}`;

/**
 * Stream logs in Redis, shared by every replica. Each log is a Redis Stream (capped, expiring
 * after the turn) holding the frames; every append is also published on the log's channel, so a
 * reader on any replica gets new frames at once. Pub/sub may drop messages across a reconnect, so
 * each published frame names the seq appended before it, and a reader that sees a gap (or whose
 * connection came back) re-reads the missing frames from the stream.
 */
export class RedisStreamHub<F extends StreamFrame = StreamFrame> implements StreamHub<F> {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly readers = new Map<string, Set<Reader<F>>>();
  /** The last seq this process appended per live log, published with each frame to expose gaps. */
  private readonly appended = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly liveTtlMs: number;
  private readonly maxFrames: number;
  private readonly prefix: string;
  private readonly stopListeners: ((requestId: string) => void)[] = [];
  private readonly controlListeners = new Set<ControlListener>();
  /** Names this hub on the control channel, so it skips its own messages: it delivered them already. */
  private readonly instance = crypto.randomUUID();

  constructor(redis: RedisHandle, opts: RedisStreamHubOptions = {}) {
    this.client = redis.client;
    this.subscriber = redis.duplicate('stream-hub-subscriber');
    this.ttlMs = opts.ttlMs ?? 5 * 60_000;
    this.liveTtlMs = opts.liveTtlMs ?? 60 * 60_000;
    this.maxFrames = opts.maxFrames ?? 20_000;
    this.prefix = opts.prefix ?? 'confab:turn:';
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    // Subscribed on every (re)connect: commands are not queued while Redis is away.
    const listenForStops = () =>
      this.subscriber
        .subscribe(this.stopChannel(), this.controlChannel())
        .catch((error) => log.warn('stop and control channels not subscribed', { error }));
    if (this.subscriber.status === 'ready') void listenForStops();
    // Frames published while the subscriber was away are only in the stream.
    this.subscriber.on('ready', () => {
      void listenForStops();
      for (const set of this.readers.values()) for (const reader of set) this.enqueue(reader, () => this.catchUp(reader));
    });
  }

  private stopChannel() {
    return `${this.prefix}stop`;
  }

  async requestStop(requestId: string): Promise<void> {
    await this.run(() => this.client.publish(this.stopChannel(), requestId));
  }

  onStopRequest(onStop: (requestId: string) => void): void {
    this.stopListeners.push(onStop);
  }

  private controlChannel() {
    return `${this.prefix}control`;
  }

  async broadcast(message: ControlMessage): Promise<void> {
    deliverControl(this.controlListeners, message);
    const envelope = JSON.stringify({ from: this.instance, message });
    await this.run(() => this.client.publish(this.controlChannel(), envelope));
  }

  onBroadcast(listener: ControlListener): () => void {
    this.controlListeners.add(listener);
    return () => this.controlListeners.delete(listener);
  }

  private onControl(raw: string) {
    let envelope: { from?: unknown; message?: ControlMessage };
    try {
      envelope = JSON.parse(raw);
    } catch {
      log.warn('unreadable control message ignored');
      return;
    }
    const message = envelope?.message;
    if (envelope?.from === this.instance || typeof message?.type !== 'string') return;
    deliverControl(this.controlListeners, message);
  }

  private key(requestId: string, part: 'frames' | 'owner' | 'done' | 'channel') {
    return `${this.prefix}${requestId}:${part}`;
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw unavailable(error);
    }
  }

  async create(requestId: string, owner: string): Promise<boolean> {
    const ok = await this.run(() => this.client.set(this.key(requestId, 'owner'), owner, 'PX', this.liveTtlMs, 'NX'));
    return ok === 'OK';
  }

  async owner(requestId: string): Promise<string | null> {
    return this.run(() => this.client.get(this.key(requestId, 'owner')));
  }

  async append(requestId: string, frame: F): Promise<void> {
    const frames = this.key(requestId, 'frames');
    const json = JSON.stringify(frame);
    const live = JSON.stringify({ p: this.appended.get(requestId) ?? null, f: frame });
    await this.run(async () => {
      const [[added], , [published]] = (await this.client
        .multi()
        .xadd(frames, 'MAXLEN', '~', this.maxFrames, entryId(frame.seq), 'f', json)
        .pexpire(frames, this.liveTtlMs)
        .publish(this.key(requestId, 'channel'), live)
        .exec()) ?? [[null], [null], [null]];
      // Appending a seq twice is refused by the stream's id order; the frame is already there.
      if (added && !/equal or smaller/.test(String((added as Error).message))) throw added;
      if (published) throw published;
    });
    this.appended.set(requestId, frame.seq);
  }

  async read(requestId: string, afterSeq: number): Promise<F[]> {
    const entries = await this.run(() => this.client.xrange(this.key(requestId, 'frames'), `(${entryId(Math.max(-1, afterSeq))}`, '+'));
    return entries.map(([, fields]) => JSON.parse(fields[1]) as F);
  }

  async subscribe(requestId: string, afterSeq: number, onFrame: FrameListener<F>): Promise<() => void> {
    const reader: Reader<F> = { requestId, lastSeq: afterSeq, onFrame, chain: Promise.resolve(), closed: false };
    const channel = this.key(requestId, 'channel');
    let set = this.readers.get(channel);
    if (!set) {
      this.readers.set(channel, (set = new Set()));
      await this.run(() => this.subscriber.subscribe(channel)).catch((error) => {
        this.readers.delete(channel);
        throw error;
      });
    }
    set.add(reader);
    // Subscribed before reading, so a frame appended in between arrives live and is deduplicated.
    this.enqueue(reader, () => this.catchUp(reader));
    await reader.chain;
    return () => this.remove(channel, reader);
  }

  async finish(requestId: string): Promise<void> {
    const done = this.key(requestId, 'done');
    this.appended.delete(requestId);
    await this.run(() =>
      this.client
        .multi()
        .set(done, '1', 'PX', this.ttlMs)
        .pexpire(this.key(requestId, 'frames'), this.ttlMs)
        .pexpire(this.key(requestId, 'owner'), this.ttlMs)
        .publish(this.key(requestId, 'channel'), FINISHED)
        .exec(),
    );
  }

  async close(): Promise<void> {
    for (const set of this.readers.values()) for (const reader of set) reader.closed = true;
    this.readers.clear();
    this.subscriber.disconnect();
  }

  private enqueue(reader: Reader<F>, step: () => Promise<void>) {
    reader.chain = reader.chain
      .then(() => (reader.closed ? undefined : step()))
      .catch((error) => {
        log.warn('stream reader could not catch up; retrying on the next frame', { requestId: reader.requestId, error });
      });
  }

  private deliver(reader: Reader<F>, frame: F) {
    if (reader.closed || frame.seq <= reader.lastSeq) return;
    reader.lastSeq = frame.seq;
    reader.onFrame(frame);
  }

  /** Delivers everything in the stream after the reader's position; stops the reader once the log is done. */
  private async catchUp(reader: Reader<F>): Promise<void> {
    const [frames, done] = await Promise.all([
      this.read(reader.requestId, reader.lastSeq),
      this.run(() => this.client.exists(this.key(reader.requestId, 'done'))),
    ]);
    for (const frame of frames) this.deliver(reader, frame);
    if (done) this.remove(this.key(reader.requestId, 'channel'), reader);
  }

  private onMessage(channel: string, message: string) {
    if (channel === this.stopChannel()) {
      for (const onStop of this.stopListeners) onStop(message);
      return;
    }
    if (channel === this.controlChannel()) return this.onControl(message);
    const set = this.readers.get(channel);
    if (!set) return;
    const live = message === FINISHED ? null : (JSON.parse(message) as { p: number | null; f: F });
    for (const reader of set) {
      this.enqueue(reader, async () => {
        if (live && live.f.seq <= reader.lastSeq) return;
        // `p` is the seq appended just before this frame: nothing lies between it and the reader.
        if (live && (live.p === null || live.p <= reader.lastSeq)) this.deliver(reader, live.f);
        else await this.catchUp(reader);
      });
    }
  }

  private remove(channel: string, reader: Reader<F>) {
    reader.closed = true;
    const set = this.readers.get(channel);
    if (!set?.delete(reader) || set.size > 0) return;
    this.readers.delete(channel);
    this.subscriber.unsubscribe(channel).catch(() => {});
  }
}

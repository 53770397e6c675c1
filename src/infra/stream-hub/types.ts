/**
 * What the hub needs of a frame: `seq` increases within a request, so a reader can resume after any
 * frame. The frames themselves are the application's; it names their type when it builds a hub.
 */
export interface StreamFrame {
  type: string;
  requestId: string;
  seq: number;
  [field: string]: unknown;
}

export type FrameListener<F extends StreamFrame = StreamFrame> = (frame: F) => void;

/** A message every replica must act on, such as a principal losing its access. Plain JSON. */
export interface ControlMessage {
  type: string;
  [field: string]: unknown;
}

export type ControlListener = (message: ControlMessage) => void;

/**
 * The per-turn frame log behind WebSocket streaming: the turn appends, any number of sockets
 * (on any replica, with a shared implementation) read from a sequence number on. A finished log
 * stays readable for a while so a client that reconnects late still gets the end.
 */
export interface StreamHub<F extends StreamFrame = StreamFrame> {
  readonly kind: 'memory' | 'redis';
  /** Starts a log owned by `owner` (a user id); false when the request id is already in use. */
  create(requestId: string, owner: string): Promise<boolean>;
  /** The owner of a live or recently finished log, or null when none is known (or it expired). */
  owner(requestId: string): Promise<string | null>;
  /** Appends a frame; frames of one request must be appended in `seq` order. */
  append(requestId: string, frame: F): Promise<void>;
  /** Frames with `seq > afterSeq`, in order. */
  read(requestId: string, afterSeq: number): Promise<F[]>;
  /**
   * Delivers every frame with `seq > afterSeq`, first those already appended, then new ones as they
   * come, each exactly once and in order. Returns the unsubscribe function.
   */
  subscribe(requestId: string, afterSeq: number, onFrame: FrameListener<F>): Promise<() => void>;
  /** Asks whichever replica runs the request to abort it (the caller has checked ownership). */
  requestStop(requestId: string): Promise<void>;
  /** Registers what runs on each stop request, whichever replica it was asked on. */
  onStopRequest(onStop: (requestId: string) => void): void;
  /**
   * Delivers `message` to the control listeners of every replica: this one's before it returns, even
   * when the others cannot be reached (then it throws, once the local delivery is done).
   */
  broadcast(message: ControlMessage): Promise<void>;
  /** Registers a control listener, on this replica; returns the function that removes it. */
  onBroadcast(listener: ControlListener): () => void;
  /** Marks the log complete; it expires `ttlMs` later. */
  finish(requestId: string): Promise<void>;
  close(): Promise<void>;
}

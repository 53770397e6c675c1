import type { ControlLayout } from './control.ts';
import type { LaneBuffers } from './lane.ts';

/** The one message a worker receives: where the shared memory is and how to batch. */
export interface WorkerInit {
  index: number;
  handlers: string;
  control: SharedArrayBuffer;
  layout: ControlLayout;
  lanes: LaneBuffers[];
  maxBatch: number;
  maxWaitUs: number;
  agingUs: number;
  epochMs: number;
}

/** Sent once the handler module has loaded. */
export interface ReadyMessage {
  t: 'ready';
}

/**
 * One message per finished batch. `errors` is null when every job succeeded; otherwise
 * `errors[i]` is the failure message of job i, or null. A batch whose results are all numbers
 * sends them as a Float64Array, which crosses threads as one copy instead of a value per job.
 */
export interface DoneMessage {
  t: 'done';
  handles: Int32Array;
  gens: Int32Array;
  results: unknown[] | Float64Array;
  errors: Array<string | null> | null;
  startedUs: number;
}

export type WorkerMessage = ReadyMessage | DoneMessage;

/** The module a worker imports: one batch function per job kind. */
export type Handler = (payloads: string[]) => unknown[] | Promise<unknown[]>;
export type HandlerMap = Record<string, Handler>;

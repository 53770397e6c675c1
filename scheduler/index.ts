/**
 * The CPU-work scheduler: Bun Workers fed through shared-memory rings, with priorities, aging
 * and dynamic batching. The server submits work here; `Lane` is the raw ring for code that
 * manages its own consumers.
 */

export type { Priority, Scheduler, SchedulerOptions, SchedulerStats } from './contract';
export type { JobBatch, LaneBuffers } from './lane';
export { createBatch, Lane } from './lane';
export type { Handler, HandlerMap } from './protocol';
export { createScheduler } from './scheduler';

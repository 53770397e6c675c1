/**
 * The CPU-work scheduler: Bun Workers fed through shared-memory rings, with priorities, aging
 * and dynamic batching. The server submits work here; `Lane` is the raw ring for code that
 * manages its own consumers.
 */
export { createScheduler } from './scheduler.ts';
export type { Priority, Scheduler, SchedulerOptions, SchedulerStats } from './contract.ts';
export type { Handler, HandlerMap } from './protocol.ts';
export { Lane, createBatch } from './lane.ts';
export type { JobBatch, LaneBuffers } from './lane.ts';

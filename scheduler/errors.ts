import { AppError } from '../src/lib/errors';

/** The queue is full: the caller should back off briefly and retry. */
export const busy = () => new AppError('scheduler_busy', { headers: { 'retry-after': '1' } });

/** The scheduler no longer accepts work (shutdown); another replica may. */
export const closed = () => new AppError('scheduler_closed');

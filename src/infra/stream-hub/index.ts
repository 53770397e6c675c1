export { MemoryStreamHub } from './memory-hub';
export type { FrameListener, StreamFrame, StreamHub } from './types';

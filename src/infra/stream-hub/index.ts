export { MemoryStreamHub } from './memory-hub';
export type { ControlListener, ControlMessage, FrameListener, StreamFrame, StreamHub } from './types';

import { log } from '../../lib/logger';
import type { ControlListener, ControlMessage } from './types';

/** Runs every control listener; one that throws does not keep the message from the others. */
export function deliverControl(listeners: Iterable<ControlListener>, message: ControlMessage): void {
  for (const listener of listeners) {
    try {
      listener(message);
    } catch (error) {
      log.error('control message listener failed', { type: message.type, error });
    }
  }
}

import type { logCreator } from 'kafkajs';
import { log } from '../../lib/logger';

const REPEAT_WINDOW_MS = 10_000;

/**
 * Routes kafkajs' own logging into ours. While a broker is away kafkajs repeats the same
 * connection error on every retry, so an identical line is written at most once per window.
 */
export const kafkaLogCreator: logCreator = () => {
  // Called by kafkajs itself, so it is loaded by now.
  const { logLevel } = require('kafkajs') as typeof import('kafkajs');
  const lastSeen = new Map<string, number>();
  return ({ namespace, level, log: entry }) => {
    const message = `${namespace}: ${entry.message}`;
    const now = Date.now();
    if (now - (lastSeen.get(message) ?? 0) < REPEAT_WINDOW_MS) return;
    lastSeen.set(message, now);
    if (lastSeen.size > 500) lastSeen.clear();
    const fields = { groupId: entry.groupId, broker: entry.broker, error: entry.error };
    if (level <= logLevel.WARN) log.warn(`kafka ${message}`, fields);
    else log.debug(`kafka ${message}`, fields);
  };
};

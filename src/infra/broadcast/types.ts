/**
 * Tells the other replicas that something they keep in memory changed (connections, model
 * settings…), so each reloads it from the database. Embedded there is no other replica; with
 * REDIS_URL it is Redis pub/sub. Messages are hints, not data: a replica that may have missed one
 * (its subscription was down) is told so and reloads anyway.
 */
export interface Broadcast {
  readonly kind: 'memory' | 'redis';
  /** Delivers `message` to the listeners of `channel` on every other replica. */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Runs `listener` for each message other replicas publish on `channel`, and with `undefined`
   * whenever messages may have been missed (the subscription came back after a disconnect).
   */
  subscribe(channel: string, listener: (message: string | undefined) => void): void;
  close(): Promise<void>;
}

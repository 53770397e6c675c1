import { Counter, Gauge } from 'prom-client';
import { registry } from '../../lib/metrics';

const connections = new Gauge({
  name: 'confab_ws_connections',
  help: 'Open WebSocket connections',
  registers: [registry],
});

const frames = new Counter({
  name: 'confab_ws_frames_total',
  help: 'WebSocket frames by direction (in, out) and protocol frame type',
  labelNames: ['direction', 'type'] as const,
  registers: [registry],
});

/** The protocol's frame types (DESIGN §4); anything else is counted as `other`. */
const FRAME_TYPES = new Set(['chat', 'stop', 'resume', 'start', 'token', 'plugin', 'citations', 'fallback', 'done', 'error']);

export function wsOpened(): void {
  connections.inc();
}

export function wsClosed(): void {
  connections.dec();
}

export function wsFrame(direction: 'in' | 'out', type: string | undefined): void {
  frames.inc({ direction, type: type && FRAME_TYPES.has(type) ? type : 'other' });
}

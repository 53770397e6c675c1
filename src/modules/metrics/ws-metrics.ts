import { Counter, Gauge } from 'prom-client';
import { registry } from '../../lib/metrics';
import { FRAME_TYPES } from '../ws/model';

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

export function wsOpened(): void {
  connections.inc();
}

export function wsClosed(): void {
  connections.dec();
}

export function wsFrame(direction: 'in' | 'out', type: string | undefined): void {
  // Anything a client makes up is counted as `other`, so label values stay bounded.
  frames.inc({ direction, type: type && FRAME_TYPES.has(type) ? type : 'other' });
}

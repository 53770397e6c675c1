/** Per-request service level objectives, in milliseconds (the metrics goodput is judged on). */
export interface Slo {
  ttft?: number;
  tpot?: number;
  e2e?: number;
}

const METRICS = ['ttft', 'tpot', 'e2e'] as const;

/** Parses `ttft=500,e2e=2s,tpot=50ms`; a bare number means milliseconds. */
export function parseSlo(text: string): Slo {
  const slo: Slo = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, raw] = part.split('=').map((s) => s.trim());
    if (!(METRICS as readonly string[]).includes(name)) {
      throw new Error(`unknown SLO metric "${name}" (use ${METRICS.join(', ')})`);
    }
    slo[name as keyof Slo] = parseDurationMs(raw ?? '');
  }
  if (Object.keys(slo).length === 0) throw new Error('--slo needs at least one metric, e.g. ttft=500,e2e=2000');
  return slo;
}

/** Parses `500ms`, `2s`, `1m`; a bare number is in `bareUnit`. */
export function parseDurationMs(raw: string, bareUnit: 'ms' | 's' = 'ms'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!match) throw new Error(`"${raw}" is not a duration (e.g. 500ms, 2s, 1m)`);
  const unit = match[2] ?? bareUnit;
  const scale = unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1;
  return Number(match[1]) * scale;
}

/** A request without a first token cannot meet a TTFT or TPOT objective. */
export function meetsSlo(slo: Slo, e2e: number, ttft: number | null, tpot: number | null): boolean {
  if (slo.e2e !== undefined && e2e > slo.e2e) return false;
  if (slo.ttft !== undefined && (ttft === null || ttft > slo.ttft)) return false;
  if (slo.tpot !== undefined && tpot !== null && tpot > slo.tpot) return false;
  return true;
}

/**
 * A small structured logger (one JSON object per line). Values under keys that look like secrets
 * are masked, so a careless `log.info({ config })` cannot leak a key. The level is the config's
 * `LOG_LEVEL`, applied at start-up; until then it is `info`.
 */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

const SECRET_KEY = /(pass(word)?|secret|token|api[-_]?key|authorization|cookie|database_url|redis_url)/i;

let threshold: number = LEVELS.info;

export function setLogLevel(level: LogLevel) {
  threshold = LEVELS[level];
}

export const logLevel = (): LogLevel => (Object.keys(LEVELS) as LogLevel[]).find((l) => LEVELS[l] === threshold) ?? 'info';

function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

function write(level: LogLevel, msg: string, fields?: Record<string, unknown>) {
  if (LEVELS[level] < threshold) return;
  const line = JSON.stringify({ t: new Date().toISOString(), level, msg, ...(redact(fields ?? {}) as object) });
  if (LEVELS[level] >= LEVELS.warn) process.stderr.write(line + '\n');
  else process.stdout.write(line + '\n');
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
};

/**
 * A warning that can repeat on every request (a dependency that is down): written at most once
 * per `everyMs`, the next one saying how many were held back in between, so an outage is logged
 * without flooding the log.
 */
export function throttledWarning(everyMs: number) {
  let last = Number.NEGATIVE_INFINITY;
  let held = 0;
  return (msg: string, fields?: Record<string, unknown>) => {
    const now = performance.now();
    if (now - last < everyMs) {
      held++;
      return;
    }
    log.warn(msg, held > 0 ? { ...fields, suppressed: held } : fields);
    last = now;
    held = 0;
  };
}

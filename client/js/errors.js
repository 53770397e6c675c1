// Served by the server from src/lib/error-catalogue.ts: the UI and the API word every error alike.
import { errorMessages } from './error-catalogue.js';

/** Codes only the browser produces; the server never sends them. */
export const CLIENT_ONLY_MESSAGES = new Map([['network', 'The server could not be reached. Check your connection.']]);

const catalogue = new Map(Object.entries(errorMessages));

const UNKNOWN = 'Something went wrong.';

function seconds(ms) {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return s === 1 ? '1 second' : `${s} seconds`;
}

/**
 * The sentence a person reads for an error from the API or the chat socket. The server's message is
 * the catalogue's sentence or a more specific one (the bad field, what was not found); one arriving
 * with a code the catalogue lacks came from something on the way (a proxy) and is not shown.
 */
export function describeError({ code, message, retryAfterMs } = {}) {
  // The user asked for it: say what happened in their terms.
  if (code === 'cancelled') return 'Stopped.';
  const sentence = CLIENT_ONLY_MESSAGES.get(code) ?? (catalogue.has(code) ? message || catalogue.get(code) : UNKNOWN);
  // A quota names the moment it resets (hours or weeks away), not a wait in seconds: shown in local time.
  if (code === 'quota_exceeded') return sentence.replace(/ at (\d{4}-\d\d-\d\dT[\d:.]+Z)\./, (_, iso) => ` ${localMoment(iso)}.`);
  return retryAfterMs ? `${sentence} Try again in ${seconds(retryAfterMs)}.` : sentence;
}

function localMoment(iso) {
  const at = new Date(iso);
  return `on ${at.toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })}`;
}

export function describeFallback({ from, to }) {
  return `${from} did not answer, so ${to} answered instead.`;
}

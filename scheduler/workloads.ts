/**
 * Handler module for the CLI and the benchmark: a simulated inference workload.
 *
 * `infer` payloads read `<perJobUs>|<perBatchUs>|<text>`: each batch costs a fixed overhead plus
 * a cost per job, spent hashing (real CPU work, like a model forward pass), so batching pays off
 * the way it does on an accelerator. `checksum` is the smallest honest job: hash the payload.
 */

/** FNV-1a over the UTF-16 units of a string. */
export function checksum(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Burns about `us` microseconds of CPU and returns a value that depends on the work. */
function spin(us: number, seed: number): number {
  if (us <= 0) return seed;
  const until = performance.now() + us / 1000;
  let h = seed | 0;
  do {
    for (let i = 0; i < 64; i++) h = Math.imul(h ^ i, 0x01000193);
  } while (performance.now() < until);
  return h >>> 0;
}

function parseInfer(payload: string): { perJobUs: number; perBatchUs: number; text: string } {
  const a = payload.indexOf('|');
  const b = payload.indexOf('|', a + 1);
  return { perJobUs: Number(payload.slice(0, a)) || 0, perBatchUs: Number(payload.slice(a + 1, b)) || 0, text: payload.slice(b + 1) };
}

export const handlers = {
  checksum: (payloads: string[]) => payloads.map(checksum),
  infer: (payloads: string[]) => {
    const jobs = payloads.map(parseInfer);
    const perBatch = jobs.reduce((max, job) => Math.max(max, job.perBatchUs), 0);
    const total = perBatch + jobs.reduce((sum, job) => sum + job.perJobUs, 0);
    const salt = spin(total, jobs.length);
    return jobs.map((job) => (checksum(job.text) ^ salt) >>> 0);
  },
};

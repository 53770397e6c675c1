/** Callbacks `tick` left on the worker's event loop that have run. */
let ticks = 0;

/** Job kinds the scheduler tests run: each one exercises a way a handler can behave. */
export const handlers = {
  /** Leaves a callback on the worker's event loop; `ticks` reports how many such callbacks ran. */
  tick: (payloads: string[]) => {
    setImmediate(() => ticks++);
    return payloads;
  },
  ticks: (payloads: string[]) => payloads.map(() => ticks),
  echo: (payloads: string[]) => payloads,
  len: (payloads: string[]) => payloads.map((p) => p.length),
  upper: (payloads: string[]) => payloads.map((p) => p.toUpperCase()),
  /** Reports the whole batch it was called with, so tests can see how jobs were grouped. */
  batch: (payloads: string[]) => payloads.map(() => payloads.slice()),
  slow: async (payloads: string[]) => {
    await Bun.sleep(Number(payloads[0]) || 5);
    return payloads;
  },
  fail: (payloads: string[]) => {
    throw new Error(`refused ${payloads.length}`);
  },
  short: (payloads: string[]) => payloads.slice(1),
  /** Kills its worker unless the payload says to spare it: a worker dying mid-batch. */
  exit: (payloads: string[]) => {
    if (payloads.some((p) => p === 'die')) process.exit(7);
    return payloads;
  },
  /** Dies on the first attempt only, using a file as cross-worker memory. */
  exitOnce: (payloads: string[]) => {
    const marker = payloads[0];
    if (!require('node:fs').existsSync(marker)) {
      require('node:fs').writeFileSync(marker, '1');
      process.exit(9);
    }
    return payloads;
  },
};

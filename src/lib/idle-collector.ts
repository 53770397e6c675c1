/**
 * A full garbage collection once a burst of work has ended. JavaScriptCore collects lazily, so
 * after a load the heap keeps what the load left behind until allocation picks up again: the
 * embedded server held about 100 MiB more three seconds after 10,000 chat turns than after a
 * collection. Collecting only once the thread has been quiet for `quietMs` puts the pause (tens of
 * milliseconds for a heap of this size) where no request waits for it; `minWork` units of work
 * since the last one keep a trickle of requests from paying for a collection each.
 */
export function idleCollector(opts: { quietMs: number; minWork: number; collect?: () => void }) {
  const collect = opts.collect ?? (() => Bun.gc(true));
  let work = 0;
  let lastAt = 0;
  const timer = setInterval(() => {
    if (work < opts.minWork || performance.now() - lastAt < opts.quietMs) return;
    work = 0;
    collect();
  }, opts.quietMs);
  timer.unref();
  return {
    /** One unit of work done now. */
    note(): void {
      work++;
      lastAt = performance.now();
    },
    stop: () => clearInterval(timer),
  };
}

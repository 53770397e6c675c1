import type { LiveStatus } from './runner';

/**
 * A once-a-second status line on stderr: redrawn in place on a terminal, appended every five
 * seconds otherwise, so logs of CI runs stay short.
 */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): {
  update: (status: LiveStatus) => void;
  done: () => void;
} {
  const tty = Boolean(stream.isTTY);
  let lastCount = 0;
  let ticks = 0;
  return {
    update: (status) => {
      const r = status.recorder;
      const rate = r.requests - lastCount;
      lastCount = r.requests;
      const recent = r.timeline
        .points(Number.MAX_SAFE_INTEGER)
        .filter((p) => p.p99 !== null)
        .at(-1);
      const line =
        `[${status.elapsedS.toFixed(0).padStart(4)}s ${status.phase.padEnd(7)}] ${r.requests} done · ` +
        `${status.inFlight} in flight · ${rate} req/s · ${r.errorCount()} errors` +
        (recent?.p99 != null ? ` · recent p99 ${recent.p99.toFixed(1)} ms` : '');
      if (tty) stream.write(`\r\x1b[K${line}`);
      else if (++ticks % 5 === 0) stream.write(`${line}\n`);
    },
    done: () => {
      if (tty) stream.write('\r\x1b[K');
    },
  };
}

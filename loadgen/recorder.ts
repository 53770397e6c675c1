import { createHistogram, type Distribution, distribution, percentileCurve, recordMs } from './histogram';
import { meetsSlo, type Slo } from './slo';
import { Timeline, type TimelinePoint } from './timeline';

/** What one request produced, as reported by a mode's executor. */
export interface Outcome {
  /** Error kind (e.g. `status 429`, `timeout`, `socket close`), or null on success. */
  error: string | null;
  /** Timestamps (performance.now) of each streamed content delta; null for unstreamed modes. */
  tokenTimes: number[] | null;
  /** Output tokens: the server's usage figure when it reports one, else counted deltas. */
  outputTokens: number;
}

export interface Latencies {
  /** Intended send time to last byte: the latency a user behind a fixed arrival rate sees. */
  e2e: Distribution | null;
  /** Actual send time to last byte: what closed-loop tools call latency. */
  serviceTime: Distribution | null;
  /** How late the generator sent requests relative to their schedule. */
  scheduleLag: Distribution | null;
  ttft: Distribution | null;
  itl: Distribution | null;
  tpot: Distribution | null;
}

export interface Measured {
  requests: number;
  ok: number;
  errors: Record<string, number>;
  good: number;
  outputTokens: number;
  /** Seconds from the start of the measured phase to the last completion. */
  elapsedS: number;
  latency: Latencies;
  curve: Array<[number, number]>;
  timeline: TimelinePoint[];
}

/** Accumulates outcomes of the measured phase into HDR histograms. */
export class Recorder {
  readonly timeline = new Timeline();
  requests = 0;
  ok = 0;
  good = 0;
  outputTokens = 0;
  lastEnd = 0;
  private readonly errors = new Map<string, number>();
  private readonly e2e = createHistogram();
  private readonly service = createHistogram();
  private readonly lag = createHistogram();
  private readonly ttft = createHistogram();
  private readonly itl = createHistogram();
  private readonly tpot = createHistogram();

  constructor(
    readonly startedAt: number,
    private readonly slo: Slo | null,
  ) {}

  record(intendedAt: number, sentAt: number, endAt: number, outcome: Outcome): void {
    this.requests++;
    if (endAt > this.lastEnd) this.lastEnd = endAt;
    const e2e = endAt - intendedAt;
    recordMs(this.lag, sentAt - intendedAt);
    if (outcome.error !== null) {
      this.errors.set(outcome.error, (this.errors.get(outcome.error) ?? 0) + 1);
      this.timeline.record(intendedAt - this.startedAt, e2e, false, 0);
      return;
    }
    this.ok++;
    this.outputTokens += outcome.outputTokens;
    recordMs(this.e2e, e2e);
    recordMs(this.service, endAt - sentAt);
    const { ttft, tpot } = this.recordTokens(intendedAt, endAt, outcome);
    if (this.slo && meetsSlo(this.slo, e2e, ttft, tpot)) this.good++;
    this.timeline.record(intendedAt - this.startedAt, e2e, true, outcome.outputTokens);
  }

  errorCount(): number {
    return this.requests - this.ok;
  }

  result(): Measured {
    return {
      requests: this.requests,
      ok: this.ok,
      errors: Object.fromEntries([...this.errors].sort((a, b) => b[1] - a[1])),
      good: this.good,
      outputTokens: this.outputTokens,
      elapsedS: Math.max(0, this.lastEnd - this.startedAt) / 1000,
      latency: {
        e2e: distribution(this.e2e),
        serviceTime: distribution(this.service),
        scheduleLag: distribution(this.lag),
        ttft: distribution(this.ttft),
        itl: distribution(this.itl),
        tpot: distribution(this.tpot),
      },
      curve: percentileCurve(this.e2e),
      timeline: this.timeline.points(),
    };
  }

  private recordTokens(intendedAt: number, endAt: number, outcome: Outcome) {
    const times = outcome.tokenTimes;
    if (times === null || times.length === 0) return { ttft: null, tpot: null };
    const ttft = times[0] - intendedAt;
    recordMs(this.ttft, ttft);
    for (let i = 1; i < times.length; i++) recordMs(this.itl, times[i] - times[i - 1]);
    const tokens = Math.max(outcome.outputTokens, times.length);
    if (tokens < 2) return { ttft, tpot: null };
    const tpot = (endAt - times[0]) / (tokens - 1);
    recordMs(this.tpot, tpot);
    return { ttft, tpot };
  }
}

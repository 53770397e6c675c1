import { build, type Histogram } from 'hdr-histogram-js';

/** Percentile summary of one latency metric, in milliseconds. */
export interface Distribution {
  count: number;
  min: number;
  mean: number;
  stdev: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** Points of the percentile curve drawn in the HTML report (HdrHistogram's classic plot). */
const CURVE_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100];

/**
 * Values are recorded as whole microseconds: three significant digits keep sub-millisecond
 * loopback latencies distinguishable while minute-long stalls still fit.
 */
export function createHistogram(significantDigits: 1 | 2 | 3 = 3): Histogram {
  return build({ numberOfSignificantValueDigits: significantDigits, lowestDiscernibleValue: 1, autoResize: true });
}

export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(ms <= 0 ? 0 : Math.round(ms * 1000));
}

const toMs = (us: number) => Math.round(us) / 1000;

export function distribution(histogram: Histogram): Distribution | null {
  if (histogram.totalCount === 0) return null;
  const at = (p: number) => toMs(histogram.getValueAtPercentile(p));
  return {
    count: histogram.totalCount,
    min: at(0),
    mean: toMs(histogram.mean),
    stdev: toMs(histogram.stdDeviation),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: toMs(histogram.maxValue),
  };
}

export function percentileCurve(histogram: Histogram): Array<[percentile: number, ms: number]> {
  if (histogram.totalCount === 0) return [];
  return CURVE_PERCENTILES.map((p) => [p, toMs(histogram.getValueAtPercentile(p))]);
}

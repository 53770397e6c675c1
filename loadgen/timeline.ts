import type { Histogram } from 'hdr-histogram-js';
import { createHistogram, recordMs } from './histogram';

/** One slice of the run, for the latency-over-time plot and the progress line. */
export interface TimelinePoint {
  /** Seconds since the measured phase began (start of the slice). */
  t: number;
  requests: number;
  errors: number;
  outputTokens: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

interface Bucket {
  requests: number;
  errors: number;
  outputTokens: number;
  latency: Histogram;
}

const MAX_BUCKETS = 240;

/**
 * Requests grouped by intended send time. Slices start at 100 ms and double in width whenever
 * the run outgrows MAX_BUCKETS, so memory stays bounded however long the run is.
 */
export class Timeline {
  private width = 100;
  private buckets: Bucket[] = [];

  record(offsetMs: number, latencyMs: number, ok: boolean, outputTokens: number): void {
    const index = Math.max(0, Math.floor(offsetMs / this.width));
    if (index >= MAX_BUCKETS) {
      this.coarsen();
      this.record(offsetMs, latencyMs, ok, outputTokens);
      return;
    }
    while (this.buckets.length <= index) this.buckets.push(emptyBucket());
    const bucket = this.buckets[index];
    bucket.requests++;
    bucket.outputTokens += outputTokens;
    if (ok) recordMs(bucket.latency, latencyMs);
    else bucket.errors++;
  }

  /** Merges slices so that at most `maxPoints` remain. */
  points(maxPoints = 120): TimelinePoint[] {
    const factor = Math.max(1, Math.ceil(this.buckets.length / maxPoints));
    const out: TimelinePoint[] = [];
    for (let i = 0; i < this.buckets.length; i += factor) {
      out.push(toPoint(mergeBuckets(this.buckets.slice(i, i + factor)), (i * this.width) / 1000));
    }
    return out;
  }

  private coarsen(): void {
    const merged: Bucket[] = [];
    for (let i = 0; i < this.buckets.length; i += 2) merged.push(mergeBuckets(this.buckets.slice(i, i + 2)));
    this.buckets = merged;
    this.width *= 2;
  }
}

function emptyBucket(): Bucket {
  return { requests: 0, errors: 0, outputTokens: 0, latency: createHistogram(2) };
}

function mergeBuckets(parts: Bucket[]): Bucket {
  if (parts.length === 1) return parts[0];
  const merged = emptyBucket();
  for (const part of parts) {
    merged.requests += part.requests;
    merged.errors += part.errors;
    merged.outputTokens += part.outputTokens;
    merged.latency.add(part.latency);
  }
  return merged;
}

function toPoint(bucket: Bucket, t: number): TimelinePoint {
  const h = bucket.latency;
  const empty = h.totalCount === 0;
  const at = (p: number) => (empty ? null : Math.round(h.getValueAtPercentile(p)) / 1000);
  return {
    t,
    requests: bucket.requests,
    errors: bucket.errors,
    outputTokens: bucket.outputTokens,
    p50: at(50),
    p99: at(99),
    max: empty ? null : Math.round(h.maxValue) / 1000,
  };
}

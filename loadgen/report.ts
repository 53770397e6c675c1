import { arch, cpus, hostname, platform, release, totalmem } from 'node:os';
import pkg from '../package.json';
import type { LoadgenOptions } from './options';
import type { Latencies, Measured } from './recorder';
import type { LoadPlan } from './runner';
import type { Slo } from './slo';
import type { TimelinePoint } from './timeline';

/** Bumped whenever a field is renamed or removed; additions keep the version. */
const SCHEMA_VERSION = 1;

export interface RunSummary {
  requests: number;
  ok: number;
  errors: number;
  errorRate: number;
  durationS: number;
  /** Completed requests per second (ok and failed). */
  requestRate: number;
  okRate: number;
  outputTokens: number;
  outputTokenRate: number;
  /** Requests per second that succeeded within every --slo objective; null without --slo. */
  goodput: { rate: number; fraction: number } | null;
}

export interface RunResult {
  label: string;
  targetRate: number | null;
  summary: RunSummary;
  latency: Latencies;
  errors: Record<string, number>;
  percentileCurve: Array<[number, number]>;
  timeline: TimelinePoint[];
}

export interface SweepSummary {
  percentile: 99;
  slo: Slo;
  /** Highest swept rate whose run met every objective; null if the first already broke. */
  sustainableRate: number | null;
  brokeAt: number | null;
  reasons: string[];
}

export interface Report {
  schemaVersion: number;
  meta: {
    tool: string;
    version: string;
    startedAt: string;
    finishedAt: string;
    host: { hostname: string; platform: string; release: string; arch: string; cpus: number; cpuModel: string; memoryBytes: number };
    runtime: string;
  };
  config: Omit<LoadgenOptions, 'apiKey' | 'headers' | 'json' | 'html' | 'quiet'> & {
    headerNames: string[];
    auth: 'api-key' | 'signup' | 'none';
  };
  runs: RunResult[];
  sweep: SweepSummary | null;
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

export function toRunResult(measured: Measured, plan: LoadPlan): RunResult {
  const durationS = measured.elapsedS;
  const per = (n: number) => (durationS > 0 ? round(n / durationS) : 0);
  const errors = measured.requests - measured.ok;
  return {
    label: plan.rate === null ? `closed loop, ${plan.concurrency} workers` : `open loop, ${plan.rate} req/s ${plan.arrival}`,
    targetRate: plan.rate,
    summary: {
      requests: measured.requests,
      ok: measured.ok,
      errors,
      errorRate: measured.requests === 0 ? 0 : round(errors / measured.requests, 5),
      durationS: round(durationS),
      requestRate: per(measured.requests),
      okRate: per(measured.ok),
      outputTokens: measured.outputTokens,
      outputTokenRate: per(measured.outputTokens),
      goodput: plan.slo
        ? { rate: per(measured.good), fraction: measured.requests === 0 ? 0 : round(measured.good / measured.requests, 5) }
        : null,
    },
    latency: measured.latency,
    errors: measured.errors,
    percentileCurve: measured.curve,
    timeline: measured.timeline,
  };
}

export function buildReport(
  options: LoadgenOptions,
  auth: Report['config']['auth'],
  startedAt: Date,
  runs: RunResult[],
  sweep: SweepSummary | null,
): Report {
  const { apiKey: _key, headers, json: _json, html: _html, quiet: _quiet, ...config } = options;
  const cpuList = cpus();
  return {
    schemaVersion: SCHEMA_VERSION,
    meta: {
      tool: 'confab-loadgen',
      version: pkg.version,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      host: {
        hostname: hostname(),
        platform: platform(),
        release: release(),
        arch: arch(),
        cpus: cpuList.length,
        cpuModel: cpuList[0]?.model ?? 'unknown',
        memoryBytes: totalmem(),
      },
      runtime: `bun ${Bun.version}`,
    },
    config: { ...config, headerNames: Object.keys(headers), auth },
    runs,
    sweep,
  };
}

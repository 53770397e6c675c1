import type { Outcome } from './recorder';
import { type RunResult, type SweepSummary, toRunResult } from './report';
import { type LiveStatus, type LoadPlan, runLoad } from './runner';
import type { Slo } from './slo';

/** A run breaks when more than this fraction of requests fail. */
const MAX_ERROR_RATE = 0.01;

/** Open-loop runs at each rate in turn, stopping at the first whose p99 breaks the SLO. */
export async function sweepRates(
  rates: number[],
  basePlan: LoadPlan,
  slo: Slo,
  execute: () => Promise<Outcome>,
  onStatus?: (status: LiveStatus) => void,
): Promise<{ runs: RunResult[]; sweep: SweepSummary }> {
  const runs: RunResult[] = [];
  const sweep: SweepSummary = { percentile: 99, slo, sustainableRate: null, brokeAt: null, reasons: [] };
  for (const rate of rates) {
    const plan = { ...basePlan, rate };
    const run = toRunResult(await runLoad(plan, execute, onStatus), plan);
    runs.push(run);
    const reasons = sloBreaches(run, slo);
    if (reasons.length > 0) {
      sweep.brokeAt = rate;
      sweep.reasons = reasons;
      break;
    }
    sweep.sustainableRate = rate;
  }
  return { runs, sweep };
}

function sloBreaches(run: RunResult, slo: Slo): string[] {
  const reasons: string[] = [];
  for (const metric of ['ttft', 'tpot', 'e2e'] as const) {
    const limit = slo[metric];
    if (limit === undefined) continue;
    const p99 = run.latency[metric]?.p99;
    if (p99 === undefined) reasons.push(`no ${metric} measured (every request failed or none streamed)`);
    else if (p99 > limit) reasons.push(`p99 ${metric} ${p99} ms > ${limit} ms`);
  }
  if (run.summary.errorRate > MAX_ERROR_RATE) {
    reasons.push(`error rate ${(run.summary.errorRate * 100).toFixed(2)}% > ${MAX_ERROR_RATE * 100}%`);
  }
  return reasons;
}

/**
 * The speed goals of issue #11 (2 vCPUs, load generator on the same box), checked by `npm run bench`
 * on every row they apply to. Each goal is about one measure (by key) at the smallest scale run, except
 * the flatness goal, which compares every search's p50 at the largest scale with its p50 at the smallest.
 * The anchors behind them (Aidbox's published per-vCPU figures, HAPI's 1K→64K growth) are in the issue.
 */
export interface Goal {
  /** Minimum throughput, in the row's unit (req/s or resources/s). */
  minRate: number;
  /** Maximum p99 latency in ms, when the goal has one. */
  maxP99Ms?: number;
}

/** Goals by measure key (run-bench.ts's query keys, plus `import` and `create`). */
export const GOALS: Readonly<Record<string, Goal>> = {
  import: { minRate: 1500 },
  create: { minRate: 1500 },
  read: { minRate: 5000 },
  broad: { minRate: 2000, maxP99Ms: 25 },
  vitals: { minRate: 1500, maxP99Ms: 25 },
  appointments: { minRate: 2000 },
  invoices: { minRate: 2000 },
  patients: { minRate: 2000 },
};

/** Any search's (and the read's) p50 at the largest scale ÷ its p50 at the smallest. */
export const MAX_P50_GROWTH = 1.5;

export interface Measured {
  rate: number;
  p99?: number;
  failed?: number;
}

export interface Verdict {
  met: boolean;
  /** e.g. "≥ 2,000 req/s, p99 ≤ 25 ms: missed (1,210 req/s, p99 31 ms)". */
  text: string;
}

const figure = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The verdict for one measured row against its goal; undefined when the measure has no goal. */
export function checkGoal(key: string, unit: string, measured: Measured): Verdict | undefined {
  const goal = GOALS[key];
  if (!goal) return undefined;
  const rateOk = measured.rate >= goal.minRate;
  const p99Ok = goal.maxP99Ms === undefined || (measured.p99 !== undefined && measured.p99 <= goal.maxP99Ms);
  const met = rateOk && p99Ok && !measured.failed;
  const wanted = `≥ ${figure(goal.minRate)} ${unit}${goal.maxP99Ms === undefined ? '' : `, p99 ≤ ${goal.maxP99Ms} ms`}`;
  const got = `${figure(measured.rate)} ${unit}${goal.maxP99Ms === undefined || measured.p99 === undefined ? '' : `, p99 ${measured.p99.toFixed(1)} ms`}${measured.failed ? `, ${measured.failed} failed` : ''}`;
  return { met, text: `${wanted}: ${met ? 'met' : '**missed**'} (${got})` };
}

/** The flatness verdict for one search measured at two scales. */
export function checkGrowth(smallP50: number, largeP50: number, largeFailed = 0): Verdict {
  const ratio = largeP50 / smallP50;
  const met = Number.isFinite(ratio) && ratio <= MAX_P50_GROWTH && !largeFailed;
  const times = Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'unbounded (timeouts)';
  return { met, text: `p50 growth ≤ ${MAX_P50_GROWTH}×: ${met ? 'met' : '**missed**'} (${times})` };
}

import type { TrailClock } from '../../server/audit/audit-trail.ts';

/**
 * Clocks a test moves by hand: `testClock` is the millisecond clock the stores and the
 * authorization server read (movable, to expire codes and tokens without waiting);
 * `manualClock` stands in for setTimeout/clearTimeout where code takes its timers as a dependency
 * (the audit trail's flush).
 */
export interface TestClock {
  (): number;
  advance(ms: number): void;
}

/** `start`: the first reading (default a fixed date; pass Date.now() when real tokens are involved). */
export function testClock(start = Date.UTC(2030, 0, 1)): TestClock {
  let now = start;
  const clock = (() => now) as TestClock;
  clock.advance = (ms: number) => {
    now += ms;
  };
  return clock;
}

/** Timers that fire only when the test says so; `now()` is the fixed time given, or the real clock. */
export interface ManualClock extends TrailClock {
  now(): number;
  /** Delays of the timers now pending, in arming order. */
  readonly pending: number[];
  /** Fires every pending timer. */
  fire(): void;
}

export function manualClock(fixedNow?: number): ManualClock {
  const timers = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  return {
    now: () => fixedNow ?? Date.now(),
    setTimeout: (callback, ms) => {
      timers.set(++next, { callback, ms });
      return next;
    },
    clearTimeout: (handle) => {
      timers.delete(handle as number);
    },
    get pending() {
      return [...timers.values()].map((t) => t.ms);
    },
    fire: () => {
      const due = [...timers.values()];
      timers.clear();
      for (const t of due) t.callback();
    },
  };
}

// The clock controllers read and schedule on (client-go's k8s.io/utils/clock: Clock and
// testing.FakeClock): real time by default; a fake one in tests, advanced by hand, fires the
// timers that fall due in time order, so work queued "in an hour" runs when the hour is advanced.

export interface ClockTimer {
  unref?(): unknown;
}

export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  setTimeout(fn: () => void, ms: number): ClockTimer;
  clearTimeout(t: ClockTimer): void;
}

/** the longest delay Node's timers take (a longer one fires at once): later work is re-armed */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    // a delay past MAX_TIMER_MS (a @yearly CronJob, a month-long TTL) waits in steps
    const t: { current?: NodeJS.Timeout; unref(): void } = { unref: () => t.current?.unref() };
    const at = Date.now() + ms;
    const arm = () => {
      const left = at - Date.now();
      t.current = setTimeout(left > MAX_TIMER_MS ? arm : fn, Math.min(Math.max(left, 0), MAX_TIMER_MS));
      t.current.unref();
    };
    arm();
    return t;
  },
  clearTimeout: (t) => clearTimeout((t as { current?: NodeJS.Timeout }).current),
};

interface FakeTimer extends ClockTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(startMs: number = Date.parse('2026-01-01T00:00:00Z')) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const timer: FakeTimer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(t: ClockTimer): void {
    (t as FakeTimer).cancelled = true;
    this.timers = this.timers.filter((x) => x !== t);
  }

  /** Moves time forward, running each timer due on the way at its own time, earliest first. */
  advance(ms: number): void {
    this.set(this.t + ms);
  }

  /** Moves time to `ms` (never backwards for the timers: they run when their time is reached). */
  set(ms: number): void {
    for (;;) {
      const due = this.timers.filter((x) => x.at <= ms).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      if (due.at > this.t) this.t = due.at;
      if (!due.cancelled) due.fn();
    }
    this.t = ms;
  }

  /** Timers still waiting (tests). */
  get pending(): number {
    return this.timers.length;
  }
}

/** RFC 3339 at second precision, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

// A deduplicating, rate-limited work queue (client-go util/workqueue semantics): a key is
// processed by one worker at a time; adding a key that is being processed marks it dirty so it
// runs again afterwards; failures are retried with per-key exponential back-off.
import type { Logger } from 'pino';
import { realClock, type Clock, type ClockTimer } from './runtime/clock.js';

export type ReconcileResult = void | { requeueAfterMs?: number };

export interface WorkQueueOptions {
  name: string;
  /** parallel workers (distinct keys); default 4 */
  workers?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  logger?: Logger;
  /** the clock delayed adds run on (default: real time) */
  clock?: Clock;
}

/** rate.Limiter's Reserve: `qps` tokens a second, `burst` at most; the wait (ms) before a token is ours. */
class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly qps: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  reserve(): number {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; t: ClockTimer; clock: Clock }>();
  private active = 0;
  private stopped = false;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private readonly workers: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly bucket = new TokenBucket(10, 100);
  private readonly clock: Clock;

  constructor(
    private readonly opts: WorkQueueOptions,
    private readonly reconcile: (key: string) => ReconcileResult | Promise<ReconcileResult>,
  ) {
    this.workers = opts.workers ?? 4;
    this.clock = opts.clock ?? realClock;
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 60_000;
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.schedule();
  }

  /** Adds the key after a delay (an earlier pending delay for the key wins). */
  addAfter(key: string, ms: number): void {
    this.addAfterOn(this.clock, key, ms);
  }

  private addAfterOn(clock: Clock, key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const at = clock.now() + ms;
    const prev = this.timers.get(key);
    if (prev && prev.at <= at) return;
    if (prev) prev.clock.clearTimeout(prev.t);
    const t = clock.setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { at, t, clock });
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.stopped && this.active < this.workers && this.queue.length) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      void this.run(key);
    }
    if (this.active === 0 && this.queue.length === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  private async run(key: string): Promise<void> {
    try {
      const r = await this.reconcile(key);
      this.failures.delete(key);
      if (r && r.requeueAfterMs !== undefined) this.addAfter(key, r.requeueAfterMs);
    } catch (err) {
      // AddRateLimited with client-go's default controller rate limiter: the larger of a per-key
      // exponential back-off and an overall token bucket (util/workqueue default_rate_limiters.go)
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const delay = Math.max(Math.min(this.baseDelayMs * 2 ** (n - 1), this.maxDelayMs), this.bucket.reserve());
      // every failure is reported with its key (utilruntime.HandleError), the repeats less loudly
      const level = n === 1 || (n & (n - 1)) === 0 ? 'warn' : 'debug';
      this.opts.logger?.[level]({ key, err: (err as Error)?.message, retries: n, retryInMs: delay }, 'reconcile failed; retrying');
      // retries after a failure run on real time (a fake clock in a test does not stall them)
      this.addAfterOn(realClock, key, delay);
    } finally {
      this.processing.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.schedule();
    }
  }

  /** Resolves when nothing is queued or running (tests). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    for (const { t, clock } of this.timers.values()) clock.clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
  }
}

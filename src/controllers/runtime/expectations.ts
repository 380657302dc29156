// Controller expectations (upstream pkg/controller/controller_utils.go: ControllerExpectations,
// UIDTrackingControllerExpectations): a controller that has asked for N creations or deletions
// does not act on its owner again until the informer has seen them, or the expectations expired
// (5 minutes), so a sync on a cache that lags its own writes never doubles them.
import { realClock, type Clock } from './clock.js';

export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Expectation {
  add: number;
  del: number;
  timestamp: number;
}

export class ControllerExpectations {
  private readonly store = new Map<string, Expectation>();

  constructor(private readonly clock: Clock = realClock) {}

  get(key: string): { add: number; del: number } | undefined {
    const e = this.store.get(key);
    return e && { add: e.add, del: e.del };
  }

  /** SatisfiedExpectations: true when nothing is pending, the record expired, or there is none. */
  satisfiedExpectations(key: string): boolean {
    const e = this.store.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now() - e.timestamp > EXPECTATIONS_TIMEOUT_MS;
  }

  setExpectations(key: string, add: number, del: number): void {
    this.store.set(key, { add, del, timestamp: this.clock.now() });
  }

  expectCreations(key: string, n: number): void {
    this.setExpectations(key, n, 0);
  }

  expectDeletions(key: string, n: number): void {
    this.setExpectations(key, 0, n);
  }

  raiseExpectations(key: string, add: number, del: number): void {
    const e = this.store.get(key);
    if (!e) return;
    e.add += add;
    e.del += del;
  }

  lowerExpectations(key: string, add: number, del: number): void {
    const e = this.store.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  creationObserved(key: string): void {
    this.lowerExpectations(key, 1, 0);
  }

  deletionObserved(key: string): void {
    this.lowerExpectations(key, 0, 1);
  }

  deleteExpectations(key: string): void {
    this.store.delete(key);
  }
}

/** UIDTrackingControllerExpectations: deletions tracked by the uids asked for, so a repeat delete event counts once. */
export class UIDTrackingExpectations extends ControllerExpectations {
  private readonly uids = new Map<string, Set<string>>();

  getUIDs(key: string): Set<string> | undefined {
    return this.uids.get(key);
  }

  override expectDeletions(key: string, uids: string[] | number): void {
    if (typeof uids === 'number') return super.expectDeletions(key, uids);
    const set = new Set([...(this.uids.get(key) ?? []), ...uids]);
    this.uids.set(key, set);
    super.expectDeletions(key, uids.length);
  }

  /** DeletionObserved: lowers the count only for a uid that was expected. */
  override deletionObserved(key: string, uid?: string): void {
    const set = this.uids.get(key);
    if (uid === undefined || !set) return super.deletionObserved(key);
    if (set.delete(uid)) super.deletionObserved(key);
  }

  override deleteExpectations(key: string): void {
    this.uids.delete(key);
    super.deleteExpectations(key);
  }
}

// The uids whose tracking-finalizer removal the controller waits to observe (upstream
// pkg/controller/job/tracking_utils.go uidTrackingExpectations).
export class FinalizerExpectations {
  private readonly byJob = new Map<string, Set<string>>();

  getExpectedUIDs(key: string): Set<string> {
    return new Set(this.byJob.get(key) ?? []);
  }

  expectFinalizersRemoved(key: string, uids: string[]): void {
    let s = this.byJob.get(key);
    if (!s) this.byJob.set(key, (s = new Set()));
    for (const u of uids) s.add(u);
  }

  finalizerRemovalObserved(key: string, uid: string): void {
    const s = this.byJob.get(key);
    if (!s) return;
    s.delete(uid);
    if (!s.size) this.byJob.delete(key);
  }

  deleteExpectations(key: string): void {
    this.byJob.delete(key);
  }
}

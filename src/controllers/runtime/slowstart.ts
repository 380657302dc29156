// Slow-start batching of writes (upstream pkg/controller/replicaset/replica_set.go slowStartBatch,
// also used by the DaemonSet and Job controllers): call `fn` `count` times in batches that start at
// `initialBatchSize` and double after each batch that fully succeeds; after a batch with a failure,
// stop and report it. A quota or admission refusal then costs a handful of requests, not hundreds.

/** controller.SlowStartInitialBatchSize */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface SlowStartResult {
  /** calls of fn that did not throw */
  successes: number;
  /** the first failure of the failing batch, if any */
  error?: unknown;
}

/**
 * Calls fn up to `count` times (the calls of one batch run concurrently) and returns how many
 * succeeded; remaining batches are skipped after a batch in which any call failed.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => void | Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  let batch = Math.min(remaining, Math.max(1, initialBatchSize));
  while (batch > 0) {
    const errors: unknown[] = [];
    const calls: Promise<void>[] = [];
    for (let i = 0; i < batch; i++) {
      // a synchronous throw counts as that call's failure, as a returned error does upstream
      calls.push(
        (async () => {
          try {
            await fn();
          } catch (err) {
            errors.push(err);
          }
        })(),
      );
    }
    await Promise.all(calls);
    successes += batch - errors.length;
    if (errors.length) return { successes, error: errors[0] };
    remaining -= batch;
    batch = Math.min(2 * batch, remaining);
    // a large burst of synchronous writes lets other requests in between batches
    if (batch >= 16) await yieldToEventLoop();
  }
  return { successes };
}

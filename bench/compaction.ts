// Compaction stall: the longest the event loop stops (so every request and watch with it) while
// the change log is compacted. The store runs in this process on a data dir, with 200,000
// superseded rows (1,000 ConfigMaps written 201 times each); a 1 ms interval timer measures the
// longest gap between its ticks and perf_hooks' event-loop delay histogram its max, from the
// call to compact() until it has finished.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ObjectStore } from '../src/storage/store.js';

export async function compactionStall(quick: boolean): Promise<[string, string, string?][]> {
  const KEYS = 1000;
  const ROUNDS = quick ? 50 : 200;
  const rows = KEYS * ROUNDS;
  process.stderr.write(`compaction: ${rows} superseded rows\n`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-compact-'));
  const store = new ObjectStore({
    dataDir: dir,
    retentionCount: 0,
    compactIntervalMs: 0,
    attrs: (_r, o) => ({ labels: o?.metadata?.labels ?? {}, fields: { 'metadata.name': o?.metadata?.name ?? '' } }),
  });
  try {
    const data = { blob: 'x'.repeat(600) };
    for (let r = 0; r <= ROUNDS; r++) {
      for (let k = 0; k < KEYS; k++) {
        const name = `cm-${k}`;
        store.put(`/core/configmaps/bench/${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'bench', labels: { round: String(r) } }, data });
      }
      store.commitNow();
      if (r % 20 === 0) await new Promise((res) => setImmediate(res));
    }
    // the WAL checkpoints in the background; let it settle so that it does not disturb the measure
    await new Promise((res) => setTimeout(res, 500));
    const h = monitorEventLoopDelay({ resolution: 1 });
    let last = performance.now();
    let maxGap = 0;
    const probe = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 1);
    h.enable();
    const t0 = performance.now();
    const removed = await store.compact();
    const took = performance.now() - t0;
    await new Promise((res) => setTimeout(res, 5));
    h.disable();
    clearInterval(probe);
    const maxDelay = h.max / 1e6;
    process.stderr.write(`  removed ${removed} rows in ${took.toFixed(0)} ms; longest stall ${maxGap.toFixed(1)} ms (event-loop delay max ${maxDelay.toFixed(1)} ms)\n`);
    return [
      [`compaction of ${removed} change-log rows: longest event-loop stall, 1 ms timer gap / perf_hooks delay max (ms)`, `${maxGap.toFixed(1)} / ${maxDelay.toFixed(1)}`, quick ? '' : '< 50'],
      [`compaction of ${removed} change-log rows: wall time (ms)`, took.toFixed(0)],
    ];
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Profiling helper: the create / update path in-process, stage by stage, without HTTP
// (`npx tsx bench/prof-stages.mts [n]`; add --cpu-prof to node via NODE_OPTIONS to profile it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '../src/server/app.js';
import { decodeJSON } from '../src/server/negotiation.js';
import { findDuplicateFields } from '../src/schema/index.js';
import { podManifest } from './lib.js';

const N = Number(process.argv[2] ?? 20000);
const dir = mkdtempSync(join(tmpdir(), 'prof-stages-'));
const k = await createServer({ security: { open: true }, dataDir: dir, controllers: [], port: 0 } as any);
const { registry } = k;
const def = registry.mustDef('', 'pods');
registry.create(registry.mustDef('', 'namespaces'), '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
const bodies = Array.from({ length: N }, (_, i) => podManifest('bench', `p-${i}`, { shard: String(i % 100) }));
const t: Record<string, number> = { decode: 0, dups: 0, create: 0, stringify: 0, update: 0, 'store.put': 0 };
// the store's share (stringify + SQLite + attrs), inside create and update
const put = k.store.put.bind(k.store);
k.store.put = (...a: Parameters<typeof put>) => {
  const t0 = performance.now();
  try {
    return put(...a);
  } finally {
    t['store.put'] += performance.now() - t0;
  }
};
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  const b = decodeJSON(bodies[i]);
  const t1 = performance.now();
  const d = findDuplicateFields(b.raw!);
  const t2 = performance.now();
  const r = registry.create(def, 'bench', b.object, { fieldValidation: 'Warn', duplicates: d, userAgent: 'bench' });
  const t3 = performance.now();
  if (!r.json) JSON.stringify(r.object);
  t.decode += t1 - t0;
  t.dups += t2 - t1;
  t.create += t3 - t2;
  t.stringify += performance.now() - t3;
}
for (let i = 0; i < N; i++) {
  const got = JSON.parse(registry.getEntry(def, 'bench', `p-${i}`)!.json);
  got.metadata.labels.round = '1';
  const t0 = performance.now();
  registry.update(def, 'bench', `p-${i}`, got, { fieldValidation: 'Warn', userAgent: 'bench' });
  t.update += performance.now() - t0;
}
t['store.put'] /= 2; // creates and updates
for (const [s, v] of Object.entries(t)) console.log(`${s.padEnd(10)} ${((v / N) * 1000).toFixed(1)} us/op`);
await k.close();
rmSync(dir, { recursive: true, force: true });
